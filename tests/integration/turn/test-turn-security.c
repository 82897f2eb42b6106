/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The TURN/STUN security checklist (shared/REFERENCE.md) against a real
 * posternd, with datagrams built by hand on loopback. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "postern-test-events.h"
#include "turn-test-common.h"

#define PAYLOAD "relayed through postern"

typedef struct {
  guint16 type;
  const void *value;
  gsize len;
} Attr;

/* attrs callbacks */
static void
add_attrs (PosternStunBuilder *b, gpointer data)
{
  for (const Attr *a = data; a->type != 0; a++)
    postern_stun_builder_add (b, a->type, a->value, a->len);
}

static void
add_peer (PosternStunBuilder *b, gpointer data)
{
  postern_stun_builder_add_xor_address (b, POSTERN_STUN_ATTR_XOR_PEER_ADDRESS, data);
}

typedef struct {
  guint16 channel;
  PosternStunAddress peer;
} Bind;

static void
add_channel_bind (PosternStunBuilder *b, gpointer data)
{
  Bind *bind = data;

  postern_stun_builder_add_channel_number (b, bind->channel);
  postern_stun_builder_add_xor_address (b, POSTERN_STUN_ATTR_XOR_PEER_ADDRESS, &bind->peer);
}

static void
add_lifetime_zero (PosternStunBuilder *b, gpointer data)
{
  postern_stun_builder_add_u32 (b, POSTERN_STUN_ATTR_LIFETIME, 0);
}

/* An Allocate asking for IPv6 with the attribute in @data
 * (REQUESTED-ADDRESS-FAMILY: instead of IPv4, ADDITIONAL-: besides it). */
static void
add_ipv6_allocate (PosternStunBuilder *b, gpointer data)
{
  const guint8 ipv6[4] = { POSTERN_STUN_FAMILY_IPV6, 0, 0, 0 };

  turn_test_add_udp_transport (b, NULL);
  postern_stun_builder_add (b, (guint16) GPOINTER_TO_UINT (data), ipv6, sizeof ipv6);
}

static guint
count_attrs (const guint8 *msg, gsize len, guint16 type)
{
  guint n = 0;

  for (gsize off = POSTERN_STUN_HEADER_SIZE; off + 4 <= len;)
    {
      guint16 t = (guint16) ((msg[off] << 8) | msg[off + 1]);
      gsize alen = (gsize) ((msg[off + 2] << 8) | msg[off + 3]);
      n += t == type;
      off += 4 + ((alen + 3) & ~(gsize) 3);
    }
  return n;
}

static TurnTestClient *
client_for (guint16 port, const gchar *user, const gchar *password)
{
  TurnTestClient *c = turn_test_client_new ("127.0.0.1", port);

  turn_test_client_set_user (c, user, password);
  return c;
}

