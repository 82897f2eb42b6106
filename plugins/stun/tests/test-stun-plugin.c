/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Drives stun.so in-process: the descriptor's start, reload and stop on a
 * private D-Bus, real UDP and TCP sockets on loopback. */
#include <postern.h>
#include <postern-context-private.h>
#include <glib/gstdio.h>
#include <string.h>

#define DEADLINE_US (20 * G_USEC_PER_SEC)

typedef struct {
  GTestDBus *dbus;
  GDBusConnection *server_bus;
  GDBusConnection *client_bus;
  GModule *module;
  const PosternPluginDescriptor *desc;
  PosternContext *context;
  gpointer plugin;
  gchar *state_dir;
} Fixture;

static PosternConfig *
make_config (const PosternPluginDescriptor *desc, const gchar *const *kv)
{
  PosternConfig *config = postern_config_new ("stun", desc->config_keys);

  for (guint i = 0; kv != NULL && kv[i] != NULL; i += 2) {
    g_autoptr(GError) error = NULL;
    g_assert_true (postern_config_set_value (config, kv[i], kv[i + 1], "test", &error));
    g_assert_no_error (error);
  }
  return config;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = g_build_filename (g_getenv ("STUN_PLUGIN_DIR"), "stun.so", NULL);
  gpointer sym = NULL;

  f->dbus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (f->dbus);
  f->server_bus = g_dbus_connection_new_for_address_sync (
      g_test_dbus_get_bus_address (f->dbus),
      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
      NULL, NULL, &error);
  g_assert_no_error (error);
  f->client_bus = g_dbus_connection_new_for_address_sync (
      g_test_dbus_get_bus_address (f->dbus),
      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
      NULL, NULL, &error);
  g_assert_no_error (error);
  f->module = g_module_open (path, G_MODULE_BIND_LOCAL);
  g_assert_nonnull (f->module);
  /* the plugin registers GTypes, so like the daemon we never unload it */
  g_module_make_resident (f->module);
  g_assert_true (g_module_symbol (f->module, POSTERN_PLUGIN_DESCRIPTOR_SYMBOL, &sym));
  f->desc = sym;
  f->state_dir = g_dir_make_tmp ("stun-test-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  if (f->plugin != NULL)
    f->desc->stop (f->plugin, f->context);
  g_clear_object (&f->context);
  g_module_close (f->module);
  g_clear_object (&f->client_bus);
  g_dbus_connection_close_sync (f->server_bus, NULL, NULL);
  g_clear_object (&f->server_bus);
  g_test_dbus_down (f->dbus);
  g_clear_object (&f->dbus);
  g_rmdir (f->state_dir);
  g_free (f->state_dir);
}

static gboolean
start (Fixture *f, const gchar *const *kv, GError **error)
{
  g_autoptr(PosternConfig) config = make_config (f->desc, kv);
  g_autoptr(PosternConfig) core = postern_config_new ("core", (const PosternConfigKey[]) { { NULL } });
  g_autoptr(PosternEventBus) bus = postern_event_bus_new ();

  g_clear_object (&f->context);
  f->context = postern_context_new ("stun", config, core, bus, f->state_dir, f->server_bus);
  f->plugin = f->desc->start (f->context, error);
  return f->plugin != NULL;
}

static void
on_call_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GVariant **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  g_assert_no_error (error);
}

