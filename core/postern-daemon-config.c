/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "postern-daemon-config.h"

/* Turns parsed drop-ins into validated configuration: `[core]` against the
 * daemon's keys, `[NAME]` against the keys plugin NAME declares. Values are
 * merged key by key, later files winning, and each is checked as it is set,
 * so an error names the file and line of the value that is wrong. */

const PosternConfigKey postern_core_config_keys[] = {
  { "fqdn", POSTERN_CONFIG_TYPE_STRING, "",
    "The gateway's public DNS name (TLS certificate, SRV target); empty means this host's name" },
  { "fail-on-plugin-error", POSTERN_CONFIG_TYPE_BOOLEAN, "false",
    "Exit when a plugin fails to load or start, instead of running the others" },
  { "stop-timeout", POSTERN_CONFIG_TYPE_DURATION, "10",
    "Seconds plugins get to drain on stop", 0, 3600 },
  { "https-listen", POSTERN_CONFIG_TYPE_ADDRESS_LIST, "0.0.0.0:443;[::]:443",
    "Where the HTTPS front listens (while a plugin serves HTTP)" },
  { "http-listen", POSTERN_CONFIG_TYPE_ADDRESS_LIST, "0.0.0.0:80;[::]:80",
    "Plain HTTP listeners; they answer 301 to the same path on HTTPS" },
  { "certificate", POSTERN_CONFIG_TYPE_PATH, "",
    "PEM bundle: certificate, unencrypted key, intermediates; empty = self-signed for fqdn" },
  { "tls-priority", POSTERN_CONFIG_TYPE_STRING, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2",
    "GnuTLS priority string (TLS 1.2 and 1.3 by default)" },
  { NULL }
};

static void
plugin_config_free (gpointer data)
{
  PosternPluginConfig *p = data;

  g_free (p->name);
  g_free (p->load_error);
  g_clear_object (&p->config);
  g_free (p);
}

void
postern_daemon_config_free (PosternDaemonConfig *self)
{
  if (self == NULL)
    return;
  postern_confd_free (self->confd);
  g_clear_object (&self->core);
  g_ptr_array_unref (self->plugins);
  g_free (self);
}

PosternPluginConfig *
postern_daemon_config_find (PosternDaemonConfig *self, const gchar *name)
{
  for (guint i = 0; i < self->plugins->len; i++) {
    PosternPluginConfig *p = g_ptr_array_index (self->plugins, i);
    if (g_str_equal (p->name, name))
      return p;
  }
  return NULL;
}

gboolean
postern_daemon_config_has_plugin_errors (PosternDaemonConfig *self)
{
  for (guint i = 0; i < self->plugins->len; i++) {
    PosternPluginConfig *p = g_ptr_array_index (self->plugins, i);
    if (p->load_error != NULL)
      return TRUE;
  }
  return FALSE;
}

static const PosternPluginModule *
load_module (GHashTable *cache, const gchar *plugin_dir, const gchar *name, GError **error)
{
  PosternPluginModule *module = g_hash_table_lookup (cache, name);

  if (module != NULL)
    return module;
  module = postern_plugin_loader_load (plugin_dir, name, error);
  if (module != NULL)
    g_hash_table_insert (cache, g_strdup (name), module);
  return module;
}

static gint
compare_plugins (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 ((*(PosternPluginConfig *const *) a)->name, (*(PosternPluginConfig *const *) b)->name);
}

static gboolean
order_plugins (PosternDaemonConfig *self, GError **error)
{
  g_autoptr(GPtrArray) modules = g_ptr_array_new ();
  g_autoptr(GPtrArray) ordered = NULL;
  g_autoptr(GPtrArray) result = g_ptr_array_new_with_free_func (plugin_config_free);

  g_ptr_array_sort (self->plugins, compare_plugins);
  for (guint i = 0; i < self->plugins->len; i++) {
    PosternPluginConfig *p = g_ptr_array_index (self->plugins, i);
    if (p->module != NULL)
      g_ptr_array_add (modules, (gpointer) p->module);
  }
  ordered = postern_plugin_loader_order (modules, error);
  if (ordered == NULL)
    return FALSE;
  for (guint i = 0; i < ordered->len; i++) {
    const PosternPluginModule *m = g_ptr_array_index (ordered, i);
    guint idx = 0;
    for (idx = 0; idx < self->plugins->len; idx++) {
      if (((PosternPluginConfig *) g_ptr_array_index (self->plugins, idx))->module == m)
        break;
    }
    g_ptr_array_add (result, g_ptr_array_steal_index (self->plugins, idx));
  }
  /* Plugins that failed to load keep their place at the end, for reporting. */
  while (self->plugins->len > 0)
    g_ptr_array_add (result, g_ptr_array_steal_index (self->plugins, 0));
  g_ptr_array_unref (self->plugins);
  self->plugins = g_steal_pointer (&result);
  return TRUE;
}

