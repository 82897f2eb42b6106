/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pinban for real: posternd with pinban, httptest serving /t/ over HTTPS
 * and pinjoin answering request_token like a node behind the proxy. curl
 * joins with right and wrong PINs; a ban shows as the front refusing the
 * next connection before TLS (curl exit 35). Loopback only. */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "postern-test-daemon.h"

#define CURL_REFUSED 35

typedef struct {
  gchar *plugin_dir;
  PosternTestDaemon *d;
  guint16 port;
  gchar *ca;
  gchar *pinban_conf;
} Fixture;

/* posternd takes one plugin directory: link the three plugins into one. */
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
save_ca (Fixture *f)
{
  g_free (f->ca);
  f->ca = postern_test_daemon_save_ca (f->d, "localhost");
}

static void
start (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  postern_test_daemon_start (f->d, &error);
  g_assert_no_error (error);
  save_ca (f);
}

/* @pinban: extra [pinban] keys */
static void
write_conf (Fixture *f, const gchar *pinban)
{
  g_autofree gchar *conf = g_strdup_printf ("[core]\nfqdn = localhost\nhttps-listen = 127.0.0.1:%u;[::1]:%u\nhttp-listen =\n\n"
                                            "[httptest]\n\n[pinjoin]\npin = 1234\n\n[pinban]\nenabled = true\n%s",
                                            f->port, f->port, pinban);

  postern_test_daemon_write_dropin (f->d, "10-test.conf", conf);
}

/* @data: extra [pinban] keys for this test. */
static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->plugin_dir = make_plugin_dir ();
  f->d = postern_test_daemon_new (f->plugin_dir);
  f->port = postern_test_free_tcp_port ();
  write_conf (f, data);
  start (f);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  postern_test_daemon_free (f->d);
  remove_plugin_dir (f->plugin_dir);
  g_free (f->plugin_dir);
  g_free (f->ca);
}

/* curl over IPv4 (127.0.0.1, certificate checked) or IPv6 (::1): a GET
 * when @pin is NULL, else a join POST (with no pin header when @pin is "").
 * Returns curl's exit status, *code the HTTP status when it got one. */
static gint
curl (Fixture *f, gboolean v6, const gchar *path, const gchar *pin, gchar **code)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *out = NULL;
  gint status;

  g_ptr_array_add (argv, g_strdup ("curl"));
  g_ptr_array_add (argv, g_strdup ("-sS"));
  g_ptr_array_add (argv, g_strdup ("--max-time"));
  g_ptr_array_add (argv, g_strdup ("60"));
  g_ptr_array_add (argv, g_strdup ("-o"));
  g_ptr_array_add (argv, g_strdup ("/dev/null"));
  g_ptr_array_add (argv, g_strdup ("-w"));
  g_ptr_array_add (argv, g_strdup ("%{http_code}"));
  if (v6) {
    g_ptr_array_add (argv, g_strdup ("-k"));
    g_ptr_array_add (argv, g_strdup_printf ("https://[::1]:%u%s", f->port, path));
  } else {
    g_ptr_array_add (argv, g_strdup ("--cacert"));
    g_ptr_array_add (argv, g_strdup (f->ca));
    g_ptr_array_add (argv, g_strdup ("--resolve"));
    g_ptr_array_add (argv, g_strdup_printf ("localhost:%u:127.0.0.1", f->port));
    g_ptr_array_add (argv, g_strdup_printf ("https://localhost:%u%s", f->port, path));
  }
  if (pin != NULL && pin[0] != '\0') {
    g_ptr_array_add (argv, g_strdup ("-H"));
    g_ptr_array_add (argv, g_strdup_printf ("pin: %s", pin));
  }
  if (pin != NULL) {
    g_ptr_array_add (argv, g_strdup ("--data"));
    g_ptr_array_add (argv, g_strdup ("{\"display_name\":\"tester\"}"));
  }
  g_ptr_array_add (argv, NULL);
  status = postern_test_run (&out, NULL, (const gchar *const *) argv->pdata);
  if (code != NULL)
    *code = g_steal_pointer (&out);
  return status;
}

#define JOIN "/api/client/v2/conferences/meet.alice/request_token"

/* A join with @pin; asserts curl got an answer and returns its status. */
static gint
join (Fixture *f, gboolean v6, const gchar *pin)
{
  g_autofree gchar *code = NULL;

  g_assert_cmpint (curl (f, v6, JOIN, pin, &code), ==, 0);
  return (gint) g_ascii_strtoll (code, NULL, 10);
}

