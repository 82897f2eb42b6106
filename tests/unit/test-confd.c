/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* conf.d: the systemd drop-in rules (shadowing, masking, one global order),
 * key-by-key merge, and every error with its file and line. */
#include "config.h"

#include <glib/gstdio.h>
#include <unistd.h>

#include "postern-confd.h"
#include "postern-daemon-config.h"

typedef struct {
  gchar *root;
  gchar *dirs[4];
  GHashTable *modules;
} Fixture;

static void
write_file (const gchar *dir, const gchar *name, const gchar *contents)
{
  g_autofree gchar *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  const gchar *names[] = { "vendor", "run", "etc" };

  f->root = g_dir_make_tmp ("postern-confd-XXXXXX", NULL);
  g_assert_nonnull (f->root);
  for (guint i = 0; i < 3; i++) {
    f->dirs[i] = g_build_filename (f->root, names[i], NULL);
    g_assert_cmpint (g_mkdir (f->dirs[i], 0755), ==, 0);
  }
  f->dirs[3] = NULL;
  f->modules = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) postern_plugin_module_free);
}

static void
remove_tree (const gchar *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  if (dir == NULL) {
    g_unlink (path);
    return;
  }
  while ((name = g_dir_read_name (dir)) != NULL) {
    g_autofree gchar *child = g_build_filename (path, name, NULL);
    if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
      remove_tree (child);
    else
      g_unlink (child);
  }
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  remove_tree (f->root);
  g_free (f->root);
  for (guint i = 0; i < 3; i++)
    g_free (f->dirs[i]);
  g_hash_table_unref (f->modules);
}

static PosternDaemonConfig *
load (Fixture *f, GError **error)
{
  return postern_daemon_config_load ((const gchar *const *) f->dirs, g_getenv ("POSTERN_TEST_PLUGIN_DIR"),
                                     f->modules, error);
}

static void
test_global_order (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PosternConfd) confd = NULL;
  g_autofree gchar *expected_first = g_build_filename (f->dirs[2], "05-etc.conf", NULL);
  g_autofree gchar *expected_second = g_build_filename (f->dirs[0], "10-vendor.conf", NULL);
  g_autofree gchar *expected_third = g_build_filename (f->dirs[1], "20-run.conf", NULL);

  write_file (f->dirs[0], "10-vendor.conf", "[core]\n");
  write_file (f->dirs[1], "20-run.conf", "[core]\n");
  write_file (f->dirs[2], "05-etc.conf", "[core]\n");
  write_file (f->dirs[2], "README", "not a drop-in\n");
  write_file (f->dirs[2], "30-x.conf.bak", "not a drop-in\n");

  confd = postern_confd_load ((const gchar *const *) f->dirs, &error);
  g_assert_no_error (error);
  /* One order across all directories, by file name, not per directory. */
  g_assert_cmpuint (confd->files->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (confd->files, 0), ==, expected_first);
  g_assert_cmpstr (g_ptr_array_index (confd->files, 1), ==, expected_second);
  g_assert_cmpstr (g_ptr_array_index (confd->files, 2), ==, expected_third);
}

static void
test_shadowing (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PosternDaemonConfig) config = NULL;
  PosternPluginConfig *echo;

  write_file (f->dirs[0], "10-echo.conf", "[echo]\ngreeting = vendor\ncount = 3\n");
  write_file (f->dirs[2], "10-echo.conf", "[echo]\ngreeting = admin\n");
  config = load (f, &error);
  g_assert_no_error (error);
  echo = postern_daemon_config_find (config, "echo");
  g_assert_nonnull (echo);
  g_assert_cmpstr (postern_config_get_string (echo->config, "greeting"), ==, "admin");
  /* The vendor file is replaced whole: its count is gone. */
  g_assert_false (postern_config_is_set (echo->config, "count"));
  g_assert_cmpint (postern_config_get_integer (echo->config, "count"), ==, 1);
}

static void
test_masking (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PosternDaemonConfig) config = NULL;
  g_autofree gchar *link = g_build_filename (f->dirs[2], "10-echo.conf", NULL);

  write_file (f->dirs[0], "10-echo.conf", "[echo]\ngreeting = vendor\n");
  write_file (f->dirs[0], "20-second.conf", "[second]\n");
  write_file (f->dirs[1], "20-second.conf", "");
  g_assert_cmpint (symlink ("/dev/null", link), ==, 0);

  config = load (f, &error);
  g_assert_no_error (error);
  g_assert_null (postern_daemon_config_find (config, "echo"));
  g_assert_null (postern_daemon_config_find (config, "second"));
  g_assert_cmpuint (config->confd->files->len, ==, 0);
}

