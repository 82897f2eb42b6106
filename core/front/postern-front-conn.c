/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <libsoup/soup.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http-append.h"
#include "http-chunked.h"
#include "http-parser.h"
#include "postern-front-private.h"
#include "postern-front-wire.h"

/* One client connection of the HTTPS front (or of the plain HTTP port that
 * only redirects). Non-blocking, driven by the front's epoll source:
 *
 *   TLS handshake -> read head -> handler (response, body) -> keep-alive
 *                                          \-> 101: byte tunnel -> close
 *
 * One request at a time; pipelined bytes wait in the input buffer. Every
 * framing ambiguity is refused by the strict parser before a handler sees
 * the request. */

/* Bounds against slow or idle peers; streamed responses have none while
 * the client keeps reading. */
#define HEAD_TIMEOUT_S 30
#define KEEPALIVE_TIMEOUT_S 65
#define WRITE_STALL_TIMEOUT_S 120
#define FILE_CHUNK (16 * 1024)

typedef enum {
  CONN_HANDSHAKE,
  CONN_READ_HEAD,
  CONN_HANDLING,
  CONN_CLOSED,
} ConnState;

struct _PosternFrontConn {
  PosternFront *front;
  gint ref_count;
  gint fd;
  gboolean tls;
  gnutls_session_t session;
  PosternFrontWire wire;      /* one recv() per TLS record, fewer segments out */
  guint read_id;              /* reads what the socket will not signal */
  PosternFrontTls *tls_material;
  gchar client_ip[64];
  guint16 client_port;
  ConnState state;
  gint64 deadline;
  GIOCondition wanted;        /* by the state machine */
  GIOCondition watching;      /* plus POLLOUT while held_due */
  gboolean held_due;          /* the wire holds bytes the peer waits for */
  gboolean broken;            /* a send failed: closing from the loop */
  const gchar *broken_reason;

  guint8 *in; /* POSTERN_FRONT_BUFFER bytes while needed: idle streams hold none */
  gsize in_len;
  gsize scanned;
  gboolean peer_eof;

  /* the request being handled */
  gboolean have_request;
  PosternHttpRequest request;
  gchar *path;
  gchar *query;
  PosternHttpExchange *exchange; /* weak: the handler holds the references */
  gboolean head_request;

  PosternHttpBodyFunc body_func;
  gpointer body_data;
  gboolean body_done;
  gboolean body_paused;
  guint resume_id;     /* delivers buffered body bytes after a resume */
  gboolean tunnel;     /* upgraded: the body is every byte the client sends */
  guint64 body_left;
  PosternHttpChunkDecoder chunk_decoder;

  GString *response_headers;
  gboolean response_started;
  gboolean response_complete;
  gboolean chunked_out;
  gboolean close_after;
  GByteArray *out;
  gsize out_sent;
  gint file_fd;
  goffset file_offset;
  goffset file_left;
  PosternHttpNotify drain_func;
  gpointer drain_data;
  PosternHttpNotify closed_func;
  gpointer closed_data;
};

static void process_input (PosternFrontConn *conn);
static void flush_output (PosternFrontConn *conn);
static void watch_handling (PosternFrontConn *conn);
static const PosternHttpExchangeImpl exchange_impl;

static PosternFrontConn *
conn_ref (PosternFrontConn *conn)
{
  conn->ref_count++;
  return conn;
}

static void
conn_unref (PosternFrontConn *conn)
{
  if (--conn->ref_count > 0)
    return;
  g_assert (conn->state == CONN_CLOSED);
  if (conn->have_request)
    postern_http_request_clear (&conn->request);
  g_free (conn->in);
  g_free (conn->path);
  g_free (conn->query);
  if (conn->response_headers != NULL)
    g_string_free (conn->response_headers, TRUE);
  g_byte_array_unref (conn->out);
  g_free (conn);
}

static gboolean conn_io_cb (gint fd, GIOCondition condition, gpointer user_data);

/* Bytes GnuTLS has decrypted or read ahead: the socket does not signal them. */
static gboolean
tls_buffered (PosternFrontConn *conn)
{
  return conn->tls && (postern_tls_read_ahead_pending (&conn->wire.ahead) > 0 ||
                       gnutls_record_check_pending (conn->session) > 0);
}

static gboolean
read_buffered_cb (gpointer user_data)
{
  PosternFrontConn *conn = user_data;

  conn->read_id = 0;
  /* A direct read may have taken the bytes meanwhile (after a handshake). */
  if (tls_buffered (conn))
    conn_io_cb (conn->fd, G_IO_IN, conn);
  return G_SOURCE_REMOVE;
}

/* Reading stopped with bytes buffered (the input was full): while the
 * connection wants input they must be read, the socket may stay quiet. */
static void
read_buffered_later (PosternFrontConn *conn)
{
  if (conn->read_id == 0 && (conn->watching & G_IO_IN) && conn->state != CONN_HANDSHAKE && tls_buffered (conn))
    conn->read_id = g_idle_add (read_buffered_cb, conn);
}

static void
watch (PosternFrontConn *conn, GIOCondition events)
{
  if (conn->broken || conn->state == CONN_CLOSED)
    return;
  conn->wanted = events;
  if (conn->held_due)
    events |= G_IO_OUT;
  if (conn->watching != events) {
    conn->watching = events;
    postern_epoll_source_modify (conn->front->epoll, conn->fd, events, NULL);
  }
  read_buffered_later (conn);
}

/* An emptied input buffer goes back to the front for the next reader
 * (connections take turns in one thread): no malloc and free of
 * POSTERN_FRONT_BUFFER bytes per request, and idle connections hold none. */
static void
release_input (PosternFrontConn *conn)
{
  if (conn->front->spare_in == NULL)
    conn->front->spare_in = g_steal_pointer (&conn->in);
  else
    g_clear_pointer (&conn->in, g_free);
}

static void
set_deadline (PosternFrontConn *conn, gint seconds)
{
  conn->deadline = seconds > 0 ? g_get_monotonic_time () + seconds * G_USEC_PER_SEC : 0;
}

