/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "postern-epoll-source.h"
#include "postern-error.h"

#include <errno.h>
#include <gio/gio.h>
#include <sys/epoll.h>
#include <unistd.h>

/* Ready descriptors handled per dispatch; more stay ready (level-triggered)
 * and come in the next main loop iteration, so other sources get a turn. */
#define MAX_EVENTS 128

typedef struct {
  guint64 id;           /* never reused: tells a stale ready event from a new watch */
  gint fd;
  gint ref_count;
  PosternEpollFunc func;
  gpointer user_data;
  GDestroyNotify destroy;
} Watch;

typedef struct {
  GSource parent;
  gint epfd;
  gpointer tag;
  guint64 next_id;
  GHashTable *by_fd;    /* GINT_TO_POINTER (fd) -> Watch* (holds a reference) */
  GHashTable *by_id;    /* guint64* -> Watch* */
} EpollSource;

static void
watch_unref (Watch *watch)
{
  if (--watch->ref_count > 0)
    return;
  if (watch->destroy != NULL)
    watch->destroy (watch->user_data);
  g_free (watch);
}

static guint32
to_epoll (GIOCondition events)
{
  guint32 out = 0;

  if (events & G_IO_IN)
    out |= EPOLLIN;
  if (events & G_IO_OUT)
    out |= EPOLLOUT;
  if (events & G_IO_PRI)
    out |= EPOLLPRI;
  return out;
}

static GIOCondition
from_epoll (guint32 events)
{
  GIOCondition out = 0;

  if (events & EPOLLIN)
    out |= G_IO_IN;
  if (events & EPOLLOUT)
    out |= G_IO_OUT;
  if (events & EPOLLPRI)
    out |= G_IO_PRI;
  if (events & EPOLLERR)
    out |= G_IO_ERR;
  if (events & EPOLLHUP)
    out |= G_IO_HUP;
  return out;
}

static gboolean
epoll_source_dispatch (GSource     *source,
                       GSourceFunc  callback,
                       gpointer     user_data)
{
  EpollSource *self = (EpollSource *) source;
  /* On the stack: the source may recurse (see postern_epoll_source_new()). */
  struct epoll_event events[MAX_EVENTS];
  int n;

  do
    n = epoll_wait (self->epfd, events, MAX_EVENTS, 0);
  while (n < 0 && errno == EINTR);

  for (int i = 0; i < n; i++)
    {
      guint64 id = events[i].data.u64;
      Watch *watch = g_hash_table_lookup (self->by_id, &id);
      gboolean keep;

      /* removed by an earlier callback of this batch */
      if (watch == NULL)
        continue;
      watch->ref_count++;
      keep = watch->func (watch->fd, from_epoll (events[i].events), watch->user_data);
      if (!keep && g_hash_table_lookup (self->by_id, &id) == watch)
        postern_epoll_source_remove (source, watch->fd);
      watch_unref (watch);
    }
  return G_SOURCE_CONTINUE;
}

static void
epoll_source_finalize (GSource *source)
{
  EpollSource *self = (EpollSource *) source;

  g_hash_table_unref (self->by_id);
  g_hash_table_unref (self->by_fd);
  if (self->epfd >= 0)
    close (self->epfd);
}

static GSourceFuncs epoll_source_funcs = {
  .dispatch = epoll_source_dispatch,
  .finalize = epoll_source_finalize,
};

#define IS_EPOLL_SOURCE(s) ((s) != NULL && (s)->source_funcs == &epoll_source_funcs)

/**
 * postern_epoll_source_new:
 * @error: return location for an error
 *
 * Creates a #GSource that watches any number of descriptors through one
 * epoll instance, so the main loop polls a single descriptor however many
 * sockets (thousands of TURN relay sockets) it covers. Each descriptor has
 * its own callback, given to postern_epoll_source_add(); the source's own
 * callback (g_source_set_callback()) is not used. Watches are
 * level-triggered. Use the source from the thread of the #GMainContext it is
 * attached to.
 *
 * Returns: (transfer full) (nullable): the source, or %NULL if epoll is
 *   unavailable
 */
GSource *
postern_epoll_source_new (GError **error)
{
  GSource *source;
  EpollSource *self;
  int epfd = epoll_create1 (EPOLL_CLOEXEC);

  if (epfd < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "epoll_create1: %s", g_strerror (saved));
      return NULL;
    }
  source = g_source_new (&epoll_source_funcs, sizeof (EpollSource));
  g_source_set_static_name (source, "PosternEpollSource");
  self = (EpollSource *) source;
  self->epfd = epfd;
  self->next_id = 1;
  self->by_fd = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, (GDestroyNotify) watch_unref);
  self->by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  self->tag = g_source_add_unix_fd (source, epfd, G_IO_IN);
  /* GLib blocks a non-recursive source around each dispatch by taking its
   * descriptor out of the poll set and putting it back, and each change
   * writes the context's wakeup eventfd: two write()s and a wasted loop
   * iteration per dispatch. Dispatch is reentrant, so allow recursion. */
  g_source_set_can_recurse (source, TRUE);
  return source;
}

