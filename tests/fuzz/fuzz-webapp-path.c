/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness for the webapp path decoder: whatever the input, either
 * a refusal with a message, or a relative path that cannot leave its root. */
#include "webapp-resolver.h"

#include <string.h>

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *out = webapp_path_decode ((const char *) data, size, &error);
  g_auto (GStrv) segments = NULL;
  gsize len;

  if (out == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == WEBAPP_RESOLVE_ERROR);
      g_assert_cmpuint (webapp_resolve_error_status (error), !=, 500);
      return 0;
    }
  g_assert_null (error);
  len = strlen (out);
  g_assert_cmpuint (len, <=, size);
  g_assert_true (g_utf8_validate (out, -1, NULL));
  g_assert_null (strchr (out, '\\'));
  g_assert_true (len == 0 || out[0] != '/');
  g_assert_null (strstr (out, "//"));
  segments = g_strsplit (out, "/", -1);
  for (gsize i = 0; segments[i] != NULL; i++)
    {
      g_assert_true (segments[i][0] != '.');
      g_assert_cmpuint (strlen (segments[i]), <=, WEBAPP_SEGMENT_MAX_LEN);
      for (const char *p = segments[i]; *p; p++)
        g_assert_true ((guchar) *p >= 0x20 && *p != 0x7f);
    }
  return 0;
}
