/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One proxied request. The client's body is sent on as it arrives; the
 * node's answer is parsed with the front's strict parser (an in-tree
 * plugin may link the static postern_https_dep, which is not public API)
 * and streamed to the client, pausing the node while the client lags. */
#include "proxy-forward.h"

#include <string.h>

#include "asan-poison.h"
#include "http-append.h"
#include "http-parser.h"
#include "http-syntax.h"
#include "proxy-inspect.h"
#include "proxy-log.h"

#define MAX_RESPONSE_HEAD 65536
/* Stop reading the node while this much waits for the client. */
#define CLIENT_HIGH_WATER (256 * 1024)
/* Stop reading the client while this much waits for the node. */
#define UPSTREAM_HIGH_WATER (128 * 1024)
/* Forwards kept for reuse, and the most of a response head buffer one
 * may keep: a request then allocates nothing of its own here. */
#define SPARE_FORWARDS 64
#define SPARE_BUFFER_MAX 16384
/* An oversized body is read and dropped before the 413 goes out, so the
 * client sees the answer instead of a reset; beyond this much more it is
 * answered at once. */
#define REFUSE_DRAIN_MAX (16 * 1024 * 1024)

typedef struct {
  ProxyShared *shared;
  GList link;                 /* in shared->forwards */
  PosternHttpExchange *exchange;
  ProxyNode *node;
  ProxyConn *conn;
  GPtrArray *tried;           /* ProxyNode* already failed for this request; NULL before a failure */
  gchar *token;
  gchar *alias;
  ProxyCall call;
  GString *head;              /* request head as sent to every node */
  gboolean has_body;
  gboolean chunked_up;        /* the body goes upstream chunked */
  gboolean idempotent;
  gboolean websocket;         /* the client asked for an upgrade */
  gboolean tunnel;            /* the node said 101: bytes flow both ways */
  gboolean reused;            /* the connection came from the pool */
  gboolean stale_retried;     /* a pooled one failed at once: a new one was tried */
  gboolean resolving;         /* waiting for the node's name to resolve */
  gboolean request_sent;      /* at least the head went out */
  gboolean body_reading;
  gboolean refusing;          /* body too large: drained, then 413 */
  gboolean body_done;
  guint64 body_seen;
  GByteArray *in;             /* response head bytes */
  gboolean in_grown;          /* beyond SPARE_BUFFER_MAX once: not kept */
  gsize scanned;
  PosternHttpResponse resp;
  gboolean have_resp;
  gboolean response_started;  /* the client got a head */
  guint64 remaining;
  PosternHttpChunkDecoder dec;
  GString *capture;           /* token-bearing answers, for inspection */
  guint64 bytes_sent;
  guint upstream_status;
  gint64 started;             /* monotonic µs */
  gint64 upstream_started;
  gint64 last_activity;       /* monotonic µs of the last send or read upstream */
  ProxyTimer idle;
  gboolean done;
  /* Writing to the client can end the forward under the writer (the front
   * reports a vanished client at once): memory is kept while busy. */
  guint busy;
  gboolean freed;
} Forward;

static void try_node (Forward *f);
static void resolved_cb (ProxyNode *node, const GError *error, gpointer user_data);

static void
forward_destroy (gpointer data)
{
  Forward *f = data;

  POSTERN_UNPOISON (f, sizeof *f);
  g_string_free (f->head, TRUE);
  g_byte_array_unref (f->in);
  g_free (f);
}

GPtrArray *
proxy_forward_spares_new (void)
{
  return g_ptr_array_new_with_free_func (forward_destroy);
}

static Forward *
forward_new (ProxyShared *shared)
{
  GPtrArray *spares = shared->spare_forwards;
  Forward *f;

  if (spares->len > 0) {
    GString *head;
    GByteArray *in;

    f = g_ptr_array_steal_index_fast (spares, spares->len - 1);
    POSTERN_UNPOISON (f, sizeof *f);
    head = f->head;
    in = f->in;
    memset (f, 0, sizeof *f);
    f->head = head;
    f->in = in;
    g_string_truncate (head, 0);
    g_byte_array_set_size (in, 0);
  } else {
    f = g_new0 (Forward, 1);
    f->head = g_string_sized_new (512);
    f->in = g_byte_array_new ();
  }
  f->shared = shared;
  f->link.data = f;
  g_queue_push_tail_link (&shared->forwards, &f->link);
  return f;
}

/* A freed forward's memory once nothing holds it: kept when small. */
static void
forward_release (Forward *f)
{
  GPtrArray *spares = f->shared->spare_forwards;

  if (spares->len < SPARE_FORWARDS && f->head->allocated_len <= SPARE_BUFFER_MAX && !f->in_grown) {
    g_ptr_array_add (spares, f);
    POSTERN_POISON (f, sizeof *f);
  } else {
    forward_destroy (f);
  }
}