/**
 * postern_epoll_source_add:
 * @source: a source from postern_epoll_source_new()
 * @fd: a descriptor not yet watched by @source
 * @events: what to wait for (%G_IO_IN, %G_IO_OUT, %G_IO_PRI); errors and
 *   hang-ups are always reported
 * @func: (scope notified) (closure user_data) (destroy destroy): called when
 *   @fd is ready
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data once the watch is gone
 * @error: return location for an error
 *
 * Starts watching @fd. The caller keeps owning @fd and must remove the
 * watch before closing it.
 *
 * Returns: %TRUE on success; %POSTERN_ERROR_EXISTS if @fd is already watched
 */
gboolean
postern_epoll_source_add (GSource          *source,
                          gint              fd,
                          GIOCondition      events,
                          PosternEpollFunc  func,
                          gpointer          user_data,
                          GDestroyNotify    destroy,
                          GError          **error)
{
  EpollSource *self = (EpollSource *) source;
  struct epoll_event ev = { 0 };
  Watch *watch;

  g_return_val_if_fail (IS_EPOLL_SOURCE (source), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  if (g_hash_table_contains (self->by_fd, GINT_TO_POINTER (fd)))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_EXISTS, "descriptor %d is already watched", fd);
      return FALSE;
    }
  watch = g_new0 (Watch, 1);
  watch->id = self->next_id++;
  watch->fd = fd;
  watch->ref_count = 1;
  watch->func = func;
  watch->user_data = user_data;
  watch->destroy = destroy;

  ev.events = to_epoll (events);
  ev.data.u64 = watch->id;
  if (epoll_ctl (self->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "cannot watch descriptor %d: %s", fd, g_strerror (saved));
      g_free (watch);
      return FALSE;
    }
  g_hash_table_insert (self->by_id, &watch->id, watch);
  g_hash_table_insert (self->by_fd, GINT_TO_POINTER (fd), watch);
  return TRUE;
}

/**
 * postern_epoll_source_modify:
 * @source: a source from postern_epoll_source_new()
 * @fd: a watched descriptor
 * @events: the new set of conditions to wait for
 * @error: return location for an error
 *
 * Changes what @fd is watched for, e.g. adds %G_IO_OUT while a send is
 * blocked and drops it afterwards.
 *
 * Returns: %TRUE on success; %POSTERN_ERROR_NOT_FOUND if @fd is not watched
 */
gboolean
postern_epoll_source_modify (GSource       *source,
                             gint           fd,
                             GIOCondition   events,
                             GError       **error)
{
  EpollSource *self = (EpollSource *) source;
  struct epoll_event ev = { 0 };
  Watch *watch;

  g_return_val_if_fail (IS_EPOLL_SOURCE (source), FALSE);

  watch = g_hash_table_lookup (self->by_fd, GINT_TO_POINTER (fd));
  if (watch == NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND, "descriptor %d is not watched", fd);
      return FALSE;
    }
  ev.events = to_epoll (events);
  ev.data.u64 = watch->id;
  if (epoll_ctl (self->epfd, EPOLL_CTL_MOD, fd, &ev) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "cannot modify descriptor %d: %s", fd, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/**
 * postern_epoll_source_remove:
 * @source: a source from postern_epoll_source_new()
 * @fd: a watched descriptor
 *
 * Stops watching @fd; its destroy notify runs (after its callback returns,
 * if called from it). Ready events already fetched for @fd are dropped.
 *
 * Returns: %TRUE if @fd was watched
 */
gboolean
postern_epoll_source_remove (GSource *source,
                             gint     fd)
{
  EpollSource *self = (EpollSource *) source;
  Watch *watch;

  g_return_val_if_fail (IS_EPOLL_SOURCE (source), FALSE);

  watch = g_hash_table_lookup (self->by_fd, GINT_TO_POINTER (fd));
  if (watch == NULL)
    return FALSE;
  /* fails harmlessly with EBADF when the caller closed fd first */
  epoll_ctl (self->epfd, EPOLL_CTL_DEL, fd, NULL);
  g_hash_table_remove (self->by_id, &watch->id);
  g_hash_table_remove (self->by_fd, GINT_TO_POINTER (fd));
  return TRUE;
}

/**
 * postern_epoll_source_get_n_fds:
 * @source: a source from postern_epoll_source_new()
 *
 * Returns: the number of watched descriptors
 */
guint
postern_epoll_source_get_n_fds (GSource *source)
{
  g_return_val_if_fail (IS_EPOLL_SOURCE (source), 0);
  return g_hash_table_size (((EpollSource *) source)->by_fd);
}
