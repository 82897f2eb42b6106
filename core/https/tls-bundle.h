/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <gnutls/gnutls.h>

#include "tls-error.h"

G_BEGIN_DECLS

/* A PEM certificate bundle as the HTTPS front takes it: the server
 * certificate, its unencrypted private key, then the intermediates, each
 * issued by the next. Errors are in POSTERN_TLS_ERROR, one code per fault,
 * with a message that says what is wrong and how to fix it. */
typedef struct _PosternTlsBundle PosternTlsBundle;

/* Parses the PEM blocks and their order; no semantic checks yet. */
PosternTlsBundle *postern_tls_bundle_new_from_data (const char *pem,
                                                    gsize       len,
                                                    GError    **error);
PosternTlsBundle *postern_tls_bundle_new_from_file (const char *path,
                                                    GError    **error);
void              postern_tls_bundle_free          (PosternTlsBundle *bundle);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternTlsBundle, postern_tls_bundle_free)

/* Checks the key against the certificate, the chain, the validity period
 * of every certificate at @now (Unix seconds) and, when @fqdn is not NULL,
 * that the server certificate covers it (subjectAltName only). */
gboolean postern_tls_bundle_check (PosternTlsBundle *bundle,
                                   const char       *fqdn,
                                   gint64            now,
                                   GError          **error);

/* A few lines describing the bundle, for operators. */
char    *postern_tls_bundle_describe (PosternTlsBundle *bundle,
                                      gint64            now);

/* Installs the chain and key into @creds. */
gboolean postern_tls_bundle_apply (PosternTlsBundle                *bundle,
                                   gnutls_certificate_credentials_t creds,
                                   GError                         **error);

/* What `posternctl cert check FILE [--name FQDN]` runs: load, check now,
 * and return the description. */
char    *postern_tls_bundle_check_file (const char *path,
                                        const char *fqdn,
                                        GError    **error);

/* TRUE when @fqdn (a DNS name or an IP literal) is one of @sans, with
 * RFC 6125 wildcards: "*" only as the whole leftmost label, matching exactly
 * one label, and never directly above a top-level domain. Exposed for tests. */
gboolean postern_tls_name_matches (const char *pattern,
                                   const char *fqdn);

G_END_DECLS
