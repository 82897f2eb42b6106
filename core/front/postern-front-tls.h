/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gnutls/gnutls.h>

#include "postern.h"
#include "postern-front-cipher-pref.h"

G_BEGIN_DECLS

/* The front's TLS material: certificate chain and key, priorities and the
 * session-ticket key. Reference-counted so a reload can swap it while live
 * sessions keep the one they started with. */
typedef struct {
  gint ref_count;
  gnutls_certificate_credentials_t credentials;
  PosternFrontCipherPref *ciphers;
  gnutls_datum_t ticket_key;
  gchar *certificate_path;
  gchar *priority_string;
} PosternFrontTls;

PosternFrontTls *postern_front_tls_load  (const gchar      *certificate_path,
                                          const gchar      *fqdn,
                                          const gchar      *state_dir,
                                          const gchar      *priority,
                                          GError          **error);
PosternFrontTls *postern_front_tls_ref   (PosternFrontTls  *tls);
void             postern_front_tls_unref (PosternFrontTls  *tls);
/* Sets up a server session; it takes the session's user pointer. */
gboolean         postern_front_tls_setup_session (PosternFrontTls  *tls,
                                                  gnutls_session_t  session,
                                                  GError          **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternFrontTls, postern_front_tls_unref)

G_END_DECLS
