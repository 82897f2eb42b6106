/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "webapp-resolver.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
  gchar *dir;
  gchar *base;
  gchar *brand;
} Tree;

static void
put (const char *dir, const char *rel, const char *content)
{
  g_autofree gchar *path = g_build_filename (dir, rel, NULL);
  g_autofree gchar *parent = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_file_set_contents (path, content, -1, &error);
  g_assert_no_error (error);
}

static void
link_to (const char *dir, const char *rel, const char *target)
{
  g_autofree gchar *path = g_build_filename (dir, rel, NULL);

  g_assert_cmpint (symlink (target, path), ==, 0);
}

static void
tree_setup (Tree *t, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *secret = NULL;
  g_autofree gchar *fifo = NULL;

  t->dir = g_dir_make_tmp ("webapp-resolver-XXXXXX", &error);
  g_assert_no_error (error);
  t->base = g_build_filename (t->dir, "base", NULL);
  t->brand = g_build_filename (t->dir, "brand", NULL);
  secret = g_build_filename (t->dir, "secret.txt", NULL);

  put (t->dir, "secret.txt", "secret");
  put (t->base, "index.html", "base index");
  put (t->base, "manifest.json", "base manifest");
  put (t->base, "app.js", "base app");
  put (t->base, "app.js.br", "base app br");
  put (t->base, "app.js.gz", "base app gz");
  put (t->base, "css/app.css", "base css");
  put (t->base, "sub/index.html", "sub index");
  put (t->base, "sub/page.html", "sub page");
  put (t->base, "nodir/readme.txt", "no index here");
  put (t->base, "café.txt", "utf-8 name");
  put (t->base, ".hidden", "hidden");
  put (t->base, "brdir.br/inside.txt", "a directory, not a sibling");
  link_to (t->base, "link-in", "css/app.css");
  link_to (t->base, "dirlink", "sub");
  link_to (t->base, "link-out", "../secret.txt");
  link_to (t->base, "abs-out", secret);
  link_to (t->base, "dir-out", "..");
  link_to (t->base, "root-out", "/");
  link_to (t->base, "loop", "loop");
  link_to (t->base, "dangling", "nothing-here");
  link_to (t->base, "proc", "/proc/self/root");
  fifo = g_build_filename (t->base, "fifo", NULL);
  g_assert_cmpint (mkfifo (fifo, 0644), ==, 0);

  put (t->brand, "manifest.json", "brand manifest");
  put (t->brand, "css/app.css", "brand css");
  put (t->brand, "app.js", "brand app");
  put (t->brand, "sub/logo.svg", "<svg/>");
}

static void
tree_teardown (Tree *t, gconstpointer data)
{
  g_autofree gchar *cmd = g_strdup_printf ("rm -rf '%s'", t->dir);

  g_assert_true (g_str_has_prefix (t->dir, g_get_tmp_dir ()));
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (t->dir);
  g_free (t->base);
  g_free (t->brand);
}

/* The contents of a file the resolver found (its descriptor is O_PATH). */
static gchar *
read_all (const WebappFile *file)
{
  g_autoptr (GError) error = NULL;
  char buf[256];
  int fd = webapp_file_open_readable (file, &error);
  ssize_t n;

  g_assert_no_error (error);
  g_assert_cmpint (pread (file->fd, buf, 1, 0), ==, -1);
  n = pread (fd, buf, sizeof buf - 1, 0);
  close (fd);
  g_assert_cmpint (n, >=, 0);
  return g_strndup (buf, (gsize) n);
}

static WebappResolver *
resolver_for (const char *const *roots, gconstpointer walk)
{
  g_autoptr (GError) error = NULL;
  WebappResolver *r = webapp_resolver_new (roots, &error);

  g_assert_no_error (error);
  webapp_resolver_set_use_openat2 (r, walk == NULL);
  return r;
}

