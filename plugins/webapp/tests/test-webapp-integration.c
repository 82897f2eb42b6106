/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The webapp plugin for real: posternd with webapp.so, driven by curl over
 * HTTPS on loopback. Trees are built in the daemon's temporary root:
 *   base/   the base Web App     acme/  a branding overlaid on it
 *   secret.txt outside every root, which no request may ever reach. */
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "postern-test-daemon.h"

typedef struct {
  PosternTestDaemon *d;
  guint16 https_port;
  gchar *ca;
  gchar *base;
  gchar *acme;
} Fixture;

static void
put (const gchar *dir, const gchar *name, const gchar *contents)
{
  g_autofree gchar *path = g_build_filename (dir, name, NULL);
  g_autofree gchar *parent = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
}

static void
write_dropin (Fixture *f, const gchar *brandings)
{
  g_autofree gchar *conf = g_strdup_printf ("[core]\nfqdn = localhost\nhttps-listen = 127.0.0.1:%u\nhttp-listen =\n\n"
                                            "[webapp]\nroot = %s\nbrandings = %s\n",
                                            f->https_port, f->base, brandings);

  postern_test_daemon_write_dropin (f->d, "10-webapp.conf", conf);
}

static void
save_ca (Fixture *f)
{
  g_free (f->ca);
  f->ca = postern_test_daemon_save_ca (f->d, "localhost");
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *outside = NULL;
  g_autofree gchar *link_file = NULL;
  g_autofree gchar *link_dir = NULL;
  g_autofree gchar *acme_only = NULL;

  f->d = postern_test_daemon_new (g_getenv ("WEBAPP_PLUGIN_DIR"));
  f->https_port = postern_test_free_tcp_port ();
  f->base = g_build_filename (f->d->root, "base", NULL);
  f->acme = g_build_filename (f->d->root, "acme", NULL);
  put (f->d->root, "secret.txt", "top secret\n");
  put (f->base, "index.html", "<!doctype html><title>base</title>\n");
  put (f->base, "app.js", "console.log('identity');\n");
  put (f->base, "app.js.br", "BROTLI-BYTES");
  put (f->base, "app.js.gz", "GZIP-BYTES");
  put (f->base, "app.0123abcd.js", "fingerprinted\n");
  put (f->base, "app.css", "0123456789abcdef");
  put (f->base, "branding.css", "base branding\n");
  put (f->base, "sub/index.html", "sub index\n");
  put (f->base, ".git/config", "hidden\n");
  put (f->acme, "branding.css", "acme branding\n");
  outside = g_build_filename (f->d->root, "secret.txt", NULL);
  link_file = g_build_filename (f->base, "outside.txt", NULL);
  link_dir = g_build_filename (f->base, "up", NULL);
  g_assert_cmpint (symlink (outside, link_file), ==, 0);
  g_assert_cmpint (symlink (f->d->root, link_dir), ==, 0);
  acme_only = g_strdup_printf ("acme=%s", f->acme);
  write_dropin (f, acme_only);
  postern_test_daemon_start (f->d, &error);
  g_assert_no_error (error);
  save_ca (f);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  postern_test_daemon_free (f->d);
  g_free (f->ca);
  g_free (f->base);
  g_free (f->acme);
}

/* curl -i over HTTPS to PATH, extra curl arguments, NULL; returns the answer
 * (head and body). */
static gchar *
fetch (Fixture *f, const gchar *path, ...)
{
  g_autoptr(GPtrArray) argv = postern_test_curl_argv (f->ca, f->https_port);
  gchar *out = NULL;
  va_list args;
  const gchar *arg;

  g_ptr_array_add (argv, g_strdup ("-i"));
  g_ptr_array_add (argv, g_strdup ("--path-as-is"));
  g_ptr_array_add (argv, g_strdup ("--max-time"));
  g_ptr_array_add (argv, g_strdup ("60"));
  va_start (args, path);
  while ((arg = va_arg (args, const gchar *)) != NULL)
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, g_strdup_printf ("https://localhost:%u%s", f->https_port, path));
  g_ptr_array_add (argv, NULL);
  g_assert_cmpint (postern_test_run (&out, NULL, (const gchar *const *) argv->pdata), ==, 0);
  g_test_message ("%s -> %.*s", path, (int) strcspn (out, "\r"), out);
  return out;
}

static guint
status_of (const gchar *answer)
{
  g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 "));
  return (guint) g_ascii_strtoull (answer + 9, NULL, 10);
}

/* The value of header NAME (case-insensitive) in ANSWER, or NULL. */
static gchar *
header (const gchar *answer, const gchar *name)
{
  g_auto(GStrv) lines = g_strsplit (answer, "\r\n", -1);
  gsize len = strlen (name);

  for (gsize i = 1; lines[i] != NULL && lines[i][0] != '\0'; i++)
    if (g_ascii_strncasecmp (lines[i], name, len) == 0 && lines[i][len] == ':')
      return g_strstrip (g_strdup (lines[i] + len + 1));
  return NULL;
}