/* Transport: TLS records or the plain socket. Returns bytes, 0 at EOF, or
 * -1 with errno EAGAIN (try later) or another error. */
static gssize
transport_recv (PosternFrontConn *conn, guint8 *buf, gsize len)
{
  if (!conn->tls) {
    gssize n = recv (conn->fd, buf, len, 0);
    return n;
  }
  for (;;) {
    gssize n = gnutls_record_recv (conn->session, buf, len);
    if (n >= 0)
      return n;
    if (n == GNUTLS_E_INTERRUPTED)
      continue;
    if (n == GNUTLS_E_AGAIN) {
      errno = EAGAIN;
      return -1;
    }
    if (n == GNUTLS_E_PREMATURE_TERMINATION)
      return 0;
    errno = EPROTO;
    return -1;
  }
}

static gssize
transport_send (PosternFrontConn *conn, const guint8 *buf, gsize len)
{
  if (!conn->tls)
    return send (conn->fd, buf, len, MSG_NOSIGNAL);
  for (;;) {
    gssize n = gnutls_record_send (conn->session, buf, len);
    if (n >= 0)
      return n;
    if (n == GNUTLS_E_INTERRUPTED)
      continue;
    if (n == GNUTLS_E_AGAIN) {
      errno = EAGAIN;
      return -1;
    }
    errno = EPIPE;
    return -1;
  }
}

static void
finish_exchange (PosternFrontConn *conn)
{
  if (conn->exchange != NULL) {
    postern_http_exchange_detach (conn->exchange);
    conn->exchange = NULL;
  }
}

void
postern_front_conn_close (PosternFrontConn *conn, const gchar *reason)
{
  PosternHttpNotify closed_func;

  if (conn->state == CONN_CLOSED)
    return;
  g_debug ("connection from %s:%u closed: %s", conn->client_ip, conn->client_port, reason);
  conn->state = CONN_CLOSED;
  closed_func = conn->response_complete ? NULL : conn->closed_func;
  conn->closed_func = NULL;
  conn->drain_func = NULL;
  g_clear_handle_id (&conn->resume_id, g_source_remove);
  g_clear_handle_id (&conn->read_id, g_source_remove);
  postern_epoll_source_remove (conn->front->epoll, conn->fd);
  g_hash_table_remove (conn->front->connections, conn);
  if (closed_func != NULL && conn->exchange != NULL)
    closed_func (conn->exchange, conn->closed_data);
  finish_exchange (conn);
  if (conn->file_fd >= 0)
    close (conn->file_fd);
  conn->file_fd = -1;
  if (conn->session != NULL)
    gnutls_deinit (conn->session);
  conn->session = NULL;
  postern_front_wire_clear (&conn->wire);
  postern_front_tls_unref (g_steal_pointer (&conn->tls_material));
  close (conn->fd);
  conn_unref (conn);
}

gboolean
postern_front_conn_is_from (PosternFrontConn *conn, const PosternCidr *cidr)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (conn->client_ip);

  return address != NULL && postern_cidr_contains_address (cidr, address);
}

/* The source was just banned. The request being answered still gets its
 * answer (the wrong PIN that caused the ban is told so); an idle keep-alive
 * connection or a response still streaming (event streams) ends now. */
void
postern_front_conn_banned (PosternFrontConn *conn)
{
  if (conn->state == CONN_HANDLING && (!conn->response_started || conn->response_complete)) {
    conn->close_after = TRUE;
    return;
  }
  postern_front_conn_close (conn, "source banned");
}

void
postern_front_conn_sweep (PosternFrontConn *conn, gint64 now)
{
  if (conn->deadline != 0 && now >= conn->deadline)
    postern_front_conn_close (conn, "timed out");
}

/* --- responses ------------------------------------------------------- */

static void
queue (PosternFrontConn *conn, const void *data, gsize len)
{
  g_byte_array_append (conn->out, data, (guint) len);
}

/* The head's own lines are put together here and queued at once. */
typedef struct {
  gchar text[256];
  gsize len;
} HeadText;

static void
head_put (HeadText *h, const gchar *str, gsize len)
{
  len = MIN (len, sizeof h->text - h->len);
  memcpy (h->text + h->len, str, len);
  h->len += len;
}

#define HEAD_PUT_LITERAL(h, literal) head_put ((h), (literal), sizeof (literal) - 1)

static void
head_put_decimal (HeadText *h, guint64 n)
{
  gchar digits[20];
  gsize i = sizeof digits;

  do {
    digits[--i] = (gchar) ('0' + n % 10);
    n /= 10;
  } while (n > 0);
  head_put (h, digits + i, sizeof digits - i);
}

/* Once per response: straight into the output, no format parsing. Every
 * part is bounded (a reason phrase is at most 64 bytes here), so the head's
 * own lines fit HeadText. */
static void
send_head (PosternFrontConn *conn, guint status, gint64 content_length)
{
  gboolean http10 = conn->have_request && conn->request.version == SOUP_HTTP_1_0;
  const gchar *phrase = soup_status_get_phrase (status);
  HeadText h;

  h.len = 0;
  if (conn->have_request && !conn->request.keep_alive)
    conn->close_after = TRUE;
  HEAD_PUT_LITERAL (&h, "HTTP/1.1 ");
  head_put_decimal (&h, status);
  HEAD_PUT_LITERAL (&h, " ");
  head_put (&h, phrase, MIN (strlen (phrase), 64));
  HEAD_PUT_LITERAL (&h, "\r\nServer: postern\r\nDate: ");
  head_put (&h, conn->front->date, strlen (conn->front->date));
  HEAD_PUT_LITERAL (&h, "\r\n");
  if (status == SOUP_STATUS_NO_CONTENT || status == SOUP_STATUS_NOT_MODIFIED) {
    /* No body and no framing headers (RFC 9110 8.6, 15.4.5). */
  } else if (content_length >= 0) {
    HEAD_PUT_LITERAL (&h, "Content-Length: ");
    head_put_decimal (&h, (guint64) content_length);
    HEAD_PUT_LITERAL (&h, "\r\n");
  } else if (http10) {
    conn->close_after = TRUE;
  } else {
    HEAD_PUT_LITERAL (&h, "Transfer-Encoding: chunked\r\n");
    conn->chunked_out = !conn->head_request;
  }
  if (conn->close_after)
    HEAD_PUT_LITERAL (&h, "Connection: close\r\n");
  else if (http10)
    HEAD_PUT_LITERAL (&h, "Connection: keep-alive\r\n");
  queue (conn, h.text, h.len);
  if (conn->response_headers != NULL)
    queue (conn, conn->response_headers->str, conn->response_headers->len);
  queue (conn, "\r\n", 2);
  conn->response_started = TRUE;
}

