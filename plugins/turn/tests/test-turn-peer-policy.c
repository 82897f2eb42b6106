/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turn-peer-policy.h"

typedef struct {
  const gchar *address;
  TurnPeerVerdict verdict;
} Case;

/* Built-in verdicts, no allowed-peers or denied-peers. */
static const Case builtin_cases[] = {
  /* public, allowed */
  { "8.8.8.8", TURN_PEER_OK },
  { "1.1.1.1", TURN_PEER_OK },
  { "100.63.255.255", TURN_PEER_OK },
  { "100.128.0.0", TURN_PEER_OK },
  { "172.15.255.255", TURN_PEER_OK },
  { "172.32.0.0", TURN_PEER_OK },
  { "11.0.0.1", TURN_PEER_OK },
  { "223.255.255.255", TURN_PEER_OK },
  { "2a00:1450:4001:80b::200e", TURN_PEER_OK },
  { "2001:4860:4860::8888", TURN_PEER_OK },
  /* IPv4 special ranges */
  { "0.0.0.0", TURN_PEER_UNSPECIFIED },
  { "0.1.2.3", TURN_PEER_UNSPECIFIED },
  { "127.0.0.1", TURN_PEER_LOOPBACK },
  { "127.255.255.254", TURN_PEER_LOOPBACK },
  { "169.254.169.254", TURN_PEER_LINK_LOCAL },
  { "169.254.0.1", TURN_PEER_LINK_LOCAL },
  { "224.0.0.1", TURN_PEER_MULTICAST },
  { "239.255.255.250", TURN_PEER_MULTICAST },
  { "255.255.255.255", TURN_PEER_BROADCAST },
  { "240.0.0.1", TURN_PEER_RESERVED },
  { "255.255.255.254", TURN_PEER_RESERVED },
  { "10.0.0.1", TURN_PEER_PRIVATE },
  { "10.255.255.255", TURN_PEER_PRIVATE },
  { "172.16.0.1", TURN_PEER_PRIVATE },
  { "172.31.255.255", TURN_PEER_PRIVATE },
  { "192.168.1.1", TURN_PEER_PRIVATE },
  { "100.64.0.1", TURN_PEER_SHARED },
  { "100.127.255.255", TURN_PEER_SHARED },
  { "192.0.0.8", TURN_PEER_RESERVED },
  { "192.0.2.1", TURN_PEER_DOCUMENTATION },
  { "198.51.100.7", TURN_PEER_DOCUMENTATION },
  { "203.0.113.200", TURN_PEER_DOCUMENTATION },
  { "198.18.0.1", TURN_PEER_BENCHMARK },
  { "198.19.255.255", TURN_PEER_BENCHMARK },
  { "192.88.99.1", TURN_PEER_RESERVED },
  /* IPv6 special ranges */
  { "::", TURN_PEER_UNSPECIFIED },
  { "::1", TURN_PEER_LOOPBACK },
  { "fe80::1", TURN_PEER_LINK_LOCAL },
  { "febf:ffff::1", TURN_PEER_LINK_LOCAL },
  { "fec0::1", TURN_PEER_SITE_LOCAL },
  { "feff::1", TURN_PEER_SITE_LOCAL },
  { "fc00::1", TURN_PEER_UNIQUE_LOCAL },
  { "fd12:3456:789a::1", TURN_PEER_UNIQUE_LOCAL },
  { "ff02::1", TURN_PEER_MULTICAST },
  { "ff05::1:3", TURN_PEER_MULTICAST },
  { "2001:db8::1", TURN_PEER_DOCUMENTATION },
  { "3fff::1", TURN_PEER_DOCUMENTATION },
  { "2001:2::1", TURN_PEER_BENCHMARK },
  { "2001:10::1", TURN_PEER_RESERVED },
  { "2001:20::1", TURN_PEER_RESERVED },
  { "100::1", TURN_PEER_RESERVED },
  { "64:ff9b:1::1", TURN_PEER_PRIVATE },
  { "4000::1", TURN_PEER_RESERVED },
  { "1::1", TURN_PEER_RESERVED },
  /* IPv4-mapped */
  { "::ffff:127.0.0.1", TURN_PEER_LOOPBACK },
  { "::ffff:10.1.2.3", TURN_PEER_PRIVATE },
  { "::ffff:169.254.169.254", TURN_PEER_LINK_LOCAL },
  { "::ffff:0.0.0.0", TURN_PEER_UNSPECIFIED },
  { "::ffff:255.255.255.255", TURN_PEER_BROADCAST },
  { "::ffff:100.64.1.1", TURN_PEER_SHARED },
  { "::ffff:224.0.0.1", TURN_PEER_MULTICAST },
  { "::ffff:8.8.8.8", TURN_PEER_OK },
  /* IPv4-compatible (deprecated: refused even when public) */
  { "::127.0.0.1", TURN_PEER_LOOPBACK },
  { "::10.0.0.1", TURN_PEER_PRIVATE },
  { "::169.254.169.254", TURN_PEER_LINK_LOCAL },
  { "::0.0.0.2", TURN_PEER_UNSPECIFIED },
  { "::8.8.8.8", TURN_PEER_RESERVED },
  /* IPv4-translated (SIIT) */
  { "::ffff:0:127.0.0.1", TURN_PEER_LOOPBACK },
  { "::ffff:0:192.168.0.1", TURN_PEER_PRIVATE },
  { "::ffff:0:8.8.8.8", TURN_PEER_OK },
  /* 6to4 */
  { "2002:7f00:1::1", TURN_PEER_LOOPBACK },
  { "2002:a00:1::", TURN_PEER_PRIVATE },
  { "2002:c0a8:101::1", TURN_PEER_PRIVATE },
  { "2002:a9fe:a9fe::1", TURN_PEER_LINK_LOCAL },
  { "2002:6440:1::1", TURN_PEER_SHARED },
  { "2002::1", TURN_PEER_UNSPECIFIED },
  { "2002:e000:1::1", TURN_PEER_MULTICAST },
  { "2002:ffff:ffff::1", TURN_PEER_BROADCAST },
  { "2002:808:808::1", TURN_PEER_OK },
  /* NAT64 well-known prefix */
  { "64:ff9b::127.0.0.1", TURN_PEER_LOOPBACK },
  { "64:ff9b::10.0.0.1", TURN_PEER_PRIVATE },
  { "64:ff9b::169.254.169.254", TURN_PEER_LINK_LOCAL },
  { "64:ff9b::100.64.0.1", TURN_PEER_SHARED },
  { "64:ff9b::8.8.8.8", TURN_PEER_OK },
  /* Teredo: the client address is the last 32 bits, inverted */
  { "2001:0:4136:e378:8000:63bf:80ff:fffe", TURN_PEER_LOOPBACK },      /* 127.0.0.1 */
  { "2001:0:4136:e378:8000:63bf:f5ff:fffe", TURN_PEER_PRIVATE },       /* 10.0.0.1 */
  { "2001:0:4136:e378:8000:63bf:5601:5601", TURN_PEER_LINK_LOCAL },    /* 169.254.169.254 */
  { "2001:0:4136:e378:8000:63bf:3fff:fdd2", TURN_PEER_DOCUMENTATION }, /* 192.0.2.45 */
  { "2001:0:4136:e378:8000:63bf:f7f7:f7f7", TURN_PEER_OK },            /* 8.8.8.8 */
};

