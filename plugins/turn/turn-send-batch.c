/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turn-send-batch.h"

#include <errno.h>
#include <netinet/udp.h>
#include <string.h>
#include <unistd.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

/* UDP GSO needs Linux 4.18; older kernels refuse the socket option. */
gboolean
turn_send_batch_gso_supported (void)
{
  gint fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int size = 1200;
  gboolean ok;

  if (fd < 0)
    return FALSE;
  ok = setsockopt (fd, SOL_UDP, UDP_SEGMENT, &size, sizeof size) == 0;
  close (fd);
  return ok;
}

void
turn_send_batch_init (TurnSendBatch *self)
{
  self->n_msgs = 0;
  self->n_iov = 0;
}

static gboolean
same_source (const TurnAddr *a, const TurnAddr *b)
{
  return a->family == b->family && (a->family == 0 || turn_addr_equal (a, b));
}

/* Queues @len bytes at @data for @dest, leaving from @source (NULL: the
 * kernel picks). With @gso it may join the previous datagram's run.
 * Returns FALSE when the batch is full (flush and add again). */
gboolean
turn_send_batch_add (TurnSendBatch         *self,
                     gboolean               gso,
                     const TurnAddr        *source,
                     const struct sockaddr *dest,
                     socklen_t              dest_len,
                     const guint8          *data,
                     gsize                  len)
{
  struct msghdr *hdr;
  guint m;

  if (self->n_iov == TURN_SEND_BATCH)
    return FALSE;
  self->iov[self->n_iov].iov_base = (guint8 *) data;
  self->iov[self->n_iov].iov_len = len;
  if (gso && self->n_msgs > 0)
    {
      m = self->n_msgs - 1;
      hdr = &self->msgs[m].msg_hdr;
      /* a run continues while its segments have one size; a shorter one
       * may end it */
      if (hdr->msg_namelen == dest_len && memcmp (hdr->msg_name, dest, dest_len) == 0 &&
          same_source (&self->source[m], source != NULL ? source : &(TurnAddr) { 0 }) &&
          len > 0 && len <= self->segment_size[m] &&
          self->iov[self->n_iov - 1].iov_len == self->segment_size[m] &&
          hdr->msg_iovlen < TURN_GSO_MAX_SEGMENTS &&
          self->segment_size[m] * (hdr->msg_iovlen + 1) <= TURN_GSO_MAX_BYTES)
        {
          hdr->msg_iovlen++;
          self->n_iov++;
          return TRUE;
        }
    }
  m = self->n_msgs++;
  hdr = &self->msgs[m].msg_hdr;
  memset (hdr, 0, sizeof *hdr);
  memcpy (&self->dest[m], dest, dest_len);
  hdr->msg_name = &self->dest[m];
  hdr->msg_namelen = dest_len;
  hdr->msg_iov = &self->iov[self->n_iov];
  hdr->msg_iovlen = 1;
  if (source != NULL)
    self->source[m] = *source;
  else
    memset (&self->source[m], 0, sizeof self->source[m]);
  self->segment_size[m] = (guint16) MIN (len, G_MAXUINT16);
  self->n_iov++;
  return TRUE;
}

/* The packet info for the source address and, for a run, UDP_SEGMENT. */
static void
set_control (TurnSendBatch *self, guint m)
{
  struct msghdr *hdr = &self->msgs[m].msg_hdr;
  const TurnAddr *source = &self->source[m];
  struct cmsghdr *cm;
  gsize used = 0;

  memset (&self->control[m], 0, sizeof self->control[m]);
  hdr->msg_control = self->control[m].buf;
  hdr->msg_controllen = sizeof self->control[m].buf;
  cm = CMSG_FIRSTHDR (hdr);
  if (source->family == AF_INET)
    {
      struct in_pktinfo info = { 0 };
      memcpy (&info.ipi_spec_dst, source->ip, 4);
      cm->cmsg_level = IPPROTO_IP;
      cm->cmsg_type = IP_PKTINFO;
      cm->cmsg_len = CMSG_LEN (sizeof info);
      memcpy (CMSG_DATA (cm), &info, sizeof info);
      used += CMSG_SPACE (sizeof info);
      cm = CMSG_NXTHDR (hdr, cm);
    }
  else if (source->family == AF_INET6)
    {
      struct in6_pktinfo info = { 0 };
      memcpy (&info.ipi6_addr, source->ip, 16);
      cm->cmsg_level = IPPROTO_IPV6;
      cm->cmsg_type = IPV6_PKTINFO;
      cm->cmsg_len = CMSG_LEN (sizeof info);
      memcpy (CMSG_DATA (cm), &info, sizeof info);
      used += CMSG_SPACE (sizeof info);
      cm = CMSG_NXTHDR (hdr, cm);
    }
  if (hdr->msg_iovlen > 1)
    {
      guint16 size = self->segment_size[m];
      cm->cmsg_level = SOL_UDP;
      cm->cmsg_type = UDP_SEGMENT;
      cm->cmsg_len = CMSG_LEN (sizeof size);
      memcpy (CMSG_DATA (cm), &size, sizeof size);
      used += CMSG_SPACE (sizeof size);
    }
  hdr->msg_controllen = used;
  if (used == 0)
    hdr->msg_control = NULL;
}

/* A run the kernel refused as a whole (e.g. a path MTU below the segment
 * size): its datagrams one by one. Returns how many were not sent. */
static guint
send_run_singly (TurnSendBatch *self, gint fd, guint m)
{
  struct msghdr one = self->msgs[m].msg_hdr;
  gsize segments = one.msg_iovlen;
  guint lost = 0;

  one.msg_iovlen = 1;
  for (gsize s = 0; s < segments; s++)
    {
      one.msg_iov = &self->msgs[m].msg_hdr.msg_iov[s];
      /* the packet info stays, UDP_SEGMENT goes */
      one.msg_controllen = self->source[m].family == 0 ? 0
                           : self->source[m].family == AF_INET ? CMSG_SPACE (sizeof (struct in_pktinfo))
                                                               : CMSG_SPACE (sizeof (struct in6_pktinfo));
      if (one.msg_controllen == 0)
        one.msg_control = NULL;
      if (sendmsg (fd, &one, MSG_DONTWAIT) < 0)
        lost++;
    }
  return lost;
}

/* Sends everything queued from @fd and empties the batch. Returns how many
 * datagrams were not sent (a full socket buffer, an unroutable peer). */
guint
turn_send_batch_flush (TurnSendBatch *self,
                       gint           fd)
{
  guint lost = 0;
  guint done = 0;

  for (guint m = 0; m < self->n_msgs; m++)
    set_control (self, m);
  while (done < self->n_msgs)
    {
      int sent = sendmmsg (fd, self->msgs + done, self->n_msgs - done, MSG_DONTWAIT);

      if (sent > 0)
        {
          done += (guint) sent;
          continue;
        }
      if (sent < 0 && errno == EINTR)
        continue;
      if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        {
          for (; done < self->n_msgs; done++)
            lost += (guint) self->msgs[done].msg_hdr.msg_iovlen;
          break;
        }
      /* this one cannot go as it is: skip it, or split its run */
      if (self->msgs[done].msg_hdr.msg_iovlen > 1)
        lost += send_run_singly (self, fd, done);
      else
        lost++;
      done++;
    }
  turn_send_batch_init (self);
  return lost;
}
