/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "webapp-mime.h"

#include <string.h>

static const struct {
  const char *ext;
  const char *type;
} content_types[] = {
  { "html", "text/html; charset=utf-8" },
  { "htm", "text/html; charset=utf-8" },
  { "js", "text/javascript; charset=utf-8" },
  { "mjs", "text/javascript; charset=utf-8" },
  { "css", "text/css; charset=utf-8" },
  { "json", "application/json" },
  { "map", "application/json" },
  { "webmanifest", "application/manifest+json" },
  { "txt", "text/plain; charset=utf-8" },
  { "xml", "application/xml" },
  { "svg", "image/svg+xml" },
  { "png", "image/png" },
  { "jpg", "image/jpeg" },
  { "jpeg", "image/jpeg" },
  { "gif", "image/gif" },
  { "webp", "image/webp" },
  { "avif", "image/avif" },
  { "ico", "image/x-icon" },
  { "woff2", "font/woff2" },
  { "woff", "font/woff" },
  { "ttf", "font/ttf" },
  { "otf", "font/otf" },
  { "wasm", "application/wasm" },
  { "pdf", "application/pdf" },
  { "mp3", "audio/mpeg" },
  { "ogg", "audio/ogg" },
  { "wav", "audio/wav" },
  { "mp4", "video/mp4" },
  { "webm", "video/webm" },
};

static const char *
basename_of (const char *name)
{
  const char *slash = strrchr (name, '/');
  return slash ? slash + 1 : name;
}

/**
 * webapp_mime_content_type:
 * @name: a file name or relative path
 *
 * Returns: the Content-Type for its extension (case-insensitive);
 *   application/octet-stream for anything unknown, so nothing unknown is
 *   ever rendered as a page.
 */
const char *
webapp_mime_content_type (const char *name)
{
  const char *dot = strrchr (basename_of (name), '.');

  if (dot != NULL)
    for (gsize i = 0; i < G_N_ELEMENTS (content_types); i++)
      if (g_ascii_strcasecmp (dot + 1, content_types[i].ext) == 0)
        return content_types[i].type;
  return "application/octet-stream";
}

/**
 * webapp_mime_is_fingerprinted:
 * @name: a file name or relative path
 *
 * Whether the name carries a content hash just before its extension, as
 * bundlers write them: "app.3f2a9c1b.js", "chunk-0a1b2c3d4e.css" (8 to 64 hex
 * digits, at least one a decimal digit so words like "deadbeef" do not count).
 * Such a file never changes under the same name, so it may be cached forever.
 */
gboolean
webapp_mime_is_fingerprinted (const char *name)
{
  const char *base = basename_of (name);
  const char *ext = strrchr (base, '.');
  const char *p;
  gboolean digit = FALSE;

  if (ext == NULL || ext == base)
    return FALSE;
  for (p = ext; p > base && g_ascii_isxdigit (p[-1]); p--)
    digit |= g_ascii_isdigit (p[-1]);
  return digit && ext - p >= 8 && ext - p <= 64 && p - 1 > base && (p[-1] == '.' || p[-1] == '-');
}

/**
 * webapp_mime_cache_control:
 * @name: a file name or relative path
 *
 * Returns: "no-cache" for HTML (always revalidated, so a new release shows at
 *   once), a year and immutable for fingerprinted assets, five minutes
 *   otherwise.
 */
const char *
webapp_mime_cache_control (const char *name)
{
  if (g_str_has_prefix (webapp_mime_content_type (name), "text/html"))
    return "no-cache";
  if (webapp_mime_is_fingerprinted (name))
    return "public, max-age=31536000, immutable";
  return "public, max-age=300";
}
