/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "postern-test-daemon.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

/* Generous limits: the CI machine is small and shared. They bound a hang,
 * they are not performance assertions. */
#define STARTUP_TIMEOUT_US (60 * G_USEC_PER_SEC)

/* A TCP port free on 127.0.0.1 right now (the kernel's pick). */
guint16
postern_test_free_tcp_port (void)
{
  g_autoptr(GSocket) s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (s, any, FALSE, NULL));
  bound = g_socket_get_local_address (s, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* Writes the certificate of the self-signed bundle posternd generated for
 * @fqdn to ROOT/ca.pem, for curl --cacert, and returns that path. */
gchar *
postern_test_daemon_save_ca (PosternTestDaemon *d, const gchar *fqdn)
{
  g_autofree gchar *name = g_strdup_printf ("selfsigned-%s.pem", fqdn);
  g_autofree gchar *bundle = g_build_filename (d->state_dir, "https", name, NULL);
  g_autofree gchar *pem = NULL;
  gchar *path = g_build_filename (d->root, "ca.pem", NULL);
  const gchar *begin, *end;

  g_assert_true (g_file_get_contents (bundle, &pem, NULL, NULL));
  begin = strstr (pem, "-----BEGIN CERTIFICATE-----");
  end = strstr (pem, "-----END CERTIFICATE-----\n");
  g_assert_nonnull (begin);
  g_assert_nonnull (end);
  end += strlen ("-----END CERTIFICATE-----\n");
  g_assert_true (g_file_set_contents (path, begin, end - begin, NULL));
  return path;
}

/* The start of a curl command line for posternd's HTTPS front on
 * @https_port: quiet but for errors, trusting @ca, and "localhost" (the
 * name the test certificates carry) pinned to 127.0.0.1 so curl never picks
 * ::1 by chance. Callers append their options and the URL. */
GPtrArray *
postern_test_curl_argv (const gchar *ca, guint16 https_port)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (argv, g_strdup ("curl"));
  g_ptr_array_add (argv, g_strdup ("-sS"));
  g_ptr_array_add (argv, g_strdup ("--cacert"));
  g_ptr_array_add (argv, g_strdup (ca));
  g_ptr_array_add (argv, g_strdup ("--resolve"));
  g_ptr_array_add (argv, g_strdup_printf ("localhost:%u:127.0.0.1", https_port));
  return argv;
}

const gchar *
postern_test_posternd (void)
{
  const gchar *path = g_getenv ("POSTERND");

  g_assert_nonnull (path);
  return path;
}

const gchar *
postern_test_posternctl (void)
{
  const gchar *path = g_getenv ("POSTERNCTL");

  g_assert_nonnull (path);
  return path;
}

/* Children die with the test: a failed assertion must not leave a daemon
 * holding the test's pipes open (meson would wait for it until timeout). */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

GSubprocessLauncher *
postern_test_launcher_new (GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  return launcher;
}

/* Starts the demo Conferencing Node ($DEMO_NODE) on a port of its choosing;
 * *address is "127.0.0.1:PORT" once it listens. */
GSubprocess *
postern_test_demo_node_start (gchar **address)
{
  g_autoptr(GSubprocessLauncher) launcher = postern_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autofree gchar *line = NULL;
  const gchar *path = g_getenv ("DEMO_NODE");
  const gchar *prefix = "listening on https://";
  const gchar *at;
  GSubprocess *node;

  g_assert_nonnull (path);
  node = g_subprocess_launcher_spawn (launcher, &error, path, "--listen", "127.0.0.1:0", NULL);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (node));
  line = g_data_input_stream_read_line (lines, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  at = strstr (line, prefix);
  g_assert_nonnull (at);
  at += strlen (prefix);
  *address = g_strndup (at, strcspn (at, "/"));
  return node;
}

static void
write_file (const gchar *path, const gchar *contents)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

