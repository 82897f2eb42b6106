/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turn-peer-policy.h"

#include <netinet/in.h>
#include <string.h>

/* Where an IPv6 address hides an IPv4 one, so that e.g. 2002:7f00:1:: (6to4
 * for 127.0.0.1) is judged by the address it really reaches. */
typedef enum {
  EMBED_NONE,
  EMBED_LAST32,      /* ::ffff:a.b.c.d, ::a.b.c.d, ::ffff:0:a.b.c.d, 64:ff9b::a.b.c.d */
  EMBED_6TO4,        /* 2002:AABB:CCDD::/48 */
  EMBED_TEREDO,      /* 2001:0::/32, client address in the last 32 bits, inverted */
} EmbedKind;

typedef struct {
  const gchar *cidr;
  TurnPeerVerdict verdict;  /* TURN_PEER_OK here means "judge the embedded address" */
  EmbedKind embed;
} Rule;

/* First match wins. */
static const Rule v4_rules[] = {
  { "255.255.255.255/32", TURN_PEER_BROADCAST, EMBED_NONE },
  { "0.0.0.0/8", TURN_PEER_UNSPECIFIED, EMBED_NONE },
  { "127.0.0.0/8", TURN_PEER_LOOPBACK, EMBED_NONE },
  { "169.254.0.0/16", TURN_PEER_LINK_LOCAL, EMBED_NONE },
  { "224.0.0.0/4", TURN_PEER_MULTICAST, EMBED_NONE },
  { "240.0.0.0/4", TURN_PEER_RESERVED, EMBED_NONE },
  { "10.0.0.0/8", TURN_PEER_PRIVATE, EMBED_NONE },
  { "172.16.0.0/12", TURN_PEER_PRIVATE, EMBED_NONE },
  { "192.168.0.0/16", TURN_PEER_PRIVATE, EMBED_NONE },
  { "100.64.0.0/10", TURN_PEER_SHARED, EMBED_NONE },
  { "192.0.0.0/24", TURN_PEER_RESERVED, EMBED_NONE },    /* IETF protocol assignments */
  { "192.0.2.0/24", TURN_PEER_DOCUMENTATION, EMBED_NONE },
  { "198.51.100.0/24", TURN_PEER_DOCUMENTATION, EMBED_NONE },
  { "203.0.113.0/24", TURN_PEER_DOCUMENTATION, EMBED_NONE },
  { "198.18.0.0/15", TURN_PEER_BENCHMARK, EMBED_NONE },
  { "192.88.99.0/24", TURN_PEER_RESERVED, EMBED_NONE },  /* deprecated 6to4 relay anycast */
};

static const Rule v6_rules[] = {
  { "::/128", TURN_PEER_UNSPECIFIED, EMBED_NONE },
  { "::1/128", TURN_PEER_LOOPBACK, EMBED_NONE },
  { "::ffff:0:0/96", TURN_PEER_OK, EMBED_LAST32 },             /* IPv4-mapped */
  { "::ffff:0:0:0/96", TURN_PEER_OK, EMBED_LAST32 },           /* IPv4-translated (SIIT) */
  { "64:ff9b::/96", TURN_PEER_OK, EMBED_LAST32 },              /* NAT64 well-known prefix */
  { "::/96", TURN_PEER_RESERVED, EMBED_LAST32 },               /* deprecated IPv4-compatible */
  { "64:ff9b:1::/48", TURN_PEER_PRIVATE, EMBED_NONE },         /* local-use NAT64 */
  { "100::/64", TURN_PEER_RESERVED, EMBED_NONE },              /* discard-only */
  { "2001:2::/48", TURN_PEER_BENCHMARK, EMBED_NONE },
  { "2001:db8::/32", TURN_PEER_DOCUMENTATION, EMBED_NONE },
  { "2001:10::/28", TURN_PEER_RESERVED, EMBED_NONE },          /* ORCHID */
  { "2001:20::/28", TURN_PEER_RESERVED, EMBED_NONE },          /* ORCHIDv2 */
  { "2001::/32", TURN_PEER_OK, EMBED_TEREDO },
  { "2002::/16", TURN_PEER_OK, EMBED_6TO4 },
  { "3fff::/20", TURN_PEER_DOCUMENTATION, EMBED_NONE },
  { "fc00::/7", TURN_PEER_UNIQUE_LOCAL, EMBED_NONE },
  { "fe80::/10", TURN_PEER_LINK_LOCAL, EMBED_NONE },
  { "fec0::/10", TURN_PEER_SITE_LOCAL, EMBED_NONE },
  { "ff00::/8", TURN_PEER_MULTICAST, EMBED_NONE },
  { "2000::/3", TURN_PEER_OK, EMBED_NONE },                    /* global unicast */
  { "::/0", TURN_PEER_RESERVED, EMBED_NONE },                  /* everything else */
};

