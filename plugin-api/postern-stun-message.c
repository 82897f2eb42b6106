/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "postern-stun.h"
#include "postern-stun-private.h"

#include <string.h>

#include "postern-error.h"

/**
 * SECTION:postern-stun
 * @title: STUN codec
 * @short_description: parse and build STUN and TURN messages
 *
 * A pure codec for RFC 8489 STUN messages and the RFC 8656 TURN attributes,
 * shared by the stun and turn plugins. The C interface allocates nothing:
 * postern_stun_message_parse() indexes a caller's buffer into a
 * #PosternStunMessage and #PosternStunBuilder writes into a caller's buffer.
 * Bindings use #PosternStunPacket, which owns a #GBytes.
 *
 * Framing is strict: the first two bits are zero, the magic cookie is
 * present (unless %POSTERN_STUN_PARSE_ALLOW_RFC3489), the length is a
 * multiple of 4 and equals the datagram, every attribute lies inside the
 * message and FINGERPRINT is last.
 */

static void
set_invalid (GError **error, const gchar *what)
{
  g_set_error_literal (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_DATA, what);
}

/**
 * postern_stun_is_stun: (skip)
 * @data: (array length=len): bytes received
 * @len: their number
 *
 * A cheap demultiplexing test: the header fits, the first two bits are zero
 * and the magic cookie is there.
 *
 * Returns: %TRUE if @data looks like an RFC 8489 STUN message
 */
gboolean
postern_stun_is_stun (const guint8 *data, gsize len)
{
  return len >= POSTERN_STUN_HEADER_SIZE && (data[0] & 0xC0) == 0 &&
         stun_get32 (data + 4) == POSTERN_STUN_MAGIC_COOKIE;
}

/**
 * postern_stun_is_channel_data: (skip)
 * @data: (array length=len): bytes received
 * @len: their number
 *
 * Returns: %TRUE if @data starts with a TURN ChannelData header
 *   (channel numbers 0x4000-0x4FFF)
 */
gboolean
postern_stun_is_channel_data (const guint8 *data, gsize len)
{
  return len >= 4 && (data[0] & 0xF0) == 0x40;
}

/**
 * postern_stun_frame_length: (skip)
 * @data: (array length=len): the start of a stream buffer
 * @len: bytes available
 *
 * Frames messages on a stream transport (TCP, TLS): a STUN message is its
 * header plus its length; a ChannelData message is padded to 4 bytes.
 *
 * Returns: the size of the first message, or 0 if @len is too short to
 *   tell or the bytes are neither STUN nor ChannelData
 */
gsize
postern_stun_frame_length (const guint8 *data, gsize len)
{
  if (len < 4)
    return 0;
  if ((data[0] & 0xC0) == 0)
    return POSTERN_STUN_HEADER_SIZE + (gsize) stun_get16 (data + 2);
  if ((data[0] & 0xF0) == 0x40)
    return 4 + stun_padded (stun_get16 (data + 2));
  return 0;
}

/**
 * postern_stun_attr_is_known:
 * @type: an attribute type
 *
 * Returns: %TRUE if the codec understands @type (a #PosternStunAttrType)
 */
gboolean
postern_stun_attr_is_known (guint16 type)
{
  switch (type) {
  case POSTERN_STUN_ATTR_MAPPED_ADDRESS:
  case POSTERN_STUN_ATTR_CHANGE_REQUEST:
  case POSTERN_STUN_ATTR_USERNAME:
  case POSTERN_STUN_ATTR_MESSAGE_INTEGRITY:
  case POSTERN_STUN_ATTR_ERROR_CODE:
  case POSTERN_STUN_ATTR_UNKNOWN_ATTRIBUTES:
  case POSTERN_STUN_ATTR_CHANNEL_NUMBER:
  case POSTERN_STUN_ATTR_LIFETIME:
  case POSTERN_STUN_ATTR_XOR_PEER_ADDRESS:
  case POSTERN_STUN_ATTR_DATA:
  case POSTERN_STUN_ATTR_REALM:
  case POSTERN_STUN_ATTR_NONCE:
  case POSTERN_STUN_ATTR_XOR_RELAYED_ADDRESS:
  case POSTERN_STUN_ATTR_REQUESTED_ADDRESS_FAMILY:
  case POSTERN_STUN_ATTR_EVEN_PORT:
  case POSTERN_STUN_ATTR_REQUESTED_TRANSPORT:
  case POSTERN_STUN_ATTR_DONT_FRAGMENT:
  case POSTERN_STUN_ATTR_MESSAGE_INTEGRITY_SHA256:
  case POSTERN_STUN_ATTR_PASSWORD_ALGORITHM:
  case POSTERN_STUN_ATTR_USERHASH:
  case POSTERN_STUN_ATTR_XOR_MAPPED_ADDRESS:
  case POSTERN_STUN_ATTR_RESERVATION_TOKEN:
  case POSTERN_STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY:
  case POSTERN_STUN_ATTR_ADDRESS_ERROR_CODE:
  case POSTERN_STUN_ATTR_PASSWORD_ALGORITHMS:
  case POSTERN_STUN_ATTR_ALTERNATE_DOMAIN:
  case POSTERN_STUN_ATTR_ICMP:
  case POSTERN_STUN_ATTR_SOFTWARE:
  case POSTERN_STUN_ATTR_ALTERNATE_SERVER:
  case POSTERN_STUN_ATTR_FINGERPRINT:
  case POSTERN_STUN_ATTR_RESPONSE_ORIGIN:
  case POSTERN_STUN_ATTR_OTHER_ADDRESS:
    return TRUE;
  default:
    return FALSE;
  }
}

