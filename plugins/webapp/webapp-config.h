/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * WebappMountSpec:
 * @prefix: the URL prefix, e.g. "/webapp/" or "/acme/"
 * @overlay: (nullable): the branding directory searched before the base, or
 *   %NULL for the base tree itself
 *
 * One path the plugin serves, as the configuration asks for it.
 */
typedef struct {
  gchar *prefix;
  gchar *overlay;
} WebappMountSpec;

void webapp_mount_spec_free (WebappMountSpec *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WebappMountSpec, webapp_mount_spec_free)

gboolean webapp_config_check_path (const gchar *value, GError **error);
gboolean webapp_config_check_brandings (const gchar *value, GError **error);
GPtrArray *webapp_config_mounts (const gchar *path, const gchar *brandings, GError **error);

G_END_DECLS
