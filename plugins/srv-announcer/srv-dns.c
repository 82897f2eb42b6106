/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "srv-dns.h"

#include <ldns/ldns.h>
#include <postern.h>
#include <string.h>

#define TSIG_FUDGE 300
#define DNS_HEADER_LEN 12

G_DEFINE_QUARK (srv-dns-error-quark, srv_dns_error)

/* TSIG RDATA fields as ldns numbers them. */
enum { TSIG_RDF_MAC = 3, TSIG_RDF_ERROR = 5 };

void
srv_dns_message_free (SrvDnsMessage *message)
{
  if (message == NULL)
    return;
  g_bytes_unref (message->wire);
  if (message->mac != NULL)
    g_bytes_unref (message->mac);
  g_free (message->owner);
  g_free (message);
}

const gchar *
srv_dns_rcode_name (guint code)
{
  static const gchar *const names[] = {
    "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET",
    "NOTAUTH", "NOTZONE",
  };

  if (code < G_N_ELEMENTS (names))
    return names[code];
  switch (code) {
  case 16: return "BADSIG";
  case 17: return "BADKEY";
  case 18: return "BADTIME";
  default: return "RCODE";
  }
}

static const gchar *
rcode_meaning (guint code)
{
  switch (code) {
  case LDNS_RCODE_FORMERR: return "the server could not parse the update";
  case LDNS_RCODE_SERVFAIL: return "the server failed to apply the update";
  case LDNS_RCODE_NOTIMPL: return "the server does not implement dynamic update";
  case LDNS_RCODE_REFUSED: return "the server's policy refuses this update (check its ACL or update-policy)";
  case LDNS_RCODE_NOTAUTH: return "the server is not authoritative for the zone or does not accept the key";
  case LDNS_RCODE_NOTZONE: return "a record is outside the zone (check zone and domain)";
  case 16: return "the server rejected the TSIG signature (wrong secret?)";
  case 17: return "the server does not know this key name and algorithm";
  case 18: return "the server's clock and ours differ by more than the TSIG fudge";
  default: return "the update was not applied";
  }
}

/* A random message ID: answers are matched on it (RFC 5452). */
static guint16
new_id (void)
{
  return (guint16) g_random_int_range (0, 0x10000);
}

static ldns_rr *
make_srv_rr (const SrvRecord *record, GError **error)
{
  g_autofree gchar *line = srv_record_to_zone_line (record);
  ldns_rr *rr = NULL;

  if (ldns_rr_new_frm_str (&rr, line, 0, NULL, NULL) != LDNS_STATUS_OK) {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_DATA, "cannot encode '%s'", line);
    return NULL;
  }
  return rr;
}

static SrvDnsMessage *
finish (ldns_pkt *pkt, const gchar *owner, GError **error)
{
  SrvDnsMessage *message;
  uint8_t *wire = NULL;
  size_t size = 0;

  if (ldns_pkt2wire (&wire, pkt, &size) != LDNS_STATUS_OK) {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_DATA, "cannot encode the DNS message");
    return NULL;
  }
  message = g_new0 (SrvDnsMessage, 1);
  message->wire = g_bytes_new (wire, size);
  message->id = ldns_pkt_id (pkt);
  message->owner = g_strdup (owner);
  if (ldns_pkt_tsig (pkt) != NULL) {
    const ldns_rdf *mac = ldns_rr_rdf (ldns_pkt_tsig (pkt), TSIG_RDF_MAC);

    message->mac = g_bytes_new (ldns_rdf_data (mac), ldns_rdf_size (mac));
  }
  LDNS_FREE (wire);
  return message;
}

