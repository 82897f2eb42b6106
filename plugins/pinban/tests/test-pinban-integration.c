/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pinban for real: @pexip/infinity-api from Node (pinban-client.mjs) joins
 * through posternd's https-proxy to two demo Conferencing Nodes; the proxy
 * publishes pin.failed, pinban bans, the front refuses. Sources are
 * loopback addresses the client binds: 127.0.0.2 and up, and ::1 (the
 * default ignore= covers loopback, so most tests set their own). */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "postern-test-daemon.h"
#include "postern-test-events.h"

#define N_NODES 2
/* A bound on waits for things that must happen, not a performance check. */
#define WAIT_US (60 * G_USEC_PER_SEC)

#define INVALID "403 Invalid PIN\n"
#define REFUSED "refused before TLS\n"

typedef struct {
  gchar *plugin_dir;
  PosternTestDaemon *d;
  GSubprocess *nodes[N_NODES];
  gchar *node_names[N_NODES];
  guint16 port;
  gchar *ca;
  PosternTestEvents *events;
} Fixture;

/* posternd takes one plugin directory: link https-proxy and pinban into one. */
static gchar *
make_plugin_dir (void)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) plugins = g_strsplit (g_getenv ("PINBAN_PLUGINS"), ":", -1);
  gchar *dir = g_dir_make_tmp ("pinban-plugins-XXXXXX", &error);

  g_assert_no_error (error);
  for (guint i = 0; plugins[i] != NULL; i++) {
    g_autofree gchar *base = g_path_get_basename (plugins[i]);
    g_autofree gchar *link = g_build_filename (dir, base, NULL);
    g_assert_cmpint (symlink (plugins[i], link), ==, 0);
  }
  return dir;
}

static void
remove_plugin_dir (const gchar *dir)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL) {
    g_autofree gchar *path = g_build_filename (dir, name, NULL);
    g_unlink (path);
  }
  g_rmdir (dir);
}

static void
start (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  postern_test_daemon_start (f->d, &error);
  g_assert_no_error (error);
  g_free (f->ca);
  f->ca = postern_test_daemon_save_ca (f->d, "localhost");
}

/* @pinban: extra [pinban] keys */
static void
write_conf (Fixture *f, const gchar *pinban)
{
  g_autofree gchar *conf = g_strdup_printf ("[core]\nfqdn = localhost\nhttps-listen = 127.0.0.1:%u;[::1]:%u\n"
                                            "http-listen =\n\n[https-proxy]\nnodes = %s;%s\nhealth-interval = 0\n\n"
                                            "[pinban]\nenabled = true\n%s",
                                            f->port, f->port, f->node_names[0], f->node_names[1], pinban);

  postern_test_daemon_write_dropin (f->d, "10-test.conf", conf);
}

/* @data: extra [pinban] keys for this test. */
static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  for (guint i = 0; i < N_NODES; i++)
    f->nodes[i] = postern_test_demo_node_start (&f->node_names[i]);
  f->plugin_dir = make_plugin_dir ();
  f->d = postern_test_daemon_new (f->plugin_dir);
  f->port = postern_test_free_tcp_port ();
  f->events = postern_test_events_new (f->d->connection);
  write_conf (f, data);
  start (f);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  postern_test_events_free (f->events);
  /* A clean exit: under ASan a leak or fault in the daemon fails here. */
  if (postern_test_daemon_stop (f->d) != 0) {
    g_autofree gchar *log = postern_test_daemon_read_log (f->d);
    g_test_message ("%s", log);
    g_test_fail ();
  }
  postern_test_daemon_free (f->d);
  remove_plugin_dir (f->plugin_dir);
  g_free (f->plugin_dir);
  for (guint i = 0; i < N_NODES; i++) {
    g_subprocess_force_exit (f->nodes[i]);
    g_subprocess_wait (f->nodes[i], NULL, NULL);
    g_object_unref (f->nodes[i]);
    g_free (f->node_names[i]);
  }
  g_free (f->ca);
}

/* pinban-client.mjs from @from, which dials ::1 for ::1 and 127.0.0.1
 * otherwise; @steps is its space-separated step list. Returns its output,
 * one line per step. */