/* A D-Bus call answered by the plugin in this very main loop. */
static GVariant *
call (Fixture *f, const gchar *interface, const gchar *method, GVariant *args)
{
  GVariant *reply = NULL;
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

  g_dbus_connection_call (f->client_bus, g_dbus_connection_get_unique_name (f->server_bus),
                          "/org/postern/Postern1/stun", interface, method, args, NULL,
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_call_done, &reply);
  while (reply == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (reply);
  return reply;
}

static gchar **
listeners (Fixture *f)
{
  g_autoptr(GVariant) reply = call (f, "org.freedesktop.DBus.Properties", "Get",
                                    g_variant_new ("(ss)", "org.postern.Postern1.Stun", "Listeners"));
  g_autoptr(GVariant) value = NULL;

  g_variant_get (reply, "(v)", &value);
  return g_variant_dup_strv (value, NULL);
}

static guint64
counter (Fixture *f, const gchar *name)
{
  g_autoptr(GVariant) reply = call (f, "org.postern.Postern1.Stun", "GetCounters", NULL);
  g_autoptr(GVariant) dict = g_variant_get_child_value (reply, 0);
  guint64 value = G_MAXUINT64;

  g_assert_true (g_variant_lookup (dict, name, "t", &value));
  return value;
}

/* "udp:127.0.0.1:1234" -> an address */
static GInetSocketAddress *
listener_address (Fixture *f, const gchar *prefix, guint family_index)
{
  g_auto(GStrv) names = listeners (f);
  guint seen = 0;

  for (guint i = 0; names[i] != NULL; i++) {
    if (g_str_has_prefix (names[i], prefix) && seen++ == family_index)
      return postern_parse_address (names[i] + strlen (prefix), 0, NULL);
  }
  g_assert_not_reached ();
}

static GSocket *
client_socket (GInetSocketAddress *server)
{
  g_autoptr(GError) error = NULL;
  GSocketFamily family = g_socket_address_get_family (G_SOCKET_ADDRESS (server));
  GSocket *s = g_socket_new (family, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  g_autoptr(GInetAddress) any = g_inet_address_new_loopback (family);
  g_autoptr(GSocketAddress) local = g_inet_socket_address_new (any, 0);

  g_assert_no_error (error);
  g_socket_set_blocking (s, FALSE);
  g_assert_true (g_socket_bind (s, local, FALSE, &error));
  /* connected: only datagrams from the exact server address get through */
  g_assert_true (g_socket_connect (s, G_SOCKET_ADDRESS (server), NULL, &error));
  g_assert_no_error (error);
  return s;
}

/* Sends @req and returns the reply's size (0 if none came before the deadline). */
static gsize
exchange (GSocket *s, const guint8 *req, gsize len, guint8 *reply, gsize cap, gint64 wait_us)
{
  gint64 deadline = g_get_monotonic_time () + wait_us;

  g_assert_cmpint (g_socket_send (s, (const gchar *) req, len, NULL, NULL), ==, (gssize) len);
  while (g_get_monotonic_time () < deadline) {
    gssize n = g_socket_receive (s, (gchar *) reply, cap, NULL, NULL);
    if (n > 0)
      return (gsize) n;
    g_main_context_iteration (NULL, FALSE);
    g_usleep (1000);
  }
  return 0;
}

static gsize
binding_request (guint8 *buf, gsize cap, guint8 tid_seed, gboolean fingerprint)
{
  PosternStunBuilder b;
  guint8 tid[12];

  for (guint i = 0; i < sizeof tid; i++)
    tid[i] = (guint8) (tid_seed + i);
  postern_stun_builder_init (&b, buf, cap, POSTERN_STUN_METHOD_BINDING, POSTERN_STUN_CLASS_REQUEST, tid);
  if (fingerprint)
    postern_stun_builder_add_fingerprint (&b);
  return postern_stun_builder_finish (&b, NULL);
}

static void
assert_reflexive (GSocket *s, const guint8 *reply, gsize len, const guint8 *req)
{
  PosternStunMessage msg;
  PosternStunAddress addr;
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (s, NULL);
  g_autoptr(GInetSocketAddress) mapped = NULL;
  g_autofree gchar *want = postern_address_to_string (G_INET_SOCKET_ADDRESS (local));
  g_autofree gchar *got = NULL;

  g_assert_true (postern_stun_message_parse (&msg, reply, len, POSTERN_STUN_PARSE_NONE, NULL));
  g_assert_cmpuint (msg.klass, ==, POSTERN_STUN_CLASS_SUCCESS);
  g_assert_cmpmem (reply + 8, 12, req + 8, 12);
  g_assert_true (postern_stun_message_get_xor_address (&msg, POSTERN_STUN_ATTR_XOR_MAPPED_ADDRESS, &addr));
  mapped = postern_stun_address_to_inet (&addr);
  got = postern_address_to_string (mapped);
  g_assert_cmpstr (got, ==, want);
  /* nothing optional by default */
  g_assert_false (postern_stun_message_has (&msg, POSTERN_STUN_ATTR_SOFTWARE));
}

static const gchar *const loopback_both[] = { "listen", "127.0.0.1:0;[::1]:0", NULL };

static void
test_binding (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  guint8 req[64], reply[256];

  g_assert_true (start (f, loopback_both, &error));
  g_assert_no_error (error);
  for (guint fam = 0; fam < 2; fam++) {
    g_autoptr(GInetSocketAddress) server = listener_address (f, "udp:", fam);
    g_autoptr(GSocket) s = client_socket (server);
    gsize len = binding_request (req, sizeof req, (guint8) (fam * 16), FALSE);
    gsize n = exchange (s, req, len, reply, sizeof reply, DEADLINE_US);
    PosternStunMessage msg;

    g_assert_cmpuint (n, >, 0);
    assert_reflexive (s, reply, n, req);
    /* no amplification: at most the mapped address more than the request */
    g_assert_cmpuint (n, <=, len + 24);

    len = binding_request (req, sizeof req, 0x40, TRUE);
    n = exchange (s, req, len, reply, sizeof reply, DEADLINE_US);
    assert_reflexive (s, reply, n, req);
    g_assert_true (postern_stun_message_parse (&msg, reply, n, POSTERN_STUN_PARSE_NONE, NULL));
    g_assert_true (postern_stun_message_check_fingerprint (&msg));
  }
  g_assert_cmpuint (counter (f, "requests"), ==, 4);
  g_assert_cmpuint (counter (f, "responses"), ==, 4);
}

static void
test_malformed (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetSocketAddress) server = NULL;
  g_autoptr(GSocket) s = NULL;
  guint8 req[64], bad[64], reply[256];
  gsize len;
  const guint8 huge[3000] = { 0 };

  g_assert_true (start (f, loopback_both, &error));
  server = listener_address (f, "udp:", 0);
  s = client_socket (server);
  len = binding_request (req, sizeof req, 1, TRUE);

  /* truncated, bad length, bad cookie, garbage, bad fingerprint, oversized:
   * each dropped unanswered */
  g_assert_cmpuint (exchange (s, req, 19, reply, sizeof reply, G_USEC_PER_SEC / 10), ==, 0);
  memcpy (bad, req, len);
  bad[3] = 0x10;
  g_assert_cmpuint (exchange (s, bad, len, reply, sizeof reply, G_USEC_PER_SEC / 10), ==, 0);
  memcpy (bad, req, len);
  bad[5] ^= 0xFF;
  g_assert_cmpuint (exchange (s, bad, len, reply, sizeof reply, G_USEC_PER_SEC / 10), ==, 0);
  g_assert_cmpuint (exchange (s, (const guint8 *) "GET / HTTP/1.0\r\n\r\n", 18, reply, sizeof reply,
                              G_USEC_PER_SEC / 10), ==, 0);
  memcpy (bad, req, len);
  bad[len - 1] ^= 1;
  g_assert_cmpuint (exchange (s, bad, len, reply, sizeof reply, G_USEC_PER_SEC / 10), ==, 0);
  g_assert_cmpuint (exchange (s, huge, sizeof huge, reply, sizeof reply, G_USEC_PER_SEC / 10), ==, 0);

  /* and the service keeps answering */
  len = binding_request (req, sizeof req, 2, FALSE);
  g_assert_cmpuint (exchange (s, req, len, reply, sizeof reply, DEADLINE_US), >, 0);
  g_assert_cmpuint (counter (f, "malformed-dropped"), ==, 6);
  g_assert_cmpuint (counter (f, "requests"), ==, 1);
}

static void
test_errors (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetSocketAddress) server = NULL;
  g_autoptr(GSocket) s = NULL;
  guint8 req[64], reply[256];
  PosternStunBuilder b;
  PosternStunMessage msg;
  static const guint8 tid[12] = { 7 };
  guint16 code, types[4];
  gsize len, n;

  g_assert_true (start (f, loopback_both, &error));
  server = listener_address (f, "udp:", 0);
  s = client_socket (server);

  postern_stun_builder_init (&b, req, sizeof req, POSTERN_STUN_METHOD_BINDING, POSTERN_STUN_CLASS_REQUEST, tid);
  postern_stun_builder_add_u32 (&b, 0x0031, 0);
  len = postern_stun_builder_finish (&b, NULL);
  n = exchange (s, req, len, reply, sizeof reply, DEADLINE_US);
  g_assert_true (postern_stun_message_parse (&msg, reply, n, POSTERN_STUN_PARSE_NONE, NULL));
  g_assert_cmpuint (msg.klass, ==, POSTERN_STUN_CLASS_ERROR);
  g_assert_true (postern_stun_message_get_error_code (&msg, &code, NULL, NULL));
  g_assert_cmpuint (code, ==, 420);
  g_assert_cmpuint (postern_stun_message_get_unknown_attributes (&msg, types, 4), ==, 1);
  g_assert_cmphex (types[0], ==, 0x0031);

  /* CHANGE-REQUEST without a second address: 420 as RFC 5780 asks */
  postern_stun_builder_init (&b, req, sizeof req, POSTERN_STUN_METHOD_BINDING, POSTERN_STUN_CLASS_REQUEST, tid);
  postern_stun_builder_add_u32 (&b, POSTERN_STUN_ATTR_CHANGE_REQUEST, 0x4);
  len = postern_stun_builder_finish (&b, NULL);
  n = exchange (s, req, len, reply, sizeof reply, DEADLINE_US);
  g_assert_true (postern_stun_message_parse (&msg, reply, n, POSTERN_STUN_PARSE_NONE, NULL));
  g_assert_true (postern_stun_message_get_error_code (&msg, &code, NULL, NULL));
  g_assert_cmpuint (code, ==, 420);

  postern_stun_builder_init (&b, req, sizeof req, POSTERN_STUN_METHOD_ALLOCATE, POSTERN_STUN_CLASS_REQUEST, tid);
  len = postern_stun_builder_finish (&b, NULL);
  n = exchange (s, req, len, reply, sizeof reply, DEADLINE_US);
  g_assert_true (postern_stun_message_parse (&msg, reply, n, POSTERN_STUN_PARSE_NONE, NULL));
  g_assert_true (postern_stun_message_get_error_code (&msg, &code, NULL, NULL));
  g_assert_cmpuint (code, ==, 400);
  g_assert_cmpuint (counter (f, "errors"), ==, 3);
}

