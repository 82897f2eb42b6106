/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The proxy for real: three demo Conferencing Nodes, posternd with the
 * https-proxy plugin, curl as the client. */
#include <libsoup/soup.h>
#include <postern.h>
#include <postern-test-daemon.h>
#include <postern-test-events.h>
#include "ticket-node.h"
#include <signal.h>
#include <stdio.h>
#include <string.h>

#define N_NODES 3
#define API "/api/client/v2/conferences/"
/* A bound on waits for things that must happen, not a performance check. */
#define WAIT_US (60 * G_USEC_PER_SEC)

typedef struct {
  PosternTestDaemon *d;
  GSubprocess *nodes[N_NODES];
  gchar *node_names[N_NODES];
  guint16 https_port;
  guint16 http_port;
  gchar *ca;
  gchar *access_log;
  PosternTestEvents *events;
} Fixture;

static gchar *
dropin_with_limit (Fixture *f, guint first, guint count, guint64 max_body)
{
  g_autoptr(GString) nodes = g_string_new (NULL);

  for (guint i = first; i < first + count; i++)
    g_string_append_printf (nodes, "%s%s", nodes->len ? ";" : "", f->node_names[i]);
  return g_strdup_printf ("[core]\nfqdn = localhost\nhttps-listen = 127.0.0.1:%u\nhttp-listen = 127.0.0.1:%u\n\n"
                          "[https-proxy]\nnodes = %s\nmax-body-size = %" G_GUINT64_FORMAT "\nmax-fails = 1\n"
                          "fail-timeout = 300\nhealth-interval = 0\naccess-log = %s\n",
                          f->https_port, f->http_port, nodes->str, max_body, f->access_log);
}

static gchar *
dropin (Fixture *f, guint first, guint count)
{
  return dropin_with_limit (f, first, count, 65536);
}

static void
reload_with (Fixture *f, const gchar *conf)
{
  g_autofree gchar *out = NULL, *err = NULL;

  postern_test_daemon_write_dropin (f->d, "40-https-proxy.conf", conf);
  g_assert_cmpint (postern_test_ctl (f->d, &out, &err, "reload", NULL), ==, 0);
}

/* Reloads with the proxy sending to @nodes (a `nodes` value), no active
 * health checks, and @extra_keys (lines of the [https-proxy] group). */
static void
reload_proxy_to (Fixture *f, const gchar *nodes, const gchar *extra_keys)
{
  g_autofree gchar *conf = g_strdup_printf ("[core]\nfqdn = localhost\nhttps-listen = 127.0.0.1:%u\n"
                                            "http-listen = 127.0.0.1:%u\n\n[https-proxy]\nnodes = %s\n"
                                            "health-interval = 0\n%s", f->https_port, f->http_port, nodes,
                                            extra_keys);

  reload_with (f, conf);
}

static void
save_ca (Fixture *f)
{
  g_free (f->ca);
  f->ca = postern_test_daemon_save_ca (f->d, "localhost");
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *conf = NULL;

  for (guint i = 0; i < N_NODES; i++)
    f->nodes[i] = postern_test_demo_node_start (&f->node_names[i]);
  f->d = postern_test_daemon_new (g_getenv ("HTTPS_PROXY_PLUGIN_DIR"));
  f->https_port = postern_test_free_tcp_port ();
  f->http_port = postern_test_free_tcp_port ();
  f->access_log = g_build_filename (f->d->root, "access.log", NULL);
  conf = dropin (f, 0, N_NODES);
  postern_test_daemon_write_dropin (f->d, "40-https-proxy.conf", conf);
  g_assert_true (postern_test_daemon_start (f->d, &error));
  g_assert_no_error (error);
  save_ca (f);
  f->events = postern_test_events_new (f->d->connection);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  postern_test_events_free (f->events);
  /* A clean exit: under ASan a leak or fault in the daemon fails here. */
  if (postern_test_daemon_stop (f->d) != 0) {
    g_autofree gchar *log = postern_test_daemon_read_log (f->d);
    g_test_message ("%s", log);
    g_test_fail ();
  }
  postern_test_daemon_free (f->d);
  for (guint i = 0; i < N_NODES; i++) {
    if (f->nodes[i] != NULL) {
      g_subprocess_force_exit (f->nodes[i]);
      g_subprocess_wait (f->nodes[i], NULL, NULL);
      g_object_unref (f->nodes[i]);
    }
    g_free (f->node_names[i]);
  }
  g_free (f->ca);
  g_free (f->access_log);
}

static gchar *
url (Fixture *f, const gchar *path)
{
  return g_strdup_printf ("https://localhost:%u%s", f->https_port, path);
}

/* curl -i ARGS... -> the whole answer, head and body; asserts curl's success. */
static gchar *
curl (Fixture *f, ...)
{
  g_autoptr(GPtrArray) argv = postern_test_curl_argv (f->ca, f->https_port);
  g_autofree gchar *err = NULL;
  gchar *out = NULL;
  const gchar *arg;
  va_list args;

  g_ptr_array_add (argv, g_strdup ("-i"));
  g_ptr_array_add (argv, g_strdup ("--max-time"));
  g_ptr_array_add (argv, g_strdup ("60"));
  va_start (args, f);
  while ((arg = va_arg (args, const gchar *)) != NULL)
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, NULL);
  g_assert_cmpint (postern_test_run (&out, &err, (const gchar *const *) argv->pdata), ==, 0);
  return out;
}

static guint
status_of (const gchar *answer)
{
  g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 "));
  return (guint) g_ascii_strtoull (answer + 9, NULL, 10);
}

/* The demo node that answered, from X-Postern-Demo-Node. */
static gchar *
node_of (const gchar *answer)
{
  const gchar *h = strstr (answer, "X-Postern-Demo-Node: ");
  g_auto(GStrv) lines = NULL;

  g_assert_nonnull (h);
  lines = g_strsplit_set (h + strlen ("X-Postern-Demo-Node: "), "\r\n", 2);
  return g_strdup (lines[0]);
}

static gchar *
json_string (const gchar *answer, const gchar *key)
{
  g_autofree gchar *pattern = g_strdup_printf ("\"%s\":\"", key);
  const gchar *at = strstr (answer, pattern);

  g_assert_nonnull (at);
  at += strlen (pattern);
  return g_strndup (at, strcspn (at, "\""));
}

