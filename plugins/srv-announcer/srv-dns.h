/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "srv-records.h"
#include "srv-tsig-key.h"

G_BEGIN_DECLS

/* DNS messages through ldns: RFC 2136 updates signed with TSIG (RFC 8945),
 * SRV queries, and checks of the server's answers. */

#define SRV_DNS_ERROR (srv_dns_error_quark ())

/* Codes are the DNS RCODE, or the TSIG error (16-18) when the answer's TSIG
 * carries one, or one of these for answers that make no sense. */
typedef enum {
  SRV_DNS_ERROR_MALFORMED = 1000,
  SRV_DNS_ERROR_MISMATCH,
  SRV_DNS_ERROR_BAD_ANSWER_SIGNATURE,
} SrvDnsError;

typedef struct {
  GBytes *wire;
  guint16 id;
  gchar *owner;    /* the query name, for queries */
  GBytes *mac;     /* the request's TSIG MAC, NULL when unsigned */
} SrvDnsMessage;

GQuark         srv_dns_error_quark        (void);
SrvDnsMessage *srv_dns_update_new         (const gchar      *zone,
                                           GPtrArray        *add,
                                           GPtrArray        *remove,
                                           const SrvTsigKey *key,
                                           GError          **error);
SrvDnsMessage *srv_dns_query_new          (const gchar      *owner,
                                           GError          **error);
void           srv_dns_message_free       (SrvDnsMessage    *message);
gboolean       srv_dns_wire_truncated     (const guint8     *data,
                                           gsize             len);
gboolean       srv_dns_wire_answers       (const guint8     *data,
                                           gsize             len,
                                           guint16           id);
gboolean       srv_dns_wire_tsig_placement_ok (const guint8 *data,
                                               gsize         len);
gboolean       srv_dns_check_update_reply (const SrvDnsMessage *request,
                                           GBytes           *reply,
                                           const SrvTsigKey *key,
                                           GError          **error);
GPtrArray     *srv_dns_parse_srv_answer   (const SrvDnsMessage *request,
                                           GBytes           *reply,
                                           GError          **error);
const gchar   *srv_dns_rcode_name         (guint             code);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrvDnsMessage, srv_dns_message_free)

G_END_DECLS
