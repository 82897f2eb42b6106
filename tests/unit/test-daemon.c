/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The engine in-process, with the test plugins: start order, reload applied,
 * refused or invalid (old config stays), plugins turned off by a later
 * drop-in, failing plugins, fail-on-plugin-error, draining on stop. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "postern-daemon.h"

typedef struct {
  gchar *root;
  gchar *vendor;
  gchar *etc;
  gchar *state;
  PosternDaemon *daemon;
  GPtrArray *events;
} Fixture;

static void
event_cb (PosternEventBus *bus, const gchar *name, GVariant *payload, gpointer user_data)
{
  Fixture *f = user_data;
  g_autofree gchar *text = g_variant_print (payload, FALSE);

  g_ptr_array_add (f->events, g_strdup_printf ("%s %s", name, text));
}

static void
put (const gchar *dir, const gchar *name, const gchar *contents)
{
  g_autofree gchar *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
}

static void
drop (const gchar *dir, const gchar *name)
{
  g_autofree gchar *path = g_build_filename (dir, name, NULL);

  g_assert_cmpint (g_unlink (path), ==, 0);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->root = g_dir_make_tmp ("postern-daemon-XXXXXX", NULL);
  f->vendor = g_build_filename (f->root, "vendor", NULL);
  f->etc = g_build_filename (f->root, "etc", NULL);
  f->state = g_build_filename (f->root, "state", NULL);
  g_assert_cmpint (g_mkdir (f->vendor, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (f->etc, 0755), ==, 0);
  f->events = g_ptr_array_new_with_free_func (g_free);
  put (f->vendor, "10-echo.conf", "[echo]\ngreeting = one\n");
  put (f->vendor, "20-second.conf", "[second]\nvalue = a\n");
}

static void
create_daemon (Fixture *f)
{
  const gchar *dirs[] = { f->vendor, f->etc, NULL };

  f->daemon = postern_daemon_new (dirs, g_getenv ("POSTERN_TEST_PLUGIN_DIR"), f->state);
  postern_event_bus_subscribe (postern_daemon_get_event_bus (f->daemon), NULL, event_cb, f, NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_autofree gchar *cmd = g_strdup_printf ("rm -rf '%s'", f->root);

  if (f->daemon != NULL)
    postern_daemon_stop (f->daemon);
  g_clear_object (&f->daemon);
  g_ptr_array_unref (f->events);
  g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL));
  g_free (f->root);
  g_free (f->vendor);
  g_free (f->etc);
  g_free (f->state);
}

static gboolean
saw_event (Fixture *f, const gchar *text)
{
  postern_event_bus_flush (postern_daemon_get_event_bus (f->daemon));
  for (guint i = 0; i < f->events->len; i++) {
    if (g_str_equal (g_ptr_array_index (f->events, i), text))
      return TRUE;
  }
  return FALSE;
}