static gchar *
request_token (Fixture *f, const gchar *alias, const gchar *pin)
{
  g_autofree gchar *path = g_strdup_printf (API "%s/request_token", alias);
  g_autofree gchar *u = url (f, path);
  g_autofree gchar *pin_header = pin ? g_strdup_printf ("pin: %s", pin) : g_strdup ("X-No-Pin: 1");

  return curl (f, "-X", "POST", "-H", "Content-Type: application/json", "-H", pin_header, "--data",
               "{\"display_name\":\"tester\"}", u, NULL);
}

static guint64
total_requests (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariantIter) iter = NULL;
  guint64 requests = 0, failures = 0, total = 0;
  guint active, idle;
  const gchar *name, *state;

  reply = g_dbus_connection_call_sync (f->d->connection, "org.postern.Postern1", "/org/postern/Postern1/https_proxy",
                                       "org.postern.Postern1.HttpsProxy", "ListNodes", NULL,
                                       G_VARIANT_TYPE ("(a(ssttuu))"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(a(ssttuu))", &iter);
  while (g_variant_iter_next (iter, "(&s&sttuu)", &name, &state, &requests, &failures, &active, &idle))
    total += requests;
  return total;
}

static guint64
proxy_stat (Fixture *f, const gchar *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) stats = NULL;
  guint64 value = 0;

  reply = g_dbus_connection_call_sync (f->d->connection, "org.postern.Postern1", "/org/postern/Postern1/https_proxy",
                                       "org.postern.Postern1.HttpsProxy", "GetStats", NULL,
                                       G_VARIANT_TYPE ("(a{st})"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  stats = g_variant_get_child_value (reply, 0);
  g_assert_true (g_variant_lookup (stats, name, "t", &value));
  return value;
}

static void
test_pin_flow (Fixture *f, gconstpointer data)
{
  g_autofree gchar *none = request_token (f, "meet", NULL);
  g_autofree gchar *wrong = request_token (f, "meet", "9999");
  g_autofree gchar *host = request_token (f, "meet", "1234");
  g_autofree gchar *guest = request_token (f, "meet", "5678");
  g_autofree gchar *open = request_token (f, "open", NULL);
  g_autofree gchar *role = NULL, *guest_role = NULL, *reason = NULL, *alias = NULL, *client = NULL, *path = NULL;
  g_autoptr(GVariant) payload = NULL;

  g_assert_cmpuint (status_of (none), ==, 403);
  g_assert_nonnull (strstr (none, "\"pin\":\"required\""));
  g_assert_cmpuint (status_of (wrong), ==, 403);
  g_assert_nonnull (strstr (wrong, "Invalid PIN"));
  g_assert_cmpuint (status_of (host), ==, 200);
  role = json_string (host, "role");
  g_assert_cmpstr (role, ==, "HOST");
  g_assert_cmpuint (status_of (guest), ==, 200);
  guest_role = json_string (guest, "role");
  g_assert_cmpstr (guest_role, ==, "GUEST");
  g_assert_cmpuint (status_of (open), ==, 200);

  /* Events come in publish order: the PIN-less 403 came first and must
   * not be the failure seen. */
  payload = postern_test_events_wait (f->events, "pin.failed", NULL, 0);
  g_assert_nonnull (payload);
  g_variant_get (payload, "(ssss)", &client, &alias, &path, &reason);
  g_assert_cmpstr (client, ==, "127.0.0.1");
  g_assert_cmpstr (alias, ==, "meet");
  g_assert_cmpstr (path, ==, API "meet/request_token");
  g_assert_cmpstr (reason, ==, "invalid-pin");
  g_assert_cmpuint (postern_test_events_count (f->events, "pin.failed"), ==, 1);
}

static void
test_token_affinity (Fixture *f, gconstpointer data)
{
  g_autoptr(GHashTable) issuers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < N_NODES; i++) {
    g_autofree gchar *answer = request_token (f, "open", NULL);
    g_autofree gchar *token = json_string (answer, "token");
    g_autofree gchar *token_header = g_strdup_printf ("token: %s", token);
    g_autofree gchar *participants = url (f, API "open/participants");
    g_autofree gchar *refresh = url (f, API "open/refresh_token");
    gchar *issuer = node_of (answer);

    g_assert_cmpuint (status_of (answer), ==, 200);
    g_hash_table_add (issuers, issuer);
    for (guint j = 0; j < 4; j++) {
      g_autofree gchar *again = curl (f, "-H", token_header, participants, NULL);
      g_autofree gchar *node = node_of (again);
      g_assert_cmpuint (status_of (again), ==, 200);
      g_assert_cmpstr (node, ==, issuer);
    }
    /* HEAD: the node's answer head only (the demo node says 405), framing
     * intact (curl would fail on a body after it). */
    {
      g_autofree gchar *head = curl (f, "-I", "-H", token_header, participants, NULL);
      g_autofree gchar *node = node_of (head);
      g_assert_cmpuint (status_of (head), ==, 405);
      g_assert_cmpstr (node, ==, issuer);
    }
    /* The refreshed token stays with the same node too. */
    {
      g_autofree gchar *refreshed = curl (f, "-X", "POST", "-H", token_header, refresh, NULL);
      g_autofree gchar *new_token = json_string (refreshed, "token");
      g_autofree gchar *new_header = g_strdup_printf ("token: %s", new_token);
      g_autofree gchar *node = node_of (refreshed);
      g_autofree gchar *after = NULL, *after_node = NULL;
      g_assert_cmpuint (status_of (refreshed), ==, 200);
      g_assert_cmpstr (node, ==, issuer);
      after = curl (f, "-H", new_header, participants, NULL);
      after_node = node_of (after);
      g_assert_cmpuint (status_of (after), ==, 200);
      g_assert_cmpstr (after_node, ==, issuer);
    }
  }
  /* New sessions went round the nodes. */
  g_assert_cmpuint (g_hash_table_size (issuers), ==, N_NODES);
}

/* A new session on conference `open` and curl following its event stream
 * (`curl --no-buffer`, with the response head when @with_head); returns
 * curl, its output as @lines and the node that issued the token. */
static GSubprocess *
open_event_stream (Fixture *f, gboolean with_head, GDataInputStream **lines, gchar **issuer)
{
  g_autofree gchar *answer = request_token (f, "open", NULL);
  g_autofree gchar *token = json_string (answer, "token");
  g_autofree gchar *path = g_strdup_printf (API "open/events?token=%s", token);
  g_autofree gchar *u = url (f, path);
  g_autoptr(GPtrArray) argv = postern_test_curl_argv (f->ca, f->https_port);
  g_autoptr(GSubprocessLauncher) launcher = postern_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GError) error = NULL;
  GSubprocess *stream;

  *issuer = node_of (answer);
  if (with_head)
    g_ptr_array_add (argv, g_strdup ("-i"));
  g_ptr_array_add (argv, g_strdup ("--no-buffer"));
  g_ptr_array_add (argv, g_strdup (u));
  g_ptr_array_add (argv, NULL);
  stream = g_subprocess_launcher_spawnv (launcher, (const gchar *const *) argv->pdata, &error);
  g_assert_no_error (error);
  *lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (stream));
  return stream;
}

