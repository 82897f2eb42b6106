/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Typed getters for STUN and TURN attributes. Each checks the value's
 * length before reading and returns FALSE for an absent or malformed one. */
#include "postern-stun.h"
#include "postern-stun-private.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

static gboolean
parse_address (const guint8 *v, gsize len, PosternStunAddress *out)
{
  memset (out, 0, sizeof *out);
  if (len < 4)
    return FALSE;
  out->family = v[1];
  out->port = stun_get16 (v + 2);
  if (out->family == POSTERN_STUN_FAMILY_IPV4 && len == 8)
    memcpy (out->address, v + 4, 4);
  else if (out->family == POSTERN_STUN_FAMILY_IPV6 && len == 20)
    memcpy (out->address, v + 4, 16);
  else
    return FALSE;
  return TRUE;
}

/**
 * postern_stun_message_get_address: (skip)
 * @msg: a parsed message
 * @type: a plain address attribute (MAPPED-ADDRESS, ALTERNATE-SERVER,
 *   RESPONSE-ORIGIN, OTHER-ADDRESS)
 * @out: (out caller-allocates): the address
 *
 * Returns: %TRUE if the attribute is present and well-formed
 */
gboolean
postern_stun_message_get_address (const PosternStunMessage *msg, guint16 type,
                                  PosternStunAddress *out)
{
  gsize len;
  const guint8 *v = postern_stun_message_find (msg, type, &len);

  memset (out, 0, sizeof *out);
  return v != NULL && parse_address (v, len, out);
}

/**
 * postern_stun_message_get_xor_address: (skip)
 * @msg: a parsed message
 * @type: an XOR address attribute (XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS,
 *   XOR-RELAYED-ADDRESS)
 * @out: (out caller-allocates): the address, un-XORed
 *
 * Returns: %TRUE if the attribute is present and well-formed
 */
gboolean
postern_stun_message_get_xor_address (const PosternStunMessage *msg, guint16 type,
                                      PosternStunAddress *out)
{
  const guint8 *mask = msg->data + 4; /* magic cookie, then transaction ID */

  if (!postern_stun_message_get_address (msg, type, out))
    return FALSE;
  out->port ^= stun_get16 (mask);
  for (guint i = 0; i < (out->family == POSTERN_STUN_FAMILY_IPV4 ? 4u : 16u); i++)
    out->address[i] ^= mask[i];
  return TRUE;
}

/**
 * postern_stun_message_get_u32: (skip)
 * @msg: a parsed message
 * @type: a 32-bit attribute (LIFETIME)
 * @out: (out): its value
 *
 * Returns: %TRUE if the attribute is present and 4 bytes long
 */
gboolean
postern_stun_message_get_u32 (const PosternStunMessage *msg, guint16 type, guint32 *out)
{
  gsize len;
  const guint8 *v = postern_stun_message_find (msg, type, &len);

  if (v == NULL || len != 4)
    return FALSE;
  *out = stun_get32 (v);
  return TRUE;
}

/**
 * postern_stun_message_get_channel_number: (skip)
 * @msg: a parsed message
 * @out: (out): the CHANNEL-NUMBER (its range is the caller's check)
 *
 * Returns: %TRUE if the attribute is present and 4 bytes long
 */
gboolean
postern_stun_message_get_channel_number (const PosternStunMessage *msg, guint16 *out)
{
  guint32 v;

  if (!postern_stun_message_get_u32 (msg, POSTERN_STUN_ATTR_CHANNEL_NUMBER, &v))
    return FALSE;
  *out = (guint16) (v >> 16);
  return TRUE;
}

/**
 * postern_stun_message_get_u8_prefixed: (skip)
 * @msg: a parsed message
 * @type: REQUESTED-TRANSPORT, REQUESTED-ADDRESS-FAMILY,
 *   ADDITIONAL-ADDRESS-FAMILY (4 bytes) or EVEN-PORT (1 byte)
 * @out: (out): the first byte (protocol, family, or the EVEN-PORT flags)
 *
 * Returns: %TRUE if the attribute is present with the right length
 */
gboolean
postern_stun_message_get_u8_prefixed (const PosternStunMessage *msg, guint16 type, guint8 *out)
{
  gsize len;
  const guint8 *v = postern_stun_message_find (msg, type, &len);

  if (v == NULL || len != (type == POSTERN_STUN_ATTR_EVEN_PORT ? 1u : 4u))
    return FALSE;
  *out = v[0];
  return TRUE;
}

/**
 * postern_stun_message_get_reservation_token: (skip)
 * @msg: a parsed message
 * @out: (out): the RESERVATION-TOKEN
 *
 * Returns: %TRUE if the attribute is present and 8 bytes long
 */
