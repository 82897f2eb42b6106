/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* https-proxy: the reverse proxy in front of the Conferencing Nodes.
 * Claims its paths (default "/", so longer prefixes of other plugins such
 * as /webapp/ win) on the daemon's HTTPS front and forwards each request to
 * one configured node over HTTPS. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <postern.h>

#include "proxy-dbus.h"
#include "proxy-forward.h"
#include "proxy-health.h"
#include "proxy-shared.h"

#define TOKEN_SWEEP_S 60

typedef struct {
  ProxyShared shared;
  GArray *handler_ids;   /* guint */
  GPtrArray *old_creds;  /* credentials of earlier configs, still used by live sessions */
  ProxyHealth *health;
  ProxyDbus *dbus;
  guint sweep_id;
} ProxyPlugin;

static gboolean
validate_nodes (const gchar *value, GError **error)
{
  g_autoptr(GPtrArray) nodes = NULL;

  return proxy_nodes_parse_list (value, &nodes, error);
}

static gboolean
parse_balance (const gchar *value, ProxyBalance *balance, GError **error)
{
  if (g_str_equal (value, "token"))
    *balance = PROXY_BALANCE_TOKEN;
  else if (g_str_equal (value, "round-robin"))
    *balance = PROXY_BALANCE_ROUND_ROBIN;
  else if (g_str_equal (value, "ip-hash"))
    *balance = PROXY_BALANCE_IP_HASH;
  else {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "balance must be token, round-robin or ip-hash, not '%s'", value);
    return FALSE;
  }
  return TRUE;
}

static gboolean
validate_balance (const gchar *value, GError **error)
{
  ProxyBalance balance;

  return parse_balance (value, &balance, error);
}

static gboolean
validate_paths (const gchar *value, GError **error)
{
  g_auto(GStrv) paths = g_strsplit (value, ";", -1);

  for (gsize i = 0; paths[i] != NULL; i++) {
    const gchar *p = g_strstrip (paths[i]);
    if (p[0] != '\0' && p[0] != '/') {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "path prefix '%s' must start with /", p);
      return FALSE;
    }
  }
  return TRUE;
}

static const PosternConfigKey proxy_keys[] = {
  { "nodes", POSTERN_CONFIG_TYPE_STRING, "", "Conferencing Nodes, HOST[:PORT] separated by ; (port 443 by default)",
    0, 0, validate_nodes },
  { "balance", POSTERN_CONFIG_TYPE_STRING, "token", "token, round-robin or ip-hash", 0, 0, validate_balance },
  { "paths", POSTERN_CONFIG_TYPE_STRING_LIST, "/", "Path prefixes proxied", 0, 0, validate_paths },
  { "upstream-ca", POSTERN_CONFIG_TYPE_PATH, "", "PEM file of CAs the nodes' certificates must chain to (empty: no check)" },
  { "max-fails", POSTERN_CONFIG_TYPE_INTEGER, "3", "Failures within fail-timeout marking a node down (0: never)", 0,
    1000 },
  { "fail-timeout", POSTERN_CONFIG_TYPE_DURATION, "10", "Failure window and time a failed node stays down", 1, 86400 },
  { "health-interval", POSTERN_CONFIG_TYPE_DURATION, "10", "Seconds between active probes of each node (0: none)", 0,
    86400 },
  { "stream-idle-timeout", POSTERN_CONFIG_TYPE_DURATION, "3600", "Seconds a node may stay silent in an answer", 1,
    7 * 86400 },
  { "connect-timeout", POSTERN_CONFIG_TYPE_DURATION, "20", "Seconds to connect and shake hands with a node", 1, 600 },
  { "max-body-size", POSTERN_CONFIG_TYPE_INTEGER, "15728640", "Largest request body in bytes (413 beyond; 0: none)", 0,
    G_MAXINT64 },
  { "access-log", POSTERN_CONFIG_TYPE_PATH, "", "Access log file (empty: none)" },
  { NULL }
};

static void
handle (PosternHttpExchange *exchange, gpointer user_data)
{
  ProxyPlugin *self = user_data;

  proxy_forward_start (&self->shared, exchange);
}

