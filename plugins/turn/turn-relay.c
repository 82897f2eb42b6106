/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turn-relay.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "turn-channel-data.h"
#include "turn-error.h"
#include "turn-lock.h"
#include "turn-send-batch.h"

#define RELAY_BATCH 64
/* Data indication framing: header, XOR-PEER-ADDRESS (IPv6), DATA header. */
#define RELAY_MAX_FRAMING (POSTERN_STUN_HEADER_SIZE + 4 + 20 + 4)
#define RELAY_BATCHES_PER_WAKEUP 4
#define BIND_ATTEMPTS 16

/* One datagram from the client waiting for its relay socket. */
typedef struct {
  gint fd;
  struct sockaddr_storage peer;
  socklen_t peer_len;
  const guint8 *data;       /* in the listener's receive buffer */
  gsize len;
} ToPeer;

/* Batch buffers shared by a shard's relay sockets: its thread handles one
 * socket at a time, so one set per shard is enough and nothing is
 * allocated per packet. */
struct _TurnRelayIo {
  struct mmsghdr in[RELAY_BATCH];
  struct iovec in_iov[RELAY_BATCH];
  struct sockaddr_storage from[RELAY_BATCH];
  guint8 in_buf[RELAY_BATCH][TURN_RELAY_MAX_PAYLOAD];
  guint8 out_buf[RELAY_BATCH][TURN_RELAY_MAX_PAYLOAD + RELAY_MAX_FRAMING];
  TurnSendBatch out;
  ToPeer to_peer[TURN_SEND_BATCH];
  guint n_to_peer;
  gboolean gso;
  guint64 txid_counter;
};

TurnRelayIo *
turn_relay_io_new (void)
{
  TurnRelayIo *io = g_new0 (TurnRelayIo, 1);

  io->txid_counter = g_random_int ();
  for (guint i = 0; i < RELAY_BATCH; i++)
    {
      io->in_iov[i].iov_base = io->in_buf[i];
      io->in_iov[i].iov_len = sizeof io->in_buf[i];
      io->in[i].msg_hdr.msg_name = &io->from[i];
      io->in[i].msg_hdr.msg_namelen = sizeof io->from[i];
      io->in[i].msg_hdr.msg_iov = &io->in_iov[i];
      io->in[i].msg_hdr.msg_iovlen = 1;
    }
  io->gso = turn_send_batch_gso_supported ();
  turn_send_batch_init (&io->out);
  return io;
}

void
turn_relay_io_free (TurnRelayIo *io)
{
  g_free (io);
}

static gboolean
take_port (TurnPortPool *pool, TurnRelayPortMode mode, guint8 token[TURN_RESERVATION_TOKEN_LEN], gint64 now,
           guint16 *port, GError **error)
{
  switch (mode)
    {
    case TURN_RELAY_PORT_ANY:
      return turn_port_pool_allocate (pool, port, error);
    case TURN_RELAY_PORT_EVEN:
      return turn_port_pool_allocate_even (pool, FALSE, now, port, token, error);
    case TURN_RELAY_PORT_EVEN_RESERVE:
      return turn_port_pool_allocate_even (pool, TRUE, now, port, token, error);
    case TURN_RELAY_PORT_CLAIM:
    default:
      return turn_port_pool_claim (pool, token, now, port, error);
    }
}

/* Takes a port from the server's pool and binds a relay socket on @ip with it. A port
 * another process holds is given back and another one tried. Returns the
 * descriptor, or -1 with @error set (TURN_ERROR codes where they apply). */
