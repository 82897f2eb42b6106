/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turn-settings.h"

#include <string.h>

#include "turn-allocation-table.h"
#include "turn-port-pool.h"
#include "turn-users-file.h"

#define USERS_FILE_NAME "turn-users"

static gboolean validate_ip_list (const gchar *value, GError **error);
static gboolean validate_external (const gchar *value, GError **error);
static gboolean validate_ports (const gchar *value, GError **error);

const PosternConfigKey turn_config_keys[] = {
  { "listen", POSTERN_CONFIG_TYPE_ADDRESS_LIST, "0.0.0.0:3478;[::]:3478",
    "UDP addresses for TURN and STUN Binding, `;`-separated; replies leave from the address a request arrived on" },
  { "realm", POSTERN_CONFIG_TYPE_STRING, "", "Long-term credential realm (default: the host's FQDN)" },
  { "users-file", POSTERN_CONFIG_TYPE_PATH, "",
    "File of `user:0x<md5 key>` lines, mode 0600 (default: the plugin's state directory/" USERS_FILE_NAME ")" },
  { "auth-secrets", POSTERN_CONFIG_TYPE_STRING_LIST, "", "TURN REST API shared secrets, newest first" },
  { "relay-ip", POSTERN_CONFIG_TYPE_STRING_LIST, "",
    "Addresses relay sockets bind, at most one IPv4 and one IPv6 (default: the address the Allocate arrived on)",
    0, 0, validate_ip_list },
  { "external-ip", POSTERN_CONFIG_TYPE_STRING_LIST, "",
    "Public addresses advertised in XOR-RELAYED-ADDRESS: `PUBLIC` or `PUBLIC/PRIVATE` pairs",
    0, 0, validate_external },
  { "relay-ports", POSTERN_CONFIG_TYPE_STRING, "49152-65535", "Relay port range FIRST-LAST", 0, 0, validate_ports },
  { "allowed-peers", POSTERN_CONFIG_TYPE_STRING, "",
    "Networks relayed to even though they are special (the Conferencing Nodes' LAN), `;`-separated",
    0, 0, postern_cidr_list_validate },
  { "denied-peers", POSTERN_CONFIG_TYPE_STRING, "", "Networks never relayed to, `;`-separated",
    0, 0, postern_cidr_list_validate },
  { "user-quota", POSTERN_CONFIG_TYPE_INTEGER, "0", "Allocations per user (0: unlimited)", 0, 1000000 },
  { "total-quota", POSTERN_CONFIG_TYPE_INTEGER, "0", "Allocations in total (0: unlimited)", 0, 10000000 },
  { "max-bps", POSTERN_CONFIG_TYPE_INTEGER, "0", "Bytes per second per allocation, each way (0: unlimited)",
    0, G_GINT64_CONSTANT (1000000000000) },
  { "relay-threads", POSTERN_CONFIG_TYPE_INTEGER, "0",
    "Relay threads, each with its own listening socket (SO_REUSEPORT) and allocations "
    "(0: one per CPU posternd may run on); cannot change on reload", 0, TURN_MAX_RELAY_THREADS },
  { "nonce-lifetime", POSTERN_CONFIG_TYPE_DURATION, "600", "Seconds a NONCE stays valid", 1, 86400 },
  { "legacy-channels", POSTERN_CONFIG_TYPE_BOOLEAN, "false",
    "Also accept RFC 5766 channel numbers 0x5000-0x7FFF (coturn's turnutils_uclient picks from 0x4000-0x7FFF); "
    "RFC 8656 allows 0x4000-0x4FFF only" },
  { NULL }
};

