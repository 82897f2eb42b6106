/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* posternd for real: a private dbus-daemon, the test plugins, and clients
 * nobody here wrote (busctl, gdbus) beside posternctl. */
#include <gio/gunixsocketaddress.h>
#include <signal.h>
#include <string.h>

#include "postern-test-daemon.h"

static const gchar *
plugin_dir (void)
{
  return g_getenv ("POSTERN_TEST_PLUGIN_DIR");
}

static PosternTestDaemon *
start_daemon (void)
{
  g_autoptr(GError) error = NULL;
  PosternTestDaemon *d = postern_test_daemon_new (plugin_dir ());

  postern_test_daemon_write_dropin (d, "10-echo.conf", "[echo]\ngreeting = hello\n");
  postern_test_daemon_write_dropin (d, "20-second.conf", "[second]\n");
  g_assert_true (postern_test_daemon_start (d, &error));
  g_assert_no_error (error);
  return d;
}

static gchar *
busctl (PosternTestDaemon *d, const gchar *a1, const gchar *a2, const gchar *a3, const gchar *a4,
        const gchar *a5, const gchar *a6, const gchar *a7)
{
  g_autofree gchar *address = g_strdup_printf ("--address=%s", d->bus_address);
  const gchar *argv[] = { "busctl", address, a1, a2, a3, a4, a5, a6, a7, NULL };
  gchar *out = NULL;
  g_autofree gchar *err = NULL;
  gint status = postern_test_run (&out, &err, argv);

  g_test_message ("busctl %s -> %d: %s%s", a1, status, out, err);
  g_assert_cmpint (status, ==, 0);
  return out;
}

static void
test_busctl_and_gdbus (void)
{
  g_autoptr(PosternTestDaemon) d = start_daemon ();
  g_autofree gchar *version = busctl (d, "get-property", "org.postern.Postern1", "/org/postern/Postern1",
                                      "org.postern.Postern1", "Version", NULL, NULL);
  g_autofree gchar *plugins = busctl (d, "get-property", "org.postern.Postern1", "/org/postern/Postern1",
                                      "org.postern.Postern1", "Plugins", NULL, NULL);
  g_autofree gchar *ping = busctl (d, "call", "org.postern.Postern1", "/org/postern/Postern1/echo",
                                   "org.postern.Echo.Test", "Ping", "s", "world");
  g_autofree gchar *tree = busctl (d, "tree", "org.postern.Postern1", NULL, NULL, NULL, NULL, NULL);
  const gchar *gdbus_argv[] = { "gdbus", "call", "--address", d->bus_address, "--dest", "org.postern.Postern1",
                                "--object-path", "/org/postern/Postern1", "--method",
                                "org.postern.Postern1.ListEventTypes", NULL };
  g_autofree gchar *types = NULL;

  g_assert_true (g_str_has_prefix (version, "s \"0."));
  g_assert_nonnull (strstr (plugins, "a(ssss) 2 \"echo\" \"1.0\" \"running\""));
  g_assert_nonnull (strstr (plugins, "\"second\" \"2.0\" \"running\""));
  g_assert_cmpstr (ping, ==, "s \"hello world\"\n");
  g_assert_nonnull (strstr (tree, "/org/postern/Postern1/echo"));
  g_assert_cmpint (postern_test_run (&types, NULL, gdbus_argv), ==, 0);
  g_assert_nonnull (strstr (types, "('pin.failed', '(ssss)',"));
  g_assert_nonnull (strstr (types, "('echo.started', '(s)',"));
  g_assert_cmpint (postern_test_daemon_stop (d), ==, 0);
}

static void
test_posternctl (void)
{
  g_autoptr(PosternTestDaemon) d = start_daemon ();
  g_autofree gchar *status = NULL;
  g_autofree gchar *plugins = NULL;
  g_autofree gchar *version = NULL;
  g_autofree gchar *reload = NULL;
  g_autofree gchar *usage = NULL;

  g_assert_cmpint (postern_test_ctl (d, &status, NULL, "status", NULL), ==, 0);
  g_assert_nonnull (strstr (status, "running since"));
  g_assert_nonnull (strstr (status, d->confdir));
  g_assert_cmpint (postern_test_ctl (d, &plugins, NULL, "plugins", NULL), ==, 0);
  g_assert_true (g_regex_match_simple ("^echo +running +1\\.0 +Test plugin that echoes$", plugins,
                                       G_REGEX_MULTILINE, 0));
  g_assert_cmpint (postern_test_ctl (d, &version, NULL, "version", NULL), ==, 0);
  g_assert_nonnull (strstr (version, "posternd 0."));
  g_assert_cmpint (postern_test_ctl (d, &reload, NULL, "reload", NULL), ==, 0);
  g_assert_cmpstr (reload, ==, "configuration reloaded\n");
  g_assert_cmpint (postern_test_ctl (d, NULL, &usage, "frobnicate", NULL), ==, 2);
  g_assert_nonnull (strstr (usage, "unknown command 'frobnicate'"));
  g_assert_cmpint (postern_test_daemon_stop (d), ==, 0);
}

