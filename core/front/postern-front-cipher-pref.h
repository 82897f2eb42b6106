/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gnutls/gnutls.h>

#include "postern.h"

G_BEGIN_DECLS

/* The front's cipher preference, like OpenSSL's SSL_OP_PRIORITIZE_CHACHA:
 * the server's order (AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305, then the
 * rest as configured) for every client except one whose most preferred
 * cipher suite is ChaCha20-Poly1305 (likely without AES instructions),
 * which gets the configured priority and its own order.
 *
 * GnuTLS's %SERVER_PRECEDENCE also gives the server's order to groups: a
 * client whose key share is not for the server's first group would get a
 * HelloRetryRequest (OpenSSL and browsers send X25519 only; GnuTLS lists
 * SECP256R1 first). So the group stays the client's choice: there is a
 * server-order priority for each configured group with that group first,
 * and a ClientHello gets the one for the group the client would get with
 * client precedence (its first supported group that is configured; an
 * elliptic curve before a finite field group, as GnuTLS does). */
typedef struct _PosternFrontCipherPref PosternFrontCipherPref;

/* NULL with @error if GnuTLS refuses @priority. A string with
 * %SERVER_PRECEDENCE, or one GnuTLS will not take with the changes, is
 * used as it is for every client. */
PosternFrontCipherPref *postern_front_cipher_pref_new      (const gchar             *priority,
                                                            GError                 **error);
void                    postern_front_cipher_pref_free     (PosternFrontCipherPref  *pref);
/* What sessions start with. */
gnutls_priority_t       postern_front_cipher_pref_initial  (PosternFrontCipherPref  *pref);
/* Whether ClientHellos choose (else the initial priority is all). */
gboolean                postern_front_cipher_pref_active   (PosternFrontCipherPref  *pref);
/* The priority for the ClientHello body @hello, or NULL to keep the
 * initial one (a malformed hello among others). */
gnutls_priority_t       postern_front_cipher_pref_for_hello (PosternFrontCipherPref *pref,
                                                             const guint8           *hello,
                                                             gsize                   len);

/* The server-order priority string derived from @priority (parsed as
 * @parsed) with @first_group first among the groups (or the configured
 * order for GNUTLS_GROUP_INVALID); NULL if @priority has
 * %SERVER_PRECEDENCE. */
gchar                  *postern_front_cipher_pref_server_order (const gchar      *priority,
                                                                gnutls_priority_t parsed,
                                                                gnutls_group_t    first_group);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternFrontCipherPref, postern_front_cipher_pref_free)

G_END_DECLS
