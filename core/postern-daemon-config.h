/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "postern-confd.h"
#include "postern-plugin-loader.h"

G_BEGIN_DECLS

extern const PosternConfigKey postern_core_config_keys[];

/* One plugin group of the merged configuration. */
typedef struct {
  gchar *name;
  const PosternPluginModule *module; /* NULL when it failed to load */
  gchar *load_error;                 /* why it failed to load, or NULL */
  PosternConfig *config;             /* NULL when it failed to load */
  gboolean enabled;
} PosternPluginConfig;

/* The whole validated configuration: what a reload either applies as a
 * whole or not at all. */
typedef struct {
  PosternConfd *confd;
  PosternConfig *core;
  GPtrArray *plugins; /* PosternPluginConfig*, in start order */
} PosternDaemonConfig;

PosternDaemonConfig *postern_daemon_config_load  (const gchar *const *dirs,
                                                  const gchar        *plugin_dir,
                                                  GHashTable         *module_cache,
                                                  GError            **error);
void                 postern_daemon_config_free  (PosternDaemonConfig *self);
PosternPluginConfig *postern_daemon_config_find  (PosternDaemonConfig *self,
                                                  const gchar         *name);
gchar               *postern_daemon_config_print (PosternDaemonConfig *self);
gboolean             postern_daemon_config_has_plugin_errors (PosternDaemonConfig *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternDaemonConfig, postern_daemon_config_free)

G_END_DECLS
