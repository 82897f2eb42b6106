/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "webapp-http.h"

#include <string.h>

#define FD 7
#define MTIME 1700000000 /* Tue, 14 Nov 2023 22:13:20 GMT */
#define LAST_MODIFIED "Tue, 14 Nov 2023 22:13:20 GMT"

static struct stat
file_stat (goffset size)
{
  struct stat st;

  memset (&st, 0, sizeof st);
  st.st_ino = 0x1234;
  st.st_size = size;
  st.st_mode = S_IFREG | 0644;
  st.st_mtim.tv_sec = MTIME;
  st.st_mtim.tv_nsec = 5;
  return st;
}

/* Request headers from "Name: value" strings, NULL-terminated. */
static SoupMessageHeaders *
request_with (const char *first, ...)
{
  SoupMessageHeaders *h = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  va_list ap;

  va_start (ap, first);
  for (const char *line = first; line != NULL; line = va_arg (ap, const char *))
    {
      const char *colon = strchr (line, ':');
      g_autofree gchar *name = g_strndup (line, (gsize) (colon - line));

      soup_message_headers_append (h, name, colon + 2);
    }
  va_end (ap);
  return h;
}

static void
respond (const char *method, SoupMessageHeaders *req, const char *name, goffset size,
         WebappHttpResponse *out)
{
  struct stat st = file_stat (size);

  webapp_http_respond (method, req, name, WEBAPP_ENCODING_IDENTITY, FD, &st, out);
}

static gchar *
etag_of (goffset size)
{
  struct stat st = file_stat (size);

  return webapp_http_etag (&st);
}

static void
test_etag (void)
{
  struct stat a = file_stat (10);
  struct stat b = a;
  g_autofree gchar *ea = webapp_http_etag (&a);
  g_autofree gchar *eb = NULL;
  g_autofree gchar *ec = NULL;
  g_autofree gchar *ed = NULL;

  g_assert_true (g_str_has_prefix (ea, "\""));
  g_assert_true (g_str_has_suffix (ea, "\""));
  g_assert_null (strchr (ea + 1, ','));
  b.st_mtim.tv_nsec = 6;
  eb = webapp_http_etag (&b);
  b = a;
  b.st_size = 11;
  ec = webapp_http_etag (&b);
  b = a;
  b.st_ino = 0x1235;
  ed = webapp_http_etag (&b);
  g_assert_cmpstr (ea, !=, eb);
  g_assert_cmpstr (ea, !=, ec);
  g_assert_cmpstr (ea, !=, ed);
}

static void
test_get_and_head (void)
{
  g_autoptr (SoupMessageHeaders) req = request_with (NULL);
  g_auto (WebappHttpResponse) get = { 0 };
  g_auto (WebappHttpResponse) head = { 0 };
  g_autofree gchar *etag = etag_of (1000);

  respond ("GET", req, "app.js", 1000, &get);
  g_assert_cmpuint (get.status, ==, 200);
  g_assert_cmpint (get.fd, ==, FD);
  g_assert_cmpint (get.offset, ==, 0);
  g_assert_cmpint (get.length, ==, 1000);
  g_assert_true (get.send_body);
  g_assert_null (soup_message_headers_get_one (get.headers, "Content-Length"));
  g_assert_cmpstr (soup_message_headers_get_one (get.headers, "ETag"), ==, etag);
  g_assert_cmpstr (soup_message_headers_get_one (get.headers, "Last-Modified"), ==, LAST_MODIFIED);
  g_assert_cmpstr (soup_message_headers_get_one (get.headers, "Content-Type"), ==, "text/javascript; charset=utf-8");
  g_assert_cmpstr (soup_message_headers_get_one (get.headers, "Cache-Control"), ==, "public, max-age=300");
  g_assert_cmpstr (soup_message_headers_get_one (get.headers, "Accept-Ranges"), ==, "bytes");
  g_assert_cmpstr (soup_message_headers_get_one (get.headers, "Vary"), ==, "Accept-Encoding");
  g_assert_cmpstr (soup_message_headers_get_one (get.headers, "X-Content-Type-Options"), ==, "nosniff");
  g_assert_null (soup_message_headers_get_one (get.headers, "Content-Encoding"));
  g_assert_null (soup_message_headers_get_one (get.headers, "Content-Range"));

  respond ("HEAD", req, "index.html", 1000, &head);
  g_assert_cmpuint (head.status, ==, 200);
  /* HEAD: the same representation and length, head only. */
  g_assert_cmpint (head.fd, ==, FD);
  g_assert_cmpint (head.length, ==, 1000);
  g_assert_false (head.send_body);
  g_assert_cmpstr (soup_message_headers_get_one (head.headers, "Cache-Control"), ==, "no-cache");
  g_assert_cmpstr (soup_message_headers_get_one (head.headers, "Content-Type"), ==, "text/html; charset=utf-8");
}

