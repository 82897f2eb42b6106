/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The update and query messages, checked with ldns as a parser and with an
 * independent HMAC (GLib's) over the RFC 8945 4.3.3 digest input. */
#include <ldns/ldns.h>
#include <postern.h>
#include <string.h>

#include "srv-dns.h"

#define SECRET "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ=="

static SrvTsigKey *
test_key (const gchar *algorithm, const gchar *secret)
{
  g_autofree gchar *text = g_strdup_printf ("%s postern-key %s", algorithm, secret);
  g_autoptr(GError) error = NULL;
  SrvTsigKey *key = srv_tsig_key_parse (text, &error);

  g_assert_no_error (error);
  return key;
}

static GPtrArray *
one_record (guint16 priority)
{
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) srv_record_free);

  g_ptr_array_add (records, srv_record_new ("pexapp", "_pexapp._tcp.example.test", 300, priority, 100, 443,
                                            "proxy1.example.test"));
  return records;
}

static void
append_name (GByteArray *out, const gchar *name)
{
  g_auto(GStrv) labels = g_strsplit (name, ".", -1);

  for (gsize i = 0; labels[i] != NULL; i++) {
    guint8 len = (guint8) strlen (labels[i]);
    if (len == 0)
      continue;
    g_byte_array_append (out, &len, 1);
    g_byte_array_append (out, (const guint8 *) labels[i], len);
  }
  g_byte_array_append (out, (const guint8 *) "", 1);
}

static void
append_u16 (GByteArray *out, guint v)
{
  guint8 b[2] = { (guint8) (v >> 8), (guint8) v };
  g_byte_array_append (out, b, 2);
}

/* Recompute the request MAC from the wire alone and compare. */
static void
check_mac (SrvDnsMessage *message, const gchar *algorithm, GChecksumType type, const gchar *secret)
{
  gsize len = 0;
  const guint8 *wire = g_bytes_get_data (message->wire, &len);
  ldns_pkt *pkt = NULL;
  ldns_rr *tsig;
  const ldns_rdf *time_rdf, *mac_rdf;
  g_autoptr(GByteArray) tsig_rr = g_byte_array_new ();
  g_autoptr(GByteArray) digest_input = g_byte_array_new ();
  g_autofree guint8 *raw_key = NULL;
  gsize raw_key_len = 0;
  g_autoptr(GHmac) hmac = NULL;
  guint8 digest[64];
  gsize digest_len = sizeof digest;
  guint16 fudge, mac_len;

  g_assert_cmpint (ldns_wire2pkt (&pkt, wire, len), ==, LDNS_STATUS_OK);
  tsig = ldns_pkt_tsig (pkt);
  g_assert_nonnull (tsig);
  time_rdf = ldns_rr_rdf (tsig, 1);
  fudge = ldns_rdf2native_int16 (ldns_rr_rdf (tsig, 2));
  mac_rdf = ldns_rr_rdf (tsig, 3);
  g_assert_cmpuint (ldns_rdf_size (time_rdf), ==, 6);
  g_assert_cmpuint (fudge, ==, 300);
  mac_len = (guint16) (ldns_rdf_data (mac_rdf)[0] << 8 | ldns_rdf_data (mac_rdf)[1]);
  g_assert_cmpuint (mac_len, ==, g_checksum_type_get_length (type));

  /* The TSIG RR as written: it must be the message's tail. */
  append_name (tsig_rr, "postern-key.");
  append_u16 (tsig_rr, LDNS_RR_TYPE_TSIG);
  append_u16 (tsig_rr, 255);
  append_u16 (tsig_rr, 0);
  append_u16 (tsig_rr, 0);
  {
    g_autoptr(GByteArray) rdata = g_byte_array_new ();
    append_name (rdata, algorithm);
    g_byte_array_append (rdata, ldns_rdf_data (time_rdf), 6);
    append_u16 (rdata, fudge);
    g_byte_array_append (rdata, ldns_rdf_data (mac_rdf), (guint) ldns_rdf_size (mac_rdf));
    append_u16 (rdata, message->id);
    append_u16 (rdata, 0);
    append_u16 (rdata, 0);
    append_u16 (tsig_rr, rdata->len);
    g_byte_array_append (tsig_rr, rdata->data, rdata->len);
  }
  g_assert_cmpuint (len, >, tsig_rr->len);
  g_assert_cmpmem (wire + len - tsig_rr->len, tsig_rr->len, tsig_rr->data, tsig_rr->len);

  /* Digest input: the message without its TSIG, ARCOUNT one less, then the
   * TSIG variables. */
  g_byte_array_append (digest_input, wire, (guint) (len - tsig_rr->len));
  g_assert_cmpuint (digest_input->data[11], >=, 1);
  digest_input->data[11]--;
  append_name (digest_input, "postern-key.");
  append_u16 (digest_input, 255);
  append_u16 (digest_input, 0);
  append_u16 (digest_input, 0);
  append_name (digest_input, algorithm);
  g_byte_array_append (digest_input, ldns_rdf_data (time_rdf), 6);
  append_u16 (digest_input, fudge);
  append_u16 (digest_input, 0);
  append_u16 (digest_input, 0);

  raw_key = g_base64_decode (secret, &raw_key_len);
  hmac = g_hmac_new (type, raw_key, raw_key_len);
  g_hmac_update (hmac, digest_input->data, digest_input->len);
  g_hmac_get_digest (hmac, digest, &digest_len);
  g_assert_cmpmem (digest, digest_len, ldns_rdf_data (mac_rdf) + 2, mac_len);
  ldns_pkt_free (pkt);
}