static const gchar *
body_of (const gchar *answer)
{
  const gchar *end = strstr (answer, "\r\n\r\n");

  g_assert_nonnull (end);
  return end + 4;
}

static void
assert_answer (Fixture *f, const gchar *path, guint status, const gchar *body)
{
  g_autofree gchar *answer = fetch (f, path, NULL);

  g_assert_cmpuint (status_of (answer), ==, status);
  if (body != NULL)
    g_assert_cmpstr (body_of (answer), ==, body);
}

static void
test_static (Fixture *f, gconstpointer data)
{
  g_autofree gchar *index = fetch (f, "/webapp/", NULL);
  g_autofree gchar *etag = header (index, "ETag");
  g_autofree gchar *inm = g_strdup_printf ("If-None-Match: %s", etag);
  g_autofree gchar *revalidated = NULL, *range = NULL, *head = NULL, *type = NULL, *cc = NULL;
  g_autofree gchar *fp = NULL, *css = NULL, *lm = NULL, *cr = NULL, *len = NULL, *post = NULL;

  g_assert_cmpuint (status_of (index), ==, 200);
  g_assert_cmpstr (body_of (index), ==, "<!doctype html><title>base</title>\n");
  type = header (index, "Content-Type");
  g_assert_true (g_str_has_prefix (type, "text/html"));
  cc = header (index, "Cache-Control");
  g_assert_cmpstr (cc, ==, "no-cache");
  g_assert_nonnull (etag);
  lm = header (index, "Last-Modified");
  g_assert_nonnull (lm);

  revalidated = fetch (f, "/webapp/index.html", "-H", inm, NULL);
  g_assert_cmpuint (status_of (revalidated), ==, 304);
  g_assert_cmpstr (body_of (revalidated), ==, "");

  range = fetch (f, "/webapp/app.css", "-H", "Range: bytes=2-5", NULL);
  g_assert_cmpuint (status_of (range), ==, 206);
  g_assert_cmpstr (body_of (range), ==, "2345");
  cr = header (range, "Content-Range");
  g_assert_cmpstr (cr, ==, "bytes 2-5/16");
  css = header (range, "Cache-Control");
  g_assert_cmpstr (css, ==, "public, max-age=300");

  head = fetch (f, "/webapp/app.css", "-I", NULL);
  g_assert_cmpuint (status_of (head), ==, 200);
  len = header (head, "Content-Length");
  g_assert_cmpstr (len, ==, "16");
  g_assert_cmpstr (body_of (head), ==, "");

  fp = fetch (f, "/webapp/app.0123abcd.js", NULL);
  g_clear_pointer (&cc, g_free);
  cc = header (fp, "Cache-Control");
  g_assert_cmpstr (cc, ==, "public, max-age=31536000, immutable");

  post = fetch (f, "/webapp/app.css", "-X", "POST", NULL);
  g_assert_cmpuint (status_of (post), ==, 405);

  assert_answer (f, "/webapp/sub/", 200, "sub index\n");
  assert_answer (f, "/webapp/missing.js", 404, NULL);
}

