/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The daemon's side of the HTTP handler API: the front implements an
 * exchange through this table; the router maps path prefixes to handlers.
 * Exported from libpostern-1 for posternd, neither installed nor introspected. */

#include "postern.h"

G_BEGIN_DECLS

typedef struct {
  const gchar *(*get_method) (gpointer impl);
  const gchar *(*get_target) (gpointer impl);
  const gchar *(*get_path) (gpointer impl);
  const gchar *(*get_query) (gpointer impl);
  const gchar *(*get_header) (gpointer impl, const gchar *name);
  void (*foreach_header) (gpointer impl, PosternHttpHeaderFunc func, gpointer user_data);
  const gchar *(*get_client_ip) (gpointer impl);
  guint16 (*get_client_port) (gpointer impl);
  gboolean (*has_body) (gpointer impl);
  void (*read_body) (gpointer impl, PosternHttpExchange *exchange, PosternHttpBodyFunc func, gpointer user_data);
  void (*add_header) (gpointer impl, const gchar *name, const gchar *value);
  void (*respond) (gpointer impl, guint status, const gchar *content_type, GBytes *body);
  void (*respond_file) (gpointer impl, guint status, gint fd, goffset offset, goffset length);
  void (*begin) (gpointer impl, guint status, gint64 content_length);
  gboolean (*write) (gpointer impl, const guint8 *data, gsize length);
  gsize (*get_pending) (gpointer impl);
  void (*finish) (gpointer impl);
  void (*set_drain_func) (gpointer impl, PosternHttpExchange *exchange, PosternHttpNotify func, gpointer user_data);
  void (*set_closed_func) (gpointer impl, PosternHttpExchange *exchange, PosternHttpNotify func, gpointer user_data);
  gboolean (*is_closed) (gpointer impl);
  void (*release) (gpointer impl);
  gboolean (*is_upgrade) (gpointer impl);
  void (*upgrade) (gpointer impl, PosternHttpExchange *exchange, PosternHttpBodyFunc func, gpointer user_data);
  void (*pause_body) (gpointer impl, gboolean paused);
  void (*abort) (gpointer impl);
} PosternHttpExchangeImpl;

PosternHttpExchange *postern_http_exchange_new (const PosternHttpExchangeImpl *impl_class,
                                                gpointer                       impl);
void                 postern_http_exchange_detach (PosternHttpExchange *self);

typedef struct _PosternHttpRouter PosternHttpRouter;

PosternHttpRouter *postern_http_router_new     (void);
void               postern_http_router_free    (PosternHttpRouter  *self);
guint              postern_http_router_add     (PosternHttpRouter  *self,
                                                const gchar        *owner,
                                                const gchar        *prefix,
                                                PosternHttpHandler  handler,
                                                gpointer            user_data,
                                                GDestroyNotify      destroy,
                                                GError            **error);
void               postern_http_router_remove  (PosternHttpRouter  *self,
                                                guint               id);
gboolean           postern_http_router_allow_upgrades (PosternHttpRouter *self,
                                                       guint              id);
gboolean           postern_http_router_lookup  (PosternHttpRouter  *self,
                                                const gchar        *path,
                                                PosternHttpHandler *handler,
                                                gpointer           *user_data,
                                                gboolean           *upgrades);
guint              postern_http_router_get_size (PosternHttpRouter *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternHttpRouter, postern_http_router_free)

G_END_DECLS