static void
test_rfc3489 (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetSocketAddress) server = NULL;
  g_autoptr(GSocket) s = NULL;
  guint8 req[28] = { 0x00, 0x01, 0x00, 0x08 }, reply[256];
  gsize n;
  PosternStunAddress addr;
  PosternStunMessage msg;
  g_autoptr(GSocketAddress) local = NULL;

  g_assert_true (start (f, loopback_both, &error));
  server = listener_address (f, "udp:", 0);
  s = client_socket (server);
  for (guint i = 4; i < 20; i++)
    req[i] = (guint8) i;
  req[21] = 0x03; /* CHANGE-REQUEST with no flags: a plain binding */
  req[23] = 0x04;
  n = exchange (s, req, sizeof req, reply, sizeof reply, DEADLINE_US);
  g_assert_cmpuint (n, >, 20);
  g_assert_cmpmem (reply + 4, 16, req + 4, 16);
  /* put a cookie in to read it with the strict parser */
  memcpy (reply + 4, "\x21\x12\xa4\x42", 4);
  g_assert_true (postern_stun_message_parse (&msg, reply, n, POSTERN_STUN_PARSE_NONE, NULL));
  g_assert_true (postern_stun_message_get_address (&msg, POSTERN_STUN_ATTR_MAPPED_ADDRESS, &addr));
  local = g_socket_get_local_address (s, NULL);
  g_assert_cmpuint (addr.port, ==, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)));
}

