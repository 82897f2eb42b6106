/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "postern-context-private.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "postern-error.h"
#include "postern-http-private.h"

/**
 * SECTION:postern-context
 * @title: PosternContext
 * @short_description: what the daemon gives a running plugin
 *
 * Each plugin gets one context: its validated configuration, the `[core]`
 * configuration, the event bus, a private state directory, logging in the
 * plugin's own log domain, and a D-Bus object path of its own,
 * `/org/postern/Postern1/NAME` (dashes become underscores).
 */

struct _PosternContext {
  GObject parent_instance;
  gchar *name;
  PosternConfig *config;
  PosternConfig *core_config;
  PosternEventBus *bus;
  gchar *state_dir_base;
  gchar *state_dir;
  GDBusConnection *connection;
  gchar *object_path;
  GPtrArray *exported; /* of GDBusInterfaceSkeleton */
  guint hold_count;
  gint64 stop_deadline;
  PosternContextPluginLookup plugin_lookup;
  gpointer plugin_lookup_data;
  gchar *fqdn;
  PosternHttpRouter *router;
  GCallback router_changed; /* void (*) (gpointer data): the front re-checks its listeners */
  gpointer router_changed_data;
  GArray *http_handlers; /* guint ids in router */
};

G_DEFINE_FINAL_TYPE (PosternContext, postern_context, G_TYPE_OBJECT)

static void
postern_context_finalize (GObject *object)
{
  PosternContext *self = POSTERN_CONTEXT (object);

  postern_context_unexport_all (self);
  g_ptr_array_unref (self->exported);
  g_array_unref (self->http_handlers);
  g_free (self->name);
  g_clear_object (&self->config);
  g_clear_object (&self->core_config);
  g_clear_object (&self->bus);
  g_free (self->state_dir_base);
  g_free (self->state_dir);
  g_clear_object (&self->connection);
  g_free (self->object_path);
  g_free (self->fqdn);
  G_OBJECT_CLASS (postern_context_parent_class)->finalize (object);
}

static void
postern_context_class_init (PosternContextClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = postern_context_finalize;
}

static void
postern_context_init (PosternContext *self)
{
  self->exported = g_ptr_array_new_with_free_func (g_object_unref);
  self->http_handlers = g_array_new (FALSE, FALSE, sizeof (guint));
}

/**
 * postern_object_path_for_plugin: (skip)
 * @name: a plugin name
 *
 * Returns: (transfer full): the plugin's D-Bus object path
 */
gchar *
postern_object_path_for_plugin (const gchar *name)
{
  g_autoptr(GString) path = g_string_new ("/org/postern/Postern1/");

  for (const gchar *p = name; *p != '\0'; p++)
    g_string_append_c (path, g_ascii_isalnum (*p) ? *p : '_');
  return g_string_free (g_steal_pointer (&path), FALSE);
}

/**
 * postern_context_new: (skip)
 * @name: the plugin's name
 * @config: its configuration
 * @core_config: the `[core]` configuration
 * @bus: the event bus
 * @state_dir_base: the daemon's state directory
 * @connection: (nullable): the D-Bus connection
 *
 * Returns: (transfer full): a context for one plugin
 */
PosternContext *
postern_context_new (const gchar *name, PosternConfig *config, PosternConfig *core_config,
                     PosternEventBus *bus, const gchar *state_dir_base, GDBusConnection *connection)
{
  PosternContext *self = g_object_new (POSTERN_TYPE_CONTEXT, NULL);

  self->name = g_strdup (name);
  self->config = g_object_ref (config);
  self->core_config = g_object_ref (core_config);
  self->bus = g_object_ref (bus);
  self->state_dir_base = g_strdup (state_dir_base);
  self->connection = connection != NULL ? g_object_ref (connection) : NULL;
  self->object_path = postern_object_path_for_plugin (name);
  return self;
}

/**
 * postern_context_set_config: (skip)
 * @self: a #PosternContext
 * @config: the plugin's new configuration
 * @core_config: the new `[core]` configuration
 *
 * Installs the configuration a reload applied.
 */
