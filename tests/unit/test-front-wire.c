/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "postern-front-wire.h"

/* The front's TLS transport on a socket pair: held bytes stay off the
 * socket, leave first and in order, and a socket that takes only part of
 * them keeps the rest held. */

typedef struct {
  int fds[2];
  PosternFrontWire wire;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  int small = 4096;

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, f->fds), ==, 0);
  g_assert_cmpint (setsockopt (f->fds[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small), ==, 0);
  memset (&f->wire, 0, sizeof f->wire);
  f->wire.ahead.fd = f->fds[0];
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  postern_front_wire_clear (&f->wire);
  close (f->fds[0]);
  if (f->fds[1] >= 0)
    close (f->fds[1]);
}

static gssize
send_str (Fixture *f, const gchar *a, const gchar *b)
{
  struct iovec v[2] = { { (void *) a, strlen (a) }, { (void *) b, b != NULL ? strlen (b) : 0 } };

  return postern_front_wire_send (&f->wire, v, b != NULL ? 2 : 1);
}

/* Everything the peer can read now. */
static GByteArray *
drain (Fixture *f, GByteArray *into)
{
  guint8 buf[65536];
  gssize n;

  while ((n = recv (f->fds[1], buf, sizeof buf, MSG_DONTWAIT)) > 0)
    g_byte_array_append (into, buf, (guint) n);
  g_assert_true (n < 0 && errno == EAGAIN);
  return into;
}

static void
test_held_go_first (Fixture *f, gconstpointer data)
{
  g_autoptr(GByteArray) got = g_byte_array_new ();

  postern_front_wire_hold (&f->wire, TRUE);
  g_assert_cmpint (send_str (f, "ab", "cd"), ==, 4);
  g_assert_cmpint (send_str (f, "e", NULL), ==, 1);
  postern_front_wire_hold (&f->wire, FALSE);
  g_assert_cmpuint (postern_front_wire_held (&f->wire), ==, 5);
  drain (f, got);
  g_assert_cmpuint (got->len, ==, 0);

  g_assert_cmpint (send_str (f, "fg", "h"), ==, 3);
  g_assert_cmpuint (postern_front_wire_held (&f->wire), ==, 0);
  drain (f, got);
  g_assert_cmpmem (got->data, got->len, "abcdefgh", 8);
  g_assert_cmpint (send_str (f, "i", NULL), ==, 1);
  drain (f, got);
  g_assert_cmpmem (got->data, got->len, "abcdefghi", 9);
}

static void
test_flush (Fixture *f, gconstpointer data)
{
  g_autoptr(GByteArray) got = g_byte_array_new ();
  g_autofree gchar *big = g_malloc (1024 * 1024 + 1);
  GError *error = NULL;
  guint rounds = 0;

  for (gsize i = 0; i < 1024 * 1024; i++)
    big[i] = (gchar) ('a' + i % 26);
  big[1024 * 1024] = '\0';
  g_assert_true (postern_front_wire_flush (&f->wire, &error));
  g_assert_no_error (error);
  postern_front_wire_hold (&f->wire, TRUE);
  g_assert_cmpint (send_str (f, big, NULL), ==, 1024 * 1024);
  postern_front_wire_hold (&f->wire, FALSE);
  /* The socket takes a part at a time; the rest stays held, in order. */
  while (postern_front_wire_held (&f->wire) > 0) {
    g_assert_true (postern_front_wire_flush (&f->wire, &error));
    g_assert_no_error (error);
    drain (f, got);
    rounds++;
  }
  g_assert_cmpuint (rounds, >, 1);
  g_assert_cmpmem (got->data, got->len, big, 1024 * 1024);
}

static void
test_send_behind_partial (Fixture *f, gconstpointer data)
{
  g_autoptr(GByteArray) got = g_byte_array_new ();
  g_autofree gchar *big = g_strnfill (512 * 1024, 'x');
  const gchar *end = "END";
  gsize sent = 0;

  postern_front_wire_hold (&f->wire, TRUE);
  g_assert_cmpint (send_str (f, big, NULL), ==, 512 * 1024);
  postern_front_wire_hold (&f->wire, FALSE);
  /* Until the held bytes are out, the caller's own bytes wait: EAGAIN. */
  while (sent < 3) {
    gssize n = send_str (f, end + sent, NULL);

    if (n < 0) {
      g_assert_cmpint (errno, ==, EAGAIN);
      drain (f, got);
    } else {
      sent += (gsize) n;
    }
  }
  drain (f, got);
  g_assert_cmpuint (got->len, ==, 512 * 1024 + 3);
  g_assert_cmpmem (got->data + 512 * 1024, 3, "END", 3);
  g_assert_cmpuint (postern_front_wire_held (&f->wire), ==, 0);
}

static void
test_closed_peer (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  postern_front_wire_hold (&f->wire, TRUE);
  g_assert_cmpint (send_str (f, "abc", NULL), ==, 3);
  postern_front_wire_hold (&f->wire, FALSE);
  close (f->fds[1]);
  f->fds[1] = -1;
  g_assert_false (postern_front_wire_flush (&f->wire, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/front-wire/held-go-first", test_held_go_first);
  ADD ("/front-wire/flush", test_flush);
  ADD ("/front-wire/send-behind-partial", test_send_behind_partial);
  ADD ("/front-wire/closed-peer", test_closed_peer);
  return g_test_run ();
}
