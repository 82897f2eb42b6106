/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "proxy-shared.h"

G_BEGIN_DECLS

/* Forwards one client request to a node and streams the answer back. */
void proxy_forward_start (ProxyShared         *shared,
                          PosternHttpExchange *exchange);
/* Ends every request in flight (the plugin stops). */
void proxy_forward_end_all (ProxyShared *shared);
/* The array that keeps @shared's spare forwards; frees them when freed. */
GPtrArray *proxy_forward_spares_new (void);

G_END_DECLS
