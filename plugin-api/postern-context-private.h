/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The daemon's side of PosternContext: exported from libpostern-1 for
 * posternd, but neither installed nor introspected. */

#include "postern.h"

G_BEGIN_DECLS

PosternContext *postern_context_new            (const gchar     *name,
                                                PosternConfig   *config,
                                                PosternConfig   *core_config,
                                                PosternEventBus *bus,
                                                const gchar     *state_dir_base,
                                                GDBusConnection *connection);
void            postern_context_set_config     (PosternContext  *self,
                                                PosternConfig   *config,
                                                PosternConfig   *core_config);
typedef PosternConfig *(*PosternContextPluginLookup) (const gchar *name,
                                                      gpointer     user_data);
void            postern_context_set_plugin_lookup (PosternContext             *self,
                                                   PosternContextPluginLookup  lookup,
                                                   gpointer                    user_data);
typedef struct _PosternHttpRouter PosternHttpRouter;
void            postern_context_set_http_router (PosternContext    *self,
                                                 PosternHttpRouter *router,
                                                 GCallback          changed,
                                                 gpointer           changed_data);
void            postern_context_begin_stop     (PosternContext  *self,
                                                gint64           deadline);
gboolean        postern_context_is_held        (PosternContext  *self);
void            postern_context_unexport_all   (PosternContext  *self);
gchar          *postern_object_path_for_plugin (const gchar     *name);

G_END_DECLS
