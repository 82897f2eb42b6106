/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One shard's listening socket (3478): requests and relayed data from
 * clients, a batch per recvmmsg. ChannelData and Send indications are
 * queued per relay socket and sent once the batch is read (sendmmsg, UDP
 * GSO for runs to one peer); replies leave in one sendmmsg from the address
 * each request arrived on. Served by the shard's relay thread with its
 * relay sockets. The shards' sockets on one address form a SO_REUSEPORT
 * group (turn-reuseport.c). */
#include "turn-listener.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "turn-relay.h"
#include "turn-send-batch.h"

#define LISTENER_BATCH 32
#define LISTENER_BATCHES_PER_WAKEUP 8
/* ChannelData up to the relay's payload limit plus its header */
#define LISTENER_MAX_DATAGRAM (TURN_RELAY_MAX_PAYLOAD + 64)

typedef union {
  struct cmsghdr align;
  guint8 buf[CMSG_SPACE (sizeof (struct in6_pktinfo))];
} PktinfoBuffer;

struct _TurnListener {
  TurnShard *shard;
  gint fd;
  TurnAddr bound;           /* the local address unless bound to a wildcard */
  gboolean wildcard;

  struct mmsghdr in[LISTENER_BATCH];
  struct iovec in_iov[LISTENER_BATCH];
  struct sockaddr_storage in_from[LISTENER_BATCH];
  PktinfoBuffer in_control[LISTENER_BATCH];
  guint8 in_buf[LISTENER_BATCH][LISTENER_MAX_DATAGRAM];
  guint8 reply_buf[LISTENER_BATCH][POSTERN_UDP_MAX_DATAGRAM];
  TurnSendBatch replies;
};

/* The local address @hdr arrived on: its packet info, or the bound one. */
static gboolean
local_address (TurnListener *self, struct msghdr *hdr, TurnAddr *local)
{
  if (!self->wildcard)
    {
      *local = self->bound;
      return TRUE;
    }
  for (struct cmsghdr *c = CMSG_FIRSTHDR (hdr); c != NULL; c = CMSG_NXTHDR (hdr, c))
    {
      memset (local, 0, sizeof *local);
      local->port = self->bound.port;
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
        {
          struct in_pktinfo info;
          memcpy (&info, CMSG_DATA (c), sizeof info);
          local->family = AF_INET;
          memcpy (local->ip, &info.ipi_addr, 4);
          return TRUE;
        }
      if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO)
        {
          struct in6_pktinfo info;
          memcpy (&info, CMSG_DATA (c), sizeof info);
          local->family = AF_INET6;
          memcpy (local->ip, &info.ipi6_addr, 16);
          return TRUE;
        }
    }
  return FALSE;
}

static guint
receive_batch (TurnListener *self)
{
  TurnShard *shard = self->shard;
  guint n_replies = 0;
  gint got;

  do
    got = recvmmsg (self->fd, self->in, LISTENER_BATCH, MSG_DONTWAIT, NULL);
  while (got < 0 && errno == EINTR);
  if (got <= 0)
    return 0;

  for (gint i = 0; i < got; i++)
    {
      struct msghdr *hdr = &self->in[i].msg_hdr;
      const guint8 *data = self->in_buf[i];
      gsize len = self->in[i].msg_len;
      TurnAddr client, local;
      gsize reply_len;

      if ((hdr->msg_flags & MSG_TRUNC) != 0 ||
          !turn_addr_from_sockaddr (&client, (struct sockaddr *) &self->in_from[i], hdr->msg_namelen) ||
          !local_address (self, hdr, &local))
        {
          shard->stats.dropped++;
          continue;
        }
      /* anything but ChannelData may change allocations: what is queued
       * for relay sockets goes first */
      if (len == 0 || (data[0] & 0xC0) != 0x40)
        turn_relay_flush_to_peers (shard);
      reply_len = turn_server_handle (shard, self->fd, data, len, &client, &local, self->reply_buf[n_replies],
                                      sizeof self->reply_buf[n_replies]);
      if (reply_len == 0)
        continue;
      turn_send_batch_add (&self->replies, FALSE, self->wildcard ? &local : NULL,
                           (struct sockaddr *) &self->in_from[i], hdr->msg_namelen, self->reply_buf[n_replies],
                           reply_len);
      n_replies++;
    }
  /* the headers stay set up between batches but for the lengths recvmmsg
   * shortened to what it filled in */
  for (gint i = 0; i < got; i++)
    {
      self->in[i].msg_hdr.msg_namelen = sizeof self->in_from[i];
      if (self->wildcard)
        self->in[i].msg_hdr.msg_controllen = sizeof self->in_control[i].buf;
    }
  turn_relay_flush_to_peers (shard);
  if (n_replies > 0)
    shard->stats.dropped += turn_send_batch_flush (&self->replies, self->fd);
  return (guint) got;
}

static void
on_readable (gint fd, gpointer user_data)
{
  TurnListener *self = user_data;

  for (guint b = 0; b < LISTENER_BATCHES_PER_WAKEUP; b++)
    if (receive_batch (self) < LISTENER_BATCH)
      break;
}

/* Serves @fd (one of turn_reuseport_bind_group's, owned from here on) in
 * @shard's relay thread. */
TurnListener *
turn_listener_new (TurnShard  *shard,
                   gint        fd,
                   GError    **error)
{
  TurnListener *self = g_new0 (TurnListener, 1);
  struct sockaddr_storage native;
  socklen_t native_len = sizeof native;

  self->shard = shard;
  self->fd = fd;
  if (getsockname (fd, (struct sockaddr *) &native, &native_len) != 0 ||
      !turn_addr_from_sockaddr (&self->bound, (struct sockaddr *) &native, native_len))
    {
      g_set_error_literal (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG, "unusable listen address");
      turn_listener_free (self);
      return NULL;
    }
  self->wildcard = TRUE;
  for (gsize i = 0; i < turn_addr_ip_len (&self->bound); i++)
    if (self->bound.ip[i] != 0)
      self->wildcard = FALSE;
  for (guint i = 0; i < LISTENER_BATCH; i++)
    {
      struct msghdr *hdr = &self->in[i].msg_hdr;

      self->in_iov[i].iov_base = self->in_buf[i];
      self->in_iov[i].iov_len = sizeof self->in_buf[i];
      hdr->msg_name = &self->in_from[i];
      hdr->msg_namelen = sizeof self->in_from[i];
      hdr->msg_iov = &self->in_iov[i];
      hdr->msg_iovlen = 1;
      if (self->wildcard)
        {
          hdr->msg_control = self->in_control[i].buf;
          hdr->msg_controllen = sizeof self->in_control[i].buf;
        }
    }
  turn_send_batch_init (&self->replies);
  if (!turn_loop_add (shard->loop, self->fd, on_readable, self, error))
    {
      turn_listener_free (self);
      return NULL;
    }
  return self;
}

void
turn_listener_free (TurnListener *self)
{
  if (self == NULL)
    return;
  turn_loop_remove (self->shard->loop, self->fd);
  close (self->fd);
  g_free (self);
}
