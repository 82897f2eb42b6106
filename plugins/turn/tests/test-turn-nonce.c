/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turn-nonce.h"
#include "turn-test-addr.h"

#include <string.h>

static const guint8 fixed_key[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };

static TurnFiveTuple
tuple (const gchar *client_ip, guint16 client_port, const gchar *server_ip, guint16 server_port)
{
  TurnFiveTuple ft = { turn_test_addr (client_ip, client_port), turn_test_addr (server_ip, server_port) };
  return ft;
}

static TurnNonceStatus
check (const TurnNonceKey *key, const gchar *nonce, const TurnFiveTuple *client, gint64 now, gint64 lifetime)
{
  return turn_nonce_check (key, (const guint8 *) nonce, strlen (nonce), client, now, lifetime);
}

static void
test_roundtrip (void)
{
  g_autoptr(TurnNonceKey) key = turn_nonce_key_new ();
  TurnFiveTuple client = tuple ("203.0.113.5", 40000, "192.0.2.1", 3478);
  gchar nonce[TURN_NONCE_LEN + 1];

  turn_nonce_make (key, &client, 1000, nonce);
  g_assert_cmpuint (strlen (nonce), ==, TURN_NONCE_LEN);
  for (guint i = 0; i < TURN_NONCE_LEN; i++)
    g_assert_true (g_ascii_isxdigit (nonce[i]) && !g_ascii_isupper (nonce[i]));

  g_assert_cmpint (check (key, nonce, &client, 1000, 600), ==, TURN_NONCE_VALID);
  g_assert_cmpint (check (key, nonce, &client, 1599, 600), ==, TURN_NONCE_VALID);
  g_assert_cmpint (check (key, nonce, &client, 1600, 600), ==, TURN_NONCE_STALE);
  g_assert_cmpint (check (key, nonce, &client, 100000, 600), ==, TURN_NONCE_STALE);
  /* issued in the future (clock stepped back) */
  g_assert_cmpint (check (key, nonce, &client, 999, 600), ==, TURN_NONCE_STALE);
  g_assert_cmpint (check (key, nonce, &client, 1000, 0), ==, TURN_NONCE_STALE);
}

static void
test_bound_to_five_tuple (void)
{
  g_autoptr(TurnNonceKey) key = turn_nonce_key_new ();
  TurnFiveTuple client = tuple ("203.0.113.5", 40000, "192.0.2.1", 3478);
  TurnFiveTuple others[] = {
    tuple ("203.0.113.6", 40000, "192.0.2.1", 3478),
    tuple ("203.0.113.5", 40001, "192.0.2.1", 3478),
    tuple ("::ffff:203.0.113.5", 40000, "192.0.2.1", 3478),
    tuple ("2001:db8::5", 40000, "192.0.2.1", 3478),
    tuple ("203.0.113.5", 40000, "192.0.2.2", 3478),   /* another server address */
    tuple ("203.0.113.5", 40000, "192.0.2.1", 3479),
  };
  gchar nonce[TURN_NONCE_LEN + 1];

  turn_nonce_make (key, &client, 5000, nonce);
  for (guint i = 0; i < G_N_ELEMENTS (others); i++)
    g_assert_cmpint (check (key, nonce, &others[i], 5000, 600), ==, TURN_NONCE_INVALID);
  g_assert_cmpint (check (key, nonce, &client, 5000, 600), ==, TURN_NONCE_VALID);
}

static void
test_other_key (void)
{
  g_autoptr(TurnNonceKey) a = turn_nonce_key_new ();
  g_autoptr(TurnNonceKey) b = turn_nonce_key_new ();
  TurnFiveTuple client = tuple ("2001:db8::1", 1, "2001:db8::ff", 3478);
  gchar nonce[TURN_NONCE_LEN + 1];

  turn_nonce_make (a, &client, 10, nonce);
  g_assert_cmpint (check (b, nonce, &client, 10, 600), ==, TURN_NONCE_INVALID);
}

static void
test_deterministic_with_fixed_key (void)
{
  g_autoptr(TurnNonceKey) a = turn_nonce_key_new_from_bytes (fixed_key, sizeof fixed_key);
  g_autoptr(TurnNonceKey) b = turn_nonce_key_new_from_bytes (fixed_key, sizeof fixed_key);
  TurnFiveTuple client = tuple ("198.51.100.1", 3478, "192.0.2.1", 3478);
  gchar n1[TURN_NONCE_LEN + 1], n2[TURN_NONCE_LEN + 1], n3[TURN_NONCE_LEN + 1];

  turn_nonce_make (a, &client, 77, n1);
  turn_nonce_make (b, &client, 77, n2);
  turn_nonce_make (b, &client, 78, n3);
  g_assert_cmpstr (n1, ==, n2);
  g_assert_cmpstr (n1, !=, n3);
  g_assert_true (g_str_has_prefix (n1, "000000000000004d"));
}

static void
test_tampered (void)
{
  g_autoptr(TurnNonceKey) key = turn_nonce_key_new ();
  TurnFiveTuple client = tuple ("203.0.113.5", 40000, "192.0.2.1", 3478);
  gchar nonce[TURN_NONCE_LEN + 1];
  gchar copy[TURN_NONCE_LEN + 2];

  turn_nonce_make (key, &client, 1000, nonce);

  /* every single-character change is refused, including moving the timestamp */
  for (guint i = 0; i < TURN_NONCE_LEN; i++)
    {
      memcpy (copy, nonce, sizeof nonce);
      copy[i] = copy[i] == '0' ? '1' : '0';
      g_assert_cmpint (check (key, copy, &client, 1000, 600), ==, TURN_NONCE_INVALID);
    }
  /* upper-case spelling, wrong lengths, garbage, NULL */
  memcpy (copy, nonce, sizeof nonce);
  for (guint i = 0; i < TURN_NONCE_LEN; i++)
    copy[i] = g_ascii_toupper (copy[i]);
  if (strcmp (copy, nonce) != 0)
    g_assert_cmpint (check (key, copy, &client, 1000, 600), ==, TURN_NONCE_INVALID);
  g_assert_cmpint (turn_nonce_check (key, (const guint8 *) nonce, TURN_NONCE_LEN - 1, &client, 1000, 600),
                   ==, TURN_NONCE_INVALID);
  memcpy (copy, nonce, sizeof nonce);
  copy[TURN_NONCE_LEN] = '0';
  copy[TURN_NONCE_LEN + 1] = '\0';
  g_assert_cmpint (check (key, copy, &client, 1000, 600), ==, TURN_NONCE_INVALID);
  g_assert_cmpint (check (key, "", &client, 1000, 600), ==, TURN_NONCE_INVALID);
  g_assert_cmpint (check (key, "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", &client, 1000, 600), ==,
                   TURN_NONCE_INVALID);
  g_assert_cmpint (turn_nonce_check (key, NULL, 0, &client, 1000, 600), ==, TURN_NONCE_INVALID);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/turn/nonce/roundtrip", test_roundtrip);
  g_test_add_func ("/turn/nonce/bound-to-five-tuple", test_bound_to_five_tuple);
  g_test_add_func ("/turn/nonce/other-key", test_other_key);
  g_test_add_func ("/turn/nonce/deterministic-with-fixed-key", test_deterministic_with_fixed_key);
  g_test_add_func ("/turn/nonce/tampered", test_tampered);
  return g_test_run ();
}