SrvDnsMessage *
srv_dns_update_new (const gchar *zone, GPtrArray *add, GPtrArray *remove, const SrvTsigKey *key, GError **error)
{
  g_autofree gchar *algorithm = g_strconcat (key->algorithm, ".", NULL);
  ldns_rr_list *updates = ldns_rr_list_new ();
  ldns_rdf *zone_rdf = ldns_dname_new_frm_str (zone);
  ldns_pkt *pkt = NULL;
  SrvDnsMessage *message = NULL;
  ldns_status status;

  if (zone_rdf == NULL) {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_DATA, "zone '%s' is not a DNS name", zone);
    goto out;
  }
  /* Delete exactly our RR (class NONE, TTL 0, RFC 2136 2.5.4), never the RRset. */
  for (guint i = 0; remove != NULL && i < remove->len; i++) {
    ldns_rr *rr = make_srv_rr (g_ptr_array_index (remove, i), error);

    if (rr == NULL)
      goto out;
    ldns_rr_set_class (rr, LDNS_RR_CLASS_NONE);
    ldns_rr_set_ttl (rr, 0);
    ldns_rr_list_push_rr (updates, rr);
  }
  for (guint i = 0; add != NULL && i < add->len; i++) {
    ldns_rr *rr = make_srv_rr (g_ptr_array_index (add, i), error);

    if (rr == NULL)
      goto out;
    ldns_rr_list_push_rr (updates, rr);
  }
  pkt = ldns_update_pkt_new (zone_rdf, LDNS_RR_CLASS_IN, NULL, updates, NULL);
  zone_rdf = NULL; /* the packet owns it now */
  if (pkt == NULL) {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_DATA, "cannot build the update");
    goto out;
  }
  ldns_pkt_set_id (pkt, new_id ());
  status = ldns_pkt_tsig_sign (pkt, key->name, key->secret, TSIG_FUDGE, algorithm, NULL);
  if (status != LDNS_STATUS_OK) {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_DATA, "cannot sign the update: %s",
                 ldns_get_errorstr_by_id (status));
    goto out;
  }
  message = finish (pkt, NULL, error);
out:
  if (zone_rdf != NULL)
    ldns_rdf_deep_free (zone_rdf);
  if (pkt != NULL)
    ldns_pkt_free (pkt);
  ldns_rr_list_deep_free (updates);
  return message;
}

SrvDnsMessage *
srv_dns_query_new (const gchar *owner, GError **error)
{
  ldns_rdf *name = ldns_dname_new_frm_str (owner);
  ldns_pkt *pkt;
  SrvDnsMessage *message;

  if (name == NULL) {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_DATA, "'%s' is not a DNS name", owner);
    return NULL;
  }
  pkt = ldns_pkt_query_new (name, LDNS_RR_TYPE_SRV, LDNS_RR_CLASS_IN, 0);
  ldns_pkt_set_id (pkt, new_id ());
  message = finish (pkt, owner, error);
  ldns_pkt_free (pkt);
  return message;
}

gboolean
srv_dns_wire_truncated (const guint8 *data, gsize len)
{
  return len >= DNS_HEADER_LEN && (data[2] & 0x02) != 0;
}

/* Whether a datagram is an answer to message @id. */
gboolean
srv_dns_wire_answers (const guint8 *data, gsize len, guint16 id)
{
  return len >= DNS_HEADER_LEN && (data[2] & 0x80) != 0 && ((guint16) (data[0] << 8 | data[1])) == id;
}

/* Moves *pos past a domain name: labels ending with the root label or a
 * compression pointer. */
static gboolean
skip_name (const guint8 *data, gsize len, gsize *pos)
{
  for (guint labels = 0; labels < 128; labels++) {
    guint8 label;

    if (*pos >= len)
      return FALSE;
    label = data[*pos];
    if ((label & 0xc0) == 0xc0) {
      *pos += 2;
      return *pos <= len;
    }
    if ((label & 0xc0) != 0)
      return FALSE;
    *pos += 1u + label;
    if (label == 0)
      return *pos <= len;
  }
  return FALSE;
}

/* RFC 8945 5.1: at most one TSIG, and only as the last record. Checked
 * before ldns parses the message, as ldns 1.8 leaks all but the last of
 * several TSIG records. */