static void
test_key_merge (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PosternDaemonConfig) config = NULL;
  g_autofree gchar *source = NULL;
  PosternPluginConfig *echo;

  write_file (f->dirs[0], "10-echo.conf", "[echo]\ngreeting = first\ncount = 3\n");
  write_file (f->dirs[2], "50-echo-admin.conf", "# admin override\n[echo]\n\ngreeting = second\n");
  write_file (f->dirs[1], "90-off.conf", "[echo]\nenabled = false\n");
  config = load (f, &error);
  g_assert_no_error (error);
  echo = postern_daemon_config_find (config, "echo");
  g_assert_cmpstr (postern_config_get_string (echo->config, "greeting"), ==, "second");
  g_assert_cmpint (postern_config_get_integer (echo->config, "count"), ==, 3);
  source = g_strdup_printf ("%s/50-echo-admin.conf:4", f->dirs[2]);
  g_assert_cmpstr (postern_config_get_source (echo->config, "greeting"), ==, source);
  /* enabled=false in a later file turns the plugin off. */
  g_assert_false (echo->enabled);
}

static void
test_values (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PosternDaemonConfig) config = NULL;
  g_autoptr(GPtrArray) listen = NULL;
  g_autofree gchar *second = NULL;
  PosternPluginConfig *echo;

  write_file (f->dirs[0], "10-echo.conf",
              "[echo]\n  greeting =   spaced out  \nlisten = 127.0.0.1:3478; [::1]:3478 ;\n");
  config = load (f, &error);
  g_assert_no_error (error);
  echo = postern_daemon_config_find (config, "echo");
  g_assert_cmpstr (postern_config_get_string (echo->config, "greeting"), ==, "spaced out");
  listen = postern_config_get_address_list (echo->config, "listen");
  g_assert_cmpuint (listen->len, ==, 2);
  second = postern_address_to_string (g_ptr_array_index (listen, 1));
  g_assert_cmpstr (second, ==, "[::1]:3478");
}

typedef struct {
  const gchar *file;
  guint line;
  const gchar *message;
} BrokenCase;

static const BrokenCase broken_cases[] = {
  { "dup-group.conf", 4, "group [echo] is defined twice" },
  { "dup-key.conf", 4, "key 'greeting' is set twice" },
  { "key-before-group.conf", 2, "before any [group]" },
  { "bad-group.conf", 2, "bad group header" },
  { "no-equals.conf", 3, "expected 'key = value'" },
  { "bad-integer.conf", 2, "'many' is not a whole number" },
  { "bad-address.conf", 2, "'localhost' is not an IP address" },
  { "unknown-group.conf", 2, "unknown group [nosuchplugin]" },
  { "unknown-key.conf", 4, "unknown key 'colour' in [echo]" },
  { "bad-boolean.conf", 2, "'maybe' is not a boolean" },
  { "not-utf8.conf", 0, "not UTF-8" },
};

static void
test_broken_fixture (Fixture *f, gconstpointer data)
{
  const BrokenCase *c = data;
  g_autofree gchar *src = g_test_build_filename (G_TEST_DIST, "..", "fixtures", "confd-broken", c->file, NULL);
  g_autofree gchar *contents = NULL;
  g_autofree gchar *dst = g_build_filename (f->dirs[2], c->file, NULL);
  g_autofree gchar *prefix = g_strdup_printf ("%s:%u: ", dst, c->line);
  g_autoptr(GError) error = NULL;
  g_autoptr(PosternDaemonConfig) config = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (src, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (dst, contents, (gssize) len, NULL));
  config = load (f, &error);
  g_assert_null (config);
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG);
  g_test_message ("%s -> %s", c->file, error->message);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  g_assert_nonnull (strstr (error->message, c->message));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/confd/global-order", Fixture, NULL, fixture_set_up, test_global_order, fixture_tear_down);
  g_test_add ("/confd/shadowing", Fixture, NULL, fixture_set_up, test_shadowing, fixture_tear_down);
  g_test_add ("/confd/masking", Fixture, NULL, fixture_set_up, test_masking, fixture_tear_down);
  g_test_add ("/confd/key-merge", Fixture, NULL, fixture_set_up, test_key_merge, fixture_tear_down);
  g_test_add ("/confd/values", Fixture, NULL, fixture_set_up, test_values, fixture_tear_down);
  for (gsize i = 0; i < G_N_ELEMENTS (broken_cases); i++) {
    g_autofree gchar *path = g_strdup_printf ("/confd/broken/%s", broken_cases[i].file);
    g_test_add (path, Fixture, &broken_cases[i], fixture_set_up, test_broken_fixture, fixture_tear_down);
  }
  return g_test_run ();
}
