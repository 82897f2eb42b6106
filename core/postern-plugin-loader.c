/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "postern-plugin-loader.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

/* Opens plugin files and refuses, with a message naming the file, anything
 * the daemon should not run: files others could have written (when running
 * as root), files without the descriptor symbol, incompatible ABIs and
 * incomplete descriptors. Modules are opened with local binding and kept
 * resident, since plugins register GTypes (generated D-Bus skeletons). */

gchar *
postern_plugin_loader_path_for (const gchar *plugin_dir, const gchar *name)
{
  g_autofree gchar *file = g_strconcat (name, ".so", NULL);

  return g_build_filename (plugin_dir, file, NULL);
}

static gboolean
check_file_trust (const gchar *path, GError **error)
{
  struct stat st;

  if (stat (path, &st) != 0) {
    int saved = errno;
    g_set_error (error, POSTERN_ERROR, saved == ENOENT ? POSTERN_ERROR_NOT_FOUND : POSTERN_ERROR_BAD_PLUGIN,
                 "%s: %s", path, g_strerror (saved));
    return FALSE;
  }
  if (!S_ISREG (st.st_mode)) {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_BAD_PLUGIN, "%s: not a regular file", path);
    return FALSE;
  }
  if (geteuid () == 0) {
    if (st.st_uid != 0) {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_PERMISSION_DENIED,
                   "%s: refusing to load a plugin not owned by root (uid %u)", path, (guint) st.st_uid);
      return FALSE;
    }
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_PERMISSION_DENIED,
                   "%s: refusing to load a plugin writable by group or others (mode %04o)",
                   path, (guint) (st.st_mode & 07777));
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
check_descriptor (const gchar *path, const gchar *name, const PosternPluginDescriptor *d, GError **error)
{
  const gchar *missing = NULL;

  if (d->abi_major != POSTERN_PLUGIN_ABI_MAJOR || d->abi_minor > POSTERN_PLUGIN_ABI_MINOR) {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_ABI_MISMATCH,
                 "%s: built for plugin ABI %u.%u, this posternd supports %d.0 to %d.%d",
                 path, d->abi_major, d->abi_minor, POSTERN_PLUGIN_ABI_MAJOR,
                 POSTERN_PLUGIN_ABI_MAJOR, POSTERN_PLUGIN_ABI_MINOR);
    return FALSE;
  }
  if (d->name == NULL || d->name[0] == '\0')
    missing = "name";
  else if (d->version == NULL || d->version[0] == '\0')
    missing = "version";
  else if (d->description == NULL || d->description[0] == '\0')
    missing = "description";
  else if (d->start == NULL)
    missing = "start";
  else if (d->stop == NULL)
    missing = "stop";
  if (missing != NULL) {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_BAD_PLUGIN,
                 "%s: incomplete plugin descriptor: no %s", path, missing);
    return FALSE;
  }
  if (!g_str_equal (d->name, name)) {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_BAD_PLUGIN,
                 "%s: descriptor names the plugin '%s', but the file is for '%s'", path, d->name, name);
    return FALSE;
  }
  for (const PosternConfigKey *k = d->config_keys; k != NULL && k->name != NULL; k++) {
    if (g_str_equal (k->name, "enabled")) {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_BAD_PLUGIN,
                   "%s: declares the reserved key 'enabled'", path);
      return FALSE;
    }
    for (const PosternConfigKey *j = d->config_keys; j != k; j++) {
      if (g_str_equal (j->name, k->name)) {
        g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_BAD_PLUGIN,
                     "%s: declares key '%s' twice", path, k->name);
        return FALSE;
      }
    }
  }
  return TRUE;
}

PosternPluginModule *
postern_plugin_loader_load (const gchar *plugin_dir, const gchar *name, GError **error)
{
  g_autofree gchar *path = postern_plugin_loader_path_for (plugin_dir, name);
  g_autoptr(PosternPluginModule) module = NULL;
  const PosternPluginDescriptor *descriptor = NULL;
  GModule *gmodule;

  if (!check_file_trust (path, error))
    return NULL;
  gmodule = g_module_open (path, G_MODULE_BIND_LOCAL | G_MODULE_BIND_LAZY);
  if (gmodule == NULL) {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_BAD_PLUGIN, "%s: cannot load: %s", path, g_module_error ());
    return NULL;
  }
  if (!g_module_symbol (gmodule, POSTERN_PLUGIN_DESCRIPTOR_SYMBOL, (gpointer *) &descriptor) ||
      descriptor == NULL) {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_BAD_PLUGIN,
                 "%s: no '%s' symbol; not a Postern plugin", path, POSTERN_PLUGIN_DESCRIPTOR_SYMBOL);
    g_module_close (gmodule);
    return NULL;
  }
  if (!check_descriptor (path, name, descriptor, error)) {
    g_module_close (gmodule);
    return NULL;
  }
  g_module_make_resident (gmodule);
  module = g_new0 (PosternPluginModule, 1);
  module->path = g_steal_pointer (&path);
  module->descriptor = descriptor;
  return g_steal_pointer (&module);
}

void
postern_plugin_module_free (PosternPluginModule *module)
{
  if (module == NULL)
    return;
  g_free (module->path);
  g_free (module);
}

static const PosternPluginModule *
find_module (GPtrArray *modules, const gchar *name)
{
  for (guint i = 0; i < modules->len; i++) {
    const PosternPluginModule *m = g_ptr_array_index (modules, i);
    if (g_str_equal (m->descriptor->name, name))
      return m;
  }
  return NULL;
}

static gint
compare_by_name (gconstpointer a, gconstpointer b)
{
  const PosternPluginModule *ma = *(const PosternPluginModule *const *) a;
  const PosternPluginModule *mb = *(const PosternPluginModule *const *) b;

  return g_strcmp0 (ma->descriptor->name, mb->descriptor->name);
}

/* Start order: a plugin comes after every loaded plugin it names in
 * start_after; among the ready ones, by name. Never readdir order. Returns a
 * new array of borrowed modules, or NULL on a cycle. */
GPtrArray *
postern_plugin_loader_order (GPtrArray *modules, GError **error)
{
  g_autoptr(GPtrArray) pending = g_ptr_array_new ();
  g_autoptr(GPtrArray) ordered = g_ptr_array_new ();

  /* Borrowed pointers: a copy would inherit the caller's free function. */
  g_ptr_array_extend (pending, modules, NULL, NULL);

  g_ptr_array_sort (pending, compare_by_name);
  while (pending->len > 0) {
    gboolean progressed = FALSE;

    for (guint i = 0; i < pending->len; i++) {
      const PosternPluginModule *m = g_ptr_array_index (pending, i);
      gboolean ready = TRUE;

      for (const gchar *const *dep = m->descriptor->start_after; dep != NULL && *dep != NULL; dep++) {
        const PosternPluginModule *d = find_module (modules, *dep);
        if (d != NULL && !g_ptr_array_find (ordered, d, NULL))
          ready = FALSE;
      }
      if (ready) {
        g_ptr_array_add (ordered, (gpointer) m);
        g_ptr_array_remove_index (pending, i);
        progressed = TRUE;
        break;
      }
    }
    if (!progressed) {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                   "plugins %s and others name each other in start_after (a cycle)",
                   ((const PosternPluginModule *) g_ptr_array_index (pending, 0))->descriptor->name);
      return NULL;
    }
  }
  return g_steal_pointer (&ordered);
}
