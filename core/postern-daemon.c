/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "postern-daemon.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "postern-context-private.h"
#include "postern-daemon-config.h"
#include "postern-front.h"

/* The engine: loads the configuration, starts, reloads and stops plugins.
 * It knows nothing of D-Bus beyond handing plugins a connection, so tests
 * can drive it in-process (the D-Bus service is a thin adapter over it). */

typedef enum {
  PLUGIN_DISABLED,
  PLUGIN_RUNNING,
  PLUGIN_FAILED,
  PLUGIN_STOPPED,
} PluginStatus;

static const gchar *const status_names[] = { "disabled", "running", "failed", "stopped" };

typedef struct {
  gchar *name;
  const PosternPluginModule *module;
  PosternContext *context;
  gpointer state;
  PluginStatus status;
  gchar *message;
} PluginInstance;

struct _PosternDaemon {
  GObject parent_instance;
  GStrv confdirs;
  gchar *plugin_dir;
  gchar *state_dir;
  GHashTable *modules; /* name -> PosternPluginModule, resident */
  PosternEventBus *bus;
  GDBusConnection *connection;
  PosternDaemonConfig *config;
  GPtrArray *instances; /* PluginInstance*, in start order */
  const gchar *state;
  PosternHttpRouter *router;
  PosternFront *front;
  guint front_sync_source;
};

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (PosternDaemon, postern_daemon, G_TYPE_OBJECT)

static void
instance_free (gpointer data)
{
  PluginInstance *inst = data;

  g_free (inst->name);
  g_clear_object (&inst->context);
  g_free (inst->message);
  g_free (inst);
}

static void
postern_daemon_finalize (GObject *object)
{
  PosternDaemon *self = POSTERN_DAEMON (object);

  g_ptr_array_unref (self->instances);
  g_clear_handle_id (&self->front_sync_source, g_source_remove);
  g_clear_pointer (&self->front, postern_front_free);
  g_clear_pointer (&self->router, postern_http_router_free);
  g_clear_pointer (&self->config, postern_daemon_config_free);
  g_clear_object (&self->connection);
  g_clear_object (&self->bus);
  g_hash_table_unref (self->modules);
  g_strfreev (self->confdirs);
  g_free (self->plugin_dir);
  g_free (self->state_dir);
  G_OBJECT_CLASS (postern_daemon_parent_class)->finalize (object);
}

static void
postern_daemon_class_init (PosternDaemonClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = postern_daemon_finalize;
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
postern_daemon_init (PosternDaemon *self)
{
  self->modules = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) postern_plugin_module_free);
  self->instances = g_ptr_array_new_with_free_func (instance_free);
  self->bus = postern_event_bus_new ();
  postern_events_register_well_known (self->bus);
  self->state = "starting";
}

PosternDaemon *
postern_daemon_new (const gchar *const *confdirs, const gchar *plugin_dir, const gchar *state_dir)
{
  PosternDaemon *self = g_object_new (POSTERN_TYPE_DAEMON, NULL);

  self->confdirs = g_strdupv ((gchar **) confdirs);
  self->plugin_dir = g_strdup (plugin_dir);
  self->state_dir = g_strdup (state_dir);
  self->router = postern_http_router_new ();
  self->front = postern_front_new (self->bus, self->router, state_dir);
  return self;
}

PosternEventBus *
postern_daemon_get_event_bus (PosternDaemon *self)
{
  return self->bus;
}

const gchar *
postern_daemon_get_state (PosternDaemon *self)
{
  return self->state;
}

gchar **
postern_daemon_dup_confdirs (PosternDaemon *self)
{
  return g_strdupv (self->confdirs);
}

static void
set_state (PosternDaemon *self, const gchar *state)
{
  self->state = state;
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

/* a(ssss): name, version, state, description (or the failure). */
GVariant *
postern_daemon_dup_plugins (PosternDaemon *self)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ssss)"));
  for (guint i = 0; i < self->instances->len; i++) {
    PluginInstance *inst = g_ptr_array_index (self->instances, i);
    const PosternPluginDescriptor *d = inst->module != NULL ? inst->module->descriptor : NULL;
    g_autofree gchar *desc = NULL;

    if (inst->status == PLUGIN_FAILED)
      desc = g_strdup_printf ("failed: %s", inst->message);
    else
      desc = g_strdup (d != NULL ? d->description : "");
    g_variant_builder_add (&b, "(ssss)", inst->name, d != NULL ? d->version : "",
                           status_names[inst->status], desc);
  }
  return g_variant_ref_sink (g_variant_builder_end (&b));
}

