/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "postern-stun.h"
#include "postern-stun-private.h"

#include <string.h>

#include "postern-error.h"

#define FINGERPRINT_XOR 0x5354554eu

static void
set_length (PosternStunBuilder *b)
{
  stun_put16 (b->buf + 2, (guint16) (b->len - POSTERN_STUN_HEADER_SIZE));
}

/**
 * postern_stun_builder_init: (skip)
 * @b: (out caller-allocates): the builder
 * @buf: (array length=capacity): the output buffer
 * @capacity: its size
 * @method: the method
 * @klass: the class
 * @transaction_id: (array fixed-size=12): the transaction ID
 *
 * Starts a message with the magic cookie. A @capacity below the header
 * size marks the builder as overflowed.
 */
void
postern_stun_builder_init (PosternStunBuilder *b, guint8 *buf, gsize capacity, guint16 method,
                           PosternStunClass klass, const guint8 *transaction_id)
{
  guint16 type = (guint16) ((method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2) |
                            klass);

  b->buf = buf;
  b->capacity = MIN (capacity, (gsize) POSTERN_STUN_MAX_MESSAGE_SIZE);
  b->len = 0;
  b->overflow = b->capacity < POSTERN_STUN_HEADER_SIZE;
  if (b->overflow)
    return;
  stun_put16 (buf, type);
  stun_put32 (buf + 4, POSTERN_STUN_MAGIC_COOKIE);
  memcpy (buf + 8, transaction_id, POSTERN_STUN_TRANSACTION_ID_SIZE);
  b->len = POSTERN_STUN_HEADER_SIZE;
  set_length (b);
}

/**
 * postern_stun_builder_init_reply: (skip)
 * @b: (out caller-allocates): the builder
 * @buf: (array length=capacity): the output buffer
 * @capacity: its size
 * @request: the parsed request
 * @klass: %POSTERN_STUN_CLASS_SUCCESS or %POSTERN_STUN_CLASS_ERROR
 *
 * Starts the response to @request: same method and transaction ID; for an
 * RFC 3489 request the 16-byte transaction ID is echoed in place of the
 * cookie, as RFC 8489 section 11 asks.
 */
void
postern_stun_builder_init_reply (PosternStunBuilder *b, guint8 *buf, gsize capacity,
                                 const PosternStunMessage *request, PosternStunClass klass)
{
  postern_stun_builder_init (b, buf, capacity, request->method, klass, request->data + 8);
  if (!b->overflow)
    memcpy (buf + 4, request->data + 4, 4);
}

/**
 * postern_stun_builder_add: (skip)
 * @b: a builder
 * @type: the attribute type
 * @value: (nullable) (array length=len): the value, or %NULL to reserve
 *   @len zeroed bytes for the caller to fill
 * @len: the value's length
 *
 * Appends one attribute, zero-padded to 4 bytes.
 *
 * Returns: (nullable): where the value went in the buffer, or %NULL when it
 *   did not fit (the builder is then overflowed)
 */
guint8 *
postern_stun_builder_add (PosternStunBuilder *b, guint16 type, const void *value, gsize len)
{
  gsize padded = stun_padded (len);
  guint8 *p;

  if (b->overflow || len > 0xFFFF || padded + 4 > b->capacity - b->len) {
    b->overflow = TRUE;
    return NULL;
  }
  p = b->buf + b->len;
  stun_put16 (p, type);
  stun_put16 (p + 2, (guint16) len);
  memset (p + 4, 0, padded);
  if (value != NULL && len > 0)
    memcpy (p + 4, value, len);
  b->len += 4 + padded;
  set_length (b);
  return p + 4;
}

/**
 * postern_stun_builder_add_u32: (skip)
 * @b: a builder
 * @type: the attribute type (LIFETIME, CHANGE-REQUEST, ...)
 * @value: the value
 */
void
postern_stun_builder_add_u32 (PosternStunBuilder *b, guint16 type, guint32 value)
{
  guint8 v[4];

  stun_put32 (v, value);
  postern_stun_builder_add (b, type, v, sizeof v);
}

