/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "postern-sd-notify.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* The sd_notify protocol: one datagram of KEY=VALUE lines to the socket
 * named by $NOTIFY_SOCKET ('@' = abstract namespace). Written out here to
 * keep libsystemd off the dependency list; without the variable it is a
 * no-op. */
gboolean
postern_sd_notify (const gchar *state)
{
  const gchar *path = g_getenv ("NOTIFY_SOCKET");
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  gsize len;
  socklen_t addr_len;
  int fd;
  ssize_t sent;

  if (path == NULL || path[0] == '\0')
    return TRUE;
  len = strlen (path);
  if ((path[0] != '/' && path[0] != '@') || len >= sizeof (addr.sun_path)) {
    g_warning ("NOTIFY_SOCKET '%s' is not a usable socket path", path);
    return FALSE;
  }
  memcpy (addr.sun_path, path, len);
  if (path[0] == '@')
    addr.sun_path[0] = '\0';
  addr_len = (socklen_t) (G_STRUCT_OFFSET (struct sockaddr_un, sun_path) + len);

  fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    g_warning ("sd_notify: socket: %s", g_strerror (errno));
    return FALSE;
  }
  sent = sendto (fd, state, strlen (state), MSG_NOSIGNAL, (struct sockaddr *) &addr, addr_len);
  if (sent < 0)
    g_warning ("sd_notify to %s: %s", path, g_strerror (errno));
  close (fd);
  return sent >= 0;
}
