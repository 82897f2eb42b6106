/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness for the webapp's request-header handling: the input is
 * split at '\n' into Range, If-Range, If-None-Match, If-Match,
 * If-Modified-Since, If-Unmodified-Since and Accept-Encoding values, plus a
 * file size. Whatever they hold, the decision stays inside the file. */
#include "webapp-http.h"

#include <string.h>

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static const char *const fields[] = {
  "Range", "If-Range", "If-None-Match", "If-Match", "If-Modified-Since", "If-Unmodified-Since", "Accept-Encoding",
};

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr (SoupMessageHeaders) request = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_autofree gchar *text = NULL;
  g_auto (GStrv) lines = NULL;
  g_auto (WebappHttpResponse) response = { 0 };
  WebappEncoding order[WEBAPP_ENCODING_COUNT];
  struct stat st;
  guint n;

  if (size < 2)
    return 0;
  memset (&st, 0, sizeof st);
  st.st_ino = 42;
  st.st_size = (data[0] << 8 | data[1]) % 5000;
  st.st_mtim.tv_sec = 1700000000;
  /* Header values never hold NUL or line breaks once parsed by the front. */
  text = g_strndup ((const char *) data + 2, size - 2);
  lines = g_strsplit (text, "\n", G_N_ELEMENTS (fields) + 1);
  for (gsize i = 0; lines[i] != NULL && i < G_N_ELEMENTS (fields); i++)
    if (lines[i][0] != '\0' && strchr (lines[i], '\r') == NULL)
      soup_message_headers_append (request, fields[i], lines[i]);

  n = webapp_http_encodings_to_try (request, order);
  g_assert_true (n >= 1 && n <= WEBAPP_ENCODING_COUNT);
  g_assert_true (order[n - 1] == WEBAPP_ENCODING_IDENTITY);

  webapp_http_respond (data[0] & 1 ? "HEAD" : "GET", request, "app.js", order[0], 3, &st, &response);
  g_assert_nonnull (response.headers);
  switch (response.status)
    {
    case 200:
    case 206:
      g_assert_cmpint (response.fd, ==, 3);
      g_assert_cmpint (response.offset, >=, 0);
      g_assert_cmpint (response.length, >=, 0);
      g_assert_cmpint (response.offset + response.length, <=, st.st_size);
      g_assert_true (response.status == 200 || response.length > 0);
      break;
    case 304:
    case 412:
    case 416:
      g_assert_cmpint (response.fd, ==, -1);
      g_assert_cmpint (response.length, ==, 0);
      g_assert_false (response.send_body);
      break;
    default:
      g_error ("unexpected status %u", response.status);
    }
  return 0;
}
