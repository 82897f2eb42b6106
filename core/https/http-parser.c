/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "http-parser.h"

#include <string.h>

#include "http-syntax.h"

G_DEFINE_QUARK (postern-http-error-quark, postern_http_error)

#define UPSTREAM_FAULT 502

static gboolean
fail (GError **error, guint status, const char *message)
{
  g_set_error_literal (error, POSTERN_HTTP_ERROR, (gint) status, message);
  return FALSE;
}

/* The first CRLF CRLF in @buf: a memchr() per line, where memmem() pays
 * a set-up per call that costs more than a whole head. */
static const char *
find_blank_line (const char *buf, gsize len)
{
  const char *end = buf + len;

  if (len < 4)
    return NULL;
  for (const char *lf = buf + 3; lf < end; lf++)
    {
      lf = memchr (lf, '\n', (gsize) (end - lf));
      if (lf == NULL)
        return NULL;
      if (lf[-1] == '\r' && lf[-2] == '\n' && lf[-3] == '\r')
        return lf - 3;
    }
  return NULL;
}

gboolean
postern_http_find_head_end (const char *buf, gsize len, gsize from, gsize max_head,
                            gsize *head_length, GError **error)
{
  gsize limit = MIN (len, max_head);
  const char *end;

  /* The terminator may straddle the previous scan's end. */
  from = from > 3 ? from - 3 : 0;
  if (from < limit)
    {
      end = find_blank_line (buf + from, limit - from);
      if (end != NULL)
        {
          *head_length = (gsize) (end - buf) + 4;
          return TRUE;
        }
    }
  if (len >= max_head)
    return fail (error, 431, "Request header fields too large");
  return FALSE;
}

/* Calls @func for each element of a comma-separated @list, with its
 * length, whitespace trimmed; stops when @func returns TRUE. */
static gboolean
list_find (const char *list, gboolean (*func) (const char *elem, gsize len, gpointer data), gpointer data)
{
  const char *p = list;

  while (*p != '\0')
    {
      const char *start;
      const char *end;

      while (*p == ' ' || *p == '\t' || *p == ',')
        p++;
      start = p;
      while (*p != '\0' && *p != ',')
        p++;
      end = p;
      while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
      if (end > start && func (start, (gsize) (end - start), data))
        return TRUE;
    }
  return FALSE;
}

typedef struct {
  const char *token;
  gsize       len;
} TokenLookup;

static gboolean
elem_is_token (const char *elem, gsize len, gpointer data)
{
  const TokenLookup *t = data;

  return len == t->len && postern_http_ascii_equal_n (elem, t->token, len);
}

gboolean
postern_http_list_has_token (const char *list, const char *token)
{
  TokenLookup t = { token, strlen (token) };

  return list_find (list, elem_is_token, &t);
}

/* Why a field line stopped at @c, which is not the CRLF ending it. */
static gboolean
field_line_fault (const char *c, guint status, GError **error)
{
  switch (*c)
    {
    case '\n':
      return fail (error, status, "Line not terminated by CRLF");
    case '\r':
      return fail (error, status, "Bare CR in message head");
    case '\0':
      return fail (error, status, "NUL in message head");
    default:
      return fail (error, status, "Invalid character in header value");
    }
}

#define BYTES_OF(b) (0x0101010101010101u * (b))

/* Past the bytes from @p allowed in a field value (VCHAR, obs-text, SP,
 * HTAB), stopping at @end. Values are most of a head: eight bytes are
 * checked at once while none is a control character or DEL (a word with
 * a tab takes the byte loop). */
static const char *
skip_field_chars (const char *p, const char *end)
{
  while (end - p >= 8)
    {
      guint64 w;
      guint64 del;

      memcpy (&w, p, sizeof w);
      del = w ^ BYTES_OF (0x7f);
      /* a byte below 0x20, or a byte equal to 0x7f (zero in del) */
      if ((((w - BYTES_OF (0x20)) & ~w) | ((del - BYTES_OF (0x01)) & ~del)) & BYTES_OF (0x80))
        break;
      p += 8;
    }
  while (p < end && postern_http_is_field_char ((guchar) *p))
    p++;
  return p;
}

/* Every line of the head ends in CRLF, with no other CR, LF or NUL. Field
 * lines are `token ":" value` with no whitespace before the colon and no
 * obs-fold, checked in one pass over each byte. Returns the length of the
 * start line (without its CRLF). @head ends with the blank line, which
 * stops every scan. */