gint
turn_relay_bind (TurnServer          *server,
                 const TurnAddr      *ip,
                 TurnRelayPortMode    mode,
                 guint8               token[TURN_RESERVATION_TOKEN_LEN],
                 gboolean             dont_fragment,
                 gint64               now,
                 TurnAddr            *bound,
                 GError             **error)
{
  for (guint attempt = 0; attempt < BIND_ATTEMPTS; attempt++)
    {
      struct sockaddr_storage ss;
      socklen_t ss_len;
      guint16 port;
      gint fd;
      gboolean taken;
      int saved;

      turn_mutex_lock (&server->pool_lock);
      taken = take_port (server->pool, mode, token, now, &port, error);
      turn_mutex_unlock (&server->pool_lock);
      if (!taken)
        return -1;
      *bound = *ip;
      bound->port = port;
      ss_len = turn_addr_to_sockaddr (bound, &ss);
      fd = socket (ip->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd >= 0 && ip->family == AF_INET6)
        {
          int one = 1;
          setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        }
      if (fd >= 0 && bind (fd, (struct sockaddr *) &ss, ss_len) == 0)
        {
          if (dont_fragment && ip->family == AF_INET)
            {
              int value = IP_PMTUDISC_DO;
              setsockopt (fd, IPPROTO_IP, IP_MTU_DISCOVER, &value, sizeof value);
            }
          return fd;
        }
      saved = errno;
      if (fd >= 0)
        close (fd);
      turn_server_release_port (server, port);
      if (saved != EADDRINUSE || mode == TURN_RELAY_PORT_CLAIM)
        {
          g_set_error (error, TURN_ERROR, TURN_ERROR_INSUFFICIENT_CAPACITY, "cannot bind a relay socket: %s",
                       g_strerror (saved));
          return -1;
        }
    }
  g_set_error_literal (error, TURN_ERROR, TURN_ERROR_INSUFFICIENT_CAPACITY, "relay ports are held by other processes");
  return -1;
}

static gboolean
admit (TurnRelay *relay, guint direction, gsize bytes, gint64 now_us)
{
  guint64 max_bps = relay->server->settings->max_bps;

  return max_bps == 0 || turn_token_bucket_take (&relay->bucket[direction], max_bps, max_bps, bytes, now_us);
}

/* Frames one datagram from @peer for the client: ChannelData when a channel
 * is bound to the peer, else a Data indication. Returns its size, 0 if it
 * did not fit. */
static gsize
frame_for_client (TurnRelay *relay, const TurnAddr *peer, const guint8 *payload, gsize len, gint64 now,
                  guint8 *out, gsize capacity)
{
  TurnRelayIo *io = relay->shard->io;
  const TurnChannel *channel = turn_allocation_lookup_channel_by_peer (relay->alloc, peer, now);
  PosternStunBuilder b;
  PosternStunAddress addr;
  guint8 txid[POSTERN_STUN_TRANSACTION_ID_SIZE] = { 0 };

  if (channel != NULL)
    return turn_channel_data_build (out, capacity, channel->number, payload, len);

  io->txid_counter++;
  memcpy (txid, &io->txid_counter, sizeof io->txid_counter);
  turn_addr_to_stun (peer, &addr);
  postern_stun_builder_init (&b, out, capacity, POSTERN_STUN_METHOD_DATA, POSTERN_STUN_CLASS_INDICATION, txid);
  postern_stun_builder_add_xor_address (&b, POSTERN_STUN_ATTR_XOR_PEER_ADDRESS, &addr);
  postern_stun_builder_add (&b, POSTERN_STUN_ATTR_DATA, payload, len);
  return postern_stun_builder_finish (&b, NULL);
}

static guint
relay_batch (TurnRelay *relay, gint fd)
{
  TurnShard *shard = relay->shard;
  TurnRelayIo *io = shard->io;
  TurnAllocation *alloc = relay->alloc;
  struct sockaddr_storage client;
  socklen_t client_len;
  gint64 now_us, now;
  guint n_out = 0;
  gint got;

  got = recvmmsg (fd, io->in, RELAY_BATCH, MSG_DONTWAIT, NULL);
  if (got <= 0)
    return 0;

  now_us = g_get_monotonic_time ();
  now = now_us / G_USEC_PER_SEC;
  client_len = turn_addr_to_sockaddr (&alloc->five_tuple.client, &client);
  for (gint i = 0; i < got; i++)
    {
      struct msghdr *in = &io->in[i].msg_hdr;
      gsize len = io->in[i].msg_len;
      TurnAddr peer;
      gsize framed;

      if ((in->msg_flags & MSG_TRUNC) != 0 ||
          !turn_addr_from_sockaddr (&peer, (struct sockaddr *) &io->from[i], in->msg_namelen) ||
          !turn_allocation_has_permission (alloc, &peer, now) ||
          !admit (relay, 1, len, now_us))
        {
          shard->stats.dropped++;
          continue;
        }
      framed = frame_for_client (relay, &peer, io->in_buf[i], len, now, io->out_buf[n_out],
                                 sizeof io->out_buf[n_out]);
      if (framed == 0)
        {
          shard->stats.dropped++;
          continue;
        }
      /* everything goes to one client from one address: runs of equal
       * sizes become GSO sends */
      turn_send_batch_add (&io->out, io->gso, &alloc->five_tuple.server, (struct sockaddr *) &client, client_len,
                           io->out_buf[n_out], framed);
      turn_allocation_count_to_client (alloc, len);
      n_out++;
    }
  /* the headers stay set up between batches but for the name lengths,
   * which recvmmsg shortened to what it filled in */
  for (gint i = 0; i < got; i++)
    io->in[i].msg_hdr.msg_namelen = sizeof io->from[i];
  if (n_out > 0)
    shard->stats.dropped += turn_send_batch_flush (&io->out, relay->listener_fd);
  return (guint) got;
}