static PosternCidr v4_cidrs[G_N_ELEMENTS (v4_rules)];
static PosternCidr v6_cidrs[G_N_ELEMENTS (v6_rules)];

static void
init_tables (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      for (guint i = 0; i < G_N_ELEMENTS (v4_rules); i++)
        if (!postern_cidr_parse (v4_rules[i].cidr, &v4_cidrs[i], NULL))
          g_error ("bad built-in rule %s", v4_rules[i].cidr);
      for (guint i = 0; i < G_N_ELEMENTS (v6_rules); i++)
        if (!postern_cidr_parse (v6_rules[i].cidr, &v6_cidrs[i], NULL))
          g_error ("bad built-in rule %s", v6_rules[i].cidr);
      g_once_init_leave (&done, 1);
    }
}

static TurnPeerVerdict
classify_v4 (const guint8 *ip)
{
  init_tables ();
  for (guint i = 0; i < G_N_ELEMENTS (v4_rules); i++)
    if (postern_cidr_contains_bytes (&v4_cidrs[i], G_SOCKET_FAMILY_IPV4, ip, 4))
      return v4_rules[i].verdict;
  return TURN_PEER_OK;
}

static const Rule *
match_v6 (const guint8 *ip)
{
  init_tables ();
  for (guint i = 0; i < G_N_ELEMENTS (v6_rules); i++)
    if (postern_cidr_contains_bytes (&v6_cidrs[i], G_SOCKET_FAMILY_IPV6, ip, 16))
      return &v6_rules[i];
  g_assert_not_reached ();
}

/* Returns TRUE and fills @v4 if @ip (IPv6) carries an IPv4 address. */
static gboolean
extract_embedded (const Rule *rule, const guint8 *ip, guint8 v4[4])
{
  switch (rule->embed)
    {
    case EMBED_LAST32:
      memcpy (v4, ip + 12, 4);
      return TRUE;
    case EMBED_6TO4:
      memcpy (v4, ip + 2, 4);
      return TRUE;
    case EMBED_TEREDO:
      for (guint i = 0; i < 4; i++)
        v4[i] = (guint8) ~ip[12 + i];
      return TRUE;
    case EMBED_NONE:
    default:
      return FALSE;
    }
}

/* The built-in verdict, ignoring allowed-peers and denied-peers. */
TurnPeerVerdict
turn_peer_classify (const TurnAddr *peer)
{
  const Rule *rule;
  guint8 v4[4];

  if (peer->family == AF_INET)
    return classify_v4 (peer->ip);
  if (peer->family != AF_INET6)
    return TURN_PEER_BAD_ADDRESS;

  rule = match_v6 (peer->ip);
  if (extract_embedded (rule, peer->ip, v4))
    {
      TurnPeerVerdict inner = classify_v4 (v4);
      if (inner != TURN_PEER_OK)
        return inner;
    }
  return rule->verdict;
}

struct _TurnPeerPolicy {
  gatomicrefcount ref;
  PosternCidrList *allowed;
  PosternCidrList *denied;
};