static gboolean
check_head_bytes (const char *head, gsize head_length, guint status, gsize *start_line_len,
                  GError **error)
{
  const char *end = head + head_length;
  const char *lf = memchr (head, '\n', head_length);
  const char *p;

  if (lf == NULL || lf == head || lf[-1] != '\r')
    return fail (error, status, "Line not terminated by CRLF");
  if (memchr (head, '\r', (gsize) (lf - 1 - head)) != NULL)
    return fail (error, status, "Bare CR in message head");
  if (memchr (head, '\0', (gsize) (lf - 1 - head)) != NULL)
    return fail (error, status, "NUL in message head");
  *start_line_len = (gsize) (lf - 1 - head);

  for (p = lf + 1; p < end; )
    {
      const char *c = p;

      if (*p == '\r')
        {
          /* The blank line: find_head_end puts it last. */
          if (p + 1 < end && p[1] == '\n')
            return p + 2 == end ? TRUE : fail (error, status, "Data after the blank line");
          return fail (error, status, "Bare CR in message head");
        }
      if (*p == ' ' || *p == '\t')
        return fail (error, status, "Obsolete line folding in header");
      while (postern_http_is_tchar ((guchar) *c))
        c++;
      if (*c != ':')
        {
          if (*c == ' ' || *c == '\t')
            return fail (error, status, "Whitespace before colon in header");
          if (*c == '\r' || *c == '\n')
            return fail (error, status, "Header line without colon");
          return *c == '\0' ? field_line_fault (c, status, error)
                             : fail (error, status, "Invalid character in header name");
        }
      if (c == p)
        return fail (error, status, "Empty header name");
      c = skip_field_chars (c + 1, end);
      if (c + 1 >= end || c[0] != '\r' || c[1] != '\n')
        return field_line_fault (c, status, error);
      p = c + 2;
    }
  return fail (error, status, "Message head without blank line");
}

/* "HTTP/1.1" -> 1, "HTTP/1.0" -> 0; another well-formed version -> 505
 * (requests) ; anything else -> 400. */
static gboolean
check_version (const char *v, gsize len, guint bad_status, guint unsupported_status,
               GError **error)
{
  if (len != 8 || memcmp (v, "HTTP/", 5) != 0 || !g_ascii_isdigit (v[5]) || v[6] != '.' ||
      !g_ascii_isdigit (v[7]))
    return fail (error, bad_status, "Malformed HTTP version");
  if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
    return fail (error, unsupported_status, "HTTP version not supported");
  return TRUE;
}

/* The request line's two spaces go to @sp1 and @sp2. */
static gboolean
check_request_line (const char *line, gsize len, const char **sp1_out, const char **sp2_out, GError **error)
{
  const char *end = line + len;
  const char *sp1;
  const char *sp2;
  const char *c;

  for (c = line; c < end && postern_http_is_tchar ((guchar) *c); c++)
    ;
  if (c == line || c == end || *c != ' ')
    return fail (error, 400, "Malformed request line");
  sp1 = c;
  for (c = sp1 + 1; c < end && *c > 0x20 && *c < 0x7f; c++)
    ;
  if (c == sp1 + 1 || c == end || *c != ' ')
    return fail (error, 400, "Malformed request line");
  sp2 = c;
  if (!check_version (sp2 + 1, (gsize) (end - sp2 - 1), 400, 505, error))
    return FALSE;
  *sp1_out = sp1;
  *sp2_out = sp2;

  if ((gsize) (sp1 - line) == 7 && memcmp (line, "CONNECT", 7) == 0)
    return fail (error, 501, "CONNECT is not supported");
  if (sp1[1] == '*' && sp2 == sp1 + 2)
    {
      if ((gsize) (sp1 - line) != 7 || memcmp (line, "OPTIONS", 7) != 0)
        return fail (error, 400, "Asterisk target outside OPTIONS");
      return TRUE;
    }
  if (sp1[1] != '/')
    return fail (error, 400, "Only origin-form request targets are accepted");
  if (memchr (sp1 + 1, '#', (gsize) (sp2 - sp1 - 1)) != NULL)
    return fail (error, 400, "Fragment in request target");
  return TRUE;
}

