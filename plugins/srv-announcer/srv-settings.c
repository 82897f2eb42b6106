/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "srv-settings.h"

#include "srv-records.h"

#include <string.h>

static gboolean
validate_server (const gchar *value, GError **error)
{
  g_autoptr(GInetSocketAddress) address = NULL;

  if (*value == '\0')
    return TRUE;
  address = postern_parse_address (value, 53, error);
  return address != NULL;
}

static gboolean
validate_name (const gchar *value, GError **error)
{
  if (*value == '\0' || srv_name_valid (value))
    return TRUE;
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG, "'%s' is not a DNS name", value);
  return FALSE;
}

static gboolean
validate_records (const gchar *value, GError **error)
{
  g_auto(GStrv) items = g_strsplit (value, ";", -1);

  for (gsize i = 0; items[i] != NULL; i++) {
    const gchar *item = g_strstrip (items[i]);

    if (*item != '\0' && !g_str_equal (item, "pexapp") && !g_str_equal (item, "turn") && !g_str_equal (item, "stun")) {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                   "'%s' is not one of pexapp, turn, stun", item);
      return FALSE;
    }
  }
  return TRUE;
}

const PosternConfigKey srv_settings_keys[] = {
  { "server", POSTERN_CONFIG_TYPE_STRING, "",
    "Primary DNS server taking RFC 2136 updates, IP[:PORT] (port 53 by default); empty: only list the records",
    0, 0, validate_server },
  { "zone", POSTERN_CONFIG_TYPE_STRING, "", "The zone to update, e.g. example.com", 0, 0, validate_name },
  { "domain", POSTERN_CONFIG_TYPE_STRING, "", "Domain the SRV names live under (default: the zone)",
    0, 0, validate_name },
  { "target", POSTERN_CONFIG_TYPE_STRING, "", "Host name the records point at (default: [core] fqdn)",
    0, 0, validate_name },
  { "priority", POSTERN_CONFIG_TYPE_INTEGER, "10", "SRV priority (a fallback proxy uses a higher number)", 0, 65535 },
  { "weight", POSTERN_CONFIG_TYPE_INTEGER, "100", "SRV weight among proxies of the same priority", 0, 65535 },
  { "ttl", POSTERN_CONFIG_TYPE_DURATION, "300", "TTL of the records; they are refreshed every TTL/2",
    1, 604800 },
  { "tsig-key-file", POSTERN_CONFIG_TYPE_PATH, "",
    "File holding 'algorithm name secret' (hmac-sha256 or hmac-sha512), mode 0600" },
  { "records", POSTERN_CONFIG_TYPE_STRING_LIST, "pexapp;turn;stun",
    "Which records to publish: pexapp, turn, stun (the last two when those plugins are on)",
    0, 0, validate_records },
  { "withdraw-when-down", POSTERN_CONFIG_TYPE_BOOLEAN, "true",
    "Withdraw _pexapp._tcp while every upstream node is down" },
  { NULL }
};

void
srv_settings_free (SrvSettings *settings)
{
  if (settings == NULL)
    return;
  g_clear_object (&settings->server);
  g_free (settings->server_text);
  g_free (settings->zone);
  g_clear_pointer (&settings->records, g_ptr_array_unref);
  srv_tsig_key_free (settings->key);
  g_free (settings);
}

SrvSettings *
srv_settings_new (PosternContext *context, PosternConfig *config, GError **error)
{
  g_autoptr(SrvSettings) settings = g_new0 (SrvSettings, 1);
  g_auto(GStrv) records = postern_config_get_string_list (config, "records");
  const gchar *zone = postern_config_get_string (config, "zone");
  const gchar *domain = postern_config_get_string (config, "domain");
  const gchar *target = postern_config_get_string (config, "target");
  const gchar *server = postern_config_get_string (config, "server");
  const gchar *key_file = postern_config_get_string (config, "tsig-key-file");
  SrvRecordsInput input = { 0 };

  if (zone == NULL || *zone == '\0') {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG, "zone is not set");
    return NULL;
  }
  settings->zone = srv_name_absolute (zone);
  settings->ttl = (guint32) postern_config_get_integer (config, "ttl");
  settings->withdraw_when_down = postern_config_get_boolean (config, "withdraw-when-down");
  input.domain = (domain != NULL && *domain != '\0') ? domain : zone;
  input.target = (target != NULL && *target != '\0') ? target : postern_context_get_fqdn (context);
  input.priority = (guint16) postern_config_get_integer (config, "priority");
  input.weight = (guint16) postern_config_get_integer (config, "weight");
  input.ttl = settings->ttl;
  input.records = (const gchar *const *) records;
  input.turn = postern_context_get_plugin_config (context, "turn");
  input.stun = postern_context_get_plugin_config (context, "stun");
  /* A bare host name would land relative to nothing in the zone. */
  if (input.target == NULL || !srv_name_valid (input.target) || strchr (input.target, '.') == NULL) {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                 "target '%s' is not a fully qualified name; set target or [core] fqdn",
                 input.target != NULL ? input.target : "");
    return NULL;
  }
  settings->records = srv_records_build (&input, error);
  if (settings->records == NULL)
    return NULL;
  {
    g_autofree gchar *zone_dot = g_strconcat (".", settings->zone, NULL);
    g_autofree gchar *domain_abs = srv_name_absolute (input.domain);

    if (!g_str_equal (domain_abs, settings->zone) && !g_str_has_suffix (domain_abs, zone_dot)) {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG, "domain %s is not inside zone %s",
                   domain_abs, settings->zone);
      return NULL;
    }
  }
  if (server == NULL || *server == '\0')
    return g_steal_pointer (&settings);
  settings->server = postern_parse_address (server, 53, error);
  if (settings->server == NULL)
    return NULL;
  settings->server_text = postern_address_to_string (settings->server);
  if (key_file == NULL || *key_file == '\0') {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                 "server is set but tsig-key-file is not; updates must be signed");
    return NULL;
  }
  settings->key = srv_tsig_key_load (key_file, error);
  if (settings->key == NULL)
    return NULL;
  return g_steal_pointer (&settings);
}
