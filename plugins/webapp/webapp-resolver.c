/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "webapp-resolver.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

G_DEFINE_QUARK (webapp-resolve-error-quark, webapp_resolve_error)

/* Lookups open O_PATH descriptors: enough to fstat, cheaper than opening for
 * reading (most answers need no contents), and a FIFO planted in the tree
 * cannot block them. webapp_file_open_readable() opens the contents. */
#define FILE_FLAGS (O_PATH | O_CLOEXEC)
/* O_NONBLOCK keeps a file swapped for a FIFO from blocking the reopen. */
#define READ_FLAGS (O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)

/* A root's directory, held open while the path still names it. */
typedef struct {
  int fd;
  dev_t dev;
  ino_t ino;
} RootDir;

struct _WebappResolver {
  GObject parent_instance;
  GStrv roots;
  RootDir *dirs; /* one per root */
  gboolean use_openat2;
};

G_DEFINE_FINAL_TYPE (WebappResolver, webapp_resolver, G_TYPE_OBJECT)

guint
webapp_resolve_error_status (const GError *error)
{
  if (error == NULL || error->domain != WEBAPP_RESOLVE_ERROR)
    return 500;
  switch ((WebappResolveError) error->code)
    {
    case WEBAPP_RESOLVE_ERROR_NOT_FOUND: return 404;
    case WEBAPP_RESOLVE_ERROR_BAD_REQUEST: return 400;
    case WEBAPP_RESOLVE_ERROR_FORBIDDEN: return 403;
    case WEBAPP_RESOLVE_ERROR_TOO_LONG: return 414;
    case WEBAPP_RESOLVE_ERROR_IS_DIRECTORY: return 301;
    default: return 500;
    }
}

/* Hostile bytes never reach the log verbatim: escape them and cut long paths. */
static gchar *
printable (const char *s, gsize len)
{
  g_autofree gchar *cut = g_strndup (s, MIN (len, 200));
  g_autofree gchar *escaped = g_strescape (cut, NULL);
  return len > 200 ? g_strconcat (escaped, "...", NULL) : g_steal_pointer (&escaped);
}

static G_GNUC_PRINTF (5, 6) gboolean
fail (GError **error, WebappResolveError code, const char *path, gsize len, const char *fmt, ...)
{
  g_autofree gchar *shown = printable (path, len);
  g_autofree gchar *reason = NULL;
  va_list ap;

  va_start (ap, fmt);
  reason = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, WEBAPP_RESOLVE_ERROR, code, "“%s”: %s", shown, reason);
  return FALSE;
}

static gboolean
check_segments (const char *decoded, gsize dlen, const char *raw, gsize len, GError **error)
{
  gsize start = 0;

  while (start <= dlen)
    {
      const char *end = memchr (decoded + start, '/', dlen - start);
      gsize seg_len = (end ? (gsize) (end - decoded) : dlen) - start;
      const char *seg = decoded + start;

      if (seg_len == 0 && end != NULL)
        return fail (error, WEBAPP_RESOLVE_ERROR_BAD_REQUEST, raw, len, "empty path segment");
      if ((seg_len == 1 && seg[0] == '.') || (seg_len == 2 && seg[0] == '.' && seg[1] == '.'))
        return fail (error, WEBAPP_RESOLVE_ERROR_BAD_REQUEST, raw, len, "dot segment");
      if (seg_len > 0 && seg[0] == '.')
        return fail (error, WEBAPP_RESOLVE_ERROR_NOT_FOUND, raw, len, "hidden files are not served");
      if (seg_len > WEBAPP_SEGMENT_MAX_LEN)
        return fail (error, WEBAPP_RESOLVE_ERROR_TOO_LONG, raw, len, "path segment too long");
      if (end == NULL)
        break;
      start += seg_len + 1;
    }
  return TRUE;
}

