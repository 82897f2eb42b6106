/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "postern-dbus-service.h"

#include "postern-dbus-generated.h"

/* The D-Bus face of the daemon: org.postern.Postern1 at /org/postern/Postern1,
 * a thin adapter over PosternDaemon (properties mirror its state, Reload
 * calls it, every event-bus event is re-emitted as the Event signal). */

struct _PosternDBusService {
  GObject parent_instance;
  PosternDaemon *daemon;
  PosternDBusPostern1 *skeleton;
  guint event_subscription;
  gulong changed_handler;
};

G_DEFINE_FINAL_TYPE (PosternDBusService, postern_dbus_service, G_TYPE_OBJECT)

static void
sync_properties (PosternDBusService *self)
{
  g_autoptr(GVariant) plugins = postern_daemon_dup_plugins (self->daemon);

  postern_dbus_postern1_set_state (self->skeleton, postern_daemon_get_state (self->daemon));
  postern_dbus_postern1_set_plugins (self->skeleton, plugins);
}

static void
daemon_changed_cb (PosternDaemon *daemon, gpointer user_data)
{
  sync_properties (user_data);
}

static void
event_cb (PosternEventBus *bus, const gchar *name, GVariant *payload, gpointer user_data)
{
  PosternDBusService *self = user_data;

  postern_dbus_postern1_emit_event (self->skeleton, name, g_variant_new_variant (payload));
  /* Plugin state changes alter the Plugins property too. */
  if (g_str_equal (name, POSTERN_EVENT_PLUGIN_STATE))
    sync_properties (self);
}

static gboolean
handle_reload (PosternDBusPostern1 *skeleton, GDBusMethodInvocation *invocation, gpointer user_data)
{
  PosternDBusService *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!postern_daemon_reload (self->daemon, &error))
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    postern_dbus_postern1_complete_reload (skeleton, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_list_event_types (PosternDBusPostern1 *skeleton, GDBusMethodInvocation *invocation,
                         gpointer user_data)
{
  PosternDBusService *self = user_data;
  PosternEventBus *bus = postern_daemon_get_event_bus (self->daemon);
  g_auto(GStrv) names = postern_event_bus_list_types (bus);
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(sss)"));
  for (guint i = 0; names[i] != NULL; i++)
    g_variant_builder_add (&b, "(sss)", names[i], postern_event_bus_get_signature (bus, names[i]),
                           postern_event_bus_get_doc (bus, names[i]));
  postern_dbus_postern1_complete_list_event_types (skeleton, invocation, g_variant_builder_end (&b));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
postern_dbus_service_dispose (GObject *object)
{
  PosternDBusService *self = POSTERN_DBUS_SERVICE (object);

  if (self->event_subscription != 0) {
    postern_event_bus_unsubscribe (postern_daemon_get_event_bus (self->daemon), self->event_subscription);
    self->event_subscription = 0;
  }
  g_clear_signal_handler (&self->changed_handler, self->daemon);
  if (self->skeleton != NULL) {
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->skeleton));
    g_clear_object (&self->skeleton);
  }
  g_clear_object (&self->daemon);
  G_OBJECT_CLASS (postern_dbus_service_parent_class)->dispose (object);
}

static void
postern_dbus_service_class_init (PosternDBusServiceClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = postern_dbus_service_dispose;
}

static void
postern_dbus_service_init (PosternDBusService *self)
{
}

PosternDBusService *
postern_dbus_service_new (PosternDaemon *daemon, GDBusConnection *connection, GError **error)
{
  g_autoptr(PosternDBusService) self = g_object_new (POSTERN_TYPE_DBUS_SERVICE, NULL);
  g_auto(GStrv) confdirs = postern_daemon_dup_confdirs (daemon);

  /* Make sure the error domain is registered before any error crosses the bus. */
  (void) POSTERN_ERROR;

  self->daemon = g_object_ref (daemon);
  self->skeleton = postern_dbus_postern1_skeleton_new ();
  postern_dbus_postern1_set_version (self->skeleton, POSTERN_VERSION);
  postern_dbus_postern1_set_config_dirs (self->skeleton, (const gchar *const *) confdirs);
  postern_dbus_postern1_set_start_time (self->skeleton, (guint64) g_get_real_time ());
  sync_properties (self);
  g_signal_connect (self->skeleton, "handle-reload", G_CALLBACK (handle_reload), self);
  g_signal_connect (self->skeleton, "handle-list-event-types", G_CALLBACK (handle_list_event_types), self);
  self->changed_handler = g_signal_connect (daemon, "changed", G_CALLBACK (daemon_changed_cb), self);
  self->event_subscription = postern_event_bus_subscribe (postern_daemon_get_event_bus (daemon), NULL,
                                                          event_cb, self, NULL);
  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->skeleton), connection,
                                         POSTERN_DBUS_PATH, error))
    return NULL;
  return g_steal_pointer (&self);
}
