/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>
#include <sys/stat.h>

G_BEGIN_DECLS

#define WEBAPP_RESOLVE_ERROR (webapp_resolve_error_quark ())

/**
 * WebappResolveError:
 * @WEBAPP_RESOLVE_ERROR_NOT_FOUND: no such file in any root (404)
 * @WEBAPP_RESOLVE_ERROR_BAD_REQUEST: the path is malformed or tries to escape (400)
 * @WEBAPP_RESOLVE_ERROR_FORBIDDEN: the file exists but must not be served,
 *   e.g. a symlink leading out of its root (403)
 * @WEBAPP_RESOLVE_ERROR_TOO_LONG: the path is longer than any served file's (414)
 * @WEBAPP_RESOLVE_ERROR_IS_DIRECTORY: a directory named without its trailing
 *   slash; answer 301 to the same path with "/" appended
 *
 * Why a request path could not be served; webapp_resolve_error_status()
 * gives the HTTP status to answer with. Every message is fit for the log.
 */
typedef enum {
  WEBAPP_RESOLVE_ERROR_NOT_FOUND,
  WEBAPP_RESOLVE_ERROR_BAD_REQUEST,
  WEBAPP_RESOLVE_ERROR_FORBIDDEN,
  WEBAPP_RESOLVE_ERROR_TOO_LONG,
  WEBAPP_RESOLVE_ERROR_IS_DIRECTORY,
} WebappResolveError;

/* Longest raw path (after the mount) and longest segment we accept. */
#define WEBAPP_PATH_MAX_LEN 2048
#define WEBAPP_SEGMENT_MAX_LEN 255

GQuark webapp_resolve_error_quark (void);
guint webapp_resolve_error_status (const GError *error);

gchar *webapp_path_decode (const char *raw, gsize len, GError **error);

/**
 * WebappFile:
 * @fd: an O_PATH descriptor of the file (fstat only; webapp_file_open_readable()
 *   opens its contents), owned by the struct
 * @st: its fstat()
 * @root_index: which root it came from (0 = highest priority)
 * @rel_path: its path relative to that root, e.g. "css/app.css"
 *
 * A file found by webapp_resolver_open(). Clear with webapp_file_clear().
 */
typedef struct {
  int fd;
  struct stat st;
  guint root_index;
  gchar *rel_path;
} WebappFile;

#define WEBAPP_FILE_INIT { .fd = -1 }

int webapp_file_open_readable (const WebappFile *file, GError **error);
void webapp_file_clear (WebappFile *file);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (WebappFile, webapp_file_clear)

#define WEBAPP_TYPE_RESOLVER (webapp_resolver_get_type ())
G_DECLARE_FINAL_TYPE (WebappResolver, webapp_resolver, WEBAPP, RESOLVER, GObject)

WebappResolver *webapp_resolver_new (const char *const *roots, GError **error);
void webapp_resolver_set_use_openat2 (WebappResolver *self, gboolean use_openat2);
gboolean webapp_resolver_open (WebappResolver *self, const char *raw_path, gsize len,
                               WebappFile *out, GError **error);
gboolean webapp_resolver_open_sibling (WebappResolver *self, const WebappFile *file,
                                       const char *suffix, WebappFile *out, GError **error);

G_END_DECLS