/* Header names with their lengths: every header of every request and
 * answer is checked against these, and a length compare rules out most. */
typedef struct {
  const gchar *name;
  gsize len;
} HeaderName;

#define HEADER_NAME(s) { s, sizeof s - 1 }

/* Set again by the proxy for the node. */
static const HeaderName request_replaced[] = {
  HEADER_NAME ("Content-Length"), HEADER_NAME ("Expect"), HEADER_NAME ("X-Forwarded-For"),
  HEADER_NAME ("X-Forwarded-Proto"), HEADER_NAME ("X-Real-IP"),
};

/* Set again by the front for the client. */
static const HeaderName response_replaced[] = {
  HEADER_NAME ("Content-Length"), HEADER_NAME ("Date"), HEADER_NAME ("Server"),
};

static gboolean
name_is_one_of (const gchar *name, gsize len, const HeaderName *names, gsize n_names)
{
  for (gsize i = 0; i < n_names; i++)
    if (names[i].len == len && postern_http_ascii_equal_n (name, names[i].name, len))
      return TRUE;
  return FALSE;
}

/* RFC 9110 7.6.1, and the proxy-only fields; by length first, as every
 * field of every message is looked up. */
static gboolean
is_hop_by_hop (const gchar *name, gsize len)
{
  switch (len) {
  case sizeof "TE" - 1:
    return postern_http_ascii_equal_n (name, "TE", len);
  case sizeof "Trailer" - 1:
    return postern_http_ascii_equal_n (name, "Trailer", len) || postern_http_ascii_equal_n (name, "Upgrade", len);
  case sizeof "Connection" - 1:
    return postern_http_ascii_equal_n (name, "Connection", len) ||
           postern_http_ascii_equal_n (name, "Keep-Alive", len);
  case sizeof "Proxy-Connection" - 1:
    return postern_http_ascii_equal_n (name, "Proxy-Connection", len);
  case sizeof "Transfer-Encoding" - 1:
    return postern_http_ascii_equal_n (name, "Transfer-Encoding", len);
  case sizeof "Proxy-Authenticate" - 1:
    return postern_http_ascii_equal_n (name, "Proxy-Authenticate", len);
  case sizeof "Proxy-Authorization" - 1:
    return postern_http_ascii_equal_n (name, "Proxy-Authorization", len);
  default:
    return FALSE;
  }
}

/* Hop-by-hop, named in the message's Connection field, or one the proxy
 * sets itself. */
static gboolean
is_dropped (const gchar *name, gsize len, const gchar *connection, const HeaderName *replaced, gsize n_replaced)
{
  return is_hop_by_hop (name, len) || name_is_one_of (name, len, replaced, n_replaced) ||
         (connection != NULL && postern_http_list_has_token (connection, name));
}

static void
forward_free (Forward *f)
{
  g_queue_unlink (&f->shared->forwards, &f->link);
  proxy_timer_disarm (&f->idle);
  if (f->conn != NULL)
    proxy_conn_free (f->conn);
  if (f->resolving)
    proxy_node_cancel_resolve (f->node, f);
  if (f->node != NULL) {
    f->node->active--;
    proxy_node_unref (f->node);
  }
  if (f->have_resp)
    postern_http_response_clear (&f->resp);
  postern_http_exchange_set_closed_func (f->exchange, NULL, NULL);
  postern_http_exchange_set_drain_func (f->exchange, NULL, NULL);
  postern_http_exchange_unref (f->exchange);
  g_clear_pointer (&f->tried, g_ptr_array_unref);
  g_free (f->token);
  g_free (f->alias);
  if (f->capture != NULL)
    g_string_free (f->capture, TRUE);
  f->freed = TRUE;
  if (f->busy == 0)
    forward_release (f);
}

static void
discard_body_cb (PosternHttpExchange *exchange, const guint8 *data, gsize length, gboolean end, gpointer user_data)
{
}

/* Ends the request and frees the forward; the rest of a request body
 * still arriving is read and dropped by the front. */