static void
test_update_wire (void)
{
  g_autoptr(SrvTsigKey) key = test_key ("hmac-sha256", SECRET);
  g_autoptr(GPtrArray) add = one_record (10);
  g_autoptr(GPtrArray) remove = one_record (30);
  g_autoptr(GError) error = NULL;
  g_autoptr(SrvDnsMessage) message = srv_dns_update_new ("example.test.", add, remove, key, &error);
  gsize len = 0;
  const guint8 *wire;
  ldns_pkt *pkt = NULL;
  ldns_rr_list *updates;
  ldns_rr *del, *ins;

  g_assert_no_error (error);
  wire = g_bytes_get_data (message->wire, &len);
  g_assert_cmpint (ldns_wire2pkt (&pkt, wire, len), ==, LDNS_STATUS_OK);
  g_assert_cmpint (ldns_pkt_get_opcode (pkt), ==, LDNS_PACKET_UPDATE);
  g_assert_cmpuint (ldns_pkt_id (pkt), ==, message->id);
  /* Zone section (the question slot): example.test SOA. */
  g_assert_cmpuint (ldns_rr_list_rr_count (ldns_pkt_question (pkt)), ==, 1);
  g_assert_cmpint (ldns_rr_get_type (ldns_rr_list_rr (ldns_pkt_question (pkt), 0)), ==, LDNS_RR_TYPE_SOA);
  g_assert_cmpuint (ldns_rr_list_rr_count (ldns_pkt_answer (pkt)), ==, 0); /* no prerequisites */
  updates = ldns_pkt_authority (pkt);
  g_assert_cmpuint (ldns_rr_list_rr_count (updates), ==, 2);
  /* Delete one RR from an RRset: class NONE, TTL 0, the full RDATA. */
  del = ldns_rr_list_rr (updates, 0);
  g_assert_cmpint (ldns_rr_get_class (del), ==, LDNS_RR_CLASS_NONE);
  g_assert_cmpuint (ldns_rr_ttl (del), ==, 0);
  g_assert_cmpuint (ldns_rr_rd_count (del), ==, 4);
  g_assert_cmpuint (ldns_rdf2native_int16 (ldns_rr_rdf (del, 0)), ==, 30);
  ins = ldns_rr_list_rr (updates, 1);
  g_assert_cmpint (ldns_rr_get_class (ins), ==, LDNS_RR_CLASS_IN);
  g_assert_cmpuint (ldns_rr_ttl (ins), ==, 300);
  g_assert_cmpuint (ldns_rdf2native_int16 (ldns_rr_rdf (ins, 0)), ==, 10);
  g_assert_cmpuint (ldns_rdf2native_int16 (ldns_rr_rdf (ins, 2)), ==, 443);
  ldns_pkt_free (pkt);
  g_assert_nonnull (message->mac);
  check_mac (message, "hmac-sha256.", G_CHECKSUM_SHA256, SECRET);
}