static void
test_allocate_codes (void)
{
  guint16 port;
  g_autoptr(PosternTestDaemon) d = turn_test_start (&port, "");
  g_autoptr(TurnTestClient) c = NULL;
  const guint8 tcp[4] = { 6, 0, 0, 0 };
  const guint8 udp[4] = { 17, 0, 0, 0 };
  const guint8 even[1] = { 0x80 };
  const guint8 token[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
  const guint8 unknown[4] = { 0 };
  const Attr no_transport[] = { { POSTERN_STUN_ATTR_LIFETIME, "\0\0\0\x3c", 4 }, { 0 } };
  const Attr tcp_transport[] = { { POSTERN_STUN_ATTR_REQUESTED_TRANSPORT, tcp, 4 }, { 0 } };
  const Attr even_and_token[] = { { POSTERN_STUN_ATTR_REQUESTED_TRANSPORT, udp, 4 },
                                  { POSTERN_STUN_ATTR_EVEN_PORT, even, 1 },
                                  { POSTERN_STUN_ATTR_RESERVATION_TOKEN, token, 8 }, { 0 } };
  const Attr unknown_required[] = { { POSTERN_STUN_ATTR_REQUESTED_TRANSPORT, udp, 4 },
                                    { 0x0030, unknown, 4 }, { 0 } };
  guint16 types[4];

  turn_test_add_user (d, "alice", "alice-pw");
  c = client_for (port, "alice", "alice-pw");

  g_assert_cmpuint (turn_test_client_request (c, POSTERN_STUN_METHOD_ALLOCATE, add_attrs, (gpointer) no_transport),
                    ==, 400);
  g_assert_cmpuint (turn_test_client_request (c, POSTERN_STUN_METHOD_ALLOCATE, add_attrs, (gpointer) tcp_transport),
                    ==, 442);
  g_assert_cmpuint (turn_test_client_request (c, POSTERN_STUN_METHOD_ALLOCATE, add_attrs, (gpointer) even_and_token),
                    ==, 400);
  g_assert_cmpuint (turn_test_client_request (c, POSTERN_STUN_METHOD_ALLOCATE, add_attrs,
                                              (gpointer) unknown_required), ==, 420);
  g_assert_cmpuint (postern_stun_message_get_unknown_attributes (&c->msg, types, G_N_ELEMENTS (types)), ==, 1);
  g_assert_cmpuint (types[0], ==, 0x0030);

  /* Refresh before any allocation */
  g_assert_cmpuint (turn_test_client_request (c, POSTERN_STUN_METHOD_REFRESH, NULL, NULL), ==, 437);
  g_assert_cmpuint (turn_test_client_allocate (c, NULL), ==, 0);
  g_assert_cmpuint (c->msg.integrity_offset, !=, 0);
  /* a second Allocate (new transaction) on the same 5-tuple */
  g_assert_cmpuint (turn_test_client_allocate (c, NULL), ==, 437);
  /* Refresh with lifetime 0 deletes it */
  g_assert_cmpuint (turn_test_client_request (c, POSTERN_STUN_METHOD_REFRESH, add_lifetime_zero, NULL), ==, 0);
  g_assert_cmpuint (turn_test_client_request (c, POSTERN_STUN_METHOD_REFRESH, NULL, NULL), ==, 437);
  g_assert_cmpuint (turn_test_counter (d, "allocations"), ==, 0);
  g_assert_cmpint (postern_test_daemon_stop (d), ==, 0);
}

static void
test_forbidden_peers (void)
{
  static const gchar *const forbidden[] = {
    "127.0.0.2", "0.0.0.0", "0.1.2.3", "10.0.0.1", "172.16.0.1", "192.168.1.1", "169.254.169.254",
    "100.64.0.1", "224.0.0.1", "239.255.255.250", "255.255.255.255",
    "::1", "::", "fe80::1", "ff02::1", "fc00::1", "fd12:3456::1",
    "::ffff:10.0.0.1", "::ffff:127.0.0.2", "::ffff:169.254.169.254", "::10.0.0.1",
    "2002:a00:1::1", "2002:7f00:2::1", "64:ff9b::a00:1", "64:ff9b::a9fe:a9fe",
  };
  guint16 port;
  g_autoptr(PosternTestDaemon) d = turn_test_start (&port, "relay-ip = 127.0.0.1;::1");
  g_autoptr(TurnTestClient) c = NULL;
  PosternStunAddress relayed6;
  guint64 before;

  turn_test_add_user (d, "alice", "alice-pw");
  c = client_for (port, "alice", "alice-pw");
  g_assert_cmpuint (turn_test_client_request (c, POSTERN_STUN_METHOD_ALLOCATE, add_ipv6_allocate,
                                              GUINT_TO_POINTER (POSTERN_STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY)), ==, 0);
  /* two XOR-RELAYED-ADDRESS, IPv4 first (the codec indexes only the first) */
  g_assert_cmpuint (count_attrs (c->reply, c->reply_len, POSTERN_STUN_ATTR_XOR_RELAYED_ADDRESS), ==, 2);
  g_assert_true (postern_stun_message_get_xor_address (&c->msg, POSTERN_STUN_ATTR_XOR_RELAYED_ADDRESS, &relayed6));
  g_assert_cmpuint (relayed6.family, ==, POSTERN_STUN_FAMILY_IPV4);

  for (guint i = 0; i < G_N_ELEMENTS (forbidden); i++)
    {
      PosternStunAddress peer;
      Bind bind = { 0x4000 + i };

      g_test_message ("peer %s", forbidden[i]);
      turn_test_peer_address (&peer, forbidden[i], 5000);
      bind.peer = peer;
      g_assert_cmpuint (turn_test_client_request (c, POSTERN_STUN_METHOD_CREATE_PERMISSION, add_peer, &peer), ==, 403);
      g_assert_cmpuint (turn_test_client_request (c, POSTERN_STUN_METHOD_CHANNEL_BIND, add_channel_bind, &bind), ==, 403);
      before = turn_test_counter (d, "forbidden-peers");
      turn_test_client_send_indication (c, forbidden[i], 5000, (const guint8 *) PAYLOAD, strlen (PAYLOAD));
      /* the indication is dropped and counted; a request behind it orders the two */
      g_assert_cmpuint (turn_test_client_request (c, POSTERN_STUN_METHOD_REFRESH, NULL, NULL), ==, 0);
      g_assert_cmpuint (turn_test_counter (d, "forbidden-peers"), ==, before + 1);
    }
  /* covered by allowed-peers */
  {
    PosternStunAddress peer;
    turn_test_peer_address (&peer, "127.0.0.1", 5000);
    g_assert_cmpuint (turn_test_client_request (c, POSTERN_STUN_METHOD_CREATE_PERMISSION, add_peer, &peer), ==, 0);
  }
  g_assert_cmpint (postern_test_daemon_stop (d), ==, 0);
}

/* Binds every number of @bad (400 each), then @good; the same number for
 * another peer is 400 too. */
static void
check_channel_numbers (const gchar *keys, const guint16 *bad, guint n_bad, guint16 good)
{
  guint16 port;
  g_autoptr(PosternTestDaemon) d = turn_test_start (&port, keys);
  g_autoptr(TurnTestClient) c = NULL;
  Bind bind;

  turn_test_add_user (d, "alice", "alice-pw");
  c = client_for (port, "alice", "alice-pw");
  g_assert_cmpuint (turn_test_client_allocate (c, NULL), ==, 0);
  turn_test_peer_address (&bind.peer, "127.0.0.1", 5000);
  for (guint i = 0; i < n_bad; i++)
    {
      g_test_message ("channel 0x%04x", bad[i]);
      bind.channel = bad[i];
      g_assert_cmpuint (turn_test_client_request (c, POSTERN_STUN_METHOD_CHANNEL_BIND, add_channel_bind, &bind),
                        ==, 400);
    }
  bind.channel = good;
  g_assert_cmpuint (turn_test_client_request (c, POSTERN_STUN_METHOD_CHANNEL_BIND, add_channel_bind, &bind), ==, 0);
  bind.peer.port = 5001;
  g_assert_cmpuint (turn_test_client_request (c, POSTERN_STUN_METHOD_CHANNEL_BIND, add_channel_bind, &bind), ==, 400);
  g_assert_cmpint (postern_test_daemon_stop (d), ==, 0);
}

/* RFC 8656: 0x4000-0x4FFF by default; legacy-channels adds RFC 5766's
 * 0x5000-0x7FFF and nothing else. */
static void
test_channel_numbers (void)
{
  static const guint16 bad_rfc[] = { 0x0000, 0x3FFF, 0x5000, 0x7FFF, 0x8000, 0xFFFF };
  static const guint16 bad_legacy[] = { 0x0000, 0x3FFF, 0x8000, 0xFFFF };

  check_channel_numbers ("", bad_rfc, G_N_ELEMENTS (bad_rfc), 0x4FFF);
  check_channel_numbers ("legacy-channels = true", bad_legacy, G_N_ELEMENTS (bad_legacy), 0x7FFF);
}

static void
event_cb (GDBusConnection *connection, const gchar *sender, const gchar *path, const gchar *interface,
          const gchar *signal, GVariant *parameters, gpointer user_data)
{
  GPtrArray *seen = user_data;
  g_autoptr(GVariant) payload = NULL;
  g_autofree gchar *text = NULL;
  const gchar *name;

  g_variant_get (parameters, "(&sv)", &name, &payload);
  text = g_variant_print (payload, FALSE);
  g_ptr_array_add (seen, g_strdup_printf ("%s %s", name, text));
}

static gboolean
seen_event (GPtrArray *seen, const gchar *fragment)
{
  for (guint i = 0; i < seen->len; i++)
    if (strstr (seen->pdata[i], fragment) != NULL)
      return TRUE;
  return FALSE;
}

static void
wait_event (GPtrArray *seen, const gchar *fragment)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (!seen_event (seen, fragment) && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (10000);
  g_assert_true (seen_event (seen, fragment));
}

static void
test_auth (void)
{
  guint16 port;
  g_autoptr(PosternTestDaemon) d = turn_test_start (&port, "");
  g_autoptr(TurnTestClient) c = NULL;
  g_autoptr(TurnTestClient) other = NULL;
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  guint sub;

  turn_test_add_user (d, "alice", "alice-pw");
  turn_test_add_user (d, "bob", "bob-pw");
  sub = g_dbus_connection_signal_subscribe (d->connection, NULL, "org.postern.Postern1", "Event",
                                            "/org/postern/Postern1", NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                            event_cb, seen, NULL);
  postern_test_bus_round_trip (d->connection);

  /* no MESSAGE-INTEGRITY: 401 with REALM and NONCE */
  c = client_for (port, "alice", "wrong");
  g_assert_cmpuint (turn_test_client_once (c, POSTERN_STUN_METHOD_ALLOCATE, turn_test_add_udp_transport, NULL, FALSE),
                    ==, 401);
  g_assert_cmpstr (c->realm, ==, TURN_TEST_REALM);
  g_assert_nonnull (c->nonce);
  /* wrong password, unknown user: 401 and turn.auth-failed */
  g_assert_cmpuint (turn_test_client_allocate (c, NULL), ==, 401);
  wait_event (seen, "turn.auth-failed ('127.0.0.1:");
  g_assert_true (seen_event (seen, "'alice')"));
  turn_test_client_set_user (c, "mallory", "x");
  g_assert_cmpuint (turn_test_client_allocate (c, NULL), ==, 401);
  wait_event (seen, "'mallory')");
  g_assert_cmpuint (turn_test_counter (d, "auth-failures"), ==, 2);

  /* a nonce issued to another 5-tuple is refused with 438 */
  other = client_for (port, "alice", "alice-pw");
  g_assert_cmpuint (turn_test_client_once (other, POSTERN_STUN_METHOD_ALLOCATE, turn_test_add_udp_transport, NULL,
                                           FALSE), ==, 401);
  turn_test_client_set_user (c, "alice", "alice-pw");
  g_free (c->nonce);
  c->nonce = g_strdup (other->nonce);
  g_assert_cmpuint (turn_test_client_once (c, POSTERN_STUN_METHOD_ALLOCATE, turn_test_add_udp_transport, NULL, TRUE),
                    ==, 438);
  /* the 438 brought a good nonce */
  g_assert_cmpuint (turn_test_client_once (c, POSTERN_STUN_METHOD_ALLOCATE, turn_test_add_udp_transport, NULL, TRUE),
                    ==, 0);
  wait_event (seen, "turn.allocation ('created', '127.0.0.1:");

  /* another (valid) user on alice's allocation: 441 */
  turn_test_client_set_user (c, "bob", "bob-pw");
  g_assert_cmpuint (turn_test_client_request (c, POSTERN_STUN_METHOD_REFRESH, NULL, NULL), ==, 441);
  turn_test_client_set_user (c, "alice", "alice-pw");
  g_assert_cmpuint (turn_test_client_request (c, POSTERN_STUN_METHOD_REFRESH, add_lifetime_zero, NULL), ==, 0);
  wait_event (seen, "turn.allocation ('deleted'");

  g_dbus_connection_signal_unsubscribe (d->connection, sub);
  g_assert_cmpint (postern_test_daemon_stop (d), ==, 0);
}

static void
test_stale_nonce (void)
{
  guint16 port;
  g_autoptr(PosternTestDaemon) d = turn_test_start (&port, "nonce-lifetime = 1");
  g_autoptr(TurnTestClient) c = NULL;

  turn_test_add_user (d, "alice", "alice-pw");
  c = client_for (port, "alice", "alice-pw");
  g_assert_cmpuint (turn_test_client_once (c, POSTERN_STUN_METHOD_ALLOCATE, turn_test_add_udp_transport, NULL, FALSE),
                    ==, 401);
  g_usleep (3 * G_USEC_PER_SEC);
  g_assert_cmpuint (turn_test_client_once (c, POSTERN_STUN_METHOD_ALLOCATE, turn_test_add_udp_transport, NULL, TRUE),
                    ==, 438);
  g_assert_cmpint (postern_test_daemon_stop (d), ==, 0);
}

static void
test_quota_and_capacity (void)
{
  guint16 port;
  guint16 base = turn_test_port_base (0);
  g_autofree gchar *keys = g_strdup_printf ("user-quota = 2\nrelay-ports = %u-%u", base, base + 2);
  g_autoptr(PosternTestDaemon) d = turn_test_start (&port, keys);
  TurnTestClient *c[4];

  turn_test_add_user (d, "alice", "alice-pw");
  turn_test_add_user (d, "bob", "bob-pw");
  c[0] = client_for (port, "alice", "alice-pw");
  c[1] = client_for (port, "alice", "alice-pw");
  c[2] = client_for (port, "alice", "alice-pw");
  c[3] = client_for (port, "bob", "bob-pw");
  g_assert_cmpuint (turn_test_client_allocate (c[0], NULL), ==, 0);
  g_assert_cmpuint (turn_test_client_allocate (c[1], NULL), ==, 0);
  g_assert_cmpuint (turn_test_client_allocate (c[2], NULL), ==, 486);
  g_assert_cmpuint (turn_test_client_allocate (c[3], NULL), ==, 0);
  /* three ports, three allocations: the next one finds none */
  turn_test_client_set_user (c[2], "bob", "bob-pw");
  g_assert_cmpuint (turn_test_client_allocate (c[2], NULL), ==, 508);
  g_assert_cmpuint (turn_test_counter (d, "relay-ports-free"), ==, 0);
  /* a freed port is usable again */
  g_assert_cmpuint (turn_test_client_request (c[3], POSTERN_STUN_METHOD_REFRESH, add_lifetime_zero, NULL), ==, 0);
  g_assert_cmpuint (turn_test_client_allocate (c[2], NULL), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (c); i++)
    turn_test_client_free (c[i]);
  g_assert_cmpint (postern_test_daemon_stop (d), ==, 0);
}

static void
peer_expect (gint fd, const gchar *text)
{
  TurnTestClient fake = { .fd = fd };
  guint8 buf[2048];
  gssize got = turn_test_client_recv (&fake, buf, sizeof buf - 1, 10000);

  g_assert_cmpint (got, ==, (gssize) strlen (text));
  g_assert_cmpmem (buf, (gsize) got, text, strlen (text));
}

/* The next datagram for the client: a Data indication from @peer_port, or
 * ChannelData on @channel (0: expect an indication). */
static void
client_expect (TurnTestClient *c, guint16 peer_port, guint16 channel, const gchar *text)
{
  guint8 buf[2048];
  gssize got = turn_test_client_recv (c, buf, sizeof buf, 10000);

  g_assert_cmpint (got, >, 0);
  if (channel != 0)
    {
      g_assert_cmpint (got, ==, 4 + (gssize) strlen (text));
      g_assert_cmpuint ((buf[0] << 8) | buf[1], ==, channel);
      g_assert_cmpuint ((buf[2] << 8) | buf[3], ==, strlen (text));
      g_assert_cmpmem (buf + 4, strlen (text), text, strlen (text));
    }
  else
    {
      PosternStunMessage msg;
      PosternStunAddress from;
      gsize len;
      const guint8 *data;

      g_assert_true (postern_stun_message_parse (&msg, buf, (gsize) got, POSTERN_STUN_PARSE_NONE, NULL));
      g_assert_cmpuint (msg.method, ==, POSTERN_STUN_METHOD_DATA);
      g_assert_cmpuint (msg.klass, ==, POSTERN_STUN_CLASS_INDICATION);
      g_assert_true (postern_stun_message_get_xor_address (&msg, POSTERN_STUN_ATTR_XOR_PEER_ADDRESS, &from));
      g_assert_cmpuint (from.port, ==, peer_port);
      data = postern_stun_message_find (&msg, POSTERN_STUN_ATTR_DATA, &len);
      g_assert_cmpmem (data, len, text, strlen (text));
    }
}

static void
send_channel_data (TurnTestClient *c, guint16 channel, const gchar *text)
{
  guint8 buf[256];
  gsize len = strlen (text);

  buf[0] = (guint8) (channel >> 8);
  buf[1] = (guint8) channel;
  buf[2] = 0;
  buf[3] = (guint8) len;
  memcpy (buf + 4, text, len);
  turn_test_client_send_raw (c, buf, 4 + len);
}

/* @out from the client to the peer in a Send indication, @back from the
 * peer to the client in a Data indication (a permission must exist). */
static void
indication_round_trip (TurnTestClient *c, const PosternStunAddress *relayed, gint peer_fd, const gchar *peer_ip,
                       guint16 peer_port, const gchar *out, const gchar *back)
{
  turn_test_client_send_indication (c, peer_ip, peer_port, (const guint8 *) out, strlen (out));
  peer_expect (peer_fd, out);
  turn_test_peer_send (peer_fd, relayed, back);
  client_expect (c, peer_port, 0, back);
}

/* @channel bound to @peer, then @out and @back through it as ChannelData. */
static void
channel_round_trip (TurnTestClient *c, const PosternStunAddress *relayed, gint peer_fd,
                    const PosternStunAddress *peer, guint16 channel, const gchar *out, const gchar *back)
{
  Bind bind = { channel, *peer };

  g_assert_cmpuint (turn_test_client_request (c, POSTERN_STUN_METHOD_CHANNEL_BIND, add_channel_bind, &bind), ==, 0);
  send_channel_data (c, channel, out);
  peer_expect (peer_fd, out);
  turn_test_peer_send (peer_fd, relayed, back);
  client_expect (c, peer->port, channel, back);
}

static void
test_relay_and_reload (void)
{
  guint16 port, peer_port, stranger_port;
  g_autoptr(PosternTestDaemon) d = turn_test_start (&port, "user-quota = 2");
  g_autoptr(TurnTestClient) c = NULL;
  g_autoptr(TurnTestClient) second = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *dropin = NULL;
  PosternStunAddress relayed, peer;
  gint peer_fd = turn_test_peer_socket ("127.0.0.1", &peer_port);
  /* permissions are per IP: a stranger needs another address */
  gint stranger_fd = turn_test_peer_socket ("127.0.0.2", &stranger_port);

  turn_test_add_user (d, "alice", "alice-pw");
  c = client_for (port, "alice", "alice-pw");
  g_assert_cmpuint (turn_test_client_allocate (c, &relayed), ==, 0);
  turn_test_peer_address (&peer, "127.0.0.1", peer_port);

  /* no permission yet: dropped both ways */
  turn_test_client_send_indication (c, "127.0.0.1", peer_port, (const guint8 *) "early", 5);
  g_assert_cmpuint (turn_test_client_request (c, POSTERN_STUN_METHOD_CREATE_PERMISSION, add_peer, &peer), ==, 0);
  /* no permission for the stranger: its datagram is dropped before data-1 */
  turn_test_peer_send (stranger_fd, &relayed, "stranger");
  indication_round_trip (c, &relayed, peer_fd, "127.0.0.1", peer_port, "send-1", "data-1");

  /* a channel */
  channel_round_trip (c, &relayed, peer_fd, &peer, 0x4FFE, "chan-1", "chan-back-1");
  /* ChannelData claiming more than the datagram holds is dropped */
  {
    const guint8 lying[] = { 0x4F, 0xFE, 0x00, 0x40, 'x', 'y', 'z', 'w' };
    turn_test_client_send_raw (c, lying, sizeof lying);
  }

  /* reload: user-quota 2 -> 1 applies, the allocation keeps relaying */
  dropin = g_strdup_printf ("[turn]\nlisten = 127.0.0.1:%u\nrealm = " TURN_TEST_REALM "\n"
                            "allowed-peers = 127.0.0.1/32\nuser-quota = 1\n%s", port, turn_test_threads_key ());
  postern_test_daemon_write_dropin (d, "30-turn.conf", dropin);
  g_assert_cmpint (postern_test_ctl (d, &out, &err, "reload", NULL), ==, 0);
  second = client_for (port, "alice", "alice-pw");
  g_assert_cmpuint (turn_test_client_allocate (second, NULL), ==, 486);

  send_channel_data (c, 0x4FFE, "chan-2");
  peer_expect (peer_fd, "chan-2");
  turn_test_client_send_indication (c, "127.0.0.1", peer_port, (const guint8 *) "send-2", 6);
  peer_expect (peer_fd, "send-2");
  turn_test_peer_send (peer_fd, &relayed, "chan-back-2");
  client_expect (c, peer_port, 0x4FFE, "chan-back-2");
  g_assert_cmpuint (turn_test_counter (d, "dropped"), >=, 2);

  /* posternctl shows it */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (postern_test_ctl (d, &out, &err, "turn", "allocations", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "alice"));
  g_assert_nonnull (strstr (out, "packets-to-peer: 4"));

  close (peer_fd);
  close (stranger_fd);
  g_assert_cmpint (postern_test_daemon_stop (d), ==, 0);
}

static gsize
rss_kib (PosternTestDaemon *d)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%s/status", g_subprocess_get_identifier (d->posternd));
  g_autofree gchar *text = NULL;
  const gchar *line;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  line = strstr (text, "VmRSS:");
  g_assert_nonnull (line);
  return (gsize) g_ascii_strtoull (line + 6, NULL, 10);
}

