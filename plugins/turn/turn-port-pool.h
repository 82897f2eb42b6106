/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Relay ports from a configured range, chosen at random (RFC 6056 spirit:
 * an observer cannot predict the next relay port). Allocation and release
 * are O(1): free ports live in two dense arrays (even, odd) with a position
 * index per port. EVEN-PORT with the R bit reserves port+1 under an 8-byte
 * token for TURN_RESERVATION_LIFETIME seconds. Time is passed in. */
#define TURN_RESERVATION_TOKEN_LEN 8
#define TURN_RESERVATION_LIFETIME 30
#define TURN_DEFAULT_FIRST_PORT 49152
#define TURN_DEFAULT_LAST_PORT 65535

typedef struct _TurnPortPool TurnPortPool;

TurnPortPool *turn_port_pool_new              (guint16        first,
                                               guint16        last,
                                               GError       **error);
void          turn_port_pool_free             (TurnPortPool  *self);
gboolean      turn_port_pool_set_range        (TurnPortPool  *self,
                                               guint16        first,
                                               guint16        last,
                                               GError       **error);
gboolean      turn_port_pool_parse_range      (const gchar   *text,
                                               guint16       *first,
                                               guint16       *last,
                                               GError       **error);
gboolean      turn_port_range_validate        (const gchar   *text,
                                               GError       **error);
gboolean      turn_port_pool_allocate         (TurnPortPool  *self,
                                               guint16       *port,
                                               GError       **error);
gboolean      turn_port_pool_allocate_even    (TurnPortPool  *self,
                                               gboolean       reserve_next,
                                               gint64         now,
                                               guint16       *port,
                                               guint8         token[TURN_RESERVATION_TOKEN_LEN],
                                               GError       **error);
gboolean      turn_port_pool_claim            (TurnPortPool  *self,
                                               const guint8   token[TURN_RESERVATION_TOKEN_LEN],
                                               gint64         now,
                                               guint16       *port,
                                               GError       **error);
gboolean      turn_port_pool_release          (TurnPortPool  *self,
                                               guint16        port);
guint         turn_port_pool_expire           (TurnPortPool  *self,
                                               gint64         now);
guint         turn_port_pool_get_n_free       (TurnPortPool  *self);
guint         turn_port_pool_get_n_reserved   (TurnPortPool  *self);
gboolean      turn_port_pool_is_in_use        (TurnPortPool  *self,
                                               guint16        port);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TurnPortPool, turn_port_pool_free)

G_END_DECLS
