/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <postern.h>
#include <string.h>

#include "stun-vectors.h"

static void
parse_ok (PosternStunMessage *msg, const guint8 *data, gsize len)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (postern_stun_message_parse (msg, data, len, POSTERN_STUN_PARSE_NONE, &error));
  g_assert_no_error (error);
}

static void
parse_fails (const guint8 *data, gsize len)
{
  PosternStunMessage msg;
  g_autoptr(GError) error = NULL;

  g_assert_false (postern_stun_message_parse (&msg, data, len, POSTERN_STUN_PARSE_NONE, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_DATA);
}

static void
assert_string_attr (const PosternStunMessage *msg, guint16 type, const gchar *expected)
{
  gsize len = 0;
  const guint8 *v = postern_stun_message_find (msg, type, &len);

  g_assert_nonnull (v);
  g_assert_cmpmem (v, len, expected, strlen (expected));
}

static void
test_request_vector (void)
{
  PosternStunMessage msg;
  const guint16 *unknown;
  const guint8 *key = (const guint8 *) RFC5769_SHORT_TERM_PASSWORD;

  parse_ok (&msg, rfc5769_request, sizeof rfc5769_request);
  g_assert_cmpuint (msg.method, ==, POSTERN_STUN_METHOD_BINDING);
  g_assert_cmpuint (msg.klass, ==, POSTERN_STUN_CLASS_REQUEST);
  g_assert_false (msg.rfc3489);
  g_assert_cmpmem (postern_stun_message_get_transaction_id (&msg),
                   postern_stun_message_get_transaction_id_size (&msg), rfc5769_request + 8, 12);
  assert_string_attr (&msg, POSTERN_STUN_ATTR_SOFTWARE, "STUN test client");
  assert_string_attr (&msg, POSTERN_STUN_ATTR_USERNAME, "evtj:h6vY");
  /* PRIORITY (ICE) is comprehension-required and not ours: reported */
  g_assert_cmpuint (postern_stun_message_get_unknown (&msg, &unknown), ==, 1);
  g_assert_cmphex (unknown[0], ==, 0x0024);
  g_assert_true (postern_stun_message_check_integrity (&msg, key, strlen (RFC5769_SHORT_TERM_PASSWORD)));
  g_assert_false (postern_stun_message_check_integrity (&msg, key, 5));
  g_assert_true (postern_stun_message_check_fingerprint (&msg));
}

static void
check_response (const guint8 *data, gsize len, const gchar *ip, guint16 port)
{
  PosternStunMessage msg;
  PosternStunAddress addr;
  g_autoptr(GInetSocketAddress) inet = NULL;
  g_autofree gchar *text = NULL;
  const guint8 *key = (const guint8 *) RFC5769_SHORT_TERM_PASSWORD;

  parse_ok (&msg, data, len);
  g_assert_cmpuint (msg.klass, ==, POSTERN_STUN_CLASS_SUCCESS);
  g_assert_cmpuint (postern_stun_message_get_unknown (&msg, NULL), ==, 0);
  assert_string_attr (&msg, POSTERN_STUN_ATTR_SOFTWARE, "test vector");
  g_assert_true (postern_stun_message_get_xor_address (&msg, POSTERN_STUN_ATTR_XOR_MAPPED_ADDRESS, &addr));
  inet = postern_stun_address_to_inet (&addr);
  text = g_inet_address_to_string (g_inet_socket_address_get_address (inet));
  g_assert_cmpstr (text, ==, ip);
  g_assert_cmpuint (addr.port, ==, port);
  g_assert_true (postern_stun_message_check_integrity (&msg, key, strlen (RFC5769_SHORT_TERM_PASSWORD)));
  g_assert_true (postern_stun_message_check_fingerprint (&msg));
}

static void
test_response_vectors (void)
{
  check_response (rfc5769_response_v4, sizeof rfc5769_response_v4, "192.0.2.1", 32853);
  check_response (rfc5769_response_v6, sizeof rfc5769_response_v6,
                  "2001:db8:1234:5678:11:2233:4455:6677", 32853);
}

static void
test_long_term_vector (void)
{
  PosternStunMessage msg;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) key = postern_stun_long_term_key (RFC5769_USERNAME, RFC5769_REALM,
                                                      RFC5769_PASSWORD, &error);
  g_autoptr(GBytes) wrong = postern_stun_long_term_key (RFC5769_USERNAME, RFC5769_REALM,
                                                        "TheMatrix", &error);
  gsize key_len;
  const guint8 *k;

  g_assert_no_error (error);
  k = g_bytes_get_data (key, &key_len);
  g_assert_cmpuint (key_len, ==, 16);
  parse_ok (&msg, rfc5769_long_term, sizeof rfc5769_long_term);
  assert_string_attr (&msg, POSTERN_STUN_ATTR_USERNAME, RFC5769_USERNAME);
  assert_string_attr (&msg, POSTERN_STUN_ATTR_REALM, RFC5769_REALM);
  assert_string_attr (&msg, POSTERN_STUN_ATTR_NONCE, RFC5769_NONCE);
  g_assert_true (postern_stun_message_check_integrity (&msg, k, key_len));
  k = g_bytes_get_data (wrong, &key_len);
  g_assert_false (postern_stun_message_check_integrity (&msg, k, key_len));
  g_assert_false (postern_stun_message_check_fingerprint (&msg));
}

