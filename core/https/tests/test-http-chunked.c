/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "http-parser.h"

static void
collect (const char *data, gsize len, gpointer user_data)
{
  g_string_append_len (user_data, data, (gssize) len);
}

/* Feeds @body in pieces of @step bytes; returns the result of the last
 * feed, the payload, and the total bytes the decoder claimed. */
static PosternHttpChunkResult
feed_in_steps (const char *body, gsize len, gsize step, guint64 max_body,
               GString *payload, gsize *claimed, GError **error)
{
  PosternHttpChunkDecoder dec;
  PosternHttpChunkResult res = POSTERN_HTTP_CHUNK_MORE;
  gsize off = 0;

  postern_http_chunk_decoder_init (&dec, max_body, 400);
  *claimed = 0;
  while (off < len && res == POSTERN_HTTP_CHUNK_MORE)
    {
      gsize n = MIN (step, len - off);
      gsize consumed;

      res = postern_http_chunk_decoder_feed (&dec, body + off, n, &consumed, collect, payload, error);
      g_assert_cmpuint (consumed, <=, n);
      if (res == POSTERN_HTTP_CHUNK_MORE)
        g_assert_cmpuint (consumed, ==, n);
      *claimed += consumed;
      off += n;
    }
  if (res == POSTERN_HTTP_CHUNK_DONE)
    g_assert_cmpuint (postern_http_chunk_decoder_total (&dec), ==, payload->len);
  return res;
}

#define BODY(s) s, sizeof (s) - 1

static const struct {
  const char *name;
  const char *body;
  gsize       len;
  const char *payload;
  gsize       payload_len;
} good[] = {
  { "simple", BODY ("5\r\nhello\r\n0\r\n\r\n"), BODY ("hello") },
  { "two-chunks", BODY ("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"), BODY ("hello world") },
  { "hex-case", BODY ("a\r\n0123456789\r\nA\r\nabcdefghij\r\n0\r\n\r\n"), BODY ("0123456789abcdefghij") },
  { "leading-zeros", BODY ("0005\r\nhello\r\n000\r\n\r\n"), BODY ("hello") },
  { "extensions", BODY ("5;name=value;flag\r\nhello\r\n0;last=\"a;b\"\r\n\r\n"), BODY ("hello") },
  { "trailers", BODY ("5\r\nhello\r\n0\r\nX-Checksum: abc\r\nX-Other:\r\n\r\n"), BODY ("hello") },
  { "empty", BODY ("0\r\n\r\n"), BODY ("") },
  { "binary", BODY ("4\r\n\r\n\0\xff\r\n0\r\n\r\n"), BODY ("\r\n\0\xff") },
};

static void
test_good (gconstpointer data)
{
  guint i = GPOINTER_TO_UINT (data);
  const char *body = good[i].body;
  gsize len = good[i].len;
  g_autofree char *with_next = g_malloc (len + 4);

  memcpy (with_next, body, len);
  memcpy (with_next + len, "NEXT", 4);

  /* Every split of the input gives the same answer. */
  for (gsize step = 1; step <= len + 4; step++)
    {
      g_autoptr(GString) payload = g_string_new (NULL);
      g_autoptr(GError) error = NULL;
      gsize claimed;

      g_assert_cmpint (feed_in_steps (with_next, len + 4, step, 0, payload, &claimed, &error),
                       ==, POSTERN_HTTP_CHUNK_DONE);
      g_assert_no_error (error);
      g_assert_cmpuint (claimed, ==, len);
      g_assert_cmpmem (payload->str, payload->len, good[i].payload, good[i].payload_len);
    }
}

static const struct {
  const char *name;
  const char *body;
  guint       status;
} bad[] = {
  { "space-after-size", "5 \r\nhello\r\n0\r\n\r\n", 400 },
  { "space-before-size", " 5\r\nhello\r\n0\r\n\r\n", 400 },
  { "tab-before-ext", "5\t;a\r\nhello\r\n0\r\n\r\n", 400 },
  { "no-size", "\r\nhello\r\n0\r\n\r\n", 400 },
  { "ext-without-size", ";a\r\nhello\r\n0\r\n\r\n", 400 },
  { "non-hex", "g\r\n", 400 },
  { "negative", "-5\r\nhello\r\n0\r\n\r\n", 400 },
  { "0x-prefix", "0x5\r\nhello\r\n0\r\n\r\n", 400 },
  { "bare-lf-size", "5\nhello\r\n0\r\n\r\n", 400 },
  { "bare-cr-size", "5\rhello\r\n0\r\n\r\n", 400 },
  { "data-too-long", "5\r\nhelloX\r\n0\r\n\r\n", 400 },
  { "data-bare-lf", "5\r\nhello\n0\r\n\r\n", 400 },
  { "data-cr-only", "5\r\nhello\r0\r\n\r\n", 400 },
  { "overflow-17-digits", "10000000000000000\r\n", 400 },
  { "overflow-2-63", "8000000000000000\r\n", 400 },
  { "ext-ctl", "5;a\x01\r\nhello\r\n0\r\n\r\n", 400 },
  { "ext-bare-lf", "5;a\nhello\r\n0\r\n\r\n", 400 },
  { "trailer-obs-fold", "0\r\nX: a\r\n b\r\n\r\n", 400 },
  { "trailer-no-colon", "0\r\nX\r\n\r\n", 400 },
  { "trailer-space-name", "0\r\nX : a\r\n\r\n", 400 },
  { "trailer-bare-lf", "0\r\nX: a\n\r\n", 400 },
  { "trailer-ctl", "0\r\nX: a\x7f\r\n\r\n", 400 },
  { "end-bare-lf", "0\r\n\n", 400 },
  { "end-cr-junk", "0\r\n\rx", 400 },
  { "over-max-body", "10\r\n0123456789abcdef\r\n0\r\n\r\n", 413 },
  { "over-max-body-sum", "8\r\n01234567\r\n8\r\n89abcdef\r\n0\r\n\r\n", 413 },
  { "huge-declared", "7fffffffffffffff\r\n", 413 },
};