static void
test_wildcard_source (Fixture *f, gconstpointer data)
{
  static const gchar *const kv[] = { "listen", "0.0.0.0:0", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetSocketAddress) bound = NULL;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GInetSocketAddress) server = NULL;
  g_autoptr(GSocket) s = NULL;
  guint8 req[64], reply[256];
  gsize len, n;

  g_assert_true (start (f, kv, &error));
  g_assert_no_error (error);
  bound = listener_address (f, "udp:", 0);
  server = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (lo, g_inet_socket_address_get_port (bound)));
  /* the client is connected to 127.0.0.1: the reply must come from there */
  s = client_socket (server);
  len = binding_request (req, sizeof req, 3, FALSE);
  n = exchange (s, req, len, reply, sizeof reply, DEADLINE_US);
  g_assert_cmpuint (n, >, 0);
  assert_reflexive (s, reply, n, req);
}

static void
test_port_in_use (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocket) other = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                           G_SOCKET_PROTOCOL_UDP, &error);
  g_autoptr(GSocketAddress) taken = NULL;
  g_autofree gchar *text = NULL;
  const gchar *kv[] = { "listen", NULL, NULL };

  /* another "process" holds the port, with SO_REUSEADDR as many do */
  g_assert_true (g_socket_bind (other, any, TRUE, &error));
  taken = g_socket_get_local_address (other, &error);
  text = postern_address_to_string (G_INET_SOCKET_ADDRESS (taken));
  kv[1] = text;
  g_assert_false (start (f, kv, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_ADDRESS_IN_USE);
  g_assert_nonnull (strstr (error->message, text));
}

