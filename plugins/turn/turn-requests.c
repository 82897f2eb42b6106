/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The client side of the protocol: one datagram from a client in, at most
 * one reply out (RFC 8656 over UDP, RFC 8489 long-term credentials). */
#include <string.h>
#include <unistd.h>

#include "turn-channel-data.h"
#include "turn-error.h"
#include "turn-peer-list.h"
#include "turn-relay.h"
#include "turn-server.h"

#define REQUESTED_TRANSPORT_UDP 17
#define MAX_KEYS 8

typedef struct {
  TurnServer *server;
  TurnShard *shard;
  gint listener_fd;
  const PosternStunMessage *msg;
  TurnFiveTuple five_tuple;
  gint64 now;
  guint8 *reply;
  gsize capacity;
  gchar username[TURN_MAX_NAME_LEN + 1];
  TurnKey key;
  gboolean authenticated;
} Request;

static void
add_realm_and_nonce (Request *r, PosternStunBuilder *b)
{
  gchar nonce[TURN_NONCE_LEN + 1];

  turn_nonce_make (r->server->nonce_key, &r->five_tuple, r->now, nonce);
  postern_stun_builder_add_string (b, POSTERN_STUN_ATTR_REALM, r->server->settings->realm);
  postern_stun_builder_add_string (b, POSTERN_STUN_ATTR_NONCE, nonce);
}

static gsize
finish (Request *r, PosternStunBuilder *b)
{
  if (r->authenticated)
    postern_stun_builder_add_integrity (b, r->key.bytes, sizeof r->key.bytes);
  return postern_stun_builder_finish (b, NULL);
}

/* Error responses carry short fixed reasons (amplification); 401 and 438
 * bring a fresh NONCE and the REALM; once authenticated they are signed. */
static gsize
reply_error (Request *r, guint16 code, const gchar *reason)
{
  PosternStunBuilder b;
  const guint16 *unknown;
  guint n_unknown;

  postern_stun_builder_init_reply (&b, r->reply, r->capacity, r->msg, POSTERN_STUN_CLASS_ERROR);
  postern_stun_builder_add_error_code (&b, code, reason);
  if (code == TURN_ERROR_UNKNOWN_ATTRIBUTE)
    {
      n_unknown = postern_stun_message_get_unknown (r->msg, &unknown);
      postern_stun_builder_add_unknown_attributes (&b, unknown, n_unknown);
    }
  if (code == TURN_ERROR_UNAUTHORIZED || code == TURN_ERROR_STALE_NONCE)
    {
      if (!turn_source_limiter_allow (r->shard->limiter, &r->five_tuple.client, g_get_monotonic_time ()))
        return 0;
      add_realm_and_nonce (r, &b);
    }
  return finish (r, &b);
}

static const gchar *
reason_for (guint16 code)
{
  switch (code)
    {
    case TURN_ERROR_BAD_REQUEST: return "Bad Request";
    case TURN_ERROR_UNAUTHORIZED: return "Unauthorized";
    case TURN_ERROR_FORBIDDEN: return "Forbidden";
    case TURN_ERROR_UNKNOWN_ATTRIBUTE: return "Unknown Attribute";
    case TURN_ERROR_ALLOCATION_MISMATCH: return "Allocation Mismatch";
    case TURN_ERROR_STALE_NONCE: return "Stale Nonce";
    case TURN_ERROR_ADDRESS_FAMILY_NOT_SUPPORTED: return "Address Family not Supported";
    case TURN_ERROR_WRONG_CREDENTIALS: return "Wrong Credentials";
    case TURN_ERROR_UNSUPPORTED_TRANSPORT_PROTOCOL: return "Unsupported Transport Protocol";
    case TURN_ERROR_PEER_ADDRESS_FAMILY_MISMATCH: return "Peer Address Family Mismatch";
    case TURN_ERROR_ALLOCATION_QUOTA_REACHED: return "Allocation Quota Reached";
    case TURN_ERROR_INSUFFICIENT_CAPACITY: return "Insufficient Capacity";
    default: return "Server Error";
    }
}

static gsize
reply_code (Request *r, guint16 code)
{
  return reply_error (r, code, reason_for (code));
}

/* A GError from the building blocks: TURN_ERROR codes are STUN codes. */
static gsize
reply_gerror (Request *r, const GError *error)
{
  g_debug ("method 0x%03x refused: %s", r->msg->method, error->message);
  if (error->domain == TURN_ERROR)
    return reply_code (r, (guint16) error->code);
  return reply_code (r, 500);
}

