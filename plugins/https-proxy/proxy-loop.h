/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <postern.h>

G_BEGIN_DECLS

/* What the connections to the nodes wait on: one epoll source for all their
 * sockets (the main loop polls one descriptor, not one per connection) and
 * coarse timers. A timer is a list entry that one sweep a second checks, so
 * arming and disarming cost no GSource and no system call; it fires up to a
 * second late, which suits timeouts counted in seconds. */

typedef struct _ProxyLoop ProxyLoop;
typedef struct _ProxyTimer ProxyTimer;

typedef void (*ProxyTimerFunc) (gpointer user_data);

/* Embedded in its owner; zero-filled means disarmed. */
struct _ProxyTimer {
  GList link;
  GQueue *queue;      /* the list it is on while armed */
  gint64 deadline;    /* monotonic µs */
  ProxyTimerFunc func;
  gpointer user_data;
};

/* NULL with @error when epoll is unavailable. */
ProxyLoop *proxy_loop_new           (GError **error);
/* Every watch and timer must be gone first. */
void       proxy_loop_free          (ProxyLoop *self);
/* The PosternEpollSource the connections add their sockets to. */
GSource   *proxy_loop_get_epoll     (ProxyLoop *self);

/* (Re)arms @timer to call @func once, @seconds from now. */
void       proxy_timer_arm          (ProxyLoop      *self,
                                     ProxyTimer     *timer,
                                     guint           seconds,
                                     ProxyTimerFunc  func,
                                     gpointer        user_data);
void       proxy_timer_disarm       (ProxyTimer *timer);
gboolean   proxy_timer_is_armed     (const ProxyTimer *timer);

G_END_DECLS