gboolean
srv_dns_wire_tsig_placement_ok (const guint8 *data, gsize len)
{
  gsize pos = DNS_HEADER_LEN;
  guint qd, rrs;

  if (len < DNS_HEADER_LEN)
    return FALSE;
  qd = (guint) data[4] << 8 | data[5];
  rrs = ((guint) data[6] << 8 | data[7]) + ((guint) data[8] << 8 | data[9]) + ((guint) data[10] << 8 | data[11]);
  for (guint i = 0; i < qd; i++) {
    if (!skip_name (data, len, &pos) || len - pos < 4)
      return FALSE;
    pos += 4;
  }
  for (guint i = 0; i < rrs; i++) {
    guint type, rdlength;

    if (!skip_name (data, len, &pos) || len - pos < 10)
      return FALSE;
    type = (guint) data[pos] << 8 | data[pos + 1];
    rdlength = (guint) data[pos + 8] << 8 | data[pos + 9];
    pos += 10;
    if (len - pos < rdlength)
      return FALSE;
    pos += rdlength;
    if (type == LDNS_RR_TYPE_TSIG && i != rrs - 1)
      return FALSE;
  }
  return TRUE;
}

static ldns_pkt *
parse_reply (const SrvDnsMessage *request, GBytes *reply, GError **error)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (reply, &len);
  ldns_pkt *pkt = NULL;

  if (!srv_dns_wire_answers (data, len, request->id)) {
    g_set_error (error, SRV_DNS_ERROR, SRV_DNS_ERROR_MISMATCH, "the answer does not match the request");
    return NULL;
  }
  if (!srv_dns_wire_tsig_placement_ok (data, len) || ldns_wire2pkt (&pkt, data, len) != LDNS_STATUS_OK) {
    g_set_error (error, SRV_DNS_ERROR, SRV_DNS_ERROR_MALFORMED, "the server's answer is malformed");
    return NULL;
  }
  return pkt;
}

static gboolean
dname_equals (const ldns_rdf *rdf, const gchar *text)
{
  ldns_rdf *name = ldns_dname_new_frm_str (text);
  gboolean equal = name != NULL && ldns_rdf_get_type (rdf) == LDNS_RDF_TYPE_DNAME &&
                   ldns_dname_compare (rdf, name) == 0;

  if (name != NULL)
    ldns_rdf_deep_free (name);
  return equal;
}

static gboolean
tsig_is_ours (const ldns_rr *tsig, const SrvTsigKey *key)
{
  g_autofree gchar *algorithm = g_strconcat (key->algorithm, ".", NULL);

  return ldns_rr_rd_count (tsig) == 7 && dname_equals (ldns_rr_owner (tsig), key->name) &&
         dname_equals (ldns_rr_rdf (tsig, 0), algorithm);
}

gboolean
srv_dns_check_update_reply (const SrvDnsMessage *request, GBytes *reply, const SrvTsigKey *key, GError **error)
{
  ldns_pkt *pkt = parse_reply (request, reply, error);
  ldns_rr *tsig;
  guint rcode, tsig_error = 0;
  gboolean ok = FALSE;

  if (pkt == NULL)
    return FALSE;
  rcode = ldns_pkt_get_rcode (pkt);
  tsig = ldns_pkt_tsig (pkt);
  if (tsig != NULL && ldns_rr_rd_count (tsig) > TSIG_RDF_ERROR &&
      ldns_rdf_size (ldns_rr_rdf (tsig, TSIG_RDF_ERROR)) == 2)
    tsig_error = ldns_rdf2native_int16 (ldns_rr_rdf (tsig, TSIG_RDF_ERROR));
  if (rcode != LDNS_RCODE_NOERROR || tsig_error != 0) {
    guint code = tsig_error != 0 ? tsig_error : rcode;

    if (tsig_error != 0)
      g_set_error (error, SRV_DNS_ERROR, (gint) code, "%s/%s: %s", srv_dns_rcode_name (rcode),
                   srv_dns_rcode_name (tsig_error), rcode_meaning (code));
    else
      g_set_error (error, SRV_DNS_ERROR, (gint) code, "%s: %s", srv_dns_rcode_name (rcode), rcode_meaning (code));
    goto out;
  }
  /* A NOERROR answer to a signed update must be signed with the same key. */
  if (tsig == NULL || request->mac == NULL) {
    g_set_error (error, SRV_DNS_ERROR, SRV_DNS_ERROR_BAD_ANSWER_SIGNATURE, "the server's answer is not signed");
    goto out;
  }
  /* Same key name and algorithm as ours; this also keeps ldns's verifier
   * off its paths for unknown algorithms. */
  if (!tsig_is_ours (tsig, key)) {
    g_set_error (error, SRV_DNS_ERROR, SRV_DNS_ERROR_BAD_ANSWER_SIGNATURE,
                 "the server's answer is signed with another key or algorithm");
    goto out;
  }
  {
    gsize len = 0;
    const guint8 *data = g_bytes_get_data (reply, &len);
    gsize mac_len = 0;
    const guint8 *mac_data = g_bytes_get_data (request->mac, &mac_len);
    ldns_rdf *mac = ldns_rdf_new_frm_data (LDNS_RDF_TYPE_INT16_DATA, mac_len, mac_data);
    bool verified = mac != NULL && ldns_pkt_tsig_verify (pkt, data, len, key->name, key->secret, mac);

    if (mac != NULL)
      ldns_rdf_deep_free (mac);
    if (!verified) {
      g_set_error (error, SRV_DNS_ERROR, SRV_DNS_ERROR_BAD_ANSWER_SIGNATURE,
                   "the server's answer does not carry a valid TSIG signature");
      goto out;
    }
  }
  ok = TRUE;
out:
  ldns_pkt_free (pkt);
  return ok;
}

