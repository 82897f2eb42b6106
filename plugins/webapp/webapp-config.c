/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The webapp keys beyond their types: `path=` and `brandings=`, checked at
 * --check-config and turned into the list of prefixes to serve. */
#include "webapp-config.h"

#include <string.h>

void
webapp_mount_spec_free (WebappMountSpec *spec)
{
  g_free (spec->prefix);
  g_free (spec->overlay);
  g_free (spec);
}

static gboolean
is_name_char (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '_';
}

static gboolean
is_name (const gchar *s, gsize len)
{
  if (len == 0 || len > 64)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!is_name_char (s[i]))
      return FALSE;
  return TRUE;
}

/* "/webapp/", "/apps/meet/": segments of [a-zA-Z0-9_-] between slashes. */
gboolean
webapp_config_check_path (const gchar *value, GError **error)
{
  gsize len = strlen (value);
  const gchar *seg = value + 1;

  if (len < 3 || value[0] != '/' || value[len - 1] != '/')
    goto bad;
  while (*seg != '\0')
    {
      const gchar *slash = strchr (seg, '/');
      if (!is_name (seg, (gsize) (slash - seg)))
        goto bad;
      seg = slash + 1;
    }
  return TRUE;

bad:
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "path “%s” must look like /NAME/ (segments of a-z A-Z 0-9 _ -, leading and trailing slash)", value);
  return FALSE;
}

/* Splits NAME=DIR; NAME borrowed up to '=', DIR returned. */
static gboolean
split_branding (const gchar *entry, gsize *name_len, const gchar **dir, GError **error)
{
  const gchar *eq = strchr (entry, '=');

  if (eq == NULL || !is_name (entry, (gsize) (eq - entry)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "branding “%s” must be NAME=DIR with NAME of a-z A-Z 0-9 _ - (at most 64)", entry);
      return FALSE;
    }
  if (!g_path_is_absolute (eq + 1))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "branding “%s”: the directory must be an absolute path", entry);
      return FALSE;
    }
  *name_len = (gsize) (eq - entry);
  *dir = eq + 1;
  return TRUE;
}

static GPtrArray *
parse (const gchar *path, const gchar *brandings, GError **error)
{
  g_autoptr (GPtrArray) mounts = g_ptr_array_new_with_free_func ((GDestroyNotify) webapp_mount_spec_free);
  g_auto (GStrv) entries = g_strsplit (brandings != NULL ? brandings : "", ";", -1);
  WebappMountSpec *base = g_new0 (WebappMountSpec, 1);

  base->prefix = g_strdup (path);
  g_ptr_array_add (mounts, base);
  for (gsize i = 0; entries[i] != NULL; i++)
    {
      g_autofree gchar *entry = g_strstrip (g_strdup (entries[i]));
      WebappMountSpec *spec;
      const gchar *dir;
      gsize name_len;

      if (entry[0] == '\0')
        continue;
      if (!split_branding (entry, &name_len, &dir, error))
        return NULL;
      spec = g_new0 (WebappMountSpec, 1);
      spec->prefix = g_strdup_printf ("/%.*s/", (int) name_len, entry);
      spec->overlay = g_strdup (dir);
      for (guint j = 0; j < mounts->len; j++)
        if (g_str_equal (((WebappMountSpec *) g_ptr_array_index (mounts, j))->prefix, spec->prefix))
          {
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "branding prefix %s is given twice (or is the base path)",
                         spec->prefix);
            webapp_mount_spec_free (spec);
            return NULL;
          }
      g_ptr_array_add (mounts, spec);
    }
  return g_steal_pointer (&mounts);
}

gboolean
webapp_config_check_brandings (const gchar *value, GError **error)
{
  g_autoptr (GPtrArray) mounts = parse ("/", value, error);

  return mounts != NULL;
}

/**
 * webapp_config_mounts:
 * @path: the `path=` value
 * @brandings: (nullable): the `brandings=` value
 * @error: return location for an error
 *
 * Returns: (transfer full) (element-type WebappMountSpec): the base mount
 *   first, then one per branding; %NULL when a value is malformed or two
 *   mounts share a prefix
 */
GPtrArray *
webapp_config_mounts (const gchar *path, const gchar *brandings, GError **error)
{
  if (!webapp_config_check_path (path, error))
    return NULL;
  return parse (path, brandings, error);
}
