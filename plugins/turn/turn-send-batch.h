/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include "turn-addr.h"

G_BEGIN_DECLS

/* Datagrams queued for one socket, sent with one sendmmsg. Consecutive
 * datagrams to the same destination with the same size (the last of a run
 * may be shorter) become one UDP GSO send (UDP_SEGMENT): the kernel walks
 * its stack once per run instead of once per datagram. Queued data is
 * referenced, not copied: it must stay valid until turn_send_batch_flush.
 * Fixed size, nothing allocated per datagram. */
#define TURN_SEND_BATCH 64
#define TURN_GSO_MAX_SEGMENTS 64
#define TURN_GSO_MAX_BYTES 65000

typedef union {
  struct cmsghdr align;
  guint8 buf[CMSG_SPACE (sizeof (struct in6_pktinfo)) + CMSG_SPACE (sizeof (guint16))];
} TurnSendControl;

typedef struct {
  struct mmsghdr msgs[TURN_SEND_BATCH];
  struct iovec iov[TURN_SEND_BATCH];           /* segments, in order over msgs */
  struct sockaddr_storage dest[TURN_SEND_BATCH];
  TurnSendControl control[TURN_SEND_BATCH];
  TurnAddr source[TURN_SEND_BATCH];            /* family 0: the kernel picks */
  guint16 segment_size[TURN_SEND_BATCH];
  guint n_msgs;
  guint n_iov;
} TurnSendBatch;

gboolean turn_send_batch_gso_supported (void);
void     turn_send_batch_init     (TurnSendBatch          *self);
gboolean turn_send_batch_add      (TurnSendBatch          *self,
                                   gboolean                gso,
                                   const TurnAddr         *source,
                                   const struct sockaddr  *dest,
                                   socklen_t               dest_len,
                                   const guint8           *data,
                                   gsize                   len);
guint    turn_send_batch_flush    (TurnSendBatch          *self,
                                   gint                    fd);

G_END_DECLS
