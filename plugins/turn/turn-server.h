/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <postern.h>

#include "turn-allocation-table.h"
#include "turn-loop.h"
#include "turn-nonce.h"
#include "turn-port-pool.h"
#include "turn-quota.h"
#include "turn-rate-limit.h"
#include "turn-settings.h"

G_BEGIN_DECLS

typedef struct _TurnRelayIo TurnRelayIo;
typedef struct _TurnServer TurnServer;

/* Totals since start, for D-Bus. Relayed bytes and packets are in the
 * allocation tables' counters. */
typedef struct {
  guint64 allocations_created;
  guint64 auth_failures;
  guint64 forbidden_peers;   /* requests refused, or Send dropped, by peer policy */
  guint64 dropped;           /* relayed datagrams dropped: no permission, rate limit, send failure */
} TurnStats;

/* One relay thread and everything it owns: its epoll (TurnLoop), one
 * listening socket per listen address (a SO_REUSEPORT group member, so the
 * kernel hands a client's 5-tuple to the same shard every time), the
 * allocations created through them with their relay sockets, and batch
 * buffers. A peer's datagrams arrive on a relay socket of the shard that
 * owns the allocation, so no packet crosses threads. The thread holds
 * @lock while it serves a batch; the main thread takes it for D-Bus,
 * expiry and reload. */
typedef struct {
  TurnServer *server;
  guint index;
  GMutex lock;
  TurnLoop *loop;
  TurnRelayIo *io;
  TurnAllocationTable *table;
  GPtrArray *listeners;        /* TurnListener, parallel to settings->listen */
  TurnSourceLimiter *limiter;  /* 401 and 438 answers per source */
  TurnStats stats;
} TurnShard;

/* The TURN service: the shards and what they share. Lock order: shard
 * locks by index, then @pool_lock or the quota's own lock. @settings is
 * read by the shards under their lock and replaced only with every shard
 * lock held; the main thread reads it freely. */
struct _TurnServer {
  PosternContext *context;
  TurnSettings *settings;
  TurnNonceKey *nonce_key;     /* immutable */
  TurnQuota *quota;
  GMutex pool_lock;
  TurnPortPool *pool;
  GPtrArray *shards;           /* TurnShard */
  guint timer_id;
};

TurnServer *turn_server_new          (PosternContext  *context,
                                      TurnSettings    *settings,
                                      GError         **error);
void        turn_server_free         (TurnServer      *self);
gboolean    turn_server_apply        (TurnServer      *self,
                                      TurnSettings    *settings,
                                      GError         **error);
gboolean    turn_server_reload_users (TurnServer      *self,
                                      GError         **error);
gint64      turn_server_now          (void);
void        turn_server_lock_all     (TurnServer      *self);
void        turn_server_unlock_all   (TurnServer      *self);
TurnShard  *turn_server_shard_for_id (TurnServer      *self,
                                      guint64          id);
void        turn_server_release_port (TurnServer      *self,
                                      guint16          port);
void        turn_server_auth_failed  (TurnServer      *self,
                                      const TurnAddr  *client,
                                      const gchar     *username);
void        turn_server_allocation_event (TurnServer     *self,
                                          TurnAllocation *alloc,
                                          const gchar    *action);

/* turn-requests.c: one datagram from a client on a shard's listener */
gsize       turn_server_handle       (TurnShard       *shard,
                                      gint             listener_fd,
                                      const guint8    *data,
                                      gsize            len,
                                      const TurnAddr  *client,
                                      const TurnAddr  *local,
                                      guint8          *reply,
                                      gsize            capacity);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TurnServer, turn_server_free)

G_END_DECLS
