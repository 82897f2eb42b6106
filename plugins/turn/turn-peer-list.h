/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "turn-addr.h"

G_BEGIN_DECLS

/* Most XOR-PEER-ADDRESS attributes one CreatePermission may carry. */
#define TURN_MAX_PEERS_PER_REQUEST 16

gint turn_peer_list_collect (const PosternStunMessage *msg,
                             TurnAddr                 *peers,
                             guint                     capacity);

G_END_DECLS
