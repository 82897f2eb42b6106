/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "postern-confd.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "postern.h"

/* Drop-in discovery and parsing, following the systemd rules operators know:
 * directories from lowest to highest priority, a file name in a higher
 * directory replaces the same name lower down, a link to /dev/null or an
 * empty file masks it, and the survivors are read in one global order of
 * file name. Parsing keeps each key's file and line so every later error can
 * point at it; GKeyFile would lose both and silently accept duplicates. */

#define MAX_DROPIN_SIZE (1024 * 1024)

static void
entry_free (gpointer data)
{
  PosternConfdEntry *e = data;

  g_free (e->group);
  g_free (e->key);
  g_free (e->value);
  g_free (e->file);
  g_free (e);
}

PosternConfd *
postern_confd_new (void)
{
  PosternConfd *self = g_new0 (PosternConfd, 1);

  self->files = g_ptr_array_new_with_free_func (g_free);
  self->entries = g_ptr_array_new_with_free_func (entry_free);
  self->groups = g_ptr_array_new_with_free_func (g_free);
  return self;
}

void
postern_confd_free (PosternConfd *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->files);
  g_ptr_array_unref (self->entries);
  g_ptr_array_unref (self->groups);
  g_free (self);
}

gchar **
postern_confd_default_dirs (void)
{
  const gchar *dirs[] = { POSTERN_VENDOR_CONFDIR, POSTERN_RUN_CONFDIR, POSTERN_ETC_CONFDIR, NULL };

  return g_strdupv ((gchar **) dirs);
}

static gboolean
is_masked (const gchar *path)
{
  g_autofree gchar *target = g_file_read_link (path, NULL);
  struct stat st;

  if (target != NULL && g_str_equal (target, "/dev/null"))
    return TRUE;
  return stat (path, &st) == 0 && S_ISREG (st.st_mode) && st.st_size == 0;
}

static gint
compare_basenames (gconstpointer a, gconstpointer b)
{
  g_autofree gchar *ba = g_path_get_basename (*(const gchar *const *) a);
  g_autofree gchar *bb = g_path_get_basename (*(const gchar *const *) b);

  return strcmp (ba, bb);
}

/* Returns the surviving drop-in paths in reading order. A missing directory
 * is normal (most hosts have no /run/postern/conf.d). */
GPtrArray *
postern_confd_list_files (const gchar *const *dirs, GError **error)
{
  g_autoptr(GHashTable) by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer value;

  for (guint i = 0; dirs[i] != NULL; i++) {
    g_autoptr(GError) local = NULL;
    g_autoptr(GDir) dir = g_dir_open (dirs[i], 0, &local);
    const gchar *name;

    if (dir == NULL) {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        continue;
      g_propagate_prefixed_error (error, g_steal_pointer (&local), "conf.d: ");
      return NULL;
    }
    while ((name = g_dir_read_name (dir)) != NULL) {
      if (!g_str_has_suffix (name, ".conf") || name[0] == '.')
        continue;
      g_hash_table_replace (by_name, g_strdup (name), g_build_filename (dirs[i], name, NULL));
    }
  }

  g_hash_table_iter_init (&iter, by_name);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    if (!is_masked (value))
      g_ptr_array_add (out, g_strdup (value));
  }
  g_ptr_array_sort (out, compare_basenames);
  return g_steal_pointer (&out);
}

static gboolean
valid_name (const gchar *s, gsize len)
{
  if (len == 0)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    if (!g_ascii_isalnum (s[i]) && s[i] != '-' && s[i] != '_')
      return FALSE;
  }
  return TRUE;
}

static gboolean
parse_error (GError **error, const gchar *path, guint line, const gchar *fmt, ...) G_GNUC_PRINTF (4, 5);

static gboolean
parse_error (GError **error, const gchar *path, guint line, const gchar *fmt, ...)
{
  g_autofree gchar *msg = NULL;
  va_list args;

  va_start (args, fmt);
  msg = g_strdup_vprintf (fmt, args);
  va_end (args);
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG, "%s:%u: %s", path, line, msg);
  return FALSE;
}

gboolean
postern_confd_parse_file (PosternConfd *self, const gchar *path, GError **error)
{
  g_autofree gchar *contents = NULL;
  g_autoptr(GHashTable) seen_groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) seen_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree gchar *group = NULL;
  gsize length = 0;
  g_auto(GStrv) lines = NULL;
  guint lineno = 0;

  if (!g_file_get_contents (path, &contents, &length, error))
    return FALSE;
  if (length > MAX_DROPIN_SIZE)
    return parse_error (error, path, 0, "file is larger than %d bytes", MAX_DROPIN_SIZE);
  if (memchr (contents, '\0', length) != NULL || !g_utf8_validate (contents, length, NULL))
    return parse_error (error, path, 0, "file is not UTF-8 text");

  lines = g_strsplit (contents, "\n", -1);
  for (gchar **l = lines; *l != NULL; l++) {
    gchar *line = g_strstrip (*l);
    gchar *eq;

    lineno++;
    if (line[0] == '\0' || line[0] == '#')
      continue;
    if (line[0] == '[') {
      gsize len = strlen (line);
      if (line[len - 1] != ']' || !valid_name (line + 1, len - 2)) {
        return parse_error (error, path, lineno, "bad group header '%s' (expected [name])", line);
      }
      g_free (group);
      group = g_strndup (line + 1, len - 2);
      if (g_hash_table_contains (seen_groups, group)) {
        return parse_error (error, path, lineno, "group [%s] is defined twice in this file", group);
      }
      g_hash_table_add (seen_groups, g_strdup (group));
      /* A group counts as present (its plugin loads) even with no keys. */
      if (!g_ptr_array_find_with_equal_func (self->groups, group, g_str_equal, NULL))
        g_ptr_array_add (self->groups, g_strdup (group));
      continue;
    }
    eq = strchr (line, '=');
    if (eq == NULL) {
      return parse_error (error, path, lineno, "expected 'key = value' or '[group]', got '%s'", line);
    }
    *eq = '\0';
    g_strchomp (line);
    if (!valid_name (line, strlen (line))) {
      return parse_error (error, path, lineno, "bad key name '%s'", line);
    }
    if (group == NULL) {
      return parse_error (error, path, lineno, "key '%s' before any [group]", line);
    }
    {
      g_autofree gchar *id = g_strdup_printf ("%s\n%s", group, line);
      PosternConfdEntry *e;

      if (g_hash_table_contains (seen_keys, id)) {
        return parse_error (error, path, lineno, "key '%s' is set twice in [%s] in this file", line, group);
      }
      g_hash_table_add (seen_keys, g_steal_pointer (&id));
      e = g_new0 (PosternConfdEntry, 1);
      e->group = g_strdup (group);
      e->key = g_strdup (line);
      e->value = g_strdup (g_strchug (eq + 1));
      e->file = g_strdup (path);
      e->line = lineno;
      g_ptr_array_add (self->entries, e);
    }
  }

  g_ptr_array_add (self->files, g_strdup (path));
  return TRUE;
}

PosternConfd *
postern_confd_load (const gchar *const *dirs, GError **error)
{
  g_autoptr(PosternConfd) self = postern_confd_new ();
  g_autoptr(GPtrArray) files = postern_confd_list_files (dirs, error);

  if (files == NULL)
    return NULL;
  for (guint i = 0; i < files->len; i++) {
    if (!postern_confd_parse_file (self, g_ptr_array_index (files, i), error))
      return NULL;
  }
  return g_steal_pointer (&self);
}
