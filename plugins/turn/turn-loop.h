/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A relay thread: one epoll over its shard's listening and relay sockets,
 * blocking in epoll_wait, no GLib main loop in between. Every callback
 * runs with @lock (the shard's) held; the main thread takes the same lock
 * for D-Bus, expiry and reload, so the shard has one owner at a time.
 * Watches are added and removed with @lock held, from either thread. */
typedef struct _TurnLoop TurnLoop;

typedef void (*TurnLoopFunc) (gint fd, gpointer user_data);

TurnLoop *turn_loop_new    (GMutex        *lock,
                            GError       **error);
gboolean  turn_loop_start  (TurnLoop      *self,
                            guint          index,
                            GError       **error);
void      turn_loop_stop   (TurnLoop      *self);
void      turn_loop_free   (TurnLoop      *self);
gboolean  turn_loop_add    (TurnLoop      *self,
                            gint           fd,
                            TurnLoopFunc   func,
                            gpointer       user_data,
                            GError       **error);
void      turn_loop_remove (TurnLoop      *self,
                            gint           fd);

G_END_DECLS