static void
test_methods (void)
{
  static const char *const methods[] = { "POST", "PUT", "DELETE", "OPTIONS", "get", "TRACE", "" };

  for (gsize i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      g_autoptr (SoupMessageHeaders) req = request_with (NULL);
      g_auto (WebappHttpResponse) r = { 0 };

      respond (methods[i], req, "app.js", 1000, &r);
      g_assert_cmpuint (r.status, ==, 405);
      g_assert_cmpint (r.fd, ==, -1);
      g_assert_cmpstr (soup_message_headers_get_one (r.headers, "Allow"), ==, "GET, HEAD");
      g_assert_cmpint (r.length, ==, 0);
      g_assert_false (r.send_body);
    }
}

typedef struct {
  const char *header;  /* "If-None-Match" etc., or NULL */
  const char *value;   /* "@" stands for the current ETag */
  guint status;
} Conditional;

static void
test_conditionals (void)
{
  g_autofree gchar *etag = etag_of (1000);
  g_autofree gchar *weak = g_strconcat ("W/", etag, NULL);
  g_autofree gchar *listed = g_strdup_printf ("\"other\", %s , \"x\"", etag);
  g_autofree gchar *listed_weak = g_strdup_printf ("\"a\",W/%s", etag);
  g_autofree gchar *unclosed = g_strndup (etag, strlen (etag) - 1);
  g_autofree gchar *after_junk = g_strdup_printf ("junk, %s", etag);
  const Conditional cases[] = {
    { "If-None-Match", etag, 304 },
    { "If-None-Match", weak, 304 },
    { "If-None-Match", listed, 304 },
    { "If-None-Match", listed_weak, 304 },
    { "If-None-Match", "*", 304 },
    { "If-None-Match", "\"other\"", 200 },
    { "If-None-Match", "W/\"other\", \"x\"", 200 },
    { "If-None-Match", "", 200 },
    { "If-None-Match", unclosed, 200 },
    { "If-None-Match", after_junk, 200 },
    { "If-Modified-Since", LAST_MODIFIED, 304 },
    { "If-Modified-Since", "Wed, 15 Nov 2023 00:00:00 GMT", 304 },
    { "If-Modified-Since", "Tue, 14 Nov 2023 22:13:19 GMT", 200 },
    { "If-Modified-Since", "Sunday, 06-Nov-94 08:49:37 GMT", 200 },
    { "If-Modified-Since", "not a date", 200 },
    { "If-Match", etag, 200 },
    { "If-Match", "*", 200 },
    { "If-Match", weak, 412 },
    { "If-Match", "\"other\"", 412 },
    { "If-Unmodified-Since", LAST_MODIFIED, 200 },
    { "If-Unmodified-Since", "Tue, 14 Nov 2023 22:13:19 GMT", 412 },
    { "If-Unmodified-Since", "garbage", 200 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    for (int head = 0; head < 2; head++)
      {
        g_autoptr (SoupMessageHeaders) req = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
        g_auto (WebappHttpResponse) r = { 0 };

        soup_message_headers_append (req, cases[i].header, cases[i].value);
        respond (head ? "HEAD" : "GET", req, "app.js", 1000, &r);
        if (r.status != cases[i].status)
          g_error ("%s: %s -> %u, expected %u", cases[i].header, cases[i].value, r.status, cases[i].status);
        g_assert_cmpint (r.fd, ==, cases[i].status == 200 ? FD : -1);
        g_assert_true (r.send_body == (cases[i].status == 200 && !head));
        g_assert_cmpint (r.length, ==, cases[i].status == 200 ? 1000 : 0);
        g_assert_cmpstr (soup_message_headers_get_one (r.headers, "ETag"), ==, etag);
        g_assert_cmpstr (soup_message_headers_get_one (r.headers, "Cache-Control"), ==, "public, max-age=300");
        g_assert_cmpstr (soup_message_headers_get_one (r.headers, "Vary"), ==, "Accept-Encoding");
        if (cases[i].status == 304)
          g_assert_null (soup_message_headers_get_one (r.headers, "Content-Type"));
      }
}

static void
test_conditional_precedence (void)
{
  g_autofree gchar *etag = etag_of (1000);
  g_autoptr (SoupMessageHeaders) inm_wins = request_with ("If-None-Match: \"other\"",
                                                          "If-Modified-Since: " LAST_MODIFIED, NULL);
  g_autoptr (SoupMessageHeaders) match_first = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_autoptr (SoupMessageHeaders) if_match_wins = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_autoptr (SoupMessageHeaders) two_lines = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_auto (WebappHttpResponse) a = { 0 };
  g_auto (WebappHttpResponse) b = { 0 };
  g_auto (WebappHttpResponse) c = { 0 };
  g_auto (WebappHttpResponse) d = { 0 };

  /* If-None-Match present: If-Modified-Since is ignored (RFC 9110 13.2.2). */
  respond ("GET", inm_wins, "app.js", 1000, &a);
  g_assert_cmpuint (a.status, ==, 200);

  /* A failed If-Match beats a matching If-None-Match. */
  soup_message_headers_append (match_first, "If-Match", "\"other\"");
  soup_message_headers_append (match_first, "If-None-Match", etag);
  respond ("GET", match_first, "app.js", 1000, &b);
  g_assert_cmpuint (b.status, ==, 412);

  /* If-Match present: If-Unmodified-Since is ignored. */
  soup_message_headers_append (if_match_wins, "If-Match", etag);
  soup_message_headers_append (if_match_wins, "If-Unmodified-Since", "Mon, 01 Jan 2001 00:00:00 GMT");
  respond ("GET", if_match_wins, "app.js", 1000, &c);
  g_assert_cmpuint (c.status, ==, 200);

  /* The list may be split over several header lines. */
  soup_message_headers_append (two_lines, "If-None-Match", "\"a\"");
  soup_message_headers_append (two_lines, "If-None-Match", etag);
  respond ("GET", two_lines, "app.js", 1000, &d);
  g_assert_cmpuint (d.status, ==, 304);
}

typedef struct {
  const char *range;
  guint status;
  goffset offset;
  goffset length;
  const char *content_range;
} RangeCase;

static void
test_ranges (void)
{
  static const RangeCase cases[] = {
    { "bytes=0-99", 206, 0, 100, "bytes 0-99/1000" },
    { "bytes=100-", 206, 100, 900, "bytes 100-999/1000" },
    { "bytes=-100", 206, 900, 100, "bytes 900-999/1000" },
    { "bytes=-5000", 206, 0, 1000, "bytes 0-999/1000" },
    { "bytes=990-5000", 206, 990, 10, "bytes 990-999/1000" },
    { "bytes=999-999", 206, 999, 1, "bytes 999-999/1000" },
    { "bytes=0-0", 206, 0, 1, "bytes 0-0/1000" },
    { "Bytes = 5-9 ", 206, 5, 5, "bytes 5-9/1000" },
    { "bytes=0-99999999999999999999999", 206, 0, 1000, "bytes 0-999/1000" },
    { "bytes=1000-", 416, 0, 0, "bytes */1000" },
    { "bytes=1000-2000", 416, 0, 0, "bytes */1000" },
    { "bytes=99999999999999999999999-", 416, 0, 0, "bytes */1000" },
    { "bytes=-0", 416, 0, 0, "bytes */1000" },
    { "bytes=0-1,5-6", 200, 0, 1000, NULL },
    { "bytes=5-4", 200, 0, 1000, NULL },
    { "bytes=", 200, 0, 1000, NULL },
    { "bytes=-", 200, 0, 1000, NULL },
    { "bytes=a-b", 200, 0, 1000, NULL },
    { "bytes=1-2-3", 200, 0, 1000, NULL },
    { "bytes=--1", 200, 0, 1000, NULL },
    { "bytes=+1-2", 200, 0, 1000, NULL },
    { "items=0-1", 200, 0, 1000, NULL },
    { "bytes 0-1", 200, 0, 1000, NULL },
    { "", 200, 0, 1000, NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (SoupMessageHeaders) req = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
      g_auto (WebappHttpResponse) r = { 0 };
      g_auto (WebappHttpResponse) head = { 0 };

      soup_message_headers_append (req, "Range", cases[i].range);
      respond ("GET", req, "app.js", 1000, &r);
      if (r.status != cases[i].status)
        g_error ("Range %s -> %u, expected %u", cases[i].range, r.status, cases[i].status);
      g_assert_cmpint (r.offset, ==, cases[i].offset);
      g_assert_cmpint (r.length, ==, cases[i].length);
      g_assert_true (r.send_body == (cases[i].status != 416));
      g_assert_cmpstr (soup_message_headers_get_one (r.headers, "Content-Range"), ==, cases[i].content_range);
      g_assert_cmpint (r.fd, ==, cases[i].status == 416 ? -1 : FD);

      /* Range applies to GET only. */
      respond ("HEAD", req, "app.js", 1000, &head);
      g_assert_cmpuint (head.status, ==, 200);
      g_assert_cmpint (head.length, ==, 1000);
      g_assert_null (soup_message_headers_get_one (head.headers, "Content-Range"));
    }
}

static void
test_range_empty_file (void)
{
  g_autoptr (SoupMessageHeaders) req = request_with ("Range: bytes=0-10", NULL);
  g_auto (WebappHttpResponse) r = { 0 };

  respond ("GET", req, "empty.txt", 0, &r);
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_cmpint (r.length, ==, 0);
  g_assert_null (soup_message_headers_get_one (r.headers, "Content-Range"));
}

static void
test_if_range (void)
{
  g_autofree gchar *etag = etag_of (1000);
  g_autofree gchar *weak = g_strconcat ("W/", etag, NULL);
  g_autofree gchar *two = g_strdup_printf ("%s, \"x\"", etag);
  const struct { const char *value; guint status; } cases[] = {
    { etag, 206 },
    { weak, 200 },
    { "\"other\"", 200 },
    { two, 200 },
    { LAST_MODIFIED, 206 },
    { "Wed, 15 Nov 2023 00:00:00 GMT", 200 },
    { "garbage", 200 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (SoupMessageHeaders) req = request_with ("Range: bytes=10-19", NULL);
      g_auto (WebappHttpResponse) r = { 0 };

      soup_message_headers_append (req, "If-Range", cases[i].value);
      respond ("GET", req, "app.js", 1000, &r);
      if (r.status != cases[i].status)
        g_error ("If-Range %s -> %u, expected %u", cases[i].value, r.status, cases[i].status);
      g_assert_cmpint (r.length, ==, cases[i].status == 206 ? 10 : 1000);
    }
}

static void
test_range_after_304 (void)
{
  g_autofree gchar *etag = etag_of (1000);
  g_autoptr (SoupMessageHeaders) req = request_with ("Range: bytes=0-1", NULL);
  g_auto (WebappHttpResponse) r = { 0 };

  soup_message_headers_append (req, "If-None-Match", etag);
  respond ("GET", req, "app.js", 1000, &r);
  g_assert_cmpuint (r.status, ==, 304);
  g_assert_null (soup_message_headers_get_one (r.headers, "Content-Range"));
}

static void
test_accept_encoding (void)
{
  static const struct { const char *header; const char *order; } cases[] = {
    { NULL, "i" },
    { "", "i" },
    { "gzip, deflate, br", "bgi" },
    { "gzip", "gi" },
    { "br", "bi" },
    { "BR, GZip", "bgi" },
    { "x-gzip", "gi" },
    { "br;q=0, gzip", "gi" },
    { "br; q=0.000, gzip;q=0.5", "gi" },
    { "br;q=0.001", "bi" },
    { "br;Q=1", "bi" },
    { "br;q=1.0", "bi" },
    { "br;q=2", "i" },
    { "br;q=0.0001", "i" },
    { "br;q=abc", "i" },
    { "*", "bgi" },
    { "*;q=0", "i" },
    { "*;q=0, gzip", "gi" },
    { "gzip;q=0, *", "bi" },
    { "br;q=0, *;q=1", "gi" },
    { "identity", "i" },
    { "deflate, compress", "i" },
    { "brotli, gzipped, xbr", "i" },
    { "br;level=5;q=0.3", "bi" },
    { " , ,br ,", "bi" },
    { "gzip;q=0, gzip;q=1", "gi" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (SoupMessageHeaders) req = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
      WebappEncoding order[WEBAPP_ENCODING_COUNT];
      guint n;
      char got[WEBAPP_ENCODING_COUNT + 1] = { 0 };

      if (cases[i].header != NULL)
        soup_message_headers_append (req, "Accept-Encoding", cases[i].header);
      n = webapp_http_encodings_to_try (req, order);
      g_assert_cmpuint (n, >=, 1);
      g_assert_cmpuint (n, <=, WEBAPP_ENCODING_COUNT);
      for (guint k = 0; k < n; k++)
        got[k] = order[k] == WEBAPP_ENCODING_BR ? 'b' : order[k] == WEBAPP_ENCODING_GZIP ? 'g' : 'i';
      if (g_strcmp0 (got, cases[i].order) != 0)
        g_error ("Accept-Encoding “%s”: tried %s, expected %s", cases[i].header, got, cases[i].order);
    }
  g_assert_cmpstr (webapp_http_encoding_suffix (WEBAPP_ENCODING_BR), ==, ".br");
  g_assert_cmpstr (webapp_http_encoding_suffix (WEBAPP_ENCODING_GZIP), ==, ".gz");
  g_assert_cmpstr (webapp_http_encoding_suffix (WEBAPP_ENCODING_IDENTITY), ==, "");
}

static void
test_precompressed (void)
{
  static const struct { WebappEncoding enc; const char *coding; } cases[] = {
    { WEBAPP_ENCODING_BR, "br" },
    { WEBAPP_ENCODING_GZIP, "gzip" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (SoupMessageHeaders) req = request_with ("Accept-Encoding: br, gzip", "Range: bytes=0-9", NULL);
      struct stat st = file_stat (300);
      struct stat identity = file_stat (1000);
      g_autofree gchar *identity_etag = webapp_http_etag (&identity);
      g_auto (WebappHttpResponse) r = { 0 };

      st.st_ino = 0x9999;
      webapp_http_respond ("GET", req, "app.3f2a9c1b.js", cases[i].enc, FD, &st, &r);
      /* The range applies to the encoded bytes: the representation sent. */
      g_assert_cmpuint (r.status, ==, 206);
      g_assert_cmpstr (soup_message_headers_get_one (r.headers, "Content-Range"), ==, "bytes 0-9/300");
      g_assert_cmpstr (soup_message_headers_get_one (r.headers, "Content-Encoding"), ==, cases[i].coding);
      g_assert_cmpstr (soup_message_headers_get_one (r.headers, "Content-Type"), ==, "text/javascript; charset=utf-8");
      g_assert_cmpstr (soup_message_headers_get_one (r.headers, "Vary"), ==, "Accept-Encoding");
      g_assert_cmpstr (soup_message_headers_get_one (r.headers, "Cache-Control"), ==,
                       "public, max-age=31536000, immutable");
      g_assert_cmpstr (soup_message_headers_get_one (r.headers, "ETag"), !=, identity_etag);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/webapp/http/etag", test_etag);
  g_test_add_func ("/webapp/http/get-and-head", test_get_and_head);
  g_test_add_func ("/webapp/http/methods", test_methods);
  g_test_add_func ("/webapp/http/conditionals", test_conditionals);
  g_test_add_func ("/webapp/http/conditional-precedence", test_conditional_precedence);
  g_test_add_func ("/webapp/http/ranges", test_ranges);
  g_test_add_func ("/webapp/http/range-empty-file", test_range_empty_file);
  g_test_add_func ("/webapp/http/if-range", test_if_range);
  g_test_add_func ("/webapp/http/range-after-304", test_range_after_304);
  g_test_add_func ("/webapp/http/accept-encoding", test_accept_encoding);
  g_test_add_func ("/webapp/http/precompressed", test_precompressed);
  return g_test_run ();
}