TurnPeerPolicy *
turn_peer_policy_new (PosternCidrList *allowed,
                      PosternCidrList *denied)
{
  TurnPeerPolicy *self = g_new0 (TurnPeerPolicy, 1);

  g_atomic_ref_count_init (&self->ref);
  self->allowed = allowed != NULL ? postern_cidr_list_ref (allowed) : postern_cidr_list_parse (NULL, NULL);
  self->denied = denied != NULL ? postern_cidr_list_ref (denied) : postern_cidr_list_parse (NULL, NULL);
  return self;
}

TurnPeerPolicy *
turn_peer_policy_new_from_text (const gchar  *allowed,
                                const gchar  *denied,
                                GError      **error)
{
  g_autoptr(PosternCidrList) allowed_list = NULL;
  g_autoptr(PosternCidrList) denied_list = NULL;

  allowed_list = postern_cidr_list_parse (allowed, error);
  if (allowed_list == NULL)
    {
      g_prefix_error (error, "allowed-peers: ");
      return NULL;
    }
  denied_list = postern_cidr_list_parse (denied, error);
  if (denied_list == NULL)
    {
      g_prefix_error (error, "denied-peers: ");
      return NULL;
    }
  return turn_peer_policy_new (allowed_list, denied_list);
}

TurnPeerPolicy *
turn_peer_policy_ref (TurnPeerPolicy *self)
{
  g_atomic_ref_count_inc (&self->ref);
  return self;
}

void
turn_peer_policy_unref (TurnPeerPolicy *self)
{
  if (self == NULL || !g_atomic_ref_count_dec (&self->ref))
    return;
  postern_cidr_list_unref (self->allowed);
  postern_cidr_list_unref (self->denied);
  g_free (self);
}

/* denied-peers refuses the address and any IPv4 address it embeds.
 * allowed-peers must cover the address as written (an IPv4 range also
 * covers its ::ffff: mapped form); it does not open 6to4, NAT64 or Teredo
 * forms of an allowed IPv4 range, which reach it by way of a translator. */
TurnPeerVerdict
turn_peer_policy_check (TurnPeerPolicy *self,
                        const TurnAddr *peer)
{
  GSocketFamily family;
  gsize len;
  guint8 v4[4];

  if (peer->family == AF_INET)
    family = G_SOCKET_FAMILY_IPV4, len = 4;
  else if (peer->family == AF_INET6)
    family = G_SOCKET_FAMILY_IPV6, len = 16;
  else
    return TURN_PEER_BAD_ADDRESS;

  if (postern_cidr_list_contains_bytes (self->denied, family, peer->ip, len))
    return TURN_PEER_DENIED;
  if (peer->family == AF_INET6 && extract_embedded (match_v6 (peer->ip), peer->ip, v4) &&
      postern_cidr_list_contains_bytes (self->denied, G_SOCKET_FAMILY_IPV4, v4, 4))
    return TURN_PEER_DENIED;
  if (postern_cidr_list_contains_bytes (self->allowed, family, peer->ip, len))
    return TURN_PEER_OK;
  return turn_peer_classify (peer);
}

const gchar *
turn_peer_verdict_to_string (TurnPeerVerdict verdict)
{
  switch (verdict)
    {
    case TURN_PEER_OK: return "allowed";
    case TURN_PEER_DENIED: return "denied by denied-peers";
    case TURN_PEER_UNSPECIFIED: return "unspecified address";
    case TURN_PEER_LOOPBACK: return "loopback";
    case TURN_PEER_LINK_LOCAL: return "link-local";
    case TURN_PEER_MULTICAST: return "multicast";
    case TURN_PEER_BROADCAST: return "broadcast";
    case TURN_PEER_PRIVATE: return "private range";
    case TURN_PEER_SHARED: return "shared (CGNAT) range";
    case TURN_PEER_UNIQUE_LOCAL: return "unique-local";
    case TURN_PEER_SITE_LOCAL: return "site-local";
    case TURN_PEER_DOCUMENTATION: return "documentation range";
    case TURN_PEER_BENCHMARK: return "benchmarking range";
    case TURN_PEER_RESERVED: return "reserved range";
    case TURN_PEER_BAD_ADDRESS: return "not an IP address";
    default: return "unknown";
    }
}