PosternDaemonConfig *
postern_daemon_config_load (const gchar *const *dirs, const gchar *plugin_dir, GHashTable *module_cache,
                            GError **error)
{
  g_autoptr(PosternDaemonConfig) self = g_new0 (PosternDaemonConfig, 1);

  self->plugins = g_ptr_array_new_with_free_func (plugin_config_free);
  self->core = postern_config_new ("core", postern_core_config_keys);
  self->confd = postern_confd_load (dirs, error);
  if (self->confd == NULL)
    return NULL;

  for (guint i = 0; i < self->confd->groups->len; i++) {
    const gchar *group = g_ptr_array_index (self->confd->groups, i);
    g_autoptr(GError) local = NULL;
    PosternPluginConfig *p;
    const PosternPluginModule *module;

    if (g_str_equal (group, "core"))
      continue;
    p = g_new0 (PosternPluginConfig, 1);
    p->name = g_strdup (group);
    g_ptr_array_add (self->plugins, p);
    module = load_module (module_cache, plugin_dir, group, &local);
    if (module == NULL) {
      /* A group naming no plugin at all is a typo in the drop-in. */
      if (g_error_matches (local, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND)) {
        for (guint e = 0; e < self->confd->entries->len; e++) {
          PosternConfdEntry *entry = g_ptr_array_index (self->confd->entries, e);
          if (g_str_equal (entry->group, group)) {
            g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                         "%s:%u: unknown group [%s]: no plugin %s.so in %s",
                         entry->file, entry->line, group, group, plugin_dir);
            return NULL;
          }
        }
        g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                     "unknown group [%s]: no plugin %s.so in %s", group, group, plugin_dir);
        return NULL;
      }
      p->load_error = g_strdup (local->message);
      continue;
    }
    p->module = module;
    p->config = postern_config_new (group, module->descriptor->config_keys);
  }

  for (guint e = 0; e < self->confd->entries->len; e++) {
    PosternConfdEntry *entry = g_ptr_array_index (self->confd->entries, e);
    g_autofree gchar *source = g_strdup_printf ("%s:%u", entry->file, entry->line);
    PosternConfig *target;

    if (g_str_equal (entry->group, "core")) {
      target = self->core;
    } else {
      PosternPluginConfig *p = postern_daemon_config_find (self, entry->group);
      if (p->config == NULL)
        continue;
      target = p->config;
    }
    if (!postern_config_set_value (target, entry->key, entry->value, source, error))
      return NULL;
  }

  for (guint i = 0; i < self->plugins->len; i++) {
    PosternPluginConfig *p = g_ptr_array_index (self->plugins, i);
    p->enabled = p->config != NULL ? postern_config_get_boolean (p->config, "enabled") : TRUE;
  }
  if (!order_plugins (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

static void
print_group (GString *out, PosternConfig *config)
{
  g_auto(GStrv) keys = postern_config_list_keys (config);

  g_string_append_printf (out, "[%s]\n", postern_config_get_group (config));
  for (guint i = 0; keys[i] != NULL; i++) {
    const gchar *raw = postern_config_get_raw (config, keys[i]);
    const gchar *source = postern_config_get_source (config, keys[i]);

    if (source != NULL)
      g_string_append_printf (out, "%s=%s\t# %s\n", keys[i], raw, source);
    else
      g_string_append_printf (out, "# %s=%s\t(default)\n", keys[i], raw != NULL ? raw : "");
  }
  g_string_append_c (out, '\n');
}

/* The merged configuration as one drop-in, each key with the file and line
 * it came from, defaults commented out: `nginx -T` for posternd. */
gchar *
postern_daemon_config_print (PosternDaemonConfig *self)
{
  g_autoptr(GString) out = g_string_new ("# drop-ins, in reading order:\n");

  for (guint i = 0; i < self->confd->files->len; i++)
    g_string_append_printf (out, "#   %s\n", (const gchar *) g_ptr_array_index (self->confd->files, i));
  g_string_append_c (out, '\n');
  print_group (out, self->core);
  for (guint i = 0; i < self->plugins->len; i++) {
    PosternPluginConfig *p = g_ptr_array_index (self->plugins, i);
    if (p->config != NULL)
      print_group (out, p->config);
    else
      g_string_append_printf (out, "[%s]\n# not loadable: %s\n\n", p->name, p->load_error);
  }
  return g_string_free (g_steal_pointer (&out), FALSE);
}
