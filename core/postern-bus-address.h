/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

GDBusConnection *postern_bus_connect (const gchar  *bus,
                                      GError      **error);

G_END_DECLS