/* "name:state" for each plugin, in list order. */
static gchar *
plugin_states (Fixture *f)
{
  g_autoptr(GVariant) plugins = postern_daemon_dup_plugins (f->daemon);
  g_autoptr(GString) out = g_string_new (NULL);
  GVariantIter iter;
  const gchar *name, *version, *state, *desc;

  g_variant_iter_init (&iter, plugins);
  while (g_variant_iter_next (&iter, "(&s&s&s&s)", &name, &version, &state, &desc))
    g_string_append_printf (out, "%s%s:%s", out->len ? " " : "", name, state);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
assert_states (Fixture *f, const gchar *expected)
{
  g_autofree gchar *states = plugin_states (f);

  g_assert_cmpstr (states, ==, expected);
}

static void
test_start (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  create_daemon (f);
  g_assert_true (postern_daemon_start (f->daemon, NULL, &error));
  g_assert_no_error (error);
  assert_states (f, "echo:running second:running");
  g_assert_cmpstr (postern_daemon_get_state (f->daemon), ==, "running");
  g_assert_true (saw_event (f, "echo.started ('one',)"));
  g_assert_true (saw_event (f, "plugin.state ('echo', 'running')"));
  g_assert_true (g_file_test (f->state, G_FILE_TEST_IS_DIR));
}

static void
test_reload_applies (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  create_daemon (f);
  g_assert_true (postern_daemon_start (f->daemon, NULL, &error));
  put (f->etc, "50-echo.conf", "[echo]\ngreeting = two\n");
  g_assert_true (postern_daemon_reload (f->daemon, &error));
  g_assert_no_error (error);
  g_assert_true (saw_event (f, "echo.reloaded ('two',)"));
  g_assert_true (saw_event (f, "config.reloaded (true, 'configuration reloaded')"));
  /* second's config did not change: it was not asked (it has no reload hook). */
  assert_states (f, "echo:running second:running");
}

static void
test_reload_invalid_keeps_old (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *bad = NULL;

  create_daemon (f);
  g_assert_true (postern_daemon_start (f->daemon, NULL, &error));
  put (f->etc, "50-echo.conf", "[echo]\ngreeting = two\ncount = 1000\n");
  bad = g_strdup_printf ("%s/50-echo.conf:3: [echo] count: 1000 is out of range 0..100", f->etc);
  g_assert_false (postern_daemon_reload (f->daemon, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG);
  g_assert_cmpstr (error->message, ==, bad);
  g_assert_false (saw_event (f, "echo.reloaded ('two',)"));
  assert_states (f, "echo:running second:running");

  /* Fixing the file makes the next reload apply. */
  g_clear_error (&error);
  put (f->etc, "50-echo.conf", "[echo]\ngreeting = three\n");
  g_assert_true (postern_daemon_reload (f->daemon, &error));
  g_assert_true (saw_event (f, "echo.reloaded ('three',)"));
}

static void
test_reload_refused (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  create_daemon (f);
  g_assert_true (postern_daemon_start (f->daemon, NULL, &error));
  put (f->etc, "50-echo.conf", "[echo]\ngreeting = two\nrefuse-reload = true\n");
  g_assert_false (postern_daemon_reload (f->daemon, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_REFUSED);
  g_assert_nonnull (strstr (error->message, "refuse-reload is set"));
  assert_states (f, "echo:running second:running");

  /* A plugin without a reload hook refuses every change. */
  g_clear_error (&error);
  drop (f->etc, "50-echo.conf");
  put (f->etc, "60-second.conf", "[second]\nvalue = b\n");
  g_assert_false (postern_daemon_reload (f->daemon, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_REFUSED);
  assert_states (f, "echo:running second:running");
}

static void
test_disable_and_enable (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  create_daemon (f);
  g_assert_true (postern_daemon_start (f->daemon, NULL, &error));
  put (f->etc, "90-echo-off.conf", "[echo]\nenabled = false\n");
  g_assert_true (postern_daemon_reload (f->daemon, &error));
  g_assert_no_error (error);
  assert_states (f, "echo:stopped second:running");
  g_assert_true (saw_event (f, "echo.drained ('one',)"));

  drop (f->etc, "90-echo-off.conf");
  g_assert_true (postern_daemon_reload (f->daemon, &error));
  g_assert_no_error (error);
  assert_states (f, "echo:running second:running");
}

static void
test_failing_plugin (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  put (f->etc, "50-echo.conf", "[echo]\nfail-start = true\n");
  put (f->etc, "60-abi.conf", "[abimismatch]\n");
  create_daemon (f);
  g_assert_true (postern_daemon_start (f->daemon, NULL, &error));
  g_assert_no_error (error);
  /* The others keep running. */
  assert_states (f, "echo:failed second:running abimismatch:failed");
}

static void
test_fail_on_plugin_error (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  put (f->etc, "00-core.conf", "[core]\nfail-on-plugin-error = true\n");
  put (f->etc, "50-echo.conf", "[echo]\nfail-start = true\n");
  create_daemon (f);
  g_assert_false (postern_daemon_start (f->daemon, NULL, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "plugin echo: told to fail");
}

static void
test_stop_drains (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  put (f->etc, "50-echo.conf", "[echo]\ndrain-ms = 200\n");
  create_daemon (f);
  g_assert_true (postern_daemon_start (f->daemon, NULL, &error));
  postern_daemon_stop (f->daemon);
  /* stop returned only after the plugin released its hold. */
  g_assert_true (saw_event (f, "echo.drained ('one',)"));
  g_assert_true (saw_event (f, "plugin.state ('second', 'stopped')"));
  assert_states (f, "echo:stopped second:stopped");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* Plugin logs go to stderr, not into the TAP stream on stdout. */
  g_log_writer_default_set_use_stderr (TRUE);
  /* Refusals log warnings by design; the tests check the errors and states. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/daemon/start", test_start);
  ADD ("/daemon/reload-applies", test_reload_applies);
  ADD ("/daemon/reload-invalid-keeps-old", test_reload_invalid_keeps_old);
  ADD ("/daemon/reload-refused", test_reload_refused);
  ADD ("/daemon/disable-and-enable", test_disable_and_enable);
  ADD ("/daemon/failing-plugin", test_failing_plugin);
  ADD ("/daemon/fail-on-plugin-error", test_fail_on_plugin_error);
  ADD ("/daemon/stop-drains", test_stop_drains);
#undef ADD
  return g_test_run ();
}
