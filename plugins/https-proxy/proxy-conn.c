/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "proxy-conn.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "tls-read-ahead.h"

#define READ_CHUNK 16384
#define SEND_CHUNK 16384

typedef enum {
  CONN_CONNECTING,
  CONN_HANDSHAKE,
  CONN_OPEN,
  CONN_FAILED,
} ConnState;

struct _ProxyConn {
  gint ref;
  gboolean freed;
  ConnState state;
  GSocket *socket;
  GPtrArray *addresses;  /* GSocketAddress*, the ones left to try follow next_address */
  guint next_address;
  gnutls_session_t tls;
  gboolean verify;
  gboolean session_taken;
  ProxyLoop *loop;
  gboolean watched;       /* the socket is on the loop's epoll source */
  GIOCondition watching;
  ProxyTimer timeout;
  guint idle_id;
  guint deferred_id;
  GByteArray *out;
  gsize send_len;  /* bytes of out offered to the last gnutls_record_send that said AGAIN */
  gboolean paused;
  gboolean in_send;   /* inside proxy_conn_send(): faults are reported later */
  GError *deferred;
  ConnState deferred_was;
  PosternTlsReadAhead ahead; /* one recv() per TLS record */
  ProxyConnReadyFunc ready;
  ProxyConnReadFunc reader;
  ProxyConnReadyFunc drained;
  gpointer user_data;
};

static void update_watch (ProxyConn *conn);

/* The next main loop iteration, at the sockets' priority: an idle source
 * (g_idle_add) would wait while any socket is ready, which under load is
 * always. */
static guint
soon (GSourceFunc func, gpointer data)
{
  return g_idle_add_full (G_PRIORITY_DEFAULT, func, data, NULL);
}

static void
unwatch (ProxyConn *conn)
{
  if (conn->watched)
    postern_epoll_source_remove (proxy_loop_get_epoll (conn->loop), g_socket_get_fd (conn->socket));
  conn->watched = FALSE;
}

static ProxyConn *
conn_ref (ProxyConn *conn)
{
  conn->ref++;
  return conn;
}

static void
conn_unref (ProxyConn *conn)
{
  if (--conn->ref > 0)
    return;
  unwatch (conn);
  proxy_timer_disarm (&conn->timeout);
  g_clear_handle_id (&conn->idle_id, g_source_remove);
  g_clear_handle_id (&conn->deferred_id, g_source_remove);
  g_clear_error (&conn->deferred);
  if (conn->tls != NULL)
    gnutls_deinit (conn->tls);
  if (conn->socket != NULL)
    g_socket_close (conn->socket, NULL);
  g_clear_object (&conn->socket);
  g_ptr_array_unref (conn->addresses);
  g_byte_array_unref (conn->out);
  postern_tls_read_ahead_clear (&conn->ahead);
  g_free (conn);
}

/* Tells whoever listens now: the ready callback before the connection was
 * open, the reader after. */
static void
report (ProxyConn *conn, ConnState was, GError *error)
{
  if (was != CONN_OPEN) {
    if (conn->ready != NULL)
      conn->ready (conn, error, conn->user_data);
  } else if (conn->reader != NULL) {
    conn->reader (conn, NULL, 0, error, conn->user_data);
  }
  g_error_free (error);
}

static gboolean deferred_cb (gpointer user_data);

/* Reports a fault once, from the main loop: for callers that must not see
 * their own objects freed under them. */
static void
fail_later (ProxyConn *conn, GError *error)
{
  if (conn->state != CONN_FAILED)
    conn->deferred_was = conn->state;
  unwatch (conn);
  proxy_timer_disarm (&conn->timeout);
  conn->state = CONN_FAILED;
  if (conn->deferred == NULL)
    conn->deferred = error;
  else
    g_error_free (error);
  if (conn->deferred_id == 0)
    conn->deferred_id = soon (deferred_cb, conn);
}

static void
fail (ProxyConn *conn, GError *error)
{
  ConnState was = conn->state;

  if (conn->in_send) {
    fail_later (conn, error);
    return;
  }
  unwatch (conn);
  proxy_timer_disarm (&conn->timeout);
  conn->state = CONN_FAILED;
  report (conn, was, error);
}