static void
test_posternctl_not_running (void)
{
  g_autoptr(PosternTestDaemon) d = postern_test_daemon_new (plugin_dir ());
  g_autofree gchar *err = NULL;

  g_assert_cmpint (postern_test_ctl (d, NULL, &err, "status", NULL), ==, 3);
  g_assert_nonnull (strstr (err, "posternd is not running"));
}

static gboolean
line_seen (GString *buffer, const gchar *fragment)
{
  return strstr (buffer->str, fragment) != NULL;
}

static void
read_monitor_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GString *buffer = user_data;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, NULL);

  if (bytes != NULL && g_bytes_get_size (bytes) > 0) {
    g_string_append_len (buffer, g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes));
    g_input_stream_read_bytes_async (G_INPUT_STREAM (source), 4096, G_PRIORITY_DEFAULT, NULL, read_monitor_cb,
                                     buffer);
  }
}

static void
test_monitor_and_sighup (void)
{
  g_autoptr(PosternTestDaemon) d = start_daemon ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) monitor = NULL;
  g_autoptr(GString) buffer = g_string_new (NULL);
  g_autofree gchar *greeting = NULL;
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  {
    g_autoptr(GSubprocessLauncher) launcher = postern_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                         G_SUBPROCESS_FLAGS_STDERR_PIPE);
    monitor = g_subprocess_launcher_spawn (launcher, &error, postern_test_posternctl (), "--bus", d->bus_address,
                                           "monitor", NULL);
  }
  g_assert_no_error (error);
  g_input_stream_read_bytes_async (g_subprocess_get_stdout_pipe (monitor), 4096, G_PRIORITY_DEFAULT, NULL,
                                   read_monitor_cb, buffer);
  /* The monitor subscribes asynchronously: repeat the change until seen. */
  postern_test_daemon_write_dropin (d, "50-broken.conf", "[echo]\ngreeting = two\ncolour = red\n");
  while (!line_seen (buffer, "config.reloaded (false,") && g_get_monotonic_time () < deadline) {
    postern_test_daemon_signal (d, SIGHUP);
    for (gint i = 0; i < 50; i++) {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
  }
  g_assert_true (line_seen (buffer, "50-broken.conf:3: unknown key 'colour' in [echo]"));
  g_assert_true (postern_test_daemon_wait_log (d, "reload refused, old configuration stays"));
  /* The old configuration is still in force. */
  greeting = busctl (d, "get-property", "org.postern.Postern1", "/org/postern/Postern1/echo",
                     "org.postern.Echo.Test", "Greeting", NULL, NULL);
  g_assert_cmpstr (greeting, ==, "s \"hello\"\n");

  postern_test_daemon_remove_dropin (d, "50-broken.conf");
  postern_test_daemon_write_dropin (d, "50-fixed.conf", "[echo]\ngreeting = two\n");
  postern_test_daemon_signal (d, SIGHUP);
  while (!line_seen (buffer, "echo.reloaded ('two',)") && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (line_seen (buffer, "echo.reloaded ('two',)"));
  g_clear_pointer (&greeting, g_free);
  greeting = busctl (d, "get-property", "org.postern.Postern1", "/org/postern/Postern1/echo",
                     "org.postern.Echo.Test", "Greeting", NULL, NULL);
  g_assert_cmpstr (greeting, ==, "s \"two\"\n");

  g_assert_cmpint (postern_test_daemon_stop (d), ==, 0);
  while (!line_seen (buffer, "plugin.state ('echo', 'stopped')") && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (line_seen (buffer, "plugin.state ('echo', 'stopped')"));
  g_subprocess_wait (monitor, NULL, NULL);
}

static void
test_sigterm_clean_exit (void)
{
  g_autoptr(PosternTestDaemon) d = start_daemon ();
  g_autofree gchar *log = NULL;
  g_autofree gchar *err = NULL;

  postern_test_daemon_signal (d, SIGINT);
  g_assert_cmpint (postern_test_daemon_stop (d), ==, 0);
  log = postern_test_daemon_read_log (d);
  g_assert_nonnull (strstr (log, "plugin second stopped"));
  g_assert_nonnull (strstr (log, "plugin echo stopped"));
  /* second stops before echo: reverse start order. */
  g_assert_true (strstr (log, "plugin second stopped") < strstr (log, "plugin echo stopped"));
  g_assert_cmpint (postern_test_ctl (d, NULL, &err, "status", NULL), ==, 3);
}

static void
test_second_instance_refused (void)
{
  g_autoptr(PosternTestDaemon) d = start_daemon ();
  const gchar *argv[] = { postern_test_posternd (), "--confdirs", d->confdir, "--plugin-dir", plugin_dir (),
                          "--state-dir", d->state_dir, "--bus", d->bus_address, NULL };
  g_autofree gchar *err = NULL;

  g_assert_cmpint (postern_test_run (NULL, &err, argv), ==, 1);
  g_assert_nonnull (strstr (err, "already owned on this bus: is another posternd running?"));
  g_assert_cmpint (postern_test_daemon_stop (d), ==, 0);
}

static void
test_check_and_print_config (void)
{
  g_autoptr(PosternTestDaemon) d = postern_test_daemon_new (plugin_dir ());
  const gchar *check[] = { postern_test_posternd (), "--confdirs", d->confdir, "--plugin-dir", plugin_dir (),
                           "--check-config", NULL };
  const gchar *print[] = { postern_test_posternd (), "--confdirs", d->confdir, "--plugin-dir", plugin_dir (),
                           "--print-config", NULL };
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *printed = NULL;
  g_autofree gchar *expected_source = NULL;

  postern_test_daemon_write_dropin (d, "10-echo.conf", "[echo]\ngreeting = hello\n");
  g_assert_cmpint (postern_test_run (&out, NULL, check), ==, 0);
  g_assert_nonnull (strstr (out, "configuration OK"));
  g_assert_cmpint (postern_test_run (&printed, NULL, print), ==, 0);
  expected_source = g_strdup_printf ("greeting=hello\t# %s/10-echo.conf:2", d->confdir);
  g_assert_nonnull (strstr (printed, expected_source));
  g_assert_nonnull (strstr (printed, "# count=1\t(default)"));

  postern_test_daemon_write_dropin (d, "20-bad.conf", "[echo]\n\ncount = lots\n");
  g_assert_cmpint (postern_test_run (NULL, &err, check), ==, 1);
  g_assert_nonnull (strstr (err, "20-bad.conf:3: [echo] count: 'lots' is not a whole number"));
  postern_test_daemon_remove_dropin (d, "20-bad.conf");

  g_clear_pointer (&err, g_free);
  postern_test_daemon_write_dropin (d, "30-abi.conf", "[abimismatch]\n");
  g_assert_cmpint (postern_test_run (NULL, &err, check), ==, 1);
  g_assert_nonnull (strstr (err, "abimismatch.so: built for plugin ABI 2.0"));
}

typedef struct {
  GSocket *socket;
  GString *received;
} NotifyListener;

static void
notify_drain (NotifyListener *l)
{
  gchar buf[512];
  gssize n;

  while ((n = g_socket_receive (l->socket, buf, sizeof buf - 1, NULL, NULL)) > 0) {
    buf[n] = '\0';
    g_string_append_printf (l->received, "%s|", buf);
  }
}

static void
test_sd_notify (void)
{
  g_autoptr(PosternTestDaemon) d = postern_test_daemon_new (plugin_dir ());
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autofree gchar *path = g_build_filename (d->root, "notify.sock", NULL);
  NotifyListener l = { NULL, g_string_new (NULL) };
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  l.socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_DEFAULT, &error);
  g_assert_no_error (error);
  address = g_unix_socket_address_new (path);
  g_assert_true (g_socket_bind (l.socket, address, TRUE, &error));
  g_socket_set_blocking (l.socket, FALSE);
  d->notify_socket = g_strdup (path);
  postern_test_daemon_write_dropin (d, "10-echo.conf", "[echo]\n");
  g_assert_true (postern_test_daemon_start (d, &error));
  g_assert_no_error (error);

  postern_test_daemon_signal (d, SIGHUP);
  while (strstr (l.received->str, "RELOADING=1") == NULL && g_get_monotonic_time () < deadline) {
    notify_drain (&l);
    g_usleep (10 * 1000);
  }
  g_assert_cmpint (postern_test_daemon_stop (d), ==, 0);
  notify_drain (&l);
  g_test_message ("notifications: %s", l.received->str);
  g_assert_true (g_str_has_prefix (l.received->str, "READY=1|RELOADING=1\nMONOTONIC_USEC="));
  g_assert_true (g_str_has_suffix (l.received->str, "|READY=1|STOPPING=1|"));
  g_object_unref (l.socket);
  g_string_free (l.received, TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/posternd/busctl-and-gdbus", test_busctl_and_gdbus);
  g_test_add_func ("/posternd/posternctl", test_posternctl);
  g_test_add_func ("/posternd/posternctl-not-running", test_posternctl_not_running);
  g_test_add_func ("/posternd/monitor-and-sighup", test_monitor_and_sighup);
  g_test_add_func ("/posternd/sigterm-clean-exit", test_sigterm_clean_exit);
  g_test_add_func ("/posternd/second-instance-refused", test_second_instance_refused);
  g_test_add_func ("/posternd/check-and-print-config", test_check_and_print_config);
  g_test_add_func ("/posternd/sd-notify", test_sd_notify);
  return g_test_run ();
}
