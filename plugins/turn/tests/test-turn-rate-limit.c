/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turn-rate-limit.h"
#include "turn-test-addr.h"

#define SEC G_GINT64_CONSTANT (1000000)

static void
test_bucket_basic (void)
{
  TurnTokenBucket b;
  const gint64 t0 = 5 * SEC;

  /* 1000 bytes/s, burst 1500: starts full */
  turn_token_bucket_init (&b, 1500, t0);
  g_assert_true (turn_token_bucket_take (&b, 1000, 1500, 1200, t0));
  g_assert_false (turn_token_bucket_take (&b, 1000, 1500, 301, t0));
  g_assert_true (turn_token_bucket_take (&b, 1000, 1500, 300, t0));
  g_assert_false (turn_token_bucket_take (&b, 1000, 1500, 1, t0));
  /* 1 ms gives 1 byte */
  g_assert_true (turn_token_bucket_take (&b, 1000, 1500, 1, t0 + 1000));
  g_assert_false (turn_token_bucket_take (&b, 1000, 1500, 1, t0 + 1000));
  /* half a second gives 500 */
  g_assert_true (turn_token_bucket_take (&b, 1000, 1500, 500, t0 + 1000 + SEC / 2));
  g_assert_false (turn_token_bucket_take (&b, 1000, 1500, 1, t0 + 1000 + SEC / 2));
  /* a long pause fills only up to the burst */
  g_assert_true (turn_token_bucket_take (&b, 1000, 1500, 1500, t0 + 1000 * SEC));
  g_assert_false (turn_token_bucket_take (&b, 1000, 1500, 1, t0 + 1000 * SEC));
  /* more than the burst never passes */
  g_assert_false (turn_token_bucket_take (&b, 1000, 1500, 1501, t0 + 5000 * SEC));
}

static void
test_bucket_edges (void)
{
  TurnTokenBucket b;

  /* rate 0: unlimited */
  turn_token_bucket_init (&b, 0, 0);
  for (guint i = 0; i < 100; i++)
    g_assert_true (turn_token_bucket_take (&b, 0, 0, G_MAXUINT64, 0));

  /* the clock going back refills nothing and breaks nothing */
  turn_token_bucket_init (&b, 10, 100 * SEC);
  g_assert_true (turn_token_bucket_take (&b, 10, 10, 10, 100 * SEC));
  g_assert_false (turn_token_bucket_take (&b, 10, 10, 1, 50 * SEC));
  g_assert_false (turn_token_bucket_take (&b, 10, 10, 1, 100 * SEC));
  g_assert_true (turn_token_bucket_take (&b, 10, 10, 1, 100 * SEC + SEC / 10));

  /* extreme values do not overflow */
  turn_token_bucket_init (&b, G_MAXUINT64, 0);
  g_assert_true (turn_token_bucket_take (&b, G_MAXUINT64, G_MAXUINT64, TURN_RATE_MAX, 0));
  g_assert_false (turn_token_bucket_take (&b, G_MAXUINT64, G_MAXUINT64, 1, 0));
  g_assert_true (turn_token_bucket_take (&b, G_MAXUINT64, G_MAXUINT64, TURN_RATE_MAX, G_MAXINT64 / 2));
  g_assert_false (turn_token_bucket_take (&b, G_MAXUINT64, G_MAXUINT64, TURN_RATE_MAX + 1, G_MAXINT64));
  g_assert_true (b.micro_tokens >= 0);
}

static void
test_limiter_per_source (void)
{
  g_autoptr(TurnSourceLimiter) lim = turn_source_limiter_new (4096, 1, 3, 0, 0);
  TurnAddr a = turn_test_addr ("203.0.113.1", 1000);
  TurnAddr a_other_port = turn_test_addr ("203.0.113.1", 2000);
  TurnAddr b = turn_test_addr ("203.0.113.2", 1000);

  /* with this key the two sources use different slots (checked below) */
  turn_source_limiter_set_key (lim, 1, 2);
  for (guint i = 0; i < 3; i++)
    g_assert_true (turn_source_limiter_allow (lim, &a, 0));
  g_assert_false (turn_source_limiter_allow (lim, &a, 0));
  g_assert_false (turn_source_limiter_allow (lim, &a_other_port, 0));   /* the port does not matter */
  for (guint i = 0; i < 3; i++)
    g_assert_true (turn_source_limiter_allow (lim, &b, 0));
  g_assert_false (turn_source_limiter_allow (lim, &b, 0));
  /* a still limited: its slot was not handed to b */
  g_assert_false (turn_source_limiter_allow (lim, &a, 0));
  /* one per second */
  g_assert_true (turn_source_limiter_allow (lim, &a, SEC));
  g_assert_false (turn_source_limiter_allow (lim, &a, SEC));
}