static gchar *
client (Fixture *f, const gchar *from, const gchar *steps)
{
  g_autofree gchar *modules = g_build_filename (g_getenv ("PINBAN_NODE_DIR"), "node_modules", NULL);
  g_autofree gchar *script = g_build_filename (g_getenv ("PINBAN_TEST_DIR"), "pinban-client.mjs", NULL);
  g_autofree gchar *node = g_find_program_in_path ("node");
  g_autofree gchar *host = g_strdup_printf ("https://localhost:%u", f->port);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) p = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) step_list = g_strsplit (steps, " ", -1);
  g_autofree gchar *err = NULL;
  gchar *out = NULL;

  /* scripts/setup.sh installs both; without them this test cannot run. */
  g_assert_nonnull (node);
  launcher = postern_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "NODE_EXTRA_CA_CERTS", f->ca, TRUE);
  g_subprocess_launcher_setenv (launcher, "POSTERN_NODE_MODULES", modules, TRUE);
  g_ptr_array_add (argv, node);
  g_ptr_array_add (argv, (gpointer) "--no-warnings");
  g_ptr_array_add (argv, script);
  g_ptr_array_add (argv, host);
  g_ptr_array_add (argv, (gpointer) (strchr (from, ':') != NULL ? "::1" : "127.0.0.1"));
  g_ptr_array_add (argv, (gpointer) from);
  for (guint i = 0; step_list[i] != NULL; i++)
    g_ptr_array_add (argv, step_list[i]);
  g_ptr_array_add (argv, NULL);
  p = g_subprocess_launcher_spawnv (launcher, (const gchar *const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (p, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_test_message ("from %s: %s\n%s%s", from, steps, out, err);
  g_assert_true (g_subprocess_get_if_exited (p));
  g_assert_cmpint (g_subprocess_get_exit_status (p), ==, 0);
  return out;
}

/* @line, @n times */
static gchar *
times (guint n, const gchar *line)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append (s, line);
  return g_string_free (s, FALSE);
}

static gchar *
ctl (Fixture *f, gint expected_status, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree gchar *err = NULL;
  gchar *out = NULL;
  const gchar *arg;
  va_list args;

  g_ptr_array_add (argv, (gpointer) postern_test_posternctl ());
  g_ptr_array_add (argv, (gpointer) "--bus");
  g_ptr_array_add (argv, f->d->bus_address);
  g_ptr_array_add (argv, (gpointer) "pinban");
  va_start (args, expected_status);
  while ((arg = va_arg (args, const gchar *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  g_assert_cmpint (postern_test_run (&out, &err, (const gchar *const *) argv->pdata), ==, expected_status);
  if (expected_status != 0)
    g_test_message ("posternctl said: %s", err);
  return out;
}

static gchar *
status_text (guint currently_failed, guint total_failed, guint currently_banned, guint total_banned,
             const gchar *list)
{
  return g_strdup_printf ("Status for the jail: pinban\n"
                          "|- Filter\n"
                          "|  |- Currently failed:\t%u\n"
                          "|  |- Total failed:\t%u\n"
                          "|  `- Event:\tpin.failed\n"
                          "`- Actions\n"
                          "   |- Currently banned:\t%u\n"
                          "   |- Total banned:\t%u\n"
                          "   `- Banned IP list:\t%s\n",
                          currently_failed, total_failed, currently_banned, total_banned, list);
}

/* Five wrong PINs from @from: four leave it free, the fifth is answered and
 * bans it, so the next connection is closed before TLS, a join too.
 * Returns ban.added's until. */
static gint64
ban_by_failures (Fixture *f, const gchar *from)
{
  g_autofree gchar *four = times (4, "join 0000: " INVALID);
  g_autofree gchar *expected = g_strconcat (four, "connect: tls ok\n", "join 0000: " INVALID, "connect: " REFUSED,
                                            "join 1234: " REFUSED, NULL);
  g_autofree gchar *out = client (f, from, "join:0000 join:0000 join:0000 join:0000 connect join:0000 connect join:1234");
  g_autoptr(GVariant) added = NULL;
  const gchar *source, *reason;
  gint64 until;

  g_assert_cmpstr (out, ==, expected);
  added = postern_test_events_wait (f->events, "ban.added", from, 0);
  g_assert_nonnull (added);
  g_variant_get (added, "(&sx&s)", &source, &until, &reason);
  g_assert_cmpint (until, >, g_get_real_time () / G_USEC_PER_SEC);
  return until;
}

static void
test_five_failures_ban (Fixture *f, gconstpointer data)
{
  g_autofree gchar *status = NULL, *expected = status_text (0, 5, 1, 1, "127.0.0.2");
  g_autofree gchar *other = NULL, *v6 = NULL;

  ban_by_failures (f, "127.0.0.2");
  status = ctl (f, 0, "status", NULL);
  g_assert_cmpstr (status, ==, expected);
  /* Other sources are not touched. */
  other = client (f, "127.0.0.3", "connect join:1234");
  g_assert_cmpstr (other, ==, "connect: tls ok\njoin 1234: 200 HOST\n");
  v6 = client (f, "::1", "join:5678");
  g_assert_cmpstr (v6, ==, "join 5678: 200 GUEST\n");
}

/* ::1 is not in this test's ignore=; its /64 holds the IPv4-mapped range, so
 * it is banned alone. */
static void
test_ipv6_ban (Fixture *f, gconstpointer data)
{
  g_autofree gchar *status = NULL, *expected = status_text (0, 5, 1, 1, "::1");
  g_autofree gchar *v4 = NULL;

  ban_by_failures (f, "::1");
  status = ctl (f, 0, "status", NULL);
  g_assert_cmpstr (status, ==, expected);
  v4 = client (f, "127.0.0.2", "join:1234");
  g_assert_cmpstr (v4, ==, "join 1234: 200 HOST\n");
}

/* Only wrong PINs count: twenty quick correct joins, and twenty joins that
 * send no PIN and are told one is required (the old fail2ban setup counted
 * those), leave the source free and the failure count at zero. */
static void
test_correct_joins (Fixture *f, gconstpointer data)
{
  g_autofree gchar *twenty_steps = times (20, "join:1234 join:5678 join ");
  g_autofree gchar *steps = g_strconcat (twenty_steps, "connect", NULL);
  g_autofree gchar *one = g_strconcat ("join 1234: 200 HOST\n", "join 5678: 200 GUEST\n", "join -: 403 PIN required\n",
                                       NULL);
  g_autofree gchar *twenty = times (20, one);
  g_autofree gchar *expected = g_strconcat (twenty, "connect: tls ok\n", NULL);
  g_autofree gchar *out = NULL, *status = NULL, *zero = status_text (0, 0, 0, 0, "");

  out = client (f, "127.0.0.2", steps);
  g_assert_cmpstr (out, ==, expected);
  status = ctl (f, 0, "status", NULL);
  g_assert_cmpstr (status, ==, zero);
  g_assert_cmpuint (postern_test_events_count (f->events, "pin.failed"), ==, 0);
  g_assert_cmpuint (postern_test_events_count (f->events, "ban.added"), ==, 0);
}

static void
test_survives_restart (Fixture *f, gconstpointer data)
{
  g_autofree gchar *state = g_build_filename (f->d->state_dir, "pinban", "bans", NULL);
  g_autofree gchar *status = NULL, *log = NULL, *refused = NULL, *unbanned = NULL, *joined = NULL;
  g_autofree gchar *expected = status_text (0, 0, 1, 1, "127.0.0.2");
  g_autoptr(GVariant) reply = NULL, bans = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *source, *reason;
  gint64 until, restored_until;
  GStatBuf st;

  until = ban_by_failures (f, "127.0.0.2");
  g_assert_cmpint (postern_test_daemon_stop (f->d), ==, 0);
  g_assert_cmpint (g_stat (state, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_clear_object (&f->d->posternd);
  start (f);
  log = postern_test_daemon_read_log (f->d);
  g_assert_nonnull (strstr (log, "restored 1 ban(s)"));
  refused = client (f, "127.0.0.2", "connect join:1234");
  g_assert_cmpstr (refused, ==, "connect: " REFUSED "join 1234: " REFUSED);
  /* Restored with its remaining time: the same end as before. */
  reply = g_dbus_connection_call_sync (f->d->connection, "org.postern.Postern1", "/org/postern/Postern1/pinban",
                                       "org.postern.Postern1.Pinban", "GetStatus", NULL, G_VARIANT_TYPE ("(a{sv})"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr(GVariant) dict = g_variant_get_child_value (reply, 0);
    bans = g_variant_lookup_value (dict, "banned", G_VARIANT_TYPE ("a(sxs)"));
  }
  g_assert_nonnull (bans);
  g_assert_cmpuint (g_variant_n_children (bans), ==, 1);
  g_variant_get_child (bans, 0, "(&sx&s)", &source, &restored_until, &reason);
  g_assert_cmpstr (source, ==, "127.0.0.2");
  g_assert_cmpint (restored_until, ==, until);
  status = ctl (f, 0, "status", NULL);
  g_assert_cmpstr (status, ==, expected);
  unbanned = ctl (f, 0, "unban", "127.0.0.2", NULL);
  g_assert_cmpstr (unbanned, ==, "unbanned 127.0.0.2\n");
  joined = client (f, "127.0.0.2", "join:1234");
  g_assert_cmpstr (joined, ==, "join 1234: 200 HOST\n");
}

static void
test_unban (Fixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL, *again = NULL, *banned = NULL, *all = NULL, *bad = NULL, *usage = NULL;
  g_autofree gchar *joined = NULL, *v6 = NULL, *v4 = NULL, *v6_again = NULL;
  g_autoptr(GVariant) lifted = NULL;
  const gchar *source, *reason;

  ban_by_failures (f, "127.0.0.2");
  out = ctl (f, 0, "unban", "127.0.0.2", NULL);
  g_assert_cmpstr (out, ==, "unbanned 127.0.0.2\n");
  lifted = postern_test_events_wait (f->events, "ban.lifted", "127.0.0.2", 0);
  g_assert_nonnull (lifted);
  g_variant_get (lifted, "(&s&s)", &source, &reason);
  g_assert_cmpstr (reason, ==, "unban");
  /* Access is back, and the source was forgiven: one more wrong PIN does
   * not ban it again. */
  joined = client (f, "127.0.0.2", "join:1234 join:0000 connect");
  g_assert_cmpstr (joined, ==, "join 1234: 200 HOST\njoin 0000: " INVALID "connect: tls ok\n");
  again = ctl (f, 1, "unban", "127.0.0.2", NULL);

  /* By hand: ban, the refusal, unban --all. */
  banned = ctl (f, 0, "ban", "::1", "600", NULL);
  g_assert_true (g_str_has_prefix (banned, "banned ::1 until "));
  v6 = client (f, "::1", "connect");
  g_assert_cmpstr (v6, ==, "connect: " REFUSED);
  v4 = client (f, "127.0.0.2", "connect");
  g_assert_cmpstr (v4, ==, "connect: tls ok\n");
  bad = ctl (f, 1, "ban", "not-an-address", NULL);
  usage = ctl (f, 2, "ban", NULL);
  all = ctl (f, 0, "unban", "--all", NULL);
  g_assert_cmpstr (all, ==, "unbanned 1\n  ::1\n");
  v6_again = client (f, "::1", "join:1234");
  g_assert_cmpstr (v6_again, ==, "join 1234: 200 HOST\n");
}

/* Twelve wrong PINs from each of @sources, all in ignore=:
 * never counted, never banned, and a manual ban of them is refused. */
static void
assert_never_banned (Fixture *f, const gchar *const *sources)
{
  g_autofree gchar *twelve_steps = times (12, "join:0000 ");
  g_autofree gchar *steps = g_strconcat (twelve_steps, "connect join:1234", NULL);
  g_autofree gchar *twelve = times (12, "join 0000: " INVALID);
  g_autofree gchar *expected = g_strconcat (twelve, "connect: tls ok\njoin 1234: 200 HOST\n", NULL);
  g_autofree gchar *status = NULL, *zero = status_text (0, 0, 0, 0, "");

  for (guint i = 0; sources[i] != NULL; i++) {
    g_autofree gchar *out = client (f, sources[i], steps);
    g_autofree gchar *refused = NULL;
    g_assert_cmpstr (out, ==, expected);
    refused = ctl (f, 1, "ban", sources[i], NULL);
  }
  status = ctl (f, 0, "status", NULL);
  g_assert_cmpstr (status, ==, zero);
  g_assert_cmpuint (postern_test_events_count (f->events, "ban.added"), ==, 0);
}

/* An office behind one NAT: ignore= names it, the rest is still guarded. */
static void
test_ignored (Fixture *f, gconstpointer data)
{
  static const gchar *const office[] = { "127.0.0.2", "127.0.0.3", NULL };

  assert_never_banned (f, office);
  ban_by_failures (f, "127.0.0.4");
}

/* The default ignore= is loopback, IPv4 and IPv6. */
static void
test_ignored_default (Fixture *f, gconstpointer data)
{
  static const gchar *const loopback[] = { "127.0.0.2", "::1", NULL };

  assert_never_banned (f, loopback);
}

static void
test_status (Fixture *f, gconstpointer data)
{
  g_autofree gchar *status = NULL, *expected = status_text (1, 7, 1, 1, "127.0.0.2");
  g_autofree gchar *two = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) prop = NULL, v = NULL;

  ban_by_failures (f, "127.0.0.2");
  two = client (f, "127.0.0.3", "join:0000 join:9999");
  g_assert_cmpstr (two, ==, "join 0000: " INVALID "join 9999: " INVALID);
  status = ctl (f, 0, "status", NULL);
  g_assert_cmpstr (status, ==, expected);
  prop = g_dbus_connection_call_sync (f->d->connection, "org.postern.Postern1", "/org/postern/Postern1/pinban",
                                      "org.freedesktop.DBus.Properties", "Get",
                                      g_variant_new ("(ss)", "org.postern.Postern1.Pinban", "TotalFailed"),
                                      G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (prop, "(v)", &v);
  g_assert_cmpuint (g_variant_get_uint64 (v), ==, 7);
}

static void
test_reload (Fixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL, *err = NULL, *freed = NULL, *two = NULL;
  g_autoptr(GVariant) lifted = NULL;
  const gchar *source, *reason;

  ban_by_failures (f, "127.0.0.2");
  /* Now ignored: the ban goes at once. maxretry drops to 2. */
  write_conf (f, "ignore = 127.0.0.1/32;127.0.0.2/32\nmaxretry = 2\n");
  g_assert_cmpint (postern_test_ctl (f->d, &out, &err, "reload", NULL), ==, 0);
  lifted = postern_test_events_wait (f->events, "ban.lifted", "127.0.0.2", 0);
  g_assert_nonnull (lifted);
  g_variant_get (lifted, "(&s&s)", &source, &reason);
  g_assert_cmpstr (reason, ==, "ignored");
  freed = client (f, "127.0.0.2", "join:1234");
  g_assert_cmpstr (freed, ==, "join 1234: 200 HOST\n");
  two = client (f, "127.0.0.3", "join:0000 connect join:0000 connect");
  g_assert_cmpstr (two, ==, "join 0000: " INVALID "connect: tls ok\njoin 0000: " INVALID "connect: " REFUSED);
}

static void
test_expiry (Fixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL;
  g_autoptr(GVariant) lifted = NULL;
  const gchar *source, *reason;

  ban_by_failures (f, "127.0.0.2");
  /* bantime=2: the timer lifts it; the bound only catches a hang. */
  lifted = postern_test_events_wait (f->events, "ban.lifted", "127.0.0.2", 0);
  g_assert_nonnull (lifted);
  g_variant_get (lifted, "(&s&s)", &source, &reason);
  g_assert_cmpstr (reason, ==, "expired");
  out = client (f, "127.0.0.2", "connect join:1234");
  g_assert_cmpstr (out, ==, "connect: tls ok\njoin 1234: 200 HOST\n");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, conf, fn) g_test_add (path, Fixture, conf, fixture_set_up, fn, fixture_tear_down)
  /* 127.0.0.1 stays ignored: nothing but the client under test uses it. */
#define IGNORE_V4 "ignore = 127.0.0.1/32\n"
  ADD ("/pinban/five-failures-ban", IGNORE_V4, test_five_failures_ban);
  ADD ("/pinban/ipv6-ban", IGNORE_V4, test_ipv6_ban);
  ADD ("/pinban/correct-joins", IGNORE_V4, test_correct_joins);
  ADD ("/pinban/survives-restart", IGNORE_V4, test_survives_restart);
  ADD ("/pinban/unban", IGNORE_V4, test_unban);
  ADD ("/pinban/ignored", "ignore = 127.0.0.1;127.0.0.2/31\n", test_ignored);
  ADD ("/pinban/ignored-default", "", test_ignored_default);
  ADD ("/pinban/status", IGNORE_V4, test_status);
  ADD ("/pinban/reload", IGNORE_V4, test_reload);
  ADD ("/pinban/expiry", IGNORE_V4 "bantime = 2\n", test_expiry);
#undef IGNORE_V4
#undef ADD
  return g_test_run ();
}
