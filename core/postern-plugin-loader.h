/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "postern.h"

G_BEGIN_DECLS

/* A plugin file that passed every load check; the module stays resident. */
typedef struct {
  gchar *path;
  const PosternPluginDescriptor *descriptor;
} PosternPluginModule;

gchar               *postern_plugin_loader_path_for (const gchar   *plugin_dir,
                                                     const gchar   *name);
PosternPluginModule *postern_plugin_loader_load     (const gchar   *plugin_dir,
                                                     const gchar   *name,
                                                     GError       **error);
void                 postern_plugin_module_free     (PosternPluginModule *module);
GPtrArray           *postern_plugin_loader_order    (GPtrArray     *modules,
                                                     GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternPluginModule, postern_plugin_module_free)

G_END_DECLS