static void
test_reload (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetSocketAddress) v4 = NULL;
  g_autoptr(GSocket) s = NULL;
  g_autofree gchar *v4_text = NULL;
  g_autofree gchar *listen = NULL;
  g_auto(GStrv) after = NULL;
  guint8 req[64], reply[256];
  gsize len, n;
  PosternStunMessage msg;
  gsize slen;
  const guint8 *sw;

  g_assert_true (start (f, loopback_both, &error));
  v4 = listener_address (f, "udp:", 0);
  v4_text = postern_address_to_string (v4);
  s = client_socket (v4);

  /* keep the IPv4 socket, drop IPv6, add TCP and SOFTWARE */
  listen = g_strdup (v4_text);
  {
    const gchar *kv[] = { "listen", listen, "listen-tcp", "127.0.0.1:0", "software", "postern-test", NULL };
    g_autoptr(PosternConfig) next = make_config (f->desc, kv);
    f->desc->reload (f->plugin, f->context, next, &error);
    g_assert_no_error (error);
  }
  after = listeners (f);
  g_assert_cmpuint (g_strv_length (after), ==, 2);
  g_assert_true (g_str_has_suffix (after[0], v4_text));
  g_assert_true (g_str_has_prefix (after[1], "tcp:"));

  len = binding_request (req, sizeof req, 5, FALSE);
  n = exchange (s, req, len, reply, sizeof reply, DEADLINE_US);
  g_assert_true (postern_stun_message_parse (&msg, reply, n, POSTERN_STUN_PARSE_NONE, NULL));
  sw = postern_stun_message_find (&msg, POSTERN_STUN_ATTR_SOFTWARE, &slen);
  g_assert_cmpmem (sw, slen, "postern-test", 12);

  /* a reload that cannot bind keeps everything as it was */
  {
    g_autoptr(GSocket) other = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                             G_SOCKET_PROTOCOL_UDP, NULL);
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
    g_autoptr(GSocketAddress) taken = NULL;
    g_autofree gchar *both = NULL;
    g_autofree gchar *taken_text = NULL;
    g_auto(GStrv) still = NULL;
    const gchar *kv[] = { "listen", NULL, NULL };
    g_autoptr(PosternConfig) next = NULL;

    g_assert_true (g_socket_bind (other, any, FALSE, NULL));
    taken = g_socket_get_local_address (other, NULL);
    taken_text = postern_address_to_string (G_INET_SOCKET_ADDRESS (taken));
    both = g_strdup_printf ("%s;%s", v4_text, taken_text);
    kv[1] = both;
    next = make_config (f->desc, kv);
    g_assert_false (f->desc->reload (f->plugin, f->context, next, &error));
    g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_ADDRESS_IN_USE);
    still = listeners (f);
    g_assert_cmpstrv (still, after);
  }
  n = exchange (s, req, len, reply, sizeof reply, DEADLINE_US);
  g_assert_cmpuint (n, >, 0);
}