static void
on_relay_readable (gint fd, gpointer user_data)
{
  TurnRelay *relay = user_data;

  for (guint b = 0; b < RELAY_BATCHES_PER_WAKEUP; b++)
    if (relay_batch (relay, fd) < RELAY_BATCH)
      break;
}

TurnRelay *
turn_relay_new (TurnShard         *shard,
                TurnAllocation    *alloc,
                gint               listener_fd,
                const gint        *fds,
                GError           **error)
{
  TurnRelay *relay = g_new0 (TurnRelay, 1);

  relay->server = shard->server;
  relay->shard = shard;
  relay->alloc = alloc;
  relay->listener_fd = listener_fd;
  for (guint d = 0; d < 2; d++)
    turn_token_bucket_init (&relay->bucket[d], relay->server->settings->max_bps, g_get_monotonic_time ());
  for (guint i = 0; i < TURN_MAX_RELAYED; i++)
    relay->fd[i] = -1;
  for (guint i = 0; i < alloc->n_relayed; i++)
    relay->fd[i] = fds[i];
  for (guint i = 0; i < alloc->n_relayed; i++)
    if (!turn_loop_add (shard->loop, fds[i], on_relay_readable, relay, error))
      {
        turn_relay_free (relay);
        return NULL;
      }
  return relay;
}

/* Closes the sockets and gives the ports back (the pool ignores ports the
 * current range no longer has). */
void
turn_relay_free (TurnRelay *relay)
{
  TurnRelayIo *io = relay->shard->io;

  for (guint i = 0; i < TURN_MAX_RELAYED; i++)
    if (relay->fd[i] >= 0)
      {
        /* nothing queued may reach a descriptor number about to be reused */
        for (guint q = 0; q < io->n_to_peer; q++)
          if (io->to_peer[q].fd == relay->fd[i])
            io->to_peer[q].fd = -1;
        turn_loop_remove (relay->shard->loop, relay->fd[i]);
        close (relay->fd[i]);
        turn_server_release_port (relay->server, relay->alloc->relayed[i].port);
      }
  g_free (relay);
}

/* Queues @data (valid until turn_relay_flush_to_peers) for @peer on the
 * relay socket of its family. */
void
turn_relay_send_to_peer (TurnRelay      *relay,
                         const TurnAddr *peer,
                         const guint8   *data,
                         gsize           len)
{
  TurnRelayIo *io = relay->shard->io;

  for (guint i = 0; i < relay->alloc->n_relayed; i++)
    {
      ToPeer *out;

      if (relay->alloc->relayed[i].family != peer->family)
        continue;
      if (!admit (relay, 0, len, g_get_monotonic_time ()))
        break;
      if (io->n_to_peer == G_N_ELEMENTS (io->to_peer))
        turn_relay_flush_to_peers (relay->shard);
      out = &io->to_peer[io->n_to_peer++];
      out->fd = relay->fd[i];
      out->peer_len = turn_addr_to_sockaddr (peer, &out->peer);
      out->data = data;
      out->len = len;
      turn_allocation_count_to_peer (relay->alloc, len);
      return;
    }
  relay->shard->stats.dropped++;
}

/* Sends what turn_relay_send_to_peer queued: one sendmmsg per relay
 * socket, in arrival order per socket. */
void
turn_relay_flush_to_peers (TurnShard *shard)
{
  TurnRelayIo *io = shard->io;

  for (guint i = 0; i < io->n_to_peer; i++)
    {
      gint fd = io->to_peer[i].fd;

      if (fd < 0)
        continue;
      for (guint j = i; j < io->n_to_peer; j++)
        {
          ToPeer *p = &io->to_peer[j];

          if (p->fd != fd)
            continue;
          turn_send_batch_add (&io->out, io->gso, NULL, (struct sockaddr *) &p->peer, p->peer_len, p->data, p->len);
          p->fd = -1;
        }
      shard->stats.dropped += turn_send_batch_flush (&io->out, fd);
    }
  io->n_to_peer = 0;
}
