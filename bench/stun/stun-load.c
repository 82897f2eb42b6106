/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* STUN Binding load generator: keeps a window of requests in flight on a few
 * UDP sockets for a fixed time, counts valid responses and reads the server
 * process's CPU time from /proc, so any STUN server can be measured the
 * same way.
 *
 * Usage: stun-load HOST PORT SERVER_PID SECONDS
 * Prints: responses=N seconds=S rps=R cpu_us_per_response=C
 */
#include <postern.h>

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SOCKETS 4
#define WINDOW 256
#define BATCH 32
#define REQUEST_SIZE 20

static gboolean
server_cpu_us (const gchar *pid, guint64 *out)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%s/stat", pid);
  g_autofree gchar *text = NULL;
  g_auto(GStrv) fields = NULL;
  const gchar *after;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  /* the command name may hold spaces: fields start after its ')' */
  after = strrchr (text, ')');
  if (after == NULL)
    return FALSE;
  fields = g_strsplit (after + 2, " ", -1);
  if (g_strv_length (fields) < 13)
    return FALSE;
  /* utime and stime are fields 14 and 15 of the file, 12 and 13 here */
  *out = (g_ascii_strtoull (fields[11], NULL, 10) + g_ascii_strtoull (fields[12], NULL, 10)) *
         G_USEC_PER_SEC / (guint64) sysconf (_SC_CLK_TCK);
  return TRUE;
}

static void
make_request (guint8 *buf, guint32 seq)
{
  guint8 tid[12] = { 'l', 'o', 'a', 'd' };
  PosternStunBuilder b;

  tid[8] = (guint8) (seq >> 24);
  tid[9] = (guint8) (seq >> 16);
  tid[10] = (guint8) (seq >> 8);
  tid[11] = (guint8) seq;
  postern_stun_builder_init (&b, buf, REQUEST_SIZE, POSTERN_STUN_METHOD_BINDING,
                             POSTERN_STUN_CLASS_REQUEST, tid);
}

/* Sends up to @n requests on @fd. */
static guint
send_requests (int fd, guint n, guint32 *seq)
{
  static guint8 bufs[BATCH][REQUEST_SIZE];
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  int sent;

  n = MIN (n, BATCH);
  memset (msgs, 0, sizeof msgs);
  for (guint i = 0; i < n; i++) {
    make_request (bufs[i], (*seq)++);
    iov[i].iov_base = bufs[i];
    iov[i].iov_len = REQUEST_SIZE;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  sent = sendmmsg (fd, msgs, n, MSG_DONTWAIT);
  return sent > 0 ? (guint) sent : 0;
}

/* Receives what is there; returns the number of Binding success responses. */
static guint
receive_responses (int fd)
{
  static guint8 bufs[BATCH][256];
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  guint ok = 0;
  int got;

  memset (msgs, 0, sizeof msgs);
  for (guint i = 0; i < BATCH; i++) {
    iov[i].iov_base = bufs[i];
    iov[i].iov_len = sizeof bufs[i];
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  got = recvmmsg (fd, msgs, BATCH, MSG_DONTWAIT, NULL);
  for (int i = 0; i < got; i++) {
    PosternStunMessage m;
    if (postern_stun_message_parse (&m, bufs[i], msgs[i].msg_len, POSTERN_STUN_PARSE_NONE, NULL) &&
        m.klass == POSTERN_STUN_CLASS_SUCCESS &&
        postern_stun_message_has (&m, POSTERN_STUN_ATTR_XOR_MAPPED_ADDRESS))
      ok++;
  }
  return ok;
}

int
main (int argc, char **argv)
{
  g_autoptr(GInetSocketAddress) server = NULL;
  struct sockaddr_storage native;
  struct pollfd pfd[SOCKETS];
  guint in_flight[SOCKETS] = { 0 };
  guint32 seq = 0;
  guint64 responses = 0, cpu_start, cpu_end;
  gint64 start, end, last_send[SOCKETS];
  gdouble seconds;

  if (argc != 5) {
    fprintf (stderr, "usage: %s HOST PORT SERVER_PID SECONDS\n", argv[0]);
    return 2;
  }
  server = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new_from_string (argv[1], (guint) atoi (argv[2])));
  if (server == NULL || !g_socket_address_to_native (G_SOCKET_ADDRESS (server), &native, sizeof native, NULL)) {
    fprintf (stderr, "bad server address\n");
    return 2;
  }
  for (guint s = 0; s < SOCKETS; s++) {
    pfd[s].fd = socket (native.ss_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    pfd[s].events = POLLIN;
    if (pfd[s].fd < 0 ||
        connect (pfd[s].fd, (struct sockaddr *) &native,
                 (socklen_t) g_socket_address_get_native_size (G_SOCKET_ADDRESS (server))) != 0) {
      perror ("socket");
      return 1;
    }
  }
  if (!server_cpu_us (argv[3], &cpu_start)) {
    fprintf (stderr, "cannot read CPU time of pid %s\n", argv[3]);
    return 1;
  }
  start = g_get_monotonic_time ();
  end = start + (gint64) (g_ascii_strtod (argv[4], NULL) * G_USEC_PER_SEC);
  for (guint s = 0; s < SOCKETS; s++)
    last_send[s] = start;

  while (g_get_monotonic_time () < end) {
    gint64 now;
    poll (pfd, SOCKETS, 10);
    now = g_get_monotonic_time ();
    for (guint s = 0; s < SOCKETS; s++) {
      if (pfd[s].revents & POLLIN) {
        guint got = receive_responses (pfd[s].fd);
        responses += got;
        in_flight[s] -= MIN (in_flight[s], got);
      }
      /* a window lost to drops is refilled after 50 ms of silence */
      if (now - last_send[s] > 50000)
        in_flight[s] = 0;
      if (in_flight[s] < WINDOW) {
        guint sent = send_requests (pfd[s].fd, WINDOW - in_flight[s], &seq);
        in_flight[s] += sent;
        if (sent > 0)
          last_send[s] = now;
      }
    }
  }
  seconds = (gdouble) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  if (!server_cpu_us (argv[3], &cpu_end))
    return 1;
  printf ("responses=%" G_GUINT64_FORMAT " seconds=%.2f rps=%.0f cpu_us_per_response=%.3f\n", responses,
          seconds, (gdouble) responses / seconds,
          responses > 0 ? (gdouble) (cpu_end - cpu_start) / (gdouble) responses : 0.0);
  return responses > 0 ? 0 : 1;
}
