/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "turn-server.h"

G_BEGIN_DECLS

typedef struct _TurnListener TurnListener;

TurnListener *turn_listener_new  (TurnShard         *shard,
                                  gint               fd,
                                  GError            **error);
void          turn_listener_free (TurnListener      *self);

G_END_DECLS