static void
flood (TurnTestClient *c, guint rounds)
{
  guint8 buf[600];

  for (guint i = 0; i < rounds; i++)
    {
      gsize len = 1 + g_random_int_range (0, sizeof buf);
      for (gsize j = 0; j < len; j++)
        buf[j] = (guint8) g_random_int ();
      switch (i % 6)
        {
        case 0: /* STUN header, length past the end */
          buf[0] = 0; buf[1] = 1; buf[2] = 0x02; buf[3] = 0x00;
          memcpy (buf + 4, "\x21\x12\xA4\x42", 4);
          len = MAX (len, 20);
          break;
        case 1: /* an attribute with length 0xFFFF */
          len = 28;
          buf[0] = 0; buf[1] = 3; buf[2] = 0; buf[3] = 8;
          memcpy (buf + 4, "\x21\x12\xA4\x42", 4);
          buf[20] = 0; buf[21] = 0x19; buf[22] = 0xFF; buf[23] = 0xFF;
          break;
        case 2: /* truncated header */
          len = MIN (len, 19);
          buf[0] = 0;
          break;
        case 3: /* ChannelData with a lying length */
          buf[0] = 0x40;
          break;
        default:
          break;
        }
      turn_test_client_send_raw (c, buf, len);
    }
}

static void
flood_allocates (TurnTestClient *c, guint rounds)
{
  for (guint i = 0; i < rounds; i++)
    {
      guint8 buf[64];
      guint8 txid[POSTERN_STUN_TRANSACTION_ID_SIZE];
      PosternStunBuilder b;
      gsize len;

      for (guint j = 0; j < sizeof txid; j++)
        txid[j] = (guint8) g_random_int ();
      postern_stun_builder_init (&b, buf, sizeof buf, POSTERN_STUN_METHOD_ALLOCATE, POSTERN_STUN_CLASS_REQUEST, txid);
      turn_test_add_udp_transport (&b, NULL);
      len = postern_stun_builder_finish (&b, NULL);
      turn_test_client_send_raw (c, buf, len);
    }
}

