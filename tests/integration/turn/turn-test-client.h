/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <postern.h>
#include <sys/socket.h>

G_BEGIN_DECLS

/* A hand-made TURN client for the integration tests: one UDP socket on
 * loopback, requests built with the codec, long-term credentials. */
typedef struct {
  gint fd;
  struct sockaddr_storage server;
  socklen_t server_len;
  gchar *username;
  gchar *password;
  gchar *realm;
  gchar *nonce;
  guint8 reply[4096];
  gsize reply_len;
  PosternStunMessage msg;   /* the last response, parsed */
} TurnTestClient;

typedef void (*TurnTestAttrs) (PosternStunBuilder *b, gpointer data);

TurnTestClient *turn_test_client_new        (const gchar      *server_ip,
                                             guint16           server_port);
void            turn_test_client_free       (TurnTestClient   *c);
void            turn_test_client_set_user   (TurnTestClient   *c,
                                             const gchar      *username,
                                             const gchar      *password);
guint16         turn_test_client_once       (TurnTestClient   *c,
                                             guint16           method,
                                             TurnTestAttrs     attrs,
                                             gpointer          data,
                                             gboolean          sign);
guint16         turn_test_client_request    (TurnTestClient   *c,
                                             guint16           method,
                                             TurnTestAttrs     attrs,
                                             gpointer          data);
void            turn_test_client_send_raw   (TurnTestClient   *c,
                                             const guint8     *data,
                                             gsize             len);
gssize          turn_test_client_recv       (TurnTestClient   *c,
                                             guint8           *buf,
                                             gsize             size,
                                             gint              timeout_ms);
guint16         turn_test_client_allocate   (TurnTestClient   *c,
                                             PosternStunAddress *relayed);
void            turn_test_client_send_indication (TurnTestClient *c,
                                             const gchar      *peer_ip,
                                             guint16           peer_port,
                                             const guint8     *data,
                                             gsize             len);

/* attribute helpers: data is what they add */
void turn_test_add_udp_transport (PosternStunBuilder *b, gpointer data);
void turn_test_peer_address      (PosternStunAddress *out,
                                  const gchar        *ip,
                                  guint16             port);
guint16 turn_test_free_udp_port  (void);
guint16 turn_test_free_udp_port_pair (void);
gint    turn_test_udp_bind_errno (guint16 port);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TurnTestClient, turn_test_client_free)

G_END_DECLS