static void
complete_response (PosternFrontConn *conn)
{
  conn->response_complete = TRUE;
  /* The connection closes after this answer with close_notify (see
   * response_sent(), which follows at once once the output is out): the
   * answer's last segment waits for the alert, one segment for both. A
   * body written before the end (begin, write, finish) has gone already. */
  if (conn->tls && conn->close_after && conn->body_done)
    postern_front_wire_set_more (&conn->wire, TRUE);
  flush_output (conn);
}

/* An answer of our own (errors, redirects), always closing. */
static void
respond_simple (PosternFrontConn *conn, guint status, const gchar *extra_headers, const gchar *text)
{
  g_autofree gchar *body = g_strdup_printf ("%u %s%s%s\n", status, soup_status_get_phrase (status),
                                            text ? ": " : "", text ? text : "");

  if (conn->response_started) {
    postern_front_conn_close (conn, "error after the response began");
    return;
  }
  conn->close_after = TRUE;
  if (conn->response_headers == NULL)
    conn->response_headers = g_string_new (NULL);
  g_string_append (conn->response_headers, "Content-Type: text/plain; charset=utf-8\r\n");
  if (extra_headers != NULL)
    g_string_append (conn->response_headers, extra_headers);
  send_head (conn, status, (gint64) strlen (body));
  if (!conn->head_request)
    queue (conn, body, strlen (body));
  complete_response (conn);
}

static void
reset_request (PosternFrontConn *conn)
{
  finish_exchange (conn);
  if (conn->have_request) {
    postern_http_request_clear (&conn->request);
    conn->have_request = FALSE;
  }
  g_clear_pointer (&conn->path, g_free);
  g_clear_pointer (&conn->query, g_free);
  if (conn->response_headers != NULL)
    g_string_truncate (conn->response_headers, 0);
  conn->head_request = FALSE;
  conn->body_func = NULL;
  conn->body_done = FALSE;
  conn->body_paused = FALSE;
  g_clear_handle_id (&conn->resume_id, g_source_remove);
  conn->response_started = FALSE;
  conn->response_complete = FALSE;
  conn->chunked_out = FALSE;
  conn->drain_func = NULL;
  conn->closed_func = NULL;
  conn->state = CONN_READ_HEAD;
  conn->scanned = 0;
  set_deadline (conn, KEEPALIVE_TIMEOUT_S);
}

/* The response is on the wire: next request, or close. */
static void
response_sent (PosternFrontConn *conn)
{
  if (conn->close_after || !conn->body_done) {
    /* A complete answer ends with close_notify: the client can tell it from
     * a cut connection, and OpenSSL-based clients only keep a session for
     * resumption after a clean close. Best effort on a non-blocking socket. */
    if (conn->body_done && conn->session != NULL) {
      postern_front_wire_set_more (&conn->wire, FALSE);
      gnutls_bye (conn->session, GNUTLS_SHUT_WR);
    }
    postern_front_conn_close (conn, "response sent");
    return;
  }
  reset_request (conn);
  watch (conn, G_IO_IN);
  if (conn->in_len > 0)
    process_input (conn);
}

static gboolean
refill_from_file (PosternFrontConn *conn)
{
  guint8 buf[FILE_CHUNK];
  gssize n;

  if (conn->file_fd < 0 || conn->file_left <= 0)
    return FALSE;
  n = pread (conn->file_fd, buf, (gsize) MIN ((goffset) sizeof buf, conn->file_left), conn->file_offset);
  if (n <= 0) {
    postern_front_conn_close (conn, "file read failed or file shrank");
    return FALSE;
  }
  queue (conn, buf, (gsize) n);
  conn->file_offset += n;
  conn->file_left -= n;
  if (conn->file_left == 0) {
    close (conn->file_fd);
    conn->file_fd = -1;
  }
  return TRUE;
}

static gboolean
close_later_cb (gpointer user_data)
{
  PosternFrontConn *conn = user_data;

  postern_front_conn_close (conn, conn->broken_reason);
  conn_unref (conn);
  return G_SOURCE_REMOVE;
}

/* A send failed, perhaps inside a handler's write: the handler hears of it
 * (closed func) from the main loop, never under its own call. The socket
 * leaves epoll now: watched for nothing it would still report the hang-up
 * at every iteration, and a lower-priority idle callback would never run
 * (posternd spun at 100% CPU that way). */
static void
close_later (PosternFrontConn *conn, const gchar *reason)
{
  if (conn->broken)
    return;
  conn->broken = TRUE;
  conn->broken_reason = reason;
  postern_epoll_source_remove (conn->front->epoll, conn->fd);
  conn->watching = 0;
  g_idle_add_full (G_PRIORITY_DEFAULT, close_later_cb, conn_ref (conn), NULL);
}

