/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Several relay threads: clients handed to different threads (the
 * SO_REUSEPORT group's steering hashes the source) relay, share one quota
 * and show up in one D-Bus list; nobody else can join the group. Shard i
 * gives out allocation ids i + 1, i + 1 + THREADS, ..., which is how a test
 * tells the threads apart. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "turn-test-common.h"

#define THREADS 4
#define MAX_TRIES 64

typedef struct {
  TurnTestClient *c;
  guint shard;
  guint64 id;
  PosternStunAddress relayed;
} Placed;

static void
add_lifetime_zero (PosternStunBuilder *b, gpointer data)
{
  postern_stun_builder_add_u32 (b, POSTERN_STUN_ATTR_LIFETIME, 0);
}

static void
add_peer (PosternStunBuilder *b, gpointer data)
{
  postern_stun_builder_add_xor_address (b, POSTERN_STUN_ATTR_XOR_PEER_ADDRESS, data);
}

static GVariant *
list_allocations (PosternTestDaemon *d)
{
  g_autoptr(GError) error = NULL;
  GVariant *reply = g_dbus_connection_call_sync (d->connection, "org.postern.Postern1", "/org/postern/Postern1/turn",
                                                 "org.postern.Postern1.Turn", "ListAllocations", NULL,
                                                 G_VARIANT_TYPE ("(a(tsssxxttttuu))"), G_DBUS_CALL_FLAGS_NONE, -1,
                                                 NULL, &error);

  g_assert_no_error (error);
  return reply;
}

static gboolean
delete_allocation (PosternTestDaemon *d, guint64 id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync (d->connection, "org.postern.Postern1",
                                                           "/org/postern/Postern1/turn", "org.postern.Postern1.Turn",
                                                           "DeleteAllocation", g_variant_new ("(t)", id), NULL,
                                                           G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);

  return reply != NULL;
}

static gchar *
client_text (TurnTestClient *c)
{
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;

  g_assert_cmpint (getsockname (c->fd, (struct sockaddr *) &ss, &len), ==, 0);
  if (ss.ss_family == AF_INET6)
    return g_strdup_printf ("[::1]:%u", ntohs (((struct sockaddr_in6 *) &ss)->sin6_port));
  return g_strdup_printf ("127.0.0.1:%u", ntohs (((struct sockaddr_in *) &ss)->sin_port));
}

/* The id of @c's allocation in the D-Bus list (of every shard), 0 if none;
 * *@user set to its user. */
static guint64
listed_id (PosternTestDaemon *d, TurnTestClient *c, gchar **user)
{
  g_autoptr(GVariant) reply = list_allocations (d);
  g_autoptr(GVariant) items = g_variant_get_child_value (reply, 0);
  g_autofree gchar *me = client_text (c);
  GVariantIter iter;
  const gchar *client, *relayed, *name;
  guint64 id;

  g_variant_iter_init (&iter, items);
  while (g_variant_iter_next (&iter, "(t&s&s&sxxttttuu)", &id, &client, &relayed, &name, NULL, NULL, NULL, NULL,
                              NULL, NULL, NULL, NULL))
    if (g_str_equal (client, me))
      {
        if (user != NULL)
          *user = g_strdup (name);
        return id;
      }
  return 0;
}

static guint
count_listed (PosternTestDaemon *d)
{
  g_autoptr(GVariant) reply = list_allocations (d);
  g_autoptr(GVariant) items = g_variant_get_child_value (reply, 0);

  return (guint) g_variant_n_children (items);
}

/* Clients on @n different relay threads: a scout allocation (user
 * "scout") tells each new client's thread, then goes away. */
static void
place_clients_on (PosternTestDaemon *d, const gchar *server_ip, guint16 port, Placed *out, guint n)
{
  gboolean seen[THREADS] = { FALSE };
  guint found = 0;

  for (guint tries = 0; tries < MAX_TRIES && found < n; tries++)
    {
      TurnTestClient *c = turn_test_client_new (server_ip, port);
      guint64 id;
      guint shard;

      turn_test_client_set_user (c, "scout", "scout-pw");
      g_assert_cmpuint (turn_test_client_allocate (c, NULL), ==, 0);
      id = listed_id (d, c, NULL);
      g_assert_cmpuint (id, !=, 0);
      shard = (guint) ((id - 1) % THREADS);
      g_assert_cmpuint (turn_test_client_request (c, POSTERN_STUN_METHOD_REFRESH, add_lifetime_zero, NULL), ==, 0);
      if (seen[shard])
        {
          turn_test_client_free (c);
          continue;
        }
      seen[shard] = TRUE;
      out[found++] = (Placed) { .c = c, .shard = shard };
      g_test_message ("client %u on relay thread %u", found, shard);
    }
  g_assert_cmpuint (found, ==, n);
}

static void
place_clients (PosternTestDaemon *d, guint16 port, Placed *out, guint n)
{
  place_clients_on (d, "127.0.0.1", port, out, n);
}

static void
free_placed (Placed *p, guint n)
{
  for (guint i = 0; i < n; i++)
    turn_test_client_free (p[i].c);
}

static PosternTestDaemon *
start (guint16 *port, const gchar *more_keys)
{
  g_autofree gchar *keys = g_strdup_printf ("relay-threads = %u\n%s", THREADS, more_keys);
  PosternTestDaemon *d = turn_test_start (port, keys);

  turn_test_add_user (d, "scout", "scout-pw");
  turn_test_add_user (d, "alice", "alice-pw");
  return d;
}

/* user-quota counts over all threads: alice's third allocation is refused
 * on a third thread, and a deletion on one thread frees room on another. */
static void
test_quota_across_threads (void)
{
  guint16 port;
  g_autoptr(PosternTestDaemon) d = start (&port, "user-quota = 2\n");
  Placed p[3];
  guint64 a, b;

  place_clients (d, port, p, 3);
  for (guint i = 0; i < 3; i++)
    turn_test_client_set_user (p[i].c, "alice", "alice-pw");
  g_assert_cmpuint (turn_test_client_allocate (p[0].c, NULL), ==, 0);
  g_assert_cmpuint (turn_test_client_allocate (p[1].c, NULL), ==, 0);
  g_assert_cmpuint (turn_test_client_allocate (p[2].c, NULL), ==, 486);
  a = listed_id (d, p[0].c, NULL);
  b = listed_id (d, p[1].c, NULL);
  g_assert_cmpuint ((a - 1) % THREADS, ==, p[0].shard);
  g_assert_cmpuint ((b - 1) % THREADS, ==, p[1].shard);
  g_assert_cmpuint (count_listed (d), ==, 2);

  g_assert_cmpuint (turn_test_client_request (p[0].c, POSTERN_STUN_METHOD_REFRESH, add_lifetime_zero, NULL), ==, 0);
  g_assert_cmpuint (turn_test_client_allocate (p[2].c, NULL), ==, 0);
  g_assert_cmpuint (turn_test_client_allocate (p[0].c, NULL), ==, 486);
  free_placed (p, 3);
  g_assert_cmpint (postern_test_daemon_stop (d), ==, 0);
}

/* @text arrives at the peer from @relayed */
static void
peer_expect (gint fd, const PosternStunAddress *relayed, const gchar *text)
{
  struct pollfd pfd = { .fd = fd, .events = POLLIN };
  struct sockaddr_in from;
  socklen_t from_len = sizeof from;
  guint8 buf[2048];
  gssize got;

  g_assert_cmpint (poll (&pfd, 1, 10000), ==, 1);
  got = recvfrom (fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *) &from, &from_len);
  g_assert_cmpint (got, ==, (gssize) strlen (text));
  g_assert_cmpmem (buf, (gsize) got, text, strlen (text));
  g_assert_cmpuint (ntohs (from.sin_port), ==, relayed->port);
}

