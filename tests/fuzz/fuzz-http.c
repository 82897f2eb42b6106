/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness for the HTTPS front's HTTP/1.1 framing: request and
 * response heads and the chunked decoder, with self-consistency checks
 * (a parse never claims bytes it was not given; a head parsed from the
 * whole input parses the same from exactly its own bytes; chunked input
 * decodes the same however it is split). */
#include <glib.h>
#include <string.h>

#include "http-parser.h"

static const PosternHttpLimits limits = { .max_head = 8192, .max_body = 1 << 20 };

static void
check_request (const char *data, gsize size)
{
  PosternHttpRequest req;
  PosternHttpRequest again;
  GError *error = NULL;
  gboolean ok = postern_http_parse_request (data, size, &limits, &req, &error);

  if (ok)
    {
      g_assert (req.head_length <= size && req.head_length <= limits.max_head);
      g_assert (req.method != NULL && req.target != NULL && req.headers != NULL);
      g_assert (req.body != POSTERN_HTTP_BODY_UNTIL_CLOSE);
      g_assert (req.body != POSTERN_HTTP_BODY_LENGTH || req.content_length > 0);
      g_assert (req.version == SOUP_HTTP_1_0 || req.host != NULL);
      g_assert (postern_http_parse_request (data, req.head_length, &limits, &again, NULL));
      g_assert (again.body == req.body && again.content_length == req.content_length &&
                again.keep_alive == req.keep_alive && again.websocket == req.websocket);
      postern_http_request_clear (&again);
      /* One byte short is never a complete head. */
      g_assert (!postern_http_parse_request (data, req.head_length - 1, &limits, &again, &error));
      g_assert (error == NULL);
      postern_http_request_clear (&again);
    }
  else if (error != NULL)
    {
      g_assert (error->domain == POSTERN_HTTP_ERROR);
      g_assert (error->code >= 400 && error->code < 600);
      g_clear_error (&error);
    }
  postern_http_request_clear (&req);
}

/* Each field of a parsed answer: a non-empty token, then a value of one
 * line without surrounding whitespace. */
static void
check_field (const char *name, const char *value, gpointer user_data)
{
  gsize value_len = strlen (value);

  g_assert (name[0] != '\0' && strpbrk (name, ": \t\r\n") == NULL);
  g_assert (strpbrk (value, "\r\n") == NULL);
  g_assert (value_len == 0 || (value[0] != ' ' && value[0] != '\t' && value[value_len - 1] != ' ' &&
                               value[value_len - 1] != '\t'));
  (*(guint *) user_data)++;
}

/* As many fields as the head has lines between the status line and the
 * blank line, and the Connection values as get_list() joins them. */
static void
check_fields (const char *data, const PosternHttpResponse *resp)
{
  guint fields = 0;
  guint lines = 0;
  g_autofree char *connection = postern_http_response_get_list (resp, "Connection");

  for (gsize i = 0; i < resp->head_length; i++)
    lines += data[i] == '\n';
  postern_http_response_foreach (resp, check_field, &fields);
  g_assert (fields == lines - 2);
  g_assert (g_strcmp0 (connection, resp->connection) == 0);
}

static void
check_response (const char *data, gsize size, const char *method)
{
  PosternHttpResponse resp;
  GError *error = NULL;

  if (postern_http_parse_response (data, size, &limits, method, &resp, &error))
    {
      g_assert (resp.head_length <= size);
      g_assert (resp.status >= 100 && resp.status <= 599);
      g_assert (resp.body != POSTERN_HTTP_BODY_UNTIL_CLOSE || !resp.keep_alive);
      g_assert (g_strcmp0 (method, "HEAD") != 0 || resp.body == POSTERN_HTTP_BODY_NONE);
      check_fields (data, &resp);
    }
  else if (error != NULL)
    {
      g_assert (error->code == 502);
      g_clear_error (&error);
    }
  postern_http_response_clear (&resp);
}

static void
count (const char *data, gsize len, gpointer user_data)
{
  *(guint64 *) user_data += len;
}

static void
check_chunked (const char *data, gsize size)
{
  PosternHttpChunkDecoder whole;
  PosternHttpChunkDecoder split;
  guint64 whole_bytes = 0;
  guint64 split_bytes = 0;
  gsize cut = size > 0 ? (guchar) data[0] % (size + 1) : 0;
  gsize whole_used;
  gsize used1;
  gsize used2 = 0;
  PosternHttpChunkResult r_whole;
  PosternHttpChunkResult r_split;
  GError *error = NULL;

  postern_http_chunk_decoder_init (&whole, limits.max_body, 400);
  r_whole = postern_http_chunk_decoder_feed (&whole, data, size, &whole_used, count, &whole_bytes, &error);
  g_assert (whole_used <= size);
  g_assert ((r_whole == POSTERN_HTTP_CHUNK_ERROR) == (error != NULL));
  g_assert (r_whole != POSTERN_HTTP_CHUNK_MORE || whole_used == size);
  g_clear_error (&error);

  postern_http_chunk_decoder_init (&split, limits.max_body, 400);
  r_split = postern_http_chunk_decoder_feed (&split, data, cut, &used1, count, &split_bytes, &error);
  if (r_split == POSTERN_HTTP_CHUNK_MORE)
    r_split = postern_http_chunk_decoder_feed (&split, data + cut, size - cut, &used2, count,
                                               &split_bytes, &error);
  g_clear_error (&error);

  g_assert (r_split == r_whole);
  if (r_whole != POSTERN_HTTP_CHUNK_ERROR)
    {
      g_assert (used1 + used2 == whole_used);
      g_assert (split_bytes == whole_bytes);
    }
}

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  const char *text = (const char *) data;

  check_request (text, size);
  check_response (text, size, "GET");
  check_response (text, size, "HEAD");
  check_chunked (text, size);
  return 0;
}