static PluginInstance *
find_instance (PosternDaemon *self, const gchar *name)
{
  for (guint i = 0; i < self->instances->len; i++) {
    PluginInstance *inst = g_ptr_array_index (self->instances, i);
    if (g_str_equal (inst->name, name))
      return inst;
  }
  return NULL;
}

static void
publish_plugin_state (PosternDaemon *self, PluginInstance *inst)
{
  postern_event_bus_publish (self->bus, POSTERN_EVENT_PLUGIN_STATE,
                             g_variant_new ("(ss)", inst->name, status_names[inst->status]));
}

static PosternConfig *
lookup_plugin_config (const gchar *name, gpointer user_data)
{
  PosternDaemon *self = user_data;
  PosternPluginConfig *pc = self->config != NULL ? postern_daemon_config_find (self->config, name) : NULL;

  return pc != NULL && pc->enabled ? pc->config : NULL;
}

static gboolean
front_sync_cb (gpointer user_data)
{
  PosternDaemon *self = user_data;
  g_autoptr(GError) error = NULL;

  self->front_sync_source = 0;
  if (!postern_front_sync (self->front, &error))
    g_warning ("HTTPS front: %s", error->message);
  return G_SOURCE_REMOVE;
}

/* A plugin claimed or gave back a path: listen or stop, once the current
 * start, reload or stop has finished. */
static void
router_changed_cb (gpointer user_data)
{
  PosternDaemon *self = user_data;

  /* While stopping, the listeners stay open until every plugin drained (the
   * SRV announcer withdraws its records before clients lose the front). */
  if (g_str_equal (self->state, "stopping"))
    return;
  if (self->front_sync_source == 0)
    self->front_sync_source = g_idle_add (front_sync_cb, self);
}

static gboolean
start_instance (PosternDaemon *self, PluginInstance *inst, PosternPluginConfig *pc, GError **error)
{
  g_autoptr(GError) local = NULL;
  gpointer state;

  g_clear_object (&inst->context);
  inst->context = postern_context_new (inst->name, pc->config, self->config->core, self->bus,
                                       self->state_dir, self->connection);
  postern_context_set_plugin_lookup (inst->context, lookup_plugin_config, self);
  postern_context_set_http_router (inst->context, self->router, G_CALLBACK (router_changed_cb), self);
  state = inst->module->descriptor->start (inst->context, &local);
  if (state == NULL) {
    if (local == NULL)
      g_set_error_literal (&local, POSTERN_ERROR, POSTERN_ERROR_FAILED, "start failed without saying why");
    postern_context_unexport_all (inst->context);
    inst->status = PLUGIN_FAILED;
    g_free (inst->message);
    inst->message = g_strdup (local->message);
    g_warning ("plugin %s failed to start: %s", inst->name, local->message);
    publish_plugin_state (self, inst);
    g_propagate_prefixed_error (error, g_steal_pointer (&local), "plugin %s: ", inst->name);
    return FALSE;
  }
  inst->state = state;
  inst->status = PLUGIN_RUNNING;
  g_clear_pointer (&inst->message, g_free);
  g_message ("plugin %s %s started", inst->name, inst->module->descriptor->version);
  publish_plugin_state (self, inst);
  return TRUE;
}

static gint64
stop_deadline (PosternDaemon *self)
{
  return g_get_monotonic_time () +
         postern_config_get_integer (self->config->core, "stop-timeout") * G_USEC_PER_SEC;
}

static void
wait_for_drain (GPtrArray *contexts, gint64 deadline)
{
  for (;;) {
    gboolean held = FALSE;

    for (guint i = 0; i < contexts->len; i++)
      held |= postern_context_is_held (g_ptr_array_index (contexts, i));
    if (!held)
      return;
    if (g_get_monotonic_time () >= deadline) {
      g_warning ("stop deadline passed with plugins still draining");
      return;
    }
    g_main_context_iteration (NULL, FALSE);
    g_usleep (1000);
  }
}

static void
stop_instances (PosternDaemon *self, GPtrArray *to_stop)
{
  gint64 deadline = stop_deadline (self);
  g_autoptr(GPtrArray) contexts = g_ptr_array_new_with_free_func (g_object_unref);

  /* Reverse start order: dependents go first. */
  for (guint i = to_stop->len; i > 0; i--) {
    PluginInstance *inst = g_ptr_array_index (to_stop, i - 1);

    postern_context_begin_stop (inst->context, deadline);
    inst->module->descriptor->stop (g_steal_pointer (&inst->state), inst->context);
    postern_context_unexport_all (inst->context);
    inst->status = PLUGIN_STOPPED;
    g_ptr_array_add (contexts, g_object_ref (inst->context));
    g_message ("plugin %s stopped", inst->name);
    publish_plugin_state (self, inst);
  }
  wait_for_drain (contexts, deadline);
}

