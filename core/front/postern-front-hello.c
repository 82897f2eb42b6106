/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "postern-front-hello.h"

#include <string.h>

#define EXT_SUPPORTED_GROUPS 0x000a

/* A cursor over bytes from the network: every read is checked. */
typedef struct {
  const guint8 *p;
  gsize left;
} Reader;

static gboolean
skip (Reader *r, gsize n)
{
  if (r->left < n)
    return FALSE;
  r->p += n;
  r->left -= n;
  return TRUE;
}

static gboolean
read_u8 (Reader *r, gsize *v)
{
  if (r->left < 1)
    return FALSE;
  *v = r->p[0];
  return skip (r, 1);
}

static gboolean
read_u16 (Reader *r, gsize *v)
{
  if (r->left < 2)
    return FALSE;
  *v = (gsize) r->p[0] << 8 | r->p[1];
  return skip (r, 2);
}

/* A length-prefixed vector as a reader of its own. */
static gboolean
read_vector (Reader *r, gsize len, Reader *vector)
{
  vector->p = r->p;
  vector->left = len;
  return skip (r, len);
}

/* RFC 8701 GREASE (0x?A?A, both bytes alike) and the renegotiation and
 * fallback signalling values: no preference in them. */
static gboolean
is_placeholder (guint16 suite)
{
  return ((suite >> 8) == (suite & 0xff) && (suite & 0x0f) == 0x0a) || suite == 0x00ff || suite == 0x5600;
}

static gboolean
read_groups (Reader *extensions, PosternFrontHello *out)
{
  while (extensions->left > 0) {
    gsize type, len, list_len;
    Reader data, list;

    if (!read_u16 (extensions, &type) || !read_u16 (extensions, &len) || !read_vector (extensions, len, &data))
      return FALSE;
    if (type != EXT_SUPPORTED_GROUPS)
      continue;
    if (!read_u16 (&data, &list_len) || list_len % 2 != 0 || !read_vector (&data, list_len, &list))
      return FALSE;
    out->groups = list.p;
    out->groups_len = list.left;
    return TRUE;
  }
  return TRUE;
}

gboolean
postern_front_hello_read (const guint8 *hello, gsize len, PosternFrontHello *out)
{
  Reader r = { hello, len };
  Reader suites, extensions;
  gsize session_id_len, suites_len, compression_len, extensions_len;

  memset (out, 0, sizeof *out);
  /* legacy_version, random, legacy_session_id<0..32>, cipher_suites<2..2^16-2>,
   * legacy_compression_methods<1..2^8-1>, extensions<8..2^16-1> (absent in old hellos) */
  if (!skip (&r, 2 + 32) || !read_u8 (&r, &session_id_len) || session_id_len > 32 || !skip (&r, session_id_len))
    return FALSE;
  if (!read_u16 (&r, &suites_len) || suites_len == 0 || suites_len % 2 != 0 || !read_vector (&r, suites_len, &suites))
    return FALSE;
  for (gsize suite; out->first_suite == 0 && read_u16 (&suites, &suite);)
    if (!is_placeholder ((guint16) suite))
      out->first_suite = (guint16) suite;
  if (!read_u8 (&r, &compression_len) || compression_len == 0 || !skip (&r, compression_len))
    return FALSE;
  if (r.left == 0)
    return TRUE;
  if (!read_u16 (&r, &extensions_len) || !read_vector (&r, extensions_len, &extensions))
    return FALSE;
  return read_groups (&extensions, out);
}