static void
state_changed (ProxyNode *node, const gchar *reason, gpointer user_data)
{
  ProxyPlugin *self = user_data;
  const gchar *state = proxy_node_state_to_string (node->state);

  postern_message (self->shared.context, "node %s is %s: %s", node->name, state, reason);
  postern_event_bus_publish (postern_context_get_event_bus (self->shared.context), POSTERN_EVENT_UPSTREAM_STATE,
                             g_variant_new ("(sss)", node->name, state, reason));
}

static gboolean
sweep_cb (gpointer user_data)
{
  ProxyPlugin *self = user_data;

  proxy_nodes_expire_tokens (self->shared.nodes);
  return G_SOURCE_CONTINUE;
}

/* Everything a config decides that can fail, prepared before any of it
 * is applied so a bad reload changes nothing. */
typedef struct {
  GPtrArray *nodes;
  ProxyBalance balance;
  gnutls_certificate_credentials_t creds;
  FILE *access_log;
} Prepared;

static void
prepared_clear (Prepared *p)
{
  g_clear_pointer (&p->nodes, g_ptr_array_unref);
  if (p->creds != NULL)
    gnutls_certificate_free_credentials (p->creds);
  p->creds = NULL;
  if (p->access_log != NULL)
    fclose (p->access_log);
  p->access_log = NULL;
}

static gboolean
prepare (PosternConfig *config, Prepared *p, GError **error)
{
  const gchar *ca = postern_config_get_string (config, "upstream-ca");
  const gchar *log = postern_config_get_string (config, "access-log");

  if (!proxy_nodes_parse_list (postern_config_get_string (config, "nodes"), &p->nodes, error) ||
      !parse_balance (postern_config_get_string (config, "balance"), &p->balance, error))
    return FALSE;
  gnutls_certificate_allocate_credentials (&p->creds);
  if (ca[0] != '\0' && gnutls_certificate_set_x509_trust_file (p->creds, ca, GNUTLS_X509_FMT_PEM) <= 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "upstream-ca %s holds no usable certificate", ca);
    return FALSE;
  }
  if (log[0] != '\0') {
    p->access_log = fopen (log, "ae");
    if (p->access_log == NULL) {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "access-log %s: %s", log, g_strerror (errno));
      return FALSE;
    }
  }
  return TRUE;
}

static void
apply (ProxyPlugin *self, PosternConfig *config, Prepared *p)
{
  ProxyShared *s = &self->shared;

  proxy_nodes_set_list (s->nodes, p->nodes);
  s->nodes->balance = p->balance;
  s->nodes->max_fails = (guint) postern_config_get_integer (config, "max-fails");
  s->nodes->fail_timeout_s = (guint) postern_config_get_integer (config, "fail-timeout");
  if (s->creds != NULL)
    g_ptr_array_add (self->old_creds, s->creds);
  /* A session resumes without a certificate check: none outlives a change
   * of trust settings. */
  proxy_nodes_forget_sessions (s->nodes);
  s->creds = g_steal_pointer (&p->creds);
  s->verify = postern_config_get_string (config, "upstream-ca")[0] != '\0';
  s->max_body = (guint64) postern_config_get_integer (config, "max-body-size");
  s->idle_timeout_s = (guint) postern_config_get_integer (config, "stream-idle-timeout");
  s->connect_timeout_s = (guint) postern_config_get_integer (config, "connect-timeout");
  if (s->access_log != NULL)
    fclose (s->access_log);
  s->access_log = g_steal_pointer (&p->access_log);
  proxy_health_set_interval (self->health, (guint) postern_config_get_integer (config, "health-interval"));
  if (self->dbus != NULL)
    proxy_dbus_refresh (self->dbus);
}

static void
remove_handlers (ProxyPlugin *self)
{
  for (guint i = 0; i < self->handler_ids->len; i++)
    postern_context_remove_http_handler (self->shared.context, g_array_index (self->handler_ids, guint, i));
  g_array_set_size (self->handler_ids, 0);
}