void
postern_context_set_config (PosternContext *self, PosternConfig *config, PosternConfig *core_config)
{
  g_set_object (&self->config, config);
  g_set_object (&self->core_config, core_config);
}

/**
 * postern_context_get_name:
 * @self: a #PosternContext
 *
 * Returns: the plugin's name
 */
const gchar *
postern_context_get_name (PosternContext *self)
{
  g_return_val_if_fail (POSTERN_IS_CONTEXT (self), NULL);
  return self->name;
}

/**
 * postern_context_get_config:
 * @self: a #PosternContext
 *
 * Returns: (transfer none): the plugin's configuration in force
 */
PosternConfig *
postern_context_get_config (PosternContext *self)
{
  g_return_val_if_fail (POSTERN_IS_CONTEXT (self), NULL);
  return self->config;
}

/**
 * postern_context_get_core_config:
 * @self: a #PosternContext
 *
 * Returns: (transfer none): the daemon's `[core]` configuration in force
 */
PosternConfig *
postern_context_get_core_config (PosternContext *self)
{
  g_return_val_if_fail (POSTERN_IS_CONTEXT (self), NULL);
  return self->core_config;
}

/**
 * postern_context_get_plugin_config:
 * @self: a #PosternContext
 * @name: another plugin's name
 *
 * Lets a plugin read another plugin's configuration in force, e.g. the SRV
 * announcer publishing the TURN plugin's port. Read-only; plugins still talk
 * only through the event bus.
 *
 * Returns: (transfer none) (nullable): the configuration of plugin @name if
 *   it is enabled, else %NULL
 */
PosternConfig *
postern_context_get_plugin_config (PosternContext *self, const gchar *name)
{
  g_return_val_if_fail (POSTERN_IS_CONTEXT (self), NULL);
  if (self->plugin_lookup == NULL)
    return NULL;
  return self->plugin_lookup (name, self->plugin_lookup_data);
}

/**
 * postern_context_set_plugin_lookup: (skip)
 * @self: a #PosternContext
 * @lookup: finds an enabled plugin's configuration by name
 * @user_data: data for @lookup
 */
void
postern_context_set_plugin_lookup (PosternContext *self, PosternContextPluginLookup lookup, gpointer user_data)
{
  self->plugin_lookup = lookup;
  self->plugin_lookup_data = user_data;
}

/**
 * postern_context_get_fqdn:
 * @self: a #PosternContext
 *
 * The gateway's public name: `[core] fqdn`, or this host's name when that
 * is empty.
 *
 * Returns: the name
 */
const gchar *
postern_context_get_fqdn (PosternContext *self)
{
  const gchar *fqdn;

  g_return_val_if_fail (POSTERN_IS_CONTEXT (self), NULL);
  fqdn = postern_config_get_string (self->core_config, "fqdn");
  if (fqdn[0] != '\0')
    return fqdn;
  if (self->fqdn == NULL)
    self->fqdn = g_strdup (g_get_host_name ());
  return self->fqdn;
}

/**
 * postern_context_get_event_bus:
 * @self: a #PosternContext
 *
 * Returns: (transfer none): the daemon's event bus
 */
PosternEventBus *
postern_context_get_event_bus (PosternContext *self)
{
  g_return_val_if_fail (POSTERN_IS_CONTEXT (self), NULL);
  return self->bus;
}

/**
 * postern_context_get_state_dir:
 * @self: a #PosternContext
 * @error: return location for an error
 *
 * The plugin's own directory under the daemon's state directory, created
 * with mode 0700 on first use. Keep state that must survive a restart there.
 *
 * Returns: the directory, or %NULL with @error set
 */
const gchar *
postern_context_get_state_dir (PosternContext *self, GError **error)
{
  g_autofree gchar *dir = NULL;

  g_return_val_if_fail (POSTERN_IS_CONTEXT (self), NULL);
  if (self->state_dir != NULL)
    return self->state_dir;
  dir = g_build_filename (self->state_dir_base, self->name, NULL);
  if (g_mkdir_with_parents (dir, 0700) != 0) {
    int saved = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 "cannot create state directory %s: %s", dir, g_strerror (saved));
    return NULL;
  }
  self->state_dir = g_steal_pointer (&dir);
  return self->state_dir;
}

