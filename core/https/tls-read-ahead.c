/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tls-read-ahead.h"

#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

/* A full TLS record (16 KiB of plaintext plus overhead) mostly fits. */
#define READ_AHEAD 16384

gsize
postern_tls_read_ahead_pending (const PosternTlsReadAhead *ra)
{
  return ra->len - ra->off;
}

void
postern_tls_read_ahead_clear (PosternTlsReadAhead *ra)
{
  g_clear_pointer (&ra->ahead, g_free);
  ra->len = ra->off = 0;
}

static ssize_t
pull (gnutls_transport_ptr_t ptr, void *data, size_t size)
{
  PosternTlsReadAhead *ra = ptr;
  guint8 buf[READ_AHEAD];
  gsize left = postern_tls_read_ahead_pending (ra);
  ssize_t got;

  if (left > 0) {
    gsize n = MIN (left, size);
    memcpy (data, ra->ahead + ra->off, n);
    ra->off += n;
    if (ra->off == ra->len)
      postern_tls_read_ahead_clear (ra);
    return (ssize_t) n;
  }
  if (size >= sizeof buf)
    return recv (ra->fd, data, size, 0);
  got = recv (ra->fd, buf, sizeof buf, 0);
  if (got <= 0)
    return got;
  if ((gsize) got > size) {
    ra->ahead = g_memdup2 (buf + size, (gsize) got - size);
    ra->len = (gsize) got - size;
    ra->off = 0;
    got = (ssize_t) size;
  }
  memcpy (data, buf, (gsize) got);
  return got;
}

/* GnuTLS asks this only when it waits for data with a timeout. */
static int
pull_timeout (gnutls_transport_ptr_t ptr, unsigned int ms)
{
  PosternTlsReadAhead *ra = ptr;
  struct pollfd pfd = { ra->fd, POLLIN, 0 };

  if (postern_tls_read_ahead_pending (ra) > 0)
    return 1;
  return poll (&pfd, 1, ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 : (int) ms);
}

/* Several queued records leave in one system call, as with GnuTLS's own
 * socket transport. */
static ssize_t
vec_push (gnutls_transport_ptr_t ptr, const giovec_t *iov, int iovcnt)
{
  PosternTlsReadAhead *ra = ptr;
  struct msghdr msg = { .msg_iov = (struct iovec *) iov, .msg_iovlen = (size_t) iovcnt };

  G_STATIC_ASSERT (sizeof (giovec_t) == sizeof (struct iovec));
  return sendmsg (ra->fd, &msg, MSG_NOSIGNAL);
}

void
postern_tls_read_ahead_attach (PosternTlsReadAhead *ra, gnutls_session_t session, int fd)
{
  ra->fd = fd;
  gnutls_transport_set_ptr (session, ra);
  gnutls_transport_set_pull_function (session, pull);
  gnutls_transport_set_pull_timeout_function (session, pull_timeout);
  gnutls_transport_set_vec_push_function (session, vec_push);
}
