/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "turn-addr.h"
#include "turn-quota.h"

G_BEGIN_DECLS

/* RFC 8656 timers, in seconds. */
#define TURN_DEFAULT_LIFETIME 600
#define TURN_MAX_LIFETIME 3600
#define TURN_PERMISSION_LIFETIME 300
#define TURN_CHANNEL_LIFETIME 600
/* After a channel expires, neither its number nor its peer may be bound to
 * anything else for this long (RFC 8656, section 12). */
#define TURN_CHANNEL_COOLDOWN 300
/* RFC 8656 channel numbers. RFC 5766 allowed up to 0x7FFF, and coturn's
 * turnutils_uclient still picks at random from 0x4000-0x7FFF: the
 * `legacy-channels` key accepts those (TURN_CHANNEL_MAX_LEGACY). */
#define TURN_CHANNEL_MIN 0x4000
#define TURN_CHANNEL_MAX 0x4FFF
#define TURN_CHANNEL_MAX_LEGACY 0x7FFF
/* Bounds what one authenticated client can make the server remember. */
#define TURN_MAX_PERMISSIONS 1024
#define TURN_MAX_RELAYED 2

typedef struct {
  guint64 packets;
  guint64 bytes;
} TurnCounter;

typedef struct {
  guint16 number;
  TurnAddr peer;
  gint64 expires;    /* active while now < expires; then cooling down */
} TurnChannel;

typedef enum {
  TURN_REMOVED_EXPIRED,
  TURN_REMOVED_DELETED,     /* Refresh with lifetime 0, or an operator */
  TURN_REMOVED_SHUTDOWN,    /* the table is being freed */
} TurnRemovalReason;

typedef struct _TurnAllocationTable TurnAllocationTable;
typedef struct _TurnAllocation TurnAllocation;

/* Fields are read-only outside turn-allocation-table.c, except user_data
 * (the plugin's relay socket state) and the counters, which the data path
 * bumps with turn_allocation_count_*(). */
struct _TurnAllocation {
  guint64 id;
  TurnFiveTuple five_tuple;
  TurnAddr relayed[TURN_MAX_RELAYED];
  guint n_relayed;
  gchar *username;
  gint64 created;
  gint64 expires;
  TurnCounter to_peer;
  TurnCounter to_client;
  gpointer user_data;
  /*< private >*/
  TurnAllocationTable *table;
  gboolean removing;               /* the removal callback is running */
  GHashTable *permissions;         /* TurnAddr* (port 0) -> Permission*, lazily */
  GHashTable *channels_by_number;  /* GUINT_TO_POINTER (number) -> TurnChannel*, lazily */
  GHashTable *channels_by_peer;    /* TurnAddr* -> TurnChannel*, lazily */
};

typedef void (*TurnAllocationRemovedFunc) (TurnAllocationTable *table,
                                           TurnAllocation      *allocation,
                                           TurnRemovalReason    reason,
                                           gpointer             user_data);

TurnAllocationTable *turn_allocation_table_new          (TurnQuota                 *quota,
                                                         TurnAllocationRemovedFunc  removed,
                                                         gpointer                   user_data);
void                 turn_allocation_table_free         (TurnAllocationTable       *self);
void                 turn_allocation_table_set_ids      (TurnAllocationTable       *self,
                                                         guint64                    first,
                                                         guint64                    stride);
TurnAllocation      *turn_allocation_table_create       (TurnAllocationTable       *self,
                                                         const TurnFiveTuple       *five_tuple,
                                                         const gchar               *username,
                                                         const TurnAddr            *relayed,
                                                         guint                      n_relayed,
                                                         guint32                    lifetime,
                                                         gint64                     now,
                                                         GError                   **error);
TurnAllocation      *turn_allocation_table_lookup       (TurnAllocationTable       *self,
                                                         const TurnFiveTuple       *five_tuple);
TurnAllocation      *turn_allocation_table_lookup_relayed (TurnAllocationTable     *self,
                                                           const TurnAddr          *relayed);
TurnAllocation      *turn_allocation_table_lookup_id    (TurnAllocationTable       *self,
                                                         guint64                    id);
void                 turn_allocation_table_remove       (TurnAllocationTable       *self,
                                                         TurnAllocation            *allocation,
                                                         TurnRemovalReason          reason);
guint                turn_allocation_table_expire       (TurnAllocationTable       *self,
                                                         gint64                     now);
GPtrArray           *turn_allocation_table_list         (TurnAllocationTable       *self);
guint                turn_allocation_table_get_size     (TurnAllocationTable       *self);
const TurnCounter   *turn_allocation_table_get_to_peer  (TurnAllocationTable       *self);
const TurnCounter   *turn_allocation_table_get_to_client (TurnAllocationTable      *self);

guint32              turn_lifetime_clamp                (gboolean                   present,
                                                         guint32                    requested,
                                                         gboolean                   zero_deletes);
void                 turn_allocation_refresh            (TurnAllocation            *self,
                                                         guint32                    lifetime,
                                                         gint64                     now);
gboolean             turn_allocation_is_expired         (const TurnAllocation      *self,
                                                         gint64                     now);
gboolean             turn_allocation_add_permission     (TurnAllocation            *self,
                                                         const TurnAddr            *peer,
                                                         gint64                     now,
                                                         GError                   **error);
gboolean             turn_allocation_add_permissions    (TurnAllocation            *self,
                                                         const TurnAddr            *peers,
                                                         guint                      n_peers,
                                                         gint64                     now,
                                                         GError                   **error);
gboolean             turn_allocation_has_permission     (TurnAllocation            *self,
                                                         const TurnAddr            *peer,
                                                         gint64                     now);
guint                turn_allocation_get_n_permissions  (TurnAllocation            *self);
gboolean             turn_allocation_bind_channel       (TurnAllocation            *self,
                                                         guint16                    number,
                                                         const TurnAddr            *peer,
                                                         gint64                     now,
                                                         GError                   **error);
const TurnChannel   *turn_allocation_lookup_channel     (TurnAllocation            *self,
                                                         guint16                    number,
                                                         gint64                     now);
const TurnChannel   *turn_allocation_lookup_channel_by_peer (TurnAllocation        *self,
                                                             const TurnAddr        *peer,
                                                             gint64                 now);
guint                turn_allocation_get_n_channels     (TurnAllocation            *self);
void                 turn_allocation_purge              (TurnAllocation            *self,
                                                         gint64                     now);
void                 turn_allocation_count_to_peer      (TurnAllocation            *self,
                                                         gsize                      bytes);
void                 turn_allocation_count_to_client    (TurnAllocation            *self,
                                                         gsize                      bytes);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TurnAllocationTable, turn_allocation_table_free)

G_END_DECLS
