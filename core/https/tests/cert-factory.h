/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

G_BEGIN_DECLS

/* Builds test certificates with GnuTLS directly (independent of the code
 * under test), one fault at a time. */
typedef struct {
  gnutls_x509_crt_t     crt;
  gnutls_x509_privkey_t key;
} TestCert;

/* @sans: DNS names or IP literals, NULL-terminated, may be NULL.
 * @issuer: NULL for self-signed. Times are Unix seconds. */
TestCert *test_cert_new (const char        *cn,
                         const char *const *sans,
                         gboolean           is_ca,
                         gint64             not_before,
                         gint64             not_after,
                         TestCert          *issuer);
void      test_cert_free (TestCert *cert);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestCert, test_cert_free)

char *test_cert_pem (TestCert *cert);
char *test_cert_key_pem (TestCert *cert);
char *test_cert_key_pem_encrypted (TestCert *cert, const char *password);

G_END_DECLS