static void
test_precompressed (Fixture *f, gconstpointer data)
{
  struct { const gchar *accept; const gchar *encoding; const gchar *body; } cases[] = {
    { "Accept-Encoding: br, gzip", "br", "BROTLI-BYTES" },
    { "Accept-Encoding: gzip", "gzip", "GZIP-BYTES" },
    { "Accept-Encoding: identity", NULL, "console.log('identity');\n" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree gchar *answer = fetch (f, "/webapp/app.js", "-H", cases[i].accept, NULL);
    g_autofree gchar *encoding = header (answer, "Content-Encoding");
    g_autofree gchar *vary = header (answer, "Vary");
    g_autofree gchar *type = header (answer, "Content-Type");

    g_assert_cmpuint (status_of (answer), ==, 200);
    g_assert_cmpstr (encoding, ==, cases[i].encoding);
    g_assert_cmpstr (vary, ==, "Accept-Encoding");
    g_assert_true (g_str_has_prefix (type, "text/javascript"));
    g_assert_cmpstr (body_of (answer), ==, cases[i].body);
  }
}

static void
test_branding_and_redirects (Fixture *f, gconstpointer data)
{
  g_autofree gchar *root = fetch (f, "/", NULL);
  g_autofree gchar *bare = fetch (f, "/acme?x=1", NULL);
  g_autofree gchar *dir = fetch (f, "/webapp/sub", NULL);
  g_autofree gchar *location = NULL;

  assert_answer (f, "/acme/branding.css", 200, "acme branding\n");
  assert_answer (f, "/acme/", 200, "<!doctype html><title>base</title>\n");
  assert_answer (f, "/acme/app.css", 200, "0123456789abcdef");
  assert_answer (f, "/webapp/branding.css", 200, "base branding\n");

  g_assert_cmpuint (status_of (root), ==, 301);
  location = header (root, "Location");
  g_assert_cmpstr (location, ==, "/webapp/");
  g_clear_pointer (&location, g_free);
  g_assert_cmpuint (status_of (bare), ==, 301);
  location = header (bare, "Location");
  g_assert_cmpstr (location, ==, "/acme/?x=1");
  g_clear_pointer (&location, g_free);
  g_assert_cmpuint (status_of (dir), ==, 301);
  location = header (dir, "Location");
  g_assert_cmpstr (location, ==, "/webapp/sub/");
  assert_answer (f, "/elsewhere", 404, NULL);
}

static void
test_live_changes (Fixture *f, gconstpointer data)
{
  g_autofree gchar *webapp2 = g_build_filename (f->d->root, "webapp2", NULL);
  g_autofree gchar *brandings = g_strdup_printf ("acme=%s; webapp2=%s", f->acme, webapp2);
  g_autofree gchar *reload = NULL;
  g_autofree gchar *bad = NULL;
  g_autofree gchar *bad_err = NULL;
  g_autofree gchar *with_missing = g_strdup_printf ("acme=%s;gone=/nonexistent/postern-webapp", f->acme);
  g_autofree gchar *acme_only = g_strdup_printf ("acme=%s", f->acme);

  assert_answer (f, "/webapp/new.txt", 404, NULL);
  put (f->base, "new.txt", "added while running\n");
  assert_answer (f, "/webapp/new.txt", 200, "added while running\n");
  put (f->base, "new.txt", "changed while running\n");
  assert_answer (f, "/webapp/new.txt", 200, "changed while running\n");
  put (f->acme, "new.txt", "acme's own\n");
  assert_answer (f, "/acme/new.txt", 200, "acme's own\n");

  put (webapp2, "branding.css", "webapp2 branding\n");
  assert_answer (f, "/webapp2/branding.css", 404, NULL);
  write_dropin (f, brandings);
  g_assert_cmpint (postern_test_ctl (f->d, &reload, NULL, "reload", NULL), ==, 0);
  g_assert_cmpstr (reload, ==, "configuration reloaded\n");
  assert_answer (f, "/webapp2/branding.css", 200, "webapp2 branding\n");
  assert_answer (f, "/webapp2/new.txt", 200, "changed while running\n");
  assert_answer (f, "/acme/branding.css", 200, "acme branding\n");

  /* A branding directory that does not exist: the reload is refused and
   * everything keeps being served as before. */
  write_dropin (f, with_missing);
  g_assert_cmpint (postern_test_ctl (f->d, &bad, &bad_err, "reload", NULL), !=, 0);
  assert_answer (f, "/webapp2/branding.css", 200, "webapp2 branding\n");
  assert_answer (f, "/gone/", 404, NULL);

  /* Dropping a branding gives its prefix back. */
  write_dropin (f, acme_only);
  g_clear_pointer (&reload, g_free);
  g_assert_cmpint (postern_test_ctl (f->d, &reload, NULL, "reload", NULL), ==, 0);
  assert_answer (f, "/webapp2/branding.css", 404, NULL);
  assert_answer (f, "/acme/branding.css", 200, "acme branding\n");
}

static void
test_traversal (Fixture *f, gconstpointer data)
{
  static const gchar *const probes[] = {
    "/webapp/../secret.txt", "/webapp/%2e%2e/secret.txt", "/webapp/%2E%2E/secret.txt", "/webapp/.%2e/secret.txt",
    "/webapp/%2e%2e%2fsecret.txt", "/webapp/..%2Fsecret.txt", "/webapp/%2fetc/passwd", "/webapp/sub/../../secret.txt",
    "/webapp/..%5csecret.txt", "/webapp/%5c..%5csecret.txt", "/webapp/index.html%00", "/webapp/%00/../secret.txt",
    "/webapp/%c0%ae%c0%ae/secret.txt", "/webapp/%c0%af..%c0%afsecret.txt", "/webapp/%e0%80%ae%e0%80%ae/secret.txt",
    "/webapp/%ff/secret.txt", "/webapp/outside.txt", "/webapp/up/secret.txt", "/webapp/.git/config",
    "/webapp//secret.txt", "/acme/../secret.txt", "/acme/%2e%2e/%2e%2e/secret.txt", "/acme/up/secret.txt",
    "/webapp/%252e%252e/secret.txt",
  };
  g_autofree gchar *log = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (probes); i++) {
    g_autofree gchar *answer = fetch (f, probes[i], NULL);
    guint status = status_of (answer);

    g_assert_true (status == 400 || status == 403 || status == 404);
    g_assert_null (strstr (answer, "top secret"));
    g_assert_null (strstr (answer, "hidden"));
  }
  assert_answer (f, "/webapp/", 200, "<!doctype html><title>base</title>\n");
  log = postern_test_daemon_read_log (f->d);
  g_assert_nonnull (strstr (log, "refused with 400"));
  g_assert_nonnull (strstr (log, "refused with 403"));
}

