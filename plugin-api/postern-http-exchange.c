/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "postern-http-private.h"

#include <glib/gstdio.h>

/* A reference-counted handle on one request of the HTTPS front. The front
 * implements it (PosternHttpExchangeImpl); once the connection is gone the
 * front detaches it, and every call becomes a harmless no-op. */

struct _PosternHttpExchange {
  gint ref_count;
  const PosternHttpExchangeImpl *klass;
  gpointer impl;
};

G_DEFINE_BOXED_TYPE (PosternHttpExchange, postern_http_exchange, postern_http_exchange_ref,
                     postern_http_exchange_unref)

/**
 * postern_http_exchange_new: (skip)
 * @impl_class: the front's implementation
 * @impl: the front's state for this request
 *
 * Returns: (transfer full): a new exchange
 */
PosternHttpExchange *
postern_http_exchange_new (const PosternHttpExchangeImpl *impl_class, gpointer impl)
{
  /* g_new and an initialiser: glibc's calloc bypasses its per-thread
   * cache, and this runs once per request */
  PosternHttpExchange *self = g_new (PosternHttpExchange, 1);

  *self = (PosternHttpExchange) { .ref_count = 1, .klass = impl_class, .impl = impl };
  return self;
}

/**
 * postern_http_exchange_detach: (skip)
 * @self: an exchange
 *
 * Cuts the exchange from its connection; later calls do nothing.
 */
void
postern_http_exchange_detach (PosternHttpExchange *self)
{
  self->impl = NULL;
}

/**
 * postern_http_exchange_ref:
 * @self: an exchange
 *
 * Returns: (transfer full): @self
 */
PosternHttpExchange *
postern_http_exchange_ref (PosternHttpExchange *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_int_inc (&self->ref_count);
  return self;
}

/**
 * postern_http_exchange_unref:
 * @self: (transfer full): an exchange
 */
void
postern_http_exchange_unref (PosternHttpExchange *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;
  if (self->impl != NULL)
    self->klass->release (self->impl);
  g_free (self);
}

#define IMPL_OR(self, fallback) \
  G_STMT_START { \
    g_return_val_if_fail ((self) != NULL, (fallback)); \
    if ((self)->impl == NULL) \
      return (fallback); \
  } G_STMT_END

#define IMPL_OR_RETURN(self) \
  G_STMT_START { \
    g_return_if_fail ((self) != NULL); \
    if ((self)->impl == NULL) \
      return; \
  } G_STMT_END

/**
 * postern_http_exchange_get_method:
 * @self: an exchange
 *
 * Returns: the request method, e.g. `GET`
 */
const gchar *
postern_http_exchange_get_method (PosternHttpExchange *self)
{
  IMPL_OR (self, "");
  return self->klass->get_method (self->impl);
}

/**
 * postern_http_exchange_get_target:
 * @self: an exchange
 *
 * Returns: the request target as the client sent it: path and query
 */
const gchar *
postern_http_exchange_get_target (PosternHttpExchange *self)
{
  IMPL_OR (self, "");
  return self->klass->get_target (self->impl);
}

/**
 * postern_http_exchange_get_path:
 * @self: an exchange
 *
 * Returns: the path part of the target, still percent-encoded
 */
const gchar *
postern_http_exchange_get_path (PosternHttpExchange *self)
{
  IMPL_OR (self, "");
  return self->klass->get_path (self->impl);
}

/**
 * postern_http_exchange_get_query:
 * @self: an exchange
 *
 * Returns: (nullable): the query after `?`, or %NULL
 */
const gchar *
postern_http_exchange_get_query (PosternHttpExchange *self)
{
  IMPL_OR (self, NULL);
  return self->klass->get_query (self->impl);
}

/**
 * postern_http_exchange_get_header:
 * @self: an exchange
 * @name: a header name, any case
 *
 * Returns: (nullable): the header's value (repeated headers joined with ", "), or %NULL
 */
const gchar *
postern_http_exchange_get_header (PosternHttpExchange *self, const gchar *name)
{
  IMPL_OR (self, NULL);
  return self->klass->get_header (self->impl, name);
}

/**
 * postern_http_exchange_foreach_header:
 * @self: an exchange
 * @func: (scope call): called for each request header, in order
 * @user_data: data for @func
 */
void
postern_http_exchange_foreach_header (PosternHttpExchange *self, PosternHttpHeaderFunc func, gpointer user_data)
{
  IMPL_OR_RETURN (self);
  self->klass->foreach_header (self->impl, func, user_data);
}

