/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "stun-listeners.h"

G_BEGIN_DECLS

/* One TCP listener: frames STUN messages off each connection (RFC 8489
 * section 6.2.2) and answers them through stun_listeners_respond(). */
typedef struct _StunTcp StunTcp;

StunTcp            *stun_tcp_new         (StunListeners       *owner,
                                          GInetSocketAddress  *address,
                                          GError             **error);
void                stun_tcp_free        (StunTcp             *self);
GInetSocketAddress *stun_tcp_get_address (StunTcp             *self);
guint64             stun_tcp_get_dropped (StunTcp             *self);

G_END_DECLS
