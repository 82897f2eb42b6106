/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "postern-front-cipher-pref.h"

/* The front's cipher preference: the server order derived from a
 * configured priority string keeps its suites and puts AES-GCM then
 * ChaCha20 first; the ClientHello reader finds a ChaCha20-first client and
 * nothing else, whatever the bytes. */

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
  g_autofree gchar *derived = postern_front_cipher_pref_priority (configured, parsed);
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
    g_assert_null (postern_front_cipher_pref_priority (configured[i], parsed));
    gnutls_priority_deinit (parsed);
  }
}

/* A ClientHello body: legacy_version, random, a session id of @sid_len,
 * the suites, compression, no extensions. */
static GByteArray *
hello (guint sid_len, const guint16 *ids, guint n)
{
  GByteArray *h = g_byte_array_new ();
  guint8 b[2] = { 0x03, 0x03 };

  g_byte_array_append (h, b, 2);
  for (guint i = 0; i < 32; i++)
    g_byte_array_append (h, (guint8[]) { (guint8) i }, 1);
  g_byte_array_append (h, (guint8[]) { (guint8) sid_len }, 1);
  for (guint i = 0; i < sid_len; i++)
    g_byte_array_append (h, (guint8[]) { 0xaa }, 1);
  b[0] = (guint8) (n * 2 >> 8);
  b[1] = (guint8) (n * 2);
  g_byte_array_append (h, b, 2);
  for (guint i = 0; i < n; i++) {
    b[0] = (guint8) (ids[i] >> 8);
    b[1] = (guint8) ids[i];
    g_byte_array_append (h, b, 2);
  }
  g_byte_array_append (h, (guint8[]) { 1, 0 }, 2);
  return h;
}

static gboolean
chacha_first (guint sid_len, const guint16 *ids, guint n)
{
  g_autoptr(GByteArray) h = hello (sid_len, ids, n);

  return postern_front_cipher_pref_chacha_first (h->data, h->len);
}

static void
test_client_hello (void)
{
  const guint16 chacha13[] = { 0x1303, 0x1301, 0x1302 };
  const guint16 aes256[] = { 0x1302, 0x1303, 0x1301 };
  const guint16 grease_chacha[] = { 0x3a3a, 0xcca9, 0xc02b };
  const guint16 grease_aes[] = { 0xdada, 0x1301, 0x1303 };
  const guint16 scsv_chacha12[] = { 0x00ff, 0x5600, 0xcca8, 0xc02f };
  const guint16 chacha_dhe[] = { 0xccaa };
  const guint16 only_grease[] = { 0x0a0a, 0x00ff };
  const guint16 psk_chacha[] = { 0xccab, 0x1303 };

  g_assert_true (chacha_first (32, chacha13, G_N_ELEMENTS (chacha13)));
  g_assert_true (chacha_first (0, chacha13, G_N_ELEMENTS (chacha13)));
  g_assert_false (chacha_first (32, aes256, G_N_ELEMENTS (aes256)));
  g_assert_true (chacha_first (0, grease_chacha, G_N_ELEMENTS (grease_chacha)));
  g_assert_false (chacha_first (0, grease_aes, G_N_ELEMENTS (grease_aes)));
  g_assert_true (chacha_first (0, scsv_chacha12, G_N_ELEMENTS (scsv_chacha12)));
  g_assert_true (chacha_first (0, chacha_dhe, G_N_ELEMENTS (chacha_dhe)));
  g_assert_false (chacha_first (0, only_grease, G_N_ELEMENTS (only_grease)));
  g_assert_false (chacha_first (0, psk_chacha, G_N_ELEMENTS (psk_chacha)));
  g_assert_false (chacha_first (0, chacha13, 0));
}

/* Every cut of a ChaCha20-first hello before its first suite, a session id
 * longer than 32 and suite lengths that are odd or overrun: FALSE, read
 * within the bytes given (a copy of exactly that size, for ASan). */
static void
test_client_hello_malformed (void)
{
  const guint16 ids[] = { 0x1303 };
  g_autoptr(GByteArray) h = hello (32, ids, 1);
  gsize first_suite_end = 2 + 32 + 1 + 32 + 2 + 2;

  for (gsize len = 0; len < first_suite_end; len++) {
    g_autofree guint8 *cut = g_memdup2 (h->data, len);
    g_assert_false (postern_front_cipher_pref_chacha_first (cut, len));
  }
  g_assert_true (postern_front_cipher_pref_chacha_first (h->data, first_suite_end));

  h->data[2 + 32] = 33;
  g_assert_false (postern_front_cipher_pref_chacha_first (h->data, h->len));
  h->data[2 + 32] = 32;
  h->data[2 + 32 + 1 + 32 + 1] = 3;
  g_assert_false (postern_front_cipher_pref_chacha_first (h->data, h->len));
  h->data[2 + 32 + 1 + 32] = 0xff;
  h->data[2 + 32 + 1 + 32 + 1] = 0xfe;
  g_assert_false (postern_front_cipher_pref_chacha_first (h->data, h->len));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/front-cipher-pref/server-order", test_server_order);
  g_test_add_func ("/front-cipher-pref/server-precedence-kept", test_server_precedence_kept);
  g_test_add_func ("/front-cipher-pref/client-hello", test_client_hello);
  g_test_add_func ("/front-cipher-pref/client-hello-malformed", test_client_hello_malformed);
  return g_test_run ();
}