static gboolean
has_family (const TurnAllocation *alloc, guint8 family)
{
  for (guint i = 0; i < alloc->n_relayed; i++)
    if (alloc->relayed[i].family == family)
      return TRUE;
  return FALSE;
}

static gboolean
copy_string_attr (const PosternStunMessage *msg, guint16 type, gchar *out, gsize size)
{
  gsize len;
  const guint8 *v = postern_stun_message_find (msg, type, &len);

  if (v == NULL || len >= size || memchr (v, '\0', len) != NULL)
    return FALSE;
  memcpy (out, v, len);
  out[len] = '\0';
  return TRUE;
}

/* Counted always; published as turn.auth-failed within the 401 rate limit,
 * so a flood of forged requests is not a flood of bus events. */
static void
auth_failed (Request *r, const gchar *username)
{
  r->shard->stats.auth_failures++;
  if (turn_source_limiter_allow (r->shard->limiter, &r->five_tuple.client, g_get_monotonic_time ()))
    turn_server_auth_failed (r->server, &r->five_tuple.client, username);
}

/* Long-term credentials (RFC 8489, section 9.2). Returns 0 when @r is
 * authenticated, else the size of the error reply. */
static gsize
authenticate (Request *r)
{
  TurnServer *server = r->server;
  const PosternStunMessage *msg = r->msg;
  TurnKey keys[MAX_KEYS];
  g_autoptr(GError) error = NULL;
  const guint8 *nonce;
  gsize nonce_len;
  guint n_keys;

  if (msg->integrity_offset == 0)
    return reply_code (r, TURN_ERROR_UNAUTHORIZED);
  nonce = postern_stun_message_find (msg, POSTERN_STUN_ATTR_NONCE, &nonce_len);
  if (nonce == NULL || !postern_stun_message_has (msg, POSTERN_STUN_ATTR_REALM) ||
      !postern_stun_message_has (msg, POSTERN_STUN_ATTR_USERNAME))
    return reply_code (r, TURN_ERROR_BAD_REQUEST);
  if (turn_nonce_check (server->nonce_key, nonce, nonce_len, &r->five_tuple, r->now,
                        server->settings->nonce_lifetime) != TURN_NONCE_VALID)
    return reply_code (r, TURN_ERROR_STALE_NONCE);
  if (!copy_string_attr (msg, POSTERN_STUN_ATTR_USERNAME, r->username, sizeof r->username))
    {
      auth_failed (r, "");
      return reply_code (r, TURN_ERROR_UNAUTHORIZED);
    }
  n_keys = turn_credentials_find_keys (server->settings->credentials, r->username, g_get_real_time () / G_USEC_PER_SEC,
                                       keys, G_N_ELEMENTS (keys), &error);
  for (guint i = 0; i < n_keys; i++)
    if (postern_stun_message_check_integrity (msg, keys[i].bytes, sizeof keys[i].bytes))
      {
        r->key = keys[i];
        r->authenticated = TRUE;
        break;
      }
  explicit_bzero (keys, sizeof keys);
  if (!r->authenticated)
    {
      auth_failed (r, r->username);
      return reply_code (r, TURN_ERROR_UNAUTHORIZED);
    }
  return 0;
}

static gsize
allocate_success (Request *r, TurnAllocation *alloc, guint16 family_error, const guint8 *token)
{
  PosternStunBuilder b;
  PosternStunAddress a;

  postern_stun_builder_init_reply (&b, r->reply, r->capacity, r->msg, POSTERN_STUN_CLASS_SUCCESS);
  for (guint i = 0; i < alloc->n_relayed; i++)
    {
      TurnAddr advertised;
      turn_settings_advertise (r->server->settings, &alloc->relayed[i], &advertised);
      turn_addr_to_stun (&advertised, &a);
      postern_stun_builder_add_xor_address (&b, POSTERN_STUN_ATTR_XOR_RELAYED_ADDRESS, &a);
    }
  if (family_error != 0)
    postern_stun_builder_add_address_error_code (&b, POSTERN_STUN_FAMILY_IPV6, family_error,
                                                 reason_for (family_error));
  postern_stun_builder_add_u32 (&b, POSTERN_STUN_ATTR_LIFETIME,
                                (guint32) MAX (0, alloc->expires - r->now));
  if (token != NULL)
    postern_stun_builder_add (&b, POSTERN_STUN_ATTR_RESERVATION_TOKEN, token, TURN_RESERVATION_TOKEN_LEN);
  turn_addr_to_stun (&r->five_tuple.client, &a);
  postern_stun_builder_add_xor_address (&b, POSTERN_STUN_ATTR_XOR_MAPPED_ADDRESS, &a);
  return finish (r, &b);
}

