/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "proxy-log.h"

#include <string.h>

static const gchar *const secret_keys[] = { "code", "state", "token", "pin", "data", NULL };

/* Replaces the value of every secret_keys parameter in a URL's query. */
gchar *
proxy_log_redact (const gchar *text)
{
  const gchar *query = strchr (text, '?');
  GString *out;

  if (query == NULL)
    return g_strdup (text);
  out = g_string_new_len (text, query - text + 1);
  for (const gchar *p = query + 1; *p != '\0';) {
    const gchar *end = p + strcspn (p, "&# ");
    const gchar *eq = memchr (p, '=', (gsize) (end - p));
    gboolean secret = FALSE;
    if (eq != NULL)
      for (gsize i = 0; secret_keys[i] != NULL; i++)
        if ((gsize) (eq - p) == strlen (secret_keys[i]) && g_ascii_strncasecmp (p, secret_keys[i], (gsize) (eq - p)) == 0)
          secret = TRUE;
    if (secret) {
      g_string_append_len (out, p, eq - p + 1);
      g_string_append (out, "REDACTED");
    } else {
      g_string_append_len (out, p, end - p);
    }
    if (*end == '&') {
      g_string_append_c (out, '&');
      p = end + 1;
    } else {
      g_string_append (out, end);
      break;
    }
  }
  return g_string_free (out, FALSE);
}

/* Quotes a header value as nginx does: control bytes, quotes and
 * backslashes escaped as \xHH. */
static void
append_escaped (GString *out, const gchar *value)
{
  if (value == NULL || value[0] == '\0') {
    g_string_append_c (out, '-');
    return;
  }
  for (const guchar *p = (const guchar *) value; *p != '\0'; p++) {
    if (*p < 0x20 || *p == '"' || *p == '\\' || *p >= 0x7f)
      g_string_append_printf (out, "\\x%02X", *p);
    else
      g_string_append_c (out, (gchar) *p);
  }
}

void
proxy_log_write (FILE *file, PosternHttpExchange *exchange, guint status, guint64 bytes_sent, const gchar *upstream,
                 guint upstream_status, gdouble upstream_time)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree gchar *when = g_date_time_format (now, "%d/%b/%Y:%H:%M:%S %z");
  g_autofree gchar *target = proxy_log_redact (postern_http_exchange_get_target (exchange));
  const gchar *referer = postern_http_exchange_get_header (exchange, "Referer");
  g_autofree gchar *referer_redacted = referer ? proxy_log_redact (referer) : NULL;
  g_autoptr(GString) line = g_string_sized_new (256);

  g_string_append_printf (line, "%s - - [%s]  \"", postern_http_exchange_get_client_ip (exchange), when);
  append_escaped (line, postern_http_exchange_get_method (exchange));
  g_string_append_c (line, ' ');
  append_escaped (line, target);
  g_string_append_printf (line, " HTTP/1.1\" %u %" G_GUINT64_FORMAT " \"", status, bytes_sent);
  append_escaped (line, referer_redacted);
  g_string_append (line, "\" \"");
  append_escaped (line, postern_http_exchange_get_header (exchange, "User-Agent"));
  g_string_append (line, "\" \"");
  g_string_append (line, upstream ? upstream : "-");
  if (upstream_status != 0)
    g_string_append_printf (line, "\" \"%u\" \"%.3f\"\n", upstream_status, upstream_time);
  else
    g_string_append (line, "\" \"-\" \"-\"\n");
  fputs (line->str, file);
  fflush (file);
}