static void
test_saslprep (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *a = postern_stun_saslprep (RFC5769_PASSWORD, &error);
  g_autofree gchar *b = postern_stun_saslprep ("a\xc2\xa0" "b", &error);
  g_autofree gchar *c = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (a, ==, "TheMatrIX");
  g_assert_cmpstr (b, ==, "a b");
  c = postern_stun_saslprep ("bad\x07", &error);
  g_assert_null (c);
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_ARGUMENT);
}

/* The padding of the RFC's text attributes is 0x20, not zero, so a rebuild
 * writes those bytes explicitly before the MAC covers them. */
static void
pad_with_spaces (guint8 *value, gsize len)
{
  for (gsize i = len; i % 4 != 0; i++)
    value[i] = 0x20;
}

static void
test_rebuild_request (void)
{
  guint8 buf[256];
  PosternStunBuilder b;
  guint8 *v;
  static const guint8 ice_controlled[] = { 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36 };
  g_autoptr(GError) error = NULL;
  gsize len;

  postern_stun_builder_init (&b, buf, sizeof buf, POSTERN_STUN_METHOD_BINDING,
                             POSTERN_STUN_CLASS_REQUEST, rfc5769_request + 8);
  postern_stun_builder_add_string (&b, POSTERN_STUN_ATTR_SOFTWARE, "STUN test client");
  postern_stun_builder_add_u32 (&b, 0x0024, 0x6e0001ff);
  postern_stun_builder_add (&b, 0x8029, ice_controlled, sizeof ice_controlled);
  v = postern_stun_builder_add (&b, POSTERN_STUN_ATTR_USERNAME, "evtj:h6vY", 9);
  g_assert_nonnull (v);
  pad_with_spaces (v, 9);
  postern_stun_builder_add_integrity (&b, (const guint8 *) RFC5769_SHORT_TERM_PASSWORD,
                                      strlen (RFC5769_SHORT_TERM_PASSWORD));
  postern_stun_builder_add_fingerprint (&b);
  len = postern_stun_builder_finish (&b, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (buf, len, rfc5769_request, sizeof rfc5769_request);
}

static gsize
build_response (guint8 *buf, gsize cap, const gchar *ip)
{
  PosternStunMessage req;
  PosternStunBuilder b;
  PosternStunAddress addr = { 0 };
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (ip);
  guint8 *v;

  parse_ok (&req, rfc5769_request, sizeof rfc5769_request);
  addr.family = g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV4 ? POSTERN_STUN_FAMILY_IPV4
                                                                         : POSTERN_STUN_FAMILY_IPV6;
  addr.port = 32853;
  memcpy (addr.address, g_inet_address_to_bytes (inet), g_inet_address_get_native_size (inet));
  postern_stun_builder_init_reply (&b, buf, cap, &req, POSTERN_STUN_CLASS_SUCCESS);
  v = postern_stun_builder_add (&b, POSTERN_STUN_ATTR_SOFTWARE, "test vector", 11);
  g_assert_nonnull (v);
  pad_with_spaces (v, 11);
  postern_stun_builder_add_xor_address (&b, POSTERN_STUN_ATTR_XOR_MAPPED_ADDRESS, &addr);
  postern_stun_builder_add_integrity (&b, (const guint8 *) RFC5769_SHORT_TERM_PASSWORD,
                                      strlen (RFC5769_SHORT_TERM_PASSWORD));
  postern_stun_builder_add_fingerprint (&b);
  return postern_stun_builder_finish (&b, NULL);
}

static void
test_rebuild_responses (void)
{
  guint8 buf[256];
  gsize len;

  len = build_response (buf, sizeof buf, "192.0.2.1");
  g_assert_cmpmem (buf, len, rfc5769_response_v4, sizeof rfc5769_response_v4);
  len = build_response (buf, sizeof buf, "2001:db8:1234:5678:11:2233:4455:6677");
  g_assert_cmpmem (buf, len, rfc5769_response_v6, sizeof rfc5769_response_v6);
}

static void
test_rebuild_long_term (void)
{
  guint8 buf[256];
  PosternStunBuilder b;
  g_autoptr(GBytes) key = postern_stun_long_term_key (RFC5769_USERNAME, RFC5769_REALM,
                                                      RFC5769_PASSWORD, NULL);
  gsize key_len, len;
  const guint8 *k = g_bytes_get_data (key, &key_len);

  postern_stun_builder_init (&b, buf, sizeof buf, POSTERN_STUN_METHOD_BINDING,
                             POSTERN_STUN_CLASS_REQUEST, rfc5769_long_term + 8);
  postern_stun_builder_add_string (&b, POSTERN_STUN_ATTR_USERNAME, RFC5769_USERNAME);
  postern_stun_builder_add_string (&b, POSTERN_STUN_ATTR_NONCE, RFC5769_NONCE);
  postern_stun_builder_add_string (&b, POSTERN_STUN_ATTR_REALM, RFC5769_REALM);
  postern_stun_builder_add_integrity (&b, k, key_len);
  len = postern_stun_builder_finish (&b, NULL);
  g_assert_cmpmem (buf, len, rfc5769_long_term, sizeof rfc5769_long_term);
}

static void
test_odd_offset (void)
{
  /* a buffer starting at an odd address: every read must be bytewise */
  guint8 *raw = g_malloc (sizeof rfc5769_response_v6 + 1);
  PosternStunMessage msg;
  PosternStunAddress addr;

  memcpy (raw + 1, rfc5769_response_v6, sizeof rfc5769_response_v6);
  parse_ok (&msg, raw + 1, sizeof rfc5769_response_v6);
  g_assert_true (postern_stun_message_get_xor_address (&msg, POSTERN_STUN_ATTR_XOR_MAPPED_ADDRESS, &addr));
  g_assert_cmpuint (addr.port, ==, 32853);
  g_assert_true (postern_stun_message_check_fingerprint (&msg));
  g_free (raw);
}

static void
test_truncated (void)
{
  /* every strict prefix of a valid message is refused (each one from the
   * heap, exactly sized, so ASan sees any read past the end) */
  for (gsize n = 0; n < sizeof rfc5769_request; n++) {
    g_autofree guint8 *copy = g_memdup2 (rfc5769_request, n);
    parse_fails (n == 0 ? (const guint8 *) "" : copy, n);
  }
}

static void
test_bad_header (void)
{
  guint8 m[sizeof rfc5769_response_v4];
  PosternStunMessage msg;

  memcpy (m, rfc5769_response_v4, sizeof m);
  m[0] |= 0x80;
  parse_fails (m, sizeof m);
  m[0] = rfc5769_response_v4[0] | 0x40;
  parse_fails (m, sizeof m);

  memcpy (m, rfc5769_response_v4, sizeof m);
  m[4] ^= 0xFF;
  parse_fails (m, sizeof m);
  /* a response without the cookie is never taken as RFC 3489 */
  g_assert_false (postern_stun_message_parse (&msg, m, sizeof m, POSTERN_STUN_PARSE_ALLOW_RFC3489, NULL));

  memcpy (m, rfc5769_response_v4, sizeof m);
  m[3] = 0x3d; /* length not a multiple of 4 */
  parse_fails (m, sizeof m);
  m[3] = 0x40; /* longer than the datagram */
  parse_fails (m, sizeof m);
  m[3] = 0x38; /* shorter than the datagram */
  parse_fails (m, sizeof m);
  m[2] = 0xFF;
  m[3] = 0xFC;
  parse_fails (m, sizeof m);
}

static void
test_rfc3489 (void)
{
  guint8 m[28] = { 0x00, 0x01, 0x00, 0x08 };
  PosternStunMessage msg;
  guint8 out[64];
  PosternStunBuilder b;
  PosternStunAddress addr = { POSTERN_STUN_FAMILY_IPV4, 4242, { 127, 0, 0, 1 } };
  PosternStunAddress got;
  gsize len;

  for (guint i = 4; i < 20; i++)
    m[i] = (guint8) (0xA0 + i);
  /* CHANGE-REQUEST, no flags */
  m[20] = 0x00; m[21] = 0x03; m[22] = 0x00; m[23] = 0x04;
  parse_fails (m, sizeof m);
  g_assert_true (postern_stun_message_parse (&msg, m, sizeof m, POSTERN_STUN_PARSE_ALLOW_RFC3489, NULL));
  g_assert_true (msg.rfc3489);
  g_assert_cmpuint (postern_stun_message_get_transaction_id_size (&msg), ==, 16);

  postern_stun_builder_init_reply (&b, out, sizeof out, &msg, POSTERN_STUN_CLASS_SUCCESS);
  postern_stun_builder_add_address (&b, POSTERN_STUN_ATTR_MAPPED_ADDRESS, &addr);
  len = postern_stun_builder_finish (&b, NULL);
  g_assert_cmpuint (len, ==, 32);
  g_assert_cmpmem (out + 4, 16, m + 4, 16);
  /* a response is never legacy-parsed; restore the cookie to read it back */
  g_assert_false (postern_stun_message_parse (&msg, out, len, POSTERN_STUN_PARSE_ALLOW_RFC3489, NULL));
  g_assert_cmphex (out[0], ==, 0x01);
  g_assert_cmphex (out[1], ==, 0x01);
  out[4] = 0x21; out[5] = 0x12; out[6] = 0xa4; out[7] = 0x42;
  parse_ok (&msg, out, len);
  g_assert_true (postern_stun_message_get_address (&msg, POSTERN_STUN_ATTR_MAPPED_ADDRESS, &got));
  g_assert_cmpuint (got.port, ==, 4242);
  g_assert_cmpmem (got.address, 4, addr.address, 4);
}

/* Builds header + the given attribute bytes into @out; returns the size. */
static gsize
frame (guint8 *out, const guint8 *attrs, gsize attrs_len)
{
  static const guint8 header[] = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42,
                                   1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };

  memcpy (out, header, sizeof header);
  memcpy (out + 20, attrs, attrs_len);
  out[2] = (guint8) (attrs_len >> 8);
  out[3] = (guint8) attrs_len;
  return 20 + attrs_len;
}

