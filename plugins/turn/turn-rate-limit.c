/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turn-rate-limit.h"

#include <gnutls/crypto.h>
#include <netinet/in.h>
#include <string.h>

#define MICRO G_GINT64_CONSTANT (1000000)

void
turn_token_bucket_init (TurnTokenBucket *self,
                        guint64          burst,
                        gint64           now)
{
  self->micro_tokens = (gint64) MIN (burst, TURN_RATE_MAX) * MICRO;
  self->last = now;
}

/* Takes @amount tokens if the bucket holds them. Refills at @rate per
 * second up to @burst; a clock that goes back refills nothing. */
gboolean
turn_token_bucket_take (TurnTokenBucket *self,
                        guint64          rate,
                        guint64          burst,
                        guint64          amount,
                        gint64           now)
{
  gint64 cap, need, elapsed;

  if (rate == 0)
    return TRUE;
  rate = MIN (rate, TURN_RATE_MAX);
  cap = (gint64) MIN (burst, TURN_RATE_MAX) * MICRO;
  if (amount > TURN_RATE_MAX)
    return FALSE;
  need = (gint64) amount * MICRO;

  elapsed = now - self->last;
  if (elapsed > 0)
    {
      /* beyond this much time the bucket is full anyway; keeps the product small */
      gint64 to_full = (cap - MIN (self->micro_tokens, cap)) / (gint64) rate + 1;
      self->micro_tokens = MIN (cap, self->micro_tokens + MIN (elapsed, to_full) * (gint64) rate);
      self->last = now;
    }
  if (self->micro_tokens < need)
    return FALSE;
  self->micro_tokens -= need;
  return TRUE;
}

typedef struct {
  TurnAddr key;        /* family 0: empty slot */
  TurnTokenBucket bucket;
} Slot;

struct _TurnSourceLimiter {
  guint64 seed[2];
  guint64 per_source_rate;
  guint64 per_source_burst;
  guint64 total_rate;
  guint64 total_burst;
  TurnTokenBucket total;
  gboolean total_started;
  guint n_slots;
  Slot slots[];
};

TurnSourceLimiter *
turn_source_limiter_new (guint   n_slots,
                         guint64 per_source_rate,
                         guint64 per_source_burst,
                         guint64 total_rate,
                         guint64 total_burst)
{
  TurnSourceLimiter *self;

  n_slots = CLAMP (n_slots, 1, 1u << 20);
  self = g_malloc0 (sizeof *self + n_slots * sizeof (Slot));
  if (gnutls_rnd (GNUTLS_RND_NONCE, self->seed, sizeof self->seed) != 0)
    g_error ("no randomness for the limiter's hash key");
  self->n_slots = n_slots;
  self->per_source_rate = per_source_rate;
  self->per_source_burst = per_source_burst;
  self->total_rate = total_rate;
  self->total_burst = total_burst;
  return self;
}

void
turn_source_limiter_free (TurnSourceLimiter *self)
{
  g_free (self);
}

/* For tests: a fixed hash key, so which sources share a slot is known. */
void
turn_source_limiter_set_key (TurnSourceLimiter *self,
                             guint64            k0,
                             guint64            k1)
{
  self->seed[0] = k0;
  self->seed[1] = k1;
  memset (self->slots, 0, self->n_slots * sizeof (Slot));
}

/* One source per IPv4 address and per IPv6 /64 (an end site); IPv4-mapped
 * addresses count as the IPv4 address they carry. */
static void
source_key (const TurnAddr *source, TurnAddr *key)
{
  static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

  *key = *source;
  key->port = 0;
  if (key->family == AF_INET6 && memcmp (key->ip, mapped, sizeof mapped) != 0)
    memset (key->ip + 8, 0, 8);
}

/* A keyed mix so an attacker cannot aim many sources at one slot without
 * knowing the per-process key. */
static guint
slot_index (const TurnSourceLimiter *self, const TurnAddr *key)
{
  guint64 words[3] = { 0 };
  guint64 h = self->seed[0];

  memcpy (words, key, sizeof *key);
  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    {
      h ^= words[i] + self->seed[1];
      h *= G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);
      h ^= h >> 29;
    }
  return (guint) (h % self->n_slots);
}

/* Whether a source may get one more answer now. A slot taken by another
 * source is handed over with a full bucket: memory stays bounded and the
 * global bucket still caps the sum. */
gboolean
turn_source_limiter_allow (TurnSourceLimiter *self,
                           const TurnAddr    *source,
                           gint64             now)
{
  TurnAddr key;
  Slot *slot;

  source_key (source, &key);
  slot = &self->slots[slot_index (self, &key)];
  if (!turn_addr_equal (&slot->key, &key))
    {
      slot->key = key;
      turn_token_bucket_init (&slot->bucket, self->per_source_burst, now);
    }
  if (!self->total_started)
    {
      turn_token_bucket_init (&self->total, self->total_burst, now);
      self->total_started = TRUE;
    }
  if (!turn_token_bucket_take (&slot->bucket, self->per_source_rate, self->per_source_burst, 1, now))
    return FALSE;
  return turn_token_bucket_take (&self->total, self->total_rate, self->total_burst, 1, now);
}