static gboolean
tls_fatal (ProxyConn *conn, int ret)
{
  if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED)
    return FALSE;
  if (ret == GNUTLS_E_PREMATURE_TERMINATION || ret == 0)
    fail (conn, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "upstream closed the connection"));
  else
    fail (conn, g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "upstream TLS: %s", gnutls_strerror (ret)));
  return TRUE;
}

/* Decrypted bytes in GnuTLS or raw ones read ahead: the socket will not
 * signal them. */
static gboolean
has_buffered (ProxyConn *conn)
{
  return postern_tls_read_ahead_pending (&conn->ahead) > 0 || gnutls_record_check_pending (conn->tls) > 0;
}

static void
handshake (ProxyConn *conn)
{
  int ret = gnutls_handshake (conn->tls);

  if (ret == GNUTLS_E_SUCCESS) {
    ProxyConnReadyFunc ready = conn->ready;
    conn->state = CONN_OPEN;
    conn->ready = NULL;
    proxy_timer_disarm (&conn->timeout);
    update_watch (conn);
    ready (conn, NULL, conn->user_data);
    return;
  }
  if (ret == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
    fail (conn, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "upstream certificate not trusted"));
    return;
  }
  if (!tls_fatal (conn, ret))
    update_watch (conn);
}

static void
flush (ProxyConn *conn)
{
  gboolean had_pending = conn->out->len > 0;

  while (conn->state == CONN_OPEN && conn->out->len > 0) {
    gsize len = conn->send_len > 0 ? conn->send_len : MIN (conn->out->len, SEND_CHUNK);
    ssize_t sent = gnutls_record_send (conn->tls, conn->out->data, len);
    if (sent < 0) {
      if (sent == GNUTLS_E_AGAIN || sent == GNUTLS_E_INTERRUPTED) {
        conn->send_len = len;
        break;
      }
      tls_fatal (conn, (int) sent);
      return;
    }
    conn->send_len = 0;
    g_byte_array_remove_range (conn->out, 0, (guint) sent);
  }
  if (conn->state == CONN_OPEN)
    update_watch (conn);
  if (conn->state == CONN_OPEN && had_pending && conn->out->len == 0 && !conn->in_send && conn->drained != NULL)
    conn->drained (conn, NULL, conn->user_data);
}

static void
receive (ProxyConn *conn)
{
  guint8 buf[READ_CHUNK];

  while (conn->state == CONN_OPEN && !conn->paused && !conn->freed) {
    ssize_t got = gnutls_record_recv (conn->tls, buf, sizeof buf);
    if (got > 0) {
      if (conn->reader == NULL) {
        /* Bytes nobody asked for on an idle connection: it cannot be reused. */
        fail (conn, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "unexpected bytes from upstream"));
        return;
      }
      conn->reader (conn, buf, (gsize) got, NULL, conn->user_data);
      /* The watch is level-triggered: stopping once nothing is buffered
       * saves the read that would only say EAGAIN. */
      if (conn->freed || conn->state != CONN_OPEN || !has_buffered (conn))
        return;
      continue;
    }
    if (got == GNUTLS_E_REHANDSHAKE)
      continue;
    tls_fatal (conn, got == 0 ? 0 : (int) got);
    return;
  }
}

/* Starts a TCP connect to the next address that takes one; FALSE with
 * @error when none is left. */
static gboolean
connect_next (ProxyConn *conn, GError **error)
{
  g_autoptr(GError) last = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_HOST_NOT_FOUND, "no address for the node");

  while (conn->next_address < conn->addresses->len) {
    GSocketAddress *address = conn->addresses->pdata[conn->next_address++];

    g_clear_error (&last);
    unwatch (conn);
    if (conn->socket != NULL)
      g_socket_close (conn->socket, NULL);
    g_clear_object (&conn->socket);
    conn->socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 &last);
    if (conn->socket == NULL)
      continue;
    g_socket_set_blocking (conn->socket, FALSE);
    g_socket_set_option (conn->socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
    postern_tls_read_ahead_attach (&conn->ahead, conn->tls, g_socket_get_fd (conn->socket));
    /* Even an at-once connect waits for writability, so the callback never
     * runs before proxy_conn_connect() returns. */
    if (g_socket_connect (conn->socket, address, NULL, &last) ||
        g_error_matches (last, G_IO_ERROR, G_IO_ERROR_PENDING)) {
      conn->state = CONN_CONNECTING;
      update_watch (conn);
      return TRUE;
    }
  }
  g_propagate_error (error, g_steal_pointer (&last));
  return FALSE;
}

