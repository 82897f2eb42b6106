/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "postern-udp.h"

#include <errno.h>
#include <glib-unix.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "postern-config.h"
#include "postern-error.h"

/* batches handled per wakeup before yielding to the rest of the main loop */
#define MAX_BATCHES_PER_DISPATCH 8

typedef union {
  struct cmsghdr align;
  guint8 buf[CMSG_SPACE (sizeof (struct in6_pktinfo))];
} ControlBuffer;

struct _PosternUdpSocket {
  int fd;
  guint16 port;
  /* bound to 0.0.0.0 or ::, so replies need the packet info to pick
   * their source address; otherwise the kernel's choice is already right */
  gboolean wildcard;
  struct sockaddr_storage bound;
  socklen_t bound_len;
  GInetSocketAddress *address;
  guint source_id;
  PosternUdpReplyFunc func;
  gpointer user_data;
  guint64 dropped;

  struct mmsghdr in[POSTERN_UDP_BATCH];
  struct iovec in_iov[POSTERN_UDP_BATCH];
  struct sockaddr_storage in_peer[POSTERN_UDP_BATCH];
  ControlBuffer in_ctrl[POSTERN_UDP_BATCH];
  guint8 in_buf[POSTERN_UDP_BATCH][POSTERN_UDP_MAX_DATAGRAM];

  struct mmsghdr out[POSTERN_UDP_BATCH];
  struct iovec out_iov[POSTERN_UDP_BATCH];
  struct sockaddr_storage out_peer[POSTERN_UDP_BATCH];
  ControlBuffer out_ctrl[POSTERN_UDP_BATCH];
  guint8 out_buf[POSTERN_UDP_BATCH][POSTERN_UDP_MAX_DATAGRAM];
};

static gboolean
set_int_option (int fd, int level, int name, int value, GError **error)
{
  if (setsockopt (fd, level, name, &value, sizeof value) != 0) {
    int saved = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "setsockopt: %s",
                 g_strerror (saved));
    return FALSE;
  }
  return TRUE;
}

/**
 * postern_udp_socket_new: (skip)
 * @address: where to bind; port 0 picks a free port
 * @error: return location for an error
 *
 * Binds a non-blocking UDP socket without SO_REUSEADDR or SO_REUSEPORT, so
 * an address another process holds is refused rather than shared. IPv6
 * sockets are IPv6-only, so `[::]` and `0.0.0.0` can both be bound.
 *
 * Returns: (transfer full): the socket, or %NULL with @error set
 *   (%POSTERN_ERROR_ADDRESS_IN_USE when the address is taken)
 */
PosternUdpSocket *
postern_udp_socket_new (GInetSocketAddress *address, GError **error)
{
  g_autoptr(PosternUdpSocket) self = g_new0 (PosternUdpSocket, 1);
  g_autofree gchar *text = postern_address_to_string (address);
  g_autoptr(GSocketAddress) bound = NULL;
  struct sockaddr_storage native;
  socklen_t native_len = sizeof native;
  int family = g_socket_address_get_family (G_SOCKET_ADDRESS (address)) == G_SOCKET_FAMILY_IPV6
                 ? AF_INET6 : AF_INET;

  self->fd = socket (family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (self->fd < 0) {
    int saved = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot create UDP socket for %s: %s",
                 text, g_strerror (saved));
    return NULL;
  }
  self->wildcard = g_inet_address_get_is_any (g_inet_socket_address_get_address (address));
  if (family == AF_INET6 && !set_int_option (self->fd, IPPROTO_IPV6, IPV6_V6ONLY, 1, error))
    return NULL;
  if (self->wildcard && family == AF_INET6 &&
      !set_int_option (self->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, error))
    return NULL;
  if (self->wildcard && family == AF_INET && !set_int_option (self->fd, IPPROTO_IP, IP_PKTINFO, 1, error))
    return NULL;
  /* best effort: a deeper queue rides out bursts */
  set_int_option (self->fd, SOL_SOCKET, SO_RCVBUF, 1 << 20, NULL);

  if (!g_socket_address_to_native (G_SOCKET_ADDRESS (address), &native, sizeof native, error))
    return NULL;
  if (bind (self->fd, (struct sockaddr *) &native,
            family == AF_INET6 ? sizeof (struct sockaddr_in6) : sizeof (struct sockaddr_in)) != 0) {
    int saved = errno;
    if (saved == EADDRINUSE)
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_ADDRESS_IN_USE,
                   "UDP address %s is already in use by another process", text);
    else
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot bind UDP %s: %s",
                   text, g_strerror (saved));
    return NULL;
  }
  if (getsockname (self->fd, (struct sockaddr *) &native, &native_len) != 0) {
    int saved = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "getsockname: %s", g_strerror (saved));
    return NULL;
  }
  memcpy (&self->bound, &native, native_len);
  self->bound_len = native_len;
  bound = g_socket_address_new_from_native (&native, native_len);
  self->address = G_INET_SOCKET_ADDRESS (g_steal_pointer (&bound));
  self->port = g_inet_socket_address_get_port (self->address);
  return g_steal_pointer (&self);
}

