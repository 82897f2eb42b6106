/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* One DNS request/answer exchange in the main loop: UDP with retransmission
 * and a doubling timeout, then TCP when the answer is truncated. Stray and
 * mismatched datagrams are ignored. */
void    srv_exchange_async  (GInetSocketAddress  *server,
                             GBytes              *request,
                             guint16              id,
                             guint                first_timeout_ms,
                             guint                attempts,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data);
GBytes *srv_exchange_finish (GAsyncResult        *result,
                             gboolean            *used_tcp,
                             GError             **error);

G_END_DECLS