static void
test_tcp (Fixture *f, gconstpointer data)
{
  static const gchar *const kv[] = { "listen", "", "listen-tcp", "127.0.0.1:0;[::1]:0", NULL };
  g_autoptr(GError) error = NULL;

  g_assert_true (start (f, kv, &error));
  g_assert_no_error (error);
  for (guint fam = 0; fam < 2; fam++) {
    g_autoptr(GInetSocketAddress) server = listener_address (f, "tcp:", fam);
    g_autoptr(GSocket) s = g_socket_new (g_socket_address_get_family (G_SOCKET_ADDRESS (server)),
                                         G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
    guint8 req[128], reply[256];
    gsize len = binding_request (req, sizeof req, 9, TRUE);
    gsize have = 0;
    gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

    /* two requests in one segment: both answered, in order */
    g_assert_cmpuint (binding_request (req + len, sizeof req - len, 0x70, TRUE), ==, len);
    g_assert_true (g_socket_connect (s, G_SOCKET_ADDRESS (server), NULL, &error));
    g_socket_set_blocking (s, FALSE);
    g_assert_cmpint (g_socket_send (s, (const gchar *) req, 2 * len, NULL, &error), ==, (gssize) (2 * len));
    while (g_get_monotonic_time () < deadline) {
      gssize n = g_socket_receive (s, (gchar *) reply + have, sizeof reply - have, NULL, NULL);
      if (n > 0)
        have += (gsize) n;
      if (have >= 2 * 32)
        break;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
    g_assert_cmpuint (have, >=, postern_stun_frame_length (reply, have));
    assert_reflexive (s, reply, postern_stun_frame_length (reply, have), req);
    g_assert_cmpmem (reply + postern_stun_frame_length (reply, have) + 8, 12, req + len + 8, 12);
  }
}

static void
test_rfc5780 (Fixture *f, gconstpointer data)
{
  static const gchar *const kv[] = { "listen", "127.0.0.1:0", "alternate-listen", "127.0.0.1:0", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetSocketAddress) primary = NULL;
  g_autoptr(GInetSocketAddress) alternate = NULL;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocket) s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  guint8 req[64], reply[256];
  PosternStunBuilder b;
  PosternStunMessage msg;
  PosternStunAddress origin, other;
  static const guint8 tid[12] = { 0x57, 0x80 };
  gint64 deadline;
  gsize len;
  gssize n = 0;

  g_assert_true (start (f, kv, &error));
  g_assert_no_error (error);
  primary = listener_address (f, "udp:", 0);
  alternate = listener_address (f, "udp:", 1);
  g_assert_cmpuint (g_inet_socket_address_get_port (primary), !=, g_inet_socket_address_get_port (alternate));
  g_assert_true (g_socket_bind (s, any, FALSE, NULL));
  g_socket_set_blocking (s, FALSE);

  /* change the port: the answer comes from the alternate socket and says so */
  postern_stun_builder_init (&b, req, sizeof req, POSTERN_STUN_METHOD_BINDING, POSTERN_STUN_CLASS_REQUEST, tid);
  postern_stun_builder_add_u32 (&b, POSTERN_STUN_ATTR_CHANGE_REQUEST, 0x2);
  len = postern_stun_builder_finish (&b, NULL);
  g_assert_cmpint (g_socket_send_to (s, G_SOCKET_ADDRESS (primary), (const gchar *) req, len, NULL, NULL), ==, (gssize) len);
  deadline = g_get_monotonic_time () + DEADLINE_US;
  while (n <= 0 && g_get_monotonic_time () < deadline) {
    g_autoptr(GSocketAddress) from = NULL;
    n = g_socket_receive_from (s, &from, (gchar *) reply, sizeof reply, NULL, NULL);
    if (n > 0)
      g_assert_cmpuint (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (from)), ==,
                        g_inet_socket_address_get_port (alternate));
    g_main_context_iteration (NULL, FALSE);
    g_usleep (1000);
  }
  g_assert_cmpint (n, >, 0);
  g_assert_true (postern_stun_message_parse (&msg, reply, (gsize) n, POSTERN_STUN_PARSE_NONE, NULL));
  g_assert_cmpuint (msg.klass, ==, POSTERN_STUN_CLASS_SUCCESS);
  g_assert_true (postern_stun_message_get_address (&msg, POSTERN_STUN_ATTR_RESPONSE_ORIGIN, &origin));
  g_assert_true (postern_stun_message_get_address (&msg, POSTERN_STUN_ATTR_OTHER_ADDRESS, &other));
  g_assert_cmpuint (origin.port, ==, g_inet_socket_address_get_port (alternate));
  g_assert_cmpuint (other.port, ==, g_inet_socket_address_get_port (primary));
}