static void
forward_end (Forward *f, guint error_status, const gchar *why)
{
  const gchar *upstream = f->node ? f->node->name : NULL;
  gdouble upstream_time = f->upstream_started ? (g_get_monotonic_time () - f->upstream_started) / 1e6 : -1;
  g_autofree gchar *text = NULL;

  if (f->done)
    return;
  f->done = TRUE;
  if (error_status != 0 && !f->response_started) {
    text = g_strdup_printf ("%u %s: %s\n", error_status, soup_status_get_phrase (error_status), why);
    f->bytes_sent = strlen (text);
  }
  /* Logged first: the exchange forgets the request once answered. */
  if (f->shared->access_log != NULL)
    proxy_log_write (f->shared->access_log, f->exchange, text ? error_status : f->upstream_status, f->bytes_sent,
                     upstream, f->upstream_status, upstream_time);
  if (text != NULL) {
    gsize len = strlen (text);
    postern_http_exchange_respond (f->exchange, error_status, "text/plain; charset=utf-8",
                                   g_bytes_new_take (g_steal_pointer (&text), len));
  } else {
    postern_http_exchange_finish (f->exchange);
  }
  if ((f->body_reading || f->tunnel) && !f->body_done) {
    postern_http_exchange_read_body (f->exchange, discard_body_cb, NULL);
    postern_http_exchange_pause_body (f->exchange, FALSE);
  }
  forward_free (f);
}

static void
drop_conn (Forward *f)
{
  g_clear_pointer (&f->conn, proxy_conn_free);
}

/* The node failed after the client got a head: the client connection is
 * dropped, so a cut answer never looks complete to it. */
static void
forward_abort (Forward *f)
{
  if (f->done)
    return;
  f->done = TRUE;
  drop_conn (f);
  if (f->shared->access_log != NULL)
    proxy_log_write (f->shared->access_log, f->exchange, f->upstream_status, f->bytes_sent,
                     f->node ? f->node->name : NULL, f->upstream_status,
                     f->upstream_started ? (g_get_monotonic_time () - f->upstream_started) / 1e6 : -1);
  postern_http_exchange_abort (f->exchange);
  forward_free (f);
}

/* The part of an answer read from a node that failed, before the request
 * goes to the next one. */
static void
forget_answer (Forward *f)
{
  if (f->have_resp)
    postern_http_response_clear (&f->resp);
  f->have_resp = FALSE;
  g_byte_array_set_size (f->in, 0);
  f->scanned = 0;
  f->upstream_status = 0;
  if (f->capture != NULL)
    g_string_free (g_steal_pointer (&f->capture), TRUE);
}

/* After a fault with nothing sent to the client: another node when that
 * cannot submit the request twice, else a 502. */
static void
upstream_failed (Forward *f, const GError *error)
{
  gboolean may_have_reached = f->request_sent;
  gboolean stale_reuse = f->reused && f->in->len == 0 && !f->have_resp;

  if (f->done)
    return;
  drop_conn (f);
  if (!stale_reuse)
    proxy_node_failed (f->shared->nodes, f->node, error->message);
  postern_debug (f->shared->context, "upstream %s: %s", f->node->name, error->message);
  if (f->response_started) {
    forward_abort (f);
    return;
  }
  if (stale_reuse && !f->stale_retried && (!may_have_reached || (f->idempotent && !f->has_body))) {
    /* The node had closed the pooled connection before the loop saw it:
     * the same node once more, on a new connection (also when it is the
     * only one). */
    f->stale_retried = TRUE;
    f->reused = FALSE;
    f->request_sent = FALSE;
    f->resolving = TRUE;
    proxy_node_resolve (f->node, resolved_cb, f);
    return;
  }
  /* Nothing reached the client yet (a known-length head is held until body
   * bytes follow it): an idempotent request without a body goes to another
   * node even when this one may have seen it, whatever part of its answer
   * had come. */
  if (!may_have_reached || (f->idempotent && !f->has_body)) {
    forget_answer (f);
    if (f->tried == NULL)
      f->tried = g_ptr_array_new_with_free_func ((GDestroyNotify) proxy_node_unref);
    g_ptr_array_add (f->tried, proxy_node_ref (f->node));
    f->node->active--;
    g_clear_pointer (&f->node, proxy_node_unref);
    try_node (f);
    return;
  }
  forward_end (f, g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ? 504 : 502, "the node failed");
}

static void
reset_idle (Forward *f);

static void
idle_timeout_cb (gpointer user_data)
{
  Forward *f = user_data;
  gint64 limit_us = (gint64) f->shared->idle_timeout_s * G_USEC_PER_SEC;
  gint64 idle_us = g_get_monotonic_time () - f->last_activity;
  g_autoptr(GError) error = NULL;

  if (idle_us < limit_us) {
    /* The node spoke since the timer was armed: wait for the rest. */
    proxy_timer_arm (f->shared->loop, &f->idle,
                     (guint) ((limit_us - idle_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC), idle_timeout_cb, f);
    return;
  }
  error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "upstream idle timeout");
  f->request_sent = TRUE; /* never retried: it waited too long already */
  f->idempotent = FALSE;
  upstream_failed (f, error);
}

