/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "turn-addr.h"

G_BEGIN_DECLS

/* Stateless nonces: NONCE = hex(issue time) hex(HMAC-SHA256(key, time,
 * 5-tuple))[first 16 bytes]. The server keeps nothing per client (spoofed
 * requests create no state); a nonce is good for one 5-tuple (client
 * address and the server address it reached) and `lifetime` seconds. The key is random per process, so a
 * restart makes old nonces stale and clients simply retry. */
#define TURN_NONCE_LEN 48

typedef enum {
  TURN_NONCE_VALID,
  TURN_NONCE_STALE,    /* ours and for this client, but too old (or from the future) */
  TURN_NONCE_INVALID,  /* not ours, damaged, or issued to another 5-tuple */
} TurnNonceStatus;

typedef struct _TurnNonceKey TurnNonceKey;

TurnNonceKey    *turn_nonce_key_new             (void);
TurnNonceKey    *turn_nonce_key_new_from_bytes  (const guint8       *bytes,
                                                 gsize               len);
void             turn_nonce_key_free            (TurnNonceKey       *self);
void             turn_nonce_make                (const TurnNonceKey *key,
                                                 const TurnFiveTuple *five_tuple,
                                                 gint64              now,
                                                 gchar               out[TURN_NONCE_LEN + 1]);
TurnNonceStatus  turn_nonce_check               (const TurnNonceKey *key,
                                                 const guint8       *nonce,
                                                 gsize               len,
                                                 const TurnFiveTuple *five_tuple,
                                                 gint64              now,
                                                 gint64              lifetime);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TurnNonceKey, turn_nonce_key_free)

G_END_DECLS
