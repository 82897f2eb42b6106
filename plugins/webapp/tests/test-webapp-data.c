/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Web App and example branding we ship in data/, served through the
 * resolver as the plugin will serve them. */
#include "webapp-mime.h"
#include "webapp-resolver.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

static gchar *base_dir;
static gchar *branding_dir;

static GPtrArray *
list_files (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_assert_cmpuint (names->len, >, 0);
  return names;
}

static gchar *
read_served (WebappResolver *r, const char *path, guint *root_index)
{
  g_auto (WebappFile) file = WEBAPP_FILE_INIT;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *content = g_malloc0 ((gsize) 1 << 16);
  ssize_t n;
  int fd;

  if (!webapp_resolver_open (r, path, strlen (path), &file, &error))
    g_error ("%s: %s", path, error->message);
  g_assert_cmpint (file.st.st_size, <, 1 << 16);
  fd = webapp_file_open_readable (&file, &error);
  g_assert_no_error (error);
  n = read (fd, content, ((gsize) 1 << 16) - 1);
  close (fd);
  g_assert_cmpint (n, ==, file.st.st_size);
  if (root_index != NULL)
    *root_index = file.root_index;
  return g_steal_pointer (&content);
}

static WebappResolver *
overlay_resolver (void)
{
  const char *roots[] = { branding_dir, base_dir, NULL };
  g_autoptr (GError) error = NULL;
  WebappResolver *r = webapp_resolver_new (roots, &error);

  g_assert_no_error (error);
  return r;
}

static void
test_base_serves (void)
{
  const char *roots[] = { base_dir, NULL };
  g_autoptr (WebappResolver) r = webapp_resolver_new (roots, NULL);
  g_autoptr (GPtrArray) names = list_files (base_dir);
  g_autofree gchar *index = read_served (r, "", NULL);

  g_assert_nonnull (strstr (index, "<!DOCTYPE html>"));
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];
      g_autofree gchar *content = read_served (r, name, NULL);

      g_assert_cmpstr (webapp_mime_content_type (name), !=, "application/octet-stream");
      g_assert_cmpuint (strlen (content), >, 0);
    }
}

static void
test_branding_overlays (void)
{
  g_autoptr (WebappResolver) r = overlay_resolver ();
  g_autoptr (GPtrArray) names = list_files (branding_dir);
  guint root = 99;
  g_autofree gchar *manifest = NULL;
  g_autofree gchar *base_manifest = NULL;

  g_free (read_served (r, "", &root));
  g_assert_cmpuint (root, ==, 1);
  /* A branding carries only what it changes: each of its files replaces
   * one of the base app's. */
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];
      g_autofree gchar *in_base = g_build_filename (base_dir, name, NULL);

      g_free (read_served (r, name, &root));
      if (!g_file_test (in_base, G_FILE_TEST_IS_REGULAR))
        g_error ("branding file %s replaces nothing in the base app", name);
      g_assert_cmpuint (root, ==, 0);
    }
  manifest = read_served (r, "manifest.json", NULL);
  {
    const char *roots[] = { base_dir, NULL };
    g_autoptr (WebappResolver) base = webapp_resolver_new (roots, NULL);
    base_manifest = read_served (base, "manifest.json", NULL);
  }
  g_assert_cmpstr (manifest, !=, base_manifest);
  g_assert_true (g_regex_match_simple ("\"name\"\\s*:\\s*\"[^\"]+\"", manifest, 0, 0));
  g_assert_true (g_regex_match_simple ("\"theme_color\"\\s*:\\s*\"#[0-9a-fA-F]{6}\"", manifest, 0, 0));
}

/* Every relative href/src of index.html is served, in the base and branded. */
static void
test_references (void)
{
  g_autoptr (WebappResolver) r = overlay_resolver ();
  g_autofree gchar *index = read_served (r, "index.html", NULL);
  g_autoptr (GRegex) re = g_regex_new ("(?:href|src)=\"([^\"#:]+)\"", 0, 0, NULL);
  g_autoptr (GMatchInfo) m = NULL;
  guint count = 0;

  for (g_regex_match (re, index, 0, &m); g_match_info_matches (m); g_match_info_next (m, NULL))
    {
      g_autofree gchar *ref = g_match_info_fetch (m, 1);

      g_assert_false (g_str_has_prefix (ref, "/"));
      g_free (read_served (r, ref, NULL));
      count++;
    }
  g_assert_cmpuint (count, >=, 5);
}