static void
test_update_sha512 (void)
{
  g_autoptr(SrvTsigKey) key = test_key ("hmac-sha512", SECRET);
  g_autoptr(GPtrArray) add = one_record (10);
  g_autoptr(GError) error = NULL;
  g_autoptr(SrvDnsMessage) message = srv_dns_update_new ("example.test.", add, NULL, key, &error);

  g_assert_no_error (error);
  check_mac (message, "hmac-sha512.", G_CHECKSUM_SHA512, SECRET);
}

/* A server's answer to @request, signed with @secret (NULL: unsigned). */
static GBytes *
make_answer (SrvDnsMessage *request, guint rcode, const gchar *secret, guint16 id)
{
  ldns_pkt *pkt = ldns_pkt_new ();
  ldns_rdf *mac = NULL;
  uint8_t *wire = NULL;
  size_t size = 0;
  GBytes *bytes;

  ldns_pkt_set_id (pkt, id);
  ldns_pkt_set_qr (pkt, true);
  ldns_pkt_set_opcode (pkt, LDNS_PACKET_UPDATE);
  ldns_pkt_set_rcode (pkt, (uint8_t) rcode);
  if (secret != NULL) {
    gsize mac_len = 0;
    const guint8 *mac_data = g_bytes_get_data (request->mac, &mac_len);

    mac = ldns_rdf_new_frm_data (LDNS_RDF_TYPE_INT16_DATA, mac_len, mac_data);
    g_assert_cmpint (ldns_pkt_tsig_sign (pkt, "postern-key.", secret, 300, "hmac-sha256.", mac), ==,
                     LDNS_STATUS_OK);
    ldns_rdf_deep_free (mac);
  }
  g_assert_cmpint (ldns_pkt2wire (&wire, pkt, &size), ==, LDNS_STATUS_OK);
  bytes = g_bytes_new (wire, size);
  LDNS_FREE (wire);
  ldns_pkt_free (pkt);
  return bytes;
}

/* The unsigned error answer a server sends when it cannot check our MAC:
 * a TSIG RR with an empty MAC and the error code (RFC 8945 5.3.2). */
static GBytes *
make_tsig_error_answer (guint16 id, guint rcode, guint tsig_error)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GByteArray) rdata = g_byte_array_new ();
  const guint8 time_signed[6] = { 0, 0, 0x5f, 0, 0, 0 };

  append_u16 (out, id);
  append_u16 (out, 0x8000 | (5 << 11) | rcode);
  append_u16 (out, 0);
  append_u16 (out, 0);
  append_u16 (out, 0);
  append_u16 (out, 1);
  append_name (out, "postern-key.");
  append_u16 (out, LDNS_RR_TYPE_TSIG);
  append_u16 (out, 255);
  append_u16 (out, 0);
  append_u16 (out, 0);
  append_name (rdata, "hmac-sha256.");
  g_byte_array_append (rdata, time_signed, 6);
  append_u16 (rdata, 300);
  append_u16 (rdata, 0);
  append_u16 (rdata, id);
  append_u16 (rdata, tsig_error);
  append_u16 (rdata, 0);
  append_u16 (out, rdata->len);
  g_byte_array_append (out, rdata->data, rdata->len);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static void
