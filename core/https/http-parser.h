/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libsoup/soup.h>

#include "http-chunked.h"

G_BEGIN_DECLS

/* Strict HTTP/1.1 message-head framing for the proxy's hot path (RFC 9112).
 *
 * Where the RFC lets a recipient be lenient (bare LF, obs-fold, whitespace
 * before the colon, duplicate or listed Content-Length, odd
 * Transfer-Encoding) this parser refuses, so the proxy and the node behind
 * it can never disagree on where a message ends. libsoup parses the
 * validated head into a SoupMessageHeaders table.
 *
 * Errors are in POSTERN_HTTP_ERROR; for requests the code is the status to
 * answer with (400, 413, 431, 501, 505); for upstream responses it is 502. */

#define POSTERN_HTTP_ERROR (postern_http_error_quark ())
GQuark postern_http_error_quark (void);

typedef enum {
  POSTERN_HTTP_BODY_NONE,         /* no body at all */
  POSTERN_HTTP_BODY_LENGTH,       /* exactly content_length bytes */
  POSTERN_HTTP_BODY_CHUNKED,      /* chunked: use PosternHttpChunkDecoder */
  POSTERN_HTTP_BODY_UNTIL_CLOSE,  /* responses only: body ends at EOF */
} PosternHttpBody;

typedef struct {
  gsize   max_head; /* request/status line plus headers, with the blank line */
  guint64 max_body; /* a larger Content-Length is refused (413); 0: no limit */
} PosternHttpLimits;

typedef struct {
  char               *method;
  char               *target;  /* origin-form, or "*" for OPTIONS */
  SoupHTTPVersion     version;
  SoupMessageHeaders *headers;
  const char         *host;    /* points into headers */
  gsize               head_length;
  PosternHttpBody     body;
  guint64             content_length;
  gboolean            keep_alive;
  gboolean            websocket;       /* a WebSocket upgrade request */
  gboolean            expect_continue; /* Expect: 100-continue */
} PosternHttpRequest;

/* The answer's fields are not put in a SoupMessageHeaders: the proxy only
 * forwards them, and a header table per answer (a copy of every name and
 * value, each checked for UTF-8) was a fifth of the proxy's work. */
typedef struct {
  SoupHTTPVersion     version;
  guint               status;
  char               *fields;          /* the field lines, see postern_http_response_foreach() */
  gsize               fields_length;
  char               *connection;      /* the Connection values joined with ", ", or NULL */
  gsize               head_length;
  PosternHttpBody     body;
  guint64             content_length;
  gint64              declared_length; /* Content-Length, even where no body follows (HEAD); -1: none */
  gboolean            keep_alive;
  gboolean            interim;  /* 1xx other than 101: a final answer follows */
  gboolean            upgrade;  /* 101 Switching Protocols: bytes flow both ways */
} PosternHttpResponse;

/* Looks for the blank line ending a message head in @buf, starting the scan
 * at @from (bytes before it were scanned already; pass 0 the first time).
 * Returns TRUE and sets @head_length (including the blank line) when found.
 * Returns FALSE without error when more bytes are needed, and FALSE with
 * a 431 error when no head end lies within @max_head bytes. Does not copy. */
gboolean postern_http_find_head_end (const char *buf,
                                     gsize       len,
                                     gsize       from,
                                     gsize       max_head,
                                     gsize      *head_length,
                                     GError    **error);

/* Parses the head at the start of @buf (which holds @len bytes, possibly
 * more than the head). Returns FALSE with no error when the head is not
 * complete yet. On success @req is filled; free it with
 * postern_http_request_clear() in every case. */
gboolean postern_http_parse_request (const char              *buf,
                                     gsize                    len,
                                     const PosternHttpLimits *limits,
                                     PosternHttpRequest      *req,
                                     GError                 **error);
/* The same for a head whose end postern_http_find_head_end() found:
 * @head_length bytes, ending with the blank line. */
gboolean postern_http_parse_request_head (const char              *buf,
                                          gsize                    head_length,
                                          const PosternHttpLimits *limits,
                                          PosternHttpRequest      *req,
                                          GError                 **error);
void     postern_http_request_clear (PosternHttpRequest *req);

/* Likewise for an upstream's answer to a request with @request_method
 * (a HEAD or CONNECT answer has no body whatever its headers say). */
gboolean postern_http_parse_response (const char              *buf,
                                      gsize                    len,
                                      const PosternHttpLimits *limits,
                                      const char              *request_method,
                                      PosternHttpResponse     *resp,
                                      GError                 **error);
/* The same for a head whose end postern_http_find_head_end() found. */
gboolean postern_http_parse_response_head (const char          *buf,
                                           gsize                head_length,
                                           const char          *request_method,
                                           PosternHttpResponse *resp,
                                           GError             **error);
void     postern_http_response_clear (PosternHttpResponse *resp);

typedef void (*PosternHttpFieldFunc) (const char *name,
                                      const char *value,
                                      gpointer    user_data);

/* Calls @func for each field of a parsed answer in order, with the value's
 * surrounding whitespace removed. */
void     postern_http_response_foreach (const PosternHttpResponse *resp,
                                        PosternHttpFieldFunc       func,
                                        gpointer                   user_data);

/* The values of every field called @name (case-insensitive), joined with
 * ", "; NULL when there is none. Free with g_free(). */
char    *postern_http_response_get_list (const PosternHttpResponse *resp,
                                         const char                *name);

/* TRUE when @list (a comma-separated header value such as Connection)
 * holds @token, compared case-insensitively. */
gboolean postern_http_list_has_token (const char *list,
                                      const char *token);

G_END_DECLS