static void
flush_output (PosternFrontConn *conn)
{
  conn_ref (conn);
  while (conn->state != CONN_CLOSED && !conn->broken) {
    gssize n;

    if (conn->out_sent == conn->out->len) {
      g_byte_array_set_size (conn->out, 0);
      conn->out_sent = 0;
      if (refill_from_file (conn))
        continue;
      break;
    }
    n = transport_send (conn, conn->out->data + conn->out_sent, conn->out->len - conn->out_sent);
    if (n < 0 && errno == EAGAIN) {
      watch (conn, G_IO_OUT | (conn->body_func != NULL && !conn->body_done && !conn->body_paused &&
                                       conn->in_len < POSTERN_FRONT_BUFFER && !conn->peer_eof ? G_IO_IN : 0));
      if (conn->deadline == 0 || conn->state == CONN_HANDLING)
        set_deadline (conn, WRITE_STALL_TIMEOUT_S);
      conn_unref (conn);
      return;
    }
    if (n <= 0) {
      close_later (conn, "client went away while sending");
      conn_unref (conn);
      return;
    }
    conn->out_sent += (gsize) n;
    set_deadline (conn, 0);
  }
  if (conn->state == CONN_HANDLING && !conn->broken) {
    if (conn->response_complete && conn->file_fd < 0) {
      response_sent (conn);
    } else {
      watch_handling (conn);
      if (conn->drain_func != NULL && conn->exchange != NULL)
        conn->drain_func (conn->exchange, conn->drain_data);
    }
  }
  conn_unref (conn);
}

/* --- request bodies -------------------------------------------------- */

static void
chunk_data_cb (const char *data, gsize len, gpointer user_data)
{
  PosternFrontConn *conn = user_data;

  if (conn->body_func != NULL && len > 0 && conn->exchange != NULL)
    conn->body_func (conn->exchange, (const guint8 *) data, len, FALSE, conn->body_data);
}

/* A malformed body: the handler hears the request is gone (its closed
 * func), the client gets a 400 if nothing was answered yet. */
static void
body_failed (PosternFrontConn *conn, const gchar *message)
{
  PosternHttpNotify closed_func = conn->closed_func;

  conn->closed_func = NULL;
  conn->body_func = NULL;
  conn->body_done = TRUE;
  if (closed_func != NULL && conn->exchange != NULL)
    closed_func (conn->exchange, conn->closed_data);
  if (conn->state == CONN_CLOSED)
    return;
  if (!conn->response_started)
    respond_simple (conn, SOUP_STATUS_BAD_REQUEST, NULL, message);
  else
    postern_front_conn_close (conn, message);
}

/* Hands buffered body bytes to the handler; returns how many input bytes
 * belonged to the body. */
static gsize
deliver_body (PosternFrontConn *conn, const guint8 *data, gsize len)
{
  g_autoptr(GError) error = NULL;
  gsize consumed = 0;

  if (conn->body_done)
    return 0;
  if (conn->request.body == POSTERN_HTTP_BODY_LENGTH) {
    consumed = (gsize) MIN ((guint64) len, conn->body_left);
    conn->body_left -= consumed;
    conn->body_done = conn->body_left == 0;
    if (conn->body_func != NULL && conn->exchange != NULL && (consumed > 0 || conn->body_done))
      conn->body_func (conn->exchange, data, consumed, conn->body_done, conn->body_data);
    return consumed;
  }
  switch (postern_http_chunk_decoder_feed (&conn->chunk_decoder, (const char *) data, len, &consumed,
                                           chunk_data_cb, conn, &error)) {
  case POSTERN_HTTP_CHUNK_DONE:
    conn->body_done = TRUE;
    if (conn->body_func != NULL && conn->exchange != NULL)
      conn->body_func (conn->exchange, NULL, 0, TRUE, conn->body_data);
    break;
  case POSTERN_HTTP_CHUNK_MORE:
    break;
  case POSTERN_HTTP_CHUNK_ERROR:
  default:
    body_failed (conn, error != NULL ? error->message : "bad chunked body");
    return len;
  }
  return consumed;
}

static void
consume_input (PosternFrontConn *conn, gsize n)
{
  memmove (conn->in, conn->in + n, conn->in_len - n);
  conn->in_len -= n;
  if (conn->in_len == 0)
    release_input (conn);
}

/* Upgraded: whatever the client sent goes to the handler as it is, then
 * the end once the client closed its side. */
static void
pump_tunnel (PosternFrontConn *conn)
{
  conn_ref (conn);
  if (conn->in_len > 0 && conn->exchange != NULL) {
    gsize len = conn->in_len;
    conn->body_func (conn->exchange, conn->in, len, FALSE, conn->body_data);
    if (conn->state != CONN_CLOSED)
      consume_input (conn, len);
  }
  if (conn->state != CONN_CLOSED && conn->peer_eof && conn->in_len == 0 && !conn->body_done &&
      !conn->body_paused && conn->exchange != NULL) {
    conn->body_done = TRUE;
    conn->body_func (conn->exchange, NULL, 0, TRUE, conn->body_data);
  }
  conn_unref (conn);
}

static void
pump_body (PosternFrontConn *conn)
{
  gsize used;

  if (conn->body_func == NULL || conn->body_done || conn->body_paused)
    return;
  if (conn->tunnel) {
    pump_tunnel (conn);
    return;
  }
  if (conn->in_len == 0)
    return;
  conn_ref (conn);
  used = deliver_body (conn, conn->in, conn->in_len);
  if (conn->state != CONN_CLOSED)
    consume_input (conn, used);
  conn_unref (conn);
}

/* While a request is handled the connection reads on (to take body bytes
 * and to see the client leave) until the input buffer is full of bytes
 * nobody takes now: that fixed buffer is all a fast sender can fill. */
static void
watch_handling (PosternFrontConn *conn)
{
  gboolean stalled = conn->body_done || conn->body_paused || conn->body_func == NULL;
  gboolean full = conn->in_len == POSTERN_FRONT_BUFFER && stalled;

  if (conn->state != CONN_HANDLING)
    return;
  watch (conn, (full || conn->peer_eof ? 0 : G_IO_IN) | (conn->out->len > conn->out_sent ? G_IO_OUT : 0));
}

static gboolean
resume_cb (gpointer user_data)
{
  PosternFrontConn *conn = user_data;

  conn->resume_id = 0;
  conn_ref (conn);
  pump_body (conn);
  watch_handling (conn);
  conn_unref (conn);
  return G_SOURCE_REMOVE;
}

static void
schedule_resume (PosternFrontConn *conn)
{
  if (conn->resume_id == 0 && conn->state == CONN_HANDLING && (conn->in_len > 0 || conn->peer_eof))
    conn->resume_id = g_idle_add (resume_cb, conn);
}

