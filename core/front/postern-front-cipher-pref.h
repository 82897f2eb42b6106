/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gnutls/gnutls.h>

#include "postern.h"

G_BEGIN_DECLS

/* The front's cipher preference, like OpenSSL's SSL_OP_PRIORITIZE_CHACHA:
 * the server's order (AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305, then the
 * rest as configured) for every client except one whose most preferred
 * cipher suite is ChaCha20-Poly1305 (likely without AES instructions),
 * which gets its own order.
 *
 * The server's order as a priority string derived from the configured one
 * @priority (parsed as @parsed), or NULL if the operator chose server
 * precedence already (the configured string is then used as it is). */
gchar   *postern_front_cipher_pref_priority     (const gchar      *priority,
                                                 gnutls_priority_t parsed);

/* Whether the ClientHello body @hello (as a GnuTLS handshake hook gets it)
 * names a ChaCha20-Poly1305 suite first, GREASE values and signalling
 * suites skipped. FALSE for anything malformed. */
gboolean postern_front_cipher_pref_chacha_first (const guint8     *hello,
                                                 gsize             len);

G_END_DECLS