static void
test_config_validation (Fixture *f, gconstpointer data)
{
  g_autoptr(PosternConfig) config = postern_config_new ("stun", f->desc->config_keys);
  static const gchar *const bad[][2] = {
    { "alternate-listen", "0.0.0.0:3479" },
    { "alternate-listen", "127.0.0.1:3479;127.0.0.2:3479" },
    { "software", "0123456789012345678901234567890123456789012345678901234567890123456789"
                  "0123456789012345678901234567890123456789012345678901234567890123456789" },
    { "listen", "localhost:3478" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr(GError) error = NULL;
    g_assert_false (postern_config_set_value (config, bad[i][0], bad[i][1], "test", &error));
    g_assert_nonnull (error);
  }
  g_assert_true (postern_config_set_value (config, "alternate-listen", "127.0.0.2:3479;[::1]:3479", "test", NULL));
}

static void
test_exports_one_symbol (Fixture *f, gconstpointer data)
{
  gpointer sym = NULL;

  g_assert_false (g_module_symbol (f->module, "stun_respond", &sym));
  g_assert_false (g_module_symbol (f->module, "stun_listeners_apply", &sym));
  g_assert_cmpstr (f->desc->name, ==, "stun");
  g_assert_cmpuint (f->desc->abi_major, ==, POSTERN_PLUGIN_ABI_MAJOR);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/stun-plugin/binding", test_binding);
  ADD ("/stun-plugin/malformed", test_malformed);
  ADD ("/stun-plugin/errors", test_errors);
  ADD ("/stun-plugin/rfc3489", test_rfc3489);
  ADD ("/stun-plugin/wildcard-source", test_wildcard_source);
  ADD ("/stun-plugin/port-in-use", test_port_in_use);
  ADD ("/stun-plugin/reload", test_reload);
  ADD ("/stun-plugin/tcp", test_tcp);
  ADD ("/stun-plugin/rfc5780", test_rfc5780);
  ADD ("/stun-plugin/config-validation", test_config_validation);
  ADD ("/stun-plugin/exports-one-symbol", test_exports_one_symbol);
  return g_test_run ();
}