/* Only notes the time: the timer checks it when it fires. */
static void
reset_idle (Forward *f)
{
  f->last_activity = g_get_monotonic_time ();
  if (!proxy_timer_is_armed (&f->idle) && !f->done)
    proxy_timer_arm (f->shared->loop, &f->idle, f->shared->idle_timeout_s, idle_timeout_cb, f);
}

static void
inspect_answer (Forward *f)
{
  ProxyNodes *nodes = f->shared->nodes;
  const gchar *body = f->capture ? f->capture->str : "";
  gsize len = f->capture ? f->capture->len : 0;

  if ((f->call == PROXY_CALL_REQUEST_TOKEN || f->call == PROXY_CALL_REFRESH_TOKEN) && f->upstream_status == 200) {
    g_autofree gchar *token = NULL;
    guint expires = 0;
    if (proxy_inspect_token (body, len, &token, &expires))
      proxy_nodes_learn_token (nodes, token, f->node, expires);
  }
  if (f->call == PROXY_CALL_RELEASE_TOKEN && f->upstream_status == 200 && f->token != NULL)
    proxy_nodes_forget_token (nodes, f->token);
  if (f->call == PROXY_CALL_REQUEST_TOKEN) {
    const gchar *reason = proxy_inspect_pin_failure (f->upstream_status,
                                                     postern_http_exchange_get_header (f->exchange, "pin"), body, len);
    if (reason != NULL)
      postern_event_bus_publish (postern_context_get_event_bus (f->shared->context), POSTERN_EVENT_PIN_FAILED,
                                 g_variant_new ("(ssss)", postern_http_exchange_get_client_ip (f->exchange),
                                                f->alias ? f->alias : "", postern_http_exchange_get_path (f->exchange),
                                                reason));
  }
}

static void
response_complete (Forward *f, gboolean reusable)
{
  ProxyConn *conn = g_steal_pointer (&f->conn);
  PosternEventBus *bus = postern_context_get_event_bus (f->shared->context);

  proxy_timer_disarm (&f->idle);
  inspect_answer (f);
  proxy_node_keep_session (f->node, conn);
  if (reusable && f->resp.keep_alive && (!f->has_body || f->body_done) && proxy_conn_get_pending (conn) == 0)
    proxy_node_put_idle (f->node, conn);
  else
    proxy_conn_free (conn);
  forward_end (f, 0, NULL);
  /* A pin.failed just published, and the ban it may cause, are in force
   * before the main loop accepts the client's next connection or request. */
  postern_event_bus_flush (bus);
}

/* FALSE when the client went away and the forward is over. */
static gboolean
deliver (Forward *f, const guint8 *data, gsize len)
{
  if (f->freed)
    return FALSE;
  if (len == 0)
    return TRUE;
  if (f->capture != NULL) {
    if (f->capture->len + len <= PROXY_INSPECT_MAX)
      g_string_append_len (f->capture, (const gchar *) data, (gssize) len);
    else
      g_string_truncate (f->capture, 0);
  }
  f->bytes_sent += len;
  postern_http_exchange_write (f->exchange, data, len);
  return !f->freed;
}

static void
chunk_data_cb (const char *data, gsize len, gpointer user_data)
{
  deliver (user_data, (const guint8 *) data, len);
}

static void
drain_cb (PosternHttpExchange *exchange, gpointer user_data)
{
  Forward *f = user_data;

  if (f->conn != NULL)
    proxy_conn_pause (f->conn, FALSE);
}

static gboolean start_response (Forward *f);

/* Body bytes of the answer; returns FALSE when the forward ended. */
static gboolean
body_bytes (Forward *f, const guint8 *data, gsize len)
{
  g_autoptr(GError) error = NULL;
  gsize consumed = 0;

  switch (f->resp.body) {
  case POSTERN_HTTP_BODY_NONE:
    response_complete (f, len == 0);
    return FALSE;
  case POSTERN_HTTP_BODY_LENGTH:
    consumed = (gsize) MIN ((guint64) len, f->remaining);
    if (!f->response_started && consumed > 0 && !start_response (f))
      return FALSE;
    if (!deliver (f, data, consumed))
      return FALSE;
    f->remaining -= consumed;
    if (f->remaining == 0) {
      response_complete (f, consumed == len);
      return FALSE;
    }
    break;
  case POSTERN_HTTP_BODY_CHUNKED:
    switch (postern_http_chunk_decoder_feed (&f->dec, (const char *) data, len, &consumed, chunk_data_cb, f, &error)) {
    case POSTERN_HTTP_CHUNK_DONE:
      if (f->freed)
        return FALSE;
      response_complete (f, consumed == len);
      return FALSE;
    case POSTERN_HTTP_CHUNK_ERROR:
      if (f->freed)
        return FALSE;
      f->request_sent = TRUE;
      upstream_failed (f, error);
      return FALSE;
    case POSTERN_HTTP_CHUNK_MORE:
      if (f->freed)
        return FALSE;
      break;
    }
    break;
  case POSTERN_HTTP_BODY_UNTIL_CLOSE:
    if (!deliver (f, data, len))
      return FALSE;
    break;
  }
  if (f->conn != NULL && postern_http_exchange_get_pending (f->exchange) > CLIENT_HIGH_WATER)
    proxy_conn_pause (f->conn, TRUE);
  return TRUE;
}