static void
note_unknown (PosternStunMessage *msg, guint16 type)
{
  for (guint i = 0; i < msg->n_unknown; i++)
    if (msg->unknown[i] == type)
      return;
  if (msg->n_unknown < POSTERN_STUN_MAX_UNKNOWN)
    msg->unknown[msg->n_unknown++] = type;
}

/* Returns FALSE when the index is full. */
static gboolean
index_attr (PosternStunMessage *msg, guint16 type, guint16 length, guint32 offset)
{
  for (guint i = 0; i < msg->n_attrs; i++)
    if (msg->attrs[i].type == type)
      return TRUE;
  if (msg->n_attrs == POSTERN_STUN_MAX_ATTRIBUTES)
    return FALSE;
  msg->attrs[msg->n_attrs].type = type;
  msg->attrs[msg->n_attrs].length = length;
  msg->attrs[msg->n_attrs].offset = offset;
  msg->n_attrs++;
  return TRUE;
}

static gboolean
parse_header (PosternStunMessage *msg, const guint8 *data, gsize len,
              PosternStunParseFlags flags, GError **error)
{
  guint16 type;
  gsize body;

  if (len < POSTERN_STUN_HEADER_SIZE) {
    set_invalid (error, "truncated STUN header");
    return FALSE;
  }
  if ((data[0] & 0xC0) != 0) {
    set_invalid (error, "first two bits of a STUN message must be zero");
    return FALSE;
  }
  body = stun_get16 (data + 2);
  if (body % 4 != 0) {
    set_invalid (error, "STUN message length is not a multiple of 4");
    return FALSE;
  }
  if (POSTERN_STUN_HEADER_SIZE + body != len) {
    set_invalid (error, "STUN message length does not match the datagram");
    return FALSE;
  }
  type = stun_get16 (data);
  msg->method = (guint16) ((type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2));
  msg->klass = type & 0x0110;
  msg->data = data;
  msg->size = len;
  if (stun_get32 (data + 4) != POSTERN_STUN_MAGIC_COOKIE) {
    if (!(flags & POSTERN_STUN_PARSE_ALLOW_RFC3489) ||
        msg->method != POSTERN_STUN_METHOD_BINDING || msg->klass != POSTERN_STUN_CLASS_REQUEST) {
      set_invalid (error, "STUN magic cookie missing");
      return FALSE;
    }
    msg->rfc3489 = TRUE;
  }
  return TRUE;
}

/**
 * postern_stun_message_parse: (skip)
 * @msg: (out caller-allocates): the message to fill
 * @data: (array length=len): one whole datagram (or one framed stream message)
 * @len: its size
 * @flags: parsing options
 * @error: return location for an error, or %NULL on the hot path
 *
 * Validates the framing and indexes the attributes of one STUN message.
 * @msg points into @data afterwards. Attributes after MESSAGE-INTEGRITY are
 * ignored except MESSAGE-INTEGRITY-SHA256 and FINGERPRINT; anything after
 * FINGERPRINT is an error. Unknown comprehension-required attributes are
 * collected, not refused: see postern_stun_message_get_unknown().
 *
 * Returns: %TRUE if @data is a well-formed STUN message
 */
