/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <postern.h>

#include "turn-allocation-table.h"
#include "turn-loop.h"
#include "turn-nonce.h"
#include "turn-port-pool.h"
#include "turn-rate-limit.h"
#include "turn-settings.h"

G_BEGIN_DECLS

typedef struct _TurnRelayIo TurnRelayIo;

/* Totals since start, for D-Bus. Relayed bytes and packets are in the
 * allocation table's counters. */
typedef struct {
  guint64 allocations_created;
  guint64 auth_failures;
  guint64 forbidden_peers;   /* requests refused, or Send dropped, by peer policy */
  guint64 dropped;           /* relayed datagrams dropped: no permission, rate limit, send failure */
} TurnStats;

/* The TURN service: listeners, the allocation table and the relay sockets.
 * The sockets are served by the relay thread (TurnLoop); D-Bus, expiry and
 * reload run in the main context. Everything below is guarded by @lock
 * once the thread runs, except @context and @loop themselves. */
typedef struct {
  PosternContext *context;
  TurnSettings *settings;
  TurnNonceKey *nonce_key;
  TurnAllocationTable *table;
  TurnPortPool *pool;
  GPtrArray *listeners;      /* TurnListener */
  GMutex lock;
  TurnLoop *loop;            /* the relay thread */
  TurnRelayIo *io;
  TurnSourceLimiter *limiter;  /* 401 and 438 answers per source */
  guint timer_id;
  TurnStats stats;
} TurnServer;

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
void        turn_server_auth_failed  (TurnServer      *self,
                                      const TurnAddr  *client,
                                      const gchar     *username);
void        turn_server_allocation_event (TurnServer     *self,
                                          TurnAllocation *alloc,
                                          const gchar    *action);

/* turn-requests.c: one datagram from a client on a listener */
gsize       turn_server_handle       (TurnServer      *self,
                                      PosternUdpSocket *listener,
                                      const guint8    *data,
                                      gsize            len,
                                      const TurnAddr  *client,
                                      const TurnAddr  *local,
                                      guint8          *reply,
                                      gsize            capacity);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TurnServer, turn_server_free)

G_END_DECLS
