/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "postern-test-events.h"

#define WAIT_US (60 * G_USEC_PER_SEC)

struct _PosternTestEvents {
  GDBusConnection *connection;
  guint subscription;
  GPtrArray *seen; /* GVariant (sv), the signal's parameters */
};

static void
event_cb (GDBusConnection *connection, const gchar *sender, const gchar *path, const gchar *interface,
          const gchar *signal, GVariant *parameters, gpointer user_data)
{
  PosternTestEvents *events = user_data;

  g_ptr_array_add (events->seen, g_variant_ref (parameters));
}

/* Returns once the bus has handled what @connection sent before: the bus
 * takes a connection's messages in order, so a signal subscription's
 * AddMatch (sent without waiting) is in place and no signal emitted from
 * here on is missed. */
void
postern_test_bus_round_trip (GDBusConnection *connection)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetId", NULL, G_VARIANT_TYPE ("(s)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reply);
}

/* Starts recording; signals are taken in as the default main context runs. */
PosternTestEvents *
postern_test_events_new (GDBusConnection *connection)
{
  PosternTestEvents *events = g_new0 (PosternTestEvents, 1);

  events->connection = g_object_ref (connection);
  events->seen = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  events->subscription = g_dbus_connection_signal_subscribe (connection, NULL, "org.postern.Postern1", "Event",
                                                             "/org/postern/Postern1", NULL,
                                                             G_DBUS_SIGNAL_FLAGS_NONE, event_cb, events, NULL);
  postern_test_bus_round_trip (connection);
  return events;
}

void
postern_test_events_free (PosternTestEvents *events)
{
  g_dbus_connection_signal_unsubscribe (events->connection, events->subscription);
  g_object_unref (events->connection);
  g_ptr_array_unref (events->seen);
  g_free (events);
}

/* The payload of the @index-th event @name (counting only those whose first
 * string member is @first, when @first is not NULL), or NULL if none. */
static GVariant *
find (PosternTestEvents *events, const gchar *name, const gchar *first, guint index)
{
  guint matched = 0;

  for (guint i = 0; i < events->seen->len; i++) {
    g_autoptr(GVariant) payload = NULL;
    const gchar *n;

    g_variant_get (events->seen->pdata[i], "(&sv)", &n, &payload);
    if (!g_str_equal (n, name))
      continue;
    if (first != NULL) {
      g_autoptr(GVariant) member = NULL;

      if (!g_variant_is_container (payload) || g_variant_n_children (payload) == 0)
        continue;
      member = g_variant_get_child_value (payload, 0);
      if (!g_variant_is_of_type (member, G_VARIANT_TYPE_STRING) ||
          !g_str_equal (g_variant_get_string (member, NULL), first))
        continue;
    }
    if (matched++ == index)
      return g_steal_pointer (&payload);
  }
  return NULL;
}

/* How many events @name were signalled so far (pending signals included). */
guint
postern_test_events_count (PosternTestEvents *events, const gchar *name)
{
  guint count = 0;

  while (g_main_context_iteration (NULL, FALSE))
    ;
  for (guint i = 0; i < events->seen->len; i++) {
    const gchar *n;

    g_variant_get_child (events->seen->pdata[i], 0, "&s", &n);
    count += g_str_equal (n, name);
  }
  return count;
}

/* Waits (up to a minute) for the @index-th event @name, optionally only
 * those whose first member is @first; returns its payload, or NULL. */
GVariant *
postern_test_events_wait (PosternTestEvents *events, const gchar *name, const gchar *first, guint index)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_US;

  for (;;) {
    GVariant *payload = find (events, name, first, index);

    if (payload != NULL || g_get_monotonic_time () >= deadline)
      return payload;
    g_main_context_iteration (NULL, FALSE);
    g_usleep (10 * 1000);
  }
}
