/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One static-file request: resolve under the mount's roots, pick a
 * precompressed sibling, let webapp_http decide with the validators kept in
 * the mount's cache, answer through the front: a small file's kept body goes
 * out with the head in one write, anything else from its descriptor. */
#include "webapp-serve.h"

#include <string.h>

#include "webapp-http.h"

/* The request headers webapp_http reads; only these are copied. */
static const gchar *const consulted_headers[] = {
  "Accept-Encoding", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "Range", "If-Range",
};

static void
respond_text (PosternHttpExchange *exchange, guint status)
{
  g_autofree gchar *text = g_strdup_printf ("%u %s\n", status, soup_status_get_phrase (status));
  gsize len = strlen (text);
  g_autoptr (GBytes) body = g_bytes_new_take (g_steal_pointer (&text), len);

  postern_http_exchange_respond (exchange, status, "text/plain; charset=utf-8", body);
}

/* 301 to @location, keeping the query string. */
void
webapp_serve_redirect (PosternHttpExchange *exchange, const gchar *location)
{
  const gchar *query = postern_http_exchange_get_query (exchange);
  g_autofree gchar *target = query != NULL && query[0] != '\0' ? g_strconcat (location, "?", query, NULL)
                                                               : g_strdup (location);

  postern_http_exchange_add_header (exchange, "Location", target);
  respond_text (exchange, 301);
}

/* The message names the path after the mount, made printable by the resolver. */
static void
refuse (PosternContext *context, PosternHttpExchange *exchange, const gchar *prefix, const GError *error)
{
  guint status = webapp_resolve_error_status (error);

  postern_warning (context, "%s under %s from %s refused with %u: %s", postern_http_exchange_get_method (exchange),
                   prefix, postern_http_exchange_get_client_ip (exchange), status, error->message);
  respond_text (exchange, status);
}

/* The representation to send: the file, or a precompressed sibling the
 * client accepts. Returns the chosen file, owned by @file or @sibling. */
static WebappFile *
choose (WebappResolver *resolver, SoupMessageHeaders *request, WebappFile *file, WebappFile *sibling,
        WebappEncoding *encoding)
{
  WebappEncoding order[WEBAPP_ENCODING_COUNT];
  guint n = webapp_http_encodings_to_try (request, order);

  for (guint i = 0; i < n; i++)
    {
      if (order[i] == WEBAPP_ENCODING_IDENTITY)
        break;
      if (webapp_resolver_open_sibling (resolver, file, webapp_http_encoding_suffix (order[i]), sibling, NULL))
        {
          *encoding = order[i];
          return sibling;
        }
    }
  *encoding = WEBAPP_ENCODING_IDENTITY;
  return file;
}

void
webapp_serve (PosternContext *context, WebappResolver *resolver, WebappCache *cache, const gchar *prefix,
              PosternHttpExchange *exchange)
{
  const gchar *method = postern_http_exchange_get_method (exchange);
  const gchar *path = postern_http_exchange_get_path (exchange);
  const gchar *rel = path + strlen (prefix);
  g_autoptr (SoupMessageHeaders) request = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_auto (WebappFile) file = WEBAPP_FILE_INIT;
  g_auto (WebappFile) sibling = WEBAPP_FILE_INIT;
  g_auto (WebappHttpResponse) resp = { 0 };
  g_autoptr (GError) error = NULL;
  SoupMessageHeadersIter iter;
  const char *name, *value;
  WebappEncoding encoding;
  WebappFile *chosen;
  const WebappCacheEntry *known;
  int contents = -1;

  if (!webapp_resolver_open (resolver, rel, strlen (rel), &file, &error))
    {
      if (g_error_matches (error, WEBAPP_RESOLVE_ERROR, WEBAPP_RESOLVE_ERROR_IS_DIRECTORY))
        {
          g_autofree gchar *slashed = g_strconcat (path, "/", NULL);
          webapp_serve_redirect (exchange, slashed);
        }
      else
        refuse (context, exchange, prefix, error);
      return;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (consulted_headers); i++)
    if ((value = postern_http_exchange_get_header (exchange, consulted_headers[i])) != NULL)
      soup_message_headers_append (request, consulted_headers[i], value);
  chosen = choose (resolver, request, &file, &sibling, &encoding);
  known = webapp_cache_get (cache, chosen, g_get_real_time () / G_USEC_PER_SEC, &error);
  if (known == NULL)
    {
      refuse (context, exchange, prefix, error);
      return;
    }
  webapp_http_respond_validated (method, request, file.rel_path, encoding, chosen->fd, &chosen->st, known->etag,
                                 known->last_modified, &resp);
  /* A large file's contents come from a descriptor opened for reading. */
  if (resp.fd >= 0 && known->body == NULL && (contents = webapp_file_open_readable (chosen, &error)) < 0)
    {
      refuse (context, exchange, prefix, error);
      return;
    }
  soup_message_headers_iter_init (&iter, resp.headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    postern_http_exchange_add_header (exchange, name, value);
  if (contents >= 0)
    postern_http_exchange_respond_file (exchange, resp.status, contents, resp.offset, resp.length);
  else if (resp.fd >= 0)
    {
      g_autoptr (GBytes) body = g_bytes_new_from_bytes (known->body, (gsize) resp.offset, (gsize) resp.length);

      postern_http_exchange_respond (exchange, resp.status, NULL, body);
    }
  else
    postern_http_exchange_respond (exchange, resp.status, NULL, NULL);
}
