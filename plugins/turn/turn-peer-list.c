/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every XOR-PEER-ADDRESS of a request: the codec indexes only the first of
 * repeated attributes, RFC 8656 (section 10) lets CreatePermission carry
 * several. */
#include "turn-peer-list.h"

static gsize
counted_end (const PosternStunMessage *msg)
{
  gsize end = msg->size;

  /* only attributes before the integrity attributes and FINGERPRINT count */
  if (msg->integrity_offset != 0)
    end = MIN (end, msg->integrity_offset);
  if (msg->integrity_sha256_offset != 0)
    end = MIN (end, msg->integrity_sha256_offset);
  if (msg->fingerprint_offset != 0)
    end = MIN (end, msg->fingerprint_offset);
  return end;
}

/* Decodes the XOR-PEER-ADDRESS attributes of @msg (already parsed, so its
 * attribute framing is sound) into @peers in message order. Returns how
 * many, or -1 if one is malformed or there are more than @capacity. */
gint
turn_peer_list_collect (const PosternStunMessage *msg,
                        TurnAddr                 *peers,
                        guint                     capacity)
{
  gsize end = counted_end (msg);
  gsize at = POSTERN_STUN_HEADER_SIZE;
  guint n = 0;

  while (at + 4 <= end)
    {
      guint16 type = (guint16) ((msg->data[at] << 8) | msg->data[at + 1]);
      guint16 length = (guint16) ((msg->data[at + 2] << 8) | msg->data[at + 3]);

      if (at + 4 + length > end)
        return -1;
      if (type == POSTERN_STUN_ATTR_XOR_PEER_ADDRESS)
        {
          /* a one-attribute view, so the codec's checks and decoding apply */
          PosternStunMessage one = *msg;
          PosternStunAddress a;

          one.n_attrs = 1;
          one.attrs[0].type = type;
          one.attrs[0].length = length;
          one.attrs[0].offset = (guint32) (at + 4);
          if (n == capacity || !postern_stun_message_get_xor_address (&one, type, &a) ||
              !turn_addr_from_stun (&peers[n], &a))
            return -1;
          n++;
        }
      at += 4 + (((gsize) length + 3) & ~(gsize) 3);
    }
  return (gint) n;
}
