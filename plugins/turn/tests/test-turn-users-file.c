/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turn-users-file.h"

#include <glib/gstdio.h>
#include <postern.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
  gchar *dir;
  gchar *path;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("turn-users-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "users", NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);
  const gchar *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *p = g_build_filename (f->dir, name, NULL);
      g_unlink (p);
    }
  g_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static void
write_file (const gchar *path, const gchar *text, int mode)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, mode, &error);
  g_assert_no_error (error);
  g_assert_cmpint (chmod (path, (mode_t) mode), ==, 0);
}

static gchar *
read_file (const gchar *path)
{
  gchar *text = NULL;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

static void
test_load (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TurnUsers) users = NULL;
  TurnKey key;

  write_file (f->path, "# comment\nninefingers:0xbc807ee29df3c9ffa736523fb2c4e8ee\n", 0600);
  users = turn_users_file_load (f->path, &error);
  g_assert_no_error (error);
  g_assert_true (turn_users_lookup (users, "ninefingers", &key));
  g_clear_pointer (&users, turn_users_unref);

  write_file (f->path, "ninefingers:0xbc807ee29df3c9ffa736523fb2c4e8ee\n", 0400);
  users = turn_users_file_load (f->path, &error);
  g_assert_no_error (error);
}

static void
test_load_refuses_open_modes (Fixture *f, gconstpointer data)
{
  static const int modes[] = { 0640, 0604, 0644, 0660, 0610, 0601, 0602, 0620 };

  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TurnUsers) users = NULL;

      write_file (f->path, "ninefingers:0xbc807ee29df3c9ffa736523fb2c4e8ee\n", modes[i]);
      users = turn_users_file_load (f->path, &error);
      g_assert_null (users);
      g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_PERMISSION_DENIED);
      g_assert_nonnull (strstr (error->message, "chmod 600"));
    }
}

static void
test_load_errors (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *expected = g_strdup_printf ("%s:2: expected", f->path);
  g_autofree gchar *link = g_build_filename (f->dir, "link", NULL);

  g_assert_null (turn_users_file_load (f->path, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);

  write_file (f->path, "\nalice:plaintext\n", 0600);
  g_assert_null (turn_users_file_load (f->path, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG);
  g_assert_true (g_str_has_prefix (error->message, expected));
  g_clear_error (&error);

  /* a symlink is not followed */
  write_file (f->path, "alice:0xbc807ee29df3c9ffa736523fb2c4e8ee\n", 0600);
  g_assert_cmpint (symlink (f->path, link), ==, 0);
  g_assert_null (turn_users_file_load (link, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* neither is a directory */
  g_assert_null (turn_users_file_load (f->dir, &error));
  g_assert_nonnull (error);
}

static void
test_add_creates_private_file (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TurnUsers) users = NULL;
  g_autofree gchar *text = NULL;
  struct stat st;
  TurnKey key;

  g_assert_true (turn_users_file_add (f->path, "ninefingers", "north.gov", "youhavetoberealistic", &error));
  g_assert_no_error (error);
  g_assert_cmpint (stat (f->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);
  text = read_file (f->path);
  g_assert_cmpstr (text, ==, "ninefingers:0xbc807ee29df3c9ffa736523fb2c4e8ee\n");
  g_assert_null (strstr (text, "youhavetoberealistic"));

  users = turn_users_file_load (f->path, &error);
  g_assert_no_error (error);
  g_assert_true (turn_users_lookup (users, "ninefingers", &key));
}

static void
test_edit_keeps_other_lines (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *text = NULL;
  TurnKey key;

  write_file (f->path,
              "# managed by posternctl\n"
              "alice:0x00000000000000000000000000000000\n"
              "\n"
              "bob:0x11111111111111111111111111111111", 0600);

  /* replace alice in place */
  turn_key_derive (&key, "alice", "r", "pw");
  g_assert_true (turn_users_file_set (f->path, "alice", &key, &error));
  g_assert_no_error (error);
  /* add carol at the end */
  g_assert_true (turn_users_file_add (f->path, "carol", "north.gov", "x", &error));
  g_assert_no_error (error);
  /* remove bob */
  g_assert_true (turn_users_file_remove (f->path, "bob", &error));
  g_assert_no_error (error);

  text = read_file (f->path);
  gchar alice_hex[TURN_KEY_HEX_LEN];
  gchar carol_hex[TURN_KEY_HEX_LEN];
  TurnKey carol;
  turn_key_derive (&carol, "carol", "north.gov", "x");
  g_autofree gchar *expected = g_strdup_printf ("# managed by posternctl\nalice:%s\n\ncarol:%s\n",
                                                turn_key_to_hex (&key, alice_hex),
                                                turn_key_to_hex (&carol, carol_hex));
  g_assert_cmpstr (text, ==, expected);
}

static void
test_edit_errors (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *before = NULL;
  g_autofree gchar *after = NULL;

  write_file (f->path, "alice:0x00000000000000000000000000000000\n", 0600);
  g_assert_false (turn_users_file_remove (f->path, "bob", &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_false (turn_users_file_add (f->path, "#bob", "r", "pw", &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (turn_users_file_add (f->path, "bob\nmallory:0x00000000000000000000000000000000", "r", "pw", &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (turn_users_file_add (f->path, "bob", "r", "", &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* a broken or too open file is not rewritten */
  write_file (f->path, "alice:oops\n", 0600);
  before = read_file (f->path);
  g_assert_false (turn_users_file_add (f->path, "bob", "r", "pw", &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG);
  g_clear_error (&error);
  after = read_file (f->path);
  g_assert_cmpstr (before, ==, after);

  write_file (f->path, "alice:0x00000000000000000000000000000000\n", 0644);
  g_assert_false (turn_users_file_add (f->path, "bob", "r", "pw", &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_PERMISSION_DENIED);
}

static void
test_remove_last_user (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *text = NULL;
  g_autoptr(TurnUsers) users = NULL;

  g_assert_true (turn_users_file_add (f->path, "alice", "r", "pw", &error));
  g_assert_true (turn_users_file_remove (f->path, "alice", &error));
  g_assert_no_error (error);
  text = read_file (f->path);
  g_assert_cmpstr (text, ==, "");
  users = turn_users_file_load (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (turn_users_get_size (users), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, fn) g_test_add (name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/turn/users-file/load", test_load);
  ADD ("/turn/users-file/load-refuses-open-modes", test_load_refuses_open_modes);
  ADD ("/turn/users-file/load-errors", test_load_errors);
  ADD ("/turn/users-file/add-creates-private-file", test_add_creates_private_file);
  ADD ("/turn/users-file/edit-keeps-other-lines", test_edit_keeps_other_lines);
  ADD ("/turn/users-file/edit-errors", test_edit_errors);
  ADD ("/turn/users-file/remove-last-user", test_remove_last_user);
#undef ADD
  return g_test_run ();
}
