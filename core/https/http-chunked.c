/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "http-chunked.h"

#include <string.h>

#include "http-parser.h"
#include "http-syntax.h"

/* A size line (size plus extensions) and the whole trailer section are
 * small in every real client; the bounds stop slow-drip memory games. */
#define MAX_SIZE_LINE 4096
#define MAX_TRAILERS 8192

enum {
  ST_SIZE_FIRST,
  ST_SIZE,
  ST_EXT,
  ST_SIZE_LF,
  ST_DATA,
  ST_DATA_CR,
  ST_DATA_LF,
  ST_TRAILER_START,
  ST_TRAILER_NAME,
  ST_TRAILER_VALUE,
  ST_TRAILER_LF,
  ST_END_LF,
  ST_DONE,
  ST_ERROR,
};

void
postern_http_chunk_decoder_init (PosternHttpChunkDecoder *dec, guint64 max_body,
                                 guint error_status)
{
  memset (dec, 0, sizeof *dec);
  dec->state = ST_SIZE_FIRST;
  dec->max_body = max_body;
  dec->error_status = error_status;
}

guint64
postern_http_chunk_decoder_total (const PosternHttpChunkDecoder *dec)
{
  return dec->total;
}

/* The precise status for a client's request; an upstream fault stays one. */
static guint
request_or (const PosternHttpChunkDecoder *dec, guint status)
{
  return dec->error_status == 400 ? status : dec->error_status;
}

static PosternHttpChunkResult
fail (PosternHttpChunkDecoder *dec, guint status, const char *message, GError **error)
{
  dec->state = ST_ERROR;
  g_set_error_literal (error, POSTERN_HTTP_ERROR, (gint) status, message);
  return POSTERN_HTTP_CHUNK_ERROR;
}

/* One byte of everything but payload; returns FALSE on a framing fault
 * (with *why set). */
static gboolean
step (PosternHttpChunkDecoder *dec, guchar c, const char **why)
{
  switch (dec->state)
    {
    case ST_SIZE_FIRST:
    case ST_SIZE:
      {
        int v = g_ascii_xdigit_value ((gchar) c);

        if (v >= 0)
          {
            if (dec->remaining > (guint64) (G_MAXINT64 >> 4))
              return (*why = "Chunk size overflow", FALSE);
            dec->remaining = (dec->remaining << 4) | (guint64) v;
            dec->state = ST_SIZE;
            return TRUE;
          }
        if (dec->state == ST_SIZE_FIRST)
          return (*why = "Chunk size missing", FALSE);
        if (c == ';')
          dec->state = ST_EXT;
        else if (c == '\r')
          dec->state = ST_SIZE_LF;
        else
          return (*why = "Invalid character after chunk size", FALSE);
        return TRUE;
      }
    case ST_EXT:
      if (c == '\r')
        dec->state = ST_SIZE_LF;
      else if (!postern_http_is_field_char (c))
        return (*why = "Invalid character in chunk extension", FALSE);
      return TRUE;
    case ST_SIZE_LF:
      if (c != '\n')
        return (*why = "Chunk size line not ended by CRLF", FALSE);
      dec->line_len = 0;
      dec->state = dec->remaining == 0 ? ST_TRAILER_START : ST_DATA;
      return TRUE;
    case ST_DATA_CR:
      if (c != '\r')
        return (*why = "Chunk data longer than its size", FALSE);
      dec->state = ST_DATA_LF;
      return TRUE;
    case ST_DATA_LF:
      if (c != '\n')
        return (*why = "Chunk data not ended by CRLF", FALSE);
      dec->state = ST_SIZE_FIRST;
      return TRUE;
    case ST_TRAILER_START:
      if (c == '\r')
        dec->state = ST_END_LF;
      else if (c == ' ' || c == '\t')
        return (*why = "Obsolete line folding in trailer", FALSE);
      else if (postern_http_is_tchar (c))
        dec->state = ST_TRAILER_NAME;
      else
        return (*why = "Invalid character in trailer name", FALSE);
      return TRUE;
    case ST_TRAILER_NAME:
      if (c == ':')
        dec->state = ST_TRAILER_VALUE;
      else if (!postern_http_is_tchar (c))
        return (*why = "Invalid character in trailer name", FALSE);
      return TRUE;
    case ST_TRAILER_VALUE:
      if (c == '\r')
        dec->state = ST_TRAILER_LF;
      else if (!postern_http_is_field_char (c))
        return (*why = "Invalid character in trailer value", FALSE);
      return TRUE;
    case ST_TRAILER_LF:
      if (c != '\n')
        return (*why = "Trailer not ended by CRLF", FALSE);
      dec->state = ST_TRAILER_START;
      return TRUE;
    case ST_END_LF:
      if (c != '\n')
        return (*why = "Chunked body not ended by CRLF", FALSE);
      dec->state = ST_DONE;
      return TRUE;
    default:
      g_assert_not_reached ();
    }
}

PosternHttpChunkResult
postern_http_chunk_decoder_feed (PosternHttpChunkDecoder *dec, const char *buf, gsize len,
                                 gsize *consumed, PosternHttpChunkData data,
                                 gpointer user_data, GError **error)
{
  gsize i = 0;

  *consumed = 0;
  if (dec->state == ST_ERROR)
    return fail (dec, dec->error_status, "Chunked body already failed", error);

  while (i < len && dec->state != ST_DONE)
    {
      const char *why = NULL;
      guint prev = dec->state;

      if (dec->state == ST_DATA)
        {
          gsize n = (gsize) MIN ((guint64) (len - i), dec->remaining);

          if (data != NULL)
            data (buf + i, n, user_data);
          dec->remaining -= n;
          i += n;
          if (dec->remaining == 0)
            dec->state = ST_DATA_CR;
          continue;
        }
      if (!step (dec, (guchar) buf[i], &why))
        {
          *consumed = i;
          return fail (dec, dec->error_status, why, error);
        }
      i++;
      if (prev <= ST_EXT && ++dec->line_len > MAX_SIZE_LINE)
        {
          *consumed = i;
          return fail (dec, dec->error_status, "Chunk size line too long", error);
        }
      if (prev >= ST_TRAILER_START && prev <= ST_END_LF && ++dec->trailer_len > MAX_TRAILERS)
        {
          *consumed = i;
          return fail (dec, request_or (dec, 431), "Chunked trailer section too large", error);
        }
      if (prev == ST_SIZE_LF && dec->state == ST_DATA)
        {
          if (dec->remaining > G_MAXUINT64 - dec->total ||
              (dec->max_body != 0 && dec->total + dec->remaining > dec->max_body))
            {
              *consumed = i;
              return fail (dec, request_or (dec, 413), "Chunked body too large", error);
            }
          dec->total += dec->remaining;
        }
    }
  *consumed = i;
  return dec->state == ST_DONE ? POSTERN_HTTP_CHUNK_DONE : POSTERN_HTTP_CHUNK_MORE;
}
