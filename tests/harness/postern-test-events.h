/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Records every Event signal (sv) the daemon emits on its bus, in order. */
typedef struct _PosternTestEvents PosternTestEvents;

PosternTestEvents *postern_test_events_new   (GDBusConnection   *connection);
void               postern_test_events_free  (PosternTestEvents *events);
guint              postern_test_events_count (PosternTestEvents *events,
                                              const gchar       *name);
GVariant          *postern_test_events_wait  (PosternTestEvents *events,
                                              const gchar       *name,
                                              const gchar       *first,
                                              guint              index);

void               postern_test_bus_round_trip (GDBusConnection *connection);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternTestEvents, postern_test_events_free)

G_END_DECLS
