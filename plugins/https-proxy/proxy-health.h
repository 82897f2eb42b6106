/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "proxy-shared.h"

G_BEGIN_DECLS

/* Active health checks: every interval each node gets a TLS handshake;
 * PROXY_HEALTH_FALL failures in a row mark it down, PROXY_HEALTH_RISE
 * successes bring it back up. */

#define PROXY_HEALTH_RISE 2
#define PROXY_HEALTH_FALL 2

typedef struct _ProxyHealth ProxyHealth;

ProxyHealth *proxy_health_new          (ProxyShared *shared);
void         proxy_health_set_interval (ProxyHealth *self,
                                        guint        interval_s);
void         proxy_health_free         (ProxyHealth *self);

G_END_DECLS