static void
test_attribute_bounds (void)
{
  guint8 m[128];
  PosternStunMessage msg;
  gsize n;
  static const guint8 len_ffff[] = { 0x80, 0x22, 0xFF, 0xFF, 'a', 'b', 'c', 'd' };
  static const guint8 len_past[] = { 0x80, 0x22, 0x00, 0x05, 'a', 'b', 'c', 'd' };
  static const guint8 len_zero[] = { 0x00, 0x1A, 0x00, 0x00, 0x80, 0x22, 0x00, 0x00 };
  static const guint8 len_exact[] = { 0x80, 0x22, 0x00, 0x04, 'a', 'b', 'c', 'd' };

  n = frame (m, len_ffff, sizeof len_ffff);
  parse_fails (m, n);
  n = frame (m, len_past, sizeof len_past);
  parse_fails (m, n);
  n = frame (m, len_zero, sizeof len_zero);
  parse_ok (&msg, m, n);
  g_assert_true (postern_stun_message_has (&msg, POSTERN_STUN_ATTR_DONT_FRAGMENT));
  g_assert_true (postern_stun_message_has (&msg, POSTERN_STUN_ATTR_SOFTWARE));
  n = frame (m, len_exact, sizeof len_exact);
  parse_ok (&msg, m, n);
  assert_string_attr (&msg, POSTERN_STUN_ATTR_SOFTWARE, "abcd");
}