static void
test_bad (gconstpointer data)
{
  guint i = GPOINTER_TO_UINT (data);
  const char *body = bad[i].body;

  for (gsize step = 1; step <= strlen (body); step++)
    {
      g_autoptr(GString) payload = g_string_new (NULL);
      g_autoptr(GError) error = NULL;
      gsize claimed;

      g_assert_cmpint (feed_in_steps (body, strlen (body), step, 15, payload, &claimed, &error),
                       ==, POSTERN_HTTP_CHUNK_ERROR);
      g_assert_error (error, POSTERN_HTTP_ERROR, (gint) bad[i].status);
      g_assert_cmpuint (claimed, <=, strlen (body));
    }
}

static void
test_limits (void)
{
  g_autoptr(GString) body = g_string_new ("5");
  g_autoptr(GString) payload = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  gsize claimed;

  /* A size line padded out with an endless extension. */
  g_string_append_c (body, ';');
  for (int i = 0; i < 5000; i++)
    g_string_append_c (body, 'a');
  g_assert_cmpint (feed_in_steps (body->str, body->len, 1000, 0, payload, &claimed, &error),
                   ==, POSTERN_HTTP_CHUNK_ERROR);
  g_assert_error (error, POSTERN_HTTP_ERROR, 400);
  g_clear_error (&error);

  /* An endless trailer section. */
  g_string_assign (body, "0\r\n");
  for (int i = 0; i < 1000; i++)
    g_string_append (body, "X-Pad: 0123456789\r\n");
  g_assert_cmpint (feed_in_steps (body->str, body->len, 4096, 0, payload, &claimed, &error),
                   ==, POSTERN_HTTP_CHUNK_ERROR);
  g_assert_error (error, POSTERN_HTTP_ERROR, 431);
}

static void
test_sticky_error_and_done (void)
{
  PosternHttpChunkDecoder dec;
  g_autoptr(GError) error = NULL;
  gsize consumed;

  postern_http_chunk_decoder_init (&dec, 0, 502);
  g_assert_cmpint (postern_http_chunk_decoder_feed (&dec, "z", 1, &consumed, NULL, NULL, &error),
                   ==, POSTERN_HTTP_CHUNK_ERROR);
  g_assert_error (error, POSTERN_HTTP_ERROR, 502);
  g_clear_error (&error);
  g_assert_cmpint (postern_http_chunk_decoder_feed (&dec, "0\r\n\r\n", 5, &consumed, NULL, NULL, &error),
                   ==, POSTERN_HTTP_CHUNK_ERROR);
  g_assert_error (error, POSTERN_HTTP_ERROR, 502);
  g_clear_error (&error);

  /* Once done, nothing more belongs to the body. */
  postern_http_chunk_decoder_init (&dec, 0, 400);
  g_assert_cmpint (postern_http_chunk_decoder_feed (&dec, "0\r\n\r\n", 5, &consumed, NULL, NULL, &error),
                   ==, POSTERN_HTTP_CHUNK_DONE);
  g_assert_cmpuint (consumed, ==, 5);
  g_assert_cmpint (postern_http_chunk_decoder_feed (&dec, "GET", 3, &consumed, NULL, NULL, &error),
                   ==, POSTERN_HTTP_CHUNK_DONE);
  g_assert_cmpuint (consumed, ==, 0);
  g_assert_no_error (error);
}

static void
count_calls (const char *data, gsize len, gpointer user_data)
{
  (*(guint *) user_data)++;
}

/* Large chunks pass through in big spans, not byte by byte. */
static void
test_large_chunk_spans (void)
{
  PosternHttpChunkDecoder dec;
  g_autoptr(GError) error = NULL;
  g_autofree char *data = g_malloc0 (1 << 20);
  guint calls = 0;
  gsize consumed;

  postern_http_chunk_decoder_init (&dec, 0, 400);
  g_assert_cmpint (postern_http_chunk_decoder_feed (&dec, "100000\r\n", 8, &consumed, NULL, NULL, &error),
                   ==, POSTERN_HTTP_CHUNK_MORE);
  g_assert_cmpint (postern_http_chunk_decoder_feed (&dec, data, 1 << 20, &consumed,
                                                    count_calls, &calls, &error),
                   ==, POSTERN_HTTP_CHUNK_MORE);
  g_assert_cmpuint (consumed, ==, 1 << 20);
  g_assert_cmpuint (calls, ==, 1);
  g_assert_cmpint (postern_http_chunk_decoder_feed (&dec, "\r\n0\r\n\r\n", 7, &consumed, NULL, NULL, &error),
                   ==, POSTERN_HTTP_CHUNK_DONE);
  g_assert_cmpuint (postern_http_chunk_decoder_total (&dec), ==, 1 << 20);
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree char *path = g_strdup_printf ("/http-chunked/good/%s", good[i].name);
      g_test_add_data_func (path, GUINT_TO_POINTER (i), test_good);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *path = g_strdup_printf ("/http-chunked/bad/%s", bad[i].name);
      g_test_add_data_func (path, GUINT_TO_POINTER (i), test_bad);
    }
  g_test_add_func ("/http-chunked/limits", test_limits);
  g_test_add_func ("/http-chunked/sticky-error-and-done", test_sticky_error_and_done);
  g_test_add_func ("/http-chunked/large-chunk-spans", test_large_chunk_spans);
  return g_test_run ();
}
