/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The plugin loader refuses, naming the file: ABI mismatches, files without
 * the descriptor symbol, incomplete descriptors, unsafe permissions; and it
 * orders plugins by declared dependencies. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "postern-plugin-loader.h"

static const gchar *
plugin_dir (void)
{
  return g_getenv ("POSTERN_TEST_PLUGIN_DIR");
}

static void
expect_refusal (const gchar *dir, const gchar *name, gint code, const gchar *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PosternPluginModule) module = postern_plugin_loader_load (dir, name, &error);
  g_autofree gchar *path = postern_plugin_loader_path_for (dir, name);

  g_assert_null (module);
  g_assert_error (error, POSTERN_ERROR, code);
  g_test_message ("%s -> %s", name, error->message);
  /* Every refusal names the file. */
  g_assert_true (g_str_has_prefix (error->message, path));
  g_assert_nonnull (strstr (error->message, fragment));
}

static void
test_good (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PosternPluginModule) module = postern_plugin_loader_load (plugin_dir (), "echo", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (module->descriptor->name, ==, "echo");
  g_assert_cmpuint (module->descriptor->abi_major, ==, POSTERN_PLUGIN_ABI_MAJOR);
}

static void
test_abi_mismatch (void)
{
  expect_refusal (plugin_dir (), "abimismatch", POSTERN_ERROR_ABI_MISMATCH, "built for plugin ABI 2.0");
}

static void
test_missing_symbol (void)
{
  expect_refusal (plugin_dir (), "nosymbol", POSTERN_ERROR_BAD_PLUGIN, "no 'postern_plugin_descriptor' symbol");
}

static void
test_incomplete (void)
{
  expect_refusal (plugin_dir (), "incomplete", POSTERN_ERROR_BAD_PLUGIN, "incomplete plugin descriptor: no start");
}

static void
test_missing_file (void)
{
  expect_refusal (plugin_dir (), "nosuchplugin", POSTERN_ERROR_NOT_FOUND, "No such file");
}

static void
test_name_mismatch (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("postern-loader-XXXXXX", NULL);
  g_autofree gchar *src = postern_plugin_loader_path_for (plugin_dir (), "second");
  g_autofree gchar *dst = postern_plugin_loader_path_for (dir, "renamed");
  g_autofree gchar *contents = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (src, &contents, &len, NULL));
  g_assert_true (g_file_set_contents_full (dst, contents, (gssize) len, G_FILE_SET_CONTENTS_NONE, 0755, NULL));
  expect_refusal (dir, "renamed", POSTERN_ERROR_BAD_PLUGIN, "descriptor names the plugin 'second'");
  g_unlink (dst);
  g_rmdir (dir);
}

static gchar *
copy_plugin (const gchar *dir, const gchar *as)
{
  g_autofree gchar *src = postern_plugin_loader_path_for (plugin_dir (), "echo");
  gchar *dst = postern_plugin_loader_path_for (dir, as);
  g_autofree gchar *contents = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (src, &contents, &len, NULL));
  g_assert_true (g_file_set_contents_full (dst, contents, (gssize) len, G_FILE_SET_CONTENTS_NONE, 0755, NULL));
  return dst;
}

static void
test_unsafe_permissions (void)
{
  g_autofree gchar *dir = NULL;
  g_autofree gchar *path = NULL;

  if (geteuid () != 0) {
    g_test_skip ("the permission checks apply only when posternd runs as root");
    return;
  }
  dir = g_dir_make_tmp ("postern-loader-XXXXXX", NULL);
  path = copy_plugin (dir, "echo");
  g_assert_cmpint (g_chmod (path, 0775), ==, 0);
  expect_refusal (dir, "echo", POSTERN_ERROR_PERMISSION_DENIED, "writable by group or others (mode 0775)");
  g_assert_cmpint (g_chmod (path, 0757), ==, 0);
  expect_refusal (dir, "echo", POSTERN_ERROR_PERMISSION_DENIED, "writable by group or others");
  g_assert_cmpint (g_chmod (path, 0755), ==, 0);
  g_assert_cmpint (chown (path, 65534, 65534), ==, 0);
  expect_refusal (dir, "echo", POSTERN_ERROR_PERMISSION_DENIED, "not owned by root (uid 65534)");
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_start_order (void)
{
  g_autoptr(GPtrArray) modules = g_ptr_array_new_with_free_func ((GDestroyNotify) postern_plugin_module_free);
  g_autoptr(GPtrArray) ordered = NULL;
  g_autoptr(GError) error = NULL;

  /* "second" sorts after "echo" by name anyway; it also declares it, and
   * the order must not depend on the order the modules were found in. */
  g_ptr_array_add (modules, postern_plugin_loader_load (plugin_dir (), "second", &error));
  g_ptr_array_add (modules, postern_plugin_loader_load (plugin_dir (), "echo", &error));
  g_assert_no_error (error);
  ordered = postern_plugin_loader_order (modules, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ordered->len, ==, 2);
  g_assert_cmpstr (((PosternPluginModule *) g_ptr_array_index (ordered, 0))->descriptor->name, ==, "echo");
  g_assert_cmpstr (((PosternPluginModule *) g_ptr_array_index (ordered, 1))->descriptor->name, ==, "second");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/plugin-loader/good", test_good);
  g_test_add_func ("/plugin-loader/abi-mismatch", test_abi_mismatch);
  g_test_add_func ("/plugin-loader/missing-symbol", test_missing_symbol);
  g_test_add_func ("/plugin-loader/incomplete", test_incomplete);
  g_test_add_func ("/plugin-loader/missing-file", test_missing_file);
  g_test_add_func ("/plugin-loader/name-mismatch", test_name_mismatch);
  g_test_add_func ("/plugin-loader/unsafe-permissions", test_unsafe_permissions);
  g_test_add_func ("/plugin-loader/start-order", test_start_order);
  return g_test_run ();
}
