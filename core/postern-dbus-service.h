/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "postern-daemon.h"

G_BEGIN_DECLS

#define POSTERN_TYPE_DBUS_SERVICE (postern_dbus_service_get_type ())
G_DECLARE_FINAL_TYPE (PosternDBusService, postern_dbus_service, POSTERN, DBUS_SERVICE, GObject)

PosternDBusService *postern_dbus_service_new (PosternDaemon    *daemon,
                                              GDBusConnection  *connection,
                                              GError          **error);

G_END_DECLS