static gboolean
parse_ip (const gchar *text, TurnAddr *out, GError **error)
{
  if (!turn_addr_parse (out, text, 0))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG, "'%s' is not an IP address", text);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_relay_ips (const gchar *value, TurnAddr relay_ip[2], GError **error)
{
  g_auto(GStrv) items = g_strsplit (value, ";", -1);

  memset (relay_ip, 0, 2 * sizeof (TurnAddr));
  for (guint i = 0; items[i] != NULL; i++)
    {
      TurnAddr addr;
      const gchar *item = g_strstrip (items[i]);
      guint slot;

      if (item[0] == '\0')
        continue;
      if (!parse_ip (item, &addr, error))
        return FALSE;
      slot = addr.family == AF_INET ? 0 : 1;
      if (relay_ip[slot].family != 0)
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                       "more than one %s relay address", slot == 0 ? "IPv4" : "IPv6");
          return FALSE;
        }
      relay_ip[slot] = addr;
    }
  return TRUE;
}

static gboolean
validate_ip_list (const gchar *value, GError **error)
{
  TurnAddr relay_ip[2];

  return parse_relay_ips (value, relay_ip, error);
}

static gboolean
parse_external (const gchar *value, TurnExternal *out, guint *n_out, GError **error)
{
  g_auto(GStrv) items = g_strsplit (value, ";", -1);
  guint n = 0;

  for (guint i = 0; items[i] != NULL; i++)
    {
      g_auto(GStrv) pair = NULL;
      const gchar *item = g_strstrip (items[i]);

      if (item[0] == '\0')
        continue;
      if (n == TURN_MAX_EXTERNAL)
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                       "more than %d external addresses", TURN_MAX_EXTERNAL);
          return FALSE;
        }
      pair = g_strsplit (item, "/", 2);
      memset (&out[n], 0, sizeof out[n]);
      if (!parse_ip (pair[0], &out[n].public_ip, error) ||
          (pair[1] != NULL && !parse_ip (pair[1], &out[n].private_ip, error)))
        return FALSE;
      if (pair[1] != NULL && out[n].public_ip.family != out[n].private_ip.family)
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                       "'%s' pairs addresses of different families", item);
          return FALSE;
        }
      n++;
    }
  *n_out = n;
  return TRUE;
}

static gboolean
validate_external (const gchar *value, GError **error)
{
  TurnExternal external[TURN_MAX_EXTERNAL];
  guint n;

  return parse_external (value, external, &n, error);
}

static gboolean
validate_ports (const gchar *value, GError **error)
{
  guint16 first, last;

  return turn_port_pool_parse_range (value, &first, &last, error);
}

