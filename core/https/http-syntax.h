/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Character classes of RFC 9110 section 5.6, shared by the head parser and
 * the chunked decoder. */

/* tchar: the characters of a token (method, field name, coding name). */
static inline gboolean
postern_http_is_tchar (guchar c)
{
  if (g_ascii_isalnum (c))
    return TRUE;
  switch (c)
    {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*':
    case '+': case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return TRUE;
    default:
      return FALSE;
    }
}

/* A byte allowed inside a field value: VCHAR, obs-text, SP, HTAB. */
static inline gboolean
postern_http_is_field_char (guchar c)
{
  return c == '\t' || (c >= 0x20 && c != 0x7f);
}

G_END_DECLS
