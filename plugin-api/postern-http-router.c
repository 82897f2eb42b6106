/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "postern-http-private.h"

#include <string.h>

/* Path prefixes claimed by plugins. Lookup takes the longest prefix that
 * matches; a prefix claimed twice is refused, so two plugins never silently
 * shadow each other. A handful of entries: a sorted array is enough. */

typedef struct {
  guint id;
  gchar *owner;
  gchar *prefix;
  gsize prefix_len;
  PosternHttpHandler handler;
  gpointer user_data;
  GDestroyNotify destroy;
  gboolean upgrades; /* the handler takes WebSocket upgrade requests */
} Route;

struct _PosternHttpRouter {
  GPtrArray *routes; /* longest prefix first */
  guint next_id;
};

static void
route_free (gpointer data)
{
  Route *r = data;

  if (r->destroy != NULL)
    r->destroy (r->user_data);
  g_free (r->owner);
  g_free (r->prefix);
  g_free (r);
}

PosternHttpRouter *
postern_http_router_new (void)
{
  PosternHttpRouter *self = g_new0 (PosternHttpRouter, 1);

  self->routes = g_ptr_array_new_with_free_func (route_free);
  self->next_id = 1;
  return self;
}

void
postern_http_router_free (PosternHttpRouter *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->routes);
  g_free (self);
}

static gint
longest_first (gconstpointer a, gconstpointer b)
{
  const Route *ra = *(const Route *const *) a;
  const Route *rb = *(const Route *const *) b;

  if (ra->prefix_len != rb->prefix_len)
    return ra->prefix_len > rb->prefix_len ? -1 : 1;
  return strcmp (ra->prefix, rb->prefix);
}

guint
postern_http_router_add (PosternHttpRouter *self, const gchar *owner, const gchar *prefix,
                         PosternHttpHandler handler, gpointer user_data, GDestroyNotify destroy, GError **error)
{
  Route *r;

  if (prefix == NULL || prefix[0] != '/') {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_ARGUMENT,
                 "HTTP prefix '%s' must start with '/'", prefix ? prefix : "(null)");
    return 0;
  }
  for (guint i = 0; i < self->routes->len; i++) {
    Route *existing = g_ptr_array_index (self->routes, i);
    if (g_str_equal (existing->prefix, prefix)) {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_EXISTS,
                   "HTTP prefix '%s' is already served by %s", prefix, existing->owner);
      return 0;
    }
  }
  r = g_new0 (Route, 1);
  r->id = self->next_id++;
  r->owner = g_strdup (owner);
  r->prefix = g_strdup (prefix);
  r->prefix_len = strlen (prefix);
  r->handler = handler;
  r->user_data = user_data;
  r->destroy = destroy;
  g_ptr_array_add (self->routes, r);
  g_ptr_array_sort (self->routes, longest_first);
  return r->id;
}

void
postern_http_router_remove (PosternHttpRouter *self, guint id)
{
  for (guint i = 0; i < self->routes->len; i++) {
    Route *r = g_ptr_array_index (self->routes, i);
    if (r->id == id) {
      g_ptr_array_remove_index (self->routes, i);
      return;
    }
  }
}

gboolean
postern_http_router_allow_upgrades (PosternHttpRouter *self, guint id)
{
  for (guint i = 0; i < self->routes->len; i++) {
    Route *r = g_ptr_array_index (self->routes, i);
    if (r->id == id) {
      r->upgrades = TRUE;
      return TRUE;
    }
  }
  return FALSE;
}

gboolean
postern_http_router_lookup (PosternHttpRouter *self, const gchar *path, PosternHttpHandler *handler,
                            gpointer *user_data, gboolean *upgrades)
{
  for (guint i = 0; i < self->routes->len; i++) {
    Route *r = g_ptr_array_index (self->routes, i);
    if (strncmp (path, r->prefix, r->prefix_len) == 0) {
      *handler = r->handler;
      *user_data = r->user_data;
      if (upgrades != NULL)
        *upgrades = r->upgrades;
      return TRUE;
    }
  }
  return FALSE;
}

guint
postern_http_router_get_size (PosternHttpRouter *self)
{
  return self->routes->len;
}