/**
 * webapp_path_decode:
 * @raw: the request path after the mount prefix (e.g. "css/app.css" for
 *   "/webapp/css/app.css"); a query ("?...") is ignored
 * @len: its length in bytes (it may hold NUL bytes, which are refused)
 * @error: set with a %WEBAPP_RESOLVE_ERROR on refusal
 *
 * Percent-decodes @raw exactly once and refuses anything that could name a
 * file outside the tree or a different file than it seems to: encoded dots,
 * slashes, backslashes and NUL, raw backslashes and control bytes, invalid or
 * overlong UTF-8, empty, "." and ".." segments, hidden files, and over-long
 * paths. Returns the decoded relative path ("" for the mount itself; a
 * trailing "/" is kept): no leading "/", no "//", never "." or ".." segments.
 */
gchar *
webapp_path_decode (const char *raw, gsize len, GError **error)
{
  const char *query = memchr (raw, '?', len);
  g_autoptr (GString) out = NULL;

  if (query != NULL)
    len = (gsize) (query - raw);
  if (len > WEBAPP_PATH_MAX_LEN)
    {
      fail (error, WEBAPP_RESOLVE_ERROR_TOO_LONG, raw, len, "path longer than %d bytes", WEBAPP_PATH_MAX_LEN);
      return NULL;
    }

  out = g_string_sized_new (len);
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) raw[i];

      if (c == '%')
        {
          int hi = i + 2 < len ? g_ascii_xdigit_value ((gchar) raw[i + 1]) : -1;
          int lo = i + 2 < len ? g_ascii_xdigit_value ((gchar) raw[i + 2]) : -1;

          if (hi < 0 || lo < 0)
            {
              fail (error, WEBAPP_RESOLVE_ERROR_BAD_REQUEST, raw, len, "malformed percent-encoding");
              return NULL;
            }
          c = (guchar) (hi << 4 | lo);
          i += 2;
          if (c == '.' || c == '/' || c == '\\')
            {
              fail (error, WEBAPP_RESOLVE_ERROR_BAD_REQUEST, raw, len, "encoded dot, slash or backslash");
              return NULL;
            }
          if (c < 0x20 || c == 0x7f)
            {
              fail (error, WEBAPP_RESOLVE_ERROR_BAD_REQUEST, raw, len, "encoded NUL or control byte");
              return NULL;
            }
        }
      else if (c == '\\')
        {
          fail (error, WEBAPP_RESOLVE_ERROR_BAD_REQUEST, raw, len, "backslash");
          return NULL;
        }
      else if (c < 0x20 || c == 0x7f)
        {
          fail (error, WEBAPP_RESOLVE_ERROR_BAD_REQUEST, raw, len, "NUL or control byte");
          return NULL;
        }
      g_string_append_c (out, (char) c);
    }

  if (!g_utf8_validate_len (out->str, out->len, NULL))
    {
      fail (error, WEBAPP_RESOLVE_ERROR_BAD_REQUEST, raw, len, "invalid or overlong UTF-8");
      return NULL;
    }
  if (!check_segments (out->str, out->len, raw, len, error))
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * webapp_file_open_readable:
 * @file: a file found by webapp_resolver_open() or webapp_resolver_open_sibling()
 * @error: %WEBAPP_RESOLVE_ERROR_FORBIDDEN when it may not be read, a
 *   %G_IO_ERROR for any other failure
 *
 * Opens the very file @file holds (through /proc/self/fd, so no path is
 * looked up again) for reading.
 *
 * Returns: a new read-only descriptor, or -1
 */
int
webapp_file_open_readable (const WebappFile *file, GError **error)
{
  g_autofree gchar *shown = NULL;
  char link[64];
  struct stat st;
  int fd;
  int err;

  g_snprintf (link, sizeof link, "/proc/self/fd/%d", file->fd);
  fd = open (link, READ_FLAGS);
  if (fd >= 0 && fstat (fd, &st) == 0 && st.st_dev == file->st.st_dev && st.st_ino == file->st.st_ino)
    return fd;
  err = fd >= 0 ? EIO : errno;
  if (fd >= 0)
    close (fd);
  shown = printable (file->rel_path, strlen (file->rel_path));
  if (err == EACCES || err == EPERM)
    g_set_error (error, WEBAPP_RESOLVE_ERROR, WEBAPP_RESOLVE_ERROR_FORBIDDEN, "“%s”: permission denied", shown);
  else
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err), "“%s”: cannot be opened for reading: %s", shown,
                 g_strerror (err));
  return -1;
}