/* A Data indication with @text from @peer_port */
static void
client_expect (TurnTestClient *c, guint16 peer_port, const gchar *text)
{
  guint8 buf[2048];
  gssize got = turn_test_client_recv (c, buf, sizeof buf, 10000);
  PosternStunMessage msg;
  PosternStunAddress from;
  const guint8 *data;
  gsize len;

  g_assert_cmpint (got, >, 0);
  g_assert_true (postern_stun_message_parse (&msg, buf, (gsize) got, POSTERN_STUN_PARSE_NONE, NULL));
  g_assert_cmpuint (msg.method, ==, POSTERN_STUN_METHOD_DATA);
  g_assert_true (postern_stun_message_get_xor_address (&msg, POSTERN_STUN_ATTR_XOR_PEER_ADDRESS, &from));
  g_assert_cmpuint (from.port, ==, peer_port);
  data = postern_stun_message_find (&msg, POSTERN_STUN_ATTR_DATA, &len);
  g_assert_nonnull (data);
  g_assert_cmpmem (data, len, text, strlen (text));
}

/* Allocates, permits the peer and relays both ways for each of @p. */
static void
relay_all (PosternTestDaemon *d, Placed *p, guint n, gint peer_fd, guint16 peer_port, const gchar *round)
{
  PosternStunAddress peer;

  turn_test_peer_address (&peer, "127.0.0.1", peer_port);
  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *out = g_strdup_printf ("%s-to-peer-%u", round, i);
      g_autofree gchar *back = g_strdup_printf ("%s-to-client-%u", round, i);

      if (p[i].id == 0)
        {
          g_assert_cmpuint (turn_test_client_allocate (p[i].c, &p[i].relayed), ==, 0);
          g_assert_cmpuint (turn_test_client_request (p[i].c, POSTERN_STUN_METHOD_CREATE_PERMISSION, add_peer, &peer),
                            ==, 0);
          p[i].id = listed_id (d, p[i].c, NULL);
          g_assert_cmpuint ((p[i].id - 1) % THREADS, ==, p[i].shard);
        }
      turn_test_client_send_indication (p[i].c, "127.0.0.1", peer_port, (const guint8 *) out, strlen (out));
      peer_expect (peer_fd, &p[i].relayed, out);
      turn_test_peer_send (peer_fd, &p[i].relayed, back);
      client_expect (p[i].c, peer_port, back);
    }
}

