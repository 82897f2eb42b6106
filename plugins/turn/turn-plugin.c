/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* turn.so: the TURN relay (RFC 8656 over UDP) with STUN Binding on the same
 * port. Settings in turn-settings.c, protocol in turn-requests.c, relay
 * sockets in turn-relay.c, D-Bus in turn-dbus.c. */
#include <postern.h>

#include "turn-dbus.h"
#include "turn-server.h"

typedef struct {
  TurnServer *server;
  PosternDBusTurn *skeleton;
} TurnPlugin;

static TurnSettings *
load_settings (PosternContext *context, PosternConfig *config, GError **error)
{
  g_autoptr(GError) no_state = NULL;
  const gchar *state_dir = postern_context_get_state_dir (context, &no_state);

  return turn_settings_new (config, postern_context_get_fqdn (context), state_dir, error);
}

static gpointer
turn_start (PosternContext *context, GError **error)
{
  TurnSettings *settings = load_settings (context, postern_context_get_config (context), error);
  TurnPlugin *plugin;
  TurnServer *server;

  if (settings == NULL)
    return NULL;
  server = turn_server_new (context, settings, error);
  if (server == NULL)
    return NULL;
  plugin = g_new0 (TurnPlugin, 1);
  plugin->server = server;
  plugin->skeleton = turn_dbus_new (server);
  if (!postern_context_export_interface (context, G_DBUS_INTERFACE_SKELETON (plugin->skeleton), error))
    {
      g_object_unref (plugin->skeleton);
      turn_server_free (plugin->server);
      g_free (plugin);
      return NULL;
    }
  postern_info (context, "realm %s, %u listener(s), %u relay thread(s), relay ports %u-%u", settings->realm,
                settings->listen->len, settings->relay_threads, settings->first_port, settings->last_port);
  return plugin;
}

static gboolean
turn_reload (gpointer plugin_data, PosternContext *context, PosternConfig *new_config, GError **error)
{
  TurnPlugin *plugin = plugin_data;
  TurnSettings *settings = load_settings (context, new_config, error);

  if (settings == NULL)
    return FALSE;
  if (!turn_server_apply (plugin->server, settings, error))
    {
      turn_settings_free (settings);
      return FALSE;
    }
  postern_dbus_turn_set_realm (plugin->skeleton, settings->realm);
  return TRUE;
}

static void
turn_stop (gpointer plugin_data, PosternContext *context)
{
  TurnPlugin *plugin = plugin_data;

  g_object_unref (plugin->skeleton);
  turn_server_free (plugin->server);
  g_free (plugin);
}

POSTERN_PLUGIN_DEFINE (
  .name = "turn",
  .version = "1.0",
  .description = "TURN relay (RFC 8656 over UDP) and STUN Binding",
  .config_keys = turn_config_keys,
  .start = turn_start,
  .reload = turn_reload,
  .stop = turn_stop,
);