static void
expect_file (WebappResolver *r, const char *raw, const char *content, guint root_index, const char *rel)
{
  g_auto (WebappFile) file = WEBAPP_FILE_INIT;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *got = NULL;

  if (!webapp_resolver_open (r, raw, strlen (raw), &file, &error))
    g_error ("“%s”: %s", raw, error->message);
  g_assert_true (S_ISREG (file.st.st_mode));
  got = read_all (&file);
  g_assert_cmpstr (got, ==, content);
  g_assert_cmpuint (file.root_index, ==, root_index);
  g_assert_cmpstr (file.rel_path, ==, rel);
  g_assert_cmpint (file.st.st_size, ==, (goffset) strlen (content));
}

static void
expect_error (WebappResolver *r, const char *raw, WebappResolveError code)
{
  g_auto (WebappFile) file = WEBAPP_FILE_INIT;
  g_autoptr (GError) error = NULL;

  if (webapp_resolver_open (r, raw, strlen (raw), &file, &error))
    g_error ("“%s” should be refused (%d) but opened %s", raw, code, file.rel_path);
  if (!g_error_matches (error, WEBAPP_RESOLVE_ERROR, (int) code))
    g_error ("“%s”: expected code %d, got %s", raw, code, error->message);
  g_assert_cmpint (file.fd, ==, -1);
  g_assert_null (file.rel_path);
}

static void
test_base (Tree *t, gconstpointer walk)
{
  const char *roots[] = { t->base, NULL };
  g_autoptr (WebappResolver) r = resolver_for (roots, walk);

  expect_file (r, "", "base index", 0, "index.html");
  expect_file (r, "index.html", "base index", 0, "index.html");
  expect_file (r, "css/app.css", "base css", 0, "css/app.css");
  expect_file (r, "sub/", "sub index", 0, "sub/index.html");
  expect_file (r, "sub/page.html?x=1", "sub page", 0, "sub/page.html");
  expect_file (r, "caf%c3%a9.txt", "utf-8 name", 0, "café.txt");
  expect_file (r, "app.js.br", "base app br", 0, "app.js.br");
  expect_error (r, "sub", WEBAPP_RESOLVE_ERROR_IS_DIRECTORY);
  expect_error (r, "css", WEBAPP_RESOLVE_ERROR_IS_DIRECTORY);
  expect_error (r, "nodir/", WEBAPP_RESOLVE_ERROR_NOT_FOUND);
  expect_error (r, "missing.js", WEBAPP_RESOLVE_ERROR_NOT_FOUND);
  expect_error (r, "missing/deeper.js", WEBAPP_RESOLVE_ERROR_NOT_FOUND);
  expect_error (r, "index.html/", WEBAPP_RESOLVE_ERROR_NOT_FOUND);
  expect_error (r, "index.html/x", WEBAPP_RESOLVE_ERROR_NOT_FOUND);
  expect_error (r, ".hidden", WEBAPP_RESOLVE_ERROR_NOT_FOUND);
  /* A FIFO must be refused, and opening it must not hang the server. */
  expect_error (r, "fifo", WEBAPP_RESOLVE_ERROR_FORBIDDEN);
}