/**
 * postern_http_exchange_get_client_ip:
 * @self: an exchange
 *
 * Returns: the client's IP address as text
 */
const gchar *
postern_http_exchange_get_client_ip (PosternHttpExchange *self)
{
  IMPL_OR (self, "");
  return self->klass->get_client_ip (self->impl);
}

/**
 * postern_http_exchange_get_client_port:
 * @self: an exchange
 *
 * Returns: the client's source port
 */
guint16
postern_http_exchange_get_client_port (PosternHttpExchange *self)
{
  IMPL_OR (self, 0);
  return self->klass->get_client_port (self->impl);
}

/**
 * postern_http_exchange_has_body:
 * @self: an exchange
 *
 * Returns: %TRUE if the request carries a body (Content-Length > 0 or chunked)
 */
gboolean
postern_http_exchange_has_body (PosternHttpExchange *self)
{
  IMPL_OR (self, FALSE);
  return self->klass->has_body (self->impl);
}

/**
 * postern_http_exchange_read_body:
 * @self: an exchange
 * @func: (scope notified): receives the body as it arrives
 * @user_data: data for @func
 *
 * Starts delivering the request body. A request without a body gets one
 * call with @end set. A handler that never reads the body gets the
 * connection closed after its response, so no stray bytes are taken for the
 * next request.
 */
void
postern_http_exchange_read_body (PosternHttpExchange *self, PosternHttpBodyFunc func, gpointer user_data)
{
  IMPL_OR_RETURN (self);
  self->klass->read_body (self->impl, self, func, user_data);
}

/**
 * postern_http_exchange_add_header:
 * @self: an exchange
 * @name: a response header name
 * @value: its value
 *
 * Adds a response header; call before responding or beginning.
 */
void
postern_http_exchange_add_header (PosternHttpExchange *self, const gchar *name, const gchar *value)
{
  IMPL_OR_RETURN (self);
  self->klass->add_header (self->impl, name, value);
}

/**
 * postern_http_exchange_respond:
 * @self: an exchange
 * @status: the status code
 * @content_type: (nullable): the Content-Type, or %NULL for none
 * @body: (nullable): the body, or %NULL for none
 *
 * Sends a complete response from memory.
 */
void
postern_http_exchange_respond (PosternHttpExchange *self, guint status, const gchar *content_type, GBytes *body)
{
  IMPL_OR_RETURN (self);
  self->klass->respond (self->impl, status, content_type, body);
}

/**
 * postern_http_exchange_respond_file:
 * @self: an exchange
 * @status: the status code
 * @fd: an open file; the front takes it over and closes it
 * @offset: where the body starts in the file
 * @length: how many bytes to send
 *
 * Sends a complete response whose body is a range of a file; the front
 * reads it as the client takes it, never whole into memory. A HEAD request
 * gets the headers only.
 */
void
postern_http_exchange_respond_file (PosternHttpExchange *self, guint status, gint fd, goffset offset, goffset length)
{
  if (self == NULL || self->impl == NULL) {
    if (fd >= 0)
      g_close (fd, NULL);
    return;
  }
  self->klass->respond_file (self->impl, status, fd, offset, length);
}

/**
 * postern_http_exchange_begin:
 * @self: an exchange
 * @status: the status code
 * @content_length: the body length, or -1 to stream it chunked until finish
 *
 * Starts a streamed response. The head goes out at once when the body is
 * empty or streamed chunked (@content_length -1); with a known length it
 * leaves together with the first body bytes.
 */
void
postern_http_exchange_begin (PosternHttpExchange *self, guint status, gint64 content_length)
{
  IMPL_OR_RETURN (self);
  self->klass->begin (self->impl, status, content_length);
}

/**
 * postern_http_exchange_write:
 * @self: an exchange
 * @data: (array length=length): bytes of the body
 * @length: how many
 *
 * Queues body bytes of a streamed response and sends what the client takes
 * now; the rest follows as it drains (see postern_http_exchange_get_pending()).
 *
 * Returns: %FALSE if the client went away
 */
gboolean
postern_http_exchange_write (PosternHttpExchange *self, const guint8 *data, gsize length)
{
  IMPL_OR (self, FALSE);
  return self->klass->write (self->impl, data, length);
}

/**
 * postern_http_exchange_get_pending:
 * @self: an exchange
 *
 * Returns: bytes queued for the client and not yet sent
 */