static void
test_duplicates_first_counts (void)
{
  guint8 m[128];
  PosternStunMessage msg;
  static const guint8 attrs[] = { 0x80, 0x22, 0x00, 0x03, 'o', 'n', 'e', 0,
                                  0x80, 0x22, 0x00, 0x03, 't', 'w', 'o', 0,
                                  0x00, 0x0D, 0x00, 0x04, 0, 0, 0, 1,
                                  0x00, 0x0D, 0x00, 0x04, 0, 0, 0, 2 };
  guint32 lifetime;

  parse_ok (&msg, m, frame (m, attrs, sizeof attrs));
  assert_string_attr (&msg, POSTERN_STUN_ATTR_SOFTWARE, "one");
  g_assert_true (postern_stun_message_get_u32 (&msg, POSTERN_STUN_ATTR_LIFETIME, &lifetime));
  g_assert_cmpuint (lifetime, ==, 1);
  g_assert_cmpuint (msg.n_attrs, ==, 2);
}

static void
test_after_integrity (void)
{
  guint8 buf[256];
  PosternStunBuilder b;
  PosternStunMessage msg;
  static const guint8 key[] = "key";
  gsize len;

  postern_stun_builder_init (&b, buf, sizeof buf, POSTERN_STUN_METHOD_BINDING,
                             POSTERN_STUN_CLASS_REQUEST, rfc5769_request + 8);
  postern_stun_builder_add_string (&b, POSTERN_STUN_ATTR_USERNAME, "user");
  postern_stun_builder_add_integrity (&b, key, 3);
  postern_stun_builder_add_string (&b, POSTERN_STUN_ATTR_SOFTWARE, "ignored");
  postern_stun_builder_add_u32 (&b, 0x0030, 0); /* unknown, required, but after MI */
  postern_stun_builder_add_integrity_sha256 (&b, key, 3);
  postern_stun_builder_add_fingerprint (&b);
  len = postern_stun_builder_finish (&b, NULL);
  parse_ok (&msg, buf, len);
  g_assert_false (postern_stun_message_has (&msg, POSTERN_STUN_ATTR_SOFTWARE));
  g_assert_true (postern_stun_message_has (&msg, POSTERN_STUN_ATTR_USERNAME));
  g_assert_cmpuint (postern_stun_message_get_unknown (&msg, NULL), ==, 0);
  g_assert_true (postern_stun_message_check_integrity (&msg, key, 3));
  g_assert_true (postern_stun_message_check_integrity_sha256 (&msg, key, 3));
  g_assert_false (postern_stun_message_check_integrity_sha256 (&msg, key, 2));
  g_assert_true (postern_stun_message_check_fingerprint (&msg));

  /* a tampered byte before the MAC breaks both MACs and the CRC */
  buf[24] ^= 1;
  parse_ok (&msg, buf, len);
  g_assert_false (postern_stun_message_check_integrity (&msg, key, 3));
  g_assert_false (postern_stun_message_check_integrity_sha256 (&msg, key, 3));
  g_assert_false (postern_stun_message_check_fingerprint (&msg));
}

