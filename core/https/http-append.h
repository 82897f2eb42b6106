/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <string.h>

G_BEGIN_DECLS

/* Appending to a GString that has room: a copy in place. GLib 2.74's
 * g_string_append_len() is an out-of-line insert that costs about a
 * hundred instructions per call, and a message head takes a dozen. */
static inline void
postern_http_append_len (GString *s, const char *p, gsize n)
{
  if (G_LIKELY (s->len + n < s->allocated_len))
    {
      memcpy (s->str + s->len, p, n);
      s->len += n;
      s->str[s->len] = '\0';
    }
  else
    g_string_append_len (s, p, (gssize) n);
}

static inline void
postern_http_append (GString *s, const char *str)
{
  postern_http_append_len (s, str, strlen (str));
}

G_END_DECLS