static void
test_event_stream (Fixture *f, gconstpointer data)
{
  g_autofree gchar *issuer = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GSubprocess) stream = open_event_stream (f, TRUE, &lines, &issuer);
  g_autoptr(GError) error = NULL;
  gboolean saw_node = FALSE, saw_sync = FALSE;
  guint events = 0;

  /* The initial burst and then periodic events, each read while the
   * stream is still open: they arrive as the node sends them. */
  while (events < 6) {
    g_autofree gchar *line = g_data_input_stream_read_line (lines, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (line);
    if (g_str_has_prefix (line, "X-Postern-Demo-Node: ")) {
      g_strchomp (line);
      g_assert_cmpstr (line + strlen ("X-Postern-Demo-Node: "), ==, issuer);
      saw_node = TRUE;
    }
    if (g_str_has_prefix (line, "event: participant_sync_begin"))
      saw_sync = TRUE;
    if (g_str_has_prefix (line, "event: "))
      events++;
  }
  g_assert_true (saw_node);
  g_assert_true (saw_sync);
  g_assert_null (g_subprocess_get_identifier (stream) == NULL ? "curl exited: the stream ended" : NULL);
  g_subprocess_force_exit (stream);
  g_subprocess_wait (stream, NULL, NULL);
}

/* The node dies in the middle of a stream: the proxy aborts the client's
 * connection, so curl sees a cut answer (exit 18), never a clean end. */
static void
test_stream_node_dies (Fixture *f, gconstpointer data)
{
  g_autofree gchar *issuer = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GSubprocess) stream = open_event_stream (f, FALSE, &lines, &issuer);
  g_autoptr(GError) error = NULL;
  guint events = 0;
  gint victim = -1;

  for (guint i = 0; i < N_NODES; i++)
    if (g_str_equal (f->node_names[i], issuer))
      victim = (gint) i;
  g_assert_cmpint (victim, >=, 0);
  while (events < 2) {
    g_autofree gchar *line = g_data_input_stream_read_line (lines, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (line);
    if (g_str_has_prefix (line, "event: "))
      events++;
  }
  g_subprocess_force_exit (f->nodes[victim]);
  g_subprocess_wait (f->nodes[victim], NULL, NULL);
  g_clear_object (&f->nodes[victim]);
  g_assert_true (g_subprocess_wait (stream, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (stream));
  g_assert_cmpint (g_subprocess_get_exit_status (stream), ==, 18);
}

static void
test_body_limits (Fixture *f, gconstpointer data)
{
  g_autofree gchar *u = url (f, API "open/request_token");
  g_autofree gchar *big_path = g_build_filename (f->d->root, "big.json", NULL);
  g_autofree gchar *big_arg = g_strdup_printf ("@%s", big_path);
  g_autofree gchar *big = g_strnfill (200 * 1024, 'x');
  g_autofree gchar *declared = NULL, *expect = NULL, *chunked = NULL, *conflict = NULL, *small = NULL;
  guint64 before;

  g_assert_true (g_file_set_contents (big_path, big, -1, NULL));
  before = total_requests (f);
  /* Declared too large: refused before any node hears of it. */
  declared = curl (f, "-X", "POST", "-H", "Expect:", "--data-binary", big_arg, u, NULL);
  g_assert_cmpuint (status_of (declared), ==, 413);
  /* Waiting for 100 Continue: refused without the body. */
  expect = curl (f, "-X", "POST", "-H", "Expect: 100-continue", "--data-binary", big_arg, u, NULL);
  g_assert_cmpuint (status_of (expect), ==, 413);
  /* Conflicting framing: the front refuses it. */
  conflict = curl (f, "-X", "POST", "-H", "Content-Length: 5", "-H", "Content-Length: 6", "--data-binary", "hello", u,
                   NULL);
  g_assert_cmpuint (status_of (conflict), ==, 400);
  g_assert_cmpuint (total_requests (f), ==, before);
  /* Chunked and too large: cut off at the limit. */
  chunked = curl (f, "-X", "POST", "-H", "Transfer-Encoding: chunked", "--data-binary", big_arg, u, NULL);
  g_assert_cmpuint (status_of (chunked), ==, 413);
  /* A body within the limit, chunked, reaches the node whole. */
  small = curl (f, "-X", "POST", "-H", "Transfer-Encoding: chunked", "-H", "Content-Type: application/json",
                "--data-binary", "{\"display_name\":\"chunky\"}", u, NULL);
  g_assert_cmpuint (status_of (small), ==, 200);
  g_assert_nonnull (strstr (small, "\"display_name\":\"chunky\""));
}

static void
test_failover (Fixture *f, gconstpointer data)
{
  g_autofree gchar *dead = g_strdup (f->node_names[1]);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GVariant) payload = NULL;
  g_autofree gchar *node = NULL, *state = NULL, *reason = NULL;

  g_subprocess_force_exit (f->nodes[1]);
  g_subprocess_wait (f->nodes[1], NULL, NULL);
  g_clear_object (&f->nodes[1]);
  for (guint i = 0; i < 2 * N_NODES; i++) {
    g_autofree gchar *answer = request_token (f, "open", NULL);
    g_assert_cmpuint (status_of (answer), ==, 200);
    g_hash_table_add (seen, node_of (answer));
  }
  g_assert_false (g_hash_table_contains (seen, dead));
  g_assert_cmpuint (g_hash_table_size (seen), ==, N_NODES - 1);
  payload = postern_test_events_wait (f->events, "upstream.state", NULL, 0);
  g_assert_nonnull (payload);
  g_variant_get (payload, "(sss)", &node, &state, &reason);
  g_assert_cmpstr (node, ==, dead);
  g_assert_cmpstr (state, ==, "down");
}

