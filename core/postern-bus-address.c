/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "postern-bus-address.h"

/* `--bus` for posternd and posternctl alike: `system` (production),
 * `session`, or a D-Bus address such as a test's private dbus-daemon.
 * Without `--bus`, $POSTERN_BUS chooses, then the system bus. */
const gchar *
postern_bus_resolve (const gchar *bus)
{
  if (bus != NULL)
    return bus;
  bus = g_getenv ("POSTERN_BUS");
  return bus != NULL && bus[0] != '\0' ? bus : "system";
}

GDBusConnection *
postern_bus_connect (const gchar *bus, GError **error)
{
  bus = postern_bus_resolve (bus);
  if (g_str_equal (bus, "system"))
    return g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, error);
  if (g_str_equal (bus, "session"))
    return g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, error);
  if (!g_dbus_is_address (bus)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "--bus: '%s' is not system, session or a D-Bus address", bus);
    return NULL;
  }
  return g_dbus_connection_new_for_address_sync (bus,
                                                 G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                 G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                 NULL, NULL, error);
}