gsize
postern_http_exchange_get_pending (PosternHttpExchange *self)
{
  IMPL_OR (self, 0);
  return self->klass->get_pending (self->impl);
}

/**
 * postern_http_exchange_finish:
 * @self: an exchange
 *
 * Ends a streamed response.
 */
void
postern_http_exchange_finish (PosternHttpExchange *self)
{
  IMPL_OR_RETURN (self);
  self->klass->finish (self->impl);
}

/**
 * postern_http_exchange_set_drain_func:
 * @self: an exchange
 * @func: (nullable) (scope notified): called when queued output has been sent
 * @user_data: data for @func
 */
void
postern_http_exchange_set_drain_func (PosternHttpExchange *self, PosternHttpNotify func, gpointer user_data)
{
  IMPL_OR_RETURN (self);
  self->klass->set_drain_func (self->impl, self, func, user_data);
}

/**
 * postern_http_exchange_set_closed_func:
 * @self: an exchange
 * @func: (nullable) (scope notified): called once if the client goes away, or the
 *   request body turns out malformed, before the response completed
 * @user_data: data for @func
 */
void
postern_http_exchange_set_closed_func (PosternHttpExchange *self, PosternHttpNotify func, gpointer user_data)
{
  IMPL_OR_RETURN (self);
  self->klass->set_closed_func (self->impl, self, func, user_data);
}

/**
 * postern_http_exchange_is_closed:
 * @self: an exchange
 *
 * Returns: %TRUE if the client went away
 */
gboolean
postern_http_exchange_is_closed (PosternHttpExchange *self)
{
  IMPL_OR (self, TRUE);
  return self->klass->is_closed (self->impl);
}

/**
 * postern_http_exchange_is_upgrade:
 * @self: an exchange
 *
 * Only handlers that called postern_context_allow_http_upgrades() see such
 * requests: a GET over HTTP/1.1 with `Connection: upgrade`,
 * `Upgrade: websocket` and no body.
 *
 * Returns: %TRUE if the request asks for a WebSocket upgrade
 */
gboolean
postern_http_exchange_is_upgrade (PosternHttpExchange *self)
{
  IMPL_OR (self, FALSE);
  return self->klass->is_upgrade (self->impl);
}

/**
 * postern_http_exchange_upgrade:
 * @self: an exchange whose request is an upgrade
 * @func: (scope notified): receives the bytes the client sends from now on
 * @user_data: data for @func
 *
 * Answers `101 Switching Protocols` (with `Connection: Upgrade`,
 * `Upgrade: websocket` and the headers added with
 * postern_http_exchange_add_header(), e.g. `Sec-WebSocket-Accept`) and turns
 * the connection into a tunnel: bytes from the client reach @func as they
 * arrive (@end set once when the client closed its side), bytes given to
 * postern_http_exchange_write() go to the client unframed.
 * postern_http_exchange_pause_body() holds the client back,
 * postern_http_exchange_get_pending() and the drain func measure the other
 * way. postern_http_exchange_finish() closes the connection after the queued
 * bytes went out; postern_http_exchange_abort() closes it at once. The
 * closed func is called if the client connection fails.
 *
 * Does nothing (with a warning) when the request is not an upgrade or a
 * response began.
 */
void
postern_http_exchange_upgrade (PosternHttpExchange *self, PosternHttpBodyFunc func, gpointer user_data)
{
  IMPL_OR_RETURN (self);
  self->klass->upgrade (self->impl, self, func, user_data);
}

/**
 * postern_http_exchange_pause_body:
 * @self: an exchange
 * @paused: %TRUE to stop delivering request body (or tunnel) bytes, %FALSE
 *   to go on
 *
 * Backpressure for request bodies and tunnels: while paused the body
 * callback is not called, and the front stops reading from the client once
 * its fixed-size input buffer is full. Resuming delivers what was buffered
 * from the main loop, never from inside this call.
 */
void
postern_http_exchange_pause_body (PosternHttpExchange *self, gboolean paused)
{
  IMPL_OR_RETURN (self);
  self->klass->pause_body (self->impl, paused);
}

/**
 * postern_http_exchange_abort:
 * @self: an exchange
 *
 * Gives up on the exchange: the client connection is closed at once, without
 * completing a response that began (so the client sees a truncated answer,
 * never a short one that looks complete), and no callback of this exchange
 * is called any more. Use it when the source of a streamed response failed.
 */
void
postern_http_exchange_abort (PosternHttpExchange *self)
{
  IMPL_OR_RETURN (self);
  self->klass->abort (self->impl);
}
