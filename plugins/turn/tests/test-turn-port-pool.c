/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turn-port-pool.h"
#include "turn-error.h"

#include <postern.h>
#include <string.h>

static void
test_ranges (void)
{
  static const struct { const gchar *text; gboolean ok; guint16 first, last; } cases[] = {
    { "49152-65535", TRUE, 49152, 65535 },
    { "1-1", TRUE, 1, 1 },
    { "50000-50009", TRUE, 50000, 50009 },
    { "0-10", FALSE }, { "10-9", FALSE }, { "10-65536", FALSE }, { "10", FALSE }, { "10-20-30", FALSE },
    { "a-b", FALSE }, { "-5-10", FALSE }, { " 10-20", FALSE }, { "", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      guint16 first = 0, last = 0;
      gboolean ok = turn_port_pool_parse_range (cases[i].text, &first, &last, &error);

      g_assert_cmpint (ok, ==, cases[i].ok);
      g_assert_cmpint (turn_port_range_validate (cases[i].text, NULL), ==, cases[i].ok);
      if (ok)
        {
          g_assert_cmpuint (first, ==, cases[i].first);
          g_assert_cmpuint (last, ==, cases[i].last);
        }
      else
        g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG);
    }

  g_autoptr(GError) error = NULL;
  g_assert_null (turn_port_pool_new (20, 10, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG);
}

static void
test_exhaustion (void)
{
  g_autoptr(TurnPortPool) pool = turn_port_pool_new (50000, 50009, NULL);
  g_autoptr(GError) error = NULL;
  gboolean seen[10] = { FALSE };
  guint16 port;

  g_assert_cmpuint (turn_port_pool_get_n_free (pool), ==, 10);
  for (guint i = 0; i < 10; i++)
    {
      g_assert_true (turn_port_pool_allocate (pool, &port, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (port, >=, 50000);
      g_assert_cmpuint (port, <=, 50009);
      g_assert_false (seen[port - 50000]);
      seen[port - 50000] = TRUE;
      g_assert_true (turn_port_pool_is_in_use (pool, port));
    }
  g_assert_cmpuint (turn_port_pool_get_n_free (pool), ==, 0);
  g_assert_false (turn_port_pool_allocate (pool, &port, &error));
  g_assert_error (error, TURN_ERROR, TURN_ERROR_INSUFFICIENT_CAPACITY);
  g_clear_error (&error);

  /* a released port comes back, and only that one */
  g_assert_true (turn_port_pool_release (pool, 50004));
  g_assert_false (turn_port_pool_release (pool, 50004));
  g_assert_false (turn_port_pool_release (pool, 40000));
  g_assert_true (turn_port_pool_allocate (pool, &port, &error));
  g_assert_cmpuint (port, ==, 50004);
  g_assert_false (turn_port_pool_allocate (pool, &port, &error));
  g_assert_error (error, TURN_ERROR, TURN_ERROR_INSUFFICIENT_CAPACITY);
}

static void
test_random_spread (void)
{
  g_autoptr(TurnPortPool) pool = turn_port_pool_new (TURN_DEFAULT_FIRST_PORT, TURN_DEFAULT_LAST_PORT, NULL);
  guint16 first[8];
  guint16 port;
  guint below_mid = 0;

  g_assert_cmpuint (turn_port_pool_get_n_free (pool), ==, 16384);
  for (guint i = 0; i < 200; i++)
    {
      g_assert_true (turn_port_pool_allocate (pool, &port, NULL));
      if (i < G_N_ELEMENTS (first))
        first[i] = port;
      if (port < 57344)
        below_mid++;
    }
  /* not sequential: eight consecutive ports in a row have odds of 1e-30 */
  gboolean sequential = TRUE;
  for (guint i = 1; i < G_N_ELEMENTS (first); i++)
    sequential = sequential && first[i] == first[i - 1] + 1;
  g_assert_false (sequential);
  /* both halves of the range are used (fails with probability ~2^-200) */
  g_assert_cmpuint (below_mid, >, 0);
  g_assert_cmpuint (below_mid, <, 200);
  g_assert_cmpuint (turn_port_pool_get_n_free (pool), ==, 16384 - 200);
}

static void
test_full_cycle_large (void)
{
  g_autoptr(TurnPortPool) pool = turn_port_pool_new (TURN_DEFAULT_FIRST_PORT, TURN_DEFAULT_LAST_PORT, NULL);
  g_autofree guint16 *ports = g_new (guint16, 16384);
  g_autofree gboolean *seen = g_new0 (gboolean, 65536);
  guint16 port;

  for (guint i = 0; i < 16384; i++)
    {
      g_assert_true (turn_port_pool_allocate (pool, &ports[i], NULL));
      g_assert_false (seen[ports[i]]);
      seen[ports[i]] = TRUE;
    }
  g_assert_false (turn_port_pool_allocate (pool, &port, NULL));
  for (guint i = 0; i < 16384; i++)
    g_assert_true (turn_port_pool_release (pool, ports[i]));
  g_assert_cmpuint (turn_port_pool_get_n_free (pool), ==, 16384);
}

static void
test_even (void)
{
  g_autoptr(TurnPortPool) pool = turn_port_pool_new (50001, 50010, NULL);
  g_autoptr(GError) error = NULL;
  guint8 token[TURN_RESERVATION_TOKEN_LEN];
  guint16 port;

  /* evens: 50002 50004 50006 50008 50010 */
  for (guint i = 0; i < 5; i++)
    {
      g_assert_true (turn_port_pool_allocate_even (pool, FALSE, 0, &port, token, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (port % 2, ==, 0);
    }
  g_assert_false (turn_port_pool_allocate_even (pool, FALSE, 0, &port, token, &error));
  g_assert_error (error, TURN_ERROR, TURN_ERROR_INSUFFICIENT_CAPACITY);
  g_clear_error (&error);
  /* odd ports are still there for plain allocations */
  g_assert_cmpuint (turn_port_pool_get_n_free (pool), ==, 5);
  g_assert_true (turn_port_pool_allocate (pool, &port, NULL));
  g_assert_cmpuint (port % 2, ==, 1);
}

static void
test_reservation (void)
{
  g_autoptr(TurnPortPool) pool = turn_port_pool_new (50000, 50003, NULL);
  g_autoptr(GError) error = NULL;
  guint8 token[TURN_RESERVATION_TOKEN_LEN];
  guint8 token2[TURN_RESERVATION_TOKEN_LEN];
  guint16 port, claimed;

  g_assert_true (turn_port_pool_allocate_even (pool, TRUE, 1000, &port, token, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (port % 2, ==, 0);
  g_assert_true (turn_port_pool_is_in_use (pool, port));
  g_assert_true (turn_port_pool_is_in_use (pool, port + 1));
  g_assert_cmpuint (turn_port_pool_get_n_reserved (pool), ==, 1);
  g_assert_cmpuint (turn_port_pool_get_n_free (pool), ==, 2);
  /* a reserved port cannot be released as if allocated */
  g_assert_false (turn_port_pool_release (pool, port + 1));

  /* the other pair */
  g_assert_true (turn_port_pool_allocate_even (pool, TRUE, 1000, &claimed, token2, &error));
  g_assert_cmpuint (claimed, ==, port == 50000 ? 50002 : 50000);
  g_assert_false (memcmp (token, token2, sizeof token) == 0);
  g_assert_false (turn_port_pool_allocate (pool, &claimed, NULL));

  /* claim the first reservation just before it runs out */
  g_assert_true (turn_port_pool_claim (pool, token, 1000 + TURN_RESERVATION_LIFETIME - 1, &claimed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (claimed, ==, port + 1);
  g_assert_true (turn_port_pool_is_in_use (pool, claimed));
  g_assert_cmpuint (turn_port_pool_get_n_reserved (pool), ==, 1);
  /* a token works once */
  g_assert_false (turn_port_pool_claim (pool, token, 1001, &claimed, &error));
  g_assert_error (error, TURN_ERROR, TURN_ERROR_INSUFFICIENT_CAPACITY);
  g_clear_error (&error);
  /* the claimed port is an ordinary allocation now */
  g_assert_true (turn_port_pool_release (pool, port + 1));

  /* the second one expires */
  g_assert_cmpuint (turn_port_pool_expire (pool, 1000 + TURN_RESERVATION_LIFETIME - 1), ==, 0);
  g_assert_cmpuint (turn_port_pool_expire (pool, 1000 + TURN_RESERVATION_LIFETIME), ==, 1);
  g_assert_cmpuint (turn_port_pool_get_n_reserved (pool), ==, 0);
  g_assert_false (turn_port_pool_claim (pool, token2, 1000, &claimed, &error));
  g_assert_error (error, TURN_ERROR, TURN_ERROR_INSUFFICIENT_CAPACITY);
  g_clear_error (&error);
  /* free now: the reserved odd port and the released one */
  g_assert_cmpuint (turn_port_pool_get_n_free (pool), ==, 2);
}

static void
test_claim_expired_without_sweep (void)
{
  g_autoptr(TurnPortPool) pool = turn_port_pool_new (50000, 50001, NULL);
  g_autoptr(GError) error = NULL;
  guint8 token[TURN_RESERVATION_TOKEN_LEN];
  guint16 port, claimed;

  g_assert_true (turn_port_pool_allocate_even (pool, TRUE, 0, &port, token, &error));
  g_assert_false (turn_port_pool_claim (pool, token, TURN_RESERVATION_LIFETIME, &claimed, &error));
  g_assert_error (error, TURN_ERROR, TURN_ERROR_INSUFFICIENT_CAPACITY);
  /* the late claim freed the port at once */
  g_assert_cmpuint (turn_port_pool_get_n_reserved (pool), ==, 0);
  g_assert_cmpuint (turn_port_pool_get_n_free (pool), ==, 1);
  g_assert_cmpuint (turn_port_pool_expire (pool, 1000), ==, 0);
}

static void
test_reservation_needs_pair (void)
{
  g_autoptr(TurnPortPool) pool = turn_port_pool_new (50000, 50099, NULL);
  g_autoptr(GError) error = NULL;
  guint8 token[TURN_RESERVATION_TOKEN_LEN];
  guint16 port;

  /* take everything, then free only even ports: no pair exists */
  for (guint i = 0; i < 100; i++)
    g_assert_true (turn_port_pool_allocate (pool, &port, NULL));
  for (guint p = 50000; p < 50100; p += 2)
    g_assert_true (turn_port_pool_release (pool, (guint16) p));
  g_assert_false (turn_port_pool_allocate_even (pool, TRUE, 0, &port, token, &error));
  g_assert_error (error, TURN_ERROR, TURN_ERROR_INSUFFICIENT_CAPACITY);
  g_clear_error (&error);

  /* one odd port comes back: the only pair is found (by probe or scan) */
  g_assert_true (turn_port_pool_release (pool, 50071));
  g_assert_true (turn_port_pool_allocate_even (pool, TRUE, 0, &port, token, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (port, ==, 50070);

  /* a range ending on an even port has no pair for it */
  g_autoptr(TurnPortPool) small = turn_port_pool_new (50000, 50000, NULL);
  g_assert_false (turn_port_pool_allocate_even (small, TRUE, 0, &port, token, NULL));
  g_assert_true (turn_port_pool_allocate_even (small, FALSE, 0, &port, token, NULL));
  g_assert_cmpuint (port, ==, 50000);
}

static void
test_set_range_live (void)
{
  g_autoptr(TurnPortPool) pool = turn_port_pool_new (50000, 50003, NULL);
  g_autoptr(GError) error = NULL;
  guint16 held[4];
  guint16 port;

  for (guint i = 0; i < 4; i++)
    g_assert_true (turn_port_pool_allocate (pool, &held[i], NULL));

  /* move the range: live ports stay in use, the new range is free */
  g_assert_true (turn_port_pool_set_range (pool, 50002, 50005, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (turn_port_pool_get_n_free (pool), ==, 2);
  for (guint p = 50000; p <= 50003; p++)
    g_assert_true (turn_port_pool_is_in_use (pool, (guint16) p));

  /* a port released outside the new range is gone; inside, it is free again */
  g_assert_true (turn_port_pool_release (pool, 50000));
  g_assert_false (turn_port_pool_is_in_use (pool, 50000));
  g_assert_true (turn_port_pool_release (pool, 50003));
  g_assert_cmpuint (turn_port_pool_get_n_free (pool), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_true (turn_port_pool_allocate (pool, &port, NULL));
      g_assert_cmpuint (port, >=, 50003);
      g_assert_cmpuint (port, <=, 50005);
    }
  g_assert_false (turn_port_pool_allocate (pool, &port, NULL));

  g_assert_false (turn_port_pool_set_range (pool, 0, 5, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/turn/port-pool/ranges", test_ranges);
  g_test_add_func ("/turn/port-pool/exhaustion", test_exhaustion);
  g_test_add_func ("/turn/port-pool/random-spread", test_random_spread);
  g_test_add_func ("/turn/port-pool/full-cycle-large", test_full_cycle_large);
  g_test_add_func ("/turn/port-pool/even", test_even);
  g_test_add_func ("/turn/port-pool/reservation", test_reservation);
  g_test_add_func ("/turn/port-pool/claim-expired-without-sweep", test_claim_expired_without_sweep);
  g_test_add_func ("/turn/port-pool/reservation-needs-pair", test_reservation_needs_pair);
  g_test_add_func ("/turn/port-pool/set-range-live", test_set_range_live);
  return g_test_run ();
}