/* The address relays of @family bind: relay-ip, else the local address the
 * request arrived on when it has that family. */
static gboolean
relay_ip_for (Request *r, guint8 family, TurnAddr *out)
{
  const TurnAddr *configured = &r->server->settings->relay_ip[family == AF_INET ? 0 : 1];

  if (configured->family != 0)
    *out = *configured;
  else if (r->five_tuple.server.family == family)
    *out = r->five_tuple.server;
  else
    return FALSE;
  out->port = 0;
  return TRUE;
}

static gsize
handle_allocate (Request *r)
{
  TurnServer *server = r->server;
  TurnShard *shard = r->shard;
  const PosternStunMessage *msg = r->msg;
  TurnAllocation *alloc = turn_allocation_table_lookup (shard->table, &r->five_tuple);
  g_autoptr(GError) error = NULL;
  TurnRelayPortMode mode = TURN_RELAY_PORT_ANY;
  guint8 token[TURN_RESERVATION_TOKEN_LEN] = { 0 };
  guint8 families[TURN_MAX_RELAYED];
  guint n_families = 1;
  guint16 family_error = 0;
  TurnAddr relayed[TURN_MAX_RELAYED];
  gint fds[TURN_MAX_RELAYED];
  guint n_bound = 0;
  const guint8 *even, *claim;
  gsize even_len, claim_len;
  guint8 transport, requested_family = 0, additional_family = 0;
  gboolean has_requested, has_additional;
  guint32 lifetime = 0;
  TurnRelay *relay;

  if (alloc != NULL)
    {
      relay = alloc->user_data;
      if (g_strcmp0 (alloc->username, r->username) == 0 &&
          memcmp (relay->allocate_txid, postern_stun_message_get_transaction_id (msg),
                  sizeof relay->allocate_txid) == 0)
        return allocate_success (r, alloc, 0, NULL);
      return reply_code (r, TURN_ERROR_ALLOCATION_MISMATCH);
    }

  if (!postern_stun_message_get_u8_prefixed (msg, POSTERN_STUN_ATTR_REQUESTED_TRANSPORT, &transport))
    return reply_code (r, TURN_ERROR_BAD_REQUEST);
  if (transport != REQUESTED_TRANSPORT_UDP)
    return reply_code (r, TURN_ERROR_UNSUPPORTED_TRANSPORT_PROTOCOL);
  even = postern_stun_message_find (msg, POSTERN_STUN_ATTR_EVEN_PORT, &even_len);
  claim = postern_stun_message_find (msg, POSTERN_STUN_ATTR_RESERVATION_TOKEN, &claim_len);
  has_requested = postern_stun_message_has (msg, POSTERN_STUN_ATTR_REQUESTED_ADDRESS_FAMILY);
  has_additional = postern_stun_message_has (msg, POSTERN_STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY);
  if ((even != NULL && even_len != 1) || (claim != NULL && claim_len != TURN_RESERVATION_TOKEN_LEN) ||
      (claim != NULL && (even != NULL || has_requested || has_additional)) ||
      (has_requested && has_additional) ||
      (has_requested && !postern_stun_message_get_u8_prefixed (msg, POSTERN_STUN_ATTR_REQUESTED_ADDRESS_FAMILY,
                                                               &requested_family)) ||
      (has_additional && (!postern_stun_message_get_u8_prefixed (msg, POSTERN_STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY,
                                                                 &additional_family) ||
                          additional_family != POSTERN_STUN_FAMILY_IPV6)))
    return reply_code (r, TURN_ERROR_BAD_REQUEST);
  if (has_requested && requested_family != POSTERN_STUN_FAMILY_IPV4 && requested_family != POSTERN_STUN_FAMILY_IPV6)
    return reply_code (r, TURN_ERROR_ADDRESS_FAMILY_NOT_SUPPORTED);

  families[0] = requested_family == POSTERN_STUN_FAMILY_IPV6 ? AF_INET6 : AF_INET;
  if (has_additional)
    families[n_families++] = AF_INET6;
  if (claim != NULL)
    {
      mode = TURN_RELAY_PORT_CLAIM;
      memcpy (token, claim, sizeof token);
    }
  else if (even != NULL)
    mode = (even[0] & 0x80) != 0 ? TURN_RELAY_PORT_EVEN_RESERVE : TURN_RELAY_PORT_EVEN;

  /* early, to spare the ports; turn_allocation_table_create() decides */
  if ((server->settings->total_quota != 0 && turn_quota_count (server->quota) >= server->settings->total_quota) ||
      (server->settings->user_quota != 0 &&
       turn_quota_count_user (server->quota, r->username) >= server->settings->user_quota))
    return reply_code (r, TURN_ERROR_ALLOCATION_QUOTA_REACHED);

  for (guint i = 0; i < n_families; i++)
    {
      TurnAddr ip;
      gint fd;

      if (!relay_ip_for (r, families[i], &ip))
        {
          if (i == 0)
            {
              error = g_error_new_literal (TURN_ERROR, TURN_ERROR_ADDRESS_FAMILY_NOT_SUPPORTED, "no relay address of that family");
              break;
            }
          family_error = TURN_ERROR_ADDRESS_FAMILY_NOT_SUPPORTED;
          continue;
        }
      fd = turn_relay_bind (server, &ip, i == 0 ? mode : TURN_RELAY_PORT_ANY, token,
                            postern_stun_message_has (msg, POSTERN_STUN_ATTR_DONT_FRAGMENT), r->now,
                            &relayed[n_bound], &error);
      if (fd < 0)
        break;
      fds[n_bound++] = fd;
    }
  if (error == NULL)
    {
      postern_stun_message_get_u32 (msg, POSTERN_STUN_ATTR_LIFETIME, &lifetime);
      lifetime = turn_lifetime_clamp (postern_stun_message_has (msg, POSTERN_STUN_ATTR_LIFETIME), lifetime, FALSE);
      alloc = turn_allocation_table_create (shard->table, &r->five_tuple, r->username, relayed, n_bound,
                                            lifetime, r->now, &error);
    }
  if (alloc == NULL)
    {
      for (guint i = 0; i < n_bound; i++)
        {
          close (fds[i]);
          turn_server_release_port (server, relayed[i].port);
        }
      return reply_gerror (r, error);
    }
  relay = turn_relay_new (shard, alloc, r->listener_fd, fds, &error);
  if (relay == NULL)
    {
      g_warning ("relay sockets: %s", error->message);
      turn_allocation_table_remove (shard->table, alloc, TURN_REMOVED_DELETED);
      return reply_code (r, TURN_ERROR_INSUFFICIENT_CAPACITY);
    }
  alloc->user_data = relay;
  memcpy (relay->allocate_txid, postern_stun_message_get_transaction_id (msg), sizeof relay->allocate_txid);
  shard->stats.allocations_created++;
  turn_server_allocation_event (server, alloc, "created");
  return allocate_success (r, alloc, family_error, mode == TURN_RELAY_PORT_EVEN_RESERVE ? token : NULL);
}