static void
test_fingerprint_last (void)
{
  guint8 m[128];
  static const guint8 after[] = { 0x80, 0x28, 0x00, 0x04, 0, 0, 0, 0,
                                  0x80, 0x22, 0x00, 0x00 };
  static const guint8 short_fp[] = { 0x80, 0x28, 0x00, 0x00 };
  static const guint8 short_mi[] = { 0x00, 0x08, 0x00, 0x04, 0, 0, 0, 0 };
  static const guint8 short_sha[] = { 0x00, 0x1C, 0x00, 0x0C, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };

  parse_fails (m, frame (m, after, sizeof after));
  parse_fails (m, frame (m, short_fp, sizeof short_fp));
  parse_fails (m, frame (m, short_mi, sizeof short_mi));
  parse_fails (m, frame (m, short_sha, sizeof short_sha));
}

static void
test_unknown_attributes (void)
{
  guint8 m[128];
  PosternStunMessage msg;
  const guint16 *unknown;
  static const guint8 attrs[] = { 0x7F, 0xFF, 0x00, 0x00,             /* required, unknown */
                                  0xC0, 0x01, 0x00, 0x01, 1, 0, 0, 0, /* optional, ignored */
                                  0x7F, 0xFF, 0x00, 0x00,             /* repeated: once */
                                  0x00, 0x02, 0x00, 0x00 };           /* RFC 3489 RESPONSE-ADDRESS */
  guint8 out[128];
  PosternStunBuilder b;
  guint16 types[4];
  gsize len;
  guint16 code;
  const gchar *reason;
  gsize reason_len;

  parse_ok (&msg, m, frame (m, attrs, sizeof attrs));
  g_assert_cmpuint (postern_stun_message_get_unknown (&msg, &unknown), ==, 2);
  g_assert_cmphex (unknown[0], ==, 0x7FFF);
  g_assert_cmphex (unknown[1], ==, 0x0002);

  postern_stun_builder_init_reply (&b, out, sizeof out, &msg, POSTERN_STUN_CLASS_ERROR);
  postern_stun_builder_add_error_code (&b, 420, "Unknown Attribute");
  postern_stun_builder_add_unknown_attributes (&b, unknown, 2);
  len = postern_stun_builder_finish (&b, NULL);
  parse_ok (&msg, out, len);
  g_assert_cmpuint (msg.klass, ==, POSTERN_STUN_CLASS_ERROR);
  g_assert_true (postern_stun_message_get_error_code (&msg, &code, &reason, &reason_len));
  g_assert_cmpuint (code, ==, 420);
  g_assert_cmpmem (reason, reason_len, "Unknown Attribute", 17);
  g_assert_cmpuint (postern_stun_message_get_unknown_attributes (&msg, types, 4), ==, 2);
  g_assert_cmphex (types[1], ==, 0x0002);
}

