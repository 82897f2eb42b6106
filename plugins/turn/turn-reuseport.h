/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gboolean turn_reuseport_bind_group (GInetSocketAddress *address,
                                    guint               n,
                                    gint               *fds,
                                    GError            **error);

G_END_DECLS
