/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "postern-front-cipher-pref.h"

#include <string.h>

#include "postern-front-hello.h"

struct _PosternFrontCipherPref {
  gnutls_priority_t configured;
  /* server order, by_group[i] with groups[i] first; by_group[0] is the
   * configured group order. NULL when the configured priority is all. */
  gnutls_priority_t *by_group;
  const unsigned int *groups; /* in configured */
  int n_groups;
};

/* GnuTLS adds an algorithm at the end of its list: an order is made by
 * removing all and adding them back. */
static const gnutls_cipher_algorithm_t preferred[] = {
  GNUTLS_CIPHER_AES_128_GCM,
  GNUTLS_CIPHER_AES_256_GCM,
  GNUTLS_CIPHER_CHACHA20_POLY1305,
};

static gboolean
contains (const unsigned int *list, int n, unsigned int v)
{
  for (int i = 0; i < n; i++)
    if (list[i] == v)
      return TRUE;
  return FALSE;
}

gchar *
postern_front_cipher_pref_server_order (const gchar *priority, gnutls_priority_t parsed, gnutls_group_t first_group)
{
  g_auto(GStrv) tokens = g_strsplit (priority, ":", -1);
  const unsigned int *ciphers = NULL, *groups = NULL;
  int n_ciphers = gnutls_priority_cipher_list (parsed, &ciphers);
  int n_groups = gnutls_priority_group_list (parsed, &groups);
  GString *order;

  for (gchar **t = tokens; *t != NULL; t++)
    if (strcmp (*t, "%SERVER_PRECEDENCE") == 0)
      return NULL;
  order = g_string_new (priority);
  g_string_append (order, ":%SERVER_PRECEDENCE:-CIPHER-ALL");
  for (gsize i = 0; i < G_N_ELEMENTS (preferred); i++)
    if (contains (ciphers, n_ciphers, preferred[i]))
      g_string_append_printf (order, ":+%s", gnutls_cipher_get_name (preferred[i]));
  for (int i = 0; i < n_ciphers; i++)
    if (!contains (preferred, G_N_ELEMENTS (preferred), ciphers[i]))
      g_string_append_printf (order, ":+%s", gnutls_cipher_get_name (ciphers[i]));
  if (first_group != GNUTLS_GROUP_INVALID && n_groups > 0) {
    g_string_append_printf (order, ":-GROUP-ALL:+GROUP-%s", gnutls_group_get_name (first_group));
    for (int i = 0; i < n_groups; i++)
      if (groups[i] != first_group)
        g_string_append_printf (order, ":+GROUP-%s", gnutls_group_get_name (groups[i]));
  }
  return g_string_free (order, FALSE);
}

static void
free_by_group (PosternFrontCipherPref *pref)
{
  for (int i = 0; pref->by_group != NULL && i < pref->n_groups; i++)
    if (pref->by_group[i] != NULL)
      gnutls_priority_deinit (pref->by_group[i]);
  g_clear_pointer (&pref->by_group, g_free);
}

/* by_group stays NULL if the configured string is to be used as it is. */
static void
load_server_orders (PosternFrontCipherPref *pref, const gchar *priority)
{
  const unsigned int *ciphers = NULL;

  pref->n_groups = gnutls_priority_group_list (pref->configured, &pref->groups);
  if (pref->n_groups <= 0 || gnutls_priority_cipher_list (pref->configured, &ciphers) <= 0)
    return;
  pref->by_group = g_new0 (gnutls_priority_t, pref->n_groups);
  for (int i = 0; i < pref->n_groups; i++) {
    g_autofree gchar *order =
      postern_front_cipher_pref_server_order (priority, pref->configured, i == 0 ? GNUTLS_GROUP_INVALID : pref->groups[i]);
    int rc;

    if (order == NULL) {
      free_by_group (pref);
      return;
    }
    if ((rc = gnutls_priority_init (&pref->by_group[i], order, NULL)) < 0) {
      pref->by_group[i] = NULL;
      g_message ("tls-priority '%s': no server cipher order (%s), the client's is used", priority, gnutls_strerror (rc));
      free_by_group (pref);
      return;
    }
  }
}

