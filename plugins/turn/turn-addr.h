/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <postern.h>
#include <sys/socket.h>

G_BEGIN_DECLS

/* A transport address in a fixed, padding-free form: it can be hashed and
 * compared bytewise, copied by value, and built from a sockaddr without
 * allocating. IPv4 uses ip[0..3] and leaves the rest zero. */
typedef struct {
  guint8 family;   /* AF_INET or AF_INET6 */
  guint8 zero;     /* always 0, keeps the layout free of padding */
  guint16 port;    /* host byte order */
  guint8 ip[16];
} TurnAddr;

G_STATIC_ASSERT (sizeof (TurnAddr) == 20);

/* A client's 5-tuple; the transport is always UDP. */
typedef struct {
  TurnAddr client;   /* the client's address as seen by the server */
  TurnAddr server;   /* the local address the request arrived on */
} TurnFiveTuple;

#define TURN_ADDR_STRLEN 56  /* "[" INET6_ADDRSTRLEN "]:65535" and NUL */

gboolean turn_addr_from_sockaddr (TurnAddr              *out,
                                  const struct sockaddr *sa,
                                  socklen_t              len);
socklen_t turn_addr_to_sockaddr  (const TurnAddr          *self,
                                  struct sockaddr_storage *out);
gboolean turn_addr_from_stun     (TurnAddr                 *out,
                                  const PosternStunAddress *stun);
void     turn_addr_to_stun       (const TurnAddr           *self,
                                  PosternStunAddress       *out);
gboolean turn_addr_parse         (TurnAddr              *out,
                                  const gchar           *ip,
                                  guint16                port);
gsize    turn_addr_ip_len        (const TurnAddr        *self);
gboolean turn_addr_equal         (const TurnAddr        *a,
                                  const TurnAddr        *b);
gboolean turn_addr_ip_equal      (const TurnAddr        *a,
                                  const TurnAddr        *b);
guint    turn_addr_hash          (const TurnAddr        *self,
                                  gboolean               with_port);
gchar   *turn_addr_to_string     (const TurnAddr        *self,
                                  gchar                  buf[TURN_ADDR_STRLEN]);

G_END_DECLS
