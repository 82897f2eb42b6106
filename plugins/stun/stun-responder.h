/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <postern.h>

G_BEGIN_DECLS

typedef struct {
  guint64 requests;
  guint64 responses;
  guint64 errors;
  guint64 malformed;
} StunCounters;

typedef struct {
  /* SOFTWARE to send, or NULL for none (the default: no optional attributes) */
  const gchar *software;
  /* the RFC 5780 partner address of the listener, or NULL when there is none */
  const PosternStunAddress *other;
} StunResponderConfig;

gsize stun_respond (const StunResponderConfig *cfg,
                    const guint8              *request,
                    gsize                      len,
                    const PosternStunAddress  *peer,
                    const PosternStunAddress  *local,
                    guint8                    *out,
                    gsize                      capacity,
                    StunCounters              *counters,
                    gboolean                  *from_other);

G_END_DECLS
