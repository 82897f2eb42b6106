/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <libsoup/soup.h>
#include <sys/stat.h>

#include "webapp-mime.h"

G_BEGIN_DECLS

/**
 * WebappEncoding:
 * @WEBAPP_ENCODING_IDENTITY: the file itself
 * @WEBAPP_ENCODING_BR: its precompressed sibling NAME.br
 * @WEBAPP_ENCODING_GZIP: its precompressed sibling NAME.gz
 */
typedef enum {
  WEBAPP_ENCODING_IDENTITY,
  WEBAPP_ENCODING_BR,
  WEBAPP_ENCODING_GZIP,
} WebappEncoding;

#define WEBAPP_ENCODING_COUNT 3

const char *webapp_http_encoding_suffix (WebappEncoding encoding);
guint webapp_http_encodings_to_try (SoupMessageHeaders *request, WebappEncoding order[WEBAPP_ENCODING_COUNT]);

gchar *webapp_http_etag (const struct stat *st);
gchar *webapp_http_last_modified (const struct stat *st);

/**
 * WebappHttpResponse:
 * @status: the HTTP status to answer with
 * @headers: the response headers to add; framing (Content-Length) is the
 *   sender's, from @length
 * @fd: the descriptor the representation is read from (lent by the caller),
 *   or -1 when the answer has no representation (304, 412, 416, 405)
 * @offset: where the body starts in @fd
 * @length: the body's length: Content-Length of this answer (0 without @fd)
 * @send_body: %FALSE for HEAD (head only, Content-Length still @length) and
 *   for every answer without @fd
 *
 * What webapp_http_respond() decided. Clear with webapp_http_response_clear().
 */
typedef struct {
  guint status;
  SoupMessageHeaders *headers;
  int fd;
  goffset offset;
  goffset length;
  gboolean send_body;
} WebappHttpResponse;

void webapp_http_respond (const char *method, SoupMessageHeaders *request, const char *name,
                          WebappEncoding encoding, int fd, const struct stat *st,
                          WebappHttpResponse *out);
void webapp_http_respond_validated (const char *method, SoupMessageHeaders *request, const char *name,
                                    WebappEncoding encoding, int fd, const struct stat *st, const char *etag,
                                    const char *last_modified, WebappHttpResponse *out);
void webapp_http_response_clear (WebappHttpResponse *response);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (WebappHttpResponse, webapp_http_response_clear)

G_END_DECLS