gboolean
postern_stun_message_get_reservation_token (const PosternStunMessage *msg, guint64 *out)
{
  gsize len;
  const guint8 *v = postern_stun_message_find (msg, POSTERN_STUN_ATTR_RESERVATION_TOKEN, &len);

  if (v == NULL || len != 8)
    return FALSE;
  *out = ((guint64) stun_get32 (v) << 32) | stun_get32 (v + 4);
  return TRUE;
}

/* The class (3-6) and number (0-99) of ERROR-CODE and ADDRESS-ERROR-CODE,
 * in bytes 2 and 3 of the value. */
static gboolean
decode_error_code (const guint8 *v, guint16 *code)
{
  guint klass = v[2] & 0x07;

  if (klass < 3 || klass > 6 || v[3] > 99)
    return FALSE;
  *code = (guint16) (klass * 100 + v[3]);
  return TRUE;
}

/**
 * postern_stun_message_get_error_code: (skip)
 * @msg: a parsed message
 * @code: (out): the code, 300 to 699
 * @reason: (out) (optional): the reason phrase inside the message, not
 *   nul-terminated and not yet validated as UTF-8
 * @reason_len: (out) (optional): its length
 *
 * Returns: %TRUE if ERROR-CODE is present and well-formed
 */
gboolean
postern_stun_message_get_error_code (const PosternStunMessage *msg, guint16 *code,
                                     const gchar **reason, gsize *reason_len)
{
  gsize len;
  const guint8 *v = postern_stun_message_find (msg, POSTERN_STUN_ATTR_ERROR_CODE, &len);

  if (v == NULL || len < 4 || !decode_error_code (v, code))
    return FALSE;
  if (reason != NULL)
    *reason = (const gchar *) v + 4;
  if (reason_len != NULL)
    *reason_len = len - 4;
  return TRUE;
}

/**
 * postern_stun_message_get_address_error_code: (skip)
 * @msg: a parsed message
 * @family: (out): the address family the error is about
 * @code: (out): the code, 300 to 699
 *
 * Returns: %TRUE if ADDRESS-ERROR-CODE is present and well-formed
 */
gboolean
postern_stun_message_get_address_error_code (const PosternStunMessage *msg, guint8 *family,
                                             guint16 *code)
{
  gsize len;
  const guint8 *v = postern_stun_message_find (msg, POSTERN_STUN_ATTR_ADDRESS_ERROR_CODE, &len);

  if (v == NULL || len < 4 || !decode_error_code (v, code))
    return FALSE;
  *family = v[0];
  return TRUE;
}

/**
 * postern_stun_message_get_icmp: (skip)
 * @msg: a parsed message
 * @icmp_type: (out): the ICMP type
 * @icmp_code: (out): the ICMP code
 * @error_data: (out): the ICMP error data
 *
 * Returns: %TRUE if ICMP is present and 8 bytes long
 */
gboolean
postern_stun_message_get_icmp (const PosternStunMessage *msg, guint8 *icmp_type,
                               guint8 *icmp_code, guint32 *error_data)
{
  gsize len;
  const guint8 *v = postern_stun_message_find (msg, POSTERN_STUN_ATTR_ICMP, &len);

  if (v == NULL || len != 8)
    return FALSE;
  *icmp_type = (guint8) ((v[2] << 1) | (v[3] >> 7));
  *icmp_code = v[3] & 0x7F;
  *error_data = stun_get32 (v + 4);
  return TRUE;
}

/**
 * postern_stun_message_get_change_request: (skip)
 * @msg: a parsed message
 * @change_ip: (out): the "change IP" flag
 * @change_port: (out): the "change port" flag
 *
 * Returns: %TRUE if CHANGE-REQUEST is present and 4 bytes long
 */
gboolean
postern_stun_message_get_change_request (const PosternStunMessage *msg, gboolean *change_ip,
                                         gboolean *change_port)
{
  guint32 v;

  if (!postern_stun_message_get_u32 (msg, POSTERN_STUN_ATTR_CHANGE_REQUEST, &v))
    return FALSE;
  *change_ip = (v & 0x4) != 0;
  *change_port = (v & 0x2) != 0;
  return TRUE;
}

/**
 * postern_stun_message_get_unknown_attributes: (skip)
 * @msg: a parsed (error response) message
 * @types: (out caller-allocates) (array length=max): where to store the types
 * @max: room in @types
 *
 * Returns: how many types UNKNOWN-ATTRIBUTES lists (at most @max stored);
 *   0 if absent or of odd length
 */
guint
postern_stun_message_get_unknown_attributes (const PosternStunMessage *msg, guint16 *types,
                                             guint max)
{
  gsize len;
  const guint8 *v = postern_stun_message_find (msg, POSTERN_STUN_ATTR_UNKNOWN_ATTRIBUTES, &len);
  guint n = 0;

  if (v == NULL || len % 2 != 0)
    return 0;
  for (gsize i = 0; i + 2 <= len; i += 2, n++)
    if (n < max)
      types[n] = stun_get16 (v + i);
  return n;
}

