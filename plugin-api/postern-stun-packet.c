/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PosternStunPacket: the codec for language bindings. It owns a GBytes and
 * the PosternStunMessage that indexes it; it is not for the data path. */
#include "postern-stun.h"

struct _PosternStunPacket {
  gatomicrefcount ref;
  GBytes *bytes;
  PosternStunMessage msg;
};

G_DEFINE_BOXED_TYPE (PosternStunPacket, postern_stun_packet, postern_stun_packet_ref,
                     postern_stun_packet_unref)

/**
 * postern_stun_packet_parse:
 * @bytes: one STUN message
 * @flags: parsing options
 * @error: return location for an error
 *
 * Returns: (transfer full): the parsed packet, or %NULL with @error set
 */
PosternStunPacket *
postern_stun_packet_parse (GBytes *bytes, PosternStunParseFlags flags, GError **error)
{
  g_autoptr(PosternStunPacket) self = g_new0 (PosternStunPacket, 1);
  gsize len;
  const guint8 *data;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_atomic_ref_count_init (&self->ref);
  self->bytes = g_bytes_ref (bytes);
  data = g_bytes_get_data (bytes, &len);
  if (data == NULL)
    data = (const guint8 *) "";
  if (!postern_stun_message_parse (&self->msg, data, len, flags, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * postern_stun_packet_ref:
 * @self: a packet
 *
 * Returns: (transfer full): @self
 */
PosternStunPacket *
postern_stun_packet_ref (PosternStunPacket *self)
{
  g_atomic_ref_count_inc (&self->ref);
  return self;
}

/**
 * postern_stun_packet_unref:
 * @self: (transfer full): a packet
 */
void
postern_stun_packet_unref (PosternStunPacket *self)
{
  if (!g_atomic_ref_count_dec (&self->ref))
    return;
  g_bytes_unref (self->bytes);
  g_free (self);
}

/**
 * postern_stun_packet_get_method:
 * @self: a packet
 *
 * Returns: the 12-bit method (see #PosternStunMethod)
 */
guint16
postern_stun_packet_get_method (PosternStunPacket *self)
{
  return self->msg.method;
}

/**
 * postern_stun_packet_get_class:
 * @self: a packet
 *
 * Returns: the message class
 */
PosternStunClass
postern_stun_packet_get_class (PosternStunPacket *self)
{
  return (PosternStunClass) self->msg.klass;
}

/**
 * postern_stun_packet_get_transaction_id:
 * @self: a packet
 *
 * Returns: (transfer full): the 12-byte transaction ID (16 for RFC 3489)
 */
GBytes *
postern_stun_packet_get_transaction_id (PosternStunPacket *self)
{
  return g_bytes_new (postern_stun_message_get_transaction_id (&self->msg),
                      postern_stun_message_get_transaction_id_size (&self->msg));
}

/**
 * postern_stun_packet_list_attributes:
 * @self: a packet
 * @n_types: (out): how many types are returned
 *
 * Returns: (transfer full) (array length=n_types): the counted known
 *   attribute types in message order, then MESSAGE-INTEGRITY,
 *   MESSAGE-INTEGRITY-SHA256 and FINGERPRINT when present
 */
guint16 *
postern_stun_packet_list_attributes (PosternStunPacket *self, guint *n_types)
{
  guint16 *types = g_new0 (guint16, POSTERN_STUN_MAX_ATTRIBUTES + 3);
  guint n = 0;

  for (guint i = 0; i < self->msg.n_attrs; i++)
    types[n++] = self->msg.attrs[i].type;
  if (self->msg.integrity_offset != 0)
    types[n++] = POSTERN_STUN_ATTR_MESSAGE_INTEGRITY;
  if (self->msg.integrity_sha256_offset != 0)
    types[n++] = POSTERN_STUN_ATTR_MESSAGE_INTEGRITY_SHA256;
  if (self->msg.fingerprint_offset != 0)
    types[n++] = POSTERN_STUN_ATTR_FINGERPRINT;
  *n_types = n;
  return types;
}

/**
 * postern_stun_packet_get_attribute:
 * @self: a packet
 * @type: an attribute type
 *
 * Returns: (transfer full) (nullable): the first counted value of @type, or
 *   %NULL when absent
 */
GBytes *
postern_stun_packet_get_attribute (PosternStunPacket *self, guint16 type)
{
  gsize len;
  const guint8 *v = postern_stun_message_find (&self->msg, type, &len);

  if (v == NULL)
    return NULL;
  return g_bytes_new_from_bytes (self->bytes, (gsize) (v - self->msg.data), len);
}

/**
 * postern_stun_packet_get_string:
 * @self: a packet
 * @type: a text attribute (USERNAME, REALM, NONCE, SOFTWARE)
 *
 * Returns: (transfer full) (nullable): the value, or %NULL when absent or
 *   not valid UTF-8
 */
gchar *
postern_stun_packet_get_string (PosternStunPacket *self, guint16 type)
{
  gsize len;
  const guint8 *v = postern_stun_message_find (&self->msg, type, &len);

  if (v == NULL || !g_utf8_validate_len ((const gchar *) v, len, NULL))
    return NULL;
  return g_strndup ((const gchar *) v, len);
}

/**
 * postern_stun_packet_get_address:
 * @self: a packet
 * @type: an address attribute, plain or XOR
 *
 * Returns: (transfer full) (nullable): the address, un-XORed for the XOR
 *   types, or %NULL when absent or malformed
 */
GInetSocketAddress *
postern_stun_packet_get_address (PosternStunPacket *self, guint16 type)
{
  PosternStunAddress addr;
  gboolean ok;

  if (type == POSTERN_STUN_ATTR_XOR_MAPPED_ADDRESS || type == POSTERN_STUN_ATTR_XOR_PEER_ADDRESS ||
      type == POSTERN_STUN_ATTR_XOR_RELAYED_ADDRESS)
    ok = postern_stun_message_get_xor_address (&self->msg, type, &addr);
  else
    ok = postern_stun_message_get_address (&self->msg, type, &addr);
  return ok ? postern_stun_address_to_inet (&addr) : NULL;
}

/**
 * postern_stun_packet_check_integrity:
 * @self: a packet
 * @key: the key
 *
 * Returns: %TRUE if MESSAGE-INTEGRITY is present and matches
 */
gboolean
postern_stun_packet_check_integrity (PosternStunPacket *self, GBytes *key)
{
  gsize len;
  const guint8 *k = g_bytes_get_data (key, &len);

  return postern_stun_message_check_integrity (&self->msg, k, len);
}

/**
 * postern_stun_packet_check_integrity_sha256:
 * @self: a packet
 * @key: the key
 *
 * Returns: %TRUE if MESSAGE-INTEGRITY-SHA256 is present and matches
 */
gboolean
postern_stun_packet_check_integrity_sha256 (PosternStunPacket *self, GBytes *key)
{
  gsize len;
  const guint8 *k = g_bytes_get_data (key, &len);

  return postern_stun_message_check_integrity_sha256 (&self->msg, k, len);
}

/**
 * postern_stun_packet_check_fingerprint:
 * @self: a packet
 *
 * Returns: %TRUE if FINGERPRINT is present and matches
 */
gboolean
postern_stun_packet_check_fingerprint (PosternStunPacket *self)
{
  return postern_stun_message_check_fingerprint (&self->msg);
}

/**
 * postern_stun_packet_get_bytes:
 * @self: a packet
 *
 * Returns: (transfer full): the message's bytes
 */
GBytes *
postern_stun_packet_get_bytes (PosternStunPacket *self)
{
  return g_bytes_ref (self->bytes);
}
