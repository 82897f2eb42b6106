/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "webapp-cache.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "webapp-http.h"

typedef struct {
  gchar *dir;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("webapp-cache-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autofree gchar *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

/* Writes @content to @name in place (same inode when it exists), its
 * modification time @age_s seconds ago. */
static void
put (Fixture *f, const char *name, const char *content, gsize len, gint64 age_s)
{
  g_autofree gchar *path = g_build_filename (f->dir, name, NULL);
  struct timespec times[2] = { { .tv_nsec = UTIME_OMIT }, { 0 } };
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, content, len), ==, (gssize) len);
  g_assert_cmpint (close (fd), ==, 0);
  times[1].tv_sec = g_get_real_time () / G_USEC_PER_SEC - age_s;
  g_assert_cmpint (utimensat (AT_FDCWD, path, times, 0), ==, 0);
}

/* What the resolver would hand over for @name. */
static void
open_file (Fixture *f, const char *name, guint root_index, WebappFile *out)
{
  g_autofree gchar *path = g_build_filename (f->dir, name, NULL);

  out->fd = open (path, O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (out->fd, >=, 0);
  g_assert_cmpint (fstat (out->fd, &out->st), ==, 0);
  out->root_index = root_index;
  out->rel_path = g_strdup (name);
}

static gint64
now_s (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static void
assert_body (const WebappCacheEntry *e, const char *content)
{
  g_assert_nonnull (e->body);
  g_assert_cmpmem (g_bytes_get_data (e->body, NULL), g_bytes_get_size (e->body), content, strlen (content));
}

static void
test_small_file_kept (Fixture *f, gconstpointer data)
{
  g_autoptr (WebappCache) cache = webapp_cache_new (16, 1 << 20);
  g_auto (WebappFile) a = WEBAPP_FILE_INIT;
  g_auto (WebappFile) b = WEBAPP_FILE_INIT;
  g_autofree gchar *etag = NULL;
  g_autofree gchar *modified = NULL;
  const WebappCacheEntry *first, *again;

  /* Settled: its change time (now) lies WEBAPP_CACHE_SETTLE_S in the past
   * for a clock that far ahead. */
  put (f, "index.html", "<p>hello</p>", 12, 100);
  open_file (f, "index.html", 0, &a);
  first = webapp_cache_get (cache, &a, now_s () + WEBAPP_CACHE_SETTLE_S, NULL);
  etag = webapp_http_etag (&a.st);
  modified = webapp_http_last_modified (&a.st);
  g_assert_cmpstr (first->etag, ==, etag);
  g_assert_cmpstr (first->last_modified, ==, modified);
  assert_body (first, "<p>hello</p>");
  g_assert_cmpuint (webapp_cache_get_body_bytes (cache), ==, 12);

  /* The same version found again (another descriptor): the same entry. */
  open_file (f, "index.html", 0, &b);
  again = webapp_cache_get (cache, &b, now_s () + WEBAPP_CACHE_SETTLE_S, NULL);
  g_assert_true (again == first);
  g_assert_cmpuint (webapp_cache_get_size (cache), ==, 1);
}

static void
test_changed_file_replaced (Fixture *f, gconstpointer data)
{
  g_autoptr (WebappCache) cache = webapp_cache_new (16, 1 << 20);
  g_auto (WebappFile) old = WEBAPP_FILE_INIT;
  g_auto (WebappFile) changed = WEBAPP_FILE_INIT;
  g_auto (WebappFile) other_root = WEBAPP_FILE_INIT;
  g_autofree gchar *old_etag = NULL;
  const WebappCacheEntry *e;

  put (f, "app.js", "version-1", 9, 100);
  open_file (f, "app.js", 0, &old);
  e = webapp_cache_get (cache, &old, now_s () + WEBAPP_CACHE_SETTLE_S, NULL);
  assert_body (e, "version-1");
  old_etag = g_strdup (e->etag);

  /* Rewritten in place with the same size: a new modification time. */
  put (f, "app.js", "version-2", 9, 0);
  open_file (f, "app.js", 0, &changed);
  g_assert_cmpuint (changed.st.st_ino, ==, old.st.st_ino);
  e = webapp_cache_get (cache, &changed, now_s () + WEBAPP_CACHE_SETTLE_S, NULL);
  assert_body (e, "version-2");
  g_assert_cmpstr (e->etag, !=, old_etag);
  g_assert_cmpuint (webapp_cache_get_size (cache), ==, 1);
  g_assert_cmpuint (webapp_cache_get_body_bytes (cache), ==, 9);

  /* The same path now found in another root (a branding's overlay). */
  open_file (f, "app.js", 1, &other_root);
  e = webapp_cache_get (cache, &other_root, now_s () + WEBAPP_CACHE_SETTLE_S, NULL);
  g_assert_cmpuint (webapp_cache_get_size (cache), ==, 1);
  assert_body (e, "version-2");
}

static void
test_fresh_and_large_not_kept (Fixture *f, gconstpointer data)
{
  g_autoptr (WebappCache) cache = webapp_cache_new (16, 1 << 20);
  g_auto (WebappFile) fresh = WEBAPP_FILE_INIT;
  g_auto (WebappFile) large = WEBAPP_FILE_INIT;
  g_autofree gchar *big = g_malloc0 (WEBAPP_CACHE_BODY_MAX + 1);
  const WebappCacheEntry *e;

  /* Just written: it may still be being written, so only validators. */
  put (f, "fresh.html", "partial", 7, 0);
  open_file (f, "fresh.html", 0, &fresh);
  e = webapp_cache_get (cache, &fresh, now_s (), NULL);
  g_assert_nonnull (e->etag);
  g_assert_null (e->body);
  /* Once settled, the same version gets its body. */
  e = webapp_cache_get (cache, &fresh, now_s () + WEBAPP_CACHE_SETTLE_S, NULL);
  assert_body (e, "partial");

  put (f, "large.js", big, WEBAPP_CACHE_BODY_MAX + 1, 100);
  open_file (f, "large.js", 0, &large);
  e = webapp_cache_get (cache, &large, now_s () + WEBAPP_CACHE_SETTLE_S, NULL);
  g_assert_nonnull (e->etag);
  g_assert_null (e->body);
  g_assert_cmpuint (webapp_cache_get_body_bytes (cache), ==, 7);
}

static void
test_bounded (Fixture *f, gconstpointer data)
{
  /* Three entries at most, and bodies of 2 KiB in 5 KiB. */
  g_autoptr (WebappCache) cache = webapp_cache_new (3, 5 * 1024);
  g_autofree gchar *content = g_strnfill (2048, 'x');

  for (guint i = 0; i < 10; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("f%u.css", i);
      g_auto (WebappFile) file = WEBAPP_FILE_INIT;
      const WebappCacheEntry *e;

      put (f, name, content, 2048, 100);
      open_file (f, name, 0, &file);
      e = webapp_cache_get (cache, &file, now_s () + WEBAPP_CACHE_SETTLE_S, NULL);
      /* The entry just asked for always stands, with its body. */
      assert_body (e, content);
      g_assert_cmpuint (webapp_cache_get_size (cache), <=, 3);
      g_assert_cmpuint (webapp_cache_get_body_bytes (cache), <=, 5 * 1024);
    }
  g_assert_cmpuint (webapp_cache_get_size (cache), ==, 2);
  webapp_cache_clear (cache);
  g_assert_cmpuint (webapp_cache_get_size (cache), ==, 0);
  g_assert_cmpuint (webapp_cache_get_body_bytes (cache), ==, 0);
}

static void
test_short_read_not_kept (Fixture *f, gconstpointer data)
{
  g_autoptr (WebappCache) cache = webapp_cache_new (16, 1 << 20);
  g_auto (WebappFile) file = WEBAPP_FILE_INIT;
  g_autofree gchar *path = g_build_filename (f->dir, "shrunk.html", NULL);
  const WebappCacheEntry *e;

  /* Truncated after its stat: the body read back is short, so not kept. */
  put (f, "shrunk.html", "0123456789", 10, 100);
  open_file (f, "shrunk.html", 0, &file);
  g_assert_cmpint (truncate (path, 4), ==, 0);
  e = webapp_cache_get (cache, &file, now_s () + WEBAPP_CACHE_SETTLE_S, NULL);
  g_assert_null (e->body);
  g_assert_cmpuint (webapp_cache_get_body_bytes (cache), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/webapp/cache/small-file-kept", Fixture, NULL, fixture_setup, test_small_file_kept, fixture_teardown);
  g_test_add ("/webapp/cache/changed-file-replaced", Fixture, NULL, fixture_setup, test_changed_file_replaced,
              fixture_teardown);
  g_test_add ("/webapp/cache/fresh-and-large-not-kept", Fixture, NULL, fixture_setup, test_fresh_and_large_not_kept,
              fixture_teardown);
  g_test_add ("/webapp/cache/bounded", Fixture, NULL, fixture_setup, test_bounded, fixture_teardown);
  g_test_add ("/webapp/cache/short-read-not-kept", Fixture, NULL, fixture_setup, test_short_read_not_kept,
              fixture_teardown);
  return g_test_run ();
}