static void
test_reload_and_ctl (Fixture *f, gconstpointer data)
{
  g_autofree gchar *conf = dropin (f, 0, 1);
  g_autofree gchar *out = NULL, *err = NULL;
  g_autofree gchar *log = NULL;

  /* Only the first node stays configured; the others get no new request. */
  reload_with (f, conf);
  for (guint i = 0; i < N_NODES; i++) {
    g_autofree gchar *answer = request_token (f, "open", NULL);
    g_autofree gchar *node = node_of (answer);
    g_assert_cmpstr (node, ==, f->node_names[0]);
  }
  g_assert_cmpint (postern_test_ctl (f->d, &out, &err, "upstream", "list", NULL), ==, 0);
  g_assert_nonnull (strstr (out, f->node_names[0]));
  g_assert_null (strstr (out, f->node_names[1]));

  /* Live add, drain and remove over D-Bus. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (postern_test_ctl (f->d, &out, &err, "upstream", "add", f->node_names[2], NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (postern_test_ctl (f->d, &out, &err, "upstream", "drain", f->node_names[0], NULL), ==, 0);
  for (guint i = 0; i < N_NODES; i++) {
    g_autofree gchar *answer = request_token (f, "open", NULL);
    g_autofree gchar *node = node_of (answer);
    g_assert_cmpstr (node, ==, f->node_names[2]);
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (postern_test_ctl (f->d, &out, &err, "upstream", "list", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "draining"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (postern_test_ctl (f->d, &out, &err, "upstream", "remove", f->node_names[0], NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (postern_test_ctl (f->d, &out, &err, "upstream", "remove", "127.0.0.1:1", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "no node"));

  /* The access log has every request, secrets redacted. */
  g_assert_true (g_file_get_contents (f->access_log, &log, NULL, NULL));
  g_assert_nonnull (strstr (log, "]  \"POST " API "open/request_token HTTP/1.1\" 200 "));
}

static void
test_access_log_redacts (Fixture *f, gconstpointer data)
{
  g_autofree gchar *answer = request_token (f, "open", NULL);
  g_autofree gchar *token = json_string (answer, "token");
  g_autofree gchar *path = g_strdup_printf (API "open/release_token?token=%s&pin=1234&x=1", token);
  g_autofree gchar *u = url (f, path);
  g_autofree gchar *released = curl (f, "-X", "POST", "-H", "Referer: https://localhost/webapp/?code=abc", u, NULL);
  g_autofree gchar *log = NULL;

  g_assert_cmpuint (status_of (released), ==, 200);
  g_assert_true (g_file_get_contents (f->access_log, &log, NULL, NULL));
  g_assert_null (strstr (log, token));
  g_assert_null (strstr (log, "1234"));
  g_assert_null (strstr (log, "abc"));
  g_assert_nonnull (strstr (log, "release_token?token=REDACTED&pin=REDACTED&x=1 HTTP/1.1\" 200 "));
  g_assert_nonnull (strstr (log, "\"https://localhost/webapp/?code=REDACTED\""));
}

static void
pause_ms (guint ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < until) {
    while (g_main_context_iteration (NULL, FALSE))
      ;
    g_usleep (10 * 1000);
  }
}

/* Under wrk load: two reloads changing the node list and a node killed
 * lose no request (the load is idempotent GETs). Every answer counts: the
 * demo node's answers are short, their head is held until the body follows
 * and the body is one TLS record, so no client ever sees part of an answer
 * from the killed node (the one loss a proxy cannot undo); whatever it had
 * not answered goes to another node. */
static void
test_wrk_reload_and_kill (Fixture *f, gconstpointer data)
{
  g_autofree gchar *wrk = g_find_program_in_path ("wrk");
  g_autofree gchar *script = g_build_filename (g_getenv ("HTTPS_PROXY_TEST_DIR"), "wrk-count.lua", NULL);
  g_autofree gchar *u = g_strdup_printf ("https://127.0.0.1:%u" API "open/conference_status", f->https_port);
  g_autofree gchar *first_two = NULL, *all = NULL, *out = NULL, *err = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) load = NULL;
  g_autoptr(GError) error = NULL;
  guint64 requests = 0, errors = 1, unexpected = 1;

  if (wrk == NULL) {
    g_test_skip ("wrk is not installed");
    return;
  }
  first_two = dropin (f, 0, 2);
  all = dropin (f, 0, N_NODES);
  launcher = postern_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  /* wrk counts an answer slower than its timeout (2 s by default) as an
   * error: a loaded machine makes that a delay, not a lost request. */
  load = g_subprocess_launcher_spawn (launcher, &error, wrk, "-t1", "-c8", "-d8s", "--timeout", "60s", "-s", script, u,
                                      NULL);
  g_assert_no_error (error);
  pause_ms (1500);
  reload_with (f, first_two);
  pause_ms (1500);
  reload_with (f, all);
  pause_ms (1500);
  g_subprocess_force_exit (f->nodes[1]);
  g_subprocess_wait (f->nodes[1], NULL, NULL);
  g_clear_object (&f->nodes[1]);
  g_subprocess_communicate_utf8 (load, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_test_message ("%s%s", out, err);
  g_assert_nonnull (strstr (out, "\nrequests "));
  g_assert_cmpint (sscanf (strstr (out, "\nrequests ") + 1, "requests %" G_GUINT64_FORMAT " errors %" G_GUINT64_FORMAT
                                                      " unexpected %" G_GUINT64_FORMAT, &requests, &errors,
                           &unexpected), ==, 3);
  g_assert_cmpuint (requests, >, 0);
  g_assert_cmpuint (errors, ==, 0);
  g_assert_cmpuint (unexpected, ==, 0);
}