/**
 * postern_udp_socket_free: (skip)
 * @self: a socket
 *
 * Stops receiving and closes the socket.
 */
void
postern_udp_socket_free (PosternUdpSocket *self)
{
  if (self == NULL)
    return;
  if (self->source_id != 0)
    g_source_remove (self->source_id);
  if (self->fd >= 0)
    close (self->fd);
  g_clear_object (&self->address);
  g_free (self);
}

/* The local address a datagram was sent to, from its packet info; the
 * bound address when there is none. */
static socklen_t
local_address (PosternUdpSocket *self, struct msghdr *hdr, struct sockaddr_storage *local,
               int *ifindex)
{
  socklen_t len = 0;

  *ifindex = 0;
  memset (local, 0, sizeof *local);
  for (struct cmsghdr *c = hdr->msg_controllen > 0 ? CMSG_FIRSTHDR (hdr) : NULL; c != NULL; c = CMSG_NXTHDR (hdr, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      struct in_pktinfo info;
      struct sockaddr_in *in = (struct sockaddr_in *) local;
      memcpy (&info, CMSG_DATA (c), sizeof info);
      in->sin_family = AF_INET;
      in->sin_port = g_htons (self->port);
      in->sin_addr = info.ipi_addr;
      *ifindex = info.ipi_ifindex;
      len = sizeof *in;
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      struct in6_pktinfo info;
      struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) local;
      memcpy (&info, CMSG_DATA (c), sizeof info);
      in6->sin6_family = AF_INET6;
      in6->sin6_port = g_htons (self->port);
      in6->sin6_addr = info.ipi6_addr;
      *ifindex = (int) info.ipi6_ifindex;
      len = sizeof *in6;
    }
  }
  if (len == 0) {
    memcpy (local, &self->bound, self->bound_len);
    len = self->bound_len;
  }
  return len;
}

/* Makes reply @n leave from @local. */
static void
set_source (PosternUdpSocket *self, guint n, const struct sockaddr_storage *local, int ifindex)
{
  struct msghdr *hdr = &self->out[n].msg_hdr;
  struct cmsghdr *c;

  if (!self->wildcard) {
    hdr->msg_control = NULL;
    hdr->msg_controllen = 0;
    return;
  }
  memset (&self->out_ctrl[n], 0, sizeof self->out_ctrl[n]);
  hdr->msg_control = self->out_ctrl[n].buf;
  if (local->ss_family == AF_INET) {
    struct in_pktinfo info = { 0 };
    info.ipi_spec_dst = ((const struct sockaddr_in *) local)->sin_addr;
    hdr->msg_controllen = CMSG_SPACE (sizeof info);
    c = CMSG_FIRSTHDR (hdr);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN (sizeof info);
    memcpy (CMSG_DATA (c), &info, sizeof info);
  } else if (local->ss_family == AF_INET6) {
    struct in6_pktinfo info = { 0 };
    info.ipi6_addr = ((const struct sockaddr_in6 *) local)->sin6_addr;
    info.ipi6_ifindex = (unsigned) ifindex;
    hdr->msg_controllen = CMSG_SPACE (sizeof info);
    c = CMSG_FIRSTHDR (hdr);
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN (sizeof info);
    memcpy (CMSG_DATA (c), &info, sizeof info);
  } else {
    hdr->msg_control = NULL;
    hdr->msg_controllen = 0;
  }
}

static void
send_replies (PosternUdpSocket *self, guint n)
{
  guint done = 0;

  while (done < n) {
    int sent = sendmmsg (self->fd, self->out + done, n - done, MSG_DONTWAIT);
    if (sent < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        self->dropped += n - done;
        return;
      }
      /* this reply cannot be sent (e.g. an unroutable peer): skip it */
      self->dropped++;
      done++;
      continue;
    }
    done += (guint) sent;
  }
}

