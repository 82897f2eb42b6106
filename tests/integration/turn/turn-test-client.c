/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turn-test-client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#define REPLY_TIMEOUT_MS 10000

void
turn_test_peer_address (PosternStunAddress *out, const gchar *ip, guint16 port)
{
  memset (out, 0, sizeof *out);
  out->port = port;
  if (inet_pton (AF_INET, ip, out->address) == 1)
    out->family = POSTERN_STUN_FAMILY_IPV4;
  else
    {
      g_assert_cmpint (inet_pton (AF_INET6, ip, out->address), ==, 1);
      out->family = POSTERN_STUN_FAMILY_IPV6;
    }
}

/* A port nobody holds right now (the kernel's pick for a bind to 0). */
guint16
turn_test_free_udp_port (void)
{
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof sa;
  gint fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &sa, sizeof sa), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &sa, &len), ==, 0);
  close (fd);
  return ntohs (sa.sin_port);
}

/* What a bind to 127.0.0.1:@port says now: 0 when the port is free,
 * else the errno (EADDRINUSE: another socket holds it). */
gint
turn_test_udp_bind_errno (guint16 port)
{
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons (port),
                            .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  gint fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  gint err;

  g_assert_cmpint (fd, >=, 0);
  err = bind (fd, (struct sockaddr *) &sa, sizeof sa) == 0 ? 0 : errno;
  close (fd);
  return err;
}

/* A port P with P + 1 free too (turnutils_peer listens on both: uclient
 * sends its RTCP sessions' messages to the peer's port + 1). */
guint16
turn_test_free_udp_port_pair (void)
{
  for (guint attempt = 0; attempt < 1000; attempt++)
    {
      guint16 port = turn_test_free_udp_port ();

      if (port < G_MAXUINT16 && turn_test_udp_bind_errno (port + 1) == 0)
        return port;
    }
  g_error ("no two free UDP ports in a row");
}