PosternTestDaemon *
postern_test_daemon_new (const gchar *plugin_dir)
{
  g_autoptr(GError) error = NULL;
  PosternTestDaemon *d = g_new0 (PosternTestDaemon, 1);
  g_autofree gchar *bus_conf = NULL;
  g_autofree gchar *bus_conf_path = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  GInputStream *out;

  d->root = g_dir_make_tmp ("postern-it-XXXXXX", &error);
  g_assert_no_error (error);
  d->confdir = g_build_filename (d->root, "conf.d", NULL);
  d->state_dir = g_build_filename (d->root, "state", NULL);
  d->log_path = g_build_filename (d->root, "posternd.log", NULL);
  d->plugin_dir = g_strdup (plugin_dir);
  g_assert_cmpint (g_mkdir (d->confdir, 0755), ==, 0);

  /* A private bus: nothing else on it, gone with the test. */
  bus_conf = g_strdup_printf ("<busconfig><type>session</type><listen>unix:dir=%s</listen>"
                              "<auth>EXTERNAL</auth>"
                              "<policy context=\"default\"><allow send_destination=\"*\" eavesdrop=\"true\"/>"
                              "<allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>",
                              d->root);
  bus_conf_path = g_build_filename (d->root, "bus.conf", NULL);
  write_file (bus_conf_path, bus_conf);
  {
    g_autoptr(GSubprocessLauncher) launcher = postern_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                         G_SUBPROCESS_FLAGS_STDERR_SILENCE);
    d->dbus = g_subprocess_launcher_spawn (launcher, &error, "dbus-daemon", "--nofork", "--print-address=1",
                                           "--config-file", bus_conf_path, NULL);
  }
  g_assert_no_error (error);
  out = g_subprocess_get_stdout_pipe (d->dbus);
  in = g_data_input_stream_new (out);
  d->bus_address = g_data_input_stream_read_line (in, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (d->bus_address);
  g_strstrip (d->bus_address);
  d->connection = g_dbus_connection_new_for_address_sync (d->bus_address,
                                                          G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                          G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                          NULL, NULL, &error);
  g_assert_no_error (error);
  return d;
}

void
postern_test_daemon_write_dropin (PosternTestDaemon *d, const gchar *name, const gchar *contents)
{
  g_autofree gchar *path = g_build_filename (d->confdir, name, NULL);

  write_file (path, contents);
}

void
postern_test_daemon_remove_dropin (PosternTestDaemon *d, const gchar *name)
{
  g_autofree gchar *path = g_build_filename (d->confdir, name, NULL);

  g_assert_cmpint (g_unlink (path), ==, 0);
}

static gboolean
name_has_owner (PosternTestDaemon *d)
{
  g_autoptr(GVariant) reply = NULL;
  gboolean owned = FALSE;

  reply = g_dbus_connection_call_sync (d->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", "org.postern.Postern1"), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

static void
posternd_exited_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PosternTestDaemon *d = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  d->exited = TRUE;
}

/* Starts posternd and returns once it reports running (or has exited). */
gboolean
postern_test_daemon_start (PosternTestDaemon *d, GError **error)
{
  g_autoptr(GSubprocessLauncher) launcher = postern_test_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  gint64 deadline = g_get_monotonic_time () + STARTUP_TIMEOUT_US;
  g_autofree gchar *log = NULL;

  /* GLib prints debug messages on stdout: both go to the log, never into
   * the test's TAP stream. */
  g_subprocess_launcher_set_stdout_file_path (launcher, d->log_path);
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "NOTIFY_SOCKET");
  if (d->notify_socket != NULL)
    g_subprocess_launcher_setenv (launcher, "NOTIFY_SOCKET", d->notify_socket, TRUE);
  /* The previous run's log must not satisfy the wait below. */
  g_unlink (d->log_path);
  d->exited = FALSE;
  d->posternd = g_subprocess_launcher_spawn (launcher, error, postern_test_posternd (),
                                             "--confdirs", d->confdir, "--plugin-dir", d->plugin_dir,
                                             "--state-dir", d->state_dir, "--bus", d->bus_address, NULL);
  if (d->posternd == NULL)
    return FALSE;
  g_subprocess_wait_async (d->posternd, NULL, posternd_exited_cb, d);
  while (!d->exited && g_get_monotonic_time () < deadline) {
    g_autofree gchar *text = NULL;

    while (g_main_context_iteration (NULL, FALSE))
      ;
    text = postern_test_daemon_read_log (d);
    if (strstr (text, " running") != NULL && name_has_owner (d))
      return TRUE;
    g_usleep (20 * 1000);
  }
  log = postern_test_daemon_read_log (d);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "posternd did not start:\n%s", log);
  return FALSE;
}