static void
test_traversal (Tree *t, gconstpointer walk)
{
  const char *roots[] = { t->base, NULL };
  g_autoptr (WebappResolver) r = resolver_for (roots, walk);
  static const char *const refused[] = {
    "../secret.txt", "sub/../../secret.txt", "%2e%2e/secret.txt", "%2E%2E%2Fsecret.txt",
    "..%2fsecret.txt", "..%5csecret.txt", "..\\secret.txt", "%c0%ae%c0%ae/secret.txt",
    "index.html%00", "/../secret.txt", "//secret.txt", "./index.html", "sub/./page.html",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    expect_error (r, refused[i], WEBAPP_RESOLVE_ERROR_BAD_REQUEST);
}

static void
test_symlinks (Tree *t, gconstpointer walk)
{
  const char *roots[] = { t->base, NULL };
  g_autoptr (WebappResolver) r = resolver_for (roots, walk);
  static const char *const out_of_root[] = {
    "link-out", "abs-out", "dir-out/secret.txt", "root-out/etc/passwd", "loop", "proc/etc/passwd",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (out_of_root); i++)
    expect_error (r, out_of_root[i], WEBAPP_RESOLVE_ERROR_FORBIDDEN);

  if (walk == NULL)
    {
      expect_file (r, "link-in", "base css", 0, "link-in");
      expect_file (r, "dirlink/page.html", "sub page", 0, "dirlink/page.html");
      expect_file (r, "dirlink/", "sub index", 0, "dirlink/index.html");
      expect_error (r, "dangling", WEBAPP_RESOLVE_ERROR_NOT_FOUND);
    }
  else
    {
      /* Without openat2 symlinks cannot be checked safely: all refused. */
      expect_error (r, "link-in", WEBAPP_RESOLVE_ERROR_FORBIDDEN);
      expect_error (r, "dirlink/page.html", WEBAPP_RESOLVE_ERROR_FORBIDDEN);
      expect_error (r, "dangling", WEBAPP_RESOLVE_ERROR_FORBIDDEN);
    }
}

static void
test_overlay (Tree *t, gconstpointer walk)
{
  const char *roots[] = { t->brand, t->base, NULL };
  g_autoptr (WebappResolver) r = resolver_for (roots, walk);
  g_auto (WebappFile) app = WEBAPP_FILE_INIT;
  g_auto (WebappFile) sibling = WEBAPP_FILE_INIT;
  g_autoptr (GError) error = NULL;

  expect_file (r, "", "base index", 1, "index.html");
  expect_file (r, "manifest.json", "brand manifest", 0, "manifest.json");
  expect_file (r, "css/app.css", "brand css", 0, "css/app.css");
  expect_file (r, "sub/logo.svg", "<svg/>", 0, "sub/logo.svg");
  expect_file (r, "sub/", "sub index", 1, "sub/index.html");
  expect_file (r, "sub/page.html", "sub page", 1, "sub/page.html");
  expect_error (r, "../base/index.html", WEBAPP_RESOLVE_ERROR_BAD_REQUEST);
  expect_error (r, "nothing.txt", WEBAPP_RESOLVE_ERROR_NOT_FOUND);

  /* The branding's app.js has no .br; the base's app.js.br must not be
   * served in its place. */
  g_assert_true (webapp_resolver_open (r, "app.js", 6, &app, &error));
  g_assert_cmpuint (app.root_index, ==, 0);
  g_assert_false (webapp_resolver_open_sibling (r, &app, ".br", &sibling, &error));
  g_assert_error (error, WEBAPP_RESOLVE_ERROR, WEBAPP_RESOLVE_ERROR_NOT_FOUND);
  g_assert_cmpint (sibling.fd, ==, -1);
}

static void
test_sibling (Tree *t, gconstpointer walk)
{
  const char *roots[] = { t->base, NULL };
  g_autoptr (WebappResolver) r = resolver_for (roots, walk);
  g_auto (WebappFile) app = WEBAPP_FILE_INIT;
  g_auto (WebappFile) br = WEBAPP_FILE_INIT;
  g_auto (WebappFile) gz = WEBAPP_FILE_INIT;
  g_auto (WebappFile) none = WEBAPP_FILE_INIT;
  g_auto (WebappFile) dir = WEBAPP_FILE_INIT;
  g_auto (WebappFile) brdir = WEBAPP_FILE_INIT;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *br_content = NULL;
  g_autofree gchar *gz_content = NULL;

  g_assert_true (webapp_resolver_open (r, "app.js", 6, &app, &error));
  g_assert_no_error (error);
  g_assert_true (webapp_resolver_open_sibling (r, &app, ".br", &br, &error));
  g_assert_no_error (error);
  g_assert_true (webapp_resolver_open_sibling (r, &app, ".gz", &gz, &error));
  g_assert_no_error (error);
  br_content = read_all (&br);
  gz_content = read_all (&gz);
  g_assert_cmpstr (br_content, ==, "base app br");
  g_assert_cmpstr (gz_content, ==, "base app gz");
  g_assert_cmpstr (br.rel_path, ==, "app.js.br");
  g_assert_cmpuint (br.st.st_ino, !=, app.st.st_ino);

  g_assert_true (webapp_resolver_open (r, "index.html", 10, &dir, &error));
  g_assert_false (webapp_resolver_open_sibling (r, &dir, ".gz", &none, &error));
  g_assert_error (error, WEBAPP_RESOLVE_ERROR, WEBAPP_RESOLVE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A directory named like a sibling is not a sibling. */
  g_free (dir.rel_path);
  dir.rel_path = g_strdup ("brdir");
  g_assert_false (webapp_resolver_open_sibling (r, &dir, ".br", &brdir, &error));
  g_assert_error (error, WEBAPP_RESOLVE_ERROR, WEBAPP_RESOLVE_ERROR_NOT_FOUND);
  g_assert_cmpint (brdir.fd, ==, -1);
}

static void
test_live_changes (Tree *t, gconstpointer walk)
{
  const char *roots[] = { t->base, NULL };
  g_autoptr (WebappResolver) r = resolver_for (roots, walk);
  g_autofree gchar *old = g_strconcat (t->base, ".old", NULL);

  expect_error (r, "new.txt", WEBAPP_RESOLVE_ERROR_NOT_FOUND);
  put (t->base, "new.txt", "fresh");
  expect_file (r, "new.txt", "fresh", 0, "new.txt");

  /* A whole tree swapped by rename (how deployments replace an app). */
  g_assert_cmpint (g_rename (t->base, old), ==, 0);
  put (t->base, "index.html", "new release");
  expect_file (r, "", "new release", 0, "index.html");
  expect_error (r, "new.txt", WEBAPP_RESOLVE_ERROR_NOT_FOUND);
}

static void
test_bad_roots (void)
{
  g_autoptr (GError) error = NULL;
  const char *relative[] = { "data/webapp", NULL };
  const char *missing[] = { "/nonexistent/postern/webapp", NULL };
  const char *file[] = { "/etc/hostname", NULL };
  const char *none[] = { NULL };

  g_assert_null (webapp_resolver_new (relative, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
  g_clear_error (&error);
  g_assert_null (webapp_resolver_new (missing, &error));
  g_assert_nonnull (strstr (error->message, "/nonexistent/postern/webapp"));
  g_clear_error (&error);
  g_assert_null (webapp_resolver_new (file, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_null (webapp_resolver_new (none, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

static void
test_root_vanished (Tree *t, gconstpointer walk)
{
  const char *roots[] = { t->brand, t->base, NULL };
  g_autoptr (WebappResolver) r = resolver_for (roots, walk);
  g_autofree gchar *cmd = g_strdup_printf ("rm -rf '%s'", t->brand);

  g_assert_cmpint (system (cmd), ==, 0);
  expect_file (r, "manifest.json", "base manifest", 1, "manifest.json");
}

#define ADD(name, fn) \
  g_test_add ("/webapp/resolver/openat2/" name, Tree, NULL, tree_setup, fn, tree_teardown); \
  g_test_add ("/webapp/resolver/walk/" name, Tree, GINT_TO_POINTER (1), tree_setup, fn, tree_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ADD ("base", test_base);
  ADD ("traversal", test_traversal);
  ADD ("symlinks", test_symlinks);
  ADD ("overlay", test_overlay);
  ADD ("sibling", test_sibling);
  ADD ("live-changes", test_live_changes);
  ADD ("root-vanished", test_root_vanished);
  g_test_add_func ("/webapp/resolver/bad-roots", test_bad_roots);
  return g_test_run ();
}