TurnTestClient *
turn_test_client_new (const gchar *server_ip, guint16 server_port)
{
  TurnTestClient *c = g_new0 (TurnTestClient, 1);
  PosternStunAddress addr;

  turn_test_peer_address (&addr, server_ip, server_port);
  c->server_len = (socklen_t) postern_stun_address_to_sockaddr (&addr, &c->server, sizeof c->server);
  g_assert_cmpuint (c->server_len, >, 0);
  c->fd = socket (c->server.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (c->fd, >=, 0);
  g_assert_cmpint (connect (c->fd, (struct sockaddr *) &c->server, c->server_len), ==, 0);
  return c;
}

void
turn_test_client_free (TurnTestClient *c)
{
  close (c->fd);
  g_free (c->username);
  g_free (c->password);
  g_free (c->realm);
  g_free (c->nonce);
  g_free (c);
}

void
turn_test_client_set_user (TurnTestClient *c, const gchar *username, const gchar *password)
{
  g_free (c->username);
  g_free (c->password);
  c->username = g_strdup (username);
  c->password = g_strdup (password);
}

void
turn_test_client_send_raw (TurnTestClient *c, const guint8 *data, gsize len)
{
  g_assert_cmpint (send (c->fd, data, len, 0), ==, (gssize) len);
}

gssize
turn_test_client_recv (TurnTestClient *c, guint8 *buf, gsize size, gint timeout_ms)
{
  struct pollfd pfd = { .fd = c->fd, .events = POLLIN };

  if (poll (&pfd, 1, timeout_ms) <= 0)
    return -1;
  return recv (c->fd, buf, size, 0);
}

static gchar *
attr_string (const PosternStunMessage *msg, guint16 type)
{
  gsize len;
  const guint8 *v = postern_stun_message_find (msg, type, &len);

  return v != NULL ? g_strndup ((const gchar *) v, len) : NULL;
}

/* One transaction. Returns 0 for a success response, else its error code
 * (G_MAXUINT16 when nothing answered). Learns REALM and NONCE from 401/438. */
guint16
turn_test_client_once (TurnTestClient *c, guint16 method, TurnTestAttrs attrs, gpointer data, gboolean sign)
{
  guint8 buf[2048];
  guint8 txid[POSTERN_STUN_TRANSACTION_ID_SIZE];
  PosternStunBuilder b;
  gint64 deadline = g_get_monotonic_time () + REPLY_TIMEOUT_MS * 1000;
  gsize len;
  guint16 code = 0;

  for (guint i = 0; i < sizeof txid; i++)
    txid[i] = (guint8) g_random_int ();
  postern_stun_builder_init (&b, buf, sizeof buf, method, POSTERN_STUN_CLASS_REQUEST, txid);
  if (attrs != NULL)
    attrs (&b, data);
  if (sign)
    {
      g_autoptr(GBytes) key = postern_stun_long_term_key (c->username, c->realm, c->password, NULL);
      gsize key_len;
      const guint8 *k;

      g_assert_nonnull (key);
      k = g_bytes_get_data (key, &key_len);
      postern_stun_builder_add_string (&b, POSTERN_STUN_ATTR_USERNAME, c->username);
      postern_stun_builder_add_string (&b, POSTERN_STUN_ATTR_REALM, c->realm);
      postern_stun_builder_add_string (&b, POSTERN_STUN_ATTR_NONCE, c->nonce);
      postern_stun_builder_add_integrity (&b, k, key_len);
    }
  len = postern_stun_builder_finish (&b, NULL);
  g_assert_cmpuint (len, >, 0);
  turn_test_client_send_raw (c, buf, len);

  /* retransmits like a real client (RFC 8489 section 6.2.1, RTO 500 ms) */
  for (gint rto = 500;;)
    {
      gint left = (gint) ((deadline - g_get_monotonic_time ()) / 1000);
      gssize got;

      if (left <= 0)
        return G_MAXUINT16;
      got = turn_test_client_recv (c, c->reply, sizeof c->reply, MIN (rto, left));
      if (got < 0)
        {
          turn_test_client_send_raw (c, buf, len);
          rto = MIN (rto * 2, 2000);
          continue;
        }
      c->reply_len = (gsize) got;
      if (!postern_stun_message_parse (&c->msg, c->reply, c->reply_len, POSTERN_STUN_PARSE_NONE, NULL) ||
          memcmp (postern_stun_message_get_transaction_id (&c->msg), txid, sizeof txid) != 0)
        continue;
      break;
    }
  g_assert_cmpuint (c->msg.method, ==, method);
  if (c->msg.klass == POSTERN_STUN_CLASS_SUCCESS)
    return 0;
  g_assert_cmpuint (c->msg.klass, ==, POSTERN_STUN_CLASS_ERROR);
  g_assert_true (postern_stun_message_get_error_code (&c->msg, &code, NULL, NULL));
  if (code == 401 || code == 438)
    {
      g_autofree gchar *realm = attr_string (&c->msg, POSTERN_STUN_ATTR_REALM);
      g_autofree gchar *nonce = attr_string (&c->msg, POSTERN_STUN_ATTR_NONCE);
      if (realm != NULL)
        {
          g_free (c->realm);
          c->realm = g_steal_pointer (&realm);
        }
      if (nonce != NULL)
        {
          g_free (c->nonce);
          c->nonce = g_steal_pointer (&nonce);
        }
    }
  return code;
}

/* Signed, learning the nonce first (401) and renewing it on 438. */
guint16
turn_test_client_request (TurnTestClient *c, guint16 method, TurnTestAttrs attrs, gpointer data)
{
  guint16 code;

  if (c->nonce == NULL)
    {
      code = turn_test_client_once (c, method, attrs, data, FALSE);
      if (code != 401)
        return code;
    }
  code = turn_test_client_once (c, method, attrs, data, TRUE);
  if (code == 438)
    code = turn_test_client_once (c, method, attrs, data, TRUE);
  return code;
}

void
turn_test_add_udp_transport (PosternStunBuilder *b, gpointer data)
{
  const guint8 udp[4] = { 17, 0, 0, 0 };

  postern_stun_builder_add (b, POSTERN_STUN_ATTR_REQUESTED_TRANSPORT, udp, sizeof udp);
}

guint16
turn_test_client_allocate (TurnTestClient *c, PosternStunAddress *relayed)
{
  guint16 code = turn_test_client_request (c, POSTERN_STUN_METHOD_ALLOCATE, turn_test_add_udp_transport, NULL);

  if (code == 0 && relayed != NULL)
    g_assert_true (postern_stun_message_get_xor_address (&c->msg, POSTERN_STUN_ATTR_XOR_RELAYED_ADDRESS, relayed));
  return code;
}

void
turn_test_client_send_indication (TurnTestClient *c, const gchar *peer_ip, guint16 peer_port, const guint8 *data,
                                  gsize len)
{
  guint8 buf[2048];
  guint8 txid[POSTERN_STUN_TRANSACTION_ID_SIZE] = { 7 };
  PosternStunBuilder b;
  PosternStunAddress peer;
  gsize size;

  turn_test_peer_address (&peer, peer_ip, peer_port);
  postern_stun_builder_init (&b, buf, sizeof buf, POSTERN_STUN_METHOD_SEND, POSTERN_STUN_CLASS_INDICATION, txid);
  postern_stun_builder_add_xor_address (&b, POSTERN_STUN_ATTR_XOR_PEER_ADDRESS, &peer);
  postern_stun_builder_add (&b, POSTERN_STUN_ATTR_DATA, data, len);
  size = postern_stun_builder_finish (&b, NULL);
  g_assert_cmpuint (size, >, 0);
  turn_test_client_send_raw (c, buf, size);
}