/* @pexip/infinity-api, the Web App's own client package, from Node. */
static void
test_infinity_api (Fixture *f, gconstpointer data)
{
  g_autofree gchar *modules = g_build_filename (g_getenv ("HTTPS_PROXY_NODE_DIR"), "node_modules", NULL);
  g_autofree gchar *package = g_build_filename (modules, "@pexip", "infinity-api", "dist", "index.js", NULL);
  g_autofree gchar *script = g_build_filename (g_getenv ("HTTPS_PROXY_TEST_DIR"), "infinity-client.mjs", NULL);
  g_autofree gchar *node = g_find_program_in_path ("node");
  g_autofree gchar *host = g_strdup_printf ("https://localhost:%u", f->https_port);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) p = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) payload = NULL;
  g_autofree gchar *out = NULL, *err = NULL;

  if (node == NULL || !g_file_test (package, G_FILE_TEST_EXISTS)) {
    g_test_skip ("node or @pexip/infinity-api missing: run `npm --prefix tests/node ci`");
    return;
  }
  launcher = postern_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "NODE_EXTRA_CA_CERTS", f->ca, TRUE);
  g_subprocess_launcher_setenv (launcher, "POSTERN_NODE_MODULES", modules, TRUE);
  /* The front listens on 127.0.0.1 only; the certificate names localhost. */
  p = g_subprocess_launcher_spawn (launcher, &error, node, "--dns-result-order=ipv4first",
                                   "--experimental-eventsource", "--no-warnings", script, host, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (p, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_test_message ("%s%s", out, err);
  g_assert_true (g_subprocess_get_if_exited (p));
  g_assert_cmpint (g_subprocess_get_exit_status (p), ==, 0);
  g_assert_nonnull (strstr (out, "all ok"));
  /* The wrong PIN was seen by the proxy too. */
  payload = postern_test_events_wait (f->events, "pin.failed", NULL, 0);
  g_assert_nonnull (payload);
  g_assert_cmpuint (postern_test_events_count (f->events, "pin.failed"), ==, 1);
}

/* A node given by name: looked up asynchronously (GResolver), every
 * resolved address tried in turn (localhost may answer ::1 first, where
 * the demo node does not listen). */
static void
test_node_by_name (Fixture *f, gconstpointer data)
{
  const gchar *port = strrchr (f->node_names[0], ':') + 1;
  g_autofree gchar *nodes = g_strdup_printf ("localhost:%s", port);
  g_autofree gchar *list = NULL;

  reload_proxy_to (f, nodes, "");
  for (guint i = 0; i < 3; i++) {
    g_autofree gchar *answer = request_token (f, "open", NULL);
    g_autofree gchar *node = node_of (answer);
    g_assert_cmpuint (status_of (answer), ==, 200);
    g_assert_cmpstr (node, ==, f->node_names[0]);
  }
  g_assert_cmpint (postern_test_ctl (f->d, &list, NULL, "upstream", "list", NULL), ==, 0);
  g_assert_nonnull (strstr (list, "localhost:"));
}

/* New connections to a node resume the TLS session of an earlier one. */
static void
test_tls_resumption (Fixture *f, gconstpointer data)
{
  TicketNode *node = ticket_node_start ();
  g_autofree gchar *nodes = g_strdup_printf ("127.0.0.1:%u", ticket_node_get_port (node));
  g_autofree gchar *u = url (f, "/anything");
  guint64 full_before = proxy_stat (f, "tls-handshakes");

  reload_proxy_to (f, nodes, "");
  /* The node closes after each answer: every request is a new connection. */
  for (guint i = 0; i < 3; i++) {
    g_autofree gchar *answer = curl (f, u, NULL);
    g_assert_cmpuint (status_of (answer), ==, 200);
    g_assert_true (g_str_has_suffix (answer, "\r\n\r\nok\n"));
  }
  g_assert_cmpuint (proxy_stat (f, "tls-handshakes"), ==, full_before + 1);
  g_assert_cmpuint (proxy_stat (f, "tls-resumed"), ==, 2);
  g_assert_cmpuint (ticket_node_get_resumed (node), ==, 2);
  ticket_node_stop (node);
}

/* What the node hears and what the client gets: X-Forwarded-For appended
 * to (every one of) the client's, X-Real-IP and X-Forwarded-Proto set by
 * the proxy whatever the client claimed, Host kept, hop-by-hop fields and
 * those the Connection field names dropped both ways. */
static void
test_forwarded_headers (Fixture *f, gconstpointer data)
{
  TicketNode *node = ticket_node_start_answering ("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
                                                  "Connection: close, X-Node-Secret\r\nX-Node-Secret: 1\r\n"
                                                  "Keep-Alive: timeout=5\r\nX-Kept: yes\r\nServer: node\r\n\r\nok\n");
  g_autofree gchar *nodes = g_strdup_printf ("127.0.0.1:%u", ticket_node_get_port (node));
  g_autofree gchar *u = url (f, "/anything");
  g_autofree gchar *answer = NULL;
  g_autofree gchar *head = NULL;
  g_autofree gchar *lower = NULL;
  g_autofree gchar *host = g_strdup_printf ("Host: localhost:%u\r\n", f->https_port);
  const gchar *const once[] = { "\nx-forwarded-for:", "\nx-real-ip:", "\nx-forwarded-proto:", "\nhost:" };
  const gchar *const gone[] = { "\nconnection:", "\nx-client-secret:", "\nkeep-alive:", "\nte:",
                                "\nproxy-authorization:", "192.0.2.66", "http\r\n" };

  reload_proxy_to (f, nodes, "");
  answer = curl (f, "-H", "X-Forwarded-For: 203.0.113.7", "-H", "X-Forwarded-For: 198.51.100.1", "-H",
                 "X-Real-IP: 192.0.2.66", "-H", "X-Forwarded-Proto: http", "-H", "Connection: X-Client-Secret",
                 "-H", "X-Client-Secret: 1", "-H", "Keep-Alive: 300", "-H", "TE: trailers", "-H",
                 "Proxy-Authorization: Basic Zm9vOmJhcg==", "-H", "X-Kept: yes", u, NULL);
  g_assert_cmpuint (status_of (answer), ==, 200);
  head = ticket_node_get_last_head (node);
  g_assert_nonnull (head);
  g_test_message ("the node heard:\n%s", head);
  g_assert_true (g_str_has_prefix (head, "GET /anything HTTP/1.1\r\n"));
  g_assert_nonnull (strstr (head, "\r\nX-Forwarded-For: 203.0.113.7, 198.51.100.1, 127.0.0.1\r\n"));
  g_assert_nonnull (strstr (head, "\r\nX-Real-IP: 127.0.0.1\r\n"));
  g_assert_nonnull (strstr (head, "\r\nX-Forwarded-Proto: https\r\n"));
  g_assert_nonnull (strstr (head, host));
  g_assert_nonnull (strstr (head, "\r\nX-Kept: yes\r\n"));
  lower = g_ascii_strdown (head, -1);
  /* each once, and none of what the client claimed or meant for the proxy */
  for (guint i = 0; i < G_N_ELEMENTS (once); i++)
    g_assert_true (strstr (lower, once[i]) == g_strrstr (lower, once[i]));
  for (guint i = 0; i < G_N_ELEMENTS (gone); i++)
    g_assert_null (strstr (lower, gone[i]));

  g_clear_pointer (&lower, g_free);
  lower = g_ascii_strdown (answer, -1);
  g_assert_nonnull (strstr (lower, "\r\nx-kept: yes\r\n"));
  g_assert_nonnull (strstr (lower, "\r\nserver: postern\r\n"));
  g_assert_null (strstr (lower, "x-node-secret"));
  g_assert_null (strstr (lower, "keep-alive"));
  g_assert_null (strstr (lower, "server: node"));
  ticket_node_stop (node);
}

/* Requests pipelined in one write (openssl s_client sends its input as it
 * comes and prints what the proxy answers): each gets its own answer, in
 * order, bodies by length and chunked alike; the last asks to close. */
static void
test_pipelined (Fixture *f, gconstpointer data)
{
  static const gchar requests[] =
    "POST " API "meet/request_token HTTP/1.1\r\nHost: localhost\r\npin: 1234\r\n"
    "Content-Type: application/json\r\nContent-Length: 24\r\n\r\n{\"display_name\":\"Alice\"}"
    "GET " API "open/conference_status HTTP/1.1\r\nHost: localhost\r\n\r\n"
    "POST " API "meet/request_token HTTP/1.1\r\nHost: localhost\r\npin: 5678\r\n"
    "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    "18\r\n{\"display_name\":\"Bobby\"}\r\n0\r\n\r\n"
    "GET " API "open/conference_status HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  static const gchar *const expected[] = { "HTTP/1.1 200 ", "HTTP/1.1 403 ", "HTTP/1.1 200 ", "HTTP/1.1 403 " };
  g_autofree gchar *connect = g_strdup_printf ("127.0.0.1:%u", f->https_port);
  const gchar *argv[] = { "openssl", "s_client", "-connect", connect, "-servername", "localhost", "-quiet",
                          "-ign_eof", NULL };
  g_autoptr(GSubprocessLauncher) launcher = postern_test_launcher_new (
    G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GSubprocess) p = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *out = NULL;
  const gchar *at;

  p = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (p, requests, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("the proxy answered:\n%s", out);
  at = out;
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      at = strstr (at, "HTTP/1.1 ");
      g_assert_nonnull (at);
      g_assert_true (g_str_has_prefix (at, expected[i]));
      at++;
    }
  g_assert_null (strstr (at, "HTTP/1.1 "));
  g_assert_nonnull (strstr (out, "\"display_name\":\"Alice\""));
  g_assert_nonnull (strstr (out, "\"display_name\":\"Bobby\""));
  g_assert_nonnull (strstr (out, "\"role\":\"GUEST\""));
}

/* A node that sends the head of a known-length answer and closes before
 * its body: the client has seen nothing (the head is held until body bytes
 * follow), so a GET goes to the next node, while a POST, which the node may
 * have acted on, gets a 502 and is never sent again. */
static void
test_cut_answer_retry (Fixture *f, gconstpointer data)
{
  TicketNode *cut = ticket_node_start_answering ("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n");
  /* max-fails 0: the cut node stays up, so round-robin alternates. */
  g_autofree gchar *nodes = g_strdup_printf ("127.0.0.1:%u;%s", ticket_node_get_port (cut), f->node_names[0]);
  g_autofree gchar *post = NULL, *get_direct = NULL, *get_retried = NULL;
  g_autofree gchar *status_url = url (f, API "open/conference_status");
  g_autofree gchar *token_url = url (f, API "open/request_token");
  g_autofree gchar *node_direct = NULL, *node_retried = NULL;

  reload_proxy_to (f, nodes, "balance = round-robin\nmax-fails = 0\n");
  /* The cursor starts at the first node after a reload. */
  post = curl (f, "-X", "POST", token_url, NULL);
  g_assert_cmpuint (status_of (post), ==, 502);
  g_assert_cmpuint (ticket_node_get_requests (cut), ==, 1);
  get_direct = curl (f, status_url, NULL);
  g_assert_cmpuint (status_of (get_direct), ==, 403);
  node_direct = node_of (get_direct);
  g_assert_cmpstr (node_direct, ==, f->node_names[0]);
  g_assert_cmpuint (ticket_node_get_requests (cut), ==, 1);
  get_retried = curl (f, status_url, NULL);
  g_assert_cmpuint (status_of (get_retried), ==, 403);
  node_retried = node_of (get_retried);
  g_assert_cmpstr (node_retried, ==, f->node_names[0]);
  g_assert_cmpuint (ticket_node_get_requests (cut), ==, 2);
  ticket_node_stop (cut);
}

/* A node that answers with keep-alive and then closes every connection:
 * its pooled connections fail, and no GET is lost for it, although it is
 * the only node. */
static void
test_node_closes_pooled (Fixture *f, gconstpointer data)
{
  TicketNode *node = ticket_node_start_answering ("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n");
  g_autofree gchar *nodes = g_strdup_printf ("127.0.0.1:%u", ticket_node_get_port (node));
  g_autofree gchar *u = url (f, "/anything");

  reload_proxy_to (f, nodes, "");
  for (guint i = 0; i < 4; i++) {
    g_autofree gchar *answer = curl (f, u, NULL);
    g_assert_cmpuint (status_of (answer), ==, 200);
    g_assert_true (g_str_has_suffix (answer, "\r\n\r\nok\n"));
  }
  g_assert_cmpuint (ticket_node_get_requests (node), ==, 4);
  ticket_node_stop (node);
}

/* A node that stops reading while a client uploads fast: the proxy holds
 * the client back instead of queueing the body. */
static void
test_upload_backpressure (Fixture *f, gconstpointer data)
{
  g_autofree gchar *conf = dropin_with_limit (f, 0, 1, 0);
  g_autofree gchar *file = g_build_filename (f->d->root, "upload.bin", NULL);
  g_autofree gchar *data_arg = g_strdup_printf ("@%s", file);
  g_autofree gchar *sink = url (f, "/demo/upload");
  g_autofree gchar *out = NULL, *warm = NULL, *chunked = NULL, *expected = NULL, *sum = NULL;
  g_autofree guint8 *blob = NULL;
  g_autoptr(GPtrArray) argv = postern_test_curl_argv (f->ca, f->https_port);
  g_autoptr(GSubprocess) upload = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 24 * 1024 * 1024;
  /* The proxy's high-water mark plus one read of the front's input buffer
   * and chunk framing; without backpressure it would be megabytes. */
  const guint64 bound = 256 * 1024;

  reload_with (f, conf);
  blob = g_malloc (len);
  for (gsize i = 0; i < len; i++)
    blob[i] = (guint8) g_random_int ();
  g_assert_true (g_file_set_contents (file, (const gchar *) blob, (gssize) len, NULL));
  sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, blob, len);
  expected = g_strdup_printf ("%" G_GSIZE_FORMAT " %s\n", len, sum);

  /* A pooled connection to the node, so the upload needs no handshake. */
  warm = curl (f, sink, NULL);
  g_assert_cmpuint (status_of (warm), ==, 200);

  g_subprocess_send_signal (f->nodes[0], SIGSTOP);
  g_ptr_array_add (argv, g_strdup ("--max-time"));
  g_ptr_array_add (argv, g_strdup ("120"));
  g_ptr_array_add (argv, g_strdup ("-H"));
  g_ptr_array_add (argv, g_strdup ("Content-Type: application/octet-stream"));
  g_ptr_array_add (argv, g_strdup ("--data-binary"));
  g_ptr_array_add (argv, g_strdup (data_arg));
  g_ptr_array_add (argv, g_strdup (sink));
  g_ptr_array_add (argv, NULL);
  upload = g_subprocess_newv ((const gchar *const *) argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  /* Time for curl to push whatever the proxy takes while the node sleeps;
   * the bound must hold however much or little that is. */
  g_usleep (3 * G_USEC_PER_SEC);
  g_test_message ("queued for the sleeping node: %" G_GUINT64_FORMAT " bytes", proxy_stat (f, "max-queued-to-node"));
  g_assert_cmpuint (proxy_stat (f, "max-queued-to-node"), <=, bound);
  g_subprocess_send_signal (f->nodes[0], SIGCONT);

  g_subprocess_communicate_utf8 (upload, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (upload));
  g_assert_cmpstr (out, ==, expected);

  /* Chunked on the way up, whole at the node. */
  chunked = curl (f, "-H", "Expect:", "-H", "Transfer-Encoding: chunked", "--data-binary", data_arg, sink, NULL);
  g_assert_cmpuint (status_of (chunked), ==, 200);
  g_assert_true (g_str_has_suffix (chunked, expected));
  g_assert_cmpuint (proxy_stat (f, "max-queued-to-node"), <=, bound);
}

/* --- WebSocket, with libsoup's client and the demo node's echo service --- */

typedef struct {
  SoupWebsocketConnection *ws;
  GError *error;
  GQueue messages;  /* GBytes*, text and binary alike */
  GQueue types;     /* GINT_TO_POINTER (SoupWebsocketDataType) */
  gboolean closed;
} WsClient;

static void
ws_message_cb (SoupWebsocketConnection *ws, gint type, GBytes *message, gpointer user_data)
{
  WsClient *c = user_data;

  g_queue_push_tail (&c->messages, g_bytes_ref (message));
  g_queue_push_tail (&c->types, GINT_TO_POINTER (type));
}

static void
ws_closed_cb (SoupWebsocketConnection *ws, gpointer user_data)
{
  ((WsClient *) user_data)->closed = TRUE;
}

static void
ws_connected_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  WsClient *c = user_data;

  c->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &c->error);
  if (c->ws == NULL)
    return;
  soup_websocket_connection_set_max_incoming_payload_size (c->ws, 0);
  /* A multi-megabyte message takes a while on a loaded machine. */
  soup_websocket_connection_set_keepalive_interval (c->ws, 0);
  g_signal_connect (c->ws, "message", G_CALLBACK (ws_message_cb), c);
  g_signal_connect (c->ws, "closed", G_CALLBACK (ws_closed_cb), c);
}

