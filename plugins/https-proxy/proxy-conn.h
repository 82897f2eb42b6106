/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <gnutls/gnutls.h>

#include "proxy-loop.h"

G_BEGIN_DECLS

/* One HTTPS connection to a Conferencing Node: a non-blocking socket and a
 * GnuTLS client session driven by the proxy loop's epoll source. Bytes
 * to send are queued and flushed as the socket takes them; received
 * plaintext goes to the read callback, which can be paused for backpressure. */

typedef struct _ProxyConn ProxyConn;

/* @error is set when the connection failed or closed (EOF is
 * G_IO_ERROR_CONNECTION_CLOSED); then @data is NULL. */
typedef void (*ProxyConnReadFunc)  (ProxyConn    *conn,
                                    const guint8 *data,
                                    gsize         length,
                                    const GError *error,
                                    gpointer      user_data);
typedef void (*ProxyConnReadyFunc) (ProxyConn    *conn,
                                    const GError *error,
                                    gpointer      user_data);

/* @addresses: GSocketAddress*, tried in order until one accepts the TCP
 * connection (all within @timeout_s). @session: TLS session data from an
 * earlier connection to the same node (proxy_conn_take_session()) to
 * resume, or NULL. */
ProxyConn *proxy_conn_connect      (ProxyLoop                        *loop,
                                    GPtrArray                        *addresses,
                                    const gchar                      *server_name,
                                    gnutls_certificate_credentials_t  creds,
                                    gboolean                          verify,
                                    GBytes                           *session,
                                    guint                             timeout_s,
                                    ProxyConnReadyFunc                ready,
                                    gpointer                          user_data);
void       proxy_conn_set_reader   (ProxyConn         *conn,
                                    ProxyConnReadFunc  func,
                                    gpointer           user_data);
/* Called from the main loop when every queued byte went out; never from
 * inside proxy_conn_send(). */
void       proxy_conn_set_drain    (ProxyConn         *conn,
                                    ProxyConnReadyFunc func);
void       proxy_conn_pause        (ProxyConn *conn,
                                    gboolean   paused);
void       proxy_conn_send         (ProxyConn    *conn,
                                    const void   *data,
                                    gsize         length);
gsize      proxy_conn_get_pending  (ProxyConn *conn);
/* TRUE when the handshake resumed a session instead of a full handshake. */
gboolean   proxy_conn_is_resumed   (ProxyConn *conn);
/* The session data to resume with later, once the node sent a ticket (TLS
 * 1.3 sends it after the handshake); NULL before that, and after it was
 * taken once. */
GBytes    *proxy_conn_take_session (ProxyConn *conn);
gboolean   proxy_conn_is_usable    (ProxyConn *conn);
void       proxy_conn_free         (ProxyConn *conn);

G_END_DECLS
