/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdio.h>
#include <postern.h>

G_BEGIN_DECLS

/* The old appliance's access log line (nginx's format, see the README),
 * with the values of code, state, token, pin and data redacted. */
gchar *proxy_log_redact (const gchar *text);
void   proxy_log_write  (FILE                *file,
                         PosternHttpExchange *exchange,
                         guint                status,
                         guint64              bytes_sent,
                         const gchar         *upstream,
                         guint                upstream_status,
                         gdouble              upstream_time);

G_END_DECLS
