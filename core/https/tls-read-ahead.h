/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <gnutls/gnutls.h>

G_BEGIN_DECLS

/* GnuTLS transport over a non-blocking socket that reads ahead: GnuTLS
 * asks for a record's 5-byte header and then for its body, two recv()s per
 * record; one recv() of up to 16 KiB fills both, and what GnuTLS has not
 * asked for yet waits here until it does. Only a remainder is kept on the
 * heap, and only until it is taken, so idle connections hold nothing.
 *
 * The socket does not signal bytes held here: callers that stop reading
 * while postern_tls_read_ahead_pending() is non-zero must come back on
 * their own. */
typedef struct {
  int fd;
  guint8 *ahead;
  gsize len;
  gsize off;
} PosternTlsReadAhead;

/* Makes @session read and write @fd through @ra, which must outlive the
 * session's use. */
void postern_tls_read_ahead_attach (PosternTlsReadAhead *ra, gnutls_session_t session, int fd);
/* Raw bytes read from the socket that GnuTLS has not taken yet. */
gsize postern_tls_read_ahead_pending (const PosternTlsReadAhead *ra);
void postern_tls_read_ahead_clear (PosternTlsReadAhead *ra);

G_END_DECLS