static gboolean
check_status_line (const char *line, gsize len, GError **error)
{
  if (len < 12 || line[8] != ' ')
    return fail (error, UPSTREAM_FAULT, "Malformed status line");
  if (!check_version (line, 8, UPSTREAM_FAULT, UPSTREAM_FAULT, error))
    return FALSE;
  if (!g_ascii_isdigit (line[9]) || !g_ascii_isdigit (line[10]) || !g_ascii_isdigit (line[11]) ||
      line[9] < '1' || line[9] > '5')
    return fail (error, UPSTREAM_FAULT, "Malformed status code");
  /* The reason phrase is optional, and so (in practice) is its space. */
  if (len > 12 && line[12] != ' ')
    return fail (error, UPSTREAM_FAULT, "Malformed status line");
  for (gsize i = 13; i < len; i++)
    if (!postern_http_is_field_char ((guchar) line[i]))
      return fail (error, UPSTREAM_FAULT, "Invalid character in reason phrase");
  return TRUE;
}

/* What the framing decision needs from the header table, in one pass. */
typedef struct {
  guint        host_count;
  const char  *host;
  gboolean     has_length;
  guint64      length;
  char        *codings;   /* all Transfer-Encoding values, comma-joined */
  gboolean     conn_close;
  gboolean     conn_keep_alive;
  gboolean     conn_upgrade;
  gboolean     upgrade_websocket;
  const char  *expect;
  guint        expect_count;
  gboolean     want_connection;
  char        *connection_values; /* with want_connection: the Connection values, joined */
} HeaderFacts;

/* The connection options the framing depends on; every other element
 * names a hop-by-hop field, which the proxy looks up itself. */
static gboolean
note_connection_option (const char *elem, gsize len, gpointer data)
{
  HeaderFacts *f = data;

  switch (len)
    {
    case sizeof "close" - 1:
      f->conn_close |= postern_http_ascii_equal_n (elem, "close", len);
      break;
    case sizeof "keep-alive" - 1:
      f->conn_keep_alive |= postern_http_ascii_equal_n (elem, "keep-alive", len);
      break;
    case sizeof "upgrade" - 1:
      f->conn_upgrade |= postern_http_ascii_equal_n (elem, "upgrade", len);
      break;
    default:
      break;
    }
  return FALSE;
}

static gboolean
parse_length (const char *value, guint64 *out)
{
  guint64 n = 0;

  if (*value == '\0')
    return FALSE;
  for (const char *c = value; *c != '\0'; c++)
    {
      guint d;

      if (!g_ascii_isdigit (*c))
        return FALSE;
      d = (guint) (*c - '0');
      if (n > ((guint64) G_MAXINT64 - d) / 10)
        return FALSE;
      n = n * 10 + d;
    }
  *out = n;
  return TRUE;
}

/* @value added to the list *@list (NULL: empty so far) after
 * @separator: the values of a repeated field, joined. */
static void
join_value (char **list, const char *value, const char *separator)
{
  char *joined = *list == NULL ? g_strdup (value) : g_strconcat (*list, separator, value, NULL);

  g_free (*list);
  *list = joined;
}

/* One field of the head into @f. */
static gboolean
collect_fact (HeaderFacts *f, const char *name, gsize name_len, const char *value, guint status,
              GError **error)
{
  /* the names looked for all differ in length: one comparison at most per
   * field, none for the others */
  switch (name_len)
    {
    case sizeof "Content-Length" - 1:
      if (postern_http_ascii_equal_n (name, "Content-Length", name_len))
        {
          guint64 n;

          if (!parse_length (value, &n))
            return fail (error, status, "Invalid Content-Length");
          if (f->has_length && n != f->length)
            return fail (error, status, "Conflicting Content-Length values");
          f->has_length = TRUE;
          f->length = n;
        }
      break;
    case sizeof "Transfer-Encoding" - 1:
      if (postern_http_ascii_equal_n (name, "Transfer-Encoding", name_len))
        {
          join_value (&f->codings, value, ",");
        }
      break;
    case sizeof "Host" - 1:
      if (postern_http_ascii_equal_n (name, "Host", name_len))
        {
          f->host_count++;
          f->host = value;
        }
      break;
    case sizeof "Connection" - 1:
      if (postern_http_ascii_equal_n (name, "Connection", name_len))
        {
          list_find (value, note_connection_option, f);
          if (f->want_connection)
            join_value (&f->connection_values, value, ", ");
        }
      break;
    case sizeof "Upgrade" - 1:
      if (postern_http_ascii_equal_n (name, "Upgrade", name_len))
        f->upgrade_websocket |= postern_http_list_has_token (value, "websocket");
      break;
    case sizeof "Expect" - 1:
      if (postern_http_ascii_equal_n (name, "Expect", name_len))
        {
          f->expect = value;
          f->expect_count++;
        }
      break;
    default:
      break;
    }
  return TRUE;
}

