/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turn-channel-data.h"

#include <string.h>

#include "turn-allocation-table.h"

/* Returns FALSE unless @data is ChannelData (first two bits 01) whose
 * length field fits in @len. */
gboolean
turn_channel_data_parse (const guint8  *data,
                         gsize          len,
                         guint16       *number,
                         const guint8 **payload,
                         gsize         *payload_len)
{
  gsize length;

  if (len < TURN_CHANNEL_DATA_HEADER || (data[0] & 0xC0) != 0x40)
    return FALSE;
  length = ((gsize) data[2] << 8) | data[3];
  if (length > len - TURN_CHANNEL_DATA_HEADER)
    return FALSE;
  *number = (guint16) ((data[0] << 8) | data[1]);
  *payload = data + TURN_CHANNEL_DATA_HEADER;
  *payload_len = length;
  return TRUE;
}

/* Returns the framed size, or 0 if the number is out of range or it does
 * not fit. */
gsize
turn_channel_data_build (guint8       *out,
                         gsize         capacity,
                         guint16       number,
                         const guint8 *payload,
                         gsize         payload_len)
{
  if (number < TURN_CHANNEL_MIN || number > TURN_CHANNEL_MAX_LEGACY || payload_len > G_MAXUINT16 ||
      capacity < TURN_CHANNEL_DATA_HEADER + payload_len)
    return 0;
  out[0] = (guint8) (number >> 8);
  out[1] = (guint8) number;
  out[2] = (guint8) (payload_len >> 8);
  out[3] = (guint8) payload_len;
  memcpy (out + TURN_CHANNEL_DATA_HEADER, payload, payload_len);
  return TURN_CHANNEL_DATA_HEADER + payload_len;
}
