/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "webapp-http.h"

#include <string.h>

static const char *
skip_ows (const char *p)
{
  while (*p == ' ' || *p == '\t')
    p++;
  return p;
}

const char *
webapp_http_encoding_suffix (WebappEncoding encoding)
{
  switch (encoding)
    {
    case WEBAPP_ENCODING_BR: return ".br";
    case WEBAPP_ENCODING_GZIP: return ".gz";
    case WEBAPP_ENCODING_IDENTITY:
    default: return "";
    }
}

static const char *
content_coding (WebappEncoding encoding)
{
  return encoding == WEBAPP_ENCODING_BR ? "br" : encoding == WEBAPP_ENCODING_GZIP ? "gzip" : NULL;
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths;
 * anything else is -1 and makes its entry unacceptable. */
static int
parse_qvalue (const char *p, const char *end)
{
  int value;
  int scale = 100;

  if (p >= end || (*p != '0' && *p != '1'))
    return -1;
  value = (*p++ - '0') * 1000;
  if (p < end && *p == '.')
    for (p++; p < end && g_ascii_isdigit (*p) && scale > 0; p++, scale /= 10)
      value += (*p - '0') * scale;
  return p == end && value <= 1000 ? value : -1;
}

/* The q of the entry for @coding in an Accept-Encoding value, -1 if absent. */
static int
coding_quality (const char *header, const char *coding)
{
  int q = -1;

  for (const char *p = header; *p != '\0';)
    {
      const char *item = skip_ows (p);
      const char *item_end = strchr (item, ',');
      const char *name_end = item;
      int item_q = 1000;

      if (item_end == NULL)
        item_end = item + strlen (item);
      while (name_end < item_end && *name_end != ';' && *name_end != ' ' && *name_end != '\t')
        name_end++;
      for (const char *param = memchr (name_end, ';', item_end - name_end); param != NULL;
           param = memchr (param + 1, ';', item_end - param - 1))
        {
          const char *v = skip_ows (param + 1);
          const char *v_end = memchr (v, ';', item_end - v);

          if (v_end == NULL)
            v_end = item_end;
          while (v_end > v && (v_end[-1] == ' ' || v_end[-1] == '\t'))
            v_end--;
          if ((v[0] == 'q' || v[0] == 'Q') && v[1] == '=')
            item_q = parse_qvalue (v + 2, v_end);
        }
      if ((gsize) (name_end - item) == strlen (coding)
          && g_ascii_strncasecmp (item, coding, name_end - item) == 0)
        q = MAX (q, item_q);
      p = *item_end == ',' ? item_end + 1 : item_end;
    }
  return q;
}

static gboolean
coding_accepted (const char *header, const char *coding, const char *alias)
{
  int q = coding_quality (header, coding);

  if (q < 0 && alias != NULL)
    q = coding_quality (header, alias);
  if (q < 0)
    q = coding_quality (header, "*");
  return q > 0;
}

/**
 * webapp_http_encodings_to_try:
 * @request: the request headers
 * @order: (out): filled with the encodings to look for, best first
 *
 * Brotli, then gzip, when Accept-Encoding allows them (an explicit q=0, or
 * "*;q=0" without an entry of their own, refuses them); identity always ends
 * the list. Without Accept-Encoding only identity is tried.
 *
 * Returns: how many entries of @order were filled (1 to 3)
 */
guint
webapp_http_encodings_to_try (SoupMessageHeaders *request, WebappEncoding order[WEBAPP_ENCODING_COUNT])
{
  const char *header = soup_message_headers_get_list (request, "Accept-Encoding");
  guint n = 0;

  if (header != NULL && coding_accepted (header, "br", NULL))
    order[n++] = WEBAPP_ENCODING_BR;
  if (header != NULL && coding_accepted (header, "gzip", "x-gzip"))
    order[n++] = WEBAPP_ENCODING_GZIP;
  order[n++] = WEBAPP_ENCODING_IDENTITY;
  return n;
}

/**
 * webapp_http_etag:
 * @st: the file's stat
 *
 * Returns: a strong entity tag, quotes included, from inode, size and
 *   modification time to the nanosecond: any change of the file changes it,
 *   and each precompressed sibling (its own inode) has its own.
 */
gchar *
webapp_http_etag (const struct stat *st)
{
  return g_strdup_printf ("\"%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x%08lx\"",
                          (guint64) st->st_ino, (guint64) st->st_size,
                          (guint64) st->st_mtim.tv_sec, (unsigned long) st->st_mtim.tv_nsec);
}

/**
 * webapp_http_last_modified:
 * @st: the file's stat
 *
 * Returns: (nullable): its modification time as an HTTP-date (seconds), or
 *   %NULL when it cannot be written as one
 */
gchar *
webapp_http_last_modified (const struct stat *st)
{
  g_autoptr (GDateTime) modified = g_date_time_new_from_unix_utc (st->st_mtim.tv_sec);

  return modified != NULL ? soup_date_time_to_string (modified, SOUP_DATE_HTTP) : NULL;
}

/* Whether an If-Match / If-None-Match list names @etag ("*" names any).
 * Weak comparison ignores the W/ prefix; strong comparison never matches a
 * weak tag. A malformed list matches nothing. */
static gboolean
etag_list_matches (const char *list, const char *etag, gboolean weak)
{
  gsize etag_len = strlen (etag);
  const char *p = list;

  for (;;)
    {
      gboolean is_weak = FALSE;
      const char *close;

      while (*p == ' ' || *p == '\t' || *p == ',')
        p++;
      if (*p == '\0')
        return FALSE;
      if (*p == '*')
        return TRUE;
      if (p[0] == 'W' && p[1] == '/')
        {
          is_weak = TRUE;
          p += 2;
        }
      if (*p != '"' || (close = strchr (p + 1, '"')) == NULL)
        return FALSE;
      if ((weak || !is_weak) && (gsize) (close + 1 - p) == etag_len && memcmp (p, etag, etag_len) == 0)
        return TRUE;
      p = skip_ows (close + 1);
      if (*p != ',' && *p != '\0')
        return FALSE;
    }
}

/* An HTTP-date header as UNIX seconds, or FALSE when absent or unparsable. */
static gboolean
header_date (SoupMessageHeaders *request, const char *name, gint64 *out)
{
  const char *value = soup_message_headers_get_one (request, name);
  g_autoptr (GDateTime) date = value ? soup_date_time_new_from_http_string (value) : NULL;

  if (date == NULL)
    return FALSE;
  *out = g_date_time_to_unix (date);
  return TRUE;
}

typedef enum { RANGE_NONE, RANGE_SINGLE, RANGE_UNSATISFIABLE } RangeResult;

/* Digits to a number, saturating instead of overflowing. */
static const char *
parse_digits (const char *p, guint64 *out)
{
  guint64 value = 0;

  if (!g_ascii_isdigit (*p))
    return NULL;
  for (; g_ascii_isdigit (*p); p++)
    value = value > (G_MAXUINT64 - 9) / 10 ? G_MAXUINT64 : value * 10 + (guint64) (*p - '0');
  *out = value;
  return p;
}

/* One byte range of a representation of @size > 0 bytes. Several ranges or
 * invalid syntax are RANGE_NONE: the whole file is sent with 200. */
static RangeResult
parse_range (const char *value, guint64 size, guint64 *first, guint64 *last)
{
  const char *p = skip_ows (value);
  guint64 a = 0;
  guint64 b = G_MAXUINT64;

  if (g_ascii_strncasecmp (p, "bytes", 5) != 0)
    return RANGE_NONE;
  p = skip_ows (p + 5);
  if (*p++ != '=')
    return RANGE_NONE;
  p = skip_ows (p);
  if (*p == '-')
    {
      guint64 suffix;

      if ((p = parse_digits (p + 1, &suffix)) == NULL)
        return RANGE_NONE;
      if (*skip_ows (p) != '\0')
        return RANGE_NONE;
      if (suffix == 0)
        return RANGE_UNSATISFIABLE;
      *first = suffix >= size ? 0 : size - suffix;
      *last = size - 1;
      return RANGE_SINGLE;
    }
  if ((p = parse_digits (p, &a)) == NULL || *p++ != '-')
    return RANGE_NONE;
  if (g_ascii_isdigit (*p) && ((p = parse_digits (p, &b)) == NULL || b < a))
    return RANGE_NONE;
  if (*skip_ows (p) != '\0')
    return RANGE_NONE;
  if (a >= size)
    return RANGE_UNSATISFIABLE;
  *first = a;
  *last = MIN (b, size - 1);
  return RANGE_SINGLE;
}

/* If-Range holds an entity tag (strongly compared) or the exact Last-Modified. */
static gboolean
if_range_holds (SoupMessageHeaders *request, const char *etag, gint64 mtime)
{
  const char *value = soup_message_headers_get_one (request, "If-Range");
  gint64 date;

  if (value == NULL)
    return TRUE;
  value = skip_ows (value);
  if (value[0] == '"' || (value[0] == 'W' && value[1] == '/'))
    return etag_list_matches (value, etag, FALSE) && strchr (value, ',') == NULL;
  return header_date (request, "If-Range", &date) && date == mtime;
}

/* RFC 9110 section 13.2.2: the preconditions, in their order. 0 = proceed. */
static guint
evaluate_preconditions (SoupMessageHeaders *request, const char *etag, gint64 mtime)
{
  const char *if_match = soup_message_headers_get_list (request, "If-Match");
  const char *if_none_match = soup_message_headers_get_list (request, "If-None-Match");
  gint64 date;

  if (if_match != NULL)
    {
      if (!etag_list_matches (if_match, etag, FALSE))
        return SOUP_STATUS_PRECONDITION_FAILED;
    }
  else if (header_date (request, "If-Unmodified-Since", &date) && mtime > date)
    return SOUP_STATUS_PRECONDITION_FAILED;

  if (if_none_match != NULL)
    return etag_list_matches (if_none_match, etag, TRUE) ? SOUP_STATUS_NOT_MODIFIED : 0;
  if (header_date (request, "If-Modified-Since", &date) && mtime <= date)
    return SOUP_STATUS_NOT_MODIFIED;
  return 0;
}

static void
no_body (WebappHttpResponse *out, guint status)
{
  out->status = status;
  out->fd = -1;
  out->offset = 0;
  out->length = 0;
  out->send_body = FALSE;
}

/**
 * webapp_http_respond:
 * @method: the request method
 * @request: the request headers
 * @name: the file's name (of the identity file: it gives the Content-Type
 *   and the caching policy)
 * @encoding: which representation @fd is (identity or a precompressed sibling)
 * @fd: its descriptor, lent to @out (the caller keeps ownership)
 * @st: its stat
 * @out: (out caller-allocates): the decision
 *
 * Decides the answer to a GET or HEAD of a static file without doing any
 * I/O: validators, conditional requests (304/412), a single byte range
 * (206/416; If-Range), HEAD, and 405 for other methods.
 */
void
webapp_http_respond (const char *method, SoupMessageHeaders *request, const char *name,
                     WebappEncoding encoding, int fd, const struct stat *st,
                     WebappHttpResponse *out)
{
  g_autofree gchar *etag = webapp_http_etag (st);
  g_autofree gchar *last_modified = webapp_http_last_modified (st);

  webapp_http_respond_validated (method, request, name, encoding, fd, st, etag, last_modified, out);
}

/**
 * webapp_http_respond_validated:
 * @method: the request method
 * @request: the request headers
 * @name: the file's name, as for webapp_http_respond()
 * @encoding: which representation @fd is
 * @fd: its descriptor, lent to @out
 * @st: its stat
 * @etag: webapp_http_etag() of @st, computed earlier
 * @last_modified: (nullable): webapp_http_last_modified() of @st
 * @out: (out caller-allocates): the decision
 *
 * webapp_http_respond() with the validators given (kept from an earlier
 * request for the same version of the file).
 */
void
webapp_http_respond_validated (const char *method, SoupMessageHeaders *request, const char *name,
                               WebappEncoding encoding, int fd, const struct stat *st, const char *etag,
                               const char *last_modified, WebappHttpResponse *out)
{
  gboolean head = g_strcmp0 (method, "HEAD") == 0;
  guint64 size = (guint64) st->st_size;
  const char *range;
  guint64 first = 0;
  guint64 last = 0;
  guint status;

  out->headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  if (!head && g_strcmp0 (method, "GET") != 0)
    {
      no_body (out, SOUP_STATUS_METHOD_NOT_ALLOWED);
      soup_message_headers_append (out->headers, "Allow", "GET, HEAD");
      return;
    }

  soup_message_headers_append (out->headers, "ETag", etag);
  if (last_modified != NULL)
    soup_message_headers_append (out->headers, "Last-Modified", last_modified);
  soup_message_headers_append (out->headers, "Cache-Control", webapp_mime_cache_control (name));
  soup_message_headers_append (out->headers, "Vary", "Accept-Encoding");

  status = evaluate_preconditions (request, etag, st->st_mtim.tv_sec);
  if (status != 0)
    {
      no_body (out, status);
      return;
    }

  soup_message_headers_append (out->headers, "Content-Type", webapp_mime_content_type (name));
  soup_message_headers_append (out->headers, "X-Content-Type-Options", "nosniff");
  if (content_coding (encoding) != NULL)
    soup_message_headers_append (out->headers, "Content-Encoding", content_coding (encoding));
  soup_message_headers_append (out->headers, "Accept-Ranges", "bytes");

  out->status = SOUP_STATUS_OK;
  out->fd = fd;
  out->offset = 0;
  out->length = (goffset) size;
  out->send_body = !head;

  /* RFC 9110 14.2: Range is for GET only. */
  range = soup_message_headers_get_list (request, "Range");
  if (head || range == NULL || size == 0 || !if_range_holds (request, etag, st->st_mtim.tv_sec))
    return;
  switch (parse_range (range, size, &first, &last))
    {
    case RANGE_SINGLE:
      {
        g_autofree gchar *content_range = g_strdup_printf ("bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT
                                                           "/%" G_GUINT64_FORMAT, first, last, size);
        out->status = SOUP_STATUS_PARTIAL_CONTENT;
        out->offset = (goffset) first;
        out->length = (goffset) (last - first + 1);
        soup_message_headers_append (out->headers, "Content-Range", content_range);
        break;
      }
    case RANGE_UNSATISFIABLE:
      {
        g_autofree gchar *content_range = g_strdup_printf ("bytes */%" G_GUINT64_FORMAT, size);
        no_body (out, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE);
        soup_message_headers_append (out->headers, "Content-Range", content_range);
        break;
      }
    case RANGE_NONE:
    default:
      break;
    }
}

void
webapp_http_response_clear (WebappHttpResponse *response)
{
  g_clear_pointer (&response->headers, soup_message_headers_unref);
  response->fd = -1;
}
