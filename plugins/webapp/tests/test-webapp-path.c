/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "webapp-resolver.h"

#include <string.h>

static void
test_accepted (void)
{
  static const struct { const char *raw; const char *decoded; } cases[] = {
    { "", "" },
    { "index.html", "index.html" },
    { "css/app.css", "css/app.css" },
    { "img/", "img/" },
    { "a%20b.txt", "a b.txt" },
    { "%41%62c", "Abc" },
    { "caf%C3%A9.txt", "café.txt" },
    { "café.txt", "café.txt" },
    { "app.js?v=1/../../x", "app.js" },
    { "%25252e", "%252e" },
    { "a..b", "a..b" },
    { "..a/b", NULL },
    { "x.", "x." },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree gchar *out = webapp_path_decode (cases[i].raw, strlen (cases[i].raw), &error);

      if (cases[i].decoded == NULL)
        {
          g_assert_null (out);
          g_assert_error (error, WEBAPP_RESOLVE_ERROR, WEBAPP_RESOLVE_ERROR_NOT_FOUND);
          continue;
        }
      g_assert_no_error (error);
      g_assert_cmpstr (out, ==, cases[i].decoded);
    }
}

/* code -1: accepted, checked separately. */
typedef struct {
  const char *raw;
  int code;
} Refused;

static void
check_refused (const char *raw, gsize len, WebappResolveError code)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *out = webapp_path_decode (raw, len, &error);

  if (out != NULL || error == NULL || error->code != (int) code)
    g_error ("“%s” should be refused with %d, got “%s” / %s", raw, code,
             out ? out : "(null)", error ? error->message : "no error");
  g_assert_error (error, WEBAPP_RESOLVE_ERROR, (int) code);
  /* Messages go to the log: hostile bytes must arrive escaped. */
  for (const char *p = error->message; *p; p++)
    g_assert_true ((guchar) *p >= 0x20 && *p != 0x7f);
}

static void
test_traversal (void)
{
  static const Refused cases[] = {
    { "..", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "../etc/passwd", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "a/../../etc/passwd", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "a/..", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "a/../", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "./index.html", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "a/./b", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { ".", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "%2e%2e/etc/passwd", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "%2E%2E/etc/passwd", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { ".%2e/etc/passwd", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "%2e./etc/passwd", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "app%2ejs", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "..%2fetc%2fpasswd", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "a%2f..%2f..%2fetc", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "a%2F..%2F..%2Fetc", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "..%5cetc", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "..%5Cetc", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "..\\etc\\passwd", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "a\\b", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "%252e%252e/x", -1 },
    { "index.html%00.png", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "%00", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "a%0ab", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "a%7fb", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "a\tb", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "%c0%ae%c0%ae/etc/passwd", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "%c0%af", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "%e0%80%ae", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "%f0%80%80%af", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "%c1%9c", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "%ed%a0%80", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "%ff", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "\xc0\xae\xc0\xae/x", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "caf%C3", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "%", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "%2", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "a%zz", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "a%%32e", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "/etc/passwd", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "//etc/passwd", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { "a//b", WEBAPP_RESOLVE_ERROR_BAD_REQUEST },
    { ".htpasswd", WEBAPP_RESOLVE_ERROR_NOT_FOUND },
    { "a/.git/config", WEBAPP_RESOLVE_ERROR_NOT_FOUND },
    { "...", WEBAPP_RESOLVE_ERROR_NOT_FOUND },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      if (cases[i].code < 0)
        {
          /* Decoded once only: "%252e" is the literal name "%2e", harmless. */
          g_autofree gchar *out = webapp_path_decode (cases[i].raw, strlen (cases[i].raw), NULL);
          g_assert_cmpstr (out, ==, "%2e%2e/x");
          continue;
        }
      check_refused (cases[i].raw, strlen (cases[i].raw), (WebappResolveError) cases[i].code);
    }
}

static void
test_raw_nul (void)
{
  static const char raw[] = "index.html\0../../etc/passwd";

  check_refused (raw, sizeof raw - 1, WEBAPP_RESOLVE_ERROR_BAD_REQUEST);
}

static void
test_long (void)
{
  g_autofree gchar *segment = g_strnfill (WEBAPP_SEGMENT_MAX_LEN + 1, 'a');
  g_autofree gchar *longest_segment = g_strnfill (WEBAPP_SEGMENT_MAX_LEN, 'a');
  g_autoptr (GString) deep = g_string_new (NULL);
  g_autofree gchar *ok = NULL;

  check_refused (segment, strlen (segment), WEBAPP_RESOLVE_ERROR_TOO_LONG);
  ok = webapp_path_decode (longest_segment, strlen (longest_segment), NULL);
  g_assert_cmpstr (ok, ==, longest_segment);

  while (deep->len <= WEBAPP_PATH_MAX_LEN)
    g_string_append (deep, "a/");
  check_refused (deep->str, deep->len, WEBAPP_RESOLVE_ERROR_TOO_LONG);
}

static void
test_status (void)
{
  g_autoptr (GError) io = g_error_new_literal (G_FILE_ERROR, G_FILE_ERROR_FAILED, "x");
  static const guint expected[] = { 404, 400, 403, 414, 301 };

  for (guint code = 0; code < G_N_ELEMENTS (expected); code++)
    {
      g_autoptr (GError) error = g_error_new_literal (WEBAPP_RESOLVE_ERROR, (int) code, "x");
      g_assert_cmpuint (webapp_resolve_error_status (error), ==, expected[code]);
    }
  g_assert_cmpuint (webapp_resolve_error_status (io), ==, 500);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/webapp/path/accepted", test_accepted);
  g_test_add_func ("/webapp/path/traversal", test_traversal);
  g_test_add_func ("/webapp/path/raw-nul", test_raw_nul);
  g_test_add_func ("/webapp/path/long", test_long);
  g_test_add_func ("/webapp/path/status", test_status);
  return g_test_run ();
}