static void
copy_header (const char *name, const char *value, gpointer user_data)
{
  Forward *f = user_data;

  if (is_dropped (name, strlen (name), f->resp.connection, response_replaced, G_N_ELEMENTS (response_replaced)))
    return;
  postern_http_exchange_add_header (f->exchange, name, value);
}

static gint64
client_length (Forward *f)
{
  if (f->resp.body == POSTERN_HTTP_BODY_LENGTH)
    return (gint64) f->resp.content_length;
  if (f->resp.body == POSTERN_HTTP_BODY_NONE) {
    /* A HEAD answer keeps the representation's length. */
    if (f->resp.declared_length >= 0 && g_str_equal (postern_http_exchange_get_method (f->exchange), "HEAD"))
      return f->resp.declared_length;
    return 0;
  }
  return -1;
}

/* The node's head goes to the client; FALSE when the client went away. */
static gboolean
start_response (Forward *f)
{
  postern_http_response_foreach (&f->resp, copy_header, f);
  postern_http_exchange_set_drain_func (f->exchange, drain_cb, f);
  postern_http_exchange_begin (f->exchange, f->resp.status, client_length (f));
  if (f->freed)
    return FALSE;
  f->response_started = TRUE;
  return TRUE;
}

/* --- WebSocket tunnel ------------------------------------------------ */

/* Bytes for the node wait in its connection's queue: once more than the
 * high-water mark wait, the client is read no further until they drained. */
static void
hold_client_back (Forward *f)
{
  gsize pending = proxy_conn_get_pending (f->conn);

  f->shared->max_queued = MAX (f->shared->max_queued, pending);
  if (pending > UPSTREAM_HIGH_WATER)
    postern_http_exchange_pause_body (f->exchange, TRUE);
}

static void
tunnel_client_cb (PosternHttpExchange *exchange, const guint8 *data, gsize length, gboolean end, gpointer user_data)
{
  Forward *f = user_data;

  if (f->conn == NULL)
    return;
  reset_idle (f);
  if (length > 0)
    proxy_conn_send (f->conn, data, length);
  if (end) {
    /* The client closed its side: once the node has what it sent, done. */
    f->body_done = TRUE;
    if (proxy_conn_get_pending (f->conn) == 0)
      forward_end (f, 0, NULL);
    return;
  }
  hold_client_back (f);
}

static void
upstream_drained_cb (ProxyConn *conn, const GError *error, gpointer user_data)
{
  Forward *f = user_data;

  if (f->tunnel && f->body_done) {
    forward_end (f, 0, NULL);
    return;
  }
  postern_http_exchange_pause_body (f->exchange, FALSE);
}

static gboolean
start_tunnel (Forward *f, gsize head_len)
{
  g_autofree char *upgrade = postern_http_response_get_list (&f->resp, "Upgrade");
  const char *connection = f->resp.connection;

  if (upgrade == NULL || g_ascii_strcasecmp (upgrade, "websocket") != 0 || connection == NULL ||
      !postern_http_list_has_token (connection, "upgrade")) {
    g_autoptr(GError) bad = g_error_new_literal (POSTERN_HTTP_ERROR, 502, "101 without a WebSocket upgrade");
    f->request_sent = TRUE;
    f->idempotent = FALSE;
    upstream_failed (f, bad);
    return FALSE;
  }
  f->upstream_status = f->resp.status;
  proxy_node_succeeded (f->shared->nodes, f->node);
  postern_http_response_foreach (&f->resp, copy_header, f);
  f->tunnel = TRUE;
  f->response_started = TRUE;
  postern_http_exchange_set_drain_func (f->exchange, drain_cb, f);
  postern_http_exchange_upgrade (f->exchange, tunnel_client_cb, f);
  /* Frames the node sent right behind its 101. */
  if (!deliver (f, f->in->data + head_len, f->in->len - head_len))
    return FALSE;
  g_byte_array_set_size (f->in, 0);
  if (postern_http_exchange_get_pending (f->exchange) > CLIENT_HIGH_WATER)
    proxy_conn_pause (f->conn, TRUE);
  return FALSE;
}