/* A missing users file is an empty one: `posternctl turn user add` creates it. */
TurnUsers *
turn_settings_load_users (const gchar  *users_file,
                          GError      **error)
{
  g_autoptr(GError) local = NULL;
  TurnUsers *users = turn_users_file_load (users_file, &local);

  if (users != NULL)
    return users;
  if (!g_error_matches (local, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  return turn_users_parse ("", 0, users_file, error);
}

TurnCredentials *
turn_settings_load_credentials (const gchar         *realm,
                                const gchar         *users_file,
                                const gchar * const *secrets,
                                GError             **error)
{
  g_autoptr(TurnUsers) users = turn_settings_load_users (users_file, error);

  if (users == NULL)
    return NULL;
  return turn_credentials_new (realm, users, secrets);
}

static gchar *
join_list (PosternConfig *config, const gchar *key)
{
  g_auto(GStrv) items = postern_config_get_string_list (config, key);

  return g_strjoinv (";", items);
}

TurnSettings *
turn_settings_new (PosternConfig *config,
                   const gchar   *default_realm,
                   const gchar   *state_dir,
                   GError       **error)
{
  g_autoptr(TurnSettings) self = g_new0 (TurnSettings, 1);
  g_autofree gchar *relay_ips = join_list (config, "relay-ip");
  g_autofree gchar *external = join_list (config, "external-ip");
  const gchar *realm = postern_config_get_string (config, "realm");
  const gchar *users_file = postern_config_get_string (config, "users-file");

  self->listen = postern_config_get_address_list (config, "listen");
  if (self->listen->len == 0)
    {
      g_set_error_literal (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG, "listen: no address");
      return NULL;
    }
  self->realm = g_strdup (realm != NULL && realm[0] != '\0' ? realm : default_realm);
  if (self->realm == NULL || self->realm[0] == '\0' || strlen (self->realm) > TURN_MAX_NAME_LEN)
    {
      g_set_error_literal (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG, "realm: empty or too long");
      return NULL;
    }
  if (users_file != NULL && users_file[0] != '\0')
    self->users_file = g_strdup (users_file);
  else if (state_dir != NULL)
    self->users_file = g_build_filename (state_dir, USERS_FILE_NAME, NULL);
  else
    {
      g_set_error_literal (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                           "users-file: not set and no state directory");
      return NULL;
    }
  self->secrets = postern_config_get_string_list (config, "auth-secrets");
  self->credentials = turn_settings_load_credentials (self->realm, self->users_file,
                                                      (const gchar * const *) self->secrets, error);
  if (self->credentials == NULL)
    return NULL;
  if (!parse_relay_ips (relay_ips, self->relay_ip, error))
    {
      g_prefix_error (error, "relay-ip: ");
      return NULL;
    }
  if (!parse_external (external, self->external, &self->n_external, error))
    {
      g_prefix_error (error, "external-ip: ");
      return NULL;
    }
  if (!turn_port_pool_parse_range (postern_config_get_string (config, "relay-ports"),
                                   &self->first_port, &self->last_port, error))
    {
      g_prefix_error (error, "relay-ports: ");
      return NULL;
    }
  self->policy = turn_peer_policy_new_from_text (postern_config_get_string (config, "allowed-peers"),
                                                 postern_config_get_string (config, "denied-peers"), error);
  if (self->policy == NULL)
    return NULL;
  self->user_quota = (guint) postern_config_get_integer (config, "user-quota");
  self->total_quota = (guint) postern_config_get_integer (config, "total-quota");
  self->max_bps = (guint64) postern_config_get_integer (config, "max-bps");
  self->relay_threads = (guint) postern_config_get_integer (config, "relay-threads");
  if (self->relay_threads == 0)
    self->relay_threads = MIN (g_get_num_processors (), TURN_MAX_RELAY_THREADS);
  self->nonce_lifetime = postern_config_get_integer (config, "nonce-lifetime");
  self->max_channel = postern_config_get_boolean (config, "legacy-channels") ? TURN_CHANNEL_MAX_LEGACY
                                                                             : TURN_CHANNEL_MAX;
  return g_steal_pointer (&self);
}

void
turn_settings_free (TurnSettings *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->listen, g_ptr_array_unref);
  g_free (self->realm);
  g_free (self->users_file);
  g_strfreev (self->secrets);
  g_clear_pointer (&self->credentials, turn_credentials_unref);
  g_clear_pointer (&self->policy, turn_peer_policy_unref);
  g_free (self);
}

/* The address a client is told for @relayed: the matching external-ip
 * (a PUBLIC/PRIVATE pair for this address first, then a plain PUBLIC of the
 * same family), else @relayed itself. */
void
turn_settings_advertise (const TurnSettings *self,
                         const TurnAddr     *relayed,
                         TurnAddr           *out)
{
  const TurnExternal *plain = NULL;

  *out = *relayed;
  for (guint i = 0; i < self->n_external; i++)
    {
      const TurnExternal *e = &self->external[i];
      if (e->public_ip.family != relayed->family)
        continue;
      if (e->private_ip.family == 0)
        {
          if (plain == NULL)
            plain = e;
        }
      else if (turn_addr_ip_equal (&e->private_ip, relayed))
        {
          plain = e;
          break;
        }
    }
  if (plain != NULL)
    {
      memcpy (out->ip, plain->public_ip.ip, sizeof out->ip);
    }
}
