/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <postern.h>

#include "stun-responder.h"

G_BEGIN_DECLS

/* The plugin's sockets: UDP and TCP listeners and the RFC 5780 pairing,
 * applied from a config as one transaction. */
typedef struct _StunListeners StunListeners;

StunListeners *stun_listeners_new          (PosternContext   *context);
void           stun_listeners_free         (StunListeners    *self);
gboolean       stun_listeners_apply        (StunListeners    *self,
                                            PosternConfig    *config,
                                            GError          **error);
void           stun_listeners_get_counters (StunListeners    *self,
                                            StunCounters     *out);
gchar        **stun_listeners_describe     (StunListeners    *self);
gsize          stun_listeners_respond      (StunListeners    *self,
                                            const guint8     *data,
                                            gsize             len,
                                            gconstpointer     peer,
                                            gsize             peer_len,
                                            gconstpointer     local,
                                            gsize             local_len,
                                            guint8           *out,
                                            gsize             capacity);

G_END_DECLS