/**
 * postern_stun_builder_add_u8_prefixed: (skip)
 * @b: a builder
 * @type: REQUESTED-TRANSPORT, REQUESTED-ADDRESS-FAMILY,
 *   ADDITIONAL-ADDRESS-FAMILY (4 bytes) or EVEN-PORT (1 byte)
 * @value: the first byte
 */
void
postern_stun_builder_add_u8_prefixed (PosternStunBuilder *b, guint16 type, guint8 value)
{
  guint8 v[4] = { value, 0, 0, 0 };

  postern_stun_builder_add (b, type, v, type == POSTERN_STUN_ATTR_EVEN_PORT ? 1 : 4);
}

/**
 * postern_stun_builder_add_channel_number: (skip)
 * @b: a builder
 * @channel: the channel number
 */
void
postern_stun_builder_add_channel_number (PosternStunBuilder *b, guint16 channel)
{
  postern_stun_builder_add_u32 (b, POSTERN_STUN_ATTR_CHANNEL_NUMBER, (guint32) channel << 16);
}

/**
 * postern_stun_builder_add_reservation_token: (skip)
 * @b: a builder
 * @token: the token
 */
void
postern_stun_builder_add_reservation_token (PosternStunBuilder *b, guint64 token)
{
  guint8 v[8];

  stun_put32 (v, (guint32) (token >> 32));
  stun_put32 (v + 4, (guint32) token);
  postern_stun_builder_add (b, POSTERN_STUN_ATTR_RESERVATION_TOKEN, v, sizeof v);
}

/**
 * postern_stun_builder_add_flag: (skip)
 * @b: a builder
 * @type: an attribute without a value (DONT-FRAGMENT)
 */
void
postern_stun_builder_add_flag (PosternStunBuilder *b, guint16 type)
{
  postern_stun_builder_add (b, type, NULL, 0);
}

/**
 * postern_stun_builder_add_string: (skip)
 * @b: a builder
 * @type: USERNAME, REALM, NONCE, SOFTWARE, ...
 * @text: the text, without its terminating nul
 */
void
postern_stun_builder_add_string (PosternStunBuilder *b, guint16 type, const gchar *text)
{
  postern_stun_builder_add (b, type, text, strlen (text));
}

static void
put_address (PosternStunBuilder *b, guint16 type, const PosternStunAddress *addr, gboolean xor)
{
  gsize alen = addr->family == POSTERN_STUN_FAMILY_IPV4 ? 4 : 16;
  guint8 *v;

  if (addr->family != POSTERN_STUN_FAMILY_IPV4 && addr->family != POSTERN_STUN_FAMILY_IPV6) {
    b->overflow = TRUE;
    return;
  }
  v = postern_stun_builder_add (b, type, NULL, 4 + alen);
  if (v == NULL)
    return;
  v[1] = addr->family;
  stun_put16 (v + 2, addr->port);
  memcpy (v + 4, addr->address, alen);
  if (xor) {
    const guint8 *mask = b->buf + 4; /* magic cookie, then transaction ID */
    v[2] ^= mask[0];
    v[3] ^= mask[1];
    for (gsize i = 0; i < alen; i++)
      v[4 + i] ^= mask[i];
  }
}

/**
 * postern_stun_builder_add_address: (skip)
 * @b: a builder
 * @type: MAPPED-ADDRESS, ALTERNATE-SERVER, RESPONSE-ORIGIN, OTHER-ADDRESS
 * @addr: the address
 */
void
postern_stun_builder_add_address (PosternStunBuilder *b, guint16 type,
                                  const PosternStunAddress *addr)
{
  put_address (b, type, addr, FALSE);
}

/**
 * postern_stun_builder_add_xor_address: (skip)
 * @b: a builder
 * @type: XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS, XOR-RELAYED-ADDRESS
 * @addr: the address, XORed with the message's cookie and transaction ID
 */