static void
tunnel_upstream_bytes (Forward *f, const guint8 *data, gsize len)
{
  if (!deliver (f, data, len))
    return;
  if (f->conn != NULL && postern_http_exchange_get_pending (f->exchange) > CLIENT_HIGH_WATER)
    proxy_conn_pause (f->conn, TRUE);
}

static gboolean
head_bytes (Forward *f)
{
  g_autoptr(GError) error = NULL;
  gsize head_len = 0;

  while (!f->have_resp) {
    if (!postern_http_find_head_end ((const char *) f->in->data, f->in->len, f->scanned, MAX_RESPONSE_HEAD, &head_len,
                                     &error)) {
      if (error != NULL) {
        f->request_sent = TRUE;
        f->idempotent = FALSE;
        upstream_failed (f, error);
        return FALSE;
      }
      f->scanned = f->in->len > 3 ? f->in->len - 3 : 0;
      return TRUE;
    }
    if (!postern_http_parse_response_head ((const char *) f->in->data, head_len,
                                           postern_http_exchange_get_method (f->exchange), &f->resp, &error)) {
      postern_http_response_clear (&f->resp);
      f->request_sent = TRUE;
      f->idempotent = FALSE;
      upstream_failed (f, error);
      return FALSE;
    }
    if (f->resp.upgrade && f->websocket) {
      f->have_resp = TRUE;
      return start_tunnel (f, head_len);
    }
    if (f->resp.interim || f->resp.upgrade) {
      /* 100 Continue and friends: the front speaks for itself. An upgrade
       * only answers a WebSocket request. */
      gboolean upgrade = f->resp.upgrade;
      postern_http_response_clear (&f->resp);
      if (upgrade) {
        g_autoptr(GError) bad = g_error_new_literal (POSTERN_HTTP_ERROR, 502, "unrequested upgrade");
        f->request_sent = TRUE;
        f->idempotent = FALSE;
        upstream_failed (f, bad);
        return FALSE;
      }
      g_byte_array_remove_range (f->in, 0, (guint) head_len);
      f->scanned = 0;
      continue;
    }
    f->have_resp = TRUE;
  }
  f->upstream_status = f->resp.status;
  proxy_node_succeeded (f->shared->nodes, f->node);
  if (f->resp.body == POSTERN_HTTP_BODY_CHUNKED)
    postern_http_chunk_decoder_init (&f->dec, 0, 502);
  f->remaining = f->resp.content_length;
  if (f->call != PROXY_CALL_OTHER)
    f->capture = g_string_new (NULL);
  /* The front sends a known-length head only with the first body bytes:
   * held here until then, a node failing in between leaves the client
   * untouched and the request can go elsewhere. */
  if (f->resp.body == POSTERN_HTTP_BODY_LENGTH && f->remaining > 0 && f->in->len == head_len) {
    g_byte_array_set_size (f->in, 0);
    return TRUE;
  }
  if (!start_response (f))
    return FALSE;
  if (f->resp.body == POSTERN_HTTP_BODY_NONE) {
    response_complete (f, f->in->len == head_len);
    return FALSE;
  }
  return body_bytes (f, f->in->data + head_len, f->in->len - head_len);
}

static void
read_cb (ProxyConn *conn, const guint8 *data, gsize length, const GError *error, gpointer user_data)
{
  Forward *f = user_data;

  if (error != NULL) {
    if (f->tunnel) {
      /* The node closed: the client gets what is queued, then the close. */
      drop_conn (f);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
        forward_end (f, 0, NULL);
      else
        forward_abort (f);
      return;
    }
    if (f->have_resp && f->resp.body == POSTERN_HTTP_BODY_UNTIL_CLOSE &&
        g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED)) {
      response_complete (f, FALSE);
      return;
    }
    upstream_failed (f, error);
    return;
  }
  reset_idle (f);
  f->busy++;
  if (f->tunnel) {
    tunnel_upstream_bytes (f, data, length);
  } else if (f->have_resp) {
    body_bytes (f, data, length);
  } else {
    g_byte_array_append (f->in, data, (guint) length);
    f->in_grown |= f->in->len > SPARE_BUFFER_MAX;
    head_bytes (f);
  }
  if (--f->busy == 0 && f->freed)
    forward_release (f);
}

static void
send_chunk (Forward *f, const guint8 *data, gsize length)
{
  gchar size[24];
  gint n;

  if (length == 0)
    return;
  n = g_snprintf (size, sizeof size, "%" G_GSIZE_MODIFIER "x\r\n", length);
  proxy_conn_send (f->conn, size, (gsize) n);
  proxy_conn_send (f->conn, data, length);
  proxy_conn_send (f->conn, "\r\n", 2);
}