/**
 * postern_context_get_dbus_connection:
 * @self: a #PosternContext
 *
 * Returns: (transfer none) (nullable): the daemon's D-Bus connection, or %NULL
 *   when it runs without one (in-process tests)
 */
GDBusConnection *
postern_context_get_dbus_connection (PosternContext *self)
{
  g_return_val_if_fail (POSTERN_IS_CONTEXT (self), NULL);
  return self->connection;
}

/**
 * postern_context_get_object_path:
 * @self: a #PosternContext
 *
 * Returns: the plugin's D-Bus object path
 */
const gchar *
postern_context_get_object_path (PosternContext *self)
{
  g_return_val_if_fail (POSTERN_IS_CONTEXT (self), NULL);
  return self->object_path;
}

/**
 * postern_context_export_interface:
 * @self: a #PosternContext
 * @interface_: an interface skeleton, e.g. generated by gdbus-codegen
 * @error: return location for an error
 *
 * Exports @interface_ at the plugin's object path. The daemon unexports it
 * when the plugin stops. Without a D-Bus connection this does nothing and
 * succeeds.
 *
 * Returns: %TRUE on success
 */
gboolean
postern_context_export_interface (PosternContext *self, GDBusInterfaceSkeleton *interface_,
                                  GError **error)
{
  g_return_val_if_fail (POSTERN_IS_CONTEXT (self), FALSE);
  g_return_val_if_fail (G_IS_DBUS_INTERFACE_SKELETON (interface_), FALSE);

  if (self->connection == NULL)
    return TRUE;
  if (!g_dbus_interface_skeleton_export (interface_, self->connection, self->object_path, error))
    return FALSE;
  g_ptr_array_add (self->exported, g_object_ref (interface_));
  return TRUE;
}

/**
 * postern_context_unexport_all: (skip)
 * @self: a #PosternContext
 *
 * Unexports every interface the plugin exported.
 */
void
postern_context_unexport_all (PosternContext *self)
{
  for (guint i = 0; i < self->exported->len; i++)
    g_dbus_interface_skeleton_unexport (g_ptr_array_index (self->exported, i));
  g_ptr_array_set_size (self->exported, 0);
  while (self->http_handlers->len > 0)
    postern_context_remove_http_handler (self, g_array_index (self->http_handlers, guint, 0));
}

/**
 * postern_context_set_http_router: (skip)
 * @self: a #PosternContext
 * @router: the daemon's router
 * @changed: called (with @changed_data) after a handler is added or removed
 * @changed_data: data for @changed
 */
void
postern_context_set_http_router (PosternContext *self, PosternHttpRouter *router, GCallback changed,
                                 gpointer changed_data)
{
  self->router = router;
  self->router_changed = changed;
  self->router_changed_data = changed_data;
}

static void
notify_router_changed (PosternContext *self)
{
  if (self->router_changed != NULL)
    ((void (*) (gpointer)) self->router_changed) (self->router_changed_data);
}

/**
 * postern_context_add_http_handler:
 * @self: a #PosternContext
 * @prefix: a path prefix starting with `/`, e.g. `/webapp/`
 * @handler: (scope notified) (closure user_data) (destroy destroy): handles each request under @prefix
 * @user_data: data for @handler
 * @destroy: (nullable): frees @user_data when the handler is removed
 * @error: return location for an error
 *
 * Claims a path prefix on the daemon's HTTPS front; the longest matching
 * prefix wins. The front listens only while some plugin serves HTTP. The
 * handler is removed when the plugin stops.
 *
 * Returns: a handler id, or 0 with @error set (the prefix is taken, or the
 *   daemon has no HTTPS front)
 */
