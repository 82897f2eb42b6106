/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "webapp-resolver.h"

G_BEGIN_DECLS

/* Bodies are kept for files up to this size (one TLS record with the head). */
#define WEBAPP_CACHE_BODY_MAX (15 * 1024)
/* A file changed this recently may still be being written: its body is not
 * kept (file timestamps are coarser than back-to-back writes). */
#define WEBAPP_CACHE_SETTLE_S 2

/**
 * WebappCacheEntry:
 * @etag: the file's entity tag (webapp_http_etag())
 * @last_modified: its Last-Modified as an HTTP-date, or %NULL when its time
 *   cannot be written as one
 * @body: (nullable): the whole file, kept when it is small and settled
 *
 * What is known about one version of a file. Valid until the next call on
 * its cache.
 */
typedef struct {
  gchar *etag;
  gchar *last_modified;
  GBytes *body;
} WebappCacheEntry;

typedef struct _WebappCache WebappCache;

WebappCache *webapp_cache_new (guint max_entries, gsize max_body_bytes);
void webapp_cache_free (WebappCache *cache);
void webapp_cache_clear (WebappCache *cache);
const WebappCacheEntry *webapp_cache_get (WebappCache *cache, const WebappFile *file, gint64 now_s,
                                         GError **error);
guint webapp_cache_get_size (WebappCache *cache);
gsize webapp_cache_get_body_bytes (WebappCache *cache);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WebappCache, webapp_cache_free)

G_END_DECLS
