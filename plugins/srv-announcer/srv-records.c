/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "srv-records.h"

#include <string.h>

/* Which SRV names the turn and stun plugins' listeners announce (RFC 5928),
 * by the key of the plugin that holds the addresses. */
static const struct {
  const gchar *role;
  const gchar *key;
  const gchar *service;
} listener_names[] = {
  { "turn", "listen", "_turn._udp" },
  { "turn", "listen-tcp", "_turn._tcp" },
  { "turn", "listen-tls", "_turns._tcp" },
  { "stun", "listen", "_stun._udp" },
  { "stun", "listen-tcp", "_stun._tcp" },
};

SrvRecord *
srv_record_new (const gchar *role, const gchar *owner, guint32 ttl, guint16 priority, guint16 weight,
                guint16 port, const gchar *target)
{
  SrvRecord *record = g_new0 (SrvRecord, 1);

  record->role = g_strdup (role);
  record->owner = srv_name_absolute (owner);
  record->ttl = ttl;
  record->priority = priority;
  record->weight = weight;
  record->port = port;
  record->target = srv_name_absolute (target);
  return record;
}

void
srv_record_free (SrvRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->role);
  g_free (record->owner);
  g_free (record->target);
  g_free (record);
}

/* Equal as DNS data: the TTL is not part of an RR's identity. */
gboolean
srv_record_equal (const SrvRecord *a, const SrvRecord *b)
{
  return g_ascii_strcasecmp (a->owner, b->owner) == 0 && a->priority == b->priority &&
         a->weight == b->weight && a->port == b->port && g_ascii_strcasecmp (a->target, b->target) == 0;
}

gchar *
srv_record_to_zone_line (const SrvRecord *record)
{
  return g_strdup_printf ("%s %u IN SRV %u %u %u %s", record->owner, record->ttl, record->priority,
                          record->weight, record->port, record->target);
}

gchar *
srv_name_absolute (const gchar *name)
{
  g_autofree gchar *lower = g_ascii_strdown (name, -1);

  return g_str_has_suffix (lower, ".") ? g_steal_pointer (&lower) : g_strconcat (lower, ".", NULL);
}

/* A host or zone name: dot-separated labels of letters, digits, '-' and
 * '_', 1-63 bytes each, at most 253 bytes without the final dot. */
gboolean
srv_name_valid (const gchar *name)
{
  gsize len = strlen (name), label = 0;

  if (g_str_has_suffix (name, "."))
    len--;
  if (len == 0 || len > 253)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    if (name[i] == '.') {
      if (label == 0)
        return FALSE;
      label = 0;
    } else if (g_ascii_isalnum (name[i]) || name[i] == '-' || name[i] == '_') {
      if (++label > 63)
        return FALSE;
    } else {
      return FALSE;
    }
  }
  return label > 0;
}

static void
add_listener_records (GPtrArray *records, const SrvRecordsInput *input, guint index, PosternConfig *config)
{
  g_autoptr(GPtrArray) addresses = NULL;
  g_autoptr(GArray) ports = g_array_new (FALSE, FALSE, sizeof (guint16));
  g_autofree gchar *owner = NULL;

  if (config == NULL || !postern_config_has_key (config, listener_names[index].key))
    return;
  addresses = postern_config_get_address_list (config, listener_names[index].key);
  if (addresses == NULL)
    return;
  owner = g_strconcat (listener_names[index].service, ".", input->domain, NULL);
  /* 0.0.0.0:3478 and [::]:3478 are one service port. */
  for (guint i = 0; i < addresses->len; i++) {
    guint16 port = g_inet_socket_address_get_port (g_ptr_array_index (addresses, i));
    gboolean seen = FALSE;

    for (guint j = 0; j < ports->len; j++)
      seen = seen || g_array_index (ports, guint16, j) == port;
    if (seen || port == 0)
      continue;
    g_array_append_val (ports, port);
    g_ptr_array_add (records, srv_record_new (listener_names[index].role, owner, input->ttl, input->priority,
                                              input->weight, port, input->target));
  }
}

GPtrArray *
srv_records_build (const SrvRecordsInput *input, GError **error)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) srv_record_free);

  if (!srv_name_valid (input->domain)) {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG, "domain '%s' is not a DNS name", input->domain);
    return NULL;
  }
  if (!srv_name_valid (input->target)) {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG, "target '%s' is not a DNS name", input->target);
    return NULL;
  }
  for (gsize i = 0; input->records != NULL && input->records[i] != NULL; i++) {
    const gchar *role = input->records[i];

    if (g_str_equal (role, "pexapp")) {
      g_autofree gchar *owner = g_strconcat ("_pexapp._tcp.", input->domain, NULL);

      g_ptr_array_add (records, srv_record_new ("pexapp", owner, input->ttl, input->priority, input->weight, 443,
                                                input->target));
    } else if (g_str_equal (role, "turn") || g_str_equal (role, "stun")) {
      for (guint j = 0; j < G_N_ELEMENTS (listener_names); j++)
        if (g_str_equal (listener_names[j].role, role))
          add_listener_records (records, input, j, g_str_equal (role, "turn") ? input->turn : input->stun);
    } else {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                   "records: unknown entry '%s' (pexapp, turn, stun)", role);
      return NULL;
    }
  }
  return g_steal_pointer (&records);
}
