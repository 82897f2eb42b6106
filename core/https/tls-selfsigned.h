/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  POSTERN_TLS_KEY_ECDSA_P256,
  POSTERN_TLS_KEY_RSA_2048,
} PosternTlsKeyType;

/* Generates a self-signed server certificate and its key. @names holds DNS
 * names or IP literals (IPv4/IPv6); each becomes a subjectAltName, the first
 * is also the subject CN. Returns a PEM bundle (certificate, then the
 * unencrypted PKCS#8 key) in @pem_out. */
gboolean postern_tls_selfsigned_generate (const char *const *names,
                                          PosternTlsKeyType  key_type,
                                          guint              valid_days,
                                          char             **pem_out,
                                          GError           **error);

/* Generates a bundle for @fqdn and writes it to @path with mode 0600,
 * atomically (a reader never sees a half-written key). */
gboolean postern_tls_selfsigned_save (const char        *fqdn,
                                      PosternTlsKeyType  key_type,
                                      const char        *path,
                                      GError           **error);

G_END_DECLS