static void
test_turn_attributes (void)
{
  guint8 buf[512];
  PosternStunBuilder b;
  PosternStunMessage msg;
  PosternStunAddress v6 = { POSTERN_STUN_FAMILY_IPV6, 50000,
                            { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x42 } };
  PosternStunAddress v4 = { POSTERN_STUN_FAMILY_IPV4, 49152, { 198, 51, 100, 7 } };
  PosternStunAddress got;
  static const guint8 algs[] = { 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00 };
  static const guint8 tid[12] = { 9 };
  guint16 channel, code, alg_list[2];
  guint8 byte, family, itype, icode;
  guint32 lifetime, data;
  guint64 token;
  gsize len, dlen;
  const guint8 *payload;

  memset (buf, 0xAA, sizeof buf);
  postern_stun_builder_init (&b, buf, sizeof buf, POSTERN_STUN_METHOD_ALLOCATE,
                             POSTERN_STUN_CLASS_SUCCESS, tid);
  postern_stun_builder_add_xor_address (&b, POSTERN_STUN_ATTR_XOR_RELAYED_ADDRESS, &v6);
  postern_stun_builder_add_xor_address (&b, POSTERN_STUN_ATTR_XOR_PEER_ADDRESS, &v4);
  postern_stun_builder_add_u32 (&b, POSTERN_STUN_ATTR_LIFETIME, 600);
  postern_stun_builder_add_channel_number (&b, 0x4001);
  postern_stun_builder_add_u8_prefixed (&b, POSTERN_STUN_ATTR_REQUESTED_TRANSPORT, 17);
  postern_stun_builder_add_u8_prefixed (&b, POSTERN_STUN_ATTR_EVEN_PORT, 0x80);
  postern_stun_builder_add_u8_prefixed (&b, POSTERN_STUN_ATTR_REQUESTED_ADDRESS_FAMILY, 2);
  postern_stun_builder_add_reservation_token (&b, G_GUINT64_CONSTANT (0x0102030405060708));
  postern_stun_builder_add_flag (&b, POSTERN_STUN_ATTR_DONT_FRAGMENT);
  postern_stun_builder_add (&b, POSTERN_STUN_ATTR_DATA, "hello", 5);
  postern_stun_builder_add_icmp (&b, 3, 13, 0xDEADBEEF);
  postern_stun_builder_add_address_error_code (&b, POSTERN_STUN_FAMILY_IPV6, 440, "Family");
  postern_stun_builder_add (&b, POSTERN_STUN_ATTR_PASSWORD_ALGORITHMS, algs, sizeof algs);
  len = postern_stun_builder_finish (&b, NULL);
  g_assert_cmpuint (len, >, 0);
  parse_ok (&msg, buf, len);
  g_assert_cmpuint (msg.method, ==, POSTERN_STUN_METHOD_ALLOCATE);

  g_assert_true (postern_stun_message_get_xor_address (&msg, POSTERN_STUN_ATTR_XOR_RELAYED_ADDRESS, &got));
  g_assert_cmpuint (got.family, ==, v6.family);
  g_assert_cmpuint (got.port, ==, v6.port);
  g_assert_cmpmem (got.address, 16, v6.address, 16);
  g_assert_true (postern_stun_message_get_xor_address (&msg, POSTERN_STUN_ATTR_XOR_PEER_ADDRESS, &got));
  g_assert_cmpuint (got.port, ==, 49152);
  g_assert_cmpmem (got.address, 4, v4.address, 4);
  g_assert_true (postern_stun_message_get_u32 (&msg, POSTERN_STUN_ATTR_LIFETIME, &lifetime));
  g_assert_cmpuint (lifetime, ==, 600);
  g_assert_true (postern_stun_message_get_channel_number (&msg, &channel));
  g_assert_cmphex (channel, ==, 0x4001);
  g_assert_true (postern_stun_message_get_u8_prefixed (&msg, POSTERN_STUN_ATTR_REQUESTED_TRANSPORT, &byte));
  g_assert_cmpuint (byte, ==, 17);
  g_assert_true (postern_stun_message_get_u8_prefixed (&msg, POSTERN_STUN_ATTR_EVEN_PORT, &byte));
  g_assert_cmphex (byte, ==, 0x80);
  g_assert_true (postern_stun_message_get_u8_prefixed (&msg, POSTERN_STUN_ATTR_REQUESTED_ADDRESS_FAMILY, &byte));
  g_assert_cmpuint (byte, ==, 2);
  g_assert_true (postern_stun_message_get_reservation_token (&msg, &token));
  g_assert_cmphex (token, ==, G_GUINT64_CONSTANT (0x0102030405060708));
  g_assert_true (postern_stun_message_has (&msg, POSTERN_STUN_ATTR_DONT_FRAGMENT));
  payload = postern_stun_message_find (&msg, POSTERN_STUN_ATTR_DATA, &dlen);
  g_assert_cmpmem (payload, dlen, "hello", 5);
  /* padding is zero, never the buffer's old bytes */
  g_assert_cmpmem (payload + 5, 3, "\0\0\0", 3);
  g_assert_true (postern_stun_message_get_icmp (&msg, &itype, &icode, &data));
  g_assert_cmpuint (itype, ==, 3);
  g_assert_cmpuint (icode, ==, 13);
  g_assert_cmphex (data, ==, 0xDEADBEEF);
  g_assert_true (postern_stun_message_get_address_error_code (&msg, &family, &code));
  g_assert_cmpuint (family, ==, POSTERN_STUN_FAMILY_IPV6);
  g_assert_cmpuint (code, ==, 440);
  g_assert_cmpuint (postern_stun_message_get_password_algorithms (&msg, alg_list, 2), ==, 2);
  g_assert_cmpuint (alg_list[0], ==, 2);
  g_assert_cmpuint (alg_list[1], ==, 1);
  for (gsize i = len; i < sizeof buf; i++)
    g_assert_cmphex (buf[i], ==, 0xAA);
}