static void
test_floods (void)
{
  guint16 port;
  g_autoptr(PosternTestDaemon) d = turn_test_start (&port, "");
  g_autoptr(TurnTestClient) attacker = NULL;
  g_autoptr(TurnTestClient) c = NULL;
  PosternStunAddress mapped;
  gsize before, after;

  turn_test_add_user (d, "alice", "alice-pw");
  attacker = client_for (port, "x", "y");
  c = client_for (port, "alice", "alice-pw");

  /* warm-up, then measure across a much larger flood */
  flood (attacker, 2000);
  flood_allocates (attacker, 2000);
  g_assert_cmpuint (turn_test_client_once (c, POSTERN_STUN_METHOD_BINDING, NULL, NULL, FALSE), ==, 0);
  before = rss_kib (d);
  for (guint i = 0; i < 10; i++)
    {
      flood (attacker, 3000);
      flood_allocates (attacker, 3000);
      /* still answering, and no state from any of it */
      g_assert_cmpuint (turn_test_client_once (c, POSTERN_STUN_METHOD_BINDING, NULL, NULL, FALSE), ==, 0);
    }
  after = rss_kib (d);
  g_test_message ("posternd RSS %zu KiB before, %zu KiB after 60000 hostile datagrams", before, after);
  g_assert_cmpuint (after, <, before + 4096);
  g_assert_cmpuint (turn_test_counter (d, "allocations"), ==, 0);

  /* Binding answers with the client's address, no optional attributes */
  g_assert_true (postern_stun_message_get_xor_address (&c->msg, POSTERN_STUN_ATTR_XOR_MAPPED_ADDRESS, &mapped));
  g_assert_cmpuint (c->msg.n_attrs, ==, 1);
  g_assert_cmpuint (turn_test_client_allocate (c, NULL), ==, 0);
  g_assert_cmpint (postern_test_daemon_stop (d), ==, 0);
}

