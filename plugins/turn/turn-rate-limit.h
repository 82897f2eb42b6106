/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "turn-addr.h"

G_BEGIN_DECLS

/* Largest rate and burst accepted, so token arithmetic cannot overflow. */
#define TURN_RATE_MAX G_GUINT64_CONSTANT (1000000000000)

/* A token bucket that allocates nothing: `max-bps` per allocation (units
 * are bytes) or events per source (units are events). Time is passed in
 * microseconds (g_get_monotonic_time ()). A rate of 0 means unlimited. */
typedef struct {
  gint64 micro_tokens;  /* tokens, in millionths */
  gint64 last;          /* time of the last refill */
} TurnTokenBucket;

void     turn_token_bucket_init (TurnTokenBucket *self,
                                 guint64          burst,
                                 gint64           now);
gboolean turn_token_bucket_take (TurnTokenBucket *self,
                                 guint64          rate,
                                 guint64          burst,
                                 guint64          amount,
                                 gint64           now);

/* Answers to unauthenticated requests (401, 438) limited per source, with
 * bounded memory however many sources there are: a fixed table of buckets
 * indexed by a keyed hash of the source (IPv6 grouped by /64), plus one
 * bucket for all sources together so a spoofed flood from many addresses
 * is capped too. */
typedef struct _TurnSourceLimiter TurnSourceLimiter;

TurnSourceLimiter *turn_source_limiter_new   (guint              n_slots,
                                              guint64            per_source_rate,
                                              guint64            per_source_burst,
                                              guint64            total_rate,
                                              guint64            total_burst);
void               turn_source_limiter_free  (TurnSourceLimiter *self);
void               turn_source_limiter_set_key (TurnSourceLimiter *self,
                                                guint64            k0,
                                                guint64            k1);
gboolean           turn_source_limiter_allow (TurnSourceLimiter *self,
                                              const TurnAddr    *source,
                                              gint64             now);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TurnSourceLimiter, turn_source_limiter_free)

G_END_DECLS
