/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One `key = value` line of a drop-in, with where it came from. */
typedef struct {
  gchar *group;
  gchar *key;
  gchar *value;
  gchar *file;
  guint line;
} PosternConfdEntry;

/* The drop-ins that survive shadowing and masking, read in one global order
 * of file name, and every entry of them in reading order. */
typedef struct {
  GPtrArray *files;   /* gchar* paths, in reading order */
  GPtrArray *entries; /* PosternConfdEntry*, in reading order */
  GPtrArray *groups;  /* gchar* group names, in order of first appearance */
} PosternConfd;

PosternConfd *postern_confd_load          (const gchar *const *dirs,
                                           GError             **error);
gboolean      postern_confd_parse_file    (PosternConfd        *self,
                                           const gchar         *path,
                                           GError             **error);
PosternConfd *postern_confd_new           (void);
void          postern_confd_free          (PosternConfd        *self);
GPtrArray    *postern_confd_list_files    (const gchar *const *dirs,
                                           GError             **error);
gchar       **postern_confd_default_dirs  (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternConfd, postern_confd_free)

G_END_DECLS
