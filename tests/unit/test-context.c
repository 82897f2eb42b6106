/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PosternContext: state dir, object path, fqdn fallback, peer config lookup, hold. */
#include "config.h"

#include <glib/gstdio.h>

#include "postern-context-private.h"
#include "postern-daemon-config.h"

static const PosternConfigKey peer_keys[] = {
  { "port", POSTERN_CONFIG_TYPE_INTEGER, "3478", "a port" },
  { NULL }
};

static PosternConfig *
lookup (const gchar *name, gpointer user_data)
{
  return g_str_equal (name, "turn") ? user_data : NULL;
}

static void
test_context (void)
{
  g_autofree gchar *root = g_dir_make_tmp ("postern-ctx-XXXXXX", NULL);
  g_autoptr(PosternConfig) core = postern_config_new ("core", postern_core_config_keys);
  g_autoptr(PosternConfig) mine = postern_config_new ("https-proxy", peer_keys);
  g_autoptr(PosternConfig) peer = postern_config_new ("turn", peer_keys);
  g_autoptr(PosternEventBus) bus = postern_event_bus_new ();
  g_autoptr(PosternContext) ctx = postern_context_new ("https-proxy", mine, core, bus, root, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *expected_dir = g_build_filename (root, "https-proxy", NULL);
  const gchar *dir;
  GStatBuf st;

  g_assert_cmpstr (postern_context_get_object_path (ctx), ==, "/org/postern/Postern1/https_proxy");
  dir = postern_context_get_state_dir (ctx, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dir, ==, expected_dir);
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);

  g_assert_cmpstr (postern_context_get_fqdn (ctx), ==, g_get_host_name ());
  g_assert_true (postern_config_set_value (core, "fqdn", "proxy.example.com", NULL, NULL));
  g_assert_cmpstr (postern_context_get_fqdn (ctx), ==, "proxy.example.com");

  g_assert_null (postern_context_get_plugin_config (ctx, "turn"));
  postern_context_set_plugin_lookup (ctx, lookup, peer);
  g_assert_true (postern_context_get_plugin_config (ctx, "turn") == peer);
  g_assert_null (postern_context_get_plugin_config (ctx, "stun"));

  g_assert_false (postern_context_is_held (ctx));
  postern_context_hold (ctx);
  g_assert_true (postern_context_is_held (ctx));
  postern_context_release (ctx);
  g_assert_false (postern_context_is_held (ctx));

  /* Without a D-Bus connection, exporting is a successful no-op. */
  g_assert_null (postern_context_get_dbus_connection (ctx));
  g_rmdir (dir);
  g_rmdir (root);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/context/basics", test_context);
  return g_test_run ();
}
