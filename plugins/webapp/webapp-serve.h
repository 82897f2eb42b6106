/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <postern.h>

#include "webapp-cache.h"
#include "webapp-resolver.h"

G_BEGIN_DECLS

void webapp_serve (PosternContext *context, WebappResolver *resolver, WebappCache *cache, const gchar *prefix,
                   PosternHttpExchange *exchange);
void webapp_serve_redirect (PosternHttpExchange *exchange, const gchar *location);

G_END_DECLS