/* --- the exchange, as the plugin API sees it ------------------------- */

static const gchar *
ex_get_method (gpointer impl)
{
  return ((PosternFrontConn *) impl)->request.method;
}

static const gchar *
ex_get_target (gpointer impl)
{
  return ((PosternFrontConn *) impl)->request.target;
}

static const gchar *
ex_get_path (gpointer impl)
{
  return ((PosternFrontConn *) impl)->path;
}

static const gchar *
ex_get_query (gpointer impl)
{
  return ((PosternFrontConn *) impl)->query;
}

static const gchar *
ex_get_header (gpointer impl, const gchar *name)
{
  return soup_message_headers_get_list (((PosternFrontConn *) impl)->request.headers, name);
}

static void
ex_foreach_header (gpointer impl, PosternHttpHeaderFunc func, gpointer user_data)
{
  soup_message_headers_foreach (((PosternFrontConn *) impl)->request.headers, (SoupMessageHeadersForeachFunc) func,
                                user_data);
}

static const gchar *
ex_get_client_ip (gpointer impl)
{
  return ((PosternFrontConn *) impl)->client_ip;
}

static guint16
ex_get_client_port (gpointer impl)
{
  return ((PosternFrontConn *) impl)->client_port;
}

static gboolean
ex_has_body (gpointer impl)
{
  PosternFrontConn *conn = impl;

  return conn->request.body == POSTERN_HTTP_BODY_CHUNKED ||
         (conn->request.body == POSTERN_HTTP_BODY_LENGTH && conn->request.content_length > 0);
}

static void
ex_read_body (gpointer impl, PosternHttpExchange *exchange, PosternHttpBodyFunc func, gpointer user_data)
{
  PosternFrontConn *conn = impl;

  conn->body_func = func;
  conn->body_data = user_data;
  if (conn->body_done) {
    func (exchange, NULL, 0, TRUE, user_data);
    return;
  }
  if (conn->request.expect_continue && !conn->response_started)
    queue (conn, "HTTP/1.1 100 Continue\r\n\r\n", 25);
  pump_body (conn);
  watch_handling (conn);
  if (conn->state != CONN_CLOSED && conn->out->len > conn->out_sent)
    flush_output (conn);
}

static void
ex_add_header (gpointer impl, const gchar *name, const gchar *value)
{
  PosternFrontConn *conn = impl;

  /* Refuse what would split the response: names are tokens, values one line. */
  if (conn->response_started || strpbrk (name, ":\r\n \t") != NULL || strpbrk (value, "\r\n") != NULL) {
    g_warning ("refusing response header '%s' (bad characters or response already started)", name);
    return;
  }
  if (conn->response_headers == NULL)
    conn->response_headers = g_string_sized_new (256);
  postern_http_append (conn->response_headers, name);
  postern_http_append_len (conn->response_headers, ": ", 2);
  postern_http_append (conn->response_headers, value);
  postern_http_append_len (conn->response_headers, "\r\n", 2);
}

static void
ex_respond (gpointer impl, guint status, const gchar *content_type, GBytes *body)
{
  PosternFrontConn *conn = impl;
  gsize len = body != NULL ? g_bytes_get_size (body) : 0;

  if (conn->response_started)
    return;
  if (content_type != NULL)
    ex_add_header (conn, "Content-Type", content_type);
  send_head (conn, status, (gint64) len);
  if (len > 0 && !conn->head_request && status != SOUP_STATUS_NO_CONTENT && status != SOUP_STATUS_NOT_MODIFIED)
    queue (conn, g_bytes_get_data (body, NULL), len);
  complete_response (conn);
}

static void
ex_respond_file (gpointer impl, guint status, gint fd, goffset offset, goffset length)
{
  PosternFrontConn *conn = impl;

  if (conn->response_started) {
    close (fd);
    return;
  }
  send_head (conn, status, length);
  if (conn->head_request || length == 0) {
    close (fd);
  } else {
    conn->file_fd = fd;
    conn->file_offset = offset;
    conn->file_left = length;
  }
  complete_response (conn);
}

static void
ex_begin (gpointer impl, guint status, gint64 content_length)
{
  PosternFrontConn *conn = impl;

  if (conn->response_started)
    return;
  send_head (conn, status, content_length);
  /* A body of known length follows: the head leaves with its first bytes
   * (one TLS record and one send instead of two). A streamed answer's head
   * goes at once. */
  if (content_length > 0 && !conn->head_request)
    return;
  flush_output (conn);
}

static gboolean
ex_write (gpointer impl, const guint8 *data, gsize length)
{
  PosternFrontConn *conn = impl;
  gchar size_line[32];
  gboolean alive;

  if (!conn->response_started || conn->response_complete || conn->state == CONN_CLOSED)
    return conn->state != CONN_CLOSED;
  if (length == 0 || conn->head_request)
    return TRUE;
  if (conn->chunked_out) {
    gint n = g_snprintf (size_line, sizeof size_line, "%" G_GSIZE_MODIFIER "x\r\n", length);
    queue (conn, size_line, (gsize) n);
  }
  queue (conn, data, length);
  if (conn->chunked_out)
    queue (conn, "\r\n", 2);
  /* A client gone while sending frees the connection inside the flush. */
  conn_ref (conn);
  flush_output (conn);
  alive = conn->state != CONN_CLOSED;
  conn_unref (conn);
  return alive;
}

static gsize
ex_get_pending (gpointer impl)
{
  PosternFrontConn *conn = impl;

  return conn->out->len - conn->out_sent;
}

static void
ex_finish (gpointer impl)
{
  PosternFrontConn *conn = impl;

  if (!conn->response_started || conn->response_complete)
    return;
  /* A close-delimited body (HTTP/1.0 client) ends when we close. */
  if (conn->chunked_out)
    queue (conn, "0\r\n\r\n", 5);
  complete_response (conn);
}

static void
ex_set_drain_func (gpointer impl, PosternHttpExchange *exchange, PosternHttpNotify func, gpointer user_data)
{
  PosternFrontConn *conn = impl;

  conn->drain_func = func;
  conn->drain_data = user_data;
}

