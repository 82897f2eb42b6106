/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <postern.h>

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
  GMainContext *context;
  GSource *source;
} Fixture;

typedef struct {
  gint fd;
  guint calls;
  GIOCondition last;
  gboolean keep;
  gboolean destroyed;
  GSource *source;      /* for callbacks that edit the set */
  gint remove_fd;       /* another fd to remove from the callback, or -1 */
  guint *batch_calls;   /* shared counter across watches, or NULL */
} Watch;

static gboolean
on_ready (gint fd, GIOCondition condition, gpointer user_data)
{
  Watch *w = user_data;
  gchar buf[64];

  g_assert_cmpint (fd, ==, w->fd);
  g_assert_false (w->destroyed);
  w->calls++;
  w->last = condition;
  if (w->batch_calls != NULL)
    (*w->batch_calls)++;
  if (condition & G_IO_IN)
    while (recv (fd, buf, sizeof buf, MSG_DONTWAIT) > 0)
      ;
  if (w->remove_fd >= 0)
    g_assert_true (postern_epoll_source_remove (w->source, w->remove_fd));
  return w->keep;
}

static void
on_destroy (gpointer user_data)
{
  Watch *w = user_data;
  g_assert_false (w->destroyed);
  w->destroyed = TRUE;
}

static void
make_pair (gint fds[2])
{
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), ==, 0);
}

static void
send_byte (gint fd)
{
  g_assert_cmpint (send (fd, "x", 1, 0), ==, 1);
}

/* Runs every dispatch that is possible now, without blocking. */
static void
drain (GMainContext *context)
{
  for (guint i = 0; i < 10 && g_main_context_iteration (context, FALSE); i++)
    ;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->context = g_main_context_new ();
  f->source = postern_epoll_source_new (&error);
  g_assert_no_error (error);
  g_source_attach (f->source, f->context);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_source_destroy (f->source);
  g_source_unref (f->source);
  g_main_context_unref (f->context);
}

static void
test_readable (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  gint a[2], b[2];
  Watch wa = { .keep = TRUE, .remove_fd = -1 }, wb = { .keep = TRUE, .remove_fd = -1 };

  make_pair (a);
  make_pair (b);
  wa.fd = a[0];
  wb.fd = b[0];
  g_assert_true (postern_epoll_source_add (f->source, a[0], G_IO_IN, on_ready, &wa, on_destroy, &error));
  g_assert_no_error (error);
  g_assert_true (postern_epoll_source_add (f->source, b[0], G_IO_IN, on_ready, &wb, on_destroy, &error));
  g_assert_cmpuint (postern_epoll_source_get_n_fds (f->source), ==, 2);

  drain (f->context);
  g_assert_cmpuint (wa.calls + wb.calls, ==, 0);

  send_byte (a[1]);
  drain (f->context);
  g_assert_cmpuint (wa.calls, ==, 1);
  g_assert_cmpint (wa.last & G_IO_IN, ==, G_IO_IN);
  g_assert_cmpuint (wb.calls, ==, 0);

  /* drained by the callback: quiet again */
  drain (f->context);
  g_assert_cmpuint (wa.calls, ==, 1);

  send_byte (b[1]);
  send_byte (a[1]);
  drain (f->context);
  g_assert_cmpuint (wa.calls, ==, 2);
  g_assert_cmpuint (wb.calls, ==, 1);

  /* remove: no more callbacks, destroy notify runs once */
  g_assert_true (postern_epoll_source_remove (f->source, a[0]));
  g_assert_true (wa.destroyed);
  g_assert_false (postern_epoll_source_remove (f->source, a[0]));
  send_byte (a[1]);
  drain (f->context);
  g_assert_cmpuint (wa.calls, ==, 2);
  g_assert_cmpuint (postern_epoll_source_get_n_fds (f->source), ==, 1);

  g_assert_true (postern_epoll_source_remove (f->source, b[0]));
  g_assert_true (wb.destroyed);
  close (a[0]); close (a[1]); close (b[0]); close (b[1]);
}

static void
test_finalize_releases_watches (void)
{
  GSource *source = postern_epoll_source_new (NULL);
  gint p[2], q[2];
  Watch wp = { .keep = TRUE, .remove_fd = -1 }, wq = { .keep = TRUE, .remove_fd = -1 };

  make_pair (p);
  make_pair (q);
  wp.fd = p[0];
  wq.fd = q[0];
  g_assert_true (postern_epoll_source_add (source, p[0], G_IO_IN, on_ready, &wp, on_destroy, NULL));
  g_assert_true (postern_epoll_source_add (source, q[0], G_IO_OUT, on_ready, &wq, on_destroy, NULL));
  g_source_unref (source);
  g_assert_true (wp.destroyed);
  g_assert_true (wq.destroyed);
  g_assert_cmpuint (wp.calls + wq.calls, ==, 0);
  close (p[0]); close (p[1]); close (q[0]); close (q[1]);
}

