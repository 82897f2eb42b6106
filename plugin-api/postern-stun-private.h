/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Byte-order helpers shared by the STUN codec's files. They read and write
 * one byte at a time, so any offset is safe on any architecture. */

#include <glib.h>

static inline guint16
stun_get16 (const guint8 *p)
{
  return (guint16) ((p[0] << 8) | p[1]);
}

static inline guint32
stun_get32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static inline void
stun_put16 (guint8 *p, guint16 v)
{
  p[0] = (guint8) (v >> 8);
  p[1] = (guint8) v;
}

static inline void
stun_put32 (guint8 *p, guint32 v)
{
  p[0] = (guint8) (v >> 24);
  p[1] = (guint8) (v >> 16);
  p[2] = (guint8) (v >> 8);
  p[3] = (guint8) v;
}

static inline gsize
stun_padded (gsize len)
{
  return (len + 3) & ~(gsize) 3;
}

/* HMAC over a message prefix whose length field is replaced by @length. */
void stun_hmac_prefix (GChecksumType type, const guint8 *key, gsize key_len,
                       const guint8 *msg, gsize prefix_len, guint16 length,
                       guint8 *digest, gsize *digest_len);
