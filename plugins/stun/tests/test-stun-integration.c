/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A real posternd with the stun plugin, asked by clients nobody here wrote:
 * coturn's turnutils_stunclient, the classic `stun` client and the npm
 * `stun` package. Listeners use port 0; the real ports come from D-Bus. */
#include <postern.h>
#include <postern-test-daemon.h>
#include <string.h>

#define DROPIN "[stun]\nlisten=127.0.0.1:0;[::1]:0\n"

typedef struct {
  PosternTestDaemon *d;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->d = postern_test_daemon_new (g_getenv ("STUN_PLUGIN_DIR"));
  postern_test_daemon_write_dropin (f->d, "20-stun.conf", data != NULL ? data : DROPIN);
  g_assert_true (postern_test_daemon_start (f->d, &error));
  g_assert_no_error (error);
}

/* Stopping first lets the helper's pending exit callback run while the
 * daemon record is still alive (freeing a running one leaves it queued). */
static void
stop_and_free (PosternTestDaemon *d)
{
  postern_test_daemon_stop (d);
  postern_test_daemon_free (d);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  stop_and_free (f->d);
}

static GVariant *
stun_call (Fixture *f, const gchar *interface, const gchar *method, GVariant *args)
{
  g_autoptr(GError) error = NULL;
  GVariant *reply = g_dbus_connection_call_sync (f->d->connection, "org.postern.Postern1",
                                                 "/org/postern/Postern1/stun", interface, method,
                                                 args, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);

  g_assert_no_error (error);
  return reply;
}

static guint64
counter (Fixture *f, const gchar *name)
{
  g_autoptr(GVariant) reply = stun_call (f, "org.postern.Postern1.Stun", "GetCounters", NULL);
  g_autoptr(GVariant) dict = g_variant_get_child_value (reply, 0);
  guint64 value = G_MAXUINT64;

  g_assert_true (g_variant_lookup (dict, name, "t", &value));
  return value;
}

/* The port of the UDP listener on @host. */
static guint16
port_of (Fixture *f, const gchar *host)
{
  g_autoptr(GVariant) reply = stun_call (f, "org.freedesktop.DBus.Properties", "Get",
                                         g_variant_new ("(ss)", "org.postern.Postern1.Stun", "Listeners"));
  g_autoptr(GVariant) value = NULL;
  g_autofree const gchar **names = NULL;

  g_variant_get (reply, "(v)", &value);
  names = g_variant_get_strv (value, NULL);
  for (guint i = 0; names[i] != NULL; i++) {
    g_autoptr(GInetSocketAddress) a = NULL;
    g_autofree gchar *ip = NULL;
    if (!g_str_has_prefix (names[i], "udp:"))
      continue;
    a = postern_parse_address (names[i] + 4, 0, NULL);
    ip = g_inet_address_to_string (g_inet_socket_address_get_address (a));
    if (g_strcmp0 (ip, host) == 0)
      return g_inet_socket_address_get_port (a);
  }
  g_assert_not_reached ();
}

/* Runs a client; returns its stdout and stderr together. */
static gchar *
run (const gchar *const *argv)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  gint status = postern_test_run (&out, &err, argv);

  if (status != 0)
    g_test_message ("%s exited with %d: %s%s", argv[0], status, out, err);
  g_assert_cmpint (status, ==, 0);
  return g_strconcat (out, err, NULL);
}

static void
test_turnutils (Fixture *f, gconstpointer data)
{
  static const gchar *const hosts[] = { "127.0.0.1", "::1" };

  for (guint i = 0; i < G_N_ELEMENTS (hosts); i++) {
    g_autofree gchar *port = g_strdup_printf ("%u", port_of (f, hosts[i]));
    const gchar *argv[] = { "turnutils_stunclient", "-p", port, "-L", hosts[i], hosts[i], NULL };
    g_autofree gchar *out = run (argv);
    g_autofree gchar *want = g_strdup_printf ("UDP reflexive addr: %s:", hosts[i]);
    const gchar *at = strstr (out, want);
    guint64 mapped_port;

    g_test_message ("%s", out);
    g_assert_nonnull (at);
    mapped_port = g_ascii_strtoull (at + strlen (want), NULL, 10);
    g_assert_cmpuint (mapped_port, >, 0);
    g_assert_cmpuint (mapped_port, <=, 65535);
  }
  g_assert_cmpuint (counter (f, "responses"), >=, 2);
}

static void
test_classic_stun (Fixture *f, gconstpointer data)
{
  g_autofree gchar *server = g_strdup_printf ("127.0.0.1:%u", port_of (f, "127.0.0.1"));
  g_autoptr(GSocket) probe = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                           G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) picked = NULL;
  g_autofree gchar *src = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *want = NULL;

  /* the classic client takes its source port as an argument: pick a free one */
  g_assert_true (g_socket_bind (probe, any, FALSE, NULL));
  picked = g_socket_get_local_address (probe, NULL);
  src = g_strdup_printf ("%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (picked)));
  g_socket_close (probe, NULL);
  {
    /* IPv4 only: this client predates IPv6 */
    const gchar *argv[] = { "stun", server, "1", "-v", "-p", src, NULL };
    out = run (argv);
  }
  g_test_message ("%s", out);
  want = g_strdup_printf ("MappedAddress = 127.0.0.1:%s", src);
  g_assert_nonnull (strstr (out, want));
}

