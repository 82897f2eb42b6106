/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turn-users-file.h"

#include <errno.h>
#include <fcntl.h>
#include <postern.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads the file through one descriptor, so the checks and the read see the
 * same file. Returns NULL and sets *missing when it does not exist. */
static gchar *
read_private_file (const gchar  *path,
                   gsize        *len,
                   gboolean     *missing,
                   GError      **error)
{
  g_autofree gchar *data = NULL;
  struct stat st;
  gsize done = 0;
  int fd;

  *missing = FALSE;
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
  if (fd < 0)
    {
      int saved = errno;
      *missing = saved == ENOENT;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "users file %s: %s", path, g_strerror (saved));
      return NULL;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                   "users file %s is not a regular file", path);
      close (fd);
      return NULL;
    }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_PERMISSION_DENIED,
                   "users file %s is accessible by group or others (mode %04o); run chmod 600 on it",
                   path, (unsigned) (st.st_mode & 07777));
      close (fd);
      return NULL;
    }
  if (st.st_size > TURN_USERS_FILE_MAX_SIZE)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                   "users file %s is larger than %d bytes", path, TURN_USERS_FILE_MAX_SIZE);
      close (fd);
      return NULL;
    }

  data = g_malloc ((gsize) st.st_size + 1);
  while (done < (gsize) st.st_size)
    {
      ssize_t n = read (fd, data + done, (gsize) st.st_size - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      done += (gsize) n;
    }
  close (fd);
  data[done] = '\0';
  *len = done;
  return g_steal_pointer (&data);
}

TurnUsers *
turn_users_file_load (const gchar  *path,
                      GError      **error)
{
  g_autofree gchar *data = NULL;
  TurnUsers *users;
  gboolean missing;
  gsize len = 0;

  data = read_private_file (path, &len, &missing, error);
  if (data == NULL)
    return NULL;
  users = turn_users_parse (data, len, path, error);
  explicit_bzero (data, len);
  return users;
}

/* The user on a line, or NULL for blanks and comments. */
static gchar *
line_user (const gchar *line)
{
  g_autofree gchar *text = g_strstrip (g_strdup (line));
  gchar *colon;

  if (text[0] == '\0' || text[0] == '#')
    return NULL;
  colon = strrchr (text, ':');
  if (colon == NULL)
    return NULL;
  return g_strndup (text, (gsize) (colon - text));
}

/* Rewrites the file with @username's line replaced by @new_line (or
 * dropped when @new_line is NULL); appends @new_line if the user was absent. */
static gboolean
edit_file (const gchar  *path,
           const gchar  *username,
           const gchar  *new_line,
           GError      **error)
{
  g_autofree gchar *data = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(TurnUsers) check = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean missing = FALSE;
  gboolean found = FALSE;
  gsize len = 0;
  gboolean ok;

  data = read_private_file (path, &len, &missing, &local_error);
  if (data == NULL && !missing)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (data != NULL)
    {
      check = turn_users_parse (data, len, path, error);
      if (check == NULL)
        {
          explicit_bzero (data, len);
          return FALSE;
        }
      lines = g_strsplit (data, "\n", -1);
      explicit_bzero (data, len);
    }

  for (guint i = 0; lines != NULL && lines[i] != NULL; i++)
    {
      g_autofree gchar *user = line_user (lines[i]);
      gboolean last = lines[i + 1] == NULL;

      if (user != NULL && strcmp (user, username) == 0)
        {
          found = TRUE;
          if (new_line != NULL)
            g_string_append_printf (out, "%s\n", new_line);
        }
      else if (!(last && lines[i][0] == '\0'))
        g_string_append_printf (out, "%s\n", lines[i]);
      explicit_bzero (lines[i], strlen (lines[i]));
    }
  if (!found && new_line == NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND, "no user “%s” in %s", username, path);
      explicit_bzero (out->str, out->len);
      return FALSE;
    }
  if (!found)
    g_string_append_printf (out, "%s\n", new_line);

  ok = g_file_set_contents_full (path, out->str, (gssize) out->len,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, error);
  explicit_bzero (out->str, out->len);
  return ok;
}

gboolean
turn_users_file_set (const gchar    *path,
                     const gchar    *username,
                     const TurnKey  *key,
                     GError        **error)
{
  gchar hex[TURN_KEY_HEX_LEN];
  g_autofree gchar *line = NULL;
  gboolean ok;

  if (!turn_username_is_valid (username, error))
    return FALSE;
  line = g_strdup_printf ("%s:%s", username, turn_key_to_hex (key, hex));
  ok = edit_file (path, username, line, error);
  explicit_bzero (hex, sizeof hex);
  explicit_bzero (line, strlen (line));
  return ok;
}

gboolean
turn_users_file_add (const gchar  *path,
                     const gchar  *username,
                     const gchar  *realm,
                     const gchar  *password,
                     GError      **error)
{
  TurnKey key;
  gboolean ok;

  if (!turn_username_is_valid (username, error))
    return FALSE;
  if (password == NULL || password[0] == '\0')
    {
      g_set_error_literal (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_ARGUMENT, "the password is empty");
      return FALSE;
    }
  turn_key_derive (&key, username, realm, password);
  ok = turn_users_file_set (path, username, &key, error);
  explicit_bzero (&key, sizeof key);
  return ok;
}

gboolean
turn_users_file_remove (const gchar  *path,
                        const gchar  *username,
                        GError      **error)
{
  return edit_file (path, username, NULL, error);
}