/* Clients on three threads relay both ways, each through its own relay
 * socket; the counters add up over the threads; a reload that changes the
 * thread count is refused and changes nothing. */
static void
test_relay_across_threads (void)
{
  guint16 port, peer_port;
  g_autoptr(PosternTestDaemon) d = start (&port, "");
  g_autofree gchar *dropin = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  gint peer_fd = turn_test_peer_socket ("127.0.0.1", &peer_port);
  Placed p[3];

  place_clients (d, port, p, 3);
  for (guint i = 0; i < 3; i++)
    turn_test_client_set_user (p[i].c, "alice", "alice-pw");
  relay_all (d, p, 3, peer_fd, peer_port, "one");
  relay_all (d, p, 3, peer_fd, peer_port, "two");
  g_assert_cmpuint (turn_test_counter (d, "packets-to-peer"), ==, 6);
  g_assert_cmpuint (turn_test_counter (d, "packets-to-client"), ==, 6);

  /* the thread count needs a restart: the reload is refused, relaying goes on */
  dropin = g_strdup_printf ("[turn]\nlisten = 127.0.0.1:%u\nrealm = " TURN_TEST_REALM "\n"
                            "allowed-peers = 127.0.0.1/32\nrelay-threads = %u\n", port, THREADS - 1);
  postern_test_daemon_write_dropin (d, "30-turn.conf", dropin);
  g_assert_cmpint (postern_test_ctl (d, &out, &err, "reload", NULL), !=, 0);
  g_assert_true (postern_test_daemon_wait_log (d, "relay-threads cannot change on reload"));
  relay_all (d, p, 3, peer_fd, peer_port, "three");
  g_assert_cmpuint (turn_test_counter (d, "allocations"), ==, 3);
  free_placed (p, 3);
  close (peer_fd);
  g_assert_cmpint (postern_test_daemon_stop (d), ==, 0);
}

/* D-Bus lists the allocations of every thread and deletes one on any of
 * them; the others keep relaying. */