static void
body_cb (PosternHttpExchange *exchange, const guint8 *data, gsize length, gboolean end, gpointer user_data)
{
  Forward *f = user_data;

  if (end)
    f->body_done = TRUE;
  f->body_seen += length;
  if (!f->refusing && f->shared->max_body > 0 && f->body_seen > f->shared->max_body) {
    /* The node gets no more of it and its answer is not awaited. */
    drop_conn (f);
    proxy_timer_disarm (&f->idle);
    f->refusing = TRUE;
  }
  if (f->refusing) {
    if (end || (f->body_seen > f->shared->max_body && f->body_seen - f->shared->max_body > REFUSE_DRAIN_MAX))
      forward_end (f, 413, "request body too large");
    return;
  }
  if (f->conn == NULL)
    return;
  if (f->chunked_up) {
    send_chunk (f, data, length);
    if (end)
      proxy_conn_send (f->conn, "0\r\n\r\n", 5);
  } else {
    proxy_conn_send (f->conn, data, length);
  }
  if (f->conn != NULL && !end)
    hold_client_back (f);
}

static void
connected_cb (ProxyConn *conn, const GError *error, gpointer user_data)
{
  Forward *f = user_data;

  if (error != NULL) {
    /* Nothing was sent: the next node may have it. */
    f->request_sent = FALSE;
    upstream_failed (f, error);
    return;
  }
  if (!f->reused) {
    gboolean resumed = proxy_conn_is_resumed (conn);
    if (resumed)
      f->shared->tls_resumed++;
    else
      f->shared->tls_handshakes++;
    postern_debug (f->shared->context, "new TLS connection to %s: %s", f->node->name,
                   resumed ? "session resumed" : "full handshake");
  }
  proxy_conn_set_reader (conn, read_cb, f);
  proxy_conn_set_drain (conn, upstream_drained_cb);
  f->request_sent = TRUE;
  f->upstream_started = g_get_monotonic_time ();
  reset_idle (f);
  proxy_conn_send (conn, f->head->str, f->head->len);
  if (f->has_body && !f->body_reading) {
    f->body_reading = TRUE;
    postern_http_exchange_read_body (f->exchange, body_cb, f);
  }
}

static void
resolved_cb (ProxyNode *node, const GError *error, gpointer user_data)
{
  Forward *f = user_data;

  f->resolving = FALSE;
  if (error != NULL) {
    f->request_sent = FALSE;
    upstream_failed (f, error);
    return;
  }
  f->conn = proxy_conn_connect (f->shared->loop, node->addresses, node->host, f->shared->creds, f->shared->verify,
                                node->tls_session, f->shared->connect_timeout_s, connected_cb, f);
}

static void
try_node (Forward *f)
{
  ProxyNodes *nodes = f->shared->nodes;

  f->node = proxy_nodes_pick (nodes, f->token, postern_http_exchange_get_client_ip (f->exchange), f->tried);
  if (f->node == NULL) {
    forward_end (f, f->tried != NULL ? 502 : 503, "no Conferencing Node available");
    return;
  }
  proxy_node_ref (f->node);
  f->node->active++;
  f->node->requests++;
  f->conn = proxy_node_take_idle (f->node);
  f->reused = f->conn != NULL;
  if (f->reused) {
    connected_cb (f->conn, NULL, f);
    return;
  }
  f->resolving = TRUE;
  proxy_node_resolve (f->node, resolved_cb, f);
}

static void
closed_cb (PosternHttpExchange *exchange, gpointer user_data)
{
  Forward *f = user_data;

  /* The client went away (499 in nginx's log): the node's connection goes
   * too. The front detaches the exchange next, so the body callback is not
   * called again. */
  if (f->shared->access_log != NULL)
    proxy_log_write (f->shared->access_log, exchange, 499, f->bytes_sent, f->node ? f->node->name : NULL,
                     f->upstream_status,
                     f->upstream_started ? (g_get_monotonic_time () - f->upstream_started) / 1e6 : -1);
  forward_free (f);
}

/* A request field the proxy reads, seen while the head is copied: its
 * value as postern_http_exchange_get_header() gives it is the one seen,
 * unless it came more than once (then the joined list). */
typedef struct {
  const gchar *value;
  guint count;
} SeenField;

typedef struct {
  GString *head;
  const gchar *connection;
  SeenField xff;
  SeenField length;
  SeenField token;
} HeadBuilder;

static void
see (SeenField *seen, const gchar *value)
{
  seen->value = value;
  seen->count++;
}

static const gchar *
seen_value (const SeenField *seen, PosternHttpExchange *exchange, const gchar *name)
{
  return seen->count > 1 ? postern_http_exchange_get_header (exchange, name) : seen->value;
}