static void
test_modify_writable (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  gint p[2];
  Watch w = { .keep = TRUE, .remove_fd = -1 };

  make_pair (p);
  w.fd = p[0];
  g_assert_true (postern_epoll_source_add (f->source, p[0], G_IO_IN, on_ready, &w, on_destroy, &error));
  drain (f->context);
  g_assert_cmpuint (w.calls, ==, 0);

  g_assert_true (postern_epoll_source_modify (f->source, p[0], G_IO_IN | G_IO_OUT, &error));
  g_assert_no_error (error);
  g_main_context_iteration (f->context, FALSE);
  g_assert_cmpuint (w.calls, ==, 1);
  g_assert_cmpint (w.last & G_IO_OUT, ==, G_IO_OUT);

  g_assert_true (postern_epoll_source_modify (f->source, p[0], G_IO_IN, &error));
  w.calls = 0;
  drain (f->context);
  g_assert_cmpuint (w.calls, ==, 0);

  g_assert_false (postern_epoll_source_modify (f->source, p[1], G_IO_IN, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND);

  postern_epoll_source_remove (f->source, p[0]);
  close (p[0]); close (p[1]);
}

static void
test_callback_returns_false (Fixture *f, gconstpointer data)
{
  gint p[2];
  Watch w = { .keep = FALSE, .remove_fd = -1 };

  make_pair (p);
  w.fd = p[0];
  g_assert_true (postern_epoll_source_add (f->source, p[0], G_IO_IN, on_ready, &w, on_destroy, NULL));
  send_byte (p[1]);
  drain (f->context);
  g_assert_cmpuint (w.calls, ==, 1);
  g_assert_true (w.destroyed);
  g_assert_cmpuint (postern_epoll_source_get_n_fds (f->source), ==, 0);
  send_byte (p[1]);
  drain (f->context);
  g_assert_cmpuint (w.calls, ==, 1);
  close (p[0]); close (p[1]);
}

static void
test_remove_self_in_callback (Fixture *f, gconstpointer data)
{
  gint p[2];
  Watch w = { .keep = TRUE };

  make_pair (p);
  w.fd = p[0];
  w.source = f->source;
  w.remove_fd = p[0];
  g_assert_true (postern_epoll_source_add (f->source, p[0], G_IO_IN, on_ready, &w, on_destroy, NULL));
  send_byte (p[1]);
  drain (f->context);
  g_assert_cmpuint (w.calls, ==, 1);
  g_assert_true (w.destroyed);
  g_assert_cmpuint (postern_epoll_source_get_n_fds (f->source), ==, 0);
  close (p[0]); close (p[1]);
}

static void
test_remove_other_in_same_batch (Fixture *f, gconstpointer data)
{
  gint a[2], b[2];
  guint batch = 0;
  Watch wa = { .keep = TRUE, .batch_calls = &batch }, wb = { .keep = TRUE, .batch_calls = &batch };

  make_pair (a);
  make_pair (b);
  wa.fd = a[0];
  wb.fd = b[0];
  wa.source = wb.source = f->source;
  wa.remove_fd = b[0];
  wb.remove_fd = a[0];
  g_assert_true (postern_epoll_source_add (f->source, a[0], G_IO_IN, on_ready, &wa, on_destroy, NULL));
  g_assert_true (postern_epoll_source_add (f->source, b[0], G_IO_IN, on_ready, &wb, on_destroy, NULL));
  /* both ready in one epoll_wait; whichever runs first removes the other */
  send_byte (a[1]);
  send_byte (b[1]);
  g_main_context_iteration (f->context, FALSE);
  g_assert_cmpuint (batch, ==, 1);
  g_assert_false (wa.destroyed && wb.destroyed);
  g_assert_true (wa.destroyed || wb.destroyed);
  g_assert_cmpuint (postern_epoll_source_get_n_fds (f->source), ==, 1);
  postern_epoll_source_remove (f->source, wa.destroyed ? b[0] : a[0]);
  g_assert_true (wa.destroyed && wb.destroyed);
  close (a[0]); close (a[1]); close (b[0]); close (b[1]);
}

static void
test_hangup (Fixture *f, gconstpointer data)
{
  gint p[2];
  Watch w = { .keep = TRUE, .remove_fd = -1 };

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, p), ==, 0);
  w.fd = p[0];
  g_assert_true (postern_epoll_source_add (f->source, p[0], G_IO_IN, on_ready, &w, on_destroy, NULL));
  close (p[1]);
  g_main_context_iteration (f->context, FALSE);
  g_assert_cmpuint (w.calls, ==, 1);
  g_assert_cmpint (w.last & G_IO_HUP, ==, G_IO_HUP);
  postern_epoll_source_remove (f->source, p[0]);
  close (p[0]);
}