static gboolean
socket_cb (gint fd, GIOCondition condition, gpointer user_data)
{
  ProxyConn *conn = conn_ref (user_data);

  if (conn->state == CONN_CONNECTING) {
    g_autoptr(GError) error = NULL;
    if (!g_socket_check_connect_result (conn->socket, &error)) {
      /* Another address may take it; else the last one's fault is reported. */
      if (conn->next_address < conn->addresses->len) {
        g_clear_error (&error);
        connect_next (conn, &error);
      }
      if (error != NULL)
        fail (conn, g_steal_pointer (&error));
    } else {
      conn->state = CONN_HANDSHAKE;
      handshake (conn);
    }
  } else if (conn->state == CONN_HANDSHAKE) {
    handshake (conn);
  } else if (conn->state == CONN_OPEN) {
    if (condition & G_IO_OUT)
      flush (conn);
    if (condition & (G_IO_IN | G_IO_HUP | G_IO_ERR))
      receive (conn);
    if (conn->state == CONN_OPEN && !conn->freed)
      update_watch (conn);
  }
  conn_unref (conn);
  /* Whatever ended or replaced the watch has removed it already. */
  return TRUE;
}

static void
update_watch (ProxyConn *conn)
{
  GSource *epoll = proxy_loop_get_epoll (conn->loop);
  g_autoptr(GError) error = NULL;
  GIOCondition want = 0;

  if (conn->state == CONN_CONNECTING)
    want = G_IO_OUT;
  else if (conn->state == CONN_HANDSHAKE)
    want = gnutls_record_get_direction (conn->tls) ? G_IO_OUT : G_IO_IN;
  else if (conn->state == CONN_OPEN)
    want = (conn->out->len > 0 ? G_IO_OUT : 0) | (conn->paused ? 0 : G_IO_IN);
  if (want == 0 || conn->state == CONN_FAILED) {
    unwatch (conn);
    return;
  }
  if (conn->watched && want == conn->watching)
    return;
  /* The epoll source reports errors and hang-ups whatever is asked; the
   * watch holds no reference: the connection removes it before it goes. */
  if (conn->watched ? postern_epoll_source_modify (epoll, g_socket_get_fd (conn->socket), want, &error)
                    : postern_epoll_source_add (epoll, g_socket_get_fd (conn->socket), want, socket_cb, conn, NULL,
                                                &error)) {
    conn->watched = TRUE;
    conn->watching = want;
    return;
  }
  /* Called from every state change: the fault is told from the main loop. */
  fail_later (conn, g_steal_pointer (&error));
}

static void
timeout_cb (gpointer user_data)
{
  ProxyConn *conn = conn_ref (user_data);

  fail (conn, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "upstream connect timed out"));
  conn_unref (conn);
}

static gboolean
deferred_cb (gpointer user_data)
{
  ProxyConn *conn = user_data;
  GError *error = g_steal_pointer (&conn->deferred);

  conn->deferred_id = 0;
  report (conn, conn->deferred_was, error);
  return G_SOURCE_REMOVE;
}

/* Reports the error from an idle so the caller never sees its callback
 * run before proxy_conn_connect() returned. */
static gboolean
deferred_fail_cb (gpointer user_data)
{
  ProxyConn *conn = user_data;

  conn->idle_id = 0;
  fail (conn, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED, "cannot connect to upstream"));
  return G_SOURCE_REMOVE;
}

