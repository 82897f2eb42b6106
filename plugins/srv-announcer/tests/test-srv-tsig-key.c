/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <postern.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "srv-tsig-key.h"

#define SECRET "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ=="

static void
test_parse_good (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SrvTsigKey) a = srv_tsig_key_parse ("# comment\n\n  hmac-sha256 postern-key " SECRET "  \n", &error);
  g_autoptr(SrvTsigKey) b = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (a->algorithm, ==, "hmac-sha256");
  g_assert_cmpstr (a->name, ==, "postern-key.");
  g_assert_cmpstr (a->secret, ==, SECRET);
  b = srv_tsig_key_parse ("HMAC-SHA512.\tkey.example.com.\t" SECRET, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (b->algorithm, ==, "hmac-sha512");
  g_assert_cmpstr (b->name, ==, "key.example.com.");
}

static void
test_parse_bad (void)
{
  const gchar *const bad[] = {
    "",
    "# only a comment\n",
    "hmac-md5 key " SECRET,
    "hmac-sha1 key " SECRET,
    "hmac-sha256 key",
    "hmac-sha256 key " SECRET " extra",
    "hmac-sha256 bad..name " SECRET,
    "hmac-sha256 key not-base64!",
    "hmac-sha256 key abc",
    "hmac-sha256 key ab=c",
    "hmac-sha256 key " SECRET "\nhmac-sha256 other " SECRET,
    NULL
  };

  for (gsize i = 0; bad[i] != NULL; i++) {
    g_autoptr(GError) error = NULL;

    g_assert_null (srv_tsig_key_parse (bad[i], &error));
    g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_DATA);
    /* Whatever is wrong, the message never repeats the secret. */
    g_assert_null (strstr (error->message, SECRET));
    g_assert_null (strstr (error->message, "not-base64"));
  }
}

static gchar *
write_key (const gchar *dir, const gchar *name, const gchar *contents, int mode)
{
  gchar *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
  return path;
}

static void
test_load (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("srv-key-XXXXXX", NULL);
  g_autofree gchar *good = write_key (dir, "good", "hmac-sha256 k " SECRET "\n", 0600);
  g_autofree gchar *loose = write_key (dir, "loose", "hmac-sha256 k " SECRET "\n", 0644);
  g_autofree gchar *group = write_key (dir, "group", "hmac-sha256 k " SECRET "\n", 0640);
  g_autofree gchar *broken = write_key (dir, "broken", "hmac-sha256 k " SECRET " x\n", 0600);
  g_autofree gchar *link = g_build_filename (dir, "link", NULL);
  g_autofree gchar *missing = g_build_filename (dir, "missing", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(SrvTsigKey) key = srv_tsig_key_load (good, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (key->secret, ==, SECRET);

  g_assert_null (srv_tsig_key_load (loose, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_PERMISSION_DENIED);
  g_assert_nonnull (strstr (error->message, "0600"));
  g_clear_error (&error);
  g_assert_null (srv_tsig_key_load (group, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_PERMISSION_DENIED);
  g_clear_error (&error);

  g_assert_null (srv_tsig_key_load (broken, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_DATA);
  g_assert_null (strstr (error->message, SECRET));
  g_clear_error (&error);

  g_assert_cmpint (symlink (good, link), ==, 0);
  g_assert_null (srv_tsig_key_load (link, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  g_assert_null (srv_tsig_key_load (missing, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);

  g_assert_null (srv_tsig_key_load (dir, &error));
  g_assert_nonnull (error);

  for (const gchar *const *p = (const gchar *const[]) { good, loose, group, broken, link, NULL }; *p; p++)
    g_unlink (*p);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/srv/tsig-key/parse-good", test_parse_good);
  g_test_add_func ("/srv/tsig-key/parse-bad", test_parse_bad);
  g_test_add_func ("/srv/tsig-key/load", test_load);
  return g_test_run ();
}
