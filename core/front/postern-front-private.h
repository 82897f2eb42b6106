/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared between the front (listeners, bans, TLS material) and its
 * connections. */

#include <gnutls/gnutls.h>
#include <sys/socket.h>

#include "postern-front-tls.h"
#include "postern-front.h"

G_BEGIN_DECLS

/* A request head (start line and headers) may not exceed this; nginx's
 * default large_client_header_buffers is 4 x 8k. */
#define POSTERN_FRONT_MAX_HEAD (16 * 1024)
#define POSTERN_FRONT_BUFFER (POSTERN_FRONT_MAX_HEAD + 16 * 1024)

typedef struct _PosternFrontConn PosternFrontConn;

struct _PosternFront {
  PosternEventBus *bus;
  PosternHttpRouter *router;
  gchar *state_dir;
  GSource *epoll;
  GPtrArray *listeners;      /* FrontListener* */
  GHashTable *connections;   /* PosternFrontConn* set */
  GPtrArray *bans;           /* FrontBan* */
  PosternFrontTls *tls;
  PosternConfig *config;     /* [core] in force */
  guint16 https_port;        /* where the HTTP port redirects to */
  gchar *fqdn;
  guint sweep_source;
  guint ban_added_sub;
  guint ban_lifted_sub;
  gchar date[64];            /* IMF-fixdate, refreshed each second */
  guint8 *spare_in;          /* an idle POSTERN_FRONT_BUFFER, see release_input() */
};

gboolean          postern_front_is_banned   (PosternFront     *self,
                                             GInetAddress     *address);
/* Takes @fd, accepted with @peer; TRUE if it became a connection (which
 * may have been served and closed before this returns). */
gboolean          postern_front_conn_accept (PosternFront     *front,
                                             gint              fd,
                                             gboolean          tls,
                                             const struct sockaddr *peer,
                                             socklen_t         peer_len,
                                             GError          **error);
void              postern_front_conn_close  (PosternFrontConn *conn,
                                             const gchar      *reason);
void              postern_front_conn_sweep  (PosternFrontConn *conn,
                                             gint64            now);
void              postern_front_conn_banned (PosternFrontConn *conn);
gboolean          postern_front_conn_is_from (PosternFrontConn *conn,
                                             const PosternCidr *cidr);

G_END_DECLS
