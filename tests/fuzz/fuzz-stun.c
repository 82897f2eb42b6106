/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness for the STUN codec: parse hostile bytes, read every
 * attribute through its typed getter, check MACs, and answer the way the
 * stun plugin does; the answer must always parse back. */
#include <postern.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static const guint16 address_types[] = {
  POSTERN_STUN_ATTR_MAPPED_ADDRESS, POSTERN_STUN_ATTR_ALTERNATE_SERVER,
  POSTERN_STUN_ATTR_RESPONSE_ORIGIN, POSTERN_STUN_ATTR_OTHER_ADDRESS,
};
static const guint16 xor_types[] = {
  POSTERN_STUN_ATTR_XOR_MAPPED_ADDRESS, POSTERN_STUN_ATTR_XOR_PEER_ADDRESS,
  POSTERN_STUN_ATTR_XOR_RELAYED_ADDRESS,
};
static const guint16 u8_types[] = {
  POSTERN_STUN_ATTR_REQUESTED_TRANSPORT, POSTERN_STUN_ATTR_REQUESTED_ADDRESS_FAMILY,
  POSTERN_STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY, POSTERN_STUN_ATTR_EVEN_PORT,
};

static void
read_everything (const PosternStunMessage *msg)
{
  PosternStunAddress addr;
  guint16 u16, list[8];
  guint8 b1, b2;
  guint32 u32;
  guint64 u64;
  gboolean f1, f2;
  const gchar *reason;
  gsize len;
  static const guint8 key[] = "fuzz-key";

  for (guint i = 0; i < G_N_ELEMENTS (address_types); i++)
    postern_stun_message_get_address (msg, address_types[i], &addr);
  for (guint i = 0; i < G_N_ELEMENTS (xor_types); i++)
    postern_stun_message_get_xor_address (msg, xor_types[i], &addr);
  for (guint i = 0; i < G_N_ELEMENTS (u8_types); i++)
    postern_stun_message_get_u8_prefixed (msg, u8_types[i], &b1);
  postern_stun_message_get_u32 (msg, POSTERN_STUN_ATTR_LIFETIME, &u32);
  postern_stun_message_get_channel_number (msg, &u16);
  postern_stun_message_get_reservation_token (msg, &u64);
  postern_stun_message_get_error_code (msg, &u16, &reason, &len);
  postern_stun_message_get_address_error_code (msg, &b1, &u16);
  postern_stun_message_get_icmp (msg, &b1, &b2, &u32);
  postern_stun_message_get_change_request (msg, &f1, &f2);
  postern_stun_message_get_unknown_attributes (msg, list, G_N_ELEMENTS (list));
  postern_stun_message_get_password_algorithms (msg, list, G_N_ELEMENTS (list));
  postern_stun_message_check_integrity (msg, key, sizeof key - 1);
  postern_stun_message_check_integrity_sha256 (msg, key, sizeof key - 1);
  postern_stun_message_check_fingerprint (msg);
}

static void
answer (const PosternStunMessage *req)
{
  guint8 out[512];
  PosternStunBuilder b;
  PosternStunMessage back;
  PosternStunAddress from = { POSTERN_STUN_FAMILY_IPV6, 3478, { 0x20, 0x01, [15] = 1 } };
  const guint16 *unknown;
  guint n_unknown = postern_stun_message_get_unknown (req, &unknown);
  gsize len;

  postern_stun_builder_init_reply (&b, out, sizeof out, req,
                                   n_unknown > 0 ? POSTERN_STUN_CLASS_ERROR : POSTERN_STUN_CLASS_SUCCESS);
  if (n_unknown > 0) {
    postern_stun_builder_add_error_code (&b, 420, "Unknown Attribute");
    postern_stun_builder_add_unknown_attributes (&b, unknown, n_unknown);
  } else {
    postern_stun_builder_add_xor_address (&b, POSTERN_STUN_ATTR_XOR_MAPPED_ADDRESS, &from);
    postern_stun_builder_add_address (&b, POSTERN_STUN_ATTR_MAPPED_ADDRESS, &from);
  }
  if (req->fingerprint_offset != 0)
    postern_stun_builder_add_fingerprint (&b);
  len = postern_stun_builder_finish (&b, NULL);
  if (len == 0)
    __builtin_trap ();
  if (!postern_stun_message_parse (&back, out, len, POSTERN_STUN_PARSE_ALLOW_RFC3489, NULL) &&
      !req->rfc3489)
    __builtin_trap ();
  if (req->fingerprint_offset != 0 && !req->rfc3489 && !postern_stun_message_check_fingerprint (&back))
    __builtin_trap ();
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  PosternStunMessage msg;
  guint16 channel;
  const guint8 *payload;
  gsize plen;

  postern_stun_frame_length (data, size);
  postern_stun_channel_data_parse (data, size, &channel, &payload, &plen);
  postern_stun_message_parse (&msg, data, size, POSTERN_STUN_PARSE_NONE, NULL);
  if (postern_stun_message_parse (&msg, data, size, POSTERN_STUN_PARSE_ALLOW_RFC3489, NULL)) {
    read_everything (&msg);
    if (msg.klass == POSTERN_STUN_CLASS_REQUEST)
      answer (&msg);
  }
  return 0;
}