static void
check_cases (TurnPeerPolicy *policy, const Case *cases, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      TurnAddr peer;
      TurnPeerVerdict got;

      g_assert_true (turn_addr_parse (&peer, cases[i].address, 3478));
      got = policy != NULL ? turn_peer_policy_check (policy, &peer) : turn_peer_classify (&peer);
      if (got != cases[i].verdict)
        g_error ("%s: expected “%s”, got “%s”", cases[i].address,
                 turn_peer_verdict_to_string (cases[i].verdict), turn_peer_verdict_to_string (got));
    }
}

static void
test_builtin (void)
{
  g_autoptr(TurnPeerPolicy) empty = turn_peer_policy_new (NULL, NULL);

  check_cases (NULL, builtin_cases, G_N_ELEMENTS (builtin_cases));
  check_cases (empty, builtin_cases, G_N_ELEMENTS (builtin_cases));
}

static void
test_allowed_and_denied (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TurnPeerPolicy) policy =
    turn_peer_policy_new_from_text ("10.0.0.0/8;127.0.0.1;fd00:1::/32;169.254.169.253",
                                    "10.9.0.0/16;8.8.4.4;2a00:1450::/32", &error);
  static const Case cases[] = {
    { "10.1.2.3", TURN_PEER_OK },             /* the nodes' LAN */
    { "::ffff:10.1.2.3", TURN_PEER_OK },      /* same host through a dual-stack socket */
    { "127.0.0.1", TURN_PEER_OK },
    { "127.0.0.2", TURN_PEER_LOOPBACK },
    { "169.254.169.253", TURN_PEER_OK },
    { "169.254.169.254", TURN_PEER_LINK_LOCAL },
    { "fd00:1:2::3", TURN_PEER_OK },
    { "fd00:2::3", TURN_PEER_UNIQUE_LOCAL },
    { "192.168.1.1", TURN_PEER_PRIVATE },
    /* translator forms are not opened by an IPv4 allowed range */
    { "2002:a01:203::1", TURN_PEER_PRIVATE },
    { "64:ff9b::10.1.2.3", TURN_PEER_PRIVATE },
    /* denied always wins, in every form */
    { "10.9.1.1", TURN_PEER_DENIED },
    { "::ffff:10.9.1.1", TURN_PEER_DENIED },
    { "8.8.4.4", TURN_PEER_DENIED },
    { "::ffff:8.8.4.4", TURN_PEER_DENIED },
    { "::8.8.4.4", TURN_PEER_DENIED },
    { "2002:808:404::1", TURN_PEER_DENIED },
    { "64:ff9b::8.8.4.4", TURN_PEER_DENIED },
    { "2001:0:4136:e378:8000:63bf:f7f7:fbfb", TURN_PEER_DENIED },
    { "2a00:1450:4001:80b::200e", TURN_PEER_DENIED },
    { "8.8.8.8", TURN_PEER_OK },
  };

  g_assert_no_error (error);
  check_cases (policy, cases, G_N_ELEMENTS (cases));
}