/* The SRV records in the answer section at the queried name; an empty array
 * when there are none (NOERROR/NODATA or NXDOMAIN). */
GPtrArray *
srv_dns_parse_srv_answer (const SrvDnsMessage *request, GBytes *reply, GError **error)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) srv_record_free);
  ldns_pkt *pkt = parse_reply (request, reply, error);
  ldns_rdf *owner = NULL;
  ldns_rr_list *answer;
  guint rcode;

  if (pkt == NULL)
    return NULL;
  rcode = ldns_pkt_get_rcode (pkt);
  if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
    g_set_error (error, SRV_DNS_ERROR, (gint) rcode, "query for %s: %s", request->owner, srv_dns_rcode_name (rcode));
    ldns_pkt_free (pkt);
    return NULL;
  }
  owner = ldns_dname_new_frm_str (request->owner);
  answer = ldns_pkt_answer (pkt);
  for (size_t i = 0; owner != NULL && i < ldns_rr_list_rr_count (answer); i++) {
    ldns_rr *rr = ldns_rr_list_rr (answer, i);
    g_autofree gchar *target = NULL;

    if (ldns_rr_get_type (rr) != LDNS_RR_TYPE_SRV || ldns_rr_rd_count (rr) != 4 ||
        ldns_dname_compare (ldns_rr_owner (rr), owner) != 0 ||
        ldns_rdf_get_type (ldns_rr_rdf (rr, 0)) != LDNS_RDF_TYPE_INT16 ||
        ldns_rdf_get_type (ldns_rr_rdf (rr, 1)) != LDNS_RDF_TYPE_INT16 ||
        ldns_rdf_get_type (ldns_rr_rdf (rr, 2)) != LDNS_RDF_TYPE_INT16 ||
        ldns_rdf_get_type (ldns_rr_rdf (rr, 3)) != LDNS_RDF_TYPE_DNAME)
      continue;
    target = ldns_rdf2str (ldns_rr_rdf (rr, 3));
    if (target == NULL)
      continue;
    g_ptr_array_add (records, srv_record_new ("", request->owner, ldns_rr_ttl (rr),
                                              ldns_rdf2native_int16 (ldns_rr_rdf (rr, 0)),
                                              ldns_rdf2native_int16 (ldns_rr_rdf (rr, 1)),
                                              ldns_rdf2native_int16 (ldns_rr_rdf (rr, 2)), target));
  }
  if (owner != NULL)
    ldns_rdf_deep_free (owner);
  ldns_pkt_free (pkt);
  return g_steal_pointer (&records);
}