gboolean
postern_stun_message_parse (PosternStunMessage *msg, const guint8 *data, gsize len,
                            PosternStunParseFlags flags, GError **error)
{
  gsize off = POSTERN_STUN_HEADER_SIZE;

  memset (msg, 0, sizeof *msg);
  if (!parse_header (msg, data, len, flags, error))
    return FALSE;

  while (off < len) {
    guint16 type = stun_get16 (data + off);
    guint16 alen = stun_get16 (data + off + 2);
    gsize value = off + 4;
    gboolean after_integrity = msg->integrity_offset != 0 || msg->integrity_sha256_offset != 0;

    /* len - value is at least 0: off and len are multiples of 4 and off < len */
    if (stun_padded (alen) > len - value) {
      set_invalid (error, "STUN attribute runs past the end of the message");
      return FALSE;
    }
    if (msg->fingerprint_offset != 0) {
      set_invalid (error, "STUN attribute after FINGERPRINT");
      return FALSE;
    }
    switch (type) {
    case POSTERN_STUN_ATTR_FINGERPRINT:
      if (alen != 4) {
        set_invalid (error, "FINGERPRINT must be 4 bytes");
        return FALSE;
      }
      msg->fingerprint_offset = (guint32) off;
      break;
    case POSTERN_STUN_ATTR_MESSAGE_INTEGRITY:
      if (after_integrity)
        break;
      if (alen != 20) {
        set_invalid (error, "MESSAGE-INTEGRITY must be 20 bytes");
        return FALSE;
      }
      msg->integrity_offset = (guint32) off;
      break;
    case POSTERN_STUN_ATTR_MESSAGE_INTEGRITY_SHA256:
      if (msg->integrity_sha256_offset != 0)
        break;
      if (alen < 16 || alen > 32 || alen % 4 != 0) {
        set_invalid (error, "MESSAGE-INTEGRITY-SHA256 must be 16 to 32 bytes, a multiple of 4");
        return FALSE;
      }
      msg->integrity_sha256_offset = (guint32) off;
      break;
    default:
      if (after_integrity)
        break;
      if (!postern_stun_attr_is_known (type)) {
        if (type < 0x8000)
          note_unknown (msg, type);
        break;
      }
      if (!index_attr (msg, type, alen, (guint32) value)) {
        set_invalid (error, "too many STUN attributes");
        return FALSE;
      }
      break;
    }
    off = value + stun_padded (alen);
  }
  return TRUE;
}

/**
 * postern_stun_message_get_transaction_id: (skip)
 * @msg: a parsed message
 *
 * Returns: the transaction ID inside the message: 12 bytes, or 16 for an
 *   RFC 3489 message (see postern_stun_message_get_transaction_id_size())
 */
const guint8 *
postern_stun_message_get_transaction_id (const PosternStunMessage *msg)
{
  return msg->rfc3489 ? msg->data + 4 : msg->data + 8;
}

/**
 * postern_stun_message_get_transaction_id_size: (skip)
 * @msg: a parsed message
 *
 * Returns: 12, or 16 for an RFC 3489 message
 */
gsize
postern_stun_message_get_transaction_id_size (const PosternStunMessage *msg)
{
  return msg->rfc3489 ? 16 : POSTERN_STUN_TRANSACTION_ID_SIZE;
}

/**
 * postern_stun_message_find: (skip)
 * @msg: a parsed message
 * @type: an attribute type
 * @len: (out) (optional): the value's length
 *
 * Returns: the first counted attribute of @type's value inside the message,
 *   or %NULL
 */
const guint8 *
postern_stun_message_find (const PosternStunMessage *msg, guint16 type, gsize *len)
{
  for (guint i = 0; i < msg->n_attrs; i++) {
    if (msg->attrs[i].type == type) {
      if (len != NULL)
        *len = msg->attrs[i].length;
      return msg->data + msg->attrs[i].offset;
    }
  }
  return NULL;
}

/**
 * postern_stun_message_has: (skip)
 * @msg: a parsed message
 * @type: an attribute type
 *
 * Returns: %TRUE if @msg carries a counted attribute of @type
 */
gboolean
postern_stun_message_has (const PosternStunMessage *msg, guint16 type)
{
  return postern_stun_message_find (msg, type, NULL) != NULL;
}

/**
 * postern_stun_message_get_unknown: (skip)
 * @msg: a parsed message
 * @types: (out) (optional): the unknown comprehension-required types
 *
 * A request with any of these must be answered with 420 (Unknown
 * Attribute) listing them in UNKNOWN-ATTRIBUTES.
 *
 * Returns: how many there are (at most %POSTERN_STUN_MAX_UNKNOWN)
 */
guint
postern_stun_message_get_unknown (const PosternStunMessage *msg, const guint16 **types)
{
  if (types != NULL)
    *types = msg->unknown;
  return msg->n_unknown;
}