static gboolean
add_handlers (ProxyPlugin *self, PosternConfig *config, GError **error)
{
  g_auto(GStrv) paths = postern_config_get_string_list (config, "paths");

  for (gsize i = 0; paths[i] != NULL; i++) {
    guint id;
    if (paths[i][0] == '\0')
      continue;
    id = postern_context_add_http_handler (self->shared.context, paths[i], handle, self, NULL, error);
    if (id == 0)
      return FALSE;
    postern_context_allow_http_upgrades (self->shared.context, id);
    g_array_append_val (self->handler_ids, id);
  }
  return TRUE;
}

static void
free_creds (gpointer creds)
{
  gnutls_certificate_free_credentials (creds);
}

static void
proxy_plugin_free (ProxyPlugin *self)
{
  remove_handlers (self);
  proxy_forward_end_all (&self->shared);
  g_ptr_array_unref (self->shared.spare_forwards);
  g_clear_handle_id (&self->sweep_id, g_source_remove);
  g_clear_pointer (&self->dbus, proxy_dbus_free);
  g_clear_pointer (&self->health, proxy_health_free);
  g_clear_pointer (&self->shared.nodes, proxy_nodes_free);
  /* Last: the node connections freed above were on it. */
  g_clear_pointer (&self->shared.loop, proxy_loop_free);
  if (self->shared.access_log != NULL)
    fclose (self->shared.access_log);
  if (self->shared.creds != NULL)
    gnutls_certificate_free_credentials (self->shared.creds);
  g_ptr_array_unref (self->old_creds);
  g_array_unref (self->handler_ids);
  g_free (self);
}

static gpointer
proxy_start (PosternContext *context, GError **error)
{
  PosternConfig *config = postern_context_get_config (context);
  ProxyPlugin *self = g_new0 (ProxyPlugin, 1);
  Prepared p = { 0 };

  self->shared.context = context;
  self->shared.loop = proxy_loop_new (error);
  if (self->shared.loop == NULL) {
    g_free (self);
    return NULL;
  }
  self->shared.nodes = proxy_nodes_new ();
  g_queue_init (&self->shared.forwards);
  self->shared.spare_forwards = proxy_forward_spares_new ();
  self->shared.nodes->state_func = state_changed;
  self->shared.nodes->state_data = self;
  self->handler_ids = g_array_new (FALSE, FALSE, sizeof (guint));
  self->old_creds = g_ptr_array_new_with_free_func (free_creds);
  self->health = proxy_health_new (&self->shared);
  if (!prepare (config, &p, error)) {
    prepared_clear (&p);
    proxy_plugin_free (self);
    return NULL;
  }
  apply (self, config, &p);
  prepared_clear (&p);
  self->dbus = proxy_dbus_new (&self->shared, error);
  if (self->dbus == NULL || !add_handlers (self, config, error)) {
    proxy_plugin_free (self);
    return NULL;
  }
  self->sweep_id = g_timeout_add_seconds (TOKEN_SWEEP_S, sweep_cb, self);
  if (self->shared.nodes->nodes->len == 0)
    postern_warning (context, "no nodes configured: every request gets 503");
  return self;
}

static gboolean
proxy_reload (gpointer plugin, PosternContext *context, PosternConfig *new_config, GError **error)
{
  ProxyPlugin *self = plugin;
  Prepared p = { 0 };

  if (!prepare (new_config, &p, error)) {
    prepared_clear (&p);
    return FALSE;
  }
  if (postern_config_key_changed (postern_context_get_config (context), new_config, "paths")) {
    remove_handlers (self);
    if (!add_handlers (self, new_config, error)) {
      /* Back to the paths that worked. */
      remove_handlers (self);
      add_handlers (self, postern_context_get_config (context), NULL);
      prepared_clear (&p);
      return FALSE;
    }
  }
  /* The token table is kept: sessions stay on their nodes across reloads. */
  apply (self, new_config, &p);
  prepared_clear (&p);
  return TRUE;
}

static void
proxy_stop (gpointer plugin, PosternContext *context)
{
  proxy_plugin_free (plugin);
}

POSTERN_PLUGIN_DEFINE (
  .name = "https-proxy",
  .version = "1.0",
  .description = "HTTPS reverse proxy to the Conferencing Nodes",
  .config_keys = proxy_keys,
  .start = proxy_start,
  .reload = proxy_reload,
  .stop = proxy_stop,
);