/* Attribute types for random requests, with the length each has when well
 * formed (-1: any): TURN's, two that are not TURN's and two unknown ones
 * (comprehension-required 0x0030, optional 0xC001). */
static const struct {
  guint16 type;
  gint len;
} random_attrs[] = {
  { POSTERN_STUN_ATTR_CHANNEL_NUMBER, 4 }, { POSTERN_STUN_ATTR_LIFETIME, 4 },
  { POSTERN_STUN_ATTR_XOR_PEER_ADDRESS, 8 }, { POSTERN_STUN_ATTR_DATA, -1 },
  { POSTERN_STUN_ATTR_REQUESTED_ADDRESS_FAMILY, 4 }, { POSTERN_STUN_ATTR_EVEN_PORT, 1 },
  { POSTERN_STUN_ATTR_REQUESTED_TRANSPORT, 4 }, { POSTERN_STUN_ATTR_DONT_FRAGMENT, 0 },
  { POSTERN_STUN_ATTR_RESERVATION_TOKEN, 8 }, { POSTERN_STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY, 4 },
  { POSTERN_STUN_ATTR_ICMP, 8 }, { POSTERN_STUN_ATTR_SOFTWARE, -1 },
  { POSTERN_STUN_ATTR_PASSWORD_ALGORITHM, 4 }, { POSTERN_STUN_ATTR_USERHASH, 32 },
  { 0x0030, -1 }, { 0xC001, -1 },
};

