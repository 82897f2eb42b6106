/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test plugin loaded as `turn`: only the `listen` key, so srv-announcer can
 * read a TURN configuration without a TURN server running. */
#include <postern.h>

static const PosternConfigKey sim_keys[] = {
  { "listen", POSTERN_CONFIG_TYPE_ADDRESS_LIST, "0.0.0.0:3478", "Addresses (never bound)" },
  { NULL }
};

static gpointer
sim_start (PosternContext *context, GError **error)
{
  return context;
}

static gboolean
sim_reload (gpointer plugin, PosternContext *context, PosternConfig *new_config, GError **error)
{
  return TRUE;
}

static void
sim_stop (gpointer plugin, PosternContext *context)
{
}

POSTERN_PLUGIN_DEFINE (
  .name = "turn",
  .version = "0.0",
  .description = "Test stand-in for the TURN plugin's configuration",
  .config_keys = sim_keys,
  .start = sim_start,
  .reload = sim_reload,
  .stop = sim_stop,
);