/* SIGTERM, then the exit status (-1 if it died of a signal). */
gint
postern_test_daemon_stop (PosternTestDaemon *d)
{
  gint64 deadline = g_get_monotonic_time () + STARTUP_TIMEOUT_US;

  if (d->posternd == NULL)
    return -1;
  if (!d->exited)
    g_subprocess_send_signal (d->posternd, SIGTERM);
  while (!d->exited && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (d->exited);
  /* The bus drops the name a moment after the process is gone; the next
   * start must not mistake the old owner for the new daemon. */
  while (name_has_owner (d) && g_get_monotonic_time () < deadline)
    g_usleep (10 * 1000);
  return g_subprocess_get_if_exited (d->posternd) ? g_subprocess_get_exit_status (d->posternd) : -1;
}

void
postern_test_daemon_signal (PosternTestDaemon *d, gint signum)
{
  g_subprocess_send_signal (d->posternd, signum);
}

gchar *
postern_test_daemon_read_log (PosternTestDaemon *d)
{
  gchar *contents = NULL;

  if (!g_file_get_contents (d->log_path, &contents, NULL, NULL))
    return g_strdup ("");
  return contents;
}

/* Waits until posternd's log contains @fragment; FALSE after a long bound. */
gboolean
postern_test_daemon_wait_log (PosternTestDaemon *d, const gchar *fragment)
{
  gint64 deadline = g_get_monotonic_time () + STARTUP_TIMEOUT_US;

  while (g_get_monotonic_time () < deadline) {
    g_autofree gchar *log = postern_test_daemon_read_log (d);
    if (strstr (log, fragment) != NULL)
      return TRUE;
    while (g_main_context_iteration (NULL, FALSE))
      ;
    g_usleep (20 * 1000);
  }
  return FALSE;
}

gint
postern_test_run (gchar **out, gchar **err, const gchar *const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = postern_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) p = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_autofree gchar *o = NULL;
  g_autofree gchar *e = NULL;

  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (p, NULL, NULL, &o, &e, &error);
  g_assert_no_error (error);
  g_test_message ("$ %s%s%s%s", argv[0], argv[1] ? " " : "", argv[1] ? argv[1] : "", argv[1] && argv[2] ? " ..." : "");
  if (out != NULL)
    *out = g_steal_pointer (&o);
  if (err != NULL)
    *err = g_steal_pointer (&e);
  return g_subprocess_get_if_exited (p) ? g_subprocess_get_exit_status (p) : -1;
}

/* posternctl --bus ADDRESS ARGS... */
gint
postern_test_ctl (PosternTestDaemon *d, gchar **out, gchar **err, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  va_list args;
  const gchar *arg;

  g_ptr_array_add (argv, (gpointer) postern_test_posternctl ());
  g_ptr_array_add (argv, (gpointer) "--bus");
  g_ptr_array_add (argv, d->bus_address);
  va_start (args, err);
  while ((arg = va_arg (args, const gchar *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  return postern_test_run (out, err, (const gchar *const *) argv->pdata);
}

void
postern_test_daemon_free (PosternTestDaemon *d)
{
  g_autofree gchar *cmd = NULL;

  if (d->posternd != NULL && !d->exited) {
    g_subprocess_force_exit (d->posternd);
    /* The pending wait callback writes into d: let it run first. */
    while (!d->exited)
      g_main_context_iteration (NULL, TRUE);
  }
  g_clear_object (&d->posternd);
  g_clear_object (&d->connection);
  if (d->dbus != NULL) {
    g_subprocess_send_signal (d->dbus, SIGTERM);
    g_subprocess_wait (d->dbus, NULL, NULL);
    g_clear_object (&d->dbus);
  }
  if (g_getenv ("POSTERN_TEST_KEEP") == NULL) {
    cmd = g_strdup_printf ("rm -rf '%s'", d->root);
    g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL);
  }
  g_free (d->root);
  g_free (d->confdir);
  g_free (d->state_dir);
  g_free (d->log_path);
  g_free (d->bus_address);
  g_free (d->plugin_dir);
  g_free (d->notify_socket);
  g_free (d);
}
