/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stun: the STUN Binding service (RFC 8489), so nodes and clients learn
 * their server-reflexive address.
 *
 * Keys of the [stun] group:
 *
 *   listen=ADDR:PORT;...        UDP listeners (default 0.0.0.0:3478;[::]:3478)
 *   listen-tcp=ADDR:PORT;...    TCP listeners (default none)
 *   software=TEXT               SOFTWARE attribute in responses (default none)
 *   alternate-listen=ADDR:PORT  RFC 5780 second address, one per family: it is
 *                               bound too and paired with the first listen
 *                               address of its family (default none)
 *
 * Example drop-in:
 *
 *   [stun]
 *   listen=192.0.2.10:3478;[2001:db8::10]:3478
 *   alternate-listen=192.0.2.11:3479
 *
 * Responses carry XOR-MAPPED-ADDRESS (MAPPED-ADDRESS for classic RFC 3489
 * clients) and FINGERPRINT when the request had one; nothing else unless
 * configured. Counters are on org.postern.Postern1.Stun.
 */
#include <postern.h>

#include "stun-dbus.h"
#include "stun-listeners.h"

typedef struct {
  PosternContext *context;
  StunListeners *listeners;
  StunDbusStun *skeleton;
  guint refresh_id;
} StunPlugin;

static gboolean
validate_software (const gchar *value, GError **error)
{
  if (strlen (value) > 127) {
    g_set_error_literal (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                         "software must be at most 127 bytes");
    return FALSE;
  }
  return TRUE;
}

/* One specific address per family: RFC 5780 clients are told this address
 * (OTHER-ADDRESS), so a wildcard would be meaningless to them. */
static gboolean
validate_alternate (const gchar *value, GError **error)
{
  g_auto(GStrv) items = g_strsplit (value, ";", -1);
  gboolean seen[2] = { FALSE, FALSE };

  for (guint i = 0; items[i] != NULL; i++) {
    g_autoptr(GInetSocketAddress) a = NULL;
    GInetAddress *ip;
    guint v6;
    g_strstrip (items[i]);
    if (items[i][0] == '\0')
      continue;
    a = postern_parse_address (items[i], 0, error);
    if (a == NULL)
      return FALSE;
    ip = g_inet_socket_address_get_address (a);
    v6 = g_inet_address_get_family (ip) == G_SOCKET_FAMILY_IPV6;
    if (g_inet_address_get_is_any (ip) || seen[v6]) {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                   "alternate-listen takes one specific (not wildcard) address per family");
      return FALSE;
    }
    seen[v6] = TRUE;
  }
  return TRUE;
}

static const PosternConfigKey stun_keys[] = {
  { "listen", POSTERN_CONFIG_TYPE_ADDRESS_LIST, "0.0.0.0:3478;[::]:3478", "UDP addresses to answer on" },
  { "listen-tcp", POSTERN_CONFIG_TYPE_ADDRESS_LIST, "", "TCP addresses to answer on" },
  { "software", POSTERN_CONFIG_TYPE_STRING, "", "SOFTWARE attribute to send; empty sends none",
    .validate = validate_software },
  { "alternate-listen", POSTERN_CONFIG_TYPE_ADDRESS_LIST, "",
    "RFC 5780 second address per family (OTHER-ADDRESS, CHANGE-REQUEST)",
    .validate = validate_alternate },
  { NULL }
};

static void
refresh_properties (StunPlugin *self)
{
  StunCounters c;
  g_auto(GStrv) names = stun_listeners_describe (self->listeners);

  stun_listeners_get_counters (self->listeners, &c);
  if (stun_dbus_stun_get_requests (self->skeleton) != c.requests)
    stun_dbus_stun_set_requests (self->skeleton, c.requests);
  if (stun_dbus_stun_get_responses (self->skeleton) != c.responses)
    stun_dbus_stun_set_responses (self->skeleton, c.responses);
  if (stun_dbus_stun_get_errors (self->skeleton) != c.errors)
    stun_dbus_stun_set_errors (self->skeleton, c.errors);
  if (stun_dbus_stun_get_malformed_dropped (self->skeleton) != c.malformed)
    stun_dbus_stun_set_malformed_dropped (self->skeleton, c.malformed);
  stun_dbus_stun_set_listeners (self->skeleton, (const gchar *const *) names);
}

static gboolean
on_refresh (gpointer user_data)
{
  refresh_properties (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_get_counters (StunDbusStun *skeleton, GDBusMethodInvocation *invocation, gpointer user_data)
{
  StunPlugin *self = user_data;
  StunCounters c;
  g_autoptr(GVariantBuilder) b = g_variant_builder_new (G_VARIANT_TYPE ("a{st}"));

  stun_listeners_get_counters (self->listeners, &c);
  g_variant_builder_add (b, "{st}", "requests", c.requests);
  g_variant_builder_add (b, "{st}", "responses", c.responses);
  g_variant_builder_add (b, "{st}", "errors", c.errors);
  g_variant_builder_add (b, "{st}", "malformed-dropped", c.malformed);
  stun_dbus_stun_complete_get_counters (skeleton, invocation, g_variant_builder_end (b));
  refresh_properties (self);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
stun_plugin_free (StunPlugin *self)
{
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_clear_pointer (&self->listeners, stun_listeners_free);
  g_clear_object (&self->skeleton);
  g_free (self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StunPlugin, stun_plugin_free)

static gpointer
stun_start (PosternContext *context, GError **error)
{
  g_autoptr(StunPlugin) self = g_new0 (StunPlugin, 1);
  g_auto(GStrv) names = NULL;

  self->context = context;
  self->listeners = stun_listeners_new (context);
  if (!stun_listeners_apply (self->listeners, postern_context_get_config (context), error))
    return NULL;
  self->skeleton = stun_dbus_stun_skeleton_new ();
  g_signal_connect (self->skeleton, "handle-get-counters", G_CALLBACK (on_get_counters), self);
  refresh_properties (self);
  if (!postern_context_export_interface (context, G_DBUS_INTERFACE_SKELETON (self->skeleton), error))
    return NULL;
  self->refresh_id = g_timeout_add_seconds (1, on_refresh, self);
  names = stun_listeners_describe (self->listeners);
  for (guint i = 0; names[i] != NULL; i++)
    postern_info (context, "answering STUN Binding on %s", names[i]);
  return g_steal_pointer (&self);
}

static gboolean
stun_reload (gpointer plugin, PosternContext *context, PosternConfig *new_config, GError **error)
{
  StunPlugin *self = plugin;

  if (!stun_listeners_apply (self->listeners, new_config, error))
    return FALSE;
  refresh_properties (self);
  return TRUE;
}

static void
stun_stop (gpointer plugin, PosternContext *context)
{
  stun_plugin_free (plugin);
}

POSTERN_PLUGIN_DEFINE (
  .name = "stun",
  .version = "1.0",
  .description = "STUN Binding service (RFC 8489) on UDP and TCP",
  .config_keys = stun_keys,
  .start = stun_start,
  .reload = stun_reload,
  .stop = stun_stop,
);