typedef struct {
  guint16 method;
  guint16 peer_port;
} RandomRequest;

/* Up to five attributes: well formed (a peer address on loopback, where
 * IPv6 is not an allowed peer; small numbers in the bytes that matter),
 * random bytes of a random length, or empty. Half the Allocates start with
 * a valid REQUESTED-TRANSPORT, so that the later requests find
 * allocations. */
static void
add_random_attrs (PosternStunBuilder *b, gpointer data)
{
  const RandomRequest *r = data;
  gint n = g_test_rand_int_range (0, 6);

  if (r->method == POSTERN_STUN_METHOD_ALLOCATE && g_test_rand_bit ())
    turn_test_add_udp_transport (b, NULL);

  for (gint i = 0; i < n; i++)
    {
      guint a = (guint) g_test_rand_int_range (0, G_N_ELEMENTS (random_attrs));
      guint8 value[40] = { 0 };
      gint len = 0;

      switch (g_test_rand_int_range (0, 3))
        {
        case 0:
          if (random_attrs[a].type == POSTERN_STUN_ATTR_XOR_PEER_ADDRESS)
            {
              PosternStunAddress peer;

              turn_test_peer_address (&peer, g_test_rand_bit () ? "127.0.0.1" : "::1", r->peer_port);
              postern_stun_builder_add_xor_address (b, POSTERN_STUN_ATTR_XOR_PEER_ADDRESS, &peer);
              continue;
            }
          len = random_attrs[a].len >= 0 ? random_attrs[a].len : g_test_rand_int_range (0, 33);
          for (gint j = 0; j < len; j++)
            value[j] = (guint8) g_test_rand_int_range (0, 4);
          /* a channel number in or around 0x4000-0x4FFF, a transport of UDP or not */
          if (random_attrs[a].type == POSTERN_STUN_ATTR_CHANNEL_NUMBER)
            value[0] = (guint8) g_test_rand_int_range (0x3F, 0x51);
          if (random_attrs[a].type == POSTERN_STUN_ATTR_REQUESTED_TRANSPORT && g_test_rand_bit ())
            value[0] = 17;
          break;
        case 1:
          len = g_test_rand_int_range (0, (gint) sizeof value + 1);
          for (gint j = 0; j < len; j++)
            value[j] = (guint8) g_test_rand_int_range (0, 256);
          break;
        default:
          break;
        }
      postern_stun_builder_add (b, random_attrs[a].type, value, (gsize) len);
    }
}

/* Requests that pass integrity (signed with alice's key) but are otherwise
 * random, from three clients: every one is answered with its method, as a
 * success or with one of the RFC's error codes, and afterwards the server
 * relays as before. g_test_rand: a failure repeats with the --seed the log
 * shows. */
static void
test_random_signed_requests (void)
{
  static const guint16 methods[] = {
    POSTERN_STUN_METHOD_ALLOCATE, POSTERN_STUN_METHOD_REFRESH, POSTERN_STUN_METHOD_CREATE_PERMISSION,
    POSTERN_STUN_METHOD_CHANNEL_BIND, POSTERN_STUN_METHOD_BINDING,
  };
  static const guint16 codes[] = { 0, 400, 403, 420, 437, 440, 441, 442, 443, 486, 508 };
  guint16 port, peer_port;
  g_autoptr(PosternTestDaemon) d = turn_test_start (&port, "user-quota = 2");
  gint peer_fd = turn_test_peer_socket ("127.0.0.1", &peer_port);
  TurnTestClient *clients[3];
  g_autoptr(TurnTestClient) c = NULL;
  guint seen[G_N_ELEMENTS (codes)] = { 0 };
  PosternStunAddress peer;

  turn_test_add_user (d, "alice", "alice-pw");
  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    clients[i] = client_for (port, "alice", "alice-pw");
  for (guint i = 0; i < 600; i++)
    {
      TurnTestClient *from = clients[g_test_rand_int_range (0, G_N_ELEMENTS (clients))];
      RandomRequest r = { methods[g_test_rand_int_range (0, G_N_ELEMENTS (methods))], peer_port };
      guint16 code = turn_test_client_request (from, r.method, add_random_attrs, &r);
      guint k = 0;

      while (k < G_N_ELEMENTS (codes) && codes[k] != code)
        k++;
      if (k == G_N_ELEMENTS (codes))
        g_error ("request %u (method 0x%03x): answer %u is not one of the expected codes", i, r.method, code);
      seen[k]++;
    }
  for (guint k = 0; k < G_N_ELEMENTS (codes); k++)
    g_test_message ("answer %u: %u times", codes[k], seen[k]);
  /* not all refused: the random mix reaches the successful paths too */
  g_assert_cmpuint (seen[0], >, 0);
  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    turn_test_client_free (clients[i]);

  /* alice's quota may still be taken by the closed clients' allocations */
  turn_test_add_user (d, "bob", "bob-pw");
  c = client_for (port, "bob", "bob-pw");
  g_assert_cmpuint (turn_test_client_allocate (c, &peer), ==, 0);
  turn_test_peer_address (&peer, "127.0.0.1", peer_port);
  g_assert_cmpuint (turn_test_client_request (c, POSTERN_STUN_METHOD_CREATE_PERMISSION, add_peer, &peer), ==, 0);
  turn_test_client_send_indication (c, "127.0.0.1", peer_port, (const guint8 *) "after", 5);
  peer_expect (peer_fd, "after");
  close (peer_fd);
}

/* Another process on the port refuses the plugin, also when that process
 * set SO_REUSEPORT and could otherwise join the relay threads' group. */