/* Another plugin holds "/" (as https-proxy will): webapp leaves it alone,
 * says so, and serves its own prefixes. */
static void
test_root_taken (void)
{
  const gchar *httptest = g_getenv ("HTTPTEST_PLUGIN");
  g_autoptr(PosternTestDaemon) d = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *webapp_so = NULL, *base = NULL, *conf = NULL, *log = NULL, *link = NULL;
  Fixture f = { 0 };

  if (httptest == NULL || !g_file_test (httptest, G_FILE_TEST_EXISTS)) {
    g_test_skip ("httptest.so not built");
    return;
  }
  d = postern_test_daemon_new (g_getenv ("WEBAPP_PLUGIN_DIR"));
  webapp_so = g_build_filename (d->plugin_dir, "webapp.so", NULL);
  g_free (d->plugin_dir);
  d->plugin_dir = g_build_filename (d->root, "plugins", NULL);
  g_assert_cmpint (g_mkdir (d->plugin_dir, 0755), ==, 0);
  link = g_build_filename (d->plugin_dir, "webapp.so", NULL);
  g_assert_cmpint (symlink (webapp_so, link), ==, 0);
  g_free (link);
  link = g_build_filename (d->plugin_dir, "httptest.so", NULL);
  g_assert_cmpint (symlink (httptest, link), ==, 0);

  base = g_build_filename (d->root, "base", NULL);
  put (base, "index.html", "base\n");
  f.d = d;
  f.https_port = postern_test_free_tcp_port ();
  conf = g_strdup_printf ("[core]\nfqdn = localhost\nhttps-listen = 127.0.0.1:%u\nhttp-listen =\n\n"
                          "[webapp]\nroot = %s\n\n[httptest]\nprefix = /\n", f.https_port, base);
  postern_test_daemon_write_dropin (d, "10-webapp.conf", conf);
  postern_test_daemon_start (d, &error);
  g_assert_no_error (error);
  save_ca (&f);

  assert_answer (&f, "/", 404, "no such test\n");
  assert_answer (&f, "/hello", 200, "hello from postern\n");
  assert_answer (&f, "/webapp/", 200, "base\n");
  log = postern_test_daemon_read_log (d);
  g_assert_nonnull (strstr (log, "not redirecting / to /webapp/"));
  g_free (f.ca);
}

static void
test_check_config (void)
{
  g_autoptr(PosternTestDaemon) d = postern_test_daemon_new (g_getenv ("WEBAPP_PLUGIN_DIR"));
  const gchar *check[] = { postern_test_posternd (), "--confdirs", d->confdir, "--plugin-dir", d->plugin_dir,
                           "--check-config", NULL };
  static const gchar *const bad[] = {
    "[webapp]\nbrandings = acme\n", "[webapp]\nbrandings = ac.me=/srv/acme\n", "[webapp]\nbrandings = acme=srv\n",
    "[webapp]\nbrandings = a=/x;a=/y\n", "[webapp]\npath = webapp\n", "[webapp]\npath = /we bapp/\n",
    "[webapp]\npath = /../\n",
  };

  postern_test_daemon_write_dropin (d, "10-webapp.conf", "[webapp]\npath = /app/\nbrandings = acme=/srv/a; b_2-x=/srv/b\n");
  g_assert_cmpint (postern_test_run (NULL, NULL, check), ==, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autofree gchar *err = NULL;

    postern_test_daemon_write_dropin (d, "10-webapp.conf", bad[i]);
    g_assert_cmpint (postern_test_run (NULL, &err, check), ==, 1);
    g_test_message ("%s-> %s", bad[i], err);
    g_assert_nonnull (strstr (err, "[webapp]"));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/webapp/static", test_static);
  ADD ("/webapp/precompressed", test_precompressed);
  ADD ("/webapp/branding-and-redirects", test_branding_and_redirects);
  ADD ("/webapp/live-changes", test_live_changes);
  ADD ("/webapp/traversal", test_traversal);
#undef ADD
  g_test_add_func ("/webapp/root-taken", test_root_taken);
  g_test_add_func ("/webapp/check-config", test_check_config);
  return g_test_run ();
}