test_answers (void)
{
  g_autoptr(SrvTsigKey) key = test_key ("hmac-sha256", SECRET);
  g_autoptr(GPtrArray) add = one_record (10);
  g_autoptr(GError) error = NULL;
  g_autoptr(SrvDnsMessage) request = srv_dns_update_new ("example.test.", add, NULL, key, &error);
  g_autoptr(GBytes) good = make_answer (request, LDNS_RCODE_NOERROR, SECRET, request->id);
  g_autoptr(GBytes) unsigned_ok = make_answer (request, LDNS_RCODE_NOERROR, NULL, request->id);
  g_autoptr(GBytes) forged = make_answer (request, LDNS_RCODE_NOERROR, "b3RoZXItc2VjcmV0", request->id);
  g_autoptr(GBytes) other_id = make_answer (request, LDNS_RCODE_NOERROR, SECRET, request->id ^ 1);
  g_autoptr(GBytes) refused = make_answer (request, LDNS_RCODE_REFUSED, NULL, request->id);
  g_autoptr(GBytes) notzone = make_answer (request, LDNS_RCODE_NOTZONE, NULL, request->id);
  g_autoptr(GBytes) notauth = make_answer (request, LDNS_RCODE_NOTAUTH, NULL, request->id);
  g_autoptr(GBytes) badsig = make_tsig_error_answer (request->id, LDNS_RCODE_NOTAUTH, 16);
  g_autoptr(GBytes) badkey = make_tsig_error_answer (request->id, LDNS_RCODE_NOTAUTH, 17);
  g_autoptr(GBytes) badtime = make_tsig_error_answer (request->id, LDNS_RCODE_NOTAUTH, 18);
  g_autoptr(GBytes) garbage = g_bytes_new_static ("\x12\x34\x80\x00\x00\x05", 6);

  g_assert_no_error (error);
  g_assert_true (srv_dns_check_update_reply (request, good, key, &error));
  g_assert_no_error (error);

  g_assert_false (srv_dns_check_update_reply (request, unsigned_ok, key, &error));
  g_assert_error (error, SRV_DNS_ERROR, SRV_DNS_ERROR_BAD_ANSWER_SIGNATURE);
  g_clear_error (&error);
  g_assert_false (srv_dns_check_update_reply (request, forged, key, &error));
  g_assert_error (error, SRV_DNS_ERROR, SRV_DNS_ERROR_BAD_ANSWER_SIGNATURE);
  g_clear_error (&error);
  g_assert_false (srv_dns_check_update_reply (request, other_id, key, &error));
  g_assert_error (error, SRV_DNS_ERROR, SRV_DNS_ERROR_MISMATCH);
  g_clear_error (&error);
  g_assert_false (srv_dns_check_update_reply (request, refused, key, &error));
  g_assert_error (error, SRV_DNS_ERROR, LDNS_RCODE_REFUSED);
  g_assert_true (g_str_has_prefix (error->message, "REFUSED: "));
  g_clear_error (&error);
  g_assert_false (srv_dns_check_update_reply (request, notzone, key, &error));
  g_assert_true (g_str_has_prefix (error->message, "NOTZONE: "));
  g_clear_error (&error);
  g_assert_false (srv_dns_check_update_reply (request, notauth, key, &error));
  g_assert_error (error, SRV_DNS_ERROR, LDNS_RCODE_NOTAUTH);
  g_clear_error (&error);
  g_assert_false (srv_dns_check_update_reply (request, badsig, key, &error));
  g_assert_error (error, SRV_DNS_ERROR, 16);
  g_assert_true (g_str_has_prefix (error->message, "NOTAUTH/BADSIG: "));
  g_clear_error (&error);
  g_assert_false (srv_dns_check_update_reply (request, badkey, key, &error));
  g_assert_true (g_str_has_prefix (error->message, "NOTAUTH/BADKEY: "));
  g_clear_error (&error);
  g_assert_false (srv_dns_check_update_reply (request, badtime, key, &error));
  g_assert_true (g_str_has_prefix (error->message, "NOTAUTH/BADTIME: "));
  g_clear_error (&error);
  g_assert_false (srv_dns_check_update_reply (request, garbage, key, &error));
  g_assert_nonnull (error);
}

