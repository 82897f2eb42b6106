/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(POSTERN_INSIDE) && !defined(POSTERN_COMPILATION)
#error "Only <postern.h> can be included directly."
#endif

#include "postern-config.h"
#include "postern-context.h"
#include "postern-version.h"

G_BEGIN_DECLS

/**
 * SECTION:postern-plugin
 * @title: Plugins
 * @short_description: the descriptor a plugin exports
 *
 * A plugin is a shared object that exports exactly one symbol,
 * `postern_plugin_descriptor`, a #PosternPluginDescriptor. Define it with
 * POSTERN_PLUGIN_DEFINE():
 *
 * |[<!-- language="C" -->
 * static const PosternConfigKey keys[] = {
 *   { "greeting", POSTERN_CONFIG_TYPE_STRING, "hello", "What to say at start" },
 *   { NULL }
 * };
 *
 * POSTERN_PLUGIN_DEFINE (
 *   .name = "hello",
 *   .version = "1.0",
 *   .description = "Says hello",
 *   .config_keys = keys,
 *   .start = hello_start,
 *   .reload = hello_reload,
 *   .stop = hello_stop,
 * );
 * ]|
 *
 * The daemon looks the file up as `NAME.so` in its plugin directory, where
 * NAME is the drop-in group (`[hello]`) and must equal the descriptor's name.
 */

/**
 * POSTERN_PLUGIN_DESCRIPTOR_SYMBOL:
 *
 * The name of the one symbol a plugin exports.
 */
#define POSTERN_PLUGIN_DESCRIPTOR_SYMBOL "postern_plugin_descriptor"

/**
 * PosternPluginStartFunc:
 * @context: the plugin's context; its config is the validated configuration
 * @error: return location for an error
 *
 * Starts the plugin: binds its sockets, subscribes to events, exports its
 * D-Bus objects.
 *
 * Returns: the plugin's private state (never %NULL on success), or %NULL
 *   with @error set
 */
typedef gpointer (*PosternPluginStartFunc) (PosternContext  *context,
                                            GError         **error);

/**
 * PosternPluginReloadFunc:
 * @plugin: the state returned by start
 * @context: the plugin's context, still holding the old config
 * @new_config: the new, validated configuration
 * @error: return location for an error
 *
 * Applies a new configuration without dropping live sessions. On %FALSE the
 * plugin must be left exactly as it was; the daemon keeps the old config.
 *
 * Returns: %TRUE if @new_config was applied
 */
typedef gboolean (*PosternPluginReloadFunc) (gpointer         plugin,
                                             PosternContext  *context,
                                             PosternConfig   *new_config,
                                             GError         **error);

/**
 * PosternPluginStopFunc:
 * @plugin: the state returned by start
 * @context: the plugin's context
 *
 * Stops the plugin and frees @plugin. A plugin that needs time to drain calls
 * postern_context_hold() before returning and postern_context_release() when
 * done, no later than postern_context_get_stop_deadline().
 */
typedef void (*PosternPluginStopFunc) (gpointer        plugin,
                                       PosternContext *context);

/**
 * PosternPluginDescriptor:
 * @abi_major: must be %POSTERN_PLUGIN_ABI_MAJOR (set by POSTERN_PLUGIN_DEFINE())
 * @abi_minor: %POSTERN_PLUGIN_ABI_MINOR at build time (set by POSTERN_PLUGIN_DEFINE())
 * @name: the plugin's name, as used for its drop-in group and file name
 * @version: the plugin's own version
 * @description: one line saying what it does
 * @config_keys: the keys it accepts, ending with a %NULL name; `enabled` is implicit
 * @start_after: (nullable) (array zero-terminated=1): plugins that must start first, when loaded
 * @start: the start hook
 * @reload: (nullable): the reload hook; %NULL refuses every change
 * @stop: the stop hook
 *
 * What a plugin exports. Fields are only ever appended; a daemon reads only
 * the fields that existed at the plugin's @abi_minor.
 */
typedef struct {
  guint32 abi_major;
  guint32 abi_minor;
  const gchar *name;
  const gchar *version;
  const gchar *description;
  const PosternConfigKey *config_keys;
  const gchar *const *start_after;
  PosternPluginStartFunc start;
  PosternPluginReloadFunc reload;
  PosternPluginStopFunc stop;
  /*< private >*/
  gpointer padding[8];
} PosternPluginDescriptor;

/**
 * POSTERN_PLUGIN_DEFINE:
 * @...: designated initializers for the remaining #PosternPluginDescriptor fields
 *
 * Defines and exports the plugin's descriptor with the ABI version of the
 * headers it is built against.
 */
#define POSTERN_PLUGIN_DEFINE(...) \
  G_MODULE_EXPORT const PosternPluginDescriptor postern_plugin_descriptor = { \
    .abi_major = POSTERN_PLUGIN_ABI_MAJOR, \
    .abi_minor = POSTERN_PLUGIN_ABI_MINOR, \
    __VA_ARGS__ \
  }

G_END_DECLS