guint
postern_context_add_http_handler (PosternContext *self, const gchar *prefix, PosternHttpHandler handler,
                                  gpointer user_data, GDestroyNotify destroy, GError **error)
{
  guint id;

  g_return_val_if_fail (POSTERN_IS_CONTEXT (self), 0);
  g_return_val_if_fail (handler != NULL, 0);
  if (self->router == NULL) {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND, "this daemon has no HTTPS front");
    return 0;
  }
  id = postern_http_router_add (self->router, self->name, prefix, handler, user_data, destroy, error);
  if (id == 0)
    return 0;
  g_array_append_val (self->http_handlers, id);
  notify_router_changed (self);
  return id;
}

/**
 * postern_context_allow_http_upgrades:
 * @self: a #PosternContext
 * @id: an id from postern_context_add_http_handler()
 *
 * Lets the handler receive WebSocket upgrade requests under its prefix (see
 * postern_http_exchange_is_upgrade() and postern_http_exchange_upgrade()).
 * Without this the front answers them 501 itself.
 *
 * Returns: %FALSE if @id is not one of this plugin's handlers
 */
gboolean
postern_context_allow_http_upgrades (PosternContext *self, guint id)
{
  g_return_val_if_fail (POSTERN_IS_CONTEXT (self), FALSE);
  for (guint i = 0; i < self->http_handlers->len; i++) {
    if (g_array_index (self->http_handlers, guint, i) == id)
      return postern_http_router_allow_upgrades (self->router, id);
  }
  return FALSE;
}

/**
 * postern_context_remove_http_handler:
 * @self: a #PosternContext
 * @id: an id from postern_context_add_http_handler()
 *
 * Gives a prefix back.
 */
void
postern_context_remove_http_handler (PosternContext *self, guint id)
{
  g_return_if_fail (POSTERN_IS_CONTEXT (self));
  for (guint i = 0; i < self->http_handlers->len; i++) {
    if (g_array_index (self->http_handlers, guint, i) == id) {
      g_array_remove_index (self->http_handlers, i);
      postern_http_router_remove (self->router, id);
      notify_router_changed (self);
      return;
    }
  }
}

/**
 * postern_context_log:
 * @self: a #PosternContext
 * @level: the log level
 * @format: printf-style format
 * @...: arguments
 *
 * Logs through GLib's structured logging with the plugin's name as the log
 * domain (journald's `GLIB_DOMAIN` field).
 */
void
postern_context_log (PosternContext *self, GLogLevelFlags level, const gchar *format, ...)
{
  va_list args;

  g_return_if_fail (POSTERN_IS_CONTEXT (self));
  va_start (args, format);
  g_logv (self->name, level, format, args);
  va_end (args);
}

/**
 * postern_context_hold:
 * @self: a #PosternContext
 *
 * Asks the daemon to wait for this plugin while it drains after its stop
 * hook returned. Pair with postern_context_release().
 */
void
postern_context_hold (PosternContext *self)
{
  g_return_if_fail (POSTERN_IS_CONTEXT (self));
  self->hold_count++;
}

/**
 * postern_context_release:
 * @self: a #PosternContext
 *
 * Ends a postern_context_hold().
 */
void
postern_context_release (PosternContext *self)
{
  g_return_if_fail (POSTERN_IS_CONTEXT (self));
  g_return_if_fail (self->hold_count > 0);
  self->hold_count--;
}

/**
 * postern_context_get_stop_deadline:
 * @self: a #PosternContext
 *
 * Returns: the g_get_monotonic_time() by which a stopping plugin must have
 *   drained, or 0 when it is not stopping
 */
gint64
postern_context_get_stop_deadline (PosternContext *self)
{
  g_return_val_if_fail (POSTERN_IS_CONTEXT (self), 0);
  return self->stop_deadline;
}

/**
 * postern_context_begin_stop: (skip)
 * @self: a #PosternContext
 * @deadline: monotonic time by which the plugin must have drained
 */
void
postern_context_begin_stop (PosternContext *self, gint64 deadline)
{
  self->stop_deadline = deadline;
}

/**
 * postern_context_is_held: (skip)
 * @self: a #PosternContext
 *
 * Returns: %TRUE while the plugin is still draining
 */
gboolean
postern_context_is_held (PosternContext *self)
{
  return self->hold_count > 0;
}
