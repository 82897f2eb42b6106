/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "postern.h"

G_BEGIN_DECLS

#define POSTERN_TYPE_DAEMON (postern_daemon_get_type ())
G_DECLARE_FINAL_TYPE (PosternDaemon, postern_daemon, POSTERN, DAEMON, GObject)

PosternDaemon   *postern_daemon_new            (const gchar *const *confdirs,
                                                const gchar        *plugin_dir,
                                                const gchar        *state_dir);
gboolean         postern_daemon_start          (PosternDaemon      *self,
                                                GDBusConnection    *connection,
                                                GError            **error);
gboolean         postern_daemon_reload         (PosternDaemon      *self,
                                                GError            **error);
void             postern_daemon_stop           (PosternDaemon      *self);
PosternEventBus *postern_daemon_get_event_bus  (PosternDaemon      *self);
const gchar     *postern_daemon_get_state      (PosternDaemon      *self);
GVariant        *postern_daemon_dup_plugins    (PosternDaemon      *self);
gchar          **postern_daemon_dup_confdirs   (PosternDaemon      *self);

G_END_DECLS