void
webapp_file_clear (WebappFile *file)
{
  if (file->fd >= 0)
    close (file->fd);
  file->fd = -1;
  g_clear_pointer (&file->rel_path, g_free);
}

static void
webapp_resolver_finalize (GObject *object)
{
  WebappResolver *self = WEBAPP_RESOLVER (object);

  for (guint i = 0; self->roots != NULL && self->roots[i] != NULL; i++)
    if (self->dirs[i].fd >= 0)
      close (self->dirs[i].fd);
  g_free (self->dirs);
  g_strfreev (self->roots);
  G_OBJECT_CLASS (webapp_resolver_parent_class)->finalize (object);
}

static void
webapp_resolver_class_init (WebappResolverClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = webapp_resolver_finalize;
}

static void
webapp_resolver_init (WebappResolver *self)
{
  self->use_openat2 = TRUE;
}

/**
 * webapp_resolver_new:
 * @roots: absolute directory paths, highest priority first: a branding's
 *   overlay, then its base tree
 * @error: set when a root is not an absolute path to a directory
 *
 * Every lookup checks that each root path still names the directory held
 * open for it (reopening it otherwise), so files and even whole trees
 * replaced on disk are served at once.
 */
WebappResolver *
webapp_resolver_new (const char *const *roots, GError **error)
{
  g_autoptr (WebappResolver) self = NULL;

  if (roots == NULL || roots[0] == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "no web root given");
      return NULL;
    }
  for (gsize i = 0; roots[i] != NULL; i++)
    {
      if (!g_path_is_absolute (roots[i]) || !g_file_test (roots[i], G_FILE_TEST_IS_DIR))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY,
                       "web root “%s” is not an absolute path to a directory", roots[i]);
          return NULL;
        }
    }
  self = g_object_new (WEBAPP_TYPE_RESOLVER, NULL);
  self->roots = g_strdupv ((GStrv) roots);
  self->dirs = g_new (RootDir, g_strv_length (self->roots));
  for (guint i = 0; self->roots[i] != NULL; i++)
    self->dirs[i].fd = -1;
  return g_steal_pointer (&self);
}

/* Tests force the per-component walk that kernels before 5.6 get. */
void
webapp_resolver_set_use_openat2 (WebappResolver *self, gboolean use_openat2)
{
  g_return_if_fail (WEBAPP_IS_RESOLVER (self));
  self->use_openat2 = use_openat2;
}

typedef enum { OPEN_OK, OPEN_ABSENT, OPEN_FAILED } OpenResult;

static OpenResult
open_errno (int err, const char *root, const char *rel, GError **error)
{
  g_autofree gchar *shown = printable (rel, strlen (rel));

  switch (err)
    {
    case ENOENT:
    case ENOTDIR:
      g_set_error (error, WEBAPP_RESOLVE_ERROR, WEBAPP_RESOLVE_ERROR_NOT_FOUND,
                   "“%s”: no such file in any root", shown);
      return OPEN_ABSENT;
    case EXDEV:
    case ELOOP:
      g_set_error (error, WEBAPP_RESOLVE_ERROR, WEBAPP_RESOLVE_ERROR_FORBIDDEN,
                   "“%s” in “%s”: a symbolic link leads out of the root or loops "
                   "(without openat2 no symbolic link is followed)", shown, root);
      return OPEN_FAILED;
    case EACCES:
    case EPERM:
      g_set_error (error, WEBAPP_RESOLVE_ERROR, WEBAPP_RESOLVE_ERROR_FORBIDDEN,
                   "“%s” in “%s”: permission denied", shown, root);
      return OPEN_FAILED;
    case ENAMETOOLONG:
      g_set_error (error, WEBAPP_RESOLVE_ERROR, WEBAPP_RESOLVE_ERROR_TOO_LONG,
                   "“%s”: name too long", shown);
      return OPEN_FAILED;
    default:
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err),
                   "“%s” in “%s”: %s", shown, root, g_strerror (err));
      return OPEN_FAILED;
    }
}

static int
open_beneath (int root_fd, const char *rel)
{
  struct open_how how = {
    .flags = FILE_FLAGS,
    .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
  };
  long fd;

  /* EAGAIN: a concurrent rename raced the lookup; the kernel asks to retry. */
  for (int tries = 0; tries < 8; tries++)
    {
      fd = syscall (SYS_openat2, root_fd, rel, &how, sizeof how);
      if (fd >= 0 || errno != EAGAIN)
        break;
    }
  return (int) fd;
}