static void
sync_instances_to_config (PosternDaemon *self, PosternDaemonConfig *config)
{
  g_autoptr(GPtrArray) ordered = g_ptr_array_new_with_free_func (instance_free);

  for (guint i = 0; i < config->plugins->len; i++) {
    PosternPluginConfig *pc = g_ptr_array_index (config->plugins, i);
    PluginInstance *inst = find_instance (self, pc->name);
    guint idx;

    if (inst != NULL && g_ptr_array_find (self->instances, inst, &idx)) {
      g_ptr_array_add (ordered, g_ptr_array_steal_index (self->instances, idx));
      continue;
    }
    inst = g_new0 (PluginInstance, 1);
    inst->name = g_strdup (pc->name);
    inst->status = PLUGIN_DISABLED;
    g_ptr_array_add (ordered, inst);
  }
  /* Instances whose group vanished stay listed as stopped at the end. */
  while (self->instances->len > 0)
    g_ptr_array_add (ordered, g_ptr_array_steal_index (self->instances, 0));
  g_ptr_array_unref (self->instances);
  self->instances = g_steal_pointer (&ordered);
}

static PosternDaemonConfig *
load_config (PosternDaemon *self, GError **error)
{
  return postern_daemon_config_load ((const gchar *const *) self->confdirs, self->plugin_dir,
                                     self->modules, error);
}

gboolean
postern_daemon_start (PosternDaemon *self, GDBusConnection *connection, GError **error)
{
  g_autoptr(PosternDaemonConfig) config = load_config (self, error);
  gboolean fail_hard;

  if (config == NULL)
    return FALSE;
  if (g_mkdir_with_parents (self->state_dir, 0700) != 0) {
    int saved = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 "cannot create state directory %s: %s", self->state_dir, g_strerror (saved));
    return FALSE;
  }
  /* The certificate is checked before any plugin starts. */
  if (!postern_front_apply_config (self->front, config->core, error))
    return FALSE;
  g_set_object (&self->connection, connection);
  self->config = g_steal_pointer (&config);
  fail_hard = postern_config_get_boolean (self->config->core, "fail-on-plugin-error");
  sync_instances_to_config (self, self->config);

  for (guint i = 0; i < self->config->plugins->len; i++) {
    PosternPluginConfig *pc = g_ptr_array_index (self->config->plugins, i);
    PluginInstance *inst = find_instance (self, pc->name);
    g_autoptr(GError) local = NULL;

    inst->module = pc->module;
    if (pc->load_error != NULL) {
      inst->status = PLUGIN_FAILED;
      inst->message = g_strdup (pc->load_error);
      g_warning ("plugin %s not loaded: %s", pc->name, pc->load_error);
      if (fail_hard) {
        g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_BAD_PLUGIN, "%s", pc->load_error);
        postern_daemon_stop (self);
        return FALSE;
      }
      continue;
    }
    if (!pc->enabled)
      continue;
    if (!start_instance (self, inst, pc, &local) && fail_hard) {
      g_propagate_error (error, g_steal_pointer (&local));
      postern_daemon_stop (self);
      return FALSE;
    }
  }
  if (!postern_front_sync (self->front, error)) {
    postern_daemon_stop (self);
    return FALSE;
  }
  set_state (self, "running");
  return TRUE;
}

static gboolean
plugin_config_changed (PosternConfig *old_config, PosternConfig *new_config)
{
  g_auto(GStrv) keys = postern_config_list_keys (new_config);

  for (guint i = 0; keys[i] != NULL; i++) {
    if (postern_config_key_changed (old_config, new_config, keys[i]))
      return TRUE;
  }
  return FALSE;
}

/* Reload: read and validate everything first; then stop what was removed,
 * hand running plugins their changed configuration, start what was added.
 * A plugin that refuses its new configuration keeps the old one. */