static void
test_dbus_across_threads (void)
{
  guint16 port, peer_port;
  g_autoptr(PosternTestDaemon) d = start (&port, "");
  gint peer_fd = turn_test_peer_socket ("127.0.0.1", &peer_port);
  Placed p[3];

  place_clients (d, port, p, 3);
  for (guint i = 0; i < 3; i++)
    turn_test_client_set_user (p[i].c, "alice", "alice-pw");
  relay_all (d, p, 3, peer_fd, peer_port, "before");
  g_assert_cmpuint (count_listed (d), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree gchar *user = NULL;
      g_assert_cmpuint (listed_id (d, p[i].c, &user), ==, p[i].id);
      g_assert_cmpstr (user, ==, "alice");
    }

  g_assert_true (delete_allocation (d, p[1].id));
  g_assert_false (delete_allocation (d, p[1].id));
  g_assert_false (delete_allocation (d, p[1].id + THREADS * 1000));
  g_assert_cmpuint (count_listed (d), ==, 2);
  g_assert_cmpuint (listed_id (d, p[1].c, NULL), ==, 0);
  g_assert_cmpuint (turn_test_client_request (p[1].c, POSTERN_STUN_METHOD_REFRESH, NULL, NULL), ==, 437);

  turn_test_client_free (p[1].c);
  p[1] = p[2];
  relay_all (d, p, 2, peer_fd, peer_port, "after");
  turn_test_client_free (p[0].c);
  turn_test_client_free (p[1].c);
  close (peer_fd);
  g_assert_cmpint (postern_test_daemon_stop (d), ==, 0);
}

/* A process of the same user that joins the listening port's SO_REUSEPORT
 * group after start gets none of the clients' datagrams. */
static void
test_late_joiner (void)
{
  guint16 port;
  g_autoptr(PosternTestDaemon) d = start (&port, "");
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  gint joiner = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  gint one = 1;
  TurnTestClient *c[32];
  guint8 buf[2048];

  sa.sin_port = htons (port);
  g_assert_cmpint (setsockopt (joiner, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one), ==, 0);
  g_assert_cmpint (bind (joiner, (struct sockaddr *) &sa, sizeof sa), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (c); i++)
    {
      guint8 txid[POSTERN_STUN_TRANSACTION_ID_SIZE] = { (guint8) i };
      PosternStunBuilder b;
      gsize len;

      c[i] = turn_test_client_new ("127.0.0.1", port);
      postern_stun_builder_init (&b, buf, sizeof buf, POSTERN_STUN_METHOD_BINDING, POSTERN_STUN_CLASS_REQUEST, txid);
      len = postern_stun_builder_finish (&b, NULL);
      turn_test_client_send_raw (c[i], buf, len);
    }
  for (guint i = 0; i < G_N_ELEMENTS (c); i++)
    {
      g_assert_cmpint (turn_test_client_recv (c[i], buf, sizeof buf, 10000), >, 0);
      turn_test_client_free (c[i]);
    }
  g_assert_cmpint (recv (joiner, buf, sizeof buf, MSG_DONTWAIT), <, 0);
  close (joiner);
  g_assert_cmpint (postern_test_daemon_stop (d), ==, 0);
}

/* The group on an IPv6 address spreads clients too (the steering program
 * reads the IPv6 header). */
static void
test_ipv6_listener (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PosternTestDaemon) d = postern_test_daemon_new (g_getenv ("POSTERN_TEST_TURN_PLUGIN_DIR"));
  guint16 port = turn_test_free_udp_port ();
  g_autofree gchar *dropin = g_strdup_printf ("[turn]\nlisten = [::1]:%u\nrealm = " TURN_TEST_REALM "\n"
                                              "relay-ip = 127.0.0.1\nrelay-threads = %u\n", port, THREADS);
  Placed p[3];

  postern_test_daemon_write_dropin (d, "30-turn.conf", dropin);
  g_assert_true (postern_test_daemon_start (d, &error));
  g_assert_no_error (error);
  turn_test_add_user (d, "scout", "scout-pw");
  place_clients_on (d, "::1", port, p, 3);
  free_placed (p, 3);
  g_assert_cmpint (postern_test_daemon_stop (d), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/turn/threads/quota", test_quota_across_threads);
  g_test_add_func ("/turn/threads/relay", test_relay_across_threads);
  g_test_add_func ("/turn/threads/dbus", test_dbus_across_threads);
  g_test_add_func ("/turn/threads/late-joiner", test_late_joiner);
  g_test_add_func ("/turn/threads/ipv6", test_ipv6_listener);
  return g_test_run ();
}