static void
port_in_use (gboolean reuseport)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PosternTestDaemon) d = postern_test_daemon_new (g_getenv ("POSTERN_TEST_TURN_PLUGIN_DIR"));
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof sa;
  g_autofree gchar *dropin = NULL;
  g_autofree gchar *log = NULL;
  gint fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  gint one = 1;

  if (reuseport)
    g_assert_cmpint (setsockopt (fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one), ==, 0);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &sa, sizeof sa), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &sa, &len), ==, 0);
  dropin = g_strdup_printf ("[core]\nfail-on-plugin-error = true\n[turn]\nlisten = 127.0.0.1:%u\n"
                            "realm = " TURN_TEST_REALM "\n%s", ntohs (sa.sin_port), turn_test_threads_key ());
  postern_test_daemon_write_dropin (d, "30-turn.conf", dropin);
  g_assert_false (postern_test_daemon_start (d, &error));
  log = postern_test_daemon_read_log (d);
  turn_test_log_lines ("posternd", log);
  g_assert_nonnull (strstr (log, "already in use"));
  close (fd);
}

static void
test_port_in_use (void)
{
  port_in_use (FALSE);
}

static void
test_port_in_use_reuseport (void)
{
  port_in_use (TRUE);
}

typedef struct {
  const PosternStunAddress *peers;
  guint n_peers;
  gboolean truncated_last;   /* the last XOR-PEER-ADDRESS is cut short */
} Peers;

static void
add_peers (PosternStunBuilder *b, gpointer data)
{
  const Peers *p = data;

  for (guint i = 0; i < p->n_peers; i++)
    postern_stun_builder_add_xor_address (b, POSTERN_STUN_ATTR_XOR_PEER_ADDRESS, &p->peers[i]);
  if (p->truncated_last)
    postern_stun_builder_add (b, POSTERN_STUN_ATTR_XOR_PEER_ADDRESS, "\0\x01\x12", 3);
}

/* Permissions of the only allocation, as D-Bus lists them. */
static guint32
only_allocation_permissions (PosternTestDaemon *d)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) list = NULL;
  g_autoptr(GVariant) entry = NULL;
  guint32 permissions = 0;

  reply = g_dbus_connection_call_sync (d->connection, "org.postern.Postern1", "/org/postern/Postern1/turn",
                                       "org.postern.Postern1.Turn", "ListAllocations", NULL,
                                       G_VARIANT_TYPE ("(a(tsssxxttttuu))"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                       &error);
  g_assert_no_error (error);
  list = g_variant_get_child_value (reply, 0);
  g_assert_cmpuint (g_variant_n_children (list), ==, 1);
  entry = g_variant_get_child_value (list, 0);
  g_variant_get_child (entry, 10, "u", &permissions);
  return permissions;
}

/* Several XOR-PEER-ADDRESS in one CreatePermission: all are installed, or
 * none when one is forbidden or malformed. */
static void
test_create_permission_many (void)
{
  guint16 port, port_a, port_b;
  g_autoptr(PosternTestDaemon) d = turn_test_start (&port, "allowed-peers = 127.0.0.1/32;127.0.0.2/32");
  g_autoptr(TurnTestClient) c = NULL;
  gint fd_a = turn_test_peer_socket ("127.0.0.1", &port_a);
  gint fd_b = turn_test_peer_socket ("127.0.0.2", &port_b);
  PosternStunAddress relayed, peers[3];
  Peers request = { peers, 3, FALSE };

  turn_test_add_user (d, "alice", "alice-pw");
  c = client_for (port, "alice", "alice-pw");
  g_assert_cmpuint (turn_test_client_allocate (c, &relayed), ==, 0);
  turn_test_peer_address (&peers[0], "127.0.0.1", port_a);
  turn_test_peer_address (&peers[1], "127.0.0.2", port_b);
  turn_test_peer_address (&peers[2], "10.0.0.1", 5000);

  /* the forbidden third spoils the request */
  g_assert_cmpuint (turn_test_client_request (c, POSTERN_STUN_METHOD_CREATE_PERMISSION, add_peers, &request), ==, 403);
  g_assert_cmpuint (only_allocation_permissions (d), ==, 0);
  /* so does a malformed one */
  request.n_peers = 2;
  request.truncated_last = TRUE;
  g_assert_cmpuint (turn_test_client_request (c, POSTERN_STUN_METHOD_CREATE_PERMISSION, add_peers, &request), ==, 400);
  g_assert_cmpuint (only_allocation_permissions (d), ==, 0);

  request.truncated_last = FALSE;
  g_assert_cmpuint (turn_test_client_request (c, POSTERN_STUN_METHOD_CREATE_PERMISSION, add_peers, &request), ==, 0);
  g_assert_cmpuint (only_allocation_permissions (d), ==, 2);
  turn_test_peer_send (fd_b, &relayed, "from-b");
  client_expect (c, port_b, 0, "from-b");
  turn_test_peer_send (fd_a, &relayed, "from-a");
  client_expect (c, port_a, 0, "from-a");
  close (fd_a);
  close (fd_b);
  g_assert_cmpint (postern_test_daemon_stop (d), ==, 0);
}

/* An IPv6 relayed address (REQUESTED-ADDRESS-FAMILY) for a client that
 * speaks IPv4 to the server: Send and Data indications and ChannelData
 * both ways with an IPv6 peer; an IPv4 peer is refused with 443. */