static void
test_bad_attribute_values (void)
{
  guint8 m[128];
  PosternStunMessage msg;
  PosternStunAddress addr;
  guint32 u;
  guint16 code;
  static const guint8 attrs[] = {
    0x00, 0x20, 0x00, 0x14, 0x00, 0x01, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* v4 with 20 bytes */
    0x00, 0x0D, 0x00, 0x02, 0, 1, 0, 0, /* LIFETIME of 2 bytes */
    0x00, 0x09, 0x00, 0x04, 0, 0, 7, 0, /* ERROR-CODE class 7 */
    0x00, 0x01, 0x00, 0x08, 0x00, 0x03, 0, 0, 1, 2, 3, 4, /* family 3 */
  };

  parse_ok (&msg, m, frame (m, attrs, sizeof attrs));
  g_assert_false (postern_stun_message_get_xor_address (&msg, POSTERN_STUN_ATTR_XOR_MAPPED_ADDRESS, &addr));
  g_assert_false (postern_stun_message_get_u32 (&msg, POSTERN_STUN_ATTR_LIFETIME, &u));
  g_assert_false (postern_stun_message_get_error_code (&msg, &code, NULL, NULL));
  g_assert_false (postern_stun_message_get_address (&msg, POSTERN_STUN_ATTR_MAPPED_ADDRESS, &addr));
  g_assert_false (postern_stun_message_get_address (&msg, POSTERN_STUN_ATTR_OTHER_ADDRESS, &addr));
}

static void
test_builder_overflow (void)
{
  guint8 small[24];
  g_autofree guint8 *big = g_malloc (70000);
  PosternStunBuilder b;
  static const guint8 tid[12] = { 0 };
  g_autoptr(GError) error = NULL;

  postern_stun_builder_init (&b, small, sizeof small, POSTERN_STUN_METHOD_BINDING,
                             POSTERN_STUN_CLASS_SUCCESS, tid);
  postern_stun_builder_add_u32 (&b, POSTERN_STUN_ATTR_LIFETIME, 1);
  postern_stun_builder_add_fingerprint (&b);
  g_assert_cmpuint (postern_stun_builder_finish (&b, &error), ==, 0);
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  postern_stun_builder_init (&b, small, 10, POSTERN_STUN_METHOD_BINDING,
                             POSTERN_STUN_CLASS_SUCCESS, tid);
  g_assert_cmpuint (postern_stun_builder_finish (&b, NULL), ==, 0);

  /* the 16-bit length field can never wrap, however large the buffer */
  postern_stun_builder_init (&b, big, 70000, POSTERN_STUN_METHOD_BINDING,
                             POSTERN_STUN_CLASS_SUCCESS, tid);
  g_assert_nonnull (postern_stun_builder_add (&b, POSTERN_STUN_ATTR_DATA, NULL, 0xFFF0));
  g_assert_null (postern_stun_builder_add (&b, POSTERN_STUN_ATTR_DATA, NULL, 16));
  g_assert_cmpuint (postern_stun_builder_finish (&b, NULL), ==, 0);

  postern_stun_builder_init (&b, big, 70000, POSTERN_STUN_METHOD_BINDING,
                             POSTERN_STUN_CLASS_SUCCESS, tid);
  postern_stun_builder_add_error_code (&b, 700, "no such class");
  g_assert_cmpuint (postern_stun_builder_finish (&b, NULL), ==, 0);
}