/* Labels: every input has a <label for=...>. */
static void
test_labels (void)
{
  g_autoptr (WebappResolver) r = overlay_resolver ();
  g_autofree gchar *index = read_served (r, "index.html", NULL);
  g_autoptr (GRegex) re = g_regex_new ("<input\\s+id=\"([^\"]+)\"", 0, 0, NULL);
  g_autoptr (GMatchInfo) m = NULL;
  guint count = 0;

  for (g_regex_match (re, index, 0, &m); g_match_info_matches (m); g_match_info_next (m, NULL))
    {
      g_autofree gchar *id = g_match_info_fetch (m, 1);
      g_autofree gchar *label = g_strdup_printf ("<label for=\"%s\">", id);

      if (strstr (index, label) == NULL)
        g_error ("input %s has no label", id);
      count++;
    }
  g_assert_cmpuint (count, ==, 3);
  g_assert_nonnull (strstr (index, "<html lang=\""));
}

static double
luminance (const char *hex)
{
  double c[3];

  for (int i = 0; i < 3; i++)
    {
      double v = (g_ascii_xdigit_value (hex[1 + 2 * i]) * 16 + g_ascii_xdigit_value (hex[2 + 2 * i])) / 255.0;
      c[i] = v <= 0.03928 ? v / 12.92 : pow ((v + 0.055) / 1.055, 2.4);
    }
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}

static double
contrast (const char *a, const char *b)
{
  double la = luminance (a);
  double lb = luminance (b);

  return (MAX (la, lb) + 0.05) / (MIN (la, lb) + 0.05);
}

/* WCAG AA (4.5:1) for every text colour on the backgrounds it is drawn on. */
static void
check_contrast (WebappResolver *r, const char *what)
{
  static const char *const pairs[][2] = {
    { "text", "background" }, { "text", "surface" }, { "muted", "surface" }, { "muted", "background" },
    { "accent", "surface" }, { "accent", "background" }, { "on-accent", "accent" },
    { "on-accent", "accent-hover" }, { "on-banner", "banner" }, { "error", "surface" },
  };
  g_autofree gchar *css = read_served (r, "branding.css", NULL);
  g_autoptr (GHashTable) colours = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GRegex) re = g_regex_new ("--brand-([a-z-]+):\\s*(#[0-9a-fA-F]{6})\\s*;", 0, 0, NULL);
  g_autoptr (GMatchInfo) m = NULL;

  for (g_regex_match (re, css, 0, &m); g_match_info_matches (m); g_match_info_next (m, NULL))
    g_hash_table_insert (colours, g_match_info_fetch (m, 1), g_match_info_fetch (m, 2));
  for (gsize i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      const char *fg = g_hash_table_lookup (colours, pairs[i][0]);
      const char *bg = g_hash_table_lookup (colours, pairs[i][1]);

      if (fg == NULL || bg == NULL)
        g_error ("%s: --brand-%s or --brand-%s missing", what, pairs[i][0], pairs[i][1]);
      if (contrast (fg, bg) < 4.5)
        g_error ("%s: %s %s on %s %s is %.2f:1, below 4.5:1", what, pairs[i][0], fg, pairs[i][1], bg,
                 contrast (fg, bg));
    }
}

static void
test_contrast (void)
{
  const char *roots[] = { base_dir, NULL };
  g_autoptr (WebappResolver) base = webapp_resolver_new (roots, NULL);
  g_autoptr (WebappResolver) branded = overlay_resolver ();

  g_assert_cmpfloat_with_epsilon (contrast ("#ffffff", "#000000"), 21.0, 0.01);
  check_contrast (base, "default app");
  check_contrast (branded, "example branding");
}

int
main (int argc, char **argv)
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  base_dir = g_test_build_filename (G_TEST_DIST, "..", "..", "..", "data", "webapp", NULL);
  branding_dir = g_test_build_filename (G_TEST_DIST, "..", "..", "..", "data", "webapp-branding-example", NULL);
  g_test_add_func ("/webapp/data/base-serves", test_base_serves);
  g_test_add_func ("/webapp/data/branding-overlays", test_branding_overlays);
  g_test_add_func ("/webapp/data/references", test_references);
  g_test_add_func ("/webapp/data/labels", test_labels);
  g_test_add_func ("/webapp/data/contrast", test_contrast);
  rc = g_test_run ();
  g_free (base_dir);
  g_free (branding_dir);
  return rc;
}