void
postern_stun_builder_add_xor_address (PosternStunBuilder *b, guint16 type,
                                      const PosternStunAddress *addr)
{
  put_address (b, type, addr, TRUE);
}

static void
put_error (PosternStunBuilder *b, guint16 type, guint8 family, guint16 code, const gchar *reason)
{
  /* reason phrases are capped at 128 bytes (RFC 8489 allows 763): short
   * errors keep unauthenticated answers small */
  gsize rlen = MIN (strlen (reason), 128);
  guint8 *v;

  if (code < 300 || code > 699) {
    b->overflow = TRUE;
    return;
  }
  v = postern_stun_builder_add (b, type, NULL, 4 + rlen);
  if (v == NULL)
    return;
  v[0] = family;
  v[2] = (guint8) (code / 100);
  v[3] = (guint8) (code % 100);
  memcpy (v + 4, reason, rlen);
}

/**
 * postern_stun_builder_add_error_code: (skip)
 * @b: a builder
 * @code: 300 to 699
 * @reason: a short UTF-8 reason phrase
 */
void
postern_stun_builder_add_error_code (PosternStunBuilder *b, guint16 code, const gchar *reason)
{
  put_error (b, POSTERN_STUN_ATTR_ERROR_CODE, 0, code, reason);
}

/**
 * postern_stun_builder_add_address_error_code: (skip)
 * @b: a builder
 * @family: the address family the error is about
 * @code: 300 to 699
 * @reason: a short UTF-8 reason phrase
 */
void
postern_stun_builder_add_address_error_code (PosternStunBuilder *b, guint8 family, guint16 code,
                                             const gchar *reason)
{
  put_error (b, POSTERN_STUN_ATTR_ADDRESS_ERROR_CODE, family, code, reason);
}

/**
 * postern_stun_builder_add_icmp: (skip)
 * @b: a builder
 * @icmp_type: the ICMP type
 * @icmp_code: the ICMP code (7 bits)
 * @error_data: the ICMP error data
 */
void
postern_stun_builder_add_icmp (PosternStunBuilder *b, guint8 icmp_type, guint8 icmp_code,
                               guint32 error_data)
{
  guint8 v[8] = { 0, 0, (guint8) (icmp_type >> 1), (guint8) ((icmp_type << 7) | (icmp_code & 0x7F)) };

  stun_put32 (v + 4, error_data);
  postern_stun_builder_add (b, POSTERN_STUN_ATTR_ICMP, v, sizeof v);
}

/**
 * postern_stun_builder_add_unknown_attributes: (skip)
 * @b: a builder
 * @types: (array length=n_types): attribute types
 * @n_types: their number
 */
void
postern_stun_builder_add_unknown_attributes (PosternStunBuilder *b, const guint16 *types,
                                             guint n_types)
{
  guint8 *v = postern_stun_builder_add (b, POSTERN_STUN_ATTR_UNKNOWN_ATTRIBUTES, NULL,
                                        (gsize) n_types * 2);

  for (guint i = 0; v != NULL && i < n_types; i++)
    stun_put16 (v + 2 * i, types[i]);
}

static void
put_integrity (PosternStunBuilder *b, guint16 type, GChecksumType hash, gsize mac_len,
               const guint8 *key, gsize key_len)
{
  gsize start = b->len;
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  guint8 *v = postern_stun_builder_add (b, type, NULL, mac_len);

  if (v == NULL)
    return;
  stun_hmac_prefix (hash, key, key_len, b->buf, start,
                    (guint16) (b->len - POSTERN_STUN_HEADER_SIZE), digest, &digest_len);
  memcpy (v, digest, mac_len);
}

/**
 * postern_stun_builder_add_integrity: (skip)
 * @b: a builder
 * @key: (array length=key_len): the key
 * @key_len: its size
 *
 * Appends MESSAGE-INTEGRITY (HMAC-SHA1) over everything so far.
 */
