/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(POSTERN_INSIDE) && !defined(POSTERN_COMPILATION)
#error "Only <postern.h> can be included directly."
#endif

#include <gio/gio.h>

#include "postern-config.h"
#include "postern-event-bus.h"
#include "postern-http.h"

G_BEGIN_DECLS

#define POSTERN_TYPE_CONTEXT (postern_context_get_type ())
G_DECLARE_FINAL_TYPE (PosternContext, postern_context, POSTERN, CONTEXT, GObject)

const gchar     *postern_context_get_name            (PosternContext          *self);
PosternConfig   *postern_context_get_config          (PosternContext          *self);
PosternConfig   *postern_context_get_core_config     (PosternContext          *self);
PosternConfig   *postern_context_get_plugin_config   (PosternContext          *self,
                                                      const gchar             *name);
const gchar     *postern_context_get_fqdn            (PosternContext          *self);
PosternEventBus *postern_context_get_event_bus       (PosternContext          *self);
const gchar     *postern_context_get_state_dir       (PosternContext          *self,
                                                      GError                 **error);
GDBusConnection *postern_context_get_dbus_connection (PosternContext          *self);
const gchar     *postern_context_get_object_path     (PosternContext          *self);
gboolean         postern_context_export_interface    (PosternContext          *self,
                                                      GDBusInterfaceSkeleton  *interface_,
                                                      GError                 **error);
guint            postern_context_add_http_handler    (PosternContext          *self,
                                                      const gchar             *prefix,
                                                      PosternHttpHandler       handler,
                                                      gpointer                 user_data,
                                                      GDestroyNotify           destroy,
                                                      GError                 **error);
void             postern_context_remove_http_handler (PosternContext          *self,
                                                      guint                    id);
void             postern_context_log                 (PosternContext          *self,
                                                      GLogLevelFlags           level,
                                                      const gchar             *format,
                                                      ...) G_GNUC_PRINTF (3, 4);
void             postern_context_hold                (PosternContext          *self);
void             postern_context_release             (PosternContext          *self);
gint64           postern_context_get_stop_deadline   (PosternContext          *self);
gboolean         postern_context_allow_http_upgrades (PosternContext          *self,
                                                      guint                    id);

/**
 * postern_debug:
 * @ctx: a #PosternContext
 * @...: printf-style format and arguments
 *
 * Logs a debug message in the plugin's log domain.
 */
#define postern_debug(ctx, ...) postern_context_log ((ctx), G_LOG_LEVEL_DEBUG, __VA_ARGS__)
/**
 * postern_info:
 * @ctx: a #PosternContext
 * @...: printf-style format and arguments
 *
 * Logs an informational message in the plugin's log domain.
 */
#define postern_info(ctx, ...) postern_context_log ((ctx), G_LOG_LEVEL_INFO, __VA_ARGS__)
/**
 * postern_message:
 * @ctx: a #PosternContext
 * @...: printf-style format and arguments
 *
 * Logs a notice in the plugin's log domain.
 */
#define postern_message(ctx, ...) postern_context_log ((ctx), G_LOG_LEVEL_MESSAGE, __VA_ARGS__)
/**
 * postern_warning:
 * @ctx: a #PosternContext
 * @...: printf-style format and arguments
 *
 * Logs a warning in the plugin's log domain.
 */
#define postern_warning(ctx, ...) postern_context_log ((ctx), G_LOG_LEVEL_WARNING, __VA_ARGS__)

G_END_DECLS
