/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "srv-tsig-key.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <postern.h>

#define KEY_FILE_MAX 4096

void
srv_tsig_key_free (SrvTsigKey *key)
{
  if (key == NULL)
    return;
  if (key->secret != NULL)
    explicit_bzero (key->secret, strlen (key->secret));
  g_free (key->secret);
  g_free (key->algorithm);
  g_free (key->name);
  g_free (key);
}

static gboolean
is_base64 (const gchar *s)
{
  gsize len = strlen (s), pad = 0;

  if (len == 0 || len % 4 != 0)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    gchar c = s[i];

    if (c == '=') {
      pad++;
      continue;
    }
    if (pad > 0 || !(g_ascii_isalnum (c) || c == '+' || c == '/'))
      return FALSE;
  }
  return pad <= 2;
}

/* A DNS name in presentation form: labels of letters, digits, '-' and '_',
 * 1-63 bytes each, 253 bytes in all. */
static gboolean
is_key_name (const gchar *s)
{
  gsize len = strlen (s), label = 0;

  if (len == 0 || len > 254 || (len == 254 && s[len - 1] != '.'))
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    if (s[i] == '.') {
      if (label == 0)
        return FALSE;
      label = 0;
    } else if (g_ascii_isalnum (s[i]) || s[i] == '-' || s[i] == '_') {
      if (++label > 63)
        return FALSE;
    } else {
      return FALSE;
    }
  }
  return TRUE;
}

static void
wipe_strv (gchar **strv)
{
  for (gsize i = 0; strv != NULL && strv[i] != NULL; i++)
    explicit_bzero (strv[i], strlen (strv[i]));
}

static SrvTsigKey *
parse_lines (gchar **lines, GError **error)
{
  g_autoptr(SrvTsigKey) key = NULL;

  for (gsize i = 0; lines[i] != NULL; i++) {
    g_auto(GStrv) fields = NULL;
    const gchar *line = g_strstrip (lines[i]);
    gsize n = 0;

    if (*line == '\0' || *line == '#')
      continue;
    if (key != NULL) {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_DATA, "line %zu: only one key per file", i + 1);
      return NULL;
    }
    fields = g_regex_split_simple ("[ \t]+", line, 0, 0);
    n = g_strv_length (fields);
    if (n != 3) {
      wipe_strv (fields);
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_DATA,
                   "line %zu: expected 'algorithm name secret', found %zu fields", i + 1, n);
      return NULL;
    }
    key = g_new0 (SrvTsigKey, 1);
    key->secret = g_strdup (fields[2]);
    explicit_bzero (fields[2], strlen (fields[2]));
    key->algorithm = g_ascii_strdown (fields[0], -1);
    if (g_str_has_suffix (key->algorithm, "."))
      key->algorithm[strlen (key->algorithm) - 1] = '\0';
    if (!g_str_equal (key->algorithm, "hmac-sha256") && !g_str_equal (key->algorithm, "hmac-sha512")) {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_DATA,
                   "line %zu: the algorithm is not hmac-sha256 or hmac-sha512", i + 1);
      return NULL;
    }
    if (!is_key_name (fields[1])) {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_DATA, "line %zu: the key name is not a DNS name", i + 1);
      return NULL;
    }
    key->name = g_str_has_suffix (fields[1], ".") ? g_strdup (fields[1]) : g_strconcat (fields[1], ".", NULL);
    if (!is_base64 (key->secret)) {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_DATA, "line %zu: the secret is not base64", i + 1);
      return NULL;
    }
  }
  if (key == NULL) {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_DATA, "no key in the file");
    return NULL;
  }
  return g_steal_pointer (&key);
}

SrvTsigKey *
srv_tsig_key_parse (const gchar *text, GError **error)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  SrvTsigKey *key = parse_lines (lines, error);

  wipe_strv (lines);
  return key;
}

SrvTsigKey *
srv_tsig_key_load (const gchar *path, GError **error)
{
  g_autoptr(GError) local = NULL;
  gchar buffer[KEY_FILE_MAX + 1];
  struct stat st;
  SrvTsigKey *key;
  ssize_t got;
  int fd;

  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
  if (fd < 0) {
    int saved = errno;
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "%s: %s", path, g_strerror (saved));
    return NULL;
  }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode)) {
    close (fd);
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_PERMISSION_DENIED, "%s: not a regular file", path);
    return NULL;
  }
  if ((st.st_mode & 077) != 0) {
    close (fd);
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_PERMISSION_DENIED,
                 "%s: mode %04o lets others read the secret; it must be 0600", path, st.st_mode & 07777);
    return NULL;
  }
  got = read (fd, buffer, sizeof buffer);
  close (fd);
  if (got < 0 || got > KEY_FILE_MAX) {
    explicit_bzero (buffer, sizeof buffer);
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_DATA, "%s: %s", path,
                 got < 0 ? "cannot be read" : "larger than 4096 bytes");
    return NULL;
  }
  buffer[got] = '\0';
  key = (memchr (buffer, '\0', (gsize) got) != NULL) ? NULL : srv_tsig_key_parse (buffer, &local);
  explicit_bzero (buffer, sizeof buffer);
  if (key == NULL) {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_DATA, "%s: %s", path,
                 local != NULL ? local->message : "contains a NUL byte");
    return NULL;
  }
  return key;
}
