/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "proxy-shared.h"

G_BEGIN_DECLS

/* org.postern.Postern1.HttpsProxy: the node table, live add/remove/drain. */
typedef struct _ProxyDbus ProxyDbus;

ProxyDbus *proxy_dbus_new     (ProxyShared  *shared,
                               GError      **error);
void       proxy_dbus_refresh (ProxyDbus *self);
void       proxy_dbus_free    (ProxyDbus *self);

G_END_DECLS
