/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ChannelData over UDP for every channel number TURN_CHANNEL_MIN to
 * TURN_CHANNEL_MAX_LEGACY (RFC 5766's range, for `legacy-channels`; the
 * codec's helpers stop at RFC 8656's 0x4FFF). Padding after the payload is allowed on input and never
 * written. */
#define TURN_CHANNEL_DATA_HEADER 4

gboolean turn_channel_data_parse (const guint8  *data,
                                  gsize          len,
                                  guint16       *number,
                                  const guint8 **payload,
                                  gsize         *payload_len);
gsize    turn_channel_data_build (guint8        *out,
                                  gsize          capacity,
                                  guint16        number,
                                  const guint8  *payload,
                                  gsize          payload_len);

G_END_DECLS