PosternFrontCipherPref *
postern_front_cipher_pref_new (const gchar *priority, GError **error)
{
  g_autoptr(PosternFrontCipherPref) pref = g_new0 (PosternFrontCipherPref, 1);
  const char *err_pos = NULL;
  int rc;

  if ((rc = gnutls_priority_init (&pref->configured, priority, &err_pos)) < 0) {
    pref->configured = NULL;
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG, "tls-priority '%s' is invalid near '%s': %s",
                 priority, err_pos ? err_pos : "", gnutls_strerror (rc));
    return NULL;
  }
  load_server_orders (pref, priority);
  return g_steal_pointer (&pref);
}

void
postern_front_cipher_pref_free (PosternFrontCipherPref *pref)
{
  if (pref == NULL)
    return;
  free_by_group (pref);
  if (pref->configured != NULL)
    gnutls_priority_deinit (pref->configured);
  g_free (pref);
}

gnutls_priority_t
postern_front_cipher_pref_initial (PosternFrontCipherPref *pref)
{
  return pref->by_group != NULL ? pref->by_group[0] : pref->configured;
}

gboolean
postern_front_cipher_pref_active (PosternFrontCipherPref *pref)
{
  return pref->by_group != NULL;
}

static gboolean
is_chacha (guint16 suite)
{
  return suite == 0x1303 || (suite >= 0xcca8 && suite <= 0xccaa);
}

/* TLS group code points (RFC 8446, RFC 7919, RFC 9189) GnuTLS knows. */
static gnutls_group_t
group_of (guint16 id)
{
  switch (id) {
  case 19: return GNUTLS_GROUP_SECP192R1;
  case 21: return GNUTLS_GROUP_SECP224R1;
  case 23: return GNUTLS_GROUP_SECP256R1;
  case 24: return GNUTLS_GROUP_SECP384R1;
  case 25: return GNUTLS_GROUP_SECP521R1;
  case 29: return GNUTLS_GROUP_X25519;
  case 30: return GNUTLS_GROUP_X448;
  case 34: return GNUTLS_GROUP_GC256A;
  case 35: return GNUTLS_GROUP_GC256B;
  case 36: return GNUTLS_GROUP_GC256C;
  case 37: return GNUTLS_GROUP_GC256D;
  case 38: return GNUTLS_GROUP_GC512A;
  case 39: return GNUTLS_GROUP_GC512B;
  case 40: return GNUTLS_GROUP_GC512C;
  case 0x100: return GNUTLS_GROUP_FFDHE2048;
  case 0x101: return GNUTLS_GROUP_FFDHE3072;
  case 0x102: return GNUTLS_GROUP_FFDHE4096;
  case 0x103: return GNUTLS_GROUP_FFDHE6144;
  case 0x104: return GNUTLS_GROUP_FFDHE8192;
  default: return GNUTLS_GROUP_INVALID;
  }
}

/* The index in pref->groups of the client's first supported group that is
 * configured, finite field groups only if no curve is; -1 if none. */
static int
client_group (PosternFrontCipherPref *pref, const PosternFrontHello *hello)
{
  int dh = -1;

  for (gsize i = 0; i + 1 < hello->groups_len; i += 2) {
    guint16 id = (guint16) (hello->groups[i] << 8 | hello->groups[i + 1]);
    gnutls_group_t group = group_of (id);

    for (int j = 0; group != GNUTLS_GROUP_INVALID && j < pref->n_groups; j++) {
      if (pref->groups[j] != group)
        continue;
      if ((id >> 8) != 0x01)
        return j;
      if (dh < 0)
        dh = j;
    }
  }
  return dh;
}

gnutls_priority_t
postern_front_cipher_pref_for_hello (PosternFrontCipherPref *pref, const guint8 *hello, gsize len)
{
  PosternFrontHello h;
  int group;

  if (pref->by_group == NULL || !postern_front_hello_read (hello, len, &h))
    return NULL;
  if (is_chacha (h.first_suite))
    return pref->configured;
  group = client_group (pref, &h);
  return group > 0 ? pref->by_group[group] : NULL;
}