/* The caller's allocation, or NULL with *@size set to the error reply. */
static TurnAllocation *
own_allocation (Request *r, gsize *size)
{
  TurnAllocation *alloc = turn_allocation_table_lookup (r->shard->table, &r->five_tuple);

  if (alloc == NULL)
    *size = reply_code (r, TURN_ERROR_ALLOCATION_MISMATCH);
  else if (strcmp (alloc->username, r->username) != 0)
    *size = reply_code (r, TURN_ERROR_WRONG_CREDENTIALS);
  else
    return alloc;
  return NULL;
}

static gsize
handle_refresh (Request *r)
{
  PosternStunBuilder b;
  gsize size = 0;
  TurnAllocation *alloc = own_allocation (r, &size);
  guint32 lifetime = 0;
  guint8 family;

  if (alloc == NULL)
    return size;
  if (postern_stun_message_get_u8_prefixed (r->msg, POSTERN_STUN_ATTR_REQUESTED_ADDRESS_FAMILY, &family) &&
      !has_family (alloc, family == POSTERN_STUN_FAMILY_IPV4 ? AF_INET : AF_INET6))
    return reply_code (r, TURN_ERROR_PEER_ADDRESS_FAMILY_MISMATCH);
  postern_stun_message_get_u32 (r->msg, POSTERN_STUN_ATTR_LIFETIME, &lifetime);
  lifetime = turn_lifetime_clamp (postern_stun_message_has (r->msg, POSTERN_STUN_ATTR_LIFETIME), lifetime, TRUE);
  if (lifetime == 0)
    turn_allocation_table_remove (r->shard->table, alloc, TURN_REMOVED_DELETED);
  else
    turn_allocation_refresh (alloc, lifetime, r->now);
  postern_stun_builder_init_reply (&b, r->reply, r->capacity, r->msg, POSTERN_STUN_CLASS_SUCCESS);
  postern_stun_builder_add_u32 (&b, POSTERN_STUN_ATTR_LIFETIME, lifetime);
  return finish (r, &b);
}

