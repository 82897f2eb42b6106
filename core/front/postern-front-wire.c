/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "postern-front-wire.h"

#include <errno.h>
#include <sys/socket.h>

/* GnuTLS hands over at most its queue of records (32) per call. */
#define MAX_IOV 32

gssize
postern_front_wire_send (PosternFrontWire *wire, const struct iovec *iov, int iovcnt)
{
  struct iovec v[1 + MAX_IOV];
  struct msghdr msg = { .msg_iov = v };
  gsize held = postern_front_wire_held (wire);
  gsize total = 0;
  ssize_t n;

  if (wire->holding) {
    if (wire->held == NULL)
      wire->held = g_byte_array_new ();
    for (int i = 0; i < iovcnt; i++) {
      g_byte_array_append (wire->held, iov[i].iov_base, (guint) iov[i].iov_len);
      total += iov[i].iov_len;
    }
    return (gssize) total;
  }
  if (held > 0)
    v[msg.msg_iovlen++] = (struct iovec) { wire->held->data, held };
  for (int i = 0; i < MIN (iovcnt, MAX_IOV); i++)
    v[msg.msg_iovlen++] = iov[i];
  n = sendmsg (wire->ahead.fd, &msg, MSG_NOSIGNAL | (wire->more ? MSG_MORE : 0));
  if (n < 0 || held == 0)
    return n;
  /* The held bytes went first; the caller hears only of its own. */
  if ((gsize) n < held) {
    g_byte_array_remove_range (wire->held, 0, (guint) n);
    errno = EAGAIN;
    return -1;
  }
  g_clear_pointer (&wire->held, g_byte_array_unref);
  if ((gsize) n == held) {
    errno = EAGAIN;
    return -1;
  }
  return n - (gssize) held;
}

static ssize_t
wire_push (gnutls_transport_ptr_t ptr, const giovec_t *iov, int iovcnt)
{
  G_STATIC_ASSERT (sizeof (giovec_t) == sizeof (struct iovec));
  return postern_front_wire_send (ptr, (const struct iovec *) iov, iovcnt);
}

void
postern_front_wire_attach (PosternFrontWire *wire, gnutls_session_t session, int fd)
{
  G_STATIC_ASSERT (G_STRUCT_OFFSET (PosternFrontWire, ahead) == 0);
  postern_tls_read_ahead_attach (&wire->ahead, session, fd);
  gnutls_transport_set_vec_push_function (session, wire_push);
}

void
postern_front_wire_hold (PosternFrontWire *wire, gboolean hold)
{
  wire->holding = hold;
}

void
postern_front_wire_set_more (PosternFrontWire *wire, gboolean more)
{
  wire->more = more;
}

gsize
postern_front_wire_held (const PosternFrontWire *wire)
{
  return wire->held != NULL ? wire->held->len : 0;
}

gboolean
postern_front_wire_flush (PosternFrontWire *wire, GError **error)
{
  while (postern_front_wire_held (wire) > 0) {
    ssize_t n = send (wire->ahead.fd, wire->held->data, wire->held->len, MSG_NOSIGNAL);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == EAGAIN)
      return TRUE;
    if (n < 0) {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "send: %s", g_strerror (saved));
      return FALSE;
    }
    if ((gsize) n == wire->held->len)
      g_clear_pointer (&wire->held, g_byte_array_unref);
    else
      g_byte_array_remove_range (wire->held, 0, (guint) n);
  }
  return TRUE;
}

void
postern_front_wire_clear (PosternFrontWire *wire)
{
  postern_tls_read_ahead_clear (&wire->ahead);
  g_clear_pointer (&wire->held, g_byte_array_unref);
  wire->holding = FALSE;
  wire->more = FALSE;
}