static void
test_npm_stun (Fixture *f, gconstpointer data)
{
  g_autofree gchar *script = g_build_filename (g_getenv ("STUN_NODE_DIR"), "stun-request.mjs", NULL);
  g_autofree gchar *module = g_build_filename (g_getenv ("STUN_NODE_DIR"), "node_modules", "stun", NULL);
  static const gchar *const hosts[] = { "127.0.0.1", "::1" };

  if (!g_file_test (module, G_FILE_TEST_IS_DIR)) {
    g_test_skip ("npm stun not installed: run `npm --prefix tests/node ci`");
    return;
  }
  for (guint i = 0; i < G_N_ELEMENTS (hosts); i++) {
    g_autofree gchar *port = g_strdup_printf ("%u", port_of (f, hosts[i]));
    const gchar *argv[] = { "node", script, hosts[i], port, NULL };
    g_autofree gchar *out = run (argv);
    g_autofree gchar *local = NULL;
    g_autofree gchar *mapped = NULL;
    g_autoptr(GVariant) v = g_variant_parse (G_VARIANT_TYPE ("a{ss}"), g_strstrip (out), NULL, NULL, NULL);

    g_assert_nonnull (v);
    g_assert_true (g_variant_lookup (v, "local", "s", &local));
    g_assert_true (g_variant_lookup (v, "mapped", "s", &mapped));
    g_assert_cmpstr (mapped, ==, local);
    g_assert_true (g_str_has_prefix (mapped, hosts[i]));
  }
}

static void
test_malformed_keeps_answering (Fixture *f, gconstpointer data)
{
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) server = g_inet_socket_address_new (lo, port_of (f, "127.0.0.1"));
  g_autoptr(GSocket) s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                       G_SOCKET_PROTOCOL_UDP, NULL);
  /* (a cookie-less Binding request is a classic RFC 3489 client: answered) */
  static const guint8 bad_cookie[20] = { 0x00, 0x03, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef };
  static const guint8 bad_length[24] = { 0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42 };
  static const guint8 truncated[12] = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42 };
  static const gchar garbage[] = "\xff\xfe garbage";
  g_autofree gchar *port = NULL;
  g_autofree gchar *out = NULL;

  g_socket_send_to (s, server, (const gchar *) bad_cookie, sizeof bad_cookie, NULL, NULL);
  g_socket_send_to (s, server, (const gchar *) bad_length, sizeof bad_length, NULL, NULL);
  g_socket_send_to (s, server, (const gchar *) truncated, sizeof truncated, NULL, NULL);
  g_socket_send_to (s, server, garbage, sizeof garbage - 1, NULL, NULL);
  /* a client after the garbage still gets its answer, so the garbage was
   * processed first (same socket queue) and the counters must show it */
  port = g_strdup_printf ("%u", port_of (f, "127.0.0.1"));
  {
    const gchar *argv[] = { "turnutils_stunclient", "-p", port, "127.0.0.1", NULL };
    out = run (argv);
  }
  g_assert_nonnull (strstr (out, "UDP reflexive addr: 127.0.0.1:"));
  g_assert_cmpuint (counter (f, "malformed-dropped"), ==, 4);
  g_assert_cmpuint (counter (f, "errors"), ==, 0);
}

static void
test_port_in_use (void)
{
  g_autoptr(GSocket) other = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                           G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) taken = NULL;
  PosternTestDaemon *d = postern_test_daemon_new (g_getenv ("STUN_PLUGIN_DIR"));
  g_autofree gchar *dropin = NULL;
  g_autofree gchar *log = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_socket_bind (other, any, FALSE, NULL));
  taken = g_socket_get_local_address (other, NULL);
  dropin = g_strdup_printf ("[stun]\nlisten=127.0.0.1:%u\n",
                            g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (taken)));
  postern_test_daemon_write_dropin (d, "20-stun.conf", dropin);
  postern_test_daemon_start (d, &error);
  log = postern_test_daemon_read_log (d);
  g_test_message ("%s", log);
  g_assert_nonnull (strstr (log, "already in use by another process"));
  stop_and_free (d);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* a failed check must still reach the teardown that stops posternd */
  g_test_set_nonfatal_assertions ();
  g_test_add ("/stun-integration/turnutils-stunclient", Fixture, NULL, fixture_setup, test_turnutils,
              fixture_teardown);
  g_test_add ("/stun-integration/classic-stun", Fixture, NULL, fixture_setup, test_classic_stun,
              fixture_teardown);
  g_test_add ("/stun-integration/npm-stun", Fixture, NULL, fixture_setup, test_npm_stun,
              fixture_teardown);
  g_test_add ("/stun-integration/malformed", Fixture, NULL, fixture_setup,
              test_malformed_keeps_answering, fixture_teardown);
  g_test_add_func ("/stun-integration/port-in-use", test_port_in_use);
  return g_test_run ();
}
