/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "postern-stun.h"
#include "postern-stun-private.h"

#include <string.h>

#include "postern-error.h"

#define FINGERPRINT_XOR 0x5354554eu

void
stun_hmac_prefix (GChecksumType type, const guint8 *key, gsize key_len,
                  const guint8 *msg, gsize prefix_len, guint16 length,
                  guint8 *digest, gsize *digest_len)
{
  g_autoptr(GHmac) hmac = g_hmac_new (type, key, key_len);
  guint8 len_be[2];

  stun_put16 (len_be, length);
  g_hmac_update (hmac, msg, 2);
  g_hmac_update (hmac, len_be, 2);
  g_hmac_update (hmac, msg + 4, (gssize) (prefix_len - 4));
  g_hmac_get_digest (hmac, digest, digest_len);
}

/**
 * postern_stun_equal_constant_time: (skip)
 * @a: (array length=len): bytes
 * @b: (array length=len): bytes
 * @len: how many to compare
 *
 * Compares in time that depends on @len only, so a forger learns nothing
 * from how fast a wrong HMAC is refused.
 *
 * Returns: %TRUE if the bytes are equal
 */
gboolean
postern_stun_equal_constant_time (const guint8 *a, const guint8 *b, gsize len)
{
  volatile guint8 diff = 0;

  for (gsize i = 0; i < len; i++)
    diff |= a[i] ^ b[i];
  return diff == 0;
}

/**
 * postern_stun_message_check_integrity: (skip)
 * @msg: a parsed message
 * @key: (array length=key_len): the long-term or short-term key
 * @key_len: its size
 *
 * Returns: %TRUE if @msg has a MESSAGE-INTEGRITY whose HMAC-SHA1 matches
 */
gboolean
postern_stun_message_check_integrity (const PosternStunMessage *msg, const guint8 *key,
                                      gsize key_len)
{
  guint8 digest[20];
  gsize digest_len = sizeof digest;
  guint32 off = msg->integrity_offset;

  if (off == 0)
    return FALSE;
  stun_hmac_prefix (G_CHECKSUM_SHA1, key, key_len, msg->data, off,
                    (guint16) (off + 4 + 20 - POSTERN_STUN_HEADER_SIZE), digest, &digest_len);
  return postern_stun_equal_constant_time (digest, msg->data + off + 4, 20);
}

/**
 * postern_stun_message_check_integrity_sha256: (skip)
 * @msg: a parsed message
 * @key: (array length=key_len): the key
 * @key_len: its size
 *
 * Returns: %TRUE if @msg has a MESSAGE-INTEGRITY-SHA256 whose (possibly
 *   truncated) HMAC-SHA256 matches
 */
gboolean
postern_stun_message_check_integrity_sha256 (const PosternStunMessage *msg, const guint8 *key,
                                             gsize key_len)
{
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  guint32 off = msg->integrity_sha256_offset;
  guint16 mac_len;

  if (off == 0)
    return FALSE;
  mac_len = stun_get16 (msg->data + off + 2);
  stun_hmac_prefix (G_CHECKSUM_SHA256, key, key_len, msg->data, off,
                    (guint16) (off + 4 + mac_len - POSTERN_STUN_HEADER_SIZE), digest, &digest_len);
  return postern_stun_equal_constant_time (digest, msg->data + off + 4, mac_len);
}

static guint32 crc_table[256];

static void
crc_table_init (void)
{
  static gsize done = 0;

  if (!g_once_init_enter (&done))
    return;
  for (guint32 n = 0; n < 256; n++) {
    guint32 c = n;
    for (int k = 0; k < 8; k++)
      c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[n] = c;
  }
  g_once_init_leave (&done, 1);
}

/**
 * postern_stun_crc32: (skip)
 * @data: (array length=len): bytes
 * @len: their number
 *
 * Returns: the CRC-32 (ISO 3309, as in zlib) of @data
 */
