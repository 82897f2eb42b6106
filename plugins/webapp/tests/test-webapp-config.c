/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `path=` and `brandings=`: what --check-config accepts and the mounts
 * they turn into. */
#include "webapp-config.h"

static void
test_path (void)
{
  static const gchar *const good[] = { "/webapp/", "/a/", "/apps/meet-2_x/", NULL };
  static const gchar *const bad[] = { "", "/", "//", "webapp/", "/webapp", "/web app/", "/../", "/./",
                                      "/a//b/", "/%2e/", "/a\\b/", "/ü/", NULL };

  for (gsize i = 0; good[i] != NULL; i++)
    g_assert_true (webapp_config_check_path (good[i], NULL));
  for (gsize i = 0; bad[i] != NULL; i++) {
    g_autoptr(GError) error = NULL;
    g_assert_false (webapp_config_check_path (bad[i], &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  }
}

static void
test_brandings (void)
{
  static const gchar *const good[] = { "", ";", "acme=/srv/acme", " acme=/srv/acme ; webapp2=/srv/w2;", NULL };
  static const gchar *const bad[] = { "acme", "=/srv", "ac.me=/srv", "acme=srv", "acme=", "a/b=/srv",
                                      "a=/x;a=/y", "acme=/srv;bad name=/x", NULL };

  for (gsize i = 0; good[i] != NULL; i++)
    g_assert_true (webapp_config_check_brandings (good[i], NULL));
  for (gsize i = 0; bad[i] != NULL; i++) {
    g_autoptr(GError) error = NULL;
    g_assert_false (webapp_config_check_brandings (bad[i], &error));
    g_assert_nonnull (error);
  }
}

static void
test_mounts (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) mounts = webapp_config_mounts ("/webapp/", "acme=/srv/acme; webapp2=/srv/w2", &error);
  g_autoptr(GPtrArray) clash = NULL;
  WebappMountSpec *m;

  g_assert_no_error (error);
  g_assert_cmpuint (mounts->len, ==, 3);
  m = g_ptr_array_index (mounts, 0);
  g_assert_cmpstr (m->prefix, ==, "/webapp/");
  g_assert_null (m->overlay);
  m = g_ptr_array_index (mounts, 1);
  g_assert_cmpstr (m->prefix, ==, "/acme/");
  g_assert_cmpstr (m->overlay, ==, "/srv/acme");
  m = g_ptr_array_index (mounts, 2);
  g_assert_cmpstr (m->prefix, ==, "/webapp2/");
  g_assert_cmpstr (m->overlay, ==, "/srv/w2");

  /* A branding may not take the base's own prefix. */
  clash = webapp_config_mounts ("/acme/", "acme=/srv/acme", &error);
  g_assert_null (clash);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/webapp/config/path", test_path);
  g_test_add_func ("/webapp/config/brandings", test_brandings);
  g_test_add_func ("/webapp/config/mounts", test_mounts);
  return g_test_run ();
}
