/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "postern-front-cipher-pref.h"

#include <string.h>

/* GnuTLS adds a cipher at the end of its list: the server's order is made
 * by removing all of them and adding them back, the preferred first. */
static const gnutls_cipher_algorithm_t preferred[] = {
  GNUTLS_CIPHER_AES_128_GCM,
  GNUTLS_CIPHER_AES_256_GCM,
  GNUTLS_CIPHER_CHACHA20_POLY1305,
};

static gboolean
is_preferred (unsigned int cipher)
{
  for (gsize i = 0; i < G_N_ELEMENTS (preferred); i++)
    if (preferred[i] == cipher)
      return TRUE;
  return FALSE;
}

static gboolean
has_cipher (const unsigned int *ciphers, int n, unsigned int cipher)
{
  for (int i = 0; i < n; i++)
    if (ciphers[i] == cipher)
      return TRUE;
  return FALSE;
}

gchar *
postern_front_cipher_pref_priority (const gchar *priority, gnutls_priority_t parsed)
{
  g_auto(GStrv) tokens = g_strsplit (priority, ":", -1);
  const unsigned int *ciphers = NULL;
  int n = gnutls_priority_cipher_list (parsed, &ciphers);
  GString *order;

  if (n <= 0)
    return NULL;
  for (gchar **t = tokens; *t != NULL; t++)
    if (strcmp (*t, "%SERVER_PRECEDENCE") == 0)
      return NULL;
  order = g_string_new (priority);
  g_string_append (order, ":%SERVER_PRECEDENCE:-CIPHER-ALL");
  for (gsize i = 0; i < G_N_ELEMENTS (preferred); i++)
    if (has_cipher (ciphers, n, preferred[i]))
      g_string_append_printf (order, ":+%s", gnutls_cipher_get_name (preferred[i]));
  for (int i = 0; i < n; i++)
    if (!is_preferred (ciphers[i]))
      g_string_append_printf (order, ":+%s", gnutls_cipher_get_name (ciphers[i]));
  return g_string_free (order, FALSE);
}

/* RFC 8701 GREASE (0x?A?A, both bytes alike) and the renegotiation and
 * fallback signalling values: no preference in them. */
static gboolean
is_placeholder (guint8 hi, guint8 lo)
{
  return (hi == lo && (hi & 0x0f) == 0x0a) || (hi == 0x00 && lo == 0xff) || (hi == 0x56 && lo == 0x00);
}

static gboolean
is_chacha (guint8 hi, guint8 lo)
{
  return (hi == 0x13 && lo == 0x03) || (hi == 0xcc && lo >= 0xa8 && lo <= 0xaa);
}

gboolean
postern_front_cipher_pref_chacha_first (const guint8 *hello, gsize len)
{
  /* legacy_version, random, legacy_session_id<0..32>, cipher_suites<2..2^16-2> */
  gsize pos = 2 + 32;
  gsize suites_len;

  if (len < pos + 1 || hello[pos] > 32)
    return FALSE;
  pos += 1 + hello[pos];
  if (len < pos + 2)
    return FALSE;
  suites_len = (gsize) hello[pos] << 8 | hello[pos + 1];
  pos += 2;
  if (suites_len == 0 || suites_len % 2 != 0 || len - pos < suites_len)
    return FALSE;
  for (gsize i = pos; i < pos + suites_len; i += 2)
    if (!is_placeholder (hello[i], hello[i + 1]))
      return is_chacha (hello[i], hello[i + 1]);
  return FALSE;
}