/**
 * postern_stun_message_get_password_algorithms: (skip)
 * @msg: a parsed message
 * @algorithms: (out caller-allocates) (array length=max): where to store them
 * @max: room in @algorithms
 *
 * Returns: how many algorithms PASSWORD-ALGORITHMS lists (at most @max
 *   stored); 0 if absent or malformed
 */
guint
postern_stun_message_get_password_algorithms (const PosternStunMessage *msg,
                                              guint16 *algorithms, guint max)
{
  gsize len;
  const guint8 *v = postern_stun_message_find (msg, POSTERN_STUN_ATTR_PASSWORD_ALGORITHMS, &len);
  gsize off = 0;
  guint n = 0;

  if (v == NULL)
    return 0;
  while (off < len) {
    gsize params;
    if (len - off < 4)
      return 0;
    params = stun_padded (stun_get16 (v + off + 2));
    if (params > len - off - 4)
      return 0;
    if (n < max)
      algorithms[n] = stun_get16 (v + off);
    n++;
    off += 4 + params;
  }
  return n;
}

/**
 * postern_stun_address_from_sockaddr: (skip)
 * @out: (out caller-allocates): the STUN address
 * @sockaddr: a `struct sockaddr_in` or `struct sockaddr_in6`
 * @len: its size
 *
 * An IPv4-mapped IPv6 address (from a dual-stack socket) becomes IPv4.
 *
 * Returns: %FALSE for another family or a short @len
 */
gboolean
postern_stun_address_from_sockaddr (PosternStunAddress *out, gconstpointer sockaddr, gsize len)
{
  const struct sockaddr *sa = sockaddr;
  static const guint8 v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF };

  memset (out, 0, sizeof *out);
  if (sa->sa_family == AF_INET && len >= sizeof (struct sockaddr_in)) {
    const struct sockaddr_in *in = sockaddr;
    out->family = POSTERN_STUN_FAMILY_IPV4;
    out->port = g_ntohs (in->sin_port);
    memcpy (out->address, &in->sin_addr, 4);
    return TRUE;
  }
  if (sa->sa_family == AF_INET6 && len >= sizeof (struct sockaddr_in6)) {
    const struct sockaddr_in6 *in6 = sockaddr;
    const guint8 *a = (const guint8 *) &in6->sin6_addr;
    out->port = g_ntohs (in6->sin6_port);
    if (memcmp (a, v4mapped, sizeof v4mapped) == 0) {
      out->family = POSTERN_STUN_FAMILY_IPV4;
      memcpy (out->address, a + 12, 4);
    } else {
      out->family = POSTERN_STUN_FAMILY_IPV6;
      memcpy (out->address, a, 16);
    }
    return TRUE;
  }
  return FALSE;
}

/**
 * postern_stun_address_to_sockaddr: (skip)
 * @addr: a STUN address
 * @sockaddr: (out caller-allocates): room for a `struct sockaddr_in6`
 * @len: its size
 *
 * Returns: the size of the socket address written, or 0 if it did not fit
 *   or @addr has an unknown family
 */
gsize
postern_stun_address_to_sockaddr (const PosternStunAddress *addr, gpointer sockaddr, gsize len)
{
  if (addr->family == POSTERN_STUN_FAMILY_IPV4 && len >= sizeof (struct sockaddr_in)) {
    struct sockaddr_in *in = sockaddr;
    memset (in, 0, sizeof *in);
    in->sin_family = AF_INET;
    in->sin_port = g_htons (addr->port);
    memcpy (&in->sin_addr, addr->address, 4);
    return sizeof *in;
  }
  if (addr->family == POSTERN_STUN_FAMILY_IPV6 && len >= sizeof (struct sockaddr_in6)) {
    struct sockaddr_in6 *in6 = sockaddr;
    memset (in6, 0, sizeof *in6);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = g_htons (addr->port);
    memcpy (&in6->sin6_addr, addr->address, 16);
    return sizeof *in6;
  }
  return 0;
}

/**
 * postern_stun_address_to_inet: (skip)
 * @addr: a STUN address
 *
 * Returns: (transfer full) (nullable): the address as a #GInetSocketAddress,
 *   or %NULL for an unknown family
 */
GInetSocketAddress *
postern_stun_address_to_inet (const PosternStunAddress *addr)
{
  g_autoptr(GInetAddress) ip = NULL;

  if (addr->family == POSTERN_STUN_FAMILY_IPV4)
    ip = g_inet_address_new_from_bytes (addr->address, G_SOCKET_FAMILY_IPV4);
  else if (addr->family == POSTERN_STUN_FAMILY_IPV6)
    ip = g_inet_address_new_from_bytes (addr->address, G_SOCKET_FAMILY_IPV6);
  else
    return NULL;
  return G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (ip, addr->port));
}