/* Family, then policy: 443 or 403 for a peer this allocation may not reach. */
static guint16
check_peer (Request *r, TurnAllocation *alloc, const TurnAddr *peer)
{
  if (!has_family (alloc, peer->family))
    return TURN_ERROR_PEER_ADDRESS_FAMILY_MISMATCH;
  if (turn_peer_policy_check (r->server->settings->policy, peer) != TURN_PEER_OK)
    {
      r->shard->stats.forbidden_peers++;
      return TURN_ERROR_FORBIDDEN;
    }
  return 0;
}

/* Every XOR-PEER-ADDRESS gets a permission, or none does: the first
 * refused peer answers for the request. */
static gsize
handle_create_permission (Request *r)
{
  PosternStunBuilder b;
  g_autoptr(GError) error = NULL;
  gsize size = 0;
  TurnAllocation *alloc = own_allocation (r, &size);
  TurnAddr peers[TURN_MAX_PEERS_PER_REQUEST];
  gint n_peers;

  if (alloc == NULL)
    return size;
  n_peers = turn_peer_list_collect (r->msg, peers, G_N_ELEMENTS (peers));
  if (n_peers <= 0)
    return reply_code (r, TURN_ERROR_BAD_REQUEST);
  for (gint i = 0; i < n_peers; i++)
    {
      guint16 code = check_peer (r, alloc, &peers[i]);
      if (code != 0)
        return reply_code (r, code);
    }
  if (!turn_allocation_add_permissions (alloc, peers, (guint) n_peers, r->now, &error))
    return reply_gerror (r, error);
  postern_stun_builder_init_reply (&b, r->reply, r->capacity, r->msg, POSTERN_STUN_CLASS_SUCCESS);
  return finish (r, &b);
}

static gsize
handle_channel_bind (Request *r)
{
  PosternStunBuilder b;
  g_autoptr(GError) error = NULL;
  gsize size = 0;
  TurnAllocation *alloc = own_allocation (r, &size);
  PosternStunAddress a;
  TurnAddr peer;
  guint16 number, code;

  if (alloc == NULL)
    return size;
  if (!postern_stun_message_get_channel_number (r->msg, &number) ||
      number < TURN_CHANNEL_MIN || number > r->server->settings->max_channel ||
      !postern_stun_message_get_xor_address (r->msg, POSTERN_STUN_ATTR_XOR_PEER_ADDRESS, &a))
    return reply_code (r, TURN_ERROR_BAD_REQUEST);
  if (!turn_addr_from_stun (&peer, &a))
    return reply_code (r, TURN_ERROR_BAD_REQUEST);
  code = check_peer (r, alloc, &peer);
  if (code != 0)
    return reply_code (r, code);
  if (!turn_allocation_bind_channel (alloc, number, &peer, r->now, &error))
    return reply_gerror (r, error);
  postern_stun_builder_init_reply (&b, r->reply, r->capacity, r->msg, POSTERN_STUN_CLASS_SUCCESS);
  return finish (r, &b);
}

static gsize
handle_binding (Request *r)
{
  PosternStunBuilder b;
  PosternStunAddress a;

  turn_addr_to_stun (&r->five_tuple.client, &a);
  postern_stun_builder_init_reply (&b, r->reply, r->capacity, r->msg, POSTERN_STUN_CLASS_SUCCESS);
  postern_stun_builder_add_xor_address (&b, POSTERN_STUN_ATTR_XOR_MAPPED_ADDRESS, &a);
  return postern_stun_builder_finish (&b, NULL);
}

/* Send indication: relayed only with a permission and an allowed peer;
 * anything else is dropped silently. */
