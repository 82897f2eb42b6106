/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A bounded, least-recently-used cache of what serving a file needs beyond
 * its stat: validators and, for small files, the contents. An entry is keyed
 * by the file's path under its mount and holds only while the file found for
 * a request is the same version (root, device, inode, size, modification and
 * change times); any other version replaces it. So new and changed files are
 * served at once, and the cache never answers for a file it was not handed. */
#include "webapp-cache.h"

#include <errno.h>
#include <unistd.h>

#include "webapp-http.h"

typedef struct {
  WebappCacheEntry pub;
  gchar *key;
  GList link; /* in the LRU queue, most recent at the head */
  guint root_index;
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec mtim;
  struct timespec ctim;
} Entry;

struct _WebappCache {
  GHashTable *entries; /* key -> Entry* (owned) */
  GQueue lru;
  guint max_entries;
  gsize max_body_bytes;
  gsize body_bytes;
};

static void
entry_free (gpointer data)
{
  Entry *e = data;

  g_free (e->pub.etag);
  g_free (e->pub.last_modified);
  g_clear_pointer (&e->pub.body, g_bytes_unref);
  g_free (e->key);
  g_free (e);
}

WebappCache *
webapp_cache_new (guint max_entries, gsize max_body_bytes)
{
  WebappCache *cache = g_new0 (WebappCache, 1);

  cache->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, entry_free);
  g_queue_init (&cache->lru);
  cache->max_entries = MAX (max_entries, 1);
  cache->max_body_bytes = max_body_bytes;
  return cache;
}

void
webapp_cache_clear (WebappCache *cache)
{
  g_queue_init (&cache->lru);
  g_hash_table_remove_all (cache->entries);
  cache->body_bytes = 0;
}

void
webapp_cache_free (WebappCache *cache)
{
  if (cache == NULL)
    return;
  g_hash_table_unref (cache->entries);
  g_free (cache);
}

guint
webapp_cache_get_size (WebappCache *cache)
{
  return g_hash_table_size (cache->entries);
}

gsize
webapp_cache_get_body_bytes (WebappCache *cache)
{
  return cache->body_bytes;
}

static gboolean
same_time (const struct timespec *a, const struct timespec *b)
{
  return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static gboolean
same_version (const Entry *e, const WebappFile *file)
{
  const struct stat *st = &file->st;

  return e->root_index == file->root_index && e->dev == st->st_dev && e->ino == st->st_ino &&
         e->size == st->st_size && same_time (&e->mtim, &st->st_mtim) && same_time (&e->ctim, &st->st_ctim);
}

static void
remove_entry (WebappCache *cache, Entry *e)
{
  if (e->pub.body != NULL)
    cache->body_bytes -= g_bytes_get_size (e->pub.body);
  g_queue_unlink (&cache->lru, &e->link);
  g_hash_table_remove (cache->entries, e->key);
}

/* Whether this version's body is to be kept: small and settled. */
static gboolean
body_wanted (WebappCache *cache, const WebappFile *file, gint64 now_s)
{
  gsize size = (gsize) file->st.st_size;

  return S_ISREG (file->st.st_mode) && file->st.st_size >= 0 && size <= WEBAPP_CACHE_BODY_MAX &&
         size <= cache->max_body_bytes &&
         now_s - MAX (file->st.st_mtim.tv_sec, file->st.st_ctim.tv_sec) >= WEBAPP_CACHE_SETTLE_S;
}

/* The whole file from @fd, or NULL when it does not read back complete. */
static GBytes *
read_body (const WebappFile *file, int fd)
{
  gsize size = (gsize) file->st.st_size;
  g_autofree guint8 *data = g_malloc (MAX (size, 1));
  gsize done = 0;

  while (done < size)
    {
      ssize_t n = pread (fd, data + done, size - done, (off_t) done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return NULL;
      done += (gsize) n;
    }
  return g_bytes_new_take (g_steal_pointer (&data), size);
}

/* Drops the least recently used entries beyond the limits, never @keep. */
static void
evict (WebappCache *cache, Entry *keep)
{
  while (g_hash_table_size (cache->entries) > cache->max_entries || cache->body_bytes > cache->max_body_bytes)
    {
      Entry *oldest = cache->lru.tail != NULL ? cache->lru.tail->data : NULL;

      if (oldest == NULL || oldest == keep)
        break;
      remove_entry (cache, oldest);
    }
}

static void
set_body (WebappCache *cache, Entry *e, GBytes *body)
{
  if (body == NULL)
    return;
  e->pub.body = body;
  cache->body_bytes += g_bytes_get_size (body);
}

/**
 * webapp_cache_get:
 * @cache: a cache
 * @file: a file just found by the resolver
 * @now_s: the current UNIX time in seconds
 * @error: why @file cannot be read (webapp_file_open_readable())
 *
 * A version seen for the first time is opened for reading once, so a file
 * that cannot be read is refused even when no answer would read it (304).
 *
 * Returns: (transfer none) (nullable): what is known about this version of
 *   @file, valid until the next call on @cache; %NULL with @error set
 */
const WebappCacheEntry *
webapp_cache_get (WebappCache *cache, const WebappFile *file, gint64 now_s, GError **error)
{
  Entry *e = g_hash_table_lookup (cache->entries, file->rel_path);
  int fd;

  if (e != NULL && same_version (e, file))
    {
      g_queue_unlink (&cache->lru, &e->link);
      g_queue_push_head_link (&cache->lru, &e->link);
      if (e->pub.body == NULL && body_wanted (cache, file, now_s)
          && (fd = webapp_file_open_readable (file, NULL)) >= 0)
        {
          set_body (cache, e, read_body (file, fd));
          close (fd);
          evict (cache, e);
        }
      return &e->pub;
    }
  if (e != NULL)
    remove_entry (cache, e);

  fd = webapp_file_open_readable (file, error);
  if (fd < 0)
    return NULL;
  e = g_new0 (Entry, 1);
  e->key = g_strdup (file->rel_path);
  e->link.data = e;
  e->root_index = file->root_index;
  e->dev = file->st.st_dev;
  e->ino = file->st.st_ino;
  e->size = file->st.st_size;
  e->mtim = file->st.st_mtim;
  e->ctim = file->st.st_ctim;
  e->pub.etag = webapp_http_etag (&file->st);
  e->pub.last_modified = webapp_http_last_modified (&file->st);
  if (body_wanted (cache, file, now_s))
    set_body (cache, e, read_body (file, fd));
  close (fd);
  g_hash_table_insert (cache->entries, e->key, e);
  g_queue_push_head_link (&cache->lru, &e->link);
  evict (cache, e);
  return &e->pub;
}
