/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <postern.h>

#include "turn-addr.h"

G_BEGIN_DECLS

/* Why a peer is refused (or TURN_PEER_OK). Checked on CreatePermission,
 * ChannelBind and Send; anything but OK is answered 403 (or dropped). */
typedef enum {
  TURN_PEER_OK,
  TURN_PEER_DENIED,          /* covered by denied-peers */
  TURN_PEER_UNSPECIFIED,     /* 0.0.0.0/8, :: */
  TURN_PEER_LOOPBACK,
  TURN_PEER_LINK_LOCAL,      /* 169.254/16 (cloud metadata), fe80::/10 */
  TURN_PEER_MULTICAST,
  TURN_PEER_BROADCAST,
  TURN_PEER_PRIVATE,         /* RFC 1918, local-use NAT64 64:ff9b:1::/48 */
  TURN_PEER_SHARED,          /* CGNAT 100.64/10 */
  TURN_PEER_UNIQUE_LOCAL,    /* fc00::/7 */
  TURN_PEER_SITE_LOCAL,      /* fec0::/10 */
  TURN_PEER_DOCUMENTATION,
  TURN_PEER_BENCHMARK,
  TURN_PEER_RESERVED,        /* anything else that is not global unicast */
  TURN_PEER_BAD_ADDRESS,     /* not an IPv4 or IPv6 address */
} TurnPeerVerdict;

typedef struct _TurnPeerPolicy TurnPeerPolicy;

TurnPeerPolicy  *turn_peer_policy_new            (PosternCidrList *allowed,
                                                  PosternCidrList *denied);
TurnPeerPolicy  *turn_peer_policy_new_from_text  (const gchar     *allowed,
                                                  const gchar     *denied,
                                                  GError         **error);
TurnPeerPolicy  *turn_peer_policy_ref            (TurnPeerPolicy  *self);
void             turn_peer_policy_unref          (TurnPeerPolicy  *self);
TurnPeerVerdict  turn_peer_policy_check          (TurnPeerPolicy  *self,
                                                  const TurnAddr  *peer);
TurnPeerVerdict  turn_peer_classify              (const TurnAddr  *peer);
const gchar     *turn_peer_verdict_to_string     (TurnPeerVerdict  verdict);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TurnPeerPolicy, turn_peer_policy_unref)

G_END_DECLS