static void
test_channel_data (void)
{
  guint8 buf[16];
  guint16 channel;
  const guint8 *payload;
  gsize plen, len;

  len = postern_stun_channel_data_build (buf, sizeof buf, 0x4001, (const guint8 *) "abcde", 5, TRUE);
  g_assert_cmpuint (len, ==, 12);
  g_assert_cmpuint (postern_stun_frame_length (buf, len), ==, 12);
  g_assert_true (postern_stun_is_channel_data (buf, len));
  g_assert_false (postern_stun_is_stun (buf, len));
  g_assert_true (postern_stun_channel_data_parse (buf, len, &channel, &payload, &plen));
  g_assert_cmphex (channel, ==, 0x4001);
  g_assert_cmpmem (payload, plen, "abcde", 5);
  g_assert_cmpmem (buf + 9, 3, "\0\0\0", 3);
  /* length field beyond the datagram */
  g_assert_false (postern_stun_channel_data_parse (buf, 8, &channel, &payload, &plen));
  g_assert_false (postern_stun_channel_data_parse (buf, 3, &channel, &payload, &plen));
  g_assert_cmpuint (postern_stun_channel_data_build (buf, sizeof buf, 0x3FFF, NULL, 0, FALSE), ==, 0);
  g_assert_cmpuint (postern_stun_channel_data_build (buf, sizeof buf, 0x5000, NULL, 0, FALSE), ==, 0);
  g_assert_cmpuint (postern_stun_channel_data_build (buf, sizeof buf, 0x4000, buf, 13, FALSE), ==, 0);
  g_assert_cmpuint (postern_stun_frame_length (rfc5769_request, 4), ==, sizeof rfc5769_request);
  g_assert_cmpuint (postern_stun_frame_length ((const guint8 *) "\xff\0\0\0", 4), ==, 0);
}

static void
test_crc32 (void)
{
  /* the standard check value of CRC-32/ISO-HDLC */
  g_assert_cmphex (postern_stun_crc32 ((const guint8 *) "123456789", 9), ==, 0xCBF43926);
}

static void
test_packet (void)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static (rfc5769_response_v4, sizeof rfc5769_response_v4);
  g_autoptr(GBytes) key = g_bytes_new_static (RFC5769_SHORT_TERM_PASSWORD,
                                              strlen (RFC5769_SHORT_TERM_PASSWORD));
  g_autoptr(GBytes) garbage = g_bytes_new_static ("garbage", 7);
  g_autoptr(GError) error = NULL;
  g_autoptr(PosternStunPacket) packet = postern_stun_packet_parse (bytes, 0, &error);
  g_autoptr(PosternStunPacket) bad = NULL;
  g_autoptr(GInetSocketAddress) addr = NULL;
  g_autofree gchar *software = NULL;
  g_autofree guint16 *types = NULL;
  guint n;

  g_assert_no_error (error);
  g_assert_true (postern_stun_packet_check_integrity (packet, key));
  g_assert_true (postern_stun_packet_check_fingerprint (packet));
  software = postern_stun_packet_get_string (packet, POSTERN_STUN_ATTR_SOFTWARE);
  g_assert_cmpstr (software, ==, "test vector");
  addr = postern_stun_packet_get_address (packet, POSTERN_STUN_ATTR_XOR_MAPPED_ADDRESS);
  g_assert_cmpuint (g_inet_socket_address_get_port (addr), ==, 32853);
  types = postern_stun_packet_list_attributes (packet, &n);
  g_assert_cmpuint (n, ==, 4);
  g_assert_cmphex (types[3], ==, POSTERN_STUN_ATTR_FINGERPRINT);
  bad = postern_stun_packet_parse (garbage, 0, &error);
  g_assert_null (bad);
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_DATA);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stun/rfc5769/request", test_request_vector);
  g_test_add_func ("/stun/rfc5769/responses", test_response_vectors);
  g_test_add_func ("/stun/rfc5769/long-term", test_long_term_vector);
  g_test_add_func ("/stun/rfc5769/rebuild-request", test_rebuild_request);
  g_test_add_func ("/stun/rfc5769/rebuild-responses", test_rebuild_responses);
  g_test_add_func ("/stun/rfc5769/rebuild-long-term", test_rebuild_long_term);
  g_test_add_func ("/stun/saslprep", test_saslprep);
  g_test_add_func ("/stun/crc32", test_crc32);
  g_test_add_func ("/stun/framing/odd-offset", test_odd_offset);
  g_test_add_func ("/stun/framing/truncated", test_truncated);
  g_test_add_func ("/stun/framing/bad-header", test_bad_header);
  g_test_add_func ("/stun/framing/rfc3489", test_rfc3489);
  g_test_add_func ("/stun/framing/attribute-bounds", test_attribute_bounds);
  g_test_add_func ("/stun/framing/duplicates", test_duplicates_first_counts);
  g_test_add_func ("/stun/framing/after-integrity", test_after_integrity);
  g_test_add_func ("/stun/framing/fingerprint-last", test_fingerprint_last);
  g_test_add_func ("/stun/unknown-attributes", test_unknown_attributes);
  g_test_add_func ("/stun/turn-attributes", test_turn_attributes);
  g_test_add_func ("/stun/bad-attribute-values", test_bad_attribute_values);
  g_test_add_func ("/stun/builder-overflow", test_builder_overflow);
  g_test_add_func ("/stun/channel-data", test_channel_data);
  g_test_add_func ("/stun/packet", test_packet);
  return g_test_run ();
}
