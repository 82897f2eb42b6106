/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Incremental validator/decoder of a chunked body (RFC 9112 section 7.1).
 * It reads the bytes where they lie and keeps only counters, so a proxy can
 * check a body on the fly and forward the very bytes it was fed, whatever
 * their size. Strict: no whitespace around the chunk size, no bare CR or LF,
 * no obs-fold in trailers, bounded size lines and trailer section. */

typedef enum {
  POSTERN_HTTP_CHUNK_MORE,  /* every byte consumed; the body goes on */
  POSTERN_HTTP_CHUNK_DONE,  /* the body ended: bytes after *consumed are the next message */
  POSTERN_HTTP_CHUNK_ERROR,
} PosternHttpChunkResult;

/* Receives decoded payload bytes; may be NULL when only validating. */
typedef void (*PosternHttpChunkData) (const char *data,
                                      gsize       len,
                                      gpointer    user_data);

typedef struct {
  /*< private >*/
  guint   state;
  guint   error_status;
  guint64 remaining;  /* payload bytes left in this chunk, or the size being read */
  guint64 total;      /* payload bytes so far */
  guint64 max_body;
  gsize   line_len;
  gsize   trailer_len;
} PosternHttpChunkDecoder;

/* @max_body: payload limit (413 beyond it), 0 for none. @error_status: the
 * POSTERN_HTTP_ERROR code for framing faults (400 for requests, 502 for
 * upstream answers). */
void postern_http_chunk_decoder_init (PosternHttpChunkDecoder *dec,
                                      guint64                  max_body,
                                      guint                    error_status);

/* Feeds @len bytes. @consumed is how many belong to the body (all of them
 * unless it returns DONE). Errors are sticky. */
PosternHttpChunkResult postern_http_chunk_decoder_feed (PosternHttpChunkDecoder *dec,
                                                        const char              *buf,
                                                        gsize                    len,
                                                        gsize                   *consumed,
                                                        PosternHttpChunkData     data,
                                                        gpointer                 user_data,
                                                        GError                 **error);

/* Payload bytes seen so far. */
guint64 postern_http_chunk_decoder_total (const PosternHttpChunkDecoder *dec);

G_END_DECLS