static void
test_query_and_answer (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SrvDnsMessage) query = srv_dns_query_new ("_pexapp._tcp.example.test.", &error);
  ldns_pkt *answer = ldns_pkt_new ();
  ldns_rr *rr = NULL;
  uint8_t *wire = NULL;
  size_t size = 0;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(SrvRecord) ours = srv_record_new ("", "_pexapp._tcp.example.test", 300, 10, 100, 443,
                                              "proxy1.example.test");

  g_assert_no_error (error);
  ldns_pkt_set_id (answer, query->id);
  ldns_pkt_set_qr (answer, true);
  ldns_rr_new_frm_str (&rr, "_pexapp._tcp.example.test. 300 IN SRV 10 100 443 proxy1.example.test.", 0, NULL, NULL);
  ldns_pkt_push_rr (answer, LDNS_SECTION_ANSWER, rr);
  ldns_rr_new_frm_str (&rr, "_pexapp._tcp.example.test. 300 IN SRV 20 100 443 proxy2.example.test.", 0, NULL, NULL);
  ldns_pkt_push_rr (answer, LDNS_SECTION_ANSWER, rr);
  ldns_rr_new_frm_str (&rr, "other.example.test. 300 IN SRV 10 100 443 proxy1.example.test.", 0, NULL, NULL);
  ldns_pkt_push_rr (answer, LDNS_SECTION_ANSWER, rr);
  ldns_rr_new_frm_str (&rr, "_pexapp._tcp.example.test. 300 IN TXT \"x\"", 0, NULL, NULL);
  ldns_pkt_push_rr (answer, LDNS_SECTION_ANSWER, rr);
  g_assert_cmpint (ldns_pkt2wire (&wire, answer, &size), ==, LDNS_STATUS_OK);
  bytes = g_bytes_new (wire, size);
  LDNS_FREE (wire);
  ldns_pkt_free (answer);

  records = srv_dns_parse_srv_answer (query, bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (records->len, ==, 2);
  g_assert_true (srv_record_equal (g_ptr_array_index (records, 0), ours));
  g_assert_false (srv_record_equal (g_ptr_array_index (records, 1), ours));
}

static void
test_wire_header_checks (void)
{
  const guint8 short_msg[] = { 0x12, 0x34, 0x82 };
  const guint8 tc[12] = { 0x12, 0x34, 0x82 };
  const guint8 query[12] = { 0x12, 0x34, 0x00 };

  g_assert_false (srv_dns_wire_answers (short_msg, sizeof short_msg, 0x1234));
  g_assert_false (srv_dns_wire_truncated (short_msg, sizeof short_msg));
  g_assert_true (srv_dns_wire_answers (tc, sizeof tc, 0x1234));
  g_assert_true (srv_dns_wire_truncated (tc, sizeof tc));
  g_assert_false (srv_dns_wire_answers (tc, sizeof tc, 0x1235));
  g_assert_false (srv_dns_wire_answers (query, sizeof query, 0x1234));
}

/* Two TSIG records, or one that is not last, never reach ldns. */
static void
test_tsig_placement (void)
{
  g_autoptr(GBytes) one = make_tsig_error_answer (0x1234, LDNS_RCODE_NOTAUTH, 16);
  g_autoptr(GByteArray) two = g_byte_array_new ();
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (one, &len);
  g_autoptr(GError) error = NULL;
  g_autoptr(SrvDnsMessage) query = srv_dns_query_new ("_pexapp._tcp.example.test.", &error);

  g_assert_true (srv_dns_wire_tsig_placement_ok (data, len));
  g_byte_array_append (two, data, (guint) len);
  g_byte_array_append (two, data + 12, (guint) len - 12);
  two->data[11] = 2;
  g_assert_false (srv_dns_wire_tsig_placement_ok (two->data, two->len));
  g_assert_false (srv_dns_wire_tsig_placement_ok (data, len - 1));
  /* Through the public parser: refused as malformed. */
  two->data[0] = (guint8) (query->id >> 8);
  two->data[1] = (guint8) query->id;
  {
    g_autoptr(GBytes) bytes = g_bytes_new (two->data, two->len);
    g_assert_null (srv_dns_parse_srv_answer (query, bytes, &error));
    g_assert_error (error, SRV_DNS_ERROR, SRV_DNS_ERROR_MALFORMED);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/srv/dns/update-wire", test_update_wire);
  g_test_add_func ("/srv/dns/update-sha512", test_update_sha512);
  g_test_add_func ("/srv/dns/answers", test_answers);
  g_test_add_func ("/srv/dns/query-and-answer", test_query_and_answer);
  g_test_add_func ("/srv/dns/wire-header-checks", test_wire_header_checks);
  g_test_add_func ("/srv/dns/tsig-placement", test_tsig_placement);
  return g_test_run ();
}