guint32
postern_stun_crc32 (const guint8 *data, gsize len)
{
  guint32 c = 0xFFFFFFFFu;

  crc_table_init ();
  for (gsize i = 0; i < len; i++)
    c = crc_table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

/**
 * postern_stun_message_check_fingerprint: (skip)
 * @msg: a parsed message
 *
 * Returns: %TRUE if @msg ends with a FINGERPRINT and its CRC matches
 */
gboolean
postern_stun_message_check_fingerprint (const PosternStunMessage *msg)
{
  guint32 off = msg->fingerprint_offset;

  if (off == 0)
    return FALSE;
  return (postern_stun_crc32 (msg->data, off) ^ FINGERPRINT_XOR) == stun_get32 (msg->data + off + 4);
}

/* RFC 3454 C.1.2, non-ASCII space characters: mapped to SPACE. */
static gboolean
is_non_ascii_space (gunichar c)
{
  return c == 0x00A0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200B) || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

/* RFC 3454 B.1, commonly mapped to nothing. */
static gboolean
is_mapped_to_nothing (gunichar c)
{
  return c == 0x00AD || c == 0x034F || c == 0x1806 || (c >= 0x180B && c <= 0x180D) ||
         (c >= 0x200B && c <= 0x200D) || c == 0x2060 || (c >= 0xFE00 && c <= 0xFE0F) ||
         c == 0xFEFF;
}

/* The prohibited tables of RFC 4013 section 2.3 that matter in practice:
 * controls, private use, non-characters, surrogates, tagging. */
static gboolean
is_prohibited (gunichar c)
{
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) || (c >= 0xE000 && c <= 0xF8FF) ||
         (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE || (c >= 0xD800 && c <= 0xDFFF) ||
         c >= 0xF0000 || (c >= 0xE0000 && c <= 0xE007F) || (c >= 0x2FF0 && c <= 0x2FFB) ||
         (c >= 0x200E && c <= 0x200F) || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x206A && c <= 0x206F) || c == 0x06DD || c == 0x070F || c == 0x180E ||
         (c >= 0xFFF9 && c <= 0xFFFC) || (c >= 0x1D173 && c <= 0x1D17A);
}

/**
 * postern_stun_saslprep:
 * @text: a UTF-8 password or username
 * @error: return location for an error
 *
 * SASLprep (RFC 4013) as STUN long-term credentials use it: non-ASCII
 * spaces become SPACE, "mapped to nothing" characters go, the result is
 * NFKC-normalised and prohibited characters are refused. Limit: the
 * bidirectional-text check of RFC 3454 section 6 is not performed, and
 * unassigned code points are accepted (stored strings, not queries).
 *
 * Returns: (transfer full): the prepared string, or %NULL with @error set
 */
gchar *
postern_stun_saslprep (const gchar *text, GError **error)
{
  g_autoptr(GString) mapped = NULL;
  g_autofree gchar *normal = NULL;

  if (!g_utf8_validate (text, -1, NULL)) {
    g_set_error_literal (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_ARGUMENT,
                         "credential is not valid UTF-8");
    return NULL;
  }
  mapped = g_string_new (NULL);
  for (const gchar *p = text; *p != '\0'; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);
    if (is_mapped_to_nothing (c))
      continue;
    g_string_append_unichar (mapped, is_non_ascii_space (c) ? ' ' : c);
  }
  normal = g_utf8_normalize (mapped->str, -1, G_NORMALIZE_NFKC);
  if (normal == NULL) {
    g_set_error_literal (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_ARGUMENT,
                         "credential cannot be normalised");
    return NULL;
  }
  for (const gchar *p = normal; *p != '\0'; p = g_utf8_next_char (p)) {
    if (is_prohibited (g_utf8_get_char (p))) {
      g_set_error_literal (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_ARGUMENT,
                           "credential contains a prohibited character");
      return NULL;
    }
  }
  return g_steal_pointer (&normal);
}

/**
 * postern_stun_long_term_key:
 * @username: the user name
 * @realm: the realm
 * @password: the password
 * @error: return location for an error
 *
 * Computes the RFC 8489 long-term key MD5(username ":" realm ":"
 * SASLprep(password)). Store this key rather than the password.
 *
 * Returns: (transfer full): the 16-byte key, or %NULL with @error set
 */
GBytes *
postern_stun_long_term_key (const gchar *username, const gchar *realm, const gchar *password,
                            GError **error)
{
  g_autofree gchar *prepped = postern_stun_saslprep (password, error);
  g_autoptr(GChecksum) md5 = NULL;
  guint8 digest[16];
  gsize digest_len = sizeof digest;

  if (prepped == NULL)
    return NULL;
  md5 = g_checksum_new (G_CHECKSUM_MD5);
  g_checksum_update (md5, (const guchar *) username, (gssize) strlen (username));
  g_checksum_update (md5, (const guchar *) ":", 1);
  g_checksum_update (md5, (const guchar *) realm, (gssize) strlen (realm));
  g_checksum_update (md5, (const guchar *) ":", 1);
  g_checksum_update (md5, (const guchar *) prepped, (gssize) strlen (prepped));
  g_checksum_get_digest (md5, digest, &digest_len);
  return g_bytes_new (digest, digest_len);
}

/**
 * postern_stun_short_term_key:
 * @password: the password
 * @error: return location for an error
 *
 * Returns: (transfer full): the short-term key, SASLprep(password), or
 *   %NULL with @error set
 */
GBytes *
postern_stun_short_term_key (const gchar *password, GError **error)
{
  gchar *prepped = postern_stun_saslprep (password, error);

  if (prepped == NULL)
    return NULL;
  return g_bytes_new_take (prepped, strlen (prepped));
}
