/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The plugin API as a third party sees it: install the project into a
 * temporary root, relocate postern-1.pc's prefix there, build a plugin with
 * `cc $(pkg-config --cflags --libs postern-1)` alone, and have the installed
 * posternd load it from a drop-in. */
#include <glib/gstdio.h>
#include <string.h>

#include "postern-test-daemon.h"

static gchar *
find_file (const gchar *dir, const gchar *name)
{
  g_autofree gchar *cmd = g_strdup_printf ("find '%s' -name '%s' -print -quit", dir, name);
  g_autofree gchar *out = NULL;

  g_assert_true (g_spawn_command_line_sync (cmd, &out, NULL, NULL, NULL));
  g_strstrip (out);
  g_assert_cmpstr (out, !=, "");
  return g_steal_pointer (&out);
}

static void
test_out_of_tree_plugin (void)
{
  g_autoptr(PosternTestDaemon) d = postern_test_daemon_new ("/nonexistent");
  g_autoptr(GError) error = NULL;
  g_autofree gchar *destdir = g_build_filename (d->root, "install", NULL);
  g_autofree gchar *plugins = g_build_filename (d->root, "plugins", NULL);
  g_autofree gchar *pc = NULL;
  g_autofree gchar *pc_text = NULL;
  g_autofree gchar *prefix = NULL;
  g_autofree gchar *relocated = NULL;
  g_autofree gchar *pcdir = NULL;
  g_autofree gchar *installed_posternd = NULL;
  g_autofree gchar *libdir = NULL;
  g_autofree gchar *cmd = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *source = g_test_build_filename (G_TEST_DIST, "..", "fixtures", "out-of-tree", "hello.c", NULL);
  g_autofree gchar *plugin_list = NULL;
  const gchar *install[] = { g_getenv ("MESON"), "install", "-C", g_getenv ("POSTERN_BUILD_ROOT"), "--destdir",
                             destdir, "--no-rebuild", "--quiet", NULL };
  gint status;

  g_assert_cmpint (postern_test_run (NULL, NULL, install), ==, 0);
  pc = find_file (destdir, "postern-1.pc");
  g_assert_true (g_file_get_contents (pc, &pc_text, NULL, NULL));
  /* prefix=/usr/local -> prefix=DESTDIR/usr/local; everything else is relative to it. */
  g_assert_true (g_str_has_prefix (pc_text, "prefix="));
  prefix = g_strndup (pc_text + strlen ("prefix="), strcspn (pc_text + strlen ("prefix="), "\n"));
  relocated = g_strdup_printf ("prefix=%s%s%s", destdir, prefix, pc_text + strlen ("prefix=") + strlen (prefix));
  g_assert_true (g_file_set_contents (pc, relocated, -1, NULL));
  pcdir = g_path_get_dirname (pc);
  libdir = g_path_get_dirname (pcdir);

  g_assert_cmpint (g_mkdir (plugins, 0755), ==, 0);
  cmd = g_strdup_printf ("sh -c 'PKG_CONFIG_PATH=%s cc -shared -fPIC -Wall -Werror -o %s/hello.so %s "
                         "$(PKG_CONFIG_PATH=%s pkg-config --cflags --libs postern-1)'",
                         pcdir, plugins, source, pcdir);
  g_test_message ("%s", cmd);
  g_assert_true (g_spawn_command_line_sync (cmd, &out, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  installed_posternd = find_file (destdir, "posternd");
  g_setenv ("POSTERND", installed_posternd, TRUE);
  g_setenv ("LD_LIBRARY_PATH", libdir, TRUE);
  g_free (d->plugin_dir);
  d->plugin_dir = g_strdup (plugins);
  postern_test_daemon_write_dropin (d, "50-hello.conf", "[hello]\nname = third party\n");
  g_assert_true (postern_test_daemon_start (d, &error));
  g_assert_no_error (error);
  g_assert_true (postern_test_daemon_wait_log (d, "hello, third party"));
  g_assert_cmpint (postern_test_ctl (d, &plugin_list, NULL, "plugins", NULL), ==, 0);
  g_assert_true (g_regex_match_simple ("^hello +running +0\\.0\\.1 +Out-of-tree example plugin$", plugin_list,
                                       G_REGEX_MULTILINE, 0));
  g_assert_cmpint (postern_test_daemon_stop (d), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/plugin-api/out-of-tree-plugin", test_out_of_tree_plugin);
  return g_test_run ();
}