static gboolean
collect_facts (SoupMessageHeaders *headers, guint status, HeaderFacts *f, GError **error)
{
  SoupMessageHeadersIter iter;
  const char *name;
  const char *value;

  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    if (!collect_fact (f, name, strlen (name), value, status, error))
      return FALSE;
  return TRUE;
}

typedef enum {
  CODINGS_CHUNKED,      /* chunked is the final coding */
  CODINGS_NOT_CHUNKED,  /* valid codings, chunked absent */
} Codings;

/* Transfer codings we know the name of; they change nothing for framing. */
static gboolean
coding_is_known (const char *name, gsize len)
{
  static const char *const known[] = { "gzip", "x-gzip", "deflate", "compress", "x-compress" };

  for (gsize i = 0; i < G_N_ELEMENTS (known); i++)
    if (strlen (known[i]) == len && g_ascii_strncasecmp (name, known[i], len) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
parse_codings (const char *list, guint bad, guint unknown, Codings *out, GError **error)
{
  const char *p = list;
  gboolean chunked_seen = FALSE;

  for (;;)
    {
      const char *start;
      const char *end;

      while (*p == ' ' || *p == '\t')
        p++;
      start = p;
      while (postern_http_is_tchar ((guchar) *p))
        p++;
      end = p;
      while (*p == ' ' || *p == '\t')
        p++;
      if (end == start)
        return fail (error, bad, "Empty transfer coding");
      if (*p != ',' && *p != '\0')
        return fail (error, unknown, "Transfer coding parameters are not supported");
      if (chunked_seen)
        return fail (error, bad, "Transfer coding after chunked");
      if ((gsize) (end - start) == 7 && g_ascii_strncasecmp (start, "chunked", 7) == 0)
        chunked_seen = TRUE;
      else if (!coding_is_known (start, (gsize) (end - start)))
        return fail (error, unknown, "Unknown transfer coding");
      if (*p == '\0')
        break;
      p++;
    }
  *out = chunked_seen ? CODINGS_CHUNKED : CODINGS_NOT_CHUNKED;
  return TRUE;
}

static gboolean
is_host_char (char c)
{
  switch (c)
    {
    case '-': case '.': case '_': case '~': case '!': case '$': case '&': case '\'': case '(': case ')':
    case '*': case '+': case ',': case ';': case '=': case '%': case ':': case '[': case ']':
      return TRUE;
    default:
      return g_ascii_isalnum (c);
    }
}

/* reg-name or IP-literal, with an optional port: no userinfo, path or space. */
static gboolean
host_is_valid (const char *host)
{
  if (*host == '\0')
    return FALSE;
  for (const char *c = host; *c != '\0'; c++)
    if (!is_host_char (*c))
      return FALSE;
  return TRUE;
}

static gboolean
request_semantics (PosternHttpRequest *req, const PosternHttpLimits *limits,
                   HeaderFacts *f, GError **error)
{
  gboolean http11 = req->version == SOUP_HTTP_1_1;
  Codings codings;

  if (f->host_count > 1)
    return fail (error, 400, "More than one Host header");
  if (http11 && f->host_count == 0)
    return fail (error, 400, "Host header required");
  if (f->host_count == 1 && !host_is_valid (f->host))
    return fail (error, 400, "Invalid Host header");
  req->host = f->host;

  if (f->codings != NULL)
    {
      if (!http11)
        return fail (error, 400, "Transfer-Encoding in an HTTP/1.0 request");
      if (f->has_length)
        return fail (error, 400, "Both Content-Length and Transfer-Encoding");
      if (!parse_codings (f->codings, 400, 501, &codings, error))
        return FALSE;
      if (codings != CODINGS_CHUNKED)
        return fail (error, 400, "Final transfer coding is not chunked");
      req->body = POSTERN_HTTP_BODY_CHUNKED;
    }
  else if (f->has_length && f->length > 0)
    {
      if (limits->max_body != 0 && f->length > limits->max_body)
        return fail (error, 413, "Request body too large");
      req->body = POSTERN_HTTP_BODY_LENGTH;
      req->content_length = f->length;
    }
  else
    req->body = POSTERN_HTTP_BODY_NONE;

  if (f->expect_count > 1 ||
      (f->expect != NULL && g_ascii_strcasecmp (f->expect, "100-continue") != 0))
    return fail (error, 417, "Unsupported expectation");
  req->expect_continue = f->expect != NULL && http11;

  req->keep_alive = http11 ? !f->conn_close : (f->conn_keep_alive && !f->conn_close);
  req->websocket = http11 && f->conn_upgrade && f->upgrade_websocket &&
                   g_str_equal (req->method, "GET");
  if (req->websocket && req->body != POSTERN_HTTP_BODY_NONE)
    return fail (error, 400, "WebSocket upgrade request with a body");
  return TRUE;
}

gboolean
postern_http_parse_request (const char *buf, gsize len, const PosternHttpLimits *limits,
                            PosternHttpRequest *req, GError **error)
{
  gsize head_length;

  memset (req, 0, sizeof *req);
  if (!postern_http_find_head_end (buf, len, 0, limits->max_head, &head_length, error))
    return FALSE;
  return postern_http_parse_request_head (buf, head_length, limits, req, error);
}

gboolean
postern_http_parse_request_head (const char *buf, gsize head_length, const PosternHttpLimits *limits,
                                 PosternHttpRequest *req, GError **error)
{
  gsize start_len;
  const char *sp1;
  const char *sp2;
  HeaderFacts facts = { 0 };
  gboolean ok;

  memset (req, 0, sizeof *req);
  if (!check_head_bytes (buf, head_length, 400, &start_len, error) ||
      !check_request_line (buf, start_len, &sp1, &sp2, error))
    return FALSE;

  /* The request line is checked above, more strictly than libsoup's
   * request parser would; the fields go through libsoup's header parser
   * into its table, which plugins read. */
  req->head_length = head_length;
  req->method = g_strndup (buf, (gsize) (sp1 - buf));
  req->target = g_strndup (sp1 + 1, (gsize) (sp2 - sp1 - 1));
  req->version = buf[start_len - 1] == '1' ? SOUP_HTTP_1_1 : SOUP_HTTP_1_0;
  req->headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  if (!soup_headers_parse (buf, (int) head_length, req->headers))
    return fail (error, 400, "Malformed request head");

  ok = collect_facts (req->headers, 400, &facts, error) &&
       request_semantics (req, limits, &facts, error);
  g_free (facts.codings);
  return ok;
}

void
postern_http_request_clear (PosternHttpRequest *req)
{
  g_clear_pointer (&req->method, g_free);
  g_clear_pointer (&req->target, g_free);
  g_clear_pointer (&req->headers, soup_message_headers_unref);
  req->host = NULL;
}

static gboolean
response_semantics (PosternHttpResponse *resp, const char *request_method,
                    HeaderFacts *f, GError **error)
{
  gboolean http11 = resp->version == SOUP_HTTP_1_1;
  guint s = resp->status;
  Codings codings = CODINGS_NOT_CHUNKED;

  if (f->codings != NULL)
    {
      if (!http11)
        return fail (error, UPSTREAM_FAULT, "Transfer-Encoding in an HTTP/1.0 response");
      if (f->has_length)
        return fail (error, UPSTREAM_FAULT, "Both Content-Length and Transfer-Encoding");
      if (!parse_codings (f->codings, UPSTREAM_FAULT, UPSTREAM_FAULT, &codings, error))
        return FALSE;
    }
  resp->keep_alive = http11 ? !f->conn_close : (f->conn_keep_alive && !f->conn_close);
  if (f->has_length)
    resp->declared_length = (gint64) f->length;

  if (s == 101)
    {
      resp->upgrade = TRUE;
      resp->keep_alive = FALSE;
      resp->body = POSTERN_HTTP_BODY_NONE;
    }
  else if (s < 200)
    {
      resp->interim = TRUE;
      resp->body = POSTERN_HTTP_BODY_NONE;
    }
  else if (s == 204 || s == 304 || g_strcmp0 (request_method, "HEAD") == 0)
    resp->body = POSTERN_HTTP_BODY_NONE;
  else if (f->codings != NULL && codings == CODINGS_CHUNKED)
    resp->body = POSTERN_HTTP_BODY_CHUNKED;
  else if (f->codings == NULL && f->has_length)
    {
      resp->body = f->length > 0 ? POSTERN_HTTP_BODY_LENGTH : POSTERN_HTTP_BODY_NONE;
      resp->content_length = f->length;
    }
  else
    {
      resp->body = POSTERN_HTTP_BODY_UNTIL_CLOSE;
      resp->keep_alive = FALSE;
    }
  return TRUE;
}

/* The field lines of a checked head (after the status line, without the
 * blank line), copied and cut in place: each `name:OWS value OWS CRLF`
 * becomes `name NUL` then the value ended by a NUL where its trailing
 * whitespace began; only the line's LF stays as it was. */
static gboolean
split_fields (PosternHttpResponse *resp, const char *lines, gsize len, HeaderFacts *facts,
              GError **error)
{
  char *p;
  char *end;

  resp->fields = g_malloc (len + 1);
  resp->fields_length = len;
  memcpy (resp->fields, lines, len);
  resp->fields[len] = '\0';
  p = resp->fields;
  end = p + len;
  while (p < end)
    {
      char *lf = memchr (p, '\n', (gsize) (end - p));
      char *colon = memchr (p, ':', (gsize) (lf - p));
      char *value = colon + 1;
      char *value_end = lf - 1;

      *colon = '\0';
      while (*value == ' ' || *value == '\t')
        value++;
      while (value_end > value && (value_end[-1] == ' ' || value_end[-1] == '\t'))
        value_end--;
      *value_end = '\0';
      if (!collect_fact (facts, p, (gsize) (colon - p), value, UPSTREAM_FAULT, error))
        return FALSE;
      p = lf + 1;
    }
  return TRUE;
}

gboolean
postern_http_parse_response (const char *buf, gsize len, const PosternHttpLimits *limits,
                             const char *request_method, PosternHttpResponse *resp,
                             GError **error)
{
  gsize head_length;
  g_autoptr(GError) local = NULL;

  memset (resp, 0, sizeof *resp);
  if (!postern_http_find_head_end (buf, len, 0, limits->max_head, &head_length, &local))
    {
      if (local == NULL)
        return FALSE;
      return fail (error, UPSTREAM_FAULT, "Upstream response head too large");
    }
  return postern_http_parse_response_head (buf, head_length, request_method, resp, error);
}

gboolean
postern_http_parse_response_head (const char *buf, gsize head_length, const char *request_method,
                                  PosternHttpResponse *resp, GError **error)
{
  gsize start_len;
  HeaderFacts facts = { 0 };
  gboolean ok;

  memset (resp, 0, sizeof *resp);
  resp->declared_length = -1;
  if (!check_head_bytes (buf, head_length, UPSTREAM_FAULT, &start_len, error) ||
      !check_status_line (buf, start_len, error))
    return FALSE;

  resp->head_length = head_length;
  resp->version = buf[7] == '1' ? SOUP_HTTP_1_1 : SOUP_HTTP_1_0;
  resp->status = (guint) ((buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0'));
  facts.want_connection = TRUE;
  ok = split_fields (resp, buf + start_len + 2, head_length - start_len - 4, &facts, error) &&
       response_semantics (resp, request_method, &facts, error);
  if (ok)
    resp->connection = g_steal_pointer (&facts.connection_values);
  g_free (facts.connection_values);
  g_free (facts.codings);
  return ok;
}

void
postern_http_response_clear (PosternHttpResponse *resp)
{
  g_clear_pointer (&resp->fields, g_free);
  g_clear_pointer (&resp->connection, g_free);
}

void
postern_http_response_foreach (const PosternHttpResponse *resp, PosternHttpFieldFunc func,
                               gpointer user_data)
{
  const char *p = resp->fields;
  const char *end = p + resp->fields_length;

  while (p < end)
    {
      const char *name = p;
      const char *value = name + strlen (name) + 1;
      const char *value_end;

      while (*value == ' ' || *value == '\t')
        value++;
      value_end = value + strlen (value);
      func (name, value, user_data);
      p = (const char *) memchr (value_end, '\n', (gsize) (end - value_end)) + 1;
    }
}

typedef struct {
  const char *name;
  char       *joined;
} ListLookup;

static void
join_values (const char *name, const char *value, gpointer user_data)
{
  ListLookup *lookup = user_data;

  if (g_ascii_strcasecmp (name, lookup->name) == 0)
    join_value (&lookup->joined, value, ", ");
}

char *
postern_http_response_get_list (const PosternHttpResponse *resp, const char *name)
{
  ListLookup lookup = { name, NULL };

  postern_http_response_foreach (resp, join_values, &lookup);
  return lookup.joined;
}