static void
ex_set_closed_func (gpointer impl, PosternHttpExchange *exchange, PosternHttpNotify func, gpointer user_data)
{
  PosternFrontConn *conn = impl;

  conn->closed_func = func;
  conn->closed_data = user_data;
}

static gboolean
ex_is_closed (gpointer impl)
{
  return ((PosternFrontConn *) impl)->state == CONN_CLOSED;
}

/* The handler dropped its last reference: if it never answered, answer
 * for it rather than leave the client hanging. */
static void
ex_release (gpointer impl)
{
  PosternFrontConn *conn = impl;

  conn->exchange = NULL;
  if (conn->state == CONN_HANDLING && !conn->response_started) {
    g_warning ("handler for %s released the request without answering", conn->path);
    respond_simple (conn, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL, "no answer");
  } else if (conn->state == CONN_HANDLING && !conn->response_complete) {
    postern_front_conn_close (conn, "handler abandoned a streamed response");
  }
}

static gboolean
ex_is_upgrade (gpointer impl)
{
  return ((PosternFrontConn *) impl)->request.websocket;
}

static void
ex_upgrade (gpointer impl, PosternHttpExchange *exchange, PosternHttpBodyFunc func, gpointer user_data)
{
  PosternFrontConn *conn = impl;
  g_autoptr(GString) head = NULL;

  if (!conn->request.websocket || conn->response_started || conn->state != CONN_HANDLING) {
    g_warning ("refusing to upgrade %s: not an upgrade request, or a response began", conn->path);
    return;
  }
  head = g_string_sized_new (256);
  g_string_append_printf (head, "HTTP/1.1 101 Switching Protocols\r\nServer: postern\r\nDate: %s\r\n"
                          "Connection: Upgrade\r\nUpgrade: websocket\r\n", conn->front->date);
  if (conn->response_headers != NULL)
    g_string_append_len (head, conn->response_headers->str, (gssize) conn->response_headers->len);
  g_string_append (head, "\r\n");
  queue (conn, head->str, head->len);
  conn->response_started = TRUE;
  conn->tunnel = TRUE;
  conn->close_after = TRUE;
  conn->body_done = FALSE;
  conn->body_func = func;
  conn->body_data = user_data;
  /* Bytes the client sent behind its request reach @func from the loop. */
  schedule_resume (conn);
  flush_output (conn);
}

static void
ex_pause_body (gpointer impl, gboolean paused)
{
  PosternFrontConn *conn = impl;

  if (conn->body_paused == paused || conn->state != CONN_HANDLING)
    return;
  conn->body_paused = paused;
  if (!paused)
    schedule_resume (conn);
  watch_handling (conn);
}

static void
ex_abort (gpointer impl)
{
  PosternFrontConn *conn = impl;

  conn->closed_func = NULL;
  conn->drain_func = NULL;
  conn->body_func = NULL;
  postern_front_conn_close (conn, "aborted by the handler");
}

static const PosternHttpExchangeImpl exchange_impl = {
  .get_method = ex_get_method,
  .get_target = ex_get_target,
  .get_path = ex_get_path,
  .get_query = ex_get_query,
  .get_header = ex_get_header,
  .foreach_header = ex_foreach_header,
  .get_client_ip = ex_get_client_ip,
  .get_client_port = ex_get_client_port,
  .has_body = ex_has_body,
  .read_body = ex_read_body,
  .add_header = ex_add_header,
  .respond = ex_respond,
  .respond_file = ex_respond_file,
  .begin = ex_begin,
  .write = ex_write,
  .get_pending = ex_get_pending,
  .finish = ex_finish,
  .set_drain_func = ex_set_drain_func,
  .set_closed_func = ex_set_closed_func,
  .is_closed = ex_is_closed,
  .release = ex_release,
  .is_upgrade = ex_is_upgrade,
  .upgrade = ex_upgrade,
  .pause_body = ex_pause_body,
  .abort = ex_abort,
};

/* --- requests -------------------------------------------------------- */

static gboolean
host_is_safe (const gchar *host)
{
  if (host == NULL || host[0] == '\0' || strlen (host) > 255)
    return FALSE;
  for (const gchar *p = host; *p != '\0'; p++) {
    if (!g_ascii_isalnum (*p) && strchr ("-.:[]", *p) == NULL)
      return FALSE;
  }
  return TRUE;
}

/* The plain HTTP port answers everything with a redirect to HTTPS. */
static void
redirect_to_https (PosternFrontConn *conn)
{
  g_autofree gchar *host = NULL;
  g_autofree gchar *location = NULL;
  const gchar *h = conn->request.host;

  if (host_is_safe (h)) {
    /* Drop a port: the HTTPS port is ours to say. */
    const gchar *end = h[0] == '[' ? strchr (h, ']') : strchr (h, ':');
    host = end == NULL ? g_strdup (h) : g_strndup (h, (gsize) (end - h) + (h[0] == '[' ? 1 : 0));
  } else {
    host = g_strdup (conn->front->fqdn);
  }
  if (conn->front->https_port != 443)
    location = g_strdup_printf ("Location: https://%s:%u%s\r\n", host, conn->front->https_port, conn->request.target);
  else
    location = g_strdup_printf ("Location: https://%s%s\r\n", host, conn->request.target);
  respond_simple (conn, SOUP_STATUS_MOVED_PERMANENTLY, location, NULL);
}