static void
test_add_errors (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  gint p[2];
  Watch w = { .keep = TRUE, .remove_fd = -1 };
  gint fd;

  make_pair (p);
  w.fd = p[0];
  g_assert_true (postern_epoll_source_add (f->source, p[0], G_IO_IN, on_ready, &w, NULL, &error));
  g_assert_false (postern_epoll_source_add (f->source, p[0], G_IO_IN, on_ready, &w, NULL, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_EXISTS);
  g_clear_error (&error);

  /* a closed descriptor */
  fd = dup (p[1]);
  close (fd);
  g_assert_false (postern_epoll_source_add (f->source, fd, G_IO_IN, on_ready, &w, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_cmpuint (postern_epoll_source_get_n_fds (f->source), ==, 1);
  postern_epoll_source_remove (f->source, p[0]);
  close (p[0]); close (p[1]);
}

/* How many descriptors the next poll() of @context would watch. */
static gint
count_poll_fds (GMainContext *context)
{
  GPollFD poll_fds[64] = { 0 };
  gint max_priority, timeout, n;

  g_assert_true (g_main_context_acquire (context));
  g_main_context_prepare (context, &max_priority);
  n = g_main_context_query (context, max_priority, &timeout, poll_fds, G_N_ELEMENTS (poll_fds));
  g_assert_cmpint (n, <=, (gint) G_N_ELEMENTS (poll_fds));
  g_main_context_check (context, max_priority, poll_fds, n);
  g_main_context_release (context);
  return n;
}

/* The point of the source: the main loop polls one descriptor for it, not
 * one per socket. */
static void
test_one_descriptor_in_poll_set (Fixture *f, gconstpointer data)
{
  const guint n_pairs = 300;
  g_autofree gint *fds = g_new (gint, 2 * n_pairs);
  g_autofree Watch *watches = g_new0 (Watch, n_pairs);
  gint n_before, n_after;
  guint total = 0;

  n_before = count_poll_fds (f->context);

  for (guint i = 0; i < n_pairs; i++)
    {
      make_pair (&fds[2 * i]);
      watches[i].fd = fds[2 * i];
      watches[i].keep = TRUE;
      watches[i].remove_fd = -1;
      g_assert_true (postern_epoll_source_add (f->source, fds[2 * i], G_IO_IN, on_ready, &watches[i], NULL, NULL));
    }
  n_after = count_poll_fds (f->context);
  g_assert_cmpint (n_after, ==, n_before);
  g_assert_cmpint (n_after, <=, 2);  /* the context's wake-up fd and the epoll fd */

  /* every socket is served, over as many iterations as it takes */
  for (guint i = 0; i < n_pairs; i++)
    send_byte (fds[2 * i + 1]);
  for (guint round = 0; round < 100 && total < n_pairs; round++)
    {
      g_main_context_iteration (f->context, FALSE);
      total = 0;
      for (guint i = 0; i < n_pairs; i++)
        total += watches[i].calls;
    }
  for (guint i = 0; i < n_pairs; i++)
    g_assert_cmpuint (watches[i].calls, ==, 1);

  for (guint i = 0; i < n_pairs; i++)
    {
      postern_epoll_source_remove (f->source, fds[2 * i]);
      close (fds[2 * i]);
      close (fds[2 * i + 1]);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, fn) g_test_add (name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/epoll-source/readable", test_readable);
  ADD ("/epoll-source/modify-writable", test_modify_writable);
  ADD ("/epoll-source/callback-returns-false", test_callback_returns_false);
  ADD ("/epoll-source/remove-self-in-callback", test_remove_self_in_callback);
  ADD ("/epoll-source/remove-other-in-same-batch", test_remove_other_in_same_batch);
  ADD ("/epoll-source/hangup", test_hangup);
  ADD ("/epoll-source/add-errors", test_add_errors);
  ADD ("/epoll-source/one-descriptor-in-poll-set", test_one_descriptor_in_poll_set);
#undef ADD
  g_test_add_func ("/epoll-source/finalize-releases-watches", test_finalize_releases_watches);
  return g_test_run ();
}
