/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turn-addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

gboolean
turn_addr_from_sockaddr (TurnAddr              *out,
                         const struct sockaddr *sa,
                         socklen_t              len)
{
  memset (out, 0, sizeof *out);
  if (sa == NULL)
    return FALSE;
  if (sa->sa_family == AF_INET && len >= (socklen_t) sizeof (struct sockaddr_in))
    {
      const struct sockaddr_in *sin = (const struct sockaddr_in *) sa;
      out->family = AF_INET;
      out->port = ntohs (sin->sin_port);
      memcpy (out->ip, &sin->sin_addr, 4);
      return TRUE;
    }
  if (sa->sa_family == AF_INET6 && len >= (socklen_t) sizeof (struct sockaddr_in6))
    {
      const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) sa;
      out->family = AF_INET6;
      out->port = ntohs (sin6->sin6_port);
      memcpy (out->ip, &sin6->sin6_addr, 16);
      return TRUE;
    }
  return FALSE;
}

socklen_t
turn_addr_to_sockaddr (const TurnAddr          *self,
                       struct sockaddr_storage *out)
{
  memset (out, 0, sizeof *out);
  if (self->family == AF_INET)
    {
      struct sockaddr_in *sin = (struct sockaddr_in *) out;
      sin->sin_family = AF_INET;
      sin->sin_port = htons (self->port);
      memcpy (&sin->sin_addr, self->ip, 4);
      return sizeof *sin;
    }
  if (self->family == AF_INET6)
    {
      struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) out;
      sin6->sin6_family = AF_INET6;
      sin6->sin6_port = htons (self->port);
      memcpy (&sin6->sin6_addr, self->ip, 16);
      return sizeof *sin6;
    }
  return 0;
}

/* From an XOR-PEER-ADDRESS and the like, already decoded by the codec. */
gboolean
turn_addr_from_stun (TurnAddr                 *out,
                     const PosternStunAddress *stun)
{
  memset (out, 0, sizeof *out);
  if (stun->family == POSTERN_STUN_FAMILY_IPV4)
    {
      out->family = AF_INET;
      memcpy (out->ip, stun->address, 4);
    }
  else if (stun->family == POSTERN_STUN_FAMILY_IPV6)
    {
      out->family = AF_INET6;
      memcpy (out->ip, stun->address, 16);
    }
  else
    return FALSE;
  out->port = stun->port;
  return TRUE;
}

void
turn_addr_to_stun (const TurnAddr     *self,
                   PosternStunAddress *out)
{
  memset (out, 0, sizeof *out);
  out->family = self->family == AF_INET ? POSTERN_STUN_FAMILY_IPV4 : POSTERN_STUN_FAMILY_IPV6;
  out->port = self->port;
  memcpy (out->address, self->ip, turn_addr_ip_len (self));
}

gboolean
turn_addr_parse (TurnAddr    *out,
                 const gchar *ip,
                 guint16      port)
{
  memset (out, 0, sizeof *out);
  if (ip == NULL)
    return FALSE;
  if (inet_pton (AF_INET, ip, out->ip) == 1)
    out->family = AF_INET;
  else if (inet_pton (AF_INET6, ip, out->ip) == 1)
    out->family = AF_INET6;
  else
    {
      memset (out, 0, sizeof *out);
      return FALSE;
    }
  out->port = port;
  return TRUE;
}

gsize
turn_addr_ip_len (const TurnAddr *self)
{
  return self->family == AF_INET ? 4 : 16;
}

gboolean
turn_addr_equal (const TurnAddr *a,
                 const TurnAddr *b)
{
  return memcmp (a, b, sizeof *a) == 0;
}

gboolean
turn_addr_ip_equal (const TurnAddr *a,
                    const TurnAddr *b)
{
  return a->family == b->family && memcmp (a->ip, b->ip, sizeof a->ip) == 0;
}

/* Word at a time (the address is read as two 64-bit halves and mixed by
 * multiplication): a relayed datagram hashes an address up to five times. */
guint
turn_addr_hash (const TurnAddr *self,
                gboolean        with_port)
{
  guint64 lo, hi, h;

  memcpy (&lo, self->ip, sizeof lo);
  memcpy (&hi, self->ip + sizeof lo, sizeof hi);
  h = (lo ^ ((guint64) self->family << 56)) * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);
  h ^= hi * G_GUINT64_CONSTANT (0xC2B2AE3D27D4EB4F);
  if (with_port)
    h ^= (guint64) self->port * G_GUINT64_CONSTANT (0x165667B19E3779F9);
  h ^= h >> 29;
  h *= G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  return (guint) (h ^ (h >> 32));
}

gchar *
turn_addr_to_string (const TurnAddr *self,
                     gchar           buf[TURN_ADDR_STRLEN])
{
  gchar ip[INET6_ADDRSTRLEN];
  int af = self->family == AF_INET ? AF_INET : AF_INET6;

  if (inet_ntop (af, self->ip, ip, sizeof ip) == NULL)
    g_strlcpy (ip, "?", sizeof ip);
  if (self->family == AF_INET)
    g_snprintf (buf, TURN_ADDR_STRLEN, "%s:%u", ip, self->port);
  else
    g_snprintf (buf, TURN_ADDR_STRLEN, "[%s]:%u", ip, self->port);
  return buf;
}