static void
test_denied_overrides_allowed (void)
{
  g_autoptr(TurnPeerPolicy) policy = turn_peer_policy_new_from_text ("10.0.0.0/8", "10.0.0.5", NULL);
  static const Case cases[] = {
    { "10.0.0.4", TURN_PEER_OK },
    { "10.0.0.5", TURN_PEER_DENIED },
  };

  check_cases (policy, cases, G_N_ELEMENTS (cases));
}

static void
test_bad_config (void)
{
  g_autoptr(GError) error = NULL;
  TurnPeerPolicy *policy = turn_peer_policy_new_from_text ("10.0.0.0/8;nonsense", NULL, &error);

  g_assert_null (policy);
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG);
  g_assert_true (g_str_has_prefix (error->message, "allowed-peers: item 2"));
  g_clear_error (&error);

  policy = turn_peer_policy_new_from_text (NULL, "1.2.3.4/33", &error);
  g_assert_null (policy);
  g_assert_true (g_str_has_prefix (error->message, "denied-peers: item 1"));
}

static void
test_bad_family (void)
{
  g_autoptr(TurnPeerPolicy) policy = turn_peer_policy_new (NULL, NULL);
  TurnAddr peer = { 0 };

  g_assert_cmpint (turn_peer_policy_check (policy, &peer), ==, TURN_PEER_BAD_ADDRESS);
  g_assert_cmpint (turn_peer_classify (&peer), ==, TURN_PEER_BAD_ADDRESS);
  for (int v = TURN_PEER_OK; v <= TURN_PEER_BAD_ADDRESS; v++)
    g_assert_cmpstr (turn_peer_verdict_to_string (v), !=, "unknown");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/turn/peer-policy/builtin", test_builtin);
  g_test_add_func ("/turn/peer-policy/allowed-and-denied", test_allowed_and_denied);
  g_test_add_func ("/turn/peer-policy/denied-overrides-allowed", test_denied_overrides_allowed);
  g_test_add_func ("/turn/peer-policy/bad-config", test_bad_config);
  g_test_add_func ("/turn/peer-policy/bad-family", test_bad_family);
  return g_test_run ();
}
