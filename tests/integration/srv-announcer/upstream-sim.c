/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test plugin standing in for the https-proxy's health checks: publishes
 * `upstream.state` for each `node:state` in its `nodes` key, at start and
 * on every reload. */
#include <postern.h>

static const PosternConfigKey sim_keys[] = {
  { "nodes", POSTERN_CONFIG_TYPE_STRING_LIST, "", "node:state pairs to publish" },
  { NULL }
};

static void
publish (PosternContext *context, PosternConfig *config)
{
  g_auto(GStrv) nodes = postern_config_get_string_list (config, "nodes");

  for (gsize i = 0; nodes != NULL && nodes[i] != NULL; i++) {
    g_auto(GStrv) parts = g_strsplit (nodes[i], ":", 2);

    if (g_strv_length (parts) != 2)
      continue;
    postern_event_bus_publish (postern_context_get_event_bus (context), POSTERN_EVENT_UPSTREAM_STATE,
                               g_variant_new ("(sss)", parts[0], parts[1], "upstream-sim"));
  }
}

static gpointer
sim_start (PosternContext *context, GError **error)
{
  publish (context, postern_context_get_config (context));
  return context;
}

static gboolean
sim_reload (gpointer plugin, PosternContext *context, PosternConfig *new_config, GError **error)
{
  publish (context, new_config);
  return TRUE;
}

static void
sim_stop (gpointer plugin, PosternContext *context)
{
}

POSTERN_PLUGIN_DEFINE (
  .name = "upstream-sim",
  .version = "1.0",
  .description = "Test plugin publishing upstream.state",
  .config_keys = sim_keys,
  .start = sim_start,
  .reload = sim_reload,
  .stop = sim_stop,
);