/* Per request: plain appends, no format parsing. */
static void
append_header (GString *head, const gchar *name, const gchar *value)
{
  postern_http_append (head, name);
  postern_http_append_len (head, ": ", 2);
  postern_http_append (head, value);
  postern_http_append_len (head, "\r\n", 2);
}

static void
add_request_header (const gchar *name, const gchar *value, gpointer user_data)
{
  HeadBuilder *b = user_data;
  gsize len = strlen (name);

  if (len == sizeof "X-Forwarded-For" - 1 && postern_http_ascii_equal_n (name, "X-Forwarded-For", len))
    see (&b->xff, value);
  else if (len == sizeof "Content-Length" - 1 && postern_http_ascii_equal_n (name, "Content-Length", len))
    see (&b->length, value);
  else if (len == sizeof "token" - 1 && postern_http_ascii_equal_n (name, "token", len))
    see (&b->token, value);
  if (is_dropped (name, len, b->connection, request_replaced, G_N_ELEMENTS (request_replaced)))
    return;
  append_header (b->head, name, value);
}

static gboolean
method_is_idempotent (const gchar *method)
{
  static const gchar *const methods[] = { "GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE", NULL };

  return g_strv_contains (methods, method);
}

void
proxy_forward_start (ProxyShared *shared, PosternHttpExchange *exchange)
{
  Forward *f = forward_new (shared);
  const gchar *ip = postern_http_exchange_get_client_ip (exchange);
  HeadBuilder b = { f->head, postern_http_exchange_get_header (exchange, "Connection") };
  const gchar *xff;
  const gchar *length;
  guint64 declared = 0;

  f->exchange = postern_http_exchange_ref (exchange);
  f->started = g_get_monotonic_time ();
  f->idempotent = method_is_idempotent (postern_http_exchange_get_method (exchange));
  f->has_body = postern_http_exchange_has_body (exchange);
  f->websocket = postern_http_exchange_is_upgrade (exchange);
  f->call = proxy_inspect_call (postern_http_exchange_get_path (exchange), &f->alias);
  postern_http_exchange_set_closed_func (exchange, closed_cb, f);

  postern_http_append (f->head, postern_http_exchange_get_method (exchange));
  postern_http_append_len (f->head, " ", 1);
  postern_http_append (f->head, postern_http_exchange_get_target (exchange));
  postern_http_append_len (f->head, " HTTP/1.1\r\n", 11);
  postern_http_exchange_foreach_header (exchange, add_request_header, &b);
  f->token = proxy_inspect_request_token (seen_value (&b.token, exchange, "token"),
                                          postern_http_exchange_get_query (exchange));
  xff = seen_value (&b.xff, exchange, "X-Forwarded-For");
  length = seen_value (&b.length, exchange, "Content-Length");
  postern_http_append (f->head, "X-Forwarded-For: ");
  if (xff != NULL) {
    postern_http_append (f->head, xff);
    postern_http_append_len (f->head, ", ", 2);
  }
  postern_http_append (f->head, ip);
  postern_http_append_len (f->head, "\r\n", 2);
  append_header (f->head, "X-Real-IP", ip);
  postern_http_append (f->head, "X-Forwarded-Proto: https\r\n");
  /* Upgrade is hop-by-hop: only a WebSocket upgrade is asked of the node. */
  if (f->websocket)
    postern_http_append (f->head, "Connection: Upgrade\r\nUpgrade: websocket\r\n");
  if (f->has_body) {
    if (length != NULL && g_ascii_string_to_unsigned (length, 10, 0, G_MAXUINT64, &declared, NULL)) {
      if (shared->max_body > 0 && declared > shared->max_body) {
        /* Refused before any node hears of it. A client waiting for
         * 100 Continue never sends the body; from others it is drained. */
        const gchar *expect = postern_http_exchange_get_header (exchange, "Expect");
        if ((expect != NULL && g_ascii_strcasecmp (expect, "100-continue") == 0) ||
            declared - shared->max_body > REFUSE_DRAIN_MAX) {
          forward_end (f, 413, "request body too large");
          return;
        }
        f->refusing = TRUE;
        f->body_reading = TRUE;
        postern_http_exchange_read_body (exchange, body_cb, f);
        return;
      }
      g_string_append_printf (f->head, "Content-Length: %" G_GUINT64_FORMAT "\r\n", declared);
    } else {
      f->chunked_up = TRUE;
      postern_http_append (f->head, "Transfer-Encoding: chunked\r\n");
    }
  }
  postern_http_append (f->head, "\r\n");
  try_node (f);
}

void
proxy_forward_end_all (ProxyShared *shared)
{
  while (shared->forwards.head != NULL) {
    Forward *f = shared->forwards.head->data;

    drop_conn (f);
    forward_end (f, 503, "the proxy is stopping");
  }
}
