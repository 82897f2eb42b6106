/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "postern-front-cipher-pref.h"
#include "postern-front-hello.h"

/* The front's cipher preference: the server order derived from a
 * configured priority string keeps its suites and groups and puts AES-GCM
 * then ChaCha20 first; a ClientHello gets the client's order if it names
 * ChaCha20 first, else the server's with the group the client would pick;
 * the ClientHello reader stays within the bytes, whatever they are. */

static gnutls_priority_t
parse (const gchar *priority)
{
  gnutls_priority_t p = NULL;
  const char *err = NULL;

  g_assert_cmpint (gnutls_priority_init (&p, priority, &err), ==, 0);
  return p;
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar *const *) a, *(const gchar *const *) b);
}

/* The cipher suites of @p, in order, as "name name ..." */
static gchar *
suites (gnutls_priority_t p, gboolean sorted)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  unsigned int idx;

  for (unsigned int i = 0; gnutls_priority_get_cipher_suite_index (p, i, &idx) != GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE;
       i++) {
    const char *name = gnutls_cipher_suite_info (idx, NULL, NULL, NULL, NULL, NULL);
    if (name != NULL)
      g_ptr_array_add (names, (gpointer) name);
  }
  if (sorted)
    g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (gchar **) names->pdata);
}

static void
check_server_order (const gchar *configured, const gchar *const *expected_first)
{
  gnutls_priority_t parsed = parse (configured);
  g_autofree gchar *derived = postern_front_cipher_pref_server_order (configured, parsed, GNUTLS_GROUP_INVALID);
  gnutls_priority_t server;
  g_autofree gchar *before = NULL, *after = NULL, *order = NULL;
  g_auto(GStrv) first = NULL;

  g_assert_nonnull (derived);
  server = parse (derived);
  before = suites (parsed, TRUE);
  after = suites (server, TRUE);
  g_assert_cmpstr (after, ==, before);
  order = suites (server, FALSE);
  g_test_message ("%s -> %s: %s", configured, derived, order);
  first = g_strsplit (order, " ", -1);
  for (guint i = 0; expected_first[i] != NULL; i++) {
    g_assert_nonnull (first[i]);
    g_assert_cmpstr (first[i], ==, expected_first[i]);
  }
  gnutls_priority_deinit (parsed);
  gnutls_priority_deinit (server);
}