void
postern_stun_builder_add_integrity (PosternStunBuilder *b, const guint8 *key, gsize key_len)
{
  put_integrity (b, POSTERN_STUN_ATTR_MESSAGE_INTEGRITY, G_CHECKSUM_SHA1, 20, key, key_len);
}

/**
 * postern_stun_builder_add_integrity_sha256: (skip)
 * @b: a builder
 * @key: (array length=key_len): the key
 * @key_len: its size
 *
 * Appends MESSAGE-INTEGRITY-SHA256 (full 32 bytes) over everything so far.
 */
void
postern_stun_builder_add_integrity_sha256 (PosternStunBuilder *b, const guint8 *key,
                                           gsize key_len)
{
  put_integrity (b, POSTERN_STUN_ATTR_MESSAGE_INTEGRITY_SHA256, G_CHECKSUM_SHA256, 32, key,
                 key_len);
}

/**
 * postern_stun_builder_add_fingerprint: (skip)
 * @b: a builder
 *
 * Appends FINGERPRINT; add nothing after it.
 */
void
postern_stun_builder_add_fingerprint (PosternStunBuilder *b)
{
  gsize start = b->len;
  guint8 *v = postern_stun_builder_add (b, POSTERN_STUN_ATTR_FINGERPRINT, NULL, 4);

  if (v == NULL)
    return;
  stun_put32 (v, postern_stun_crc32 (b->buf, start) ^ FINGERPRINT_XOR);
}

/**
 * postern_stun_builder_finish: (skip)
 * @b: a builder
 * @error: return location for an error, or %NULL
 *
 * Returns: the message's size, or 0 with @error set if anything did not fit
 *   or an argument was invalid
 */
gsize
postern_stun_builder_finish (PosternStunBuilder *b, GError **error)
{
  if (b->overflow) {
    g_set_error_literal (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_ARGUMENT,
                         "STUN message does not fit its buffer or had an invalid attribute");
    return 0;
  }
  return b->len;
}

/**
 * postern_stun_channel_data_parse: (skip)
 * @data: (array length=len): one datagram or framed stream message
 * @len: its size
 * @channel: (out): the channel number, 0x4000 to 0x4FFF
 * @payload: (out): the application data inside @data
 * @payload_len: (out): its length
 *
 * Padding after the payload (always present over TCP) is allowed.
 *
 * Returns: %FALSE if @data is not ChannelData or its length field exceeds it
 */
gboolean
postern_stun_channel_data_parse (const guint8 *data, gsize len, guint16 *channel,
                                 const guint8 **payload, gsize *payload_len)
{
  gsize plen;

  if (!postern_stun_is_channel_data (data, len))
    return FALSE;
  plen = stun_get16 (data + 2);
  if (plen > len - 4)
    return FALSE;
  *channel = stun_get16 (data);
  *payload = data + 4;
  *payload_len = plen;
  return TRUE;
}

/**
 * postern_stun_channel_data_build: (skip)
 * @buf: (array length=capacity): the output buffer
 * @capacity: its size
 * @channel: the channel number, 0x4000 to 0x4FFF
 * @payload: (array length=payload_len): the application data
 * @payload_len: its length, at most 65535
 * @pad: %TRUE to zero-pad to 4 bytes (stream transports)
 *
 * Returns: the message's size, or 0 if it did not fit or an argument is
 *   out of range
 */
gsize
postern_stun_channel_data_build (guint8 *buf, gsize capacity, guint16 channel,
                                 const guint8 *payload, gsize payload_len, gboolean pad)
{
  gsize total;

  if (channel < 0x4000 || channel > 0x4FFF || payload_len > 0xFFFF)
    return 0;
  total = 4 + (pad ? stun_padded (payload_len) : payload_len);
  if (total > capacity)
    return 0;
  stun_put16 (buf, channel);
  stun_put16 (buf + 2, (guint16) payload_len);
  if (payload_len > 0)
    memmove (buf + 4, payload, payload_len);
  memset (buf + 4 + payload_len, 0, total - 4 - payload_len);
  return total;
}
