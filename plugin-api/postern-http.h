/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(POSTERN_INSIDE) && !defined(POSTERN_COMPILATION)
#error "Only <postern.h> can be included directly."
#endif

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * SECTION:postern-http
 * @title: HTTP handlers
 * @short_description: serving paths through the daemon's HTTPS front
 *
 * The daemon owns the HTTPS (and HTTP-redirect) listeners, TLS and HTTP/1.1
 * framing. A plugin claims a path prefix with
 * postern_context_add_http_handler(); the longest claimed prefix wins. The
 * handler gets a #PosternHttpExchange: one request and its response. It can
 * answer at once from memory or a file, or keep a reference and stream the
 * response (e.g. server-sent events) with postern_http_exchange_begin(),
 * postern_http_exchange_write() and postern_http_exchange_finish().
 *
 * A handler registered with postern_context_allow_http_upgrades() also
 * gets WebSocket upgrade requests (postern_http_exchange_is_upgrade()); it
 * answers with a normal response, or with postern_http_exchange_upgrade(),
 * after which the connection is a raw byte tunnel both ways. Paths whose
 * handler does not allow upgrades answer them 501 without calling it.
 *
 * Request bodies and tunnelled bytes can be paused
 * (postern_http_exchange_pause_body()): the front then stops reading the
 * client once its fixed input buffer is full, so a fast sender never makes
 * anything buffer without bound. postern_http_exchange_abort() drops the
 * client connection when a response cannot be completed.
 *
 * Everything happens in the main loop; an exchange whose client went away
 * accepts further calls and ignores them.
 */

typedef struct _PosternHttpExchange PosternHttpExchange;

#define POSTERN_TYPE_HTTP_EXCHANGE (postern_http_exchange_get_type ())
GType postern_http_exchange_get_type (void) G_GNUC_CONST;

/**
 * PosternHttpHandler:
 * @exchange: the request; ref it to answer later
 * @user_data: data given to postern_context_add_http_handler()
 *
 * Handles one request. It must eventually answer: respond, respond with a
 * file, or begin and finish a streamed response.
 */
typedef void (*PosternHttpHandler) (PosternHttpExchange *exchange,
                                    gpointer             user_data);

/**
 * PosternHttpBodyFunc:
 * @exchange: the exchange
 * @data: (array length=length): the next bytes of the request body, de-chunked
 * @length: how many
 * @end: %TRUE on the last call (possibly with @length 0)
 * @user_data: data given to postern_http_exchange_read_body()
 *
 * Receives the request body as it arrives, never buffered whole.
 */
typedef void (*PosternHttpBodyFunc) (PosternHttpExchange *exchange,
                                     const guint8        *data,
                                     gsize                length,
                                     gboolean             end,
                                     gpointer             user_data);

/**
 * PosternHttpNotify:
 * @exchange: the exchange
 * @user_data: data given with the callback
 *
 * Tells a streaming handler that its queued output drained, or that the
 * client went away.
 */
typedef void (*PosternHttpNotify) (PosternHttpExchange *exchange,
                                   gpointer             user_data);

/**
 * PosternHttpHeaderFunc:
 * @name: a header name
 * @value: its value
 * @user_data: data given to postern_http_exchange_foreach_header()
 *
 * Visits one request header.
 */
typedef void (*PosternHttpHeaderFunc) (const gchar *name,
                                       const gchar *value,
                                       gpointer     user_data);

PosternHttpExchange *postern_http_exchange_ref            (PosternHttpExchange   *self);
void                 postern_http_exchange_unref          (PosternHttpExchange   *self);

const gchar         *postern_http_exchange_get_method     (PosternHttpExchange   *self);
const gchar         *postern_http_exchange_get_target     (PosternHttpExchange   *self);
const gchar         *postern_http_exchange_get_path       (PosternHttpExchange   *self);
const gchar         *postern_http_exchange_get_query      (PosternHttpExchange   *self);
const gchar         *postern_http_exchange_get_header     (PosternHttpExchange   *self,
                                                           const gchar           *name);
void                 postern_http_exchange_foreach_header (PosternHttpExchange   *self,
                                                           PosternHttpHeaderFunc  func,
                                                           gpointer               user_data);
const gchar         *postern_http_exchange_get_client_ip  (PosternHttpExchange   *self);
guint16              postern_http_exchange_get_client_port (PosternHttpExchange  *self);
gboolean             postern_http_exchange_has_body       (PosternHttpExchange   *self);
void                 postern_http_exchange_read_body      (PosternHttpExchange   *self,
                                                           PosternHttpBodyFunc    func,
                                                           gpointer               user_data);

void                 postern_http_exchange_add_header     (PosternHttpExchange   *self,
                                                           const gchar           *name,
                                                           const gchar           *value);
void                 postern_http_exchange_respond        (PosternHttpExchange   *self,
                                                           guint                  status,
                                                           const gchar           *content_type,
                                                           GBytes                *body);
void                 postern_http_exchange_respond_file   (PosternHttpExchange   *self,
                                                           guint                  status,
                                                           gint                   fd,
                                                           goffset                offset,
                                                           goffset                length);
void                 postern_http_exchange_begin          (PosternHttpExchange   *self,
                                                           guint                  status,
                                                           gint64                 content_length);
gboolean             postern_http_exchange_write          (PosternHttpExchange   *self,
                                                           const guint8          *data,
                                                           gsize                  length);
gsize                postern_http_exchange_get_pending    (PosternHttpExchange   *self);
void                 postern_http_exchange_finish         (PosternHttpExchange   *self);
void                 postern_http_exchange_set_drain_func (PosternHttpExchange   *self,
                                                           PosternHttpNotify      func,
                                                           gpointer               user_data);
void                 postern_http_exchange_set_closed_func (PosternHttpExchange  *self,
                                                           PosternHttpNotify      func,
                                                           gpointer               user_data);
gboolean             postern_http_exchange_is_closed      (PosternHttpExchange   *self);

gboolean             postern_http_exchange_is_upgrade     (PosternHttpExchange   *self);
void                 postern_http_exchange_upgrade        (PosternHttpExchange   *self,
                                                           PosternHttpBodyFunc    func,
                                                           gpointer               user_data);
void                 postern_http_exchange_pause_body     (PosternHttpExchange   *self,
                                                           gboolean               paused);
void                 postern_http_exchange_abort          (PosternHttpExchange   *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternHttpExchange, postern_http_exchange_unref)

G_END_DECLS
