/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "proxy-loop.h"

struct _ProxyLoop {
  GSource *epoll;
  GQueue timers;      /* ProxyTimer links, in no order */
  guint sweep_id;
};

ProxyLoop *
proxy_loop_new (GError **error)
{
  GSource *epoll = postern_epoll_source_new (error);
  ProxyLoop *self;

  if (epoll == NULL)
    return NULL;
  self = g_new0 (ProxyLoop, 1);
  self->epoll = epoll;
  g_queue_init (&self->timers);
  g_source_attach (epoll, NULL);
  return self;
}

void
proxy_loop_free (ProxyLoop *self)
{
  if (self == NULL)
    return;
  g_warn_if_fail (self->timers.length == 0);
  g_clear_handle_id (&self->sweep_id, g_source_remove);
  g_source_destroy (self->epoll);
  g_source_unref (self->epoll);
  g_free (self);
}

GSource *
proxy_loop_get_epoll (ProxyLoop *self)
{
  return self->epoll;
}

/* Fires the timers that are due. The due ones move to a list of their own
 * first: a callback may disarm or re-arm any timer, itself included. */
static gboolean
sweep_cb (gpointer user_data)
{
  ProxyLoop *self = user_data;
  gint64 now = g_get_monotonic_time ();
  GQueue due = G_QUEUE_INIT;
  GList *link = self->timers.head;

  while (link != NULL) {
    GList *next = link->next;
    ProxyTimer *timer = link->data;
    if (timer->deadline <= now) {
      g_queue_unlink (&self->timers, link);
      g_queue_push_tail_link (&due, link);
      timer->queue = &due;
    }
    link = next;
  }
  while ((link = g_queue_pop_head_link (&due)) != NULL) {
    ProxyTimer *timer = link->data;
    timer->queue = NULL;
    timer->func (timer->user_data);
  }
  /* Stops only when nothing is armed at a sweep, so a busy proxy whose
   * timers come and go keeps one source instead of one per request. */
  if (self->timers.length == 0) {
    self->sweep_id = 0;
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

void
proxy_timer_arm (ProxyLoop *self, ProxyTimer *timer, guint seconds, ProxyTimerFunc func, gpointer user_data)
{
  proxy_timer_disarm (timer);
  timer->deadline = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;
  timer->func = func;
  timer->user_data = user_data;
  timer->link.data = timer;
  timer->queue = &self->timers;
  g_queue_push_tail_link (&self->timers, &timer->link);
  if (self->sweep_id == 0)
    self->sweep_id = g_timeout_add_seconds (1, sweep_cb, self);
}

void
proxy_timer_disarm (ProxyTimer *timer)
{
  if (timer->queue == NULL)
    return;
  g_queue_unlink (timer->queue, &timer->link);
  timer->queue = NULL;
}

gboolean
proxy_timer_is_armed (const ProxyTimer *timer)
{
  return timer->queue != NULL;
}