gboolean
postern_daemon_reload (PosternDaemon *self, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(PosternDaemonConfig) config = load_config (self, &local);
  g_autoptr(GPtrArray) to_stop = g_ptr_array_new ();
  g_autoptr(GString) refusals = g_string_new (NULL);
  gboolean core_changed;

  if (config == NULL) {
    g_warning ("reload refused, old configuration stays: %s", local->message);
    postern_event_bus_publish (self->bus, POSTERN_EVENT_CONFIG_RELOADED,
                               g_variant_new ("(bs)", FALSE, local->message));
    g_propagate_error (error, g_steal_pointer (&local));
    return FALSE;
  }
  for (guint i = 0; i < config->plugins->len; i++) {
    PosternPluginConfig *pc = g_ptr_array_index (config->plugins, i);
    if (pc->enabled && pc->load_error != NULL) {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_BAD_PLUGIN, "reload refused: %s", pc->load_error);
      g_warning ("%s", (*error)->message);
      postern_event_bus_publish (self->bus, POSTERN_EVENT_CONFIG_RELOADED,
                                 g_variant_new ("(bs)", FALSE, (*error)->message));
      return FALSE;
    }
  }
  /* A bad certificate or listener refuses the whole reload. */
  if (!postern_front_apply_config (self->front, config->core, &local)) {
    g_warning ("reload refused, old configuration stays: %s", local->message);
    postern_event_bus_publish (self->bus, POSTERN_EVENT_CONFIG_RELOADED,
                               g_variant_new ("(bs)", FALSE, local->message));
    g_propagate_error (error, g_steal_pointer (&local));
    return FALSE;
  }
  set_state (self, "reloading");

  for (guint i = 0; i < self->instances->len; i++) {
    PluginInstance *inst = g_ptr_array_index (self->instances, i);
    PosternPluginConfig *pc = postern_daemon_config_find (config, inst->name);
    if (inst->status == PLUGIN_RUNNING && (pc == NULL || !pc->enabled))
      g_ptr_array_add (to_stop, inst);
  }
  stop_instances (self, to_stop);

  core_changed = plugin_config_changed (self->config->core, config->core);
  sync_instances_to_config (self, config);
  for (guint i = 0; i < config->plugins->len; i++) {
    PosternPluginConfig *pc = g_ptr_array_index (config->plugins, i);
    PluginInstance *inst = find_instance (self, pc->name);
    g_autoptr(GError) plugin_error = NULL;

    inst->module = pc->module;
    if (!pc->enabled)
      continue;
    if (inst->status != PLUGIN_RUNNING) {
      if (!start_instance (self, inst, pc, &plugin_error))
        g_string_append_printf (refusals, "%s%s", refusals->len ? "; " : "", plugin_error->message);
      continue;
    }
    if (!core_changed && !plugin_config_changed (postern_context_get_config (inst->context), pc->config))
      continue;
    if (inst->module->descriptor->reload == NULL) {
      g_set_error (&plugin_error, POSTERN_ERROR, POSTERN_ERROR_REFUSED,
                   "plugin %s cannot change its configuration live; restart posternd", inst->name);
    } else if (inst->module->descriptor->reload (inst->state, inst->context, pc->config, &plugin_error)) {
      postern_context_set_config (inst->context, pc->config, config->core);
      g_message ("plugin %s applied its new configuration", inst->name);
      continue;
    } else if (plugin_error == NULL) {
      g_set_error (&plugin_error, POSTERN_ERROR, POSTERN_ERROR_REFUSED, "plugin %s refused without saying why",
                   inst->name);
    } else {
      g_prefix_error (&plugin_error, "plugin %s kept its old configuration: ", inst->name);
    }
    g_warning ("%s", plugin_error->message);
    g_string_append_printf (refusals, "%s%s", refusals->len ? "; " : "", plugin_error->message);
  }
  /* Contexts hold the configs they use; the old set can go. */
  g_clear_pointer (&self->config, postern_daemon_config_free);
  self->config = g_steal_pointer (&config);
  set_state (self, "running");

  if (refusals->len > 0) {
    postern_event_bus_publish (self->bus, POSTERN_EVENT_CONFIG_RELOADED,
                               g_variant_new ("(bs)", FALSE, refusals->str));
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_REFUSED, "%s", refusals->str);
    return FALSE;
  }
  g_message ("configuration reloaded");
  postern_event_bus_publish (self->bus, POSTERN_EVENT_CONFIG_RELOADED,
                             g_variant_new ("(bs)", TRUE, "configuration reloaded"));
  return TRUE;
}

void
postern_daemon_stop (PosternDaemon *self)
{
  g_autoptr(GPtrArray) to_stop = g_ptr_array_new ();

  if (self->config == NULL)
    return;
  set_state (self, "stopping");
  for (guint i = 0; i < self->instances->len; i++) {
    PluginInstance *inst = g_ptr_array_index (self->instances, i);
    if (inst->status == PLUGIN_RUNNING)
      g_ptr_array_add (to_stop, inst);
  }
  stop_instances (self, to_stop);
  /* After the plugins, so they withdraw (SRV records) while clients can still connect. */
  postern_front_stop (self->front);
  postern_event_bus_flush (self->bus);
  set_state (self, "stopped");
}
