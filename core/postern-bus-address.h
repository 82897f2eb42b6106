/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

const gchar     *postern_bus_resolve (const gchar  *bus);
GDBusConnection *postern_bus_connect (const gchar  *bus,
                                      GError      **error);

G_END_DECLS