static void
dispatch (PosternFrontConn *conn)
{
  PosternHttpHandler handler = NULL;
  gpointer handler_data = NULL;
  gboolean upgrades = FALSE;
  const gchar *q = strchr (conn->request.target, '?');

  conn->path = q != NULL ? g_strndup (conn->request.target, (gsize) (q - conn->request.target))
                         : g_strdup (conn->request.target);
  conn->query = q != NULL ? g_strdup (q + 1) : NULL;
  conn->head_request = g_str_equal (conn->request.method, "HEAD");
  conn->body_done = !ex_has_body (conn);
  conn->body_left = conn->request.content_length;
  if (conn->request.body == POSTERN_HTTP_BODY_CHUNKED)
    postern_http_chunk_decoder_init (&conn->chunk_decoder, 0, SOUP_STATUS_BAD_REQUEST);
  conn->state = CONN_HANDLING;
  set_deadline (conn, 0);

  if (!conn->tls) {
    redirect_to_https (conn);
    return;
  }
  /* Handlers get the body de-chunked; any other transfer coding would reach
   * them still encoded. */
  if (conn->request.body == POSTERN_HTTP_BODY_CHUNKED &&
      g_ascii_strcasecmp (soup_message_headers_get_list (conn->request.headers, "Transfer-Encoding"), "chunked") != 0) {
    respond_simple (conn, SOUP_STATUS_NOT_IMPLEMENTED, NULL, "only the chunked transfer coding is supported");
    return;
  }
  if (!postern_http_router_lookup (conn->front->router, conn->path, &handler, &handler_data, &upgrades)) {
    respond_simple (conn, SOUP_STATUS_NOT_FOUND, NULL, NULL);
    return;
  }
  if (conn->request.websocket && !upgrades) {
    respond_simple (conn, SOUP_STATUS_NOT_IMPLEMENTED, NULL, "WebSocket upgrades are not served on this path");
    return;
  }
  conn->exchange = postern_http_exchange_new (&exchange_impl, conn);
  {
    g_autoptr(PosternHttpExchange) exchange = conn->exchange;
    handler (exchange, handler_data);
  }
}

static void
parse_head (PosternFrontConn *conn)
{
  g_autoptr(GError) error = NULL;
  PosternHttpLimits limits = { POSTERN_FRONT_MAX_HEAD, 0 };
  gsize head_length = 0;

  if (!postern_http_find_head_end ((const char *) conn->in, conn->in_len, conn->scanned, POSTERN_FRONT_MAX_HEAD,
                                   &head_length, &error)) {
    if (error != NULL) {
      conn->state = CONN_HANDLING;
      respond_simple (conn, (guint) error->code, NULL, error->message);
      return;
    }
    /* A bare LF would never end the head: refuse it now, not at the timeout. */
    for (gsize i = MAX (conn->scanned, 1); i < conn->in_len; i++) {
      if (conn->in[i] == '\n' && conn->in[i - 1] != '\r') {
        conn->state = CONN_HANDLING;
        respond_simple (conn, SOUP_STATUS_BAD_REQUEST, NULL, "bare LF in the request head");
        return;
      }
    }
    if (conn->in_len > 0 && conn->in[0] == '\n') {
      conn->state = CONN_HANDLING;
      respond_simple (conn, SOUP_STATUS_BAD_REQUEST, NULL, "bare LF in the request head");
      return;
    }
    conn->scanned = conn->in_len;
    return;
  }
  if (!postern_http_parse_request_head ((const char *) conn->in, head_length, &limits, &conn->request, &error)) {
    postern_http_request_clear (&conn->request);
    conn->state = CONN_HANDLING;
    respond_simple (conn, (guint) error->code, NULL, error->message);
    return;
  }
  conn->have_request = TRUE;
  consume_input (conn, conn->request.head_length);
  dispatch (conn);
}

static void
process_input (PosternFrontConn *conn)
{
  conn_ref (conn);
  if (conn->state == CONN_READ_HEAD && conn->in_len > 0)
    parse_head (conn);
  if (conn->state == CONN_HANDLING)
    pump_body (conn);
  conn_unref (conn);
}

static void
read_input (PosternFrontConn *conn)
{
  if (conn->in == NULL)
    conn->in = g_steal_pointer (&conn->front->spare_in);
  if (conn->in == NULL)
    conn->in = g_malloc (POSTERN_FRONT_BUFFER);
  while (conn->state != CONN_CLOSED && conn->in_len < POSTERN_FRONT_BUFFER && !conn->peer_eof) {
    gssize n = transport_recv (conn, conn->in + conn->in_len, POSTERN_FRONT_BUFFER - conn->in_len);

    if (n < 0 && errno == EAGAIN)
      break;
    if (n == 0 && conn->tunnel) {
      /* The handler hears the end after the bytes before it; the other
       * direction may still have bytes to deliver. */
      conn->peer_eof = TRUE;
      break;
    }
    if (n <= 0) {
      conn->peer_eof = TRUE;
      postern_front_conn_close (conn, n == 0 ? "client closed" : "read error");
      return;
    }
    conn->in_len += (gsize) n;
    /* TLS may hold more bytes than the socket shows. */
    if (conn->tls && !tls_buffered (conn))
      break;
  }
  if (conn->state == CONN_CLOSED)
    return;
  if (conn->in_len == 0)
    release_input (conn);
  process_input (conn);
  watch_handling (conn);
  if (conn->state != CONN_CLOSED)
    read_buffered_later (conn);
}

/* Bytes the wire held go out now, as far as the socket takes them (the
 * rest when it signals POLLOUT). FALSE if the connection closed. */
static gboolean
send_held (PosternFrontConn *conn)
{
  g_autoptr(GError) error = NULL;

  if (postern_front_wire_flush (&conn->wire, &error)) {
    conn->held_due = postern_front_wire_held (&conn->wire) > 0;
    return TRUE;
  }
  g_debug ("connection from %s:%u: %s", conn->client_ip, conn->client_port, error->message);
  postern_front_conn_close (conn, "client went away while sending");
  return FALSE;
}

/* TLS 1.3 tickets are sent by us, not by GnuTLS after the handshake: two
 * after a full handshake (a client may open connections in parallel), one
 * after a resumption (the client used one), as OpenSSL does; GnuTLS would
 * send two every time, each a ticket encryption and a key derivation.
 * They go at once: they also acknowledge the client's Finished, which a
 * client using Nagle's algorithm waits for before it sends its request,
 * and held for the answer they made OpenSSL clients (wrk) spin longer.
 * Through the wire's hold, so GnuTLS never sees EAGAIN halfway. FALSE if
 * the connection closed. */
