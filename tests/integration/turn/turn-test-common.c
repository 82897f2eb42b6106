/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turn-test-common.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* posternd with the turn plugin on 127.0.0.1:*port (a free port) plus
 * @extra_keys in its [turn] group. Peers on loopback need allowed-peers:
 * 127.0.0.1/32 unless @extra_keys sets it. */
PosternTestDaemon *
turn_test_start (guint16 *port, const gchar *extra_keys)
{
  g_autoptr(GError) error = NULL;
  PosternTestDaemon *d = postern_test_daemon_new (g_getenv ("POSTERN_TEST_TURN_PLUGIN_DIR"));
  g_autofree gchar *dropin = NULL;

  *port = turn_test_free_udp_port ();
  dropin = g_strdup_printf ("[turn]\nlisten = 127.0.0.1:%u\nrealm = " TURN_TEST_REALM "\n%s%s%s\n", *port,
                            strstr (extra_keys, "allowed-peers") == NULL ? "allowed-peers = 127.0.0.1/32\n" : "",
                            strstr (extra_keys, "relay-threads") == NULL ? turn_test_threads_key () : "",
                            extra_keys);
  postern_test_daemon_write_dropin (d, "30-turn.conf", dropin);
  g_assert_true (postern_test_daemon_start (d, &error));
  g_assert_no_error (error);
  return d;
}

/* "relay-threads = N\n" when the suite runs a variant
 * (POSTERN_TEST_TURN_RELAY_THREADS), else nothing: one per CPU. */
const gchar *
turn_test_threads_key (void)
{
  static gchar key[64];
  const gchar *n = g_getenv ("POSTERN_TEST_TURN_RELAY_THREADS");

  if (n == NULL || n[0] == '\0')
    return "";
  g_snprintf (key, sizeof key, "relay-threads = %s\n", n);
  return key;
}

void
turn_test_add_user (PosternTestDaemon *d, const gchar *name, const gchar *password)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_assert_cmpint (postern_test_ctl (d, &out, &err, "turn", "user", "add", name, password, NULL), ==, 0);
}

guint64
turn_test_counter (PosternTestDaemon *d, const gchar *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) dict = NULL;
  guint64 value = G_MAXUINT64;

  reply = g_dbus_connection_call_sync (d->connection, "org.postern.Postern1", "/org/postern/Postern1/turn",
                                       "org.postern.Postern1.Turn", "GetCounters", NULL, G_VARIANT_TYPE ("(a{st})"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  dict = g_variant_get_child_value (reply, 0);
  g_assert_true (g_variant_lookup (dict, name, "t", &value));
  return value;
}

/* Relay port ranges below the ephemeral range (32768+), spread by pid so
 * parallel test processes do not share them. */
guint16
turn_test_port_base (guint slot)
{
  return (guint16) (20000 + ((guint) getpid () % 60) * 200 + slot * 100);
}

/* A child's output, one TAP comment per line. */
void
turn_test_log_lines (const gchar *what, const gchar *text)
{
  g_auto(GStrv) lines = g_strsplit (text != NULL ? text : "", "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '\0')
      g_test_message ("%s: %s", what, lines[i]);
}

/* A UDP socket on @ip (IPv4 or IPv6 loopback) playing a peer; its port in @port */
gint
turn_test_peer_socket (const gchar *ip, guint16 *port)
{
  PosternStunAddress addr;
  struct sockaddr_storage ss;
  socklen_t len;
  gint fd;

  turn_test_peer_address (&addr, ip, 0);
  len = (socklen_t) postern_stun_address_to_sockaddr (&addr, &ss, sizeof ss);
  fd = socket (ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &ss, len), ==, 0);
  len = sizeof ss;
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &ss, &len), ==, 0);
  g_assert_true (postern_stun_address_from_sockaddr (&addr, (struct sockaddr *) &ss, len));
  *port = addr.port;
  return fd;
}

/* @text from the peer socket @fd to the relayed address @relayed */
void
turn_test_peer_send (gint fd, const PosternStunAddress *relayed, const gchar *text)
{
  struct sockaddr_storage ss;
  gsize len = postern_stun_address_to_sockaddr (relayed, &ss, sizeof ss);

  g_assert_cmpint (sendto (fd, text, strlen (text), 0, (struct sockaddr *) &ss, (socklen_t) len), ==,
                   (gssize) strlen (text));
}
