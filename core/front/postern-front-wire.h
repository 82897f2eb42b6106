/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gnutls/gnutls.h>
#include <sys/uio.h>

#include "postern.h"
#include "tls-read-ahead.h"

G_BEGIN_DECLS

/* A front connection's TLS transport: the shared read-ahead for input, and
 * for output a way to send fewer, fuller TCP segments. On loopback and
 * LANs each segment costs the sender the whole receive path too, so a
 * handshake per request pays per segment:
 *
 * - held: while holding, records GnuTLS writes are kept here instead of
 *   sent. The front holds during gnutls_handshake() and sends the flight
 *   with one sendmsg() after it (GnuTLS writes ServerHello on its own and
 *   the encrypted rest after it).
 * - more: sends carry MSG_MORE, so the kernel keeps a partial segment for
 *   the next send (the last bytes of an answer wait for close_notify).
 *
 * Held bytes go out ahead of anything sent later; the socket does not
 * signal them, so callers flush them (or wait for POLLOUT while
 * postern_front_wire_held() is non-zero). */
typedef struct {
  PosternTlsReadAhead ahead; /* first: GnuTLS's transport pointer is to it */
  GByteArray *held;          /* NULL when empty */
  gboolean holding;
  gboolean more;
} PosternFrontWire;

void     postern_front_wire_attach   (PosternFrontWire  *wire,
                                      gnutls_session_t   session,
                                      int                fd);
void     postern_front_wire_hold     (PosternFrontWire  *wire,
                                      gboolean           hold);
void     postern_front_wire_set_more (PosternFrontWire  *wire,
                                      gboolean           more);
gsize    postern_front_wire_held     (const PosternFrontWire *wire);
/* GnuTLS's push: held bytes first, then @iov; returns how many of @iov's
 * bytes went (all while holding), or -1 with errno (EAGAIN while held bytes
 * are still going). */
gssize   postern_front_wire_send     (PosternFrontWire  *wire,
                                      const struct iovec *iov,
                                      int                iovcnt);
/* Sends what is held, as much as the socket takes; FALSE only on an
 * error other than EAGAIN. */
gboolean postern_front_wire_flush    (PosternFrontWire  *wire,
                                      GError           **error);
void     postern_front_wire_clear    (PosternFrontWire  *wire);

G_END_DECLS
