/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "postern.h"
#include "postern-http-private.h"

G_BEGIN_DECLS

typedef struct _PosternFront PosternFront;

PosternFront *postern_front_new          (PosternEventBus   *bus,
                                          PosternHttpRouter *router,
                                          const gchar       *state_dir);
void          postern_front_free         (PosternFront      *self);
gboolean      postern_front_apply_config (PosternFront      *self,
                                          PosternConfig     *core_config,
                                          GError           **error);
gboolean      postern_front_sync         (PosternFront      *self,
                                          GError           **error);
void          postern_front_stop         (PosternFront      *self);
gboolean      postern_front_is_listening (PosternFront      *self);
guint         postern_front_get_n_connections (PosternFront *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternFront, postern_front_free)

G_END_DECLS
