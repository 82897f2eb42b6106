/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(POSTERN_INSIDE) && !defined(POSTERN_COMPILATION)
#error "Only <postern.h> can be included directly."
#endif

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * POSTERN_UDP_BATCH:
 *
 * How many datagrams one recvmmsg()/sendmmsg() call moves.
 */
#define POSTERN_UDP_BATCH 32
/**
 * POSTERN_UDP_MAX_DATAGRAM:
 *
 * The largest datagram a #PosternUdpSocket receives whole; longer ones are
 * dropped and counted.
 */
#define POSTERN_UDP_MAX_DATAGRAM 2048

/**
 * PosternUdpSocket:
 *
 * A bound UDP socket with a batched, allocation-free receive-and-reply loop
 * in the main context, for the STUN and TURN listeners. Replies leave from
 * the local address each request arrived on (IP_PKTINFO /
 * IPV6_RECVPKTINFO), so wildcard binds answer correctly.
 */
typedef struct _PosternUdpSocket PosternUdpSocket;

/**
 * PosternUdpReplyFunc:
 * @socket: the socket the datagram arrived on
 * @data: (array length=len): the datagram
 * @len: its size
 * @peer: the sender, a `struct sockaddr_in` or `struct sockaddr_in6`
 * @peer_len: its size
 * @local: the address the datagram was sent to (from the packet info)
 * @local_len: its size
 * @reply: (out caller-allocates) (array length=reply_capacity): room for a reply
 * @reply_capacity: its size, %POSTERN_UDP_MAX_DATAGRAM
 * @user_data: data given to postern_udp_socket_start()
 *
 * Handles one datagram. Runs in the main context; must not block.
 *
 * Returns: the size of the reply to send back to @peer, or 0 for none
 */
typedef gsize (*PosternUdpReplyFunc) (PosternUdpSocket *socket,
                                      const guint8     *data,
                                      gsize             len,
                                      gconstpointer     peer,
                                      gsize             peer_len,
                                      gconstpointer     local,
                                      gsize             local_len,
                                      guint8           *reply,
                                      gsize             reply_capacity,
                                      gpointer          user_data);

PosternUdpSocket   *postern_udp_socket_new               (GInetSocketAddress  *address,
                                                          GError             **error);
void                postern_udp_socket_free              (PosternUdpSocket    *self);
void                postern_udp_socket_start             (PosternUdpSocket    *self,
                                                          PosternUdpReplyFunc  func,
                                                          gpointer             user_data);
GInetSocketAddress *postern_udp_socket_get_address       (PosternUdpSocket    *self);
gint                postern_udp_socket_get_fd            (PosternUdpSocket    *self);
guint64             postern_udp_socket_get_dropped       (PosternUdpSocket    *self);
gboolean            postern_udp_socket_send              (PosternUdpSocket    *self,
                                                          const guint8        *data,
                                                          gsize                len,
                                                          gconstpointer        peer,
                                                          gsize                peer_len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternUdpSocket, postern_udp_socket_free)

G_END_DECLS