static gboolean
send_tickets (PosternFrontConn *conn)
{
  int rc;

  if (gnutls_protocol_get_version (conn->session) != GNUTLS_TLS1_3)
    return TRUE;
  postern_front_wire_hold (&conn->wire, TRUE);
  rc = gnutls_session_ticket_send (conn->session, gnutls_session_is_resumed (conn->session) ? 1 : 2, 0);
  postern_front_wire_hold (&conn->wire, FALSE);
  if (rc < 0)
    g_debug ("no session ticket for %s:%u: %s", conn->client_ip, conn->client_port, gnutls_strerror (rc));
  return send_held (conn);
}

/* POLLOUT while the wire holds bytes due: TRUE once they are all out (and
 * POLLOUT is no longer watched for them). */
static gboolean
send_held_when_writable (PosternFrontConn *conn)
{
  if (!send_held (conn) || conn->held_due)
    return FALSE;
  watch (conn, conn->wanted);
  return TRUE;
}

static void
handshake (PosternFrontConn *conn)
{
  int rc;

  /* GnuTLS writes a flight in two or more pieces: one send for all. */
  postern_front_wire_hold (&conn->wire, TRUE);
  rc = gnutls_handshake (conn->session);
  postern_front_wire_hold (&conn->wire, FALSE);
  if (!send_held (conn))
    return;
  if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
    watch (conn, gnutls_record_get_direction (conn->session) ? G_IO_OUT : G_IO_IN);
    return;
  }
  if (rc < 0) {
    postern_front_conn_close (conn, gnutls_strerror (rc));
    return;
  }
  if (!send_tickets (conn))
    return;
  conn->state = CONN_READ_HEAD;
  watch (conn, G_IO_IN);
  read_input (conn);
}

static gboolean
conn_io_cb (gint fd, GIOCondition condition, gpointer user_data)
{
  PosternFrontConn *conn = user_data;

  conn_ref (conn);
  if (conn->broken) {
    /* closing from the loop already */
  } else if (condition & G_IO_ERR) {
    /* Reset: nothing can be answered. Watched for nothing (a full input
     * nobody reads), it would be reported at every iteration. */
    postern_front_conn_close (conn, "connection reset");
  } else if ((condition & G_IO_OUT) && conn->held_due && !send_held_when_writable (conn)) {
    /* closed, or the socket took only part of what the wire held */
  } else if (conn->state == CONN_HANDSHAKE) {
    handshake (conn);
  } else {
    if ((condition & G_IO_OUT) && conn->state != CONN_CLOSED)
      flush_output (conn);
    /* A hang-up after the client's end of a tunnel: nothing can go out either. */
    if ((condition & (G_IO_HUP | G_IO_ERR)) && conn->peer_eof)
      postern_front_conn_close (conn, "client hung up");
    if ((condition & (G_IO_IN | G_IO_HUP | G_IO_ERR)) && conn->state != CONN_CLOSED)
      read_input (conn);
  }
  conn_unref (conn);
  return TRUE;
}

static gboolean
start_tls (PosternFrontConn *conn, GError **error)
{
  int rc = gnutls_init (&conn->session, GNUTLS_SERVER | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL | GNUTLS_NO_AUTO_SEND_TICKET);

  if (rc < 0) {
    conn->session = NULL;
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED, "gnutls_init: %s", gnutls_strerror (rc));
    return FALSE;
  }
  conn->tls_material = postern_front_tls_ref (conn->front->tls);
  if (!postern_front_tls_setup_session (conn->tls_material, conn->session, error))
    return FALSE;
  postern_front_wire_attach (&conn->wire, conn->session, conn->fd);
  return TRUE;
}

/* A connection that never got going: free it without the close path. */
static void
discard (PosternFrontConn *conn)
{
  if (conn->session != NULL)
    gnutls_deinit (conn->session);
  postern_front_tls_unref (conn->tls_material);
  g_byte_array_unref (conn->out);
  close (conn->fd);
  g_free (conn);
}

/* The peer's address as text, from accept()'s answer: no getpeername()
 * and no GSocketAddress per connection. */
static void
set_client_address (PosternFrontConn *conn, const struct sockaddr *peer, socklen_t peer_len)
{
  if (peer->sa_family == AF_INET && peer_len >= sizeof (struct sockaddr_in)) {
    const struct sockaddr_in *in = (const struct sockaddr_in *) peer;
    inet_ntop (AF_INET, &in->sin_addr, conn->client_ip, sizeof conn->client_ip);
    conn->client_port = ntohs (in->sin_port);
  } else if (peer->sa_family == AF_INET6 && peer_len >= sizeof (struct sockaddr_in6)) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) peer;
    inet_ntop (AF_INET6, &in6->sin6_addr, conn->client_ip, sizeof conn->client_ip);
    conn->client_port = ntohs (in6->sin6_port);
  }
}

/* Listeners defer accept until the client's first bytes are in (TLS and
 * HTTP clients speak first), so the connection starts on them at once
 * instead of after another trip through the main loop. */
gboolean
postern_front_conn_accept (PosternFront *front, gint fd, gboolean tls, const struct sockaddr *peer,
                           socklen_t peer_len, GError **error)
{
  PosternFrontConn *conn = g_new0 (PosternFrontConn, 1);

  conn->front = front;
  conn->ref_count = 1;
  conn->fd = fd;
  conn->tls = tls;
  conn->file_fd = -1;
  conn->out = g_byte_array_sized_new (4096);
  conn->state = tls ? CONN_HANDSHAKE : CONN_READ_HEAD;
  set_client_address (conn, peer, peer_len);
  if (tls && !start_tls (conn, error)) {
    discard (conn);
    return FALSE;
  }
  set_deadline (conn, HEAD_TIMEOUT_S);
  conn->wanted = conn->watching = G_IO_IN;
  if (!postern_epoll_source_add (front->epoll, fd, G_IO_IN, conn_io_cb, conn, NULL, error)) {
    discard (conn);
    return FALSE;
  }
  g_hash_table_add (front->connections, conn);
  conn_io_cb (fd, G_IO_IN, conn);
  return TRUE;
}