static void
test_ipv6_relay (void)
{
  guint16 port, peer_port, v4_port;
  g_autoptr(PosternTestDaemon) d = turn_test_start (&port, "relay-ip = 127.0.0.1;::1\n"
                                                    "allowed-peers = 127.0.0.1/32;::1/128");
  g_autoptr(TurnTestClient) c = NULL;
  gint peer_fd = turn_test_peer_socket ("::1", &peer_port);
  gint v4_fd = turn_test_peer_socket ("127.0.0.1", &v4_port);
  PosternStunAddress relayed, peer, v4_peer;

  turn_test_add_user (d, "alice", "alice-pw");
  c = client_for (port, "alice", "alice-pw");
  g_assert_cmpuint (turn_test_client_request (c, POSTERN_STUN_METHOD_ALLOCATE, add_ipv6_allocate,
                                              GUINT_TO_POINTER (POSTERN_STUN_ATTR_REQUESTED_ADDRESS_FAMILY)), ==, 0);
  g_assert_cmpuint (count_attrs (c->reply, c->reply_len, POSTERN_STUN_ATTR_XOR_RELAYED_ADDRESS), ==, 1);
  g_assert_true (postern_stun_message_get_xor_address (&c->msg, POSTERN_STUN_ATTR_XOR_RELAYED_ADDRESS, &relayed));
  g_assert_cmpuint (relayed.family, ==, POSTERN_STUN_FAMILY_IPV6);

  turn_test_peer_address (&v4_peer, "127.0.0.1", v4_port);
  g_assert_cmpuint (turn_test_client_request (c, POSTERN_STUN_METHOD_CREATE_PERMISSION, add_peer, &v4_peer), ==, 443);

  turn_test_peer_address (&peer, "::1", peer_port);
  g_assert_cmpuint (turn_test_client_request (c, POSTERN_STUN_METHOD_CREATE_PERMISSION, add_peer, &peer), ==, 0);
  indication_round_trip (c, &relayed, peer_fd, "::1", peer_port, "send-6", "data-6");
  channel_round_trip (c, &relayed, peer_fd, &peer, 0x4001, "chan-6", "chan-back-6");
  close (peer_fd);
  close (v4_fd);
}

/* A listener bound to the wildcard addresses answers from the address each
 * datagram arrived on (its packet info), requests and relayed data alike:
 * the test clients' sockets are connected to the address they send to, so
 * anything from another source never reaches them. Each client sends a
 * burst before reading, so the listener's batches mix local addresses. */
static void
test_wildcard_source (void)
{
  static const gchar *const local[] = { "127.0.0.1", "127.0.0.2", "127.0.0.3", "::1" };
  enum { BURST = 8 };
  g_autoptr(GError) error = NULL;
  g_autoptr(PosternTestDaemon) d = postern_test_daemon_new (g_getenv ("POSTERN_TEST_TURN_PLUGIN_DIR"));
  guint16 port = turn_test_free_udp_port ();
  g_autofree gchar *dropin = g_strdup_printf ("[turn]\nlisten = 0.0.0.0:%u;[::]:%u\nrealm = " TURN_TEST_REALM "\n"
                                              "allowed-peers = 127.0.0.1/32\n%s", port, port,
                                              turn_test_threads_key ());
  TurnTestClient *clients[G_N_ELEMENTS (local)];
  g_autoptr(TurnTestClient) c = NULL;
  PosternStunAddress relayed, peer;
  guint16 peer_port;
  gint peer_fd = turn_test_peer_socket ("127.0.0.1", &peer_port);

  postern_test_daemon_write_dropin (d, "30-turn.conf", dropin);
  g_assert_true (postern_test_daemon_start (d, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (local); i++)
    clients[i] = turn_test_client_new (local[i], port);
  for (guint n = 0; n < BURST; n++)
    for (guint i = 0; i < G_N_ELEMENTS (local); i++)
      {
        guint8 buf[64];
        guint8 txid[POSTERN_STUN_TRANSACTION_ID_SIZE] = { (guint8) n, (guint8) i };
        PosternStunBuilder b;

        postern_stun_builder_init (&b, buf, sizeof buf, POSTERN_STUN_METHOD_BINDING, POSTERN_STUN_CLASS_REQUEST, txid);
        turn_test_client_send_raw (clients[i], buf, postern_stun_builder_finish (&b, NULL));
      }
  for (guint i = 0; i < G_N_ELEMENTS (local); i++)
    {
      for (guint n = 0; n < BURST; n++)
        {
          guint8 buf[256];
          gssize got = turn_test_client_recv (clients[i], buf, sizeof buf, 10000);
          PosternStunMessage msg;

          g_assert_cmpint (got, >, 0);
          g_assert_true (postern_stun_message_parse (&msg, buf, (gsize) got, POSTERN_STUN_PARSE_NONE, NULL));
          g_assert_cmpuint (msg.klass, ==, POSTERN_STUN_CLASS_SUCCESS);
          g_assert_cmpuint (postern_stun_message_get_transaction_id (&msg)[1], ==, i);
        }
      turn_test_client_free (clients[i]);
    }

  /* an allocation made over 127.0.0.2: its data leaves from there too */
  turn_test_add_user (d, "alice", "alice-pw");
  c = turn_test_client_new ("127.0.0.2", port);
  turn_test_client_set_user (c, "alice", "alice-pw");
  g_assert_cmpuint (turn_test_client_allocate (c, &relayed), ==, 0);
  turn_test_peer_address (&peer, "127.0.0.1", peer_port);
  g_assert_cmpuint (turn_test_client_request (c, POSTERN_STUN_METHOD_CREATE_PERMISSION, add_peer, &peer), ==, 0);
  indication_round_trip (c, &relayed, peer_fd, "127.0.0.1", peer_port, "to-peer", "to-client");
  close (peer_fd);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/turn/security/allocate-codes", test_allocate_codes);
  g_test_add_func ("/turn/security/forbidden-peers", test_forbidden_peers);
  g_test_add_func ("/turn/security/channel-numbers", test_channel_numbers);
  g_test_add_func ("/turn/security/auth", test_auth);
  g_test_add_func ("/turn/security/stale-nonce", test_stale_nonce);
  g_test_add_func ("/turn/security/quota-and-capacity", test_quota_and_capacity);
  g_test_add_func ("/turn/security/create-permission-many", test_create_permission_many);
  g_test_add_func ("/turn/security/relay-and-reload", test_relay_and_reload);
  g_test_add_func ("/turn/security/floods", test_floods);
  g_test_add_func ("/turn/security/random-signed-requests", test_random_signed_requests);
  g_test_add_func ("/turn/security/port-in-use", test_port_in_use);
  g_test_add_func ("/turn/security/port-in-use-reuseport", test_port_in_use_reuseport);
  g_test_add_func ("/turn/security/ipv6-relay", test_ipv6_relay);
  g_test_add_func ("/turn/listener/wildcard-source", test_wildcard_source);
  return g_test_run ();
}
