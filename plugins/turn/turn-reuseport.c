/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The listening sockets of the relay threads on one address: a
 * SO_REUSEPORT group, one member per thread. Nobody else gets in:
 * - a probe without SO_REUSEPORT binds first, so an address another
 *   process holds (with or without the option) is refused;
 * - a classic BPF program picks the member for each datagram from the
 *   source address and port, always among the first n sockets: one that
 *   joins later (a process of the same user with SO_REUSEPORT) gets
 *   nothing. The kernel's own choice would hash over every member. */
#include "turn-reuseport.h"

#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <postern.h>
#include <sys/socket.h>
#include <unistd.h>

#define LISTENER_RCVBUF (4 << 20)
/* where the source address's last 32 bits and the source port are,
 * counted from the network header (no IP options, no IPv6 extension
 * headers; with them the bytes read are still the same for every datagram
 * of a flow, which is all the choice needs) */
#define IPV4_SRC_WORD 12
#define IPV4_SRC_PORT 20
#define IPV6_SRC_WORD 20
#define IPV6_SRC_PORT 40
#define GOLDEN 2654435761u

static gboolean
set_errno_error (GError **error, const gchar *what, const gchar *address)
{
  int saved = errno;

  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "%s %s: %s", what, address, g_strerror (saved));
  return FALSE;
}

static gint
bind_member (const struct sockaddr_storage *ss, socklen_t len, gboolean wildcard, const gchar *text,
             GError **error)
{
  gint fd = socket (ss->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  gint one = 1;

  if (fd < 0)
    {
      set_errno_error (error, "cannot create a UDP socket for", text);
      return -1;
    }
  if ((ss->ss_family == AF_INET6 && setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) ||
      (wildcard && ss->ss_family == AF_INET6 &&
       setsockopt (fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one) != 0) ||
      (wildcard && ss->ss_family == AF_INET && setsockopt (fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) != 0) ||
      setsockopt (fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
      bind (fd, (const struct sockaddr *) ss, len) != 0)
    {
      set_errno_error (error, "cannot bind UDP", text);
      close (fd);
      return -1;
    }
  /* best effort, capped by net.core.rmem_max: every client of the thread
   * shares this queue while it is busy or preempted */
  setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &(int) { LISTENER_RCVBUF }, sizeof (int));
  return fd;
}

/* Member (word + port) * golden ratio >> 16, mod @n: the same member for
 * every datagram of a 5-tuple, spread over all @n. */
static gboolean
attach_steering (gint fd, gint family, guint n, const gchar *text, GError **error)
{
  gboolean v6 = family == AF_INET6;
  struct sock_filter code[] = {
    BPF_STMT (BPF_LD | BPF_W | BPF_ABS, (guint32) (SKF_NET_OFF + (v6 ? IPV6_SRC_WORD : IPV4_SRC_WORD))),
    BPF_STMT (BPF_MISC | BPF_TAX, 0),
    BPF_STMT (BPF_LD | BPF_H | BPF_ABS, (guint32) (SKF_NET_OFF + (v6 ? IPV6_SRC_PORT : IPV4_SRC_PORT))),
    BPF_STMT (BPF_ALU | BPF_ADD | BPF_X, 0),
    BPF_STMT (BPF_ALU | BPF_MUL | BPF_K, GOLDEN),
    BPF_STMT (BPF_ALU | BPF_RSH | BPF_K, 16),
    BPF_STMT (BPF_ALU | BPF_MOD | BPF_K, n),
    BPF_STMT (BPF_RET | BPF_A, 0),
  };
  struct sock_fprog program = { .len = G_N_ELEMENTS (code), .filter = code };

  if (setsockopt (fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &program, sizeof program) != 0)
    return set_errno_error (error, "cannot steer the SO_REUSEPORT group of", text);
  return TRUE;
}

/* Binds @n sockets on @address in one steered SO_REUSEPORT group, into
 * @fds (in member order). Refused when another process holds the address;
 * port 0 picks one. */
gboolean
turn_reuseport_bind_group (GInetSocketAddress *address,
                           guint               n,
                           gint               *fds,
                           GError            **error)
{
  g_autoptr(PosternUdpSocket) probe = postern_udp_socket_new (address, error);
  g_autofree gchar *text = postern_address_to_string (address);
  gboolean wildcard = g_inet_address_get_is_any (g_inet_socket_address_get_address (address));
  GSocketAddress *bound;
  struct sockaddr_storage ss;
  gsize len;
  guint i;

  if (probe == NULL)
    return FALSE;
  bound = G_SOCKET_ADDRESS (postern_udp_socket_get_address (probe));
  len = g_socket_address_get_native_size (bound);
  if (!g_socket_address_to_native (bound, &ss, sizeof ss, error))
    return FALSE;
  g_clear_pointer (&probe, postern_udp_socket_free);
  for (i = 0; i < n; i++)
    {
      fds[i] = bind_member (&ss, (socklen_t) len, wildcard, text, error);
      if (fds[i] < 0)
        break;
    }
  if (i == n && attach_steering (fds[0], ss.ss_family, n, text, error))
    return TRUE;
  for (guint j = 0; j < i; j++)
    close (fds[j]);
  return FALSE;
}