static void
test_limiter_groups (void)
{
  g_autoptr(TurnSourceLimiter) lim = turn_source_limiter_new (4096, 1, 2, 0, 0);
  TurnAddr v6a = turn_test_addr ("2001:db8:1:2::1", 1);
  TurnAddr v6b = turn_test_addr ("2001:db8:1:2:ffff::9", 1);
  TurnAddr v6c = turn_test_addr ("2001:db8:1:3::1", 1);
  TurnAddr m1 = turn_test_addr ("::ffff:198.51.100.1", 1);
  TurnAddr m2 = turn_test_addr ("::ffff:198.51.100.2", 1);

  turn_source_limiter_set_key (lim, 1, 2);
  /* one /64 is one source */
  g_assert_true (turn_source_limiter_allow (lim, &v6a, 0));
  g_assert_true (turn_source_limiter_allow (lim, &v6b, 0));
  g_assert_false (turn_source_limiter_allow (lim, &v6a, 0));
  g_assert_true (turn_source_limiter_allow (lim, &v6c, 0));
  /* IPv4-mapped addresses are separate sources, not one ::/64 */
  g_assert_true (turn_source_limiter_allow (lim, &m1, 0));
  g_assert_true (turn_source_limiter_allow (lim, &m1, 0));
  g_assert_false (turn_source_limiter_allow (lim, &m1, 0));
  g_assert_true (turn_source_limiter_allow (lim, &m2, 0));
}

static void
test_limiter_total (void)
{
  g_autoptr(TurnSourceLimiter) lim = turn_source_limiter_new (64, 100, 100, 2, 5);
  guint allowed = 0;

  /* a flood from 100 sources gets the global burst of 5, then 2 per second */
  for (guint i = 0; i < 100; i++)
    {
      TurnAddr a = turn_test_addr ("198.51.100.0", 1);
      a.ip[3] = (guint8) i;
      allowed += turn_source_limiter_allow (lim, &a, 0);
    }
  g_assert_cmpuint (allowed, ==, 5);
  allowed = 0;
  for (guint i = 0; i < 100; i++)
    {
      TurnAddr a = turn_test_addr ("198.51.100.0", 1);
      a.ip[3] = (guint8) i;
      allowed += turn_source_limiter_allow (lim, &a, SEC);
    }
  g_assert_cmpuint (allowed, ==, 2);
}

static void
test_limiter_single_slot (void)
{
  /* everything collides: each new source takes the slot over with a fresh
   * bucket, and memory never grows */
  g_autoptr(TurnSourceLimiter) lim = turn_source_limiter_new (1, 1, 1, 0, 0);
  TurnAddr a = turn_test_addr ("203.0.113.1", 1);
  TurnAddr b = turn_test_addr ("203.0.113.2", 1);

  g_assert_true (turn_source_limiter_allow (lim, &a, 0));
  g_assert_false (turn_source_limiter_allow (lim, &a, 0));
  g_assert_true (turn_source_limiter_allow (lim, &b, 0));
  g_assert_true (turn_source_limiter_allow (lim, &a, 0));
  g_assert_false (turn_source_limiter_allow (lim, &a, 0));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/turn/rate-limit/bucket-basic", test_bucket_basic);
  g_test_add_func ("/turn/rate-limit/bucket-edges", test_bucket_edges);
  g_test_add_func ("/turn/rate-limit/limiter-per-source", test_limiter_per_source);
  g_test_add_func ("/turn/rate-limit/limiter-groups", test_limiter_groups);
  g_test_add_func ("/turn/rate-limit/limiter-total", test_limiter_total);
  g_test_add_func ("/turn/rate-limit/limiter-single-slot", test_limiter_single_slot);
  return g_test_run ();
}
