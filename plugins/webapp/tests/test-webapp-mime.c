/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "webapp-mime.h"

static void
test_content_type (void)
{
  static const struct { const char *name; const char *type; } cases[] = {
    { "index.html", "text/html; charset=utf-8" },
    { "sub/page.HTM", "text/html; charset=utf-8" },
    { "app.js", "text/javascript; charset=utf-8" },
    { "mod.mjs", "text/javascript; charset=utf-8" },
    { "css/app.css", "text/css; charset=utf-8" },
    { "manifest.json", "application/json" },
    { "app.js.map", "application/json" },
    { "site.webmanifest", "application/manifest+json" },
    { "logo.svg", "image/svg+xml" },
    { "a.png", "image/png" },
    { "a.JPG", "image/jpeg" },
    { "a.jpeg", "image/jpeg" },
    { "a.webp", "image/webp" },
    { "favicon.ico", "image/x-icon" },
    { "f.woff2", "font/woff2" },
    { "m.wasm", "application/wasm" },
    { "robots.txt", "text/plain; charset=utf-8" },
    { "ring.mp3", "audio/mpeg" },
    { "README", "application/octet-stream" },
    { "archive.tar.zst", "application/octet-stream" },
    { "dir.js/file", "application/octet-stream" },
    { "trailing.", "application/octet-stream" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpstr (webapp_mime_content_type (cases[i].name), ==, cases[i].type);
}

static void
test_fingerprint (void)
{
  static const struct { const char *name; gboolean yes; } cases[] = {
    { "app.3f2a9c1b.js", TRUE },
    { "assets/chunk-0a1b2c3d4e5f.css", TRUE },
    { "x.0123456789abcdef0123456789abcdef.woff2", TRUE },
    { "app.3F2A9C1B.js", TRUE },
    { "app.3f2a9c1.js", FALSE },
    { "app.js", FALSE },
    { "app.deadbeef.js", FALSE },
    { "3f2a9c1b.js", FALSE },
    { ".3f2a9c1b.js", FALSE },
    { "app_3f2a9c1b.js", FALSE },
    { "app.3f2a9c1b", FALSE },
    { "app.3f2a9c1bz.js", FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    if (webapp_mime_is_fingerprinted (cases[i].name) != cases[i].yes)
      g_error ("%s: expected %s", cases[i].name, cases[i].yes ? "fingerprinted" : "plain");
}

static void
test_cache_control (void)
{
  g_assert_cmpstr (webapp_mime_cache_control ("index.html"), ==, "no-cache");
  g_assert_cmpstr (webapp_mime_cache_control ("page.3f2a9c1b.html"), ==, "no-cache");
  g_assert_cmpstr (webapp_mime_cache_control ("app.3f2a9c1b.js"), ==, "public, max-age=31536000, immutable");
  g_assert_cmpstr (webapp_mime_cache_control ("app.js"), ==, "public, max-age=300");
  g_assert_cmpstr (webapp_mime_cache_control ("manifest.json"), ==, "public, max-age=300");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/webapp/mime/content-type", test_content_type);
  g_test_add_func ("/webapp/mime/fingerprint", test_fingerprint);
  g_test_add_func ("/webapp/mime/cache-control", test_cache_control);
  return g_test_run ();
}
