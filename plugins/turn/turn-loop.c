/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turn-loop.h"
#include "turn-lock.h"

#include <errno.h>
#include <gio/gio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define MAX_EVENTS 128
/* epoll data of the eventfd that stops the thread; watches count from 1 */
#define STOP_ID 0

typedef struct {
  guint64 id;      /* never reused: an event fetched before a removal finds nothing */
  gint fd;
  TurnLoopFunc func;
  gpointer user_data;
} Watch;

struct _TurnLoop {
  GMutex *lock;
  gint epfd;
  gint stop_fd;
  gboolean stopping;
  GThread *thread;
  guint64 next_id;
  GHashTable *by_fd;   /* GINT_TO_POINTER (fd) -> Watch* (owns it) */
  GHashTable *by_id;   /* guint64* -> Watch* */
};

static gboolean
set_errno_error (GError **error, const gchar *what)
{
  int saved = errno;

  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "%s: %s", what, g_strerror (saved));
  return FALSE;
}

TurnLoop *
turn_loop_new (GMutex  *lock,
               GError **error)
{
  TurnLoop *self = g_new0 (TurnLoop, 1);
  struct epoll_event ev = { .events = EPOLLIN, .data.u64 = STOP_ID };

  self->lock = lock;
  self->next_id = STOP_ID + 1;
  self->by_fd = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  self->by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  self->epfd = epoll_create1 (EPOLL_CLOEXEC);
  self->stop_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (self->epfd < 0 || self->stop_fd < 0 || epoll_ctl (self->epfd, EPOLL_CTL_ADD, self->stop_fd, &ev) != 0)
    {
      set_errno_error (error, "relay thread epoll");
      turn_loop_free (self);
      return NULL;
    }
  return self;
}

static gpointer
run (gpointer data)
{
  TurnLoop *self = data;
  struct epoll_event events[MAX_EVENTS];

  for (;;)
    {
      int n = epoll_wait (self->epfd, events, MAX_EVENTS, -1);

      if (n < 0 && errno != EINTR)
        g_error ("relay thread: epoll_wait: %s", g_strerror (errno));
      turn_mutex_lock (self->lock);
      if (self->stopping)
        {
          turn_mutex_unlock (self->lock);
          return NULL;
        }
      for (int i = 0; i < n; i++)
        {
          guint64 id = events[i].data.u64;
          Watch *watch = g_hash_table_lookup (self->by_id, &id);

          /* removed by an earlier callback of this round */
          if (watch != NULL)
            watch->func (watch->fd, watch->user_data);
        }
      turn_mutex_unlock (self->lock);
    }
}

gboolean
turn_loop_start (TurnLoop  *self,
                 guint      index,
                 GError   **error)
{
  gchar name[16];

  g_snprintf (name, sizeof name, "turn-relay-%u", index);
  self->thread = g_thread_try_new (name, run, self, error);
  return self->thread != NULL;
}

/* Stops and joins the thread: call without the lock held. Watches stay
 * until removed or freed. */
void
turn_loop_stop (TurnLoop *self)
{
  if (self->thread != NULL)
    {
      guint64 one = 1;

      turn_mutex_lock (self->lock);
      self->stopping = TRUE;
      turn_mutex_unlock (self->lock);
      if (write (self->stop_fd, &one, sizeof one) != sizeof one)
        g_error ("relay thread: cannot signal the stop: %s", g_strerror (errno));
      g_thread_join (self->thread);
      self->thread = NULL;
    }
}

void
turn_loop_free (TurnLoop *self)
{
  if (self == NULL)
    return;
  turn_loop_stop (self);
  g_hash_table_unref (self->by_id);
  g_hash_table_unref (self->by_fd);
  if (self->stop_fd >= 0)
    close (self->stop_fd);
  if (self->epfd >= 0)
    close (self->epfd);
  g_free (self);
}

/* Watches @fd for input; @func runs in the relay thread. */
gboolean
turn_loop_add (TurnLoop      *self,
               gint           fd,
               TurnLoopFunc   func,
               gpointer       user_data,
               GError       **error)
{
  Watch *watch = g_new0 (Watch, 1);
  struct epoll_event ev = { .events = EPOLLIN };

  watch->id = self->next_id++;
  watch->fd = fd;
  watch->func = func;
  watch->user_data = user_data;
  ev.data.u64 = watch->id;
  if (epoll_ctl (self->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
    {
      g_free (watch);
      return set_errno_error (error, "cannot watch a relay socket");
    }
  g_hash_table_insert (self->by_id, &watch->id, watch);
  g_hash_table_insert (self->by_fd, GINT_TO_POINTER (fd), watch);
  return TRUE;
}

/* Call before closing @fd. */
void
turn_loop_remove (TurnLoop *self,
                  gint      fd)
{
  Watch *watch = g_hash_table_lookup (self->by_fd, GINT_TO_POINTER (fd));

  if (watch == NULL)
    return;
  epoll_ctl (self->epfd, EPOLL_CTL_DEL, fd, NULL);
  g_hash_table_remove (self->by_id, &watch->id);
  g_hash_table_remove (self->by_fd, GINT_TO_POINTER (fd));
}
