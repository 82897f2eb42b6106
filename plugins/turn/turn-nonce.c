/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turn-nonce.h"
#include "turn-credentials.h"

#include <gnutls/crypto.h>
#include <string.h>

#define KEY_LEN 32
#define MAC_LEN 16  /* of the 32 HMAC-SHA256 bytes */

struct _TurnNonceKey {
  guint8 bytes[KEY_LEN];
};

TurnNonceKey *
turn_nonce_key_new (void)
{
  TurnNonceKey *self = g_new0 (TurnNonceKey, 1);

  if (gnutls_rnd (GNUTLS_RND_KEY, self->bytes, sizeof self->bytes) != 0)
    g_error ("no randomness for the nonce key");
  return self;
}

/* For tests: a fixed key. */
TurnNonceKey *
turn_nonce_key_new_from_bytes (const guint8 *bytes,
                               gsize         len)
{
  TurnNonceKey *self = g_new0 (TurnNonceKey, 1);

  memcpy (self->bytes, bytes, MIN (len, sizeof self->bytes));
  return self;
}

void
turn_nonce_key_free (TurnNonceKey *self)
{
  if (self == NULL)
    return;
  explicit_bzero (self, sizeof *self);
  g_free (self);
}

static void
compute_mac (const TurnNonceKey *key,
             guint64             issued,
             const TurnFiveTuple *five_tuple,
             guint8              mac[32])
{
  guint8 input[8 + sizeof (TurnFiveTuple)];

  G_STATIC_ASSERT (sizeof (TurnFiveTuple) == 2 * sizeof (TurnAddr));
  for (guint i = 0; i < 8; i++)
    input[i] = (guint8) (issued >> (56 - 8 * i));
  memcpy (input + 8, five_tuple, sizeof *five_tuple);
  if (gnutls_hmac_fast (GNUTLS_MAC_SHA256, key->bytes, sizeof key->bytes, input, sizeof input, mac) != 0)
    g_error ("HMAC-SHA256 is unavailable in GnuTLS");
}

static void
put_hex (gchar *out, const guint8 *bytes, gsize len)
{
  static const gchar digits[] = "0123456789abcdef";

  for (gsize i = 0; i < len; i++)
    {
      out[2 * i] = digits[bytes[i] >> 4];
      out[2 * i + 1] = digits[bytes[i] & 0xf];
    }
}

/* Lower-case hex only, so each nonce has exactly one spelling. */
static gboolean
get_hex (const guint8 *text, guint8 *bytes, gsize len)
{
  for (gsize i = 0; i < 2 * len; i++)
    {
      guint8 c = text[i];
      gint v;
      if (c >= '0' && c <= '9')
        v = c - '0';
      else if (c >= 'a' && c <= 'f')
        v = c - 'a' + 10;
      else
        return FALSE;
      bytes[i / 2] = (guint8) ((i % 2 == 0) ? v << 4 : (bytes[i / 2] | v));
    }
  return TRUE;
}

void
turn_nonce_make (const TurnNonceKey *key,
                 const TurnFiveTuple *five_tuple,
                 gint64              now,
                 gchar               out[TURN_NONCE_LEN + 1])
{
  guint64 issued = (guint64) MAX (now, 0);
  guint8 stamp[8];
  guint8 mac[32];

  for (guint i = 0; i < 8; i++)
    stamp[i] = (guint8) (issued >> (56 - 8 * i));
  compute_mac (key, issued, five_tuple, mac);
  put_hex (out, stamp, sizeof stamp);
  put_hex (out + 16, mac, MAC_LEN);
  out[TURN_NONCE_LEN] = '\0';
}

TurnNonceStatus
turn_nonce_check (const TurnNonceKey *key,
                  const guint8       *nonce,
                  gsize               len,
                  const TurnFiveTuple *five_tuple,
                  gint64              now,
                  gint64              lifetime)
{
  guint8 stamp[8];
  guint8 given[MAC_LEN];
  guint8 expected[32];
  guint64 issued = 0;

  if (nonce == NULL || len != TURN_NONCE_LEN ||
      !get_hex (nonce, stamp, sizeof stamp) || !get_hex (nonce + 16, given, sizeof given))
    return TURN_NONCE_INVALID;
  for (guint i = 0; i < 8; i++)
    issued = issued << 8 | stamp[i];

  compute_mac (key, issued, five_tuple, expected);
  if (!turn_constant_time_equal (given, expected, MAC_LEN))
    return TURN_NONCE_INVALID;
  if (issued > (guint64) G_MAXINT64 || (gint64) issued > now || now - (gint64) issued >= lifetime)
    return TURN_NONCE_STALE;
  return TURN_NONCE_VALID;
}
