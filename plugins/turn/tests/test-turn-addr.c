/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turn-addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

static void
test_parse_and_string (void)
{
  static const struct { const gchar *ip; guint16 port; const gchar *text; } cases[] = {
    { "192.0.2.1", 3478, "192.0.2.1:3478" },
    { "0.0.0.0", 0, "0.0.0.0:0" },
    { "2001:db8::1", 65535, "[2001:db8::1]:65535" },
    { "::ffff:192.0.2.1", 1, "[::ffff:192.0.2.1]:1" },
    { "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535,
      "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      TurnAddr a;
      gchar buf[TURN_ADDR_STRLEN];

      g_assert_true (turn_addr_parse (&a, cases[i].ip, cases[i].port));
      g_assert_cmpstr (turn_addr_to_string (&a, buf), ==, cases[i].text);
    }

  static const gchar *bad[] = { "", "192.0.2", "192.0.2.1:80", "[::1]", "fe80::1%lo", "host", NULL };
  for (guint i = 0; bad[i] != NULL; i++)
    {
      TurnAddr a;
      g_assert_false (turn_addr_parse (&a, bad[i], 1));
      g_assert_cmpint (a.family, ==, 0);
    }
  TurnAddr a;
  g_assert_false (turn_addr_parse (&a, NULL, 1));
}

static void
test_sockaddr_roundtrip (void)
{
  struct sockaddr_in sin = { 0 };
  struct sockaddr_in6 sin6 = { 0 };
  struct sockaddr_storage ss;
  TurnAddr a, b;
  socklen_t len;

  sin.sin_family = AF_INET;
  sin.sin_port = htons (3478);
  inet_pton (AF_INET, "198.51.100.9", &sin.sin_addr);
  g_assert_true (turn_addr_from_sockaddr (&a, (struct sockaddr *) &sin, sizeof sin));
  g_assert_cmpuint (a.family, ==, AF_INET);
  g_assert_cmpuint (a.port, ==, 3478);
  g_assert_cmpuint (turn_addr_ip_len (&a), ==, 4);
  turn_addr_parse (&b, "198.51.100.9", 3478);
  g_assert_true (turn_addr_equal (&a, &b));
  len = turn_addr_to_sockaddr (&a, &ss);
  g_assert_cmpuint (len, ==, sizeof sin);
  g_assert_cmpmem (&ss, len, &sin, sizeof sin);

  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons (50000);
  inet_pton (AF_INET6, "2001:db8::42", &sin6.sin6_addr);
  g_assert_true (turn_addr_from_sockaddr (&a, (struct sockaddr *) &sin6, sizeof sin6));
  g_assert_cmpuint (turn_addr_ip_len (&a), ==, 16);
  len = turn_addr_to_sockaddr (&a, &ss);
  g_assert_cmpuint (len, ==, sizeof sin6);
  g_assert_cmpmem (&ss, len, &sin6, sizeof sin6);

  /* short lengths and other families are refused */
  g_assert_false (turn_addr_from_sockaddr (&a, (struct sockaddr *) &sin, sizeof sin - 1));
  g_assert_false (turn_addr_from_sockaddr (&a, (struct sockaddr *) &sin6, sizeof sin));
  sin.sin_family = AF_UNIX;
  g_assert_false (turn_addr_from_sockaddr (&a, (struct sockaddr *) &sin, sizeof sin));
  g_assert_false (turn_addr_from_sockaddr (&a, NULL, 0));
  memset (&a, 0, sizeof a);
  g_assert_cmpuint (turn_addr_to_sockaddr (&a, &ss), ==, 0);
}

static void
test_equal_hash (void)
{
  TurnAddr a, b, c, d;

  turn_addr_parse (&a, "192.0.2.1", 1);
  turn_addr_parse (&b, "192.0.2.1", 2);
  turn_addr_parse (&c, "::ffff:192.0.2.1", 1);
  turn_addr_parse (&d, "192.0.2.1", 1);

  g_assert_true (turn_addr_equal (&a, &d));
  g_assert_false (turn_addr_equal (&a, &b));
  g_assert_true (turn_addr_ip_equal (&a, &b));
  g_assert_false (turn_addr_ip_equal (&a, &c));
  g_assert_cmpuint (turn_addr_hash (&a, TRUE), ==, turn_addr_hash (&d, TRUE));
  g_assert_cmpuint (turn_addr_hash (&a, FALSE), ==, turn_addr_hash (&b, FALSE));
  g_assert_cmpuint (turn_addr_hash (&a, TRUE), !=, turn_addr_hash (&b, TRUE));
}

static void
test_stun_roundtrip (void)
{
  static const gchar *ips[] = { "198.51.100.9", "2001:db8::42", "::ffff:192.0.2.1" };

  for (guint i = 0; i < G_N_ELEMENTS (ips); i++)
    {
      PosternStunAddress stun;
      TurnAddr a, b;

      turn_addr_parse (&a, ips[i], 40000);
      turn_addr_to_stun (&a, &stun);
      g_assert_cmpuint (stun.family, ==, a.family == AF_INET ? POSTERN_STUN_FAMILY_IPV4 : POSTERN_STUN_FAMILY_IPV6);
      g_assert_cmpuint (stun.port, ==, 40000);
      g_assert_true (turn_addr_from_stun (&b, &stun));
      g_assert_true (turn_addr_equal (&a, &b));
    }

  PosternStunAddress bad = { .family = 3, .port = 1 };
  TurnAddr out;
  g_assert_false (turn_addr_from_stun (&out, &bad));
  g_assert_cmpuint (out.family, ==, 0);
  /* IPv4 takes only four bytes: stray bytes after them are not copied */
  PosternStunAddress v4 = { .family = POSTERN_STUN_FAMILY_IPV4, .port = 7, .address = { 1, 2, 3, 4, 9, 9 } };
  g_assert_true (turn_addr_from_stun (&out, &v4));
  g_assert_cmpuint (out.ip[4], ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/turn/addr/parse-and-string", test_parse_and_string);
  g_test_add_func ("/turn/addr/sockaddr-roundtrip", test_sockaddr_roundtrip);
  g_test_add_func ("/turn/addr/equal-hash", test_equal_hash);
  g_test_add_func ("/turn/addr/stun-roundtrip", test_stun_roundtrip);
  return g_test_run ();
}
