/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "turn-rate-limit.h"
#include "turn-server.h"

G_BEGIN_DECLS

/* Payloads larger than this are dropped (MSG_TRUNC): the client side is
 * UDP, where a relayed datagram plus its framing must fit one datagram. */
#define TURN_RELAY_MAX_PAYLOAD 4096

/* The relay side of one allocation: its sockets (one per relayed address,
 * watched by the relay thread of the shard that created it) and its rate
 * limiter. Kept in TurnAllocation.user_data. */
typedef struct {
  TurnServer *server;
  TurnShard *shard;
  TurnAllocation *alloc;
  gint listener_fd;                       /* where the client's 5-tuple lives */
  gint fd[TURN_MAX_RELAYED];              /* parallel to alloc->relayed */
  guint8 allocate_txid[POSTERN_STUN_TRANSACTION_ID_SIZE];  /* answers a retransmitted Allocate */
  TurnTokenBucket bucket[2];              /* max-bps: [0] to peers, [1] to the client */
} TurnRelay;

typedef enum {
  TURN_RELAY_PORT_ANY,
  TURN_RELAY_PORT_EVEN,
  TURN_RELAY_PORT_EVEN_RESERVE,           /* and keep port + 1 under a token */
  TURN_RELAY_PORT_CLAIM,                  /* the port a RESERVATION-TOKEN holds */
} TurnRelayPortMode;

TurnRelayIo *turn_relay_io_new       (void);
void         turn_relay_io_free      (TurnRelayIo         *io);

gint         turn_relay_bind         (TurnServer          *server,
                                      const TurnAddr      *ip,
                                      TurnRelayPortMode    mode,
                                      guint8               token[TURN_RESERVATION_TOKEN_LEN],
                                      gboolean             dont_fragment,
                                      gint64               now,
                                      TurnAddr            *bound,
                                      GError             **error);
TurnRelay   *turn_relay_new          (TurnShard           *shard,
                                      TurnAllocation      *alloc,
                                      gint                 listener_fd,
                                      const gint          *fds,
                                      GError             **error);
void         turn_relay_free         (TurnRelay           *relay);
void         turn_relay_send_to_peer (TurnRelay           *relay,
                                      const TurnAddr      *peer,
                                      const guint8        *data,
                                      gsize                len);
void         turn_relay_flush_to_peers (TurnShard         *shard);

G_END_DECLS