static void
handle_send (Request *r)
{
  TurnServer *server = r->server;
  TurnShard *shard = r->shard;
  TurnAllocation *alloc = turn_allocation_table_lookup (shard->table, &r->five_tuple);
  PosternStunAddress a;
  TurnAddr peer;
  const guint8 *data;
  gsize len;

  if (alloc == NULL ||
      !postern_stun_message_get_xor_address (r->msg, POSTERN_STUN_ATTR_XOR_PEER_ADDRESS, &a) ||
      (data = postern_stun_message_find (r->msg, POSTERN_STUN_ATTR_DATA, &len)) == NULL ||
      !turn_addr_from_stun (&peer, &a))
    {
      shard->stats.dropped++;
      return;
    }
  if (turn_peer_policy_check (server->settings->policy, &peer) != TURN_PEER_OK)
    {
      shard->stats.forbidden_peers++;
      shard->stats.dropped++;
      return;
    }
  if (!turn_allocation_has_permission (alloc, &peer, r->now))
    {
      shard->stats.dropped++;
      return;
    }
  turn_relay_send_to_peer (alloc->user_data, &peer, data, len);
}

static void
handle_channel_data (TurnShard *shard, const TurnFiveTuple *five_tuple, const guint8 *data, gsize len,
                     gint64 now)
{
  TurnAllocation *alloc = turn_allocation_table_lookup (shard->table, five_tuple);
  const TurnChannel *channel;
  const guint8 *payload;
  gsize payload_len;
  guint16 number;

  if (alloc == NULL || !turn_channel_data_parse (data, len, &number, &payload, &payload_len) ||
      (channel = turn_allocation_lookup_channel (alloc, number, now)) == NULL ||
      !turn_allocation_has_permission (alloc, &channel->peer, now))
    {
      shard->stats.dropped++;
      return;
    }
  turn_relay_send_to_peer (alloc->user_data, &channel->peer, payload, payload_len);
}

gsize
turn_server_handle (TurnShard        *shard,
                    gint              listener_fd,
                    const guint8     *data,
                    gsize             len,
                    const TurnAddr   *client,
                    const TurnAddr   *local,
                    guint8           *reply,
                    gsize             capacity)
{
  PosternStunMessage msg;
  Request r = { 0 };
  gsize size;

  r.server = shard->server;
  r.shard = shard;
  r.listener_fd = listener_fd;
  r.five_tuple.client = *client;
  r.five_tuple.server = *local;
  r.now = turn_server_now ();

  if (len > 0 && (data[0] & 0xC0) == 0x40)
    {
      handle_channel_data (shard, &r.five_tuple, data, len, r.now);
      return 0;
    }
  if (!postern_stun_message_parse (&msg, data, len, POSTERN_STUN_PARSE_NONE, NULL) ||
      (msg.fingerprint_offset != 0 && !postern_stun_message_check_fingerprint (&msg)))
    return 0;
  r.msg = &msg;
  r.reply = reply;
  r.capacity = capacity;

  if (msg.klass == POSTERN_STUN_CLASS_INDICATION && msg.method == POSTERN_STUN_METHOD_SEND)
    {
      handle_send (&r);
      return 0;
    }
  if (msg.klass != POSTERN_STUN_CLASS_REQUEST)
    return 0;
  if (msg.n_unknown > 0)
    return reply_code (&r, TURN_ERROR_UNKNOWN_ATTRIBUTE);

  switch (msg.method)
    {
    case POSTERN_STUN_METHOD_BINDING:
      return handle_binding (&r);
    case POSTERN_STUN_METHOD_ALLOCATE:
    case POSTERN_STUN_METHOD_REFRESH:
    case POSTERN_STUN_METHOD_CREATE_PERMISSION:
    case POSTERN_STUN_METHOD_CHANNEL_BIND:
      break;
    default:
      return reply_code (&r, TURN_ERROR_BAD_REQUEST);
    }

  size = authenticate (&r);
  if (size != 0 || !r.authenticated)
    return size;
  switch (msg.method)
    {
    case POSTERN_STUN_METHOD_ALLOCATE:
      size = handle_allocate (&r);
      break;
    case POSTERN_STUN_METHOD_REFRESH:
      size = handle_refresh (&r);
      break;
    case POSTERN_STUN_METHOD_CREATE_PERMISSION:
      size = handle_create_permission (&r);
      break;
    default:
      size = handle_channel_bind (&r);
      break;
    }
  explicit_bzero (&r.key, sizeof r.key);
  return size;
}