/* Without openat2 every component is opened with O_NOFOLLOW, so any symlink
 * is refused; the segments were checked to hold no "." or "..". */
static int
open_walking (int root_fd, const char *rel)
{
  g_auto (GStrv) parts = g_strsplit (rel, "/", -1);
  int dir_fd = dup (root_fd);

  for (gsize i = 0; dir_fd >= 0 && parts[i] != NULL; i++)
    {
      gboolean last = parts[i + 1] == NULL;
      int flags = last ? FILE_FLAGS : O_PATH | O_DIRECTORY | O_CLOEXEC;
      int fd = openat (dir_fd, parts[i], flags | O_NOFOLLOW);
      int err = errno;
      struct stat st;

      if (fd < 0 && (err == ENOTDIR || err == ELOOP)
          && fstatat (dir_fd, parts[i], &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK (st.st_mode))
        err = ELOOP;
      close (dir_fd);
      dir_fd = fd;
      errno = err;
    }
  return dir_fd;
}

/* The directory @index names now: the one held open when the path still
 * leads to it (one stat), else opened afresh. -1 with errno when gone.
 * @checked: this request already checked it (a sibling lookup after the
 * file's own), so the held directory is taken as is. */
static int
root_dir (WebappResolver *self, guint index, gboolean checked)
{
  RootDir *dir = &self->dirs[index];
  struct stat st;
  int fd;

  if (checked && dir->fd >= 0)
    return dir->fd;
  if (stat (self->roots[index], &st) != 0)
    return -1;
  if (dir->fd >= 0 && dir->dev == st.st_dev && dir->ino == st.st_ino)
    return dir->fd;
  fd = open (self->roots[index], O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || fstat (fd, &st) != 0)
    {
      int err = errno;

      if (fd >= 0)
        close (fd);
      errno = err;
      return -1;
    }
  if (dir->fd >= 0)
    close (dir->fd);
  *dir = (RootDir) { .fd = fd, .dev = st.st_dev, .ino = st.st_ino };
  return fd;
}

static OpenResult
open_in_root (WebappResolver *self, guint index, gboolean checked, const char *rel, int *fd_out,
              struct stat *st, GError **error)
{
  const char *root = self->roots[index];
  int root_fd = root_dir (self, index, checked);
  int fd = -1;
  int err;

  if (root_fd < 0)
    return open_errno (errno == ENOTDIR ? ENOENT : errno, root, rel, error);

  if (self->use_openat2)
    {
      fd = open_beneath (root_fd, rel[0] ? rel : ".");
      if (fd < 0 && errno == ENOSYS)
        self->use_openat2 = FALSE;
    }
  if (!self->use_openat2)
    fd = rel[0] ? open_walking (root_fd, rel) : openat (root_fd, ".", FILE_FLAGS);
  err = errno;
  if (fd < 0)
    return open_errno (err, root, rel, error);

  if (fstat (fd, st) != 0 || !(S_ISREG (st->st_mode) || S_ISDIR (st->st_mode)))
    {
      g_autofree gchar *shown = printable (rel, strlen (rel));

      close (fd);
      g_set_error (error, WEBAPP_RESOLVE_ERROR, WEBAPP_RESOLVE_ERROR_FORBIDDEN,
                   "“%s” in “%s”: not a regular file or directory", shown, root);
      return OPEN_FAILED;
    }
  *fd_out = fd;
  return OPEN_OK;
}

/* Finds @rel in the first root that has it. Directories are returned as
 * such (the caller decides); absence in every root is NOT_FOUND. */
static gboolean
lookup (WebappResolver *self, const char *rel, guint first_root, guint last_root, gboolean checked,
        WebappFile *out, GError **error)
{
  for (guint i = first_root; i <= last_root; i++)
    {
      g_autoptr (GError) local = NULL;
      int fd = -1;

      switch (open_in_root (self, i, checked, rel, &fd, &out->st, &local))
        {
        case OPEN_OK:
          out->fd = fd;
          out->root_index = i;
          out->rel_path = g_strdup (rel);
          return TRUE;
        case OPEN_ABSENT:
          if (i == last_root)
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return FALSE;
            }
          break;
        case OPEN_FAILED:
        default:
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
    }
  g_assert_not_reached ();
}

/**
 * webapp_resolver_open:
 * @self: a #WebappResolver
 * @raw_path: the request path after the mount prefix, as received
 * @len: its length in bytes
 * @out: (out caller-allocates): the file found, clear with webapp_file_clear()
 * @error: a %WEBAPP_RESOLVE_ERROR saying why not (or a %G_IO_ERROR for an
 *   unexpected system failure, which deserves a 500)
 *
 * Decodes @raw_path with webapp_path_decode() and opens the file it names in
 * the first root that has it; a directory requested with a trailing slash
 * serves its index.html, looked up through every root again.
 */
gboolean
webapp_resolver_open (WebappResolver *self, const char *raw_path, gsize len,
                      WebappFile *out, GError **error)
{
  g_autofree gchar *decoded = NULL;
  g_autofree gchar *index = NULL;
  guint last;
  gsize dlen;
  gboolean trailing;

  g_return_val_if_fail (WEBAPP_IS_RESOLVER (self), FALSE);
  g_return_val_if_fail (out != NULL && out->fd < 0, FALSE);

  last = g_strv_length (self->roots) - 1;

  decoded = webapp_path_decode (raw_path, len, error);
  if (decoded == NULL)
    return FALSE;
  dlen = strlen (decoded);
  trailing = dlen == 0 || decoded[dlen - 1] == '/';
  if (dlen > 0 && trailing)
    decoded[--dlen] = '\0';

  if (dlen > 0)
    {
      if (!lookup (self, decoded, 0, last, FALSE, out, error))
        return FALSE;
      if (S_ISREG (out->st.st_mode))
        {
          if (!trailing)
            return TRUE;
          webapp_file_clear (out);
          return fail (error, WEBAPP_RESOLVE_ERROR_NOT_FOUND, raw_path, len, "not a directory");
        }
      webapp_file_clear (out);
      if (!trailing)
        return fail (error, WEBAPP_RESOLVE_ERROR_IS_DIRECTORY, raw_path, len, "a directory; redirect to “/”");
    }

  index = dlen > 0 ? g_strconcat (decoded, "/index.html", NULL) : g_strdup ("index.html");
  if (!lookup (self, index, 0, last, FALSE, out, error))
    return FALSE;
  if (!S_ISREG (out->st.st_mode))
    {
      webapp_file_clear (out);
      return fail (error, WEBAPP_RESOLVE_ERROR_NOT_FOUND, index, strlen (index), "index is not a file");
    }
  return TRUE;
}

/**
 * webapp_resolver_open_sibling:
 * @self: a #WebappResolver
 * @file: a file found by webapp_resolver_open()
 * @suffix: appended to its name, e.g. ".br" or ".gz"
 * @out: (out caller-allocates): the sibling, clear with webapp_file_clear()
 * @error: NOT_FOUND when there is no such regular file
 *
 * Looks only in the root @file came from, so a branding's own file is never
 * served with a compressed copy of the base's file of the same name. Meant
 * for the request that just found @file: that root's directory is not
 * checked against its path again.
 */
gboolean
webapp_resolver_open_sibling (WebappResolver *self, const WebappFile *file,
                              const char *suffix, WebappFile *out, GError **error)
{
  g_autofree gchar *rel = NULL;

  g_return_val_if_fail (WEBAPP_IS_RESOLVER (self), FALSE);
  g_return_val_if_fail (file != NULL && file->rel_path != NULL, FALSE);
  g_return_val_if_fail (out != NULL && out->fd < 0, FALSE);

  rel = g_strconcat (file->rel_path, suffix, NULL);
  if (!lookup (self, rel, file->root_index, file->root_index, TRUE, out, error))
    return FALSE;
  if (!S_ISREG (out->st.st_mode))
    {
      webapp_file_clear (out);
      return fail (error, WEBAPP_RESOLVE_ERROR_NOT_FOUND, rel, strlen (rel), "not a regular file");
    }
  return TRUE;
}