static guint
receive_batch (PosternUdpSocket *self)
{
  int got;
  guint n_out = 0;

  for (guint i = 0; i < POSTERN_UDP_BATCH; i++) {
    struct msghdr *hdr = &self->in[i].msg_hdr;
    self->in_iov[i].iov_base = self->in_buf[i];
    self->in_iov[i].iov_len = POSTERN_UDP_MAX_DATAGRAM;
    hdr->msg_name = &self->in_peer[i];
    hdr->msg_namelen = sizeof self->in_peer[i];
    hdr->msg_iov = &self->in_iov[i];
    hdr->msg_iovlen = 1;
    hdr->msg_control = self->wildcard ? self->in_ctrl[i].buf : NULL;
    hdr->msg_controllen = self->wildcard ? sizeof self->in_ctrl[i].buf : 0;
    hdr->msg_flags = 0;
  }
  do
    got = recvmmsg (self->fd, self->in, POSTERN_UDP_BATCH, MSG_DONTWAIT, NULL);
  while (got < 0 && errno == EINTR);
  if (got <= 0)
    return 0;

  for (int i = 0; i < got; i++) {
    struct msghdr *hdr = &self->in[i].msg_hdr;
    struct sockaddr_storage local;
    socklen_t local_len;
    int ifindex;
    gsize reply_len;

    if (hdr->msg_flags & MSG_TRUNC) {
      self->dropped++;
      continue;
    }
    local_len = local_address (self, hdr, &local, &ifindex);
    reply_len = self->func (self, self->in_buf[i], self->in[i].msg_len, &self->in_peer[i],
                            hdr->msg_namelen, &local, local_len, self->out_buf[n_out],
                            POSTERN_UDP_MAX_DATAGRAM, self->user_data);
    if (reply_len == 0 || reply_len > POSTERN_UDP_MAX_DATAGRAM)
      continue;
    memcpy (&self->out_peer[n_out], &self->in_peer[i], hdr->msg_namelen);
    self->out[n_out].msg_hdr.msg_name = &self->out_peer[n_out];
    self->out[n_out].msg_hdr.msg_namelen = hdr->msg_namelen;
    self->out_iov[n_out].iov_base = self->out_buf[n_out];
    self->out_iov[n_out].iov_len = reply_len;
    self->out[n_out].msg_hdr.msg_iov = &self->out_iov[n_out];
    self->out[n_out].msg_hdr.msg_iovlen = 1;
    self->out[n_out].msg_hdr.msg_flags = 0;
    set_source (self, n_out, &local, ifindex);
    n_out++;
  }
  if (n_out > 0)
    send_replies (self, n_out);
  return (guint) got;
}

static gboolean
on_readable (gint fd, GIOCondition condition, gpointer user_data)
{
  PosternUdpSocket *self = user_data;

  for (guint b = 0; b < MAX_BATCHES_PER_DISPATCH; b++)
    if (receive_batch (self) < POSTERN_UDP_BATCH)
      break;
  return G_SOURCE_CONTINUE;
}

/**
 * postern_udp_socket_start: (skip)
 * @self: a socket
 * @func: called for every datagram
 * @user_data: passed to @func
 *
 * Starts receiving in the thread-default main context.
 */
void
postern_udp_socket_start (PosternUdpSocket *self, PosternUdpReplyFunc func, gpointer user_data)
{
  g_return_if_fail (self->source_id == 0);
  self->func = func;
  self->user_data = user_data;
  self->source_id = g_unix_fd_add (self->fd, G_IO_IN, on_readable, self);
}

/**
 * postern_udp_socket_get_address: (skip)
 * @self: a socket
 *
 * Returns: (transfer none): the bound address, with the real port
 */
GInetSocketAddress *
postern_udp_socket_get_address (PosternUdpSocket *self)
{
  return self->address;
}

/**
 * postern_udp_socket_get_fd: (skip)
 * @self: a socket
 *
 * Returns: the socket's file descriptor, still owned by @self
 */
gint
postern_udp_socket_get_fd (PosternUdpSocket *self)
{
  return self->fd;
}

/**
 * postern_udp_socket_get_dropped: (skip)
 * @self: a socket
 *
 * Returns: datagrams dropped by the socket layer: too long to receive whole,
 *   or replies the kernel would not take
 */
guint64
postern_udp_socket_get_dropped (PosternUdpSocket *self)
{
  return self->dropped;
}

/**
 * postern_udp_socket_send: (skip)
 * @self: a socket
 * @data: (array length=len): one datagram
 * @len: its size
 * @peer: the destination, a `struct sockaddr_in` or `struct sockaddr_in6`
 * @peer_len: its size
 *
 * Sends one datagram outside the batch, from the bound address.
 *
 * Returns: %TRUE if the kernel took it
 */
gboolean
postern_udp_socket_send (PosternUdpSocket *self, const guint8 *data, gsize len, gconstpointer peer,
                         gsize peer_len)
{
  return sendto (self->fd, data, len, MSG_DONTWAIT, peer, (socklen_t) peer_len) == (gssize) len;
}