static gint
hello (Fixture *f, gboolean v6)
{
  g_autofree gchar *code = NULL;
  gint status = curl (f, v6, "/t/hello", NULL, &code);

  if (status == 0)
    g_assert_cmpstr (code, ==, "200");
  return status;
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

static void
ban_by_failures (Fixture *f, gboolean v6)
{
  for (gint i = 0; i < 4; i++) {
    g_assert_cmpint (join (f, v6, "0000"), ==, 403);
    g_assert_cmpint (hello (f, v6), ==, 0);
  }
  /* The fifth wrong PIN still gets its answer; the next connection does not. */
  g_assert_cmpint (join (f, v6, "0000"), ==, 403);
}

static void
test_five_failures_ban (Fixture *f, gconstpointer data)
{
  ban_by_failures (f, FALSE);
  g_assert_cmpint (hello (f, FALSE), ==, CURL_REFUSED);
  g_assert_cmpint (curl (f, FALSE, JOIN, "1234", NULL), ==, CURL_REFUSED);
  /* ::1 is another source. */
  g_assert_cmpint (join (f, TRUE, "1234"), ==, 200);
  g_assert_cmpint (hello (f, TRUE), ==, 0);
}

static void
test_ipv6_ban (Fixture *f, gconstpointer data)
{
  ban_by_failures (f, TRUE);
  g_assert_cmpint (hello (f, TRUE), ==, CURL_REFUSED);
  g_assert_cmpint (hello (f, FALSE), ==, 0);
}

static void
test_correct_joins (Fixture *f, gconstpointer data)
{
  g_autofree gchar *status = NULL;

  /* Twenty quick correct joins and twenty joins without a PIN (the old
   * setup counted both). */
  for (gint i = 0; i < 20; i++) {
    g_assert_cmpint (join (f, FALSE, "1234"), ==, 200);
    g_assert_cmpint (join (f, FALSE, ""), ==, 403);
  }
  g_assert_cmpint (hello (f, FALSE), ==, 0);
  status = ctl (f, 0, "status", NULL);
  g_assert_nonnull (strstr (status, "|  |- Total failed:\t0\n"));
  g_assert_nonnull (strstr (status, "   |- Currently banned:\t0\n"));
}

static void
test_survives_restart (Fixture *f, gconstpointer data)
{
  g_autofree gchar *state = g_build_filename (f->d->state_dir, "pinban", "bans", NULL);
  g_autofree gchar *status = NULL, *log = NULL;
  g_autofree gchar *unbanned = NULL;
  GStatBuf st;

  ban_by_failures (f, FALSE);
  g_assert_cmpint (hello (f, FALSE), ==, CURL_REFUSED);
  g_assert_cmpint (g_stat (state, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (postern_test_daemon_stop (f->d), ==, 0);
  g_clear_object (&f->d->posternd);
  start (f);
  log = postern_test_daemon_read_log (f->d);
  g_assert_nonnull (strstr (log, "restored 1 ban(s)"));
  g_assert_cmpint (hello (f, FALSE), ==, CURL_REFUSED);
  status = ctl (f, 0, "status", NULL);
  g_assert_nonnull (strstr (status, "   `- Banned IP list:\t127.0.0.1\n"));
  unbanned = ctl (f, 0, "unban", "127.0.0.1", NULL);
  g_assert_cmpstr (unbanned, ==, "unbanned 127.0.0.1\n");
  g_assert_cmpint (hello (f, FALSE), ==, 0);
}

static void
test_unban (Fixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL, *again = NULL, *banned = NULL, *all = NULL, *bad = NULL, *usage = NULL;

  ban_by_failures (f, FALSE);
  g_assert_cmpint (hello (f, FALSE), ==, CURL_REFUSED);
  out = ctl (f, 0, "unban", "127.0.0.1", NULL);
  g_assert_cmpstr (out, ==, "unbanned 127.0.0.1\n");
  g_assert_cmpint (hello (f, FALSE), ==, 0);
  /* Forgiven: the count starts again. */
  g_assert_cmpint (join (f, FALSE, "0000"), ==, 403);
  g_assert_cmpint (hello (f, FALSE), ==, 0);
  again = ctl (f, 1, "unban", "127.0.0.1", NULL);

  banned = ctl (f, 0, "ban", "::1", "600", NULL);
  g_assert_true (g_str_has_prefix (banned, "banned ::1 until "));
  g_assert_cmpint (hello (f, TRUE), ==, CURL_REFUSED);
  g_assert_cmpint (hello (f, FALSE), ==, 0);
  bad = ctl (f, 1, "ban", "not-an-address", NULL);
  usage = ctl (f, 2, "ban", NULL);
  all = ctl (f, 0, "unban", "--all", NULL);
  g_assert_cmpstr (all, ==, "unbanned 1\n  ::1\n");
  g_assert_cmpint (hello (f, TRUE), ==, 0);
}

static void
test_ignored (Fixture *f, gconstpointer data)
{
  g_autofree gchar *status = NULL, *refused = NULL;

  /* The default ignore= is loopback: never banned, not even counted. */
  for (gint i = 0; i < 12; i++)
    g_assert_cmpint (join (f, FALSE, "0000"), ==, 403);
  g_assert_cmpint (hello (f, FALSE), ==, 0);
  status = ctl (f, 0, "status", NULL);
  g_assert_nonnull (strstr (status, "|  |- Total failed:\t0\n"));
  g_assert_nonnull (strstr (status, "   |- Currently banned:\t0\n"));
  refused = ctl (f, 1, "ban", "127.0.0.1", NULL);
  g_assert_cmpint (hello (f, FALSE), ==, 0);
}

static void
test_reload (Fixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL, *err = NULL;

  ban_by_failures (f, FALSE);
  g_assert_cmpint (hello (f, FALSE), ==, CURL_REFUSED);
  /* Now ignored: the ban goes at once. maxretry drops to 2. */
  write_conf (f, "ignore = 127.0.0.1\nmaxretry = 2\n");
  g_assert_cmpint (postern_test_ctl (f->d, &out, &err, "reload", NULL), ==, 0);
  g_assert_cmpint (hello (f, FALSE), ==, 0);
  g_assert_cmpint (join (f, TRUE, "0000"), ==, 403);
  g_assert_cmpint (hello (f, TRUE), ==, 0);
  g_assert_cmpint (join (f, TRUE, "0000"), ==, 403);
  g_assert_cmpint (hello (f, TRUE), ==, CURL_REFUSED);
}

static void
call_pin_failed (Fixture *f, const gchar *address)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync (
    f->d->connection, "org.postern.Postern1", "/org/postern/Postern1/pinjoin", "org.postern.PinJoin", "PinFailed",
    g_variant_new ("(s)", address), NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (reply);
}

static void
test_status (Fixture *f, gconstpointer data)
{
  g_autofree gchar *status = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) prop = NULL;

  /* Five addresses of one /64 (events only: no traffic leaves loopback). */
  call_pin_failed (f, "2001:db8:1:2::1");
  call_pin_failed (f, "2001:db8:1:2::2");
  call_pin_failed (f, "2001:db8:1:2::3");
  call_pin_failed (f, "2001:db8:1:2::4");
  call_pin_failed (f, "2001:db8:1:2::5");
  call_pin_failed (f, "garbage");
  g_assert_cmpint (join (f, TRUE, "0000"), ==, 403);
  g_assert_cmpint (join (f, TRUE, "0000"), ==, 403);
  status = ctl (f, 0, "status", NULL);
  g_assert_cmpstr (status, ==,
                   "Status for the jail: pinban\n"
                   "|- Filter\n"
                   "|  |- Currently failed:\t1\n"
                   "|  |- Total failed:\t7\n"
                   "|  `- Event:\tpin.failed\n"
                   "`- Actions\n"
                   "   |- Currently banned:\t1\n"
                   "   |- Total banned:\t1\n"
                   "   `- Banned IP list:\t2001:db8:1:2::/64\n");
  prop = g_dbus_connection_call_sync (f->d->connection, "org.postern.Postern1", "/org/postern/Postern1/pinban",
                                      "org.freedesktop.DBus.Properties", "Get",
                                      g_variant_new ("(ss)", "org.postern.Postern1.Pinban", "TotalFailed"),
                                      G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr(GVariant) v = NULL;
    g_variant_get (prop, "(v)", &v);
    g_assert_cmpuint (g_variant_get_uint64 (v), ==, 7);
  }
}

static void
test_expiry (Fixture *f, gconstpointer data)
{
  gint64 deadline;

  ban_by_failures (f, FALSE);
  g_assert_cmpint (hello (f, FALSE), ==, CURL_REFUSED);
  /* bantime=2: the timer lifts it; the bound only catches a hang. */
  g_assert_true (postern_test_daemon_wait_log (f->d, "lifted the ban of 127.0.0.1 (expired)"));
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (hello (f, FALSE) != 0 && g_get_monotonic_time () < deadline)
    g_usleep (100 * 1000);
  g_assert_cmpint (hello (f, FALSE), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, conf, fn) g_test_add (path, Fixture, conf, fixture_set_up, fn, fixture_tear_down)
  ADD ("/pinban/five-failures-ban", "ignore =\n", test_five_failures_ban);
  ADD ("/pinban/ipv6-ban", "ignore =\n", test_ipv6_ban);
  ADD ("/pinban/correct-joins", "ignore =\n", test_correct_joins);
  ADD ("/pinban/survives-restart", "ignore =\n", test_survives_restart);
  ADD ("/pinban/unban", "ignore =\n", test_unban);
  ADD ("/pinban/ignored", "", test_ignored);
  ADD ("/pinban/status", "ignore =\n", test_status);
  ADD ("/pinban/reload", "ignore =\n", test_reload);
  ADD ("/pinban/expiry", "ignore =\nbantime = 2\n", test_expiry);
#undef ADD
  return g_test_run ();
}
