/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "http-parser.h"

static const PosternHttpLimits limits = { .max_head = 8192, .max_body = 15 * 1024 * 1024 };

/* Every head the parser must refuse, with the status it must answer. Each
 * is a way a front and a back end have been made to disagree on framing. */
static const struct {
  const char *name;
  const char *head;
  guint       status;
} bad_requests[] = {
  { "bare-lf", "GET / HTTP/1.1\nHost: a\r\n\r\n", 400 },
  { "bare-lf-header", "GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n", 400 },
  { "bare-cr", "GET / HTTP/1.1\r\nHost: a\rX: y\r\n\r\n", 400 },
  { "nul-in-value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n", 400 },
  { "nul-in-target", "GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
  { "ctl-in-value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x01" "b\r\n\r\n", 400 },
  { "del-in-value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f" "b\r\n\r\n", 400 },
  { "obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", 400 },
  { "obs-fold-tab", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n\tb\r\n\r\n", 400 },
  { "fold-first-header", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400 },
  { "space-before-colon", "GET / HTTP/1.1\r\nHost: a\r\nContent-Length : 5\r\n\r\nhello", 400 },
  { "tab-before-colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", 400 },
  { "no-colon", "GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", 400 },
  { "empty-name", "GET / HTTP/1.1\r\nHost: a\r\n: x\r\n\r\n", 400 },
  { "bad-name-char", "GET / HTTP/1.1\r\nHost: a\r\nX(y): z\r\n\r\n", 400 },
  { "leading-crlf", "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
  { "double-space", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
  { "trailing-space", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400 },
  { "tab-separator", "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
  { "no-version", "GET /\r\nHost: a\r\n\r\n", 400 },
  { "lowercase-version", "GET / http/1.1\r\nHost: a\r\n\r\n", 400 },
  { "version-junk", "GET / HTTP/1.1x\r\nHost: a\r\n\r\n", 400 },
  { "http2-version", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505 },
  { "http12-version", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505 },
  { "http09-version", "GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505 },
  { "bad-method", "G@T / HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
  { "absolute-form", "GET http://evil/ HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
  { "authority-form", "CONNECT node:443 HTTP/1.1\r\nHost: node:443\r\n\r\n", 501 },
  { "asterisk-not-options", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
  { "fragment", "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
  { "non-ascii-target", "GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
  { "no-host", "GET / HTTP/1.1\r\nX: y\r\n\r\n", 400 },
  { "two-hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400 },
  { "two-hosts-same", "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", 400 },
  { "empty-host", "GET / HTTP/1.1\r\nHost: \r\n\r\n", 400 },
  { "host-userinfo", "GET / HTTP/1.1\r\nHost: user@node\r\n\r\n", 400 },
  { "host-path", "GET / HTTP/1.1\r\nHost: node/x\r\n\r\n", 400 },
  { "host-space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400 },
  { "cl-negative", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400 },
  { "cl-plus", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", 400 },
  { "cl-hex", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n", 400 },
  { "cl-empty", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n", 400 },
  { "cl-inner-space", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", 400 },
  { "cl-list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n", 400 },
  { "cl-conflict", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400 },
  { "cl-overflow", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 18446744073709551617\r\n\r\n", 400 },
  { "cl-int64-overflow", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775808\r\n\r\n", 400 },
  { "cl-too-big", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 15728641\r\n\r\n", 413 },
  { "cl-and-te", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400 },
  { "te-and-cl", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400 },
  { "te-not-final", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400 },
  { "te-only-gzip", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 400 },
  { "te-chunked-twice", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400 },
  { "te-split-twice", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400 },
  { "te-unknown", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n", 501 },
  { "te-unknown-before", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: foo, chunked\r\n\r\n", 501 },
  { "te-params", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;q=1\r\n\r\n", 501 },
  { "te-empty-element", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , chunked\r\n\r\n", 400 },
  { "te-trailing-comma", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked,\r\n\r\n", 400 },
  { "te-empty", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \r\n\r\n", 400 },
  { "te-vertical-tab", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \x0b" "chunked\r\n\r\n", 400 },
  { "te-http10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400 },
  { "expect-other", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\n", 417 },
  { "websocket-with-body", "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 3\r\n\r\n", 400 },
};

static void
test_bad_request (gconstpointer data)
{
  guint i = GPOINTER_TO_UINT (data);
  const char *head = bad_requests[i].head;
  /* Heads with an embedded NUL: measure up to the blank line by hand. */
  gsize len = 0;
  PosternHttpRequest req;
  g_autoptr(GError) error = NULL;

  while (len + 4 <= 4096 && memcmp (head + len, "\r\n\r\n", 4) != 0)
    len++;
  len += 4;
  if (strlen (head + len) > 0)
    len += strlen (head + len);

  g_assert_false (postern_http_parse_request (head, len, &limits, &req, &error));
  g_assert_error (error, POSTERN_HTTP_ERROR, (gint) bad_requests[i].status);
  postern_http_request_clear (&req);
}

static void
parse_ok (const char *head, PosternHttpRequest *req)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (postern_http_parse_request (head, strlen (head), &limits, req, &error));
  g_assert_no_error (error);
}

static void
test_simple_get (void)
{
  const char *head = "GET /api/client/v2/conferences/meet/participants HTTP/1.1\r\n"
                     "Host: proxy.example.com\r\ntoken: abc\r\nUser-Agent: t\r\n\r\nNEXT";
  PosternHttpRequest req;

  parse_ok (head, &req);
  g_assert_cmpstr (req.method, ==, "GET");
  g_assert_cmpstr (req.target, ==, "/api/client/v2/conferences/meet/participants");
  g_assert_cmpint (req.version, ==, SOUP_HTTP_1_1);
  g_assert_cmpstr (req.host, ==, "proxy.example.com");
  g_assert_cmpstr (soup_message_headers_get_one (req.headers, "token"), ==, "abc");
  g_assert_cmpuint (req.head_length, ==, strlen (head) - 4);
  g_assert_cmpint (req.body, ==, POSTERN_HTTP_BODY_NONE);
  g_assert_true (req.keep_alive);
  g_assert_false (req.websocket);
  g_assert_false (req.expect_continue);
  postern_http_request_clear (&req);
}

static void
test_content_length (void)
{
  PosternHttpRequest req;

  parse_ok ("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 42\r\n\r\n", &req);
  g_assert_cmpint (req.body, ==, POSTERN_HTTP_BODY_LENGTH);
  g_assert_cmpuint (req.content_length, ==, 42);
  postern_http_request_clear (&req);

  /* Repeated but identical is one value. */
  parse_ok ("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 7\r\ncontent-length: 7\r\n\r\n", &req);
  g_assert_cmpuint (req.content_length, ==, 7);
  postern_http_request_clear (&req);

  parse_ok ("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", &req);
  g_assert_cmpint (req.body, ==, POSTERN_HTTP_BODY_NONE);
  postern_http_request_clear (&req);

  /* Exactly the limit is fine. */
  parse_ok ("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 15728640\r\n\r\n", &req);
  g_assert_cmpuint (req.content_length, ==, 15728640);
  postern_http_request_clear (&req);
}

static void
test_chunked (void)
{
  PosternHttpRequest req;

  parse_ok ("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", &req);
  g_assert_cmpint (req.body, ==, POSTERN_HTTP_BODY_CHUNKED);
  postern_http_request_clear (&req);
  parse_ok ("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: CHUNKED\r\n\r\n", &req);
  g_assert_cmpint (req.body, ==, POSTERN_HTTP_BODY_CHUNKED);
  postern_http_request_clear (&req);
  parse_ok ("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip ,\tchunked\r\n\r\n", &req);
  g_assert_cmpint (req.body, ==, POSTERN_HTTP_BODY_CHUNKED);
  postern_http_request_clear (&req);
  parse_ok ("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", &req);
  g_assert_cmpint (req.body, ==, POSTERN_HTTP_BODY_CHUNKED);
  postern_http_request_clear (&req);
}

static void
test_keep_alive (void)
{
  PosternHttpRequest req;

  parse_ok ("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", &req);
  g_assert_false (req.keep_alive);
  postern_http_request_clear (&req);
  parse_ok ("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, Close\r\n\r\n", &req);
  g_assert_false (req.keep_alive);
  postern_http_request_clear (&req);
  /* HTTP/1.0: closes unless asked otherwise; Host is optional. */
  parse_ok ("GET / HTTP/1.0\r\n\r\n", &req);
  g_assert_cmpint (req.version, ==, SOUP_HTTP_1_0);
  g_assert_false (req.keep_alive);
  g_assert_null (req.host);
  postern_http_request_clear (&req);
  parse_ok ("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &req);
  g_assert_true (req.keep_alive);
  postern_http_request_clear (&req);
  parse_ok ("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", &req);
  g_assert_false (req.keep_alive);
  postern_http_request_clear (&req);
}

static void
test_websocket (void)
{
  PosternHttpRequest req;

  parse_ok ("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\n"
            "Upgrade: WebSocket\r\nSec-WebSocket-Key: x\r\nSec-WebSocket-Version: 13\r\n\r\n", &req);
  g_assert_true (req.websocket);
  postern_http_request_clear (&req);
  /* Upgrade without Connection: upgrade is no upgrade. */
  parse_ok ("GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n", &req);
  g_assert_false (req.websocket);
  postern_http_request_clear (&req);
  /* Other protocols (h2c) are not passed through as upgrades. */
  parse_ok ("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n", &req);
  g_assert_false (req.websocket);
  postern_http_request_clear (&req);
  parse_ok ("POST /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", &req);
  g_assert_false (req.websocket);
  postern_http_request_clear (&req);
}

static void
test_misc_forms (void)
{
  PosternHttpRequest req;

  parse_ok ("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", &req);
  g_assert_cmpstr (req.target, ==, "*");
  postern_http_request_clear (&req);
  parse_ok ("POST /x HTTP/1.1\r\nHost: [::1]:8443\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n", &req);
  g_assert_true (req.expect_continue);
  g_assert_cmpstr (req.host, ==, "[::1]:8443");
  postern_http_request_clear (&req);
  /* Optional whitespace around values and obs-text inside them are fine. */
  parse_ok ("GET /?q=%20 HTTP/1.1\r\nHost:a\r\nX-Name: \t caf\xc3\xa9 \t\r\nX-Empty:\r\n\r\n", &req);
  g_assert_cmpstr (soup_message_headers_get_one (req.headers, "X-Name"), ==, "caf\xc3\xa9");
  postern_http_request_clear (&req);
}

static void
test_incomplete_and_limits (void)
{
  const char *head = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  PosternHttpLimits small = { .max_head = 32, .max_body = 0 };
  g_autofree char *big = NULL;
  g_autoptr(GError) error = NULL;
  PosternHttpRequest req;
  gsize head_length = 0;

  /* Every proper prefix needs more bytes, and says so without error. */
  for (gsize i = 0; i < strlen (head); i++)
    {
      g_assert_false (postern_http_parse_request (head, i, &limits, &req, &error));
      g_assert_no_error (error);
      postern_http_request_clear (&req);
    }

  big = g_strdup_printf ("GET / HTTP/1.1\r\nHost: a\r\nX: %s\r\n\r\n", "0123456789");
  g_assert_false (postern_http_parse_request (big, strlen (big), &small, &req, &error));
  g_assert_error (error, POSTERN_HTTP_ERROR, 431);
  g_clear_error (&error);
  postern_http_request_clear (&req);
  /* A head that fits exactly is fine. */
  small.max_head = strlen (big);
  g_assert_true (postern_http_parse_request (big, strlen (big), &small, &req, &error));
  g_assert_no_error (error);
  postern_http_request_clear (&req);

  /* Resuming the scan finds a terminator split across reads. */
  g_assert_false (postern_http_find_head_end (head, strlen (head) - 2, 0, 100, &head_length, &error));
  g_assert_no_error (error);
  g_assert_true (postern_http_find_head_end (head, strlen (head), strlen (head) - 2, 100,
                                             &head_length, &error));
  g_assert_cmpuint (head_length, ==, strlen (head));
  /* Lone CRs and LFs and near misses are not the end; the first CRLF CRLF is. */
  g_assert_true (postern_http_find_head_end ("\n\r\nA\r\n\n\r\r\n\r\nB\r\n\r\n", 17, 0, 100, &head_length, &error));
  g_assert_cmpuint (head_length, ==, 12);
  g_assert_true (postern_http_find_head_end ("\r\n\r\n", 4, 0, 100, &head_length, &error));
  g_assert_cmpuint (head_length, ==, 4);
  g_assert_false (postern_http_find_head_end ("\r\n\r", 3, 0, 100, &head_length, &error));
  g_assert_false (postern_http_find_head_end ("\r\n\n\r\n", 5, 0, 100, &head_length, &error));
  g_assert_no_error (error);
  /* Too many bytes without a terminator: 431 even before max_head is read
   * in full by the caller's buffer. */
  g_assert_false (postern_http_find_head_end ("GET / HTTP/1.1\r\nHost", 20, 0, 20, &head_length, &error));
  g_assert_error (error, POSTERN_HTTP_ERROR, 431);
}

static void
test_list_has_token (void)
{
  g_assert_true (postern_http_list_has_token ("close", "close"));
  g_assert_true (postern_http_list_has_token (" a ,\tClose ", "close"));
  g_assert_true (postern_http_list_has_token (",,close,", "close"));
  g_assert_false (postern_http_list_has_token ("closed", "close"));
  g_assert_false (postern_http_list_has_token ("clos", "close"));
  g_assert_false (postern_http_list_has_token ("", "close"));
  g_assert_false (postern_http_list_has_token ("keep-alive, x-close", "close"));
}

/* Responses: (method, head) -> body framing. */
static const struct {
  const char     *name;
  const char     *method;
  const char     *head;
  PosternHttpBody body;
  guint64         length;
  gboolean        keep_alive;
} responses[] = {
  { "length", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n", POSTERN_HTTP_BODY_LENGTH, 12, TRUE },
  { "zero-length", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", POSTERN_HTTP_BODY_NONE, 0, TRUE },
  { "chunked", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", POSTERN_HTTP_BODY_CHUNKED, 0, TRUE },
  { "until-close", "GET", "HTTP/1.1 200 OK\r\n\r\n", POSTERN_HTTP_BODY_UNTIL_CLOSE, 0, FALSE },
  { "gzip-not-chunked", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", POSTERN_HTTP_BODY_UNTIL_CLOSE, 0, FALSE },
  { "head", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n", POSTERN_HTTP_BODY_NONE, 0, TRUE },
  { "head-chunked", "HEAD", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", POSTERN_HTTP_BODY_NONE, 0, TRUE },
  { "no-content", "POST", "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", POSTERN_HTTP_BODY_NONE, 0, TRUE },
  { "not-modified", "GET", "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n", POSTERN_HTTP_BODY_NONE, 0, TRUE },
  { "continue", "POST", "HTTP/1.1 100 Continue\r\n\r\n", POSTERN_HTTP_BODY_NONE, 0, TRUE },
  { "no-reason", "GET", "HTTP/1.1 200\r\nContent-Length: 1\r\n\r\n", POSTERN_HTTP_BODY_LENGTH, 1, TRUE },
  { "empty-reason", "GET", "HTTP/1.1 403 \r\nContent-Length: 1\r\n\r\n", POSTERN_HTTP_BODY_LENGTH, 1, TRUE },
  { "http10", "GET", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", POSTERN_HTTP_BODY_LENGTH, 1, FALSE },
  { "http10-keep-alive", "GET", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\n", POSTERN_HTTP_BODY_LENGTH, 1, TRUE },
  { "close", "GET", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n", POSTERN_HTTP_BODY_LENGTH, 1, FALSE },
  { "switching", "GET", "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", POSTERN_HTTP_BODY_NONE, 0, FALSE },
};

static void
test_response (gconstpointer data)
{
  guint i = GPOINTER_TO_UINT (data);
  PosternHttpResponse resp;
  g_autoptr(GError) error = NULL;

  g_assert_true (postern_http_parse_response (responses[i].head, strlen (responses[i].head),
                                              &limits, responses[i].method, &resp, &error));
  g_assert_no_error (error);
  g_assert_cmpint (resp.body, ==, responses[i].body);
  if (responses[i].body == POSTERN_HTTP_BODY_LENGTH)
    g_assert_cmpuint (resp.content_length, ==, responses[i].length);
  g_assert_cmpint (resp.keep_alive, ==, responses[i].keep_alive);
  g_assert_cmpuint (resp.head_length, ==, strlen (responses[i].head));
  g_assert_cmpint (resp.interim, ==, resp.status >= 100 && resp.status < 200 && resp.status != 101);
  g_assert_cmpint (resp.upgrade, ==, resp.status == 101);
  postern_http_response_clear (&resp);
}

static const char *const bad_responses[] = {
  "HTTP/1.1 200 OK\nContent-Length: 1\r\n\r\n",
  "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
  "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
  "HTTP/1.1 200 OK\r\nTransfer-Encoding: bogus\r\n\r\n",
  "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
  "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n",
  "HTTP/1.1 2000 OK\r\n\r\n",
  "HTTP/1.1 20 OK\r\n\r\n",
  "HTTP/1.1 099 Odd\r\n\r\n",
  "HTTP/1.1 600 Odd\r\n\r\n",
  "HTTP/1.1 abc OK\r\n\r\n",
  "HTTP/2 200 OK\r\n\r\n",
  "HTTP/1.1  200 OK\r\n\r\n",
  "HTTP/1.1 200OK\r\n\r\n",
  "ICY 200 OK\r\n\r\n",
  "HTTP/1.1 200 O\x01K\r\n\r\n",
};

/* Every byte value at every offset of a value longer than a word: taken
 * exactly when a field value may hold it (the value scan checks eight
 * bytes at a time, then one by one). */
static void
test_value_bytes (void)
{
  static const char prefix[] = "HTTP/1.1 200 OK\r\nX-Value: x";
  static const char suffix[] = "\r\nContent-Length: 0\r\n\r\n";
  const gsize value_len = 21;

  for (guint b = 0; b < 256; b++)
    for (gsize at = 0; at < value_len; at++)
      {
        gchar head[sizeof prefix + 21 + sizeof suffix];
        g_autoptr(GError) error = NULL;
        PosternHttpResponse resp;
        gboolean allowed = b == '\t' || (b >= 0x20 && b != 0x7f);
        gsize len = sizeof prefix - 1;
        gboolean ok;

        memcpy (head, prefix, len);
        memset (head + len, 'v', value_len);
        head[len + at] = (gchar) b;
        len += value_len;
        memcpy (head + len, suffix, sizeof suffix - 1);
        len += sizeof suffix - 1;
        ok = postern_http_parse_response (head, len, &limits, "GET", &resp, &error);
        if (ok != allowed)
          g_error ("byte 0x%02x at %" G_GSIZE_FORMAT ": %s", b, at, ok ? "accepted" : error->message);
        postern_http_response_clear (&resp);
      }
}

static void
test_bad_responses (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (bad_responses); i++)
    {
      PosternHttpResponse resp;
      g_autoptr(GError) error = NULL;

      g_test_message ("response %zu", i);
      g_assert_false (postern_http_parse_response (bad_responses[i], strlen (bad_responses[i]),
                                                   &limits, "GET", &resp, &error));
      g_assert_error (error, POSTERN_HTTP_ERROR, 502);
      postern_http_response_clear (&resp);
    }
}

static void
append_field (const char *name, const char *value, gpointer user_data)
{
  g_string_append_printf (user_data, "[%s=%s]", name, value);
}

/* The fields come back in order with their whitespace trimmed, lists joined. */
static void
test_response_fields (void)
{
  static const char head[] = "HTTP/1.1 200 OK\r\ncontent-TYPE:application/json \t\r\nX-Empty:  \r\n"
                             "Connection: keep-alive\r\nX-Inner: a  b\r\nconnection:\tX-Inner\r\n"
                             "Content-Length: 7\r\nX-Last:\r\n\r\n";
  PosternHttpResponse resp;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) seen = g_string_new (NULL);
  g_autofree char *inner = NULL;

  g_assert_true (postern_http_parse_response (head, sizeof head - 1, &limits, "HEAD", &resp, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (resp.status, ==, 200);
  g_assert_cmpint (resp.version, ==, SOUP_HTTP_1_1);
  g_assert_cmpint (resp.body, ==, POSTERN_HTTP_BODY_NONE);
  g_assert_cmpint (resp.declared_length, ==, 7);
  postern_http_response_foreach (&resp, append_field, seen);
  g_assert_cmpstr (seen->str, ==, "[content-TYPE=application/json][X-Empty=][Connection=keep-alive]"
                                  "[X-Inner=a  b][connection=X-Inner][Content-Length=7][X-Last=]");
  g_assert_cmpstr (resp.connection, ==, "keep-alive, X-Inner");
  inner = postern_http_response_get_list (&resp, "x-inner");
  g_assert_cmpstr (inner, ==, "a  b");
  g_assert_null (postern_http_response_get_list (&resp, "Upgrade"));
  postern_http_response_clear (&resp);

  g_assert_true (postern_http_parse_response ("HTTP/1.0 404 Not Found\r\n\r\n", 26, &limits, "GET", &resp, &error));
  g_assert_cmpuint (resp.status, ==, 404);
  g_assert_cmpint (resp.version, ==, SOUP_HTTP_1_0);
  g_assert_cmpint (resp.declared_length, ==, -1);
  g_assert_null (resp.connection);
  g_string_truncate (seen, 0);
  postern_http_response_foreach (&resp, append_field, seen);
  g_assert_cmpstr (seen->str, ==, "");
  postern_http_response_clear (&resp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (bad_requests); i++)
    {
      g_autofree char *path = g_strdup_printf ("/http-parser/bad-request/%s", bad_requests[i].name);
      g_test_add_data_func (path, GUINT_TO_POINTER (i), test_bad_request);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (responses); i++)
    {
      g_autofree char *path = g_strdup_printf ("/http-parser/response/%s", responses[i].name);
      g_test_add_data_func (path, GUINT_TO_POINTER (i), test_response);
    }
  g_test_add_func ("/http-parser/simple-get", test_simple_get);
  g_test_add_func ("/http-parser/content-length", test_content_length);
  g_test_add_func ("/http-parser/chunked", test_chunked);
  g_test_add_func ("/http-parser/keep-alive", test_keep_alive);
  g_test_add_func ("/http-parser/websocket", test_websocket);
  g_test_add_func ("/http-parser/misc-forms", test_misc_forms);
  g_test_add_func ("/http-parser/incomplete-and-limits", test_incomplete_and_limits);
  g_test_add_func ("/http-parser/list-has-token", test_list_has_token);
  g_test_add_func ("/http-parser/bad-responses", test_bad_responses);
  g_test_add_func ("/http-parser/value-bytes", test_value_bytes);
  g_test_add_func ("/http-parser/response-fields", test_response_fields);
  return g_test_run ();
}