static void
ws_wait (gboolean *flag)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_US;

  while (!*flag && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (*flag);
}

static void
ws_connect (Fixture *f, SoupSession *session, WsClient *c)
{
  g_autofree gchar *u = g_strdup_printf ("wss://localhost:%u/demo/ws-echo", f->https_port);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", u);
  gint64 deadline = g_get_monotonic_time () + WAIT_US;

  soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL, ws_connected_cb, c);
  while (c->ws == NULL && c->error == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (c->error);
  g_assert_nonnull (c->ws);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_SWITCHING_PROTOCOLS);
}

static GBytes *
ws_next (WsClient *c, SoupWebsocketDataType expected_type)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_US;

  while (g_queue_is_empty (&c->messages) && !c->closed && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (g_queue_is_empty (&c->messages));
  g_assert_cmpint (GPOINTER_TO_INT (g_queue_pop_head (&c->types)), ==, expected_type);
  return g_queue_pop_head (&c->messages);
}

static void
ws_client_clear (WsClient *c)
{
  g_queue_clear_full (&c->messages, (GDestroyNotify) g_bytes_unref);
  g_queue_clear (&c->types);
  g_clear_object (&c->ws);
  g_clear_error (&c->error);
}

static void
test_websocket (Fixture *f, gconstpointer data)
{
  g_autoptr(GTlsDatabase) ca = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) text = g_bytes_new_static ("hello through postern", 21);
  g_autoptr(GBytes) binary = NULL, large = NULL, got = NULL, got_binary = NULL, got_large = NULL, got_after = NULL;
  g_autofree guint8 *blob = NULL;
  g_autofree gchar *status = NULL;
  g_autofree gchar *plain_path = g_strdup_printf (API "meet/conference_status");
  g_autofree gchar *plain = url (f, plain_path);
  gsize large_len = 4 * 1024 * 1024 + 3;
  WsClient c = { 0 }, d = { 0 };

  ca = g_tls_file_database_new (f->ca, &error);
  g_assert_no_error (error);
  session = soup_session_new_with_options ("tls-database", ca, "timeout", 60, NULL);

  ws_connect (f, session, &c);
  soup_websocket_connection_send_message (c.ws, SOUP_WEBSOCKET_DATA_TEXT, text);
  got = ws_next (&c, SOUP_WEBSOCKET_DATA_TEXT);
  g_assert_true (g_bytes_equal (got, text));

  blob = g_malloc (large_len);
  for (gsize i = 0; i < large_len; i++)
    blob[i] = (guint8) g_random_int ();
  binary = g_bytes_new (blob, 256);
  soup_websocket_connection_send_message (c.ws, SOUP_WEBSOCKET_DATA_BINARY, binary);
  got_binary = ws_next (&c, SOUP_WEBSOCKET_DATA_BINARY);
  g_assert_true (g_bytes_equal (got_binary, binary));

  /* Far beyond the proxy's high-water marks both ways: backpressure, not loss. */
  large = g_bytes_new (blob, large_len);
  soup_websocket_connection_send_message (c.ws, SOUP_WEBSOCKET_DATA_BINARY, large);
  got_large = ws_next (&c, SOUP_WEBSOCKET_DATA_BINARY);
  g_assert_true (g_bytes_equal (got_large, large));
  g_assert_cmpuint (proxy_stat (f, "max-queued-to-node"), <=, 256 * 1024);

  /* The node closes: the client hears its code through the proxy. */
  soup_websocket_connection_send_text (c.ws, "close, please");
  ws_wait (&c.closed);
  g_assert_cmpuint (soup_websocket_connection_get_close_code (c.ws), ==, 4001);

  /* The client closes: the node answers the close, the proxy relays it. */
  ws_connect (f, session, &d);
  soup_websocket_connection_send_message (d.ws, SOUP_WEBSOCKET_DATA_TEXT, text);
  got_after = ws_next (&d, SOUP_WEBSOCKET_DATA_TEXT);
  g_assert_true (g_bytes_equal (got_after, text));
  soup_websocket_connection_close (d.ws, SOUP_WEBSOCKET_CLOSE_NORMAL, "bye");
  ws_wait (&d.closed);
  g_assert_cmpuint (soup_websocket_connection_get_close_code (d.ws), ==, SOUP_WEBSOCKET_CLOSE_NORMAL);

  /* An upgrade request to a path the node serves without WebSocket: its
   * ordinary answer comes back, not a 101. */
  status = curl (f, "-H", "Connection: Upgrade", "-H", "Upgrade: websocket", "-H", "Sec-WebSocket-Version: 13", "-H",
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", plain, NULL);
  g_assert_cmpuint (status_of (status), !=, 101);
  g_assert_cmpuint (status_of (status), >=, 200);
  g_assert_nonnull (strstr (status, "X-Postern-Demo-Node: "));

  ws_client_clear (&c);
  ws_client_clear (&d);
}