static void
test_server_order (void)
{
  const gchar *const tls13[] = { "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
                                 NULL };
  const gchar *const tls13_no_chacha[] = { "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                                           "TLS_AES_128_CCM_SHA256", NULL };
  /* GnuTLS lists TLS 1.3 suites for their ciphers, TLS 1.3 enabled or not */
  const gchar *const tls12[] = { "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
                                 "TLS_ECDHE_RSA_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_AES_256_GCM_SHA384",
                                 "TLS_ECDHE_RSA_CHACHA20_POLY1305", NULL };

  check_server_order ("NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2", tls13);
  check_server_order ("NORMAL", tls13);
  check_server_order ("SECURE256:+SECURE128", tls13);
  check_server_order ("NORMAL:-CHACHA20-POLY1305", tls13_no_chacha);
  check_server_order ("NONE:+VERS-TLS1.2:+ECDHE-RSA:+CHACHA20-POLY1305:+AES-256-GCM:+AES-128-GCM:+AEAD:+SIGN-ALL:"
                      "+GROUP-ALL:+COMP-NULL",
                      tls12);
}

static void
test_server_precedence_kept (void)
{
  const gchar *const configured[] = { "NORMAL:%SERVER_PRECEDENCE", "SECURE128:%SERVER_PRECEDENCE:-VERS-TLS1.0" };

  for (guint i = 0; i < G_N_ELEMENTS (configured); i++) {
    gnutls_priority_t parsed = parse (configured[i]);
    g_autoptr(PosternFrontCipherPref) pref = postern_front_cipher_pref_new (configured[i], NULL);
    g_assert_null (postern_front_cipher_pref_server_order (configured[i], parsed, GNUTLS_GROUP_X25519));
    g_assert_false (postern_front_cipher_pref_active (pref));
    gnutls_priority_deinit (parsed);
  }
}

static void
test_group_first (void)
{
  const gchar *configured = "NORMAL:+GROUP-FFDHE2048";
  gnutls_priority_t parsed = parse (configured);
  g_autofree gchar *derived = postern_front_cipher_pref_server_order (configured, parsed, GNUTLS_GROUP_FFDHE2048);
  gnutls_priority_t server = parse (derived);
  const unsigned int *before, *after;
  int n_before = gnutls_priority_group_list (parsed, &before);
  int n_after = gnutls_priority_group_list (server, &after);

  g_test_message ("%s", derived);
  g_assert_cmpint (n_after, ==, n_before);
  g_assert_cmpuint (after[0], ==, GNUTLS_GROUP_FFDHE2048);
  for (int i = 0, j = 1; i < n_before; i++)
    if (before[i] != GNUTLS_GROUP_FFDHE2048)
      g_assert_cmpuint (after[j++], ==, before[i]);
  gnutls_priority_deinit (parsed);
  gnutls_priority_deinit (server);
}

/* A ClientHello body: legacy_version, random, a session id of @sid_len,
 * the suites, null compression, and a supported_groups extension with
 * @groups (between two others) unless @n_groups is 0. */
static GByteArray *
hello (guint sid_len, const guint16 *suites, guint n_suites, const guint16 *groups, guint n_groups)
{
  GByteArray *h = g_byte_array_new ();
  g_autoptr(GByteArray) ext = g_byte_array_new ();

#define U8(a, v) g_byte_array_append (a, (guint8[]) { (guint8) (v) }, 1)
#define U16(a, v) g_byte_array_append (a, (guint8[]) { (guint8) ((v) >> 8), (guint8) (v) }, 2)
  U16 (h, 0x0303);
  for (guint i = 0; i < 32; i++)
    U8 (h, i);
  U8 (h, sid_len);
  for (guint i = 0; i < sid_len; i++)
    U8 (h, 0xaa);
  U16 (h, n_suites * 2);
  for (guint i = 0; i < n_suites; i++)
    U16 (h, suites[i]);
  U8 (h, 1);
  U8 (h, 0);
  if (n_groups == 0)
    return h;
  U16 (ext, 0x0000); /* server_name, empty */
  U16 (ext, 0);
  U16 (ext, 0x000a);
  U16 (ext, 2 + n_groups * 2);
  U16 (ext, n_groups * 2);
  for (guint i = 0; i < n_groups; i++)
    U16 (ext, groups[i]);
  U16 (ext, 0x002b); /* supported_versions: TLS 1.3 */
  U16 (ext, 3);
  U8 (ext, 2);
  U16 (ext, 0x0304);
  U16 (h, ext->len);
  g_byte_array_append (h, ext->data, ext->len);
#undef U8
#undef U16
  return h;
}

static void
test_hello_read (void)
{
  const guint16 grease_chacha[] = { 0x3a3a, 0xcca9, 0xc02b };
  const guint16 scsv_aes[] = { 0x00ff, 0x5600, 0x1302 };
  const guint16 only_placeholders[] = { 0x0a0a, 0x00ff };
  const guint16 groups[] = { 0x1a1a, 0x001d, 0x0017 };
  PosternFrontHello h;
  g_autoptr(GByteArray) a = hello (32, grease_chacha, G_N_ELEMENTS (grease_chacha), groups, G_N_ELEMENTS (groups));
  g_autoptr(GByteArray) b = hello (0, scsv_aes, G_N_ELEMENTS (scsv_aes), NULL, 0);
  g_autoptr(GByteArray) c = hello (0, only_placeholders, G_N_ELEMENTS (only_placeholders), groups, 1);

  g_assert_true (postern_front_hello_read (a->data, a->len, &h));
  g_assert_cmphex (h.first_suite, ==, 0xcca9);
  g_assert_cmpuint (h.groups_len, ==, 6);
  g_assert_cmpmem (h.groups, 6, ((guint8[]) { 0x1a, 0x1a, 0x00, 0x1d, 0x00, 0x17 }), 6);
  g_assert_true (postern_front_hello_read (b->data, b->len, &h));
  g_assert_cmphex (h.first_suite, ==, 0x1302);
  g_assert_null (h.groups);
  g_assert_true (postern_front_hello_read (c->data, c->len, &h));
  g_assert_cmphex (h.first_suite, ==, 0);
  g_assert_cmpuint (h.groups_len, ==, 2);
}

/* Every cut of a hello is refused except the one right after the
 * compression methods (a hello without extensions), read within the bytes
 * given (a copy of exactly that size, for ASan); and lengths that lie. */
static void
test_hello_malformed (void)
{
  const guint16 suites[] = { 0x1303 };
  const guint16 groups[] = { 0x001d };
  g_autoptr(GByteArray) h = hello (32, suites, 1, groups, 1);
  gsize suites_at = 2 + 32 + 1 + 32;
  gsize extensions_at = suites_at + 2 + 2 + 2;
  PosternFrontHello out;

  for (gsize len = 0; len <= h->len; len++) {
    g_autofree guint8 *cut = g_memdup2 (h->data, len);
    g_assert_cmpint (postern_front_hello_read (cut, len, &out), ==, len == extensions_at || len == h->len);
  }
  h->data[2 + 32] = 33;
  g_assert_false (postern_front_hello_read (h->data, h->len, &out));
  h->data[2 + 32] = 32;
  for (guint k = 0; k < 3; k++) {
    const guint8 lengths[] = { 0x40, 3, 0 };
    h->data[suites_at + 1] = lengths[k];
    g_assert_false (postern_front_hello_read (h->data, h->len, &out));
  }
  h->data[suites_at + 1] = 2;
  h->data[extensions_at + 1]++; /* the extensions' length */
  g_assert_false (postern_front_hello_read (h->data, h->len, &out));
  h->data[extensions_at + 1]--;
  h->data[extensions_at + 2 + 4 + 3] = 1; /* supported_groups' length, shorter than its list */
  g_assert_false (postern_front_hello_read (h->data, h->len, &out));
  h->data[extensions_at + 2 + 4 + 3] = 0x20; /* longer than the extensions */
  g_assert_false (postern_front_hello_read (h->data, h->len, &out));
  h->data[extensions_at + 2 + 4 + 3] = 4;
  h->data[extensions_at + 2 + 4 + 5] = 1; /* the list's length, odd */
  g_assert_false (postern_front_hello_read (h->data, h->len, &out));
}

static unsigned int
first_cipher (gnutls_priority_t p)
{
  const unsigned int *list;
  g_assert_cmpint (gnutls_priority_cipher_list (p, &list), >, 0);
  return list[0];
}

static unsigned int
first_group (gnutls_priority_t p)
{
  const unsigned int *list;
  g_assert_cmpint (gnutls_priority_group_list (p, &list), >, 0);
  return list[0];
}

typedef struct {
  unsigned int cipher;
  unsigned int group;
} Choice;

static Choice
choose (PosternFrontCipherPref *pref, const guint16 *suites, guint n_suites, const guint16 *groups, guint n_groups)
{
  g_autoptr(GByteArray) h = hello (0, suites, n_suites, groups, n_groups);
  gnutls_priority_t p = postern_front_cipher_pref_for_hello (pref, h->data, h->len);

  if (p == NULL)
    p = postern_front_cipher_pref_initial (pref);
  return (Choice) { first_cipher (p), first_group (p) };
}

static void
test_for_hello (void)
{
  g_autoptr(PosternFrontCipherPref) pref = postern_front_cipher_pref_new (
    "NORMAL:-CIPHER-ALL:+AES-256-GCM:+CHACHA20-POLY1305:+AES-128-GCM:-GROUP-ALL:+GROUP-SECP256R1:+GROUP-X25519:"
    "+GROUP-FFDHE2048", NULL);
  const guint16 aes256[] = { 0x1302, 0x1303, 0x1301 };
  const guint16 chacha[] = { 0x0a0a, 0x1303, 0x1301 };
  const guint16 x25519[] = { 0x2a2a, 0x6399, 0x001d, 0x0017 };
  const guint16 p256[] = { 0x0017, 0x001d };
  const guint16 dh_first[] = { 0x0100, 0x001d };
  const guint16 dh_only[] = { 0x0100, 0x0101 };
  const guint16 unknown[] = { 0x0019, 0x6399 };
  Choice c;

  g_assert_true (postern_front_cipher_pref_active (pref));
  c = choose (pref, aes256, 3, x25519, G_N_ELEMENTS (x25519));
  g_assert_cmpuint (c.cipher, ==, GNUTLS_CIPHER_AES_128_GCM);
  g_assert_cmpuint (c.group, ==, GNUTLS_GROUP_X25519);
  c = choose (pref, aes256, 3, p256, G_N_ELEMENTS (p256));
  g_assert_cmpuint (c.cipher, ==, GNUTLS_CIPHER_AES_128_GCM);
  g_assert_cmpuint (c.group, ==, GNUTLS_GROUP_SECP256R1);
  c = choose (pref, aes256, 3, dh_first, G_N_ELEMENTS (dh_first));
  g_assert_cmpuint (c.group, ==, GNUTLS_GROUP_X25519);
  c = choose (pref, aes256, 3, dh_only, G_N_ELEMENTS (dh_only));
  g_assert_cmpuint (c.cipher, ==, GNUTLS_CIPHER_AES_128_GCM);
  g_assert_cmpuint (c.group, ==, GNUTLS_GROUP_FFDHE2048);
  c = choose (pref, aes256, 3, unknown, G_N_ELEMENTS (unknown));
  g_assert_cmpuint (c.cipher, ==, GNUTLS_CIPHER_AES_128_GCM);
  g_assert_cmpuint (c.group, ==, GNUTLS_GROUP_SECP256R1);
  c = choose (pref, aes256, 3, NULL, 0);
  g_assert_cmpuint (c.cipher, ==, GNUTLS_CIPHER_AES_128_GCM);
  /* ChaCha20 first: the configured priority, the client's order */
  c = choose (pref, chacha, 3, x25519, G_N_ELEMENTS (x25519));
  g_assert_cmpuint (c.cipher, ==, GNUTLS_CIPHER_AES_256_GCM);
  g_assert_cmpuint (c.group, ==, GNUTLS_GROUP_SECP256R1);
  g_assert_null (postern_front_cipher_pref_for_hello (pref, (const guint8 *) "\x03\x03", 2));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/front-cipher-pref/server-order", test_server_order);
  g_test_add_func ("/front-cipher-pref/server-precedence-kept", test_server_precedence_kept);
  g_test_add_func ("/front-cipher-pref/group-first", test_group_first);
  g_test_add_func ("/front-cipher-pref/hello-read", test_hello_read);
  g_test_add_func ("/front-cipher-pref/hello-malformed", test_hello_malformed);
  g_test_add_func ("/front-cipher-pref/for-hello", test_for_hello);
  return g_test_run ();
}
