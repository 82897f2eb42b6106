/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness: arbitrary bytes as the DNS server's answer to an
 * update and to an SRV query (the ID patched to match, so parsing goes past
 * the header). Built with -Dfuzzing=true from plugins/srv-announcer/tests. */
#include <stdint.h>
#include <string.h>

#include "srv-dns.h"

static SrvTsigKey *key;
static SrvDnsMessage *update;
static SrvDnsMessage *query;

static void
init (void)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) srv_record_free);

  key = srv_tsig_key_parse ("hmac-sha256 postern-key c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ==", NULL);
  g_ptr_array_add (records, srv_record_new ("pexapp", "_pexapp._tcp.example.test", 300, 10, 100, 443,
                                            "proxy1.example.test"));
  update = srv_dns_update_new ("example.test", records, NULL, key, NULL);
  query = srv_dns_query_new ("_pexapp._tcp.example.test.", NULL);
  g_assert_true (key != NULL && update != NULL && query != NULL);
}

static void
answer (SrvDnsMessage *request, const uint8_t *data, size_t size)
{
  g_autofree guint8 *copy = g_memdup2 (data, size);
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GPtrArray) records = NULL;

  if (size >= 2) {
    copy[0] = (guint8) (request->id >> 8);
    copy[1] = (guint8) request->id;
  }
  reply = g_bytes_new_take (g_steal_pointer (&copy), size);
  if (request == update)
    g_assert_false (srv_dns_check_update_reply (request, reply, key, NULL) && size < 12);
  else
    records = srv_dns_parse_srv_answer (request, reply, NULL);
  for (guint i = 0; records != NULL && i < records->len; i++) {
    g_autofree gchar *line = srv_record_to_zone_line (g_ptr_array_index (records, i));
    g_assert_nonnull (line);
  }
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (key == NULL)
    init ();
  answer (update, data, size);
  answer (query, data, size);
  return 0;
}