/* A tunnel silent both ways for stream-idle-timeout is closed. */
static void
test_websocket_idle (Fixture *f, gconstpointer data)
{
  g_autoptr(GTlsDatabase) ca = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(GError) error = NULL;
  WsClient c = { 0 };

  reload_proxy_to (f, f->node_names[0], "stream-idle-timeout = 1\n");
  ca = g_tls_file_database_new (f->ca, &error);
  g_assert_no_error (error);
  session = soup_session_new_with_options ("tls-database", ca, "timeout", 60, NULL);
  ws_connect (f, session, &c);
  ws_wait (&c.closed);
  /* No close frame: the proxy cut the connections (the node never closes
   * an idle WebSocket on its own). */
  g_assert_cmpuint (soup_websocket_connection_get_close_code (c.ws), ==, 0);
  ws_client_clear (&c);
}

int
main (int argc, char **argv)
{
  g_autofree gchar *curl_path = g_find_program_in_path ("curl");

  g_test_init (&argc, &argv, NULL);
  if (curl_path == NULL) {
    g_test_skip ("curl is not installed");
    return g_test_run ();
  }
  g_test_add ("/https-proxy/pin-flow", Fixture, NULL, fixture_setup, test_pin_flow, fixture_teardown);
  g_test_add ("/https-proxy/token-affinity", Fixture, NULL, fixture_setup, test_token_affinity, fixture_teardown);
  g_test_add ("/https-proxy/event-stream", Fixture, NULL, fixture_setup, test_event_stream, fixture_teardown);
  g_test_add ("/https-proxy/stream-node-dies", Fixture, NULL, fixture_setup, test_stream_node_dies, fixture_teardown);
  g_test_add ("/https-proxy/body-limits", Fixture, NULL, fixture_setup, test_body_limits, fixture_teardown);
  g_test_add ("/https-proxy/failover", Fixture, NULL, fixture_setup, test_failover, fixture_teardown);
  g_test_add ("/https-proxy/reload-and-ctl", Fixture, NULL, fixture_setup, test_reload_and_ctl, fixture_teardown);
  g_test_add ("/https-proxy/access-log", Fixture, NULL, fixture_setup, test_access_log_redacts, fixture_teardown);
  g_test_add ("/https-proxy/wrk-reload-and-kill", Fixture, NULL, fixture_setup, test_wrk_reload_and_kill,
              fixture_teardown);
  g_test_add ("/https-proxy/infinity-api", Fixture, NULL, fixture_setup, test_infinity_api, fixture_teardown);
  g_test_add ("/https-proxy/node-by-name", Fixture, NULL, fixture_setup, test_node_by_name, fixture_teardown);
  g_test_add ("/https-proxy/cut-answer-retry", Fixture, NULL, fixture_setup, test_cut_answer_retry, fixture_teardown);
  g_test_add ("/https-proxy/node-closes-pooled", Fixture, NULL, fixture_setup, test_node_closes_pooled,
              fixture_teardown);
  g_test_add ("/https-proxy/tls-resumption", Fixture, NULL, fixture_setup, test_tls_resumption, fixture_teardown);
  g_test_add ("/https-proxy/forwarded-headers", Fixture, NULL, fixture_setup, test_forwarded_headers,
              fixture_teardown);
  g_test_add ("/https-proxy/pipelined", Fixture, NULL, fixture_setup, test_pipelined, fixture_teardown);
  g_test_add ("/https-proxy/websocket", Fixture, NULL, fixture_setup, test_websocket, fixture_teardown);
  g_test_add ("/https-proxy/websocket-idle", Fixture, NULL, fixture_setup, test_websocket_idle, fixture_teardown);
  g_test_add ("/https-proxy/upload-backpressure", Fixture, NULL, fixture_setup, test_upload_backpressure,
              fixture_teardown);
  return g_test_run ();
}