ProxyConn *
proxy_conn_connect (ProxyLoop *loop, GPtrArray *addresses, const gchar *server_name,
                    gnutls_certificate_credentials_t creds, gboolean verify, GBytes *session, guint timeout_s,
                    ProxyConnReadyFunc ready, gpointer user_data)
{
  ProxyConn *conn = g_new0 (ProxyConn, 1);
  g_autoptr(GError) error = NULL;

  conn->ref = 1;
  conn->loop = loop;
  conn->out = g_byte_array_new ();
  conn->ready = ready;
  conn->user_data = user_data;
  conn->state = CONN_CONNECTING;
  conn->addresses = g_ptr_array_ref (addresses);
  gnutls_init (&conn->tls, GNUTLS_CLIENT | GNUTLS_NONBLOCK);
  gnutls_set_default_priority (conn->tls);
  gnutls_credentials_set (conn->tls, GNUTLS_CRD_CERTIFICATE, creds);
  /* SNI carries DNS names only (RFC 6066), never an address literal. */
  if (!g_hostname_is_ip_address (server_name))
    gnutls_server_name_set (conn->tls, GNUTLS_NAME_DNS, server_name, strlen (server_name));
  if (verify)
    gnutls_session_set_verify_cert (conn->tls, server_name, 0);
  if (session != NULL) {
    gsize len = 0;
    const void *data = g_bytes_get_data (session, &len);
    /* Stale or foreign data only costs the resumption: a full handshake follows. */
    gnutls_session_set_data (conn->tls, data, len);
  }
  conn->verify = verify;
  if (!connect_next (conn, &error)) {
    conn->idle_id = soon (deferred_fail_cb, conn);
    return conn;
  }
  proxy_timer_arm (loop, &conn->timeout, timeout_s, timeout_cb, conn);
  return conn;
}

void
proxy_conn_set_reader (ProxyConn *conn, ProxyConnReadFunc func, gpointer user_data)
{
  conn->reader = func;
  conn->user_data = user_data;
}

void
proxy_conn_set_drain (ProxyConn *conn, ProxyConnReadyFunc func)
{
  conn->drained = func;
}

static gboolean
resume_cb (gpointer user_data)
{
  ProxyConn *conn = conn_ref (user_data);

  conn->idle_id = 0;
  receive (conn);
  if (conn->state == CONN_OPEN && !conn->freed)
    update_watch (conn);
  conn_unref (conn);
  return G_SOURCE_REMOVE;
}

void
proxy_conn_pause (ProxyConn *conn, gboolean paused)
{
  if (conn->paused == paused || conn->state != CONN_OPEN)
    return;
  conn->paused = paused;
  update_watch (conn);
  /* GnuTLS may hold decrypted bytes the socket will never signal again. */
  if (!paused && conn->idle_id == 0 && has_buffered (conn))
    conn->idle_id = soon (resume_cb, conn);
}

void
proxy_conn_send (ProxyConn *conn, const void *data, gsize length)
{
  if (conn->state != CONN_OPEN)
    return;
  g_byte_array_append (conn->out, data, (guint) length);
  if (conn->send_len == 0) {
    conn->in_send = TRUE;
    flush (conn);
    conn->in_send = FALSE;
  }
}

gsize
proxy_conn_get_pending (ProxyConn *conn)
{
  return conn->out->len;
}

gboolean
proxy_conn_is_resumed (ProxyConn *conn)
{
  return conn->tls != NULL && conn->state == CONN_OPEN && gnutls_session_is_resumed (conn->tls) != 0;
}

GBytes *
proxy_conn_take_session (ProxyConn *conn)
{
  gnutls_datum_t data = { NULL, 0 };

  if (conn->session_taken || conn->state != CONN_OPEN)
    return NULL;
  if (gnutls_protocol_get_version (conn->tls) == GNUTLS_TLS1_3 &&
      !(gnutls_session_get_flags (conn->tls) & GNUTLS_SFLAGS_SESSION_TICKET))
    return NULL;
  if (gnutls_session_get_data2 (conn->tls, &data) < 0 || data.size == 0) {
    gnutls_free (data.data);
    return NULL;
  }
  conn->session_taken = TRUE;
  return g_bytes_new_with_free_func (data.data, data.size, gnutls_free, data.data);
}

/* An idle pooled connection is reusable while it is open and the node sent
 * nothing: it stays watched, so a close or stray bytes the loop has seen
 * failed it already. No poll() per request for a close the loop has not
 * dispatched yet: the forward retries a pooled connection that fails before
 * any answer on a new one. */
gboolean
proxy_conn_is_usable (ProxyConn *conn)
{
  return conn->state == CONN_OPEN && conn->out->len == 0 && postern_tls_read_ahead_pending (&conn->ahead) == 0;
}

void
proxy_conn_free (ProxyConn *conn)
{
  if (conn == NULL)
    return;
  conn->freed = TRUE;
  conn->reader = NULL;
  conn->ready = NULL;
  conn->drained = NULL;
  if (conn->state == CONN_OPEN)
    gnutls_bye (conn->tls, GNUTLS_SHUT_WR);
  conn->state = CONN_FAILED;
  conn_unref (conn);
}
