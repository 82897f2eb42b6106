/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "cert-factory.h"
#include "tls-bundle.h"
#include "tls-selfsigned.h"

#define DAY (24 * 3600)

/* A CA hierarchy: root -> int1 -> int2 -> leaf, plus strays. */
typedef struct {
  gint64    now;
  TestCert *root;
  TestCert *int1;
  TestCert *int2;
  TestCert *leaf;
  TestCert *stranger; /* self-signed, unrelated */
} Pki;

static const char *const leaf_names[] = { "proxy.example.com", "*.meet.example.com", "192.0.2.10", NULL };

static void
pki_setup (Pki *pki, gconstpointer data)
{
  const char *const stranger_names[] = { "other.example.org", NULL };

  pki->now = g_get_real_time () / G_USEC_PER_SEC;
  pki->root = test_cert_new ("Test Root", NULL, TRUE, pki->now - 10 * DAY, pki->now + 3650 * DAY, NULL);
  pki->int1 = test_cert_new ("Test Intermediate 1", NULL, TRUE, pki->now - 10 * DAY, pki->now + 1000 * DAY, pki->root);
  pki->int2 = test_cert_new ("Test Intermediate 2", NULL, TRUE, pki->now - 10 * DAY, pki->now + 1000 * DAY, pki->int1);
  pki->leaf = test_cert_new ("proxy.example.com", leaf_names, FALSE, pki->now - DAY, pki->now + 90 * DAY, pki->int2);
  pki->stranger = test_cert_new ("other.example.org", stranger_names, FALSE, pki->now - DAY, pki->now + 90 * DAY, NULL);
}

static void
pki_teardown (Pki *pki, gconstpointer data)
{
  test_cert_free (pki->root);
  test_cert_free (pki->int1);
  test_cert_free (pki->int2);
  test_cert_free (pki->leaf);
  test_cert_free (pki->stranger);
}

/* Concatenates PEM parts: 'C' + cert, 'K' + key (of the given cert). */
static char *
bundle_pem (TestCert *first, ...)
{
  GString *out = g_string_new (NULL);
  va_list ap;

  va_start (ap, first);
  for (TestCert *c = first; c != NULL; c = va_arg (ap, TestCert *))
    {
      int kind = va_arg (ap, int);
      g_autofree char *pem = kind == 'K' ? test_cert_key_pem (c) : test_cert_pem (c);

      g_string_append (out, pem);
    }
  va_end (ap);
  return g_string_free (out, FALSE);
}

#define CRT(c) (c), 'C'
#define KEY(c) (c), 'K'

static void
expect_check (const char *pem, const char *fqdn, gint64 now, PosternTlsError code,
              const char *message_part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PosternTlsBundle) bundle = postern_tls_bundle_new_from_data (pem, strlen (pem), &error);

  g_assert_no_error (error);
  g_assert_nonnull (bundle);
  g_assert_false (postern_tls_bundle_check (bundle, fqdn, now, &error));
  g_assert_error (error, POSTERN_TLS_ERROR, (gint) code);
  g_test_message ("%s", error->message);
  if (message_part != NULL)
    g_assert_nonnull (strstr (error->message, message_part));
}

static void
expect_load_error (const char *pem, PosternTlsError code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PosternTlsBundle) bundle = postern_tls_bundle_new_from_data (pem, strlen (pem), &error);

  g_assert_null (bundle);
  g_assert_error (error, POSTERN_TLS_ERROR, (gint) code);
  g_test_message ("%s", error->message);
}

static void
expect_ok (const char *pem, const char *fqdn, gint64 now)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PosternTlsBundle) bundle = postern_tls_bundle_new_from_data (pem, strlen (pem), &error);

  g_assert_no_error (error);
  g_assert_true (postern_tls_bundle_check (bundle, fqdn, now, &error));
  g_assert_no_error (error);
}

static void
test_good_chain (Pki *pki, gconstpointer data)
{
  g_autofree char *pem = bundle_pem (CRT (pki->leaf), KEY (pki->leaf), CRT (pki->int2), CRT (pki->int1), NULL);
  g_autofree char *with_root = bundle_pem (CRT (pki->leaf), KEY (pki->leaf), CRT (pki->int2),
                                           CRT (pki->int1), CRT (pki->root), NULL);
  g_autofree char *leaf_only = bundle_pem (CRT (pki->leaf), KEY (pki->leaf), NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PosternTlsBundle) bundle = NULL;
  g_autofree char *report = NULL;
  gnutls_certificate_credentials_t creds;

  expect_ok (pem, "proxy.example.com", pki->now);
  expect_ok (pem, "PROXY.Example.com.", pki->now);
  expect_ok (pem, "a.meet.example.com", pki->now);
  expect_ok (pem, "192.0.2.10", pki->now);
  expect_ok (pem, NULL, pki->now);
  expect_ok (with_root, "proxy.example.com", pki->now);
  /* Without intermediates the chain is simply short, which is allowed. */
  expect_ok (leaf_only, "proxy.example.com", pki->now);

  bundle = postern_tls_bundle_new_from_data (pem, strlen (pem), &error);
  g_assert_no_error (error);
  report = postern_tls_bundle_describe (bundle, pki->now);
  g_assert_nonnull (strstr (report, "proxy.example.com, *.meet.example.com, 192.0.2.10"));
  g_assert_nonnull (strstr (report, "Test Intermediate 2"));
  g_assert_nonnull (strstr (report, "intermediates: 2"));
  g_assert_nonnull (strstr (report, "(90 days left)"));

  g_assert_cmpint (gnutls_certificate_allocate_credentials (&creds), ==, 0);
  g_assert_true (postern_tls_bundle_apply (bundle, creds, &error));
  g_assert_no_error (error);
  gnutls_certificate_free_credentials (creds);
}

static void
test_wrong_order (Pki *pki, gconstpointer data)
{
  g_autofree char *key_first = bundle_pem (KEY (pki->leaf), CRT (pki->leaf), CRT (pki->int2), NULL);
  g_autofree char *int_first = bundle_pem (CRT (pki->int2), KEY (pki->leaf), CRT (pki->leaf), NULL);
  g_autofree char *key_last = bundle_pem (CRT (pki->leaf), CRT (pki->int2), KEY (pki->leaf), NULL);
  g_autofree char *ints_reversed = bundle_pem (CRT (pki->leaf), KEY (pki->leaf), CRT (pki->int1),
                                               CRT (pki->int2), NULL);
  g_autofree char *two_keys = bundle_pem (CRT (pki->leaf), KEY (pki->leaf), KEY (pki->leaf), NULL);

  expect_check (key_first, NULL, pki->now, POSTERN_TLS_ERROR_WRONG_ORDER, "comes before");
  expect_check (int_first, NULL, pki->now, POSTERN_TLS_ERROR_WRONG_ORDER, "certificate #2");
  expect_check (key_last, NULL, pki->now, POSTERN_TLS_ERROR_WRONG_ORDER, "after an intermediate");
  expect_check (ints_reversed, NULL, pki->now, POSTERN_TLS_ERROR_WRONG_ORDER, "out of order");
  expect_load_error (two_keys, POSTERN_TLS_ERROR_WRONG_ORDER);
}

static void
test_key_mismatch (Pki *pki, gconstpointer data)
{
  g_autofree char *pem = bundle_pem (CRT (pki->leaf), KEY (pki->stranger), CRT (pki->int2), NULL);

  expect_check (pem, NULL, pki->now, POSTERN_TLS_ERROR_KEY_MISMATCH, "proxy.example.com");
}

static void
test_validity (Pki *pki, gconstpointer data)
{
  g_autoptr(TestCert) old = test_cert_new ("proxy.example.com", leaf_names, FALSE,
                                           pki->now - 400 * DAY, pki->now - DAY, pki->int2);
  g_autoptr(TestCert) future = test_cert_new ("proxy.example.com", leaf_names, FALSE,
                                              pki->now + DAY, pki->now + 400 * DAY, pki->int2);
  g_autoptr(TestCert) old_int = test_cert_new ("Test Intermediate 2", NULL, TRUE,
                                               pki->now - 400 * DAY, pki->now - DAY, pki->int1);
  g_autoptr(TestCert) leaf_of_old = test_cert_new ("proxy.example.com", leaf_names, FALSE,
                                                   pki->now - 2 * DAY, pki->now + 90 * DAY, old_int);
  g_autofree char *expired = bundle_pem (CRT (old), KEY (old), CRT (pki->int2), NULL);
  g_autofree char *not_yet = bundle_pem (CRT (future), KEY (future), CRT (pki->int2), NULL);
  g_autofree char *expired_int = bundle_pem (CRT (leaf_of_old), KEY (leaf_of_old), CRT (old_int), NULL);
  g_autofree char *good = bundle_pem (CRT (pki->leaf), KEY (pki->leaf), CRT (pki->int2), NULL);

  expect_check (expired, NULL, pki->now, POSTERN_TLS_ERROR_EXPIRED, "The server certificate");
  expect_check (not_yet, NULL, pki->now, POSTERN_TLS_ERROR_NOT_YET_VALID, "not valid before");
  expect_check (expired_int, NULL, pki->now, POSTERN_TLS_ERROR_EXPIRED, "Certificate #2");
  /* The same good bundle, checked at other instants. */
  expect_check (good, NULL, pki->now + 100 * DAY, POSTERN_TLS_ERROR_EXPIRED, NULL);
  expect_check (good, NULL, pki->now - 2 * DAY, POSTERN_TLS_ERROR_NOT_YET_VALID, NULL);
}

static void
test_name (Pki *pki, gconstpointer data)
{
  g_autoptr(TestCert) no_san = test_cert_new ("proxy.example.com", NULL, FALSE,
                                              pki->now - DAY, pki->now + DAY, pki->int2);
  g_autofree char *pem = bundle_pem (CRT (pki->leaf), KEY (pki->leaf), CRT (pki->int2), NULL);
  g_autofree char *cn_only = bundle_pem (CRT (no_san), KEY (no_san), CRT (pki->int2), NULL);

  expect_check (pem, "other.example.com", pki->now, POSTERN_TLS_ERROR_NAME_MISMATCH,
                "proxy.example.com, *.meet.example.com, 192.0.2.10");
  /* Wildcards cover exactly one label. */
  expect_check (pem, "meet.example.com", pki->now, POSTERN_TLS_ERROR_NAME_MISMATCH, NULL);
  expect_check (pem, "a.b.meet.example.com", pki->now, POSTERN_TLS_ERROR_NAME_MISMATCH, NULL);
  /* An IP only matches an IP SAN. */
  expect_check (pem, "192.0.2.11", pki->now, POSTERN_TLS_ERROR_NAME_MISMATCH, NULL);
  /* The CN alone names nothing. */
  expect_check (cn_only, "proxy.example.com", pki->now, POSTERN_TLS_ERROR_NAME_MISMATCH, "no subjectAltName");
}

static void
test_broken_chain (Pki *pki, gconstpointer data)
{
  g_autoptr(TestCert) not_ca = test_cert_new ("Not A CA", NULL, FALSE, pki->now - DAY, pki->now + DAY, pki->int1);
  g_autoptr(TestCert) signed_by_leaf = test_cert_new ("proxy.example.com", leaf_names, FALSE,
                                                      pki->now - DAY, pki->now + DAY, not_ca);
  g_autofree char *skipped = bundle_pem (CRT (pki->leaf), KEY (pki->leaf), CRT (pki->int1), NULL);
  g_autofree char *stranger = bundle_pem (CRT (pki->leaf), KEY (pki->leaf), CRT (pki->stranger), NULL);
  g_autofree char *non_ca = bundle_pem (CRT (signed_by_leaf), KEY (signed_by_leaf), CRT (not_ca), NULL);

  expect_check (skipped, NULL, pki->now, POSTERN_TLS_ERROR_BROKEN_CHAIN, "Test Intermediate 1");
  expect_check (stranger, NULL, pki->now, POSTERN_TLS_ERROR_BROKEN_CHAIN, NULL);
  expect_check (non_ca, NULL, pki->now, POSTERN_TLS_ERROR_BROKEN_CHAIN, NULL);
}

static void
test_encrypted_key (Pki *pki, gconstpointer data)
{
  g_autofree char *crt = test_cert_pem (pki->leaf);
  g_autofree char *key = test_cert_key_pem_encrypted (pki->leaf, "secret");
  g_autofree char *pem = g_strconcat (crt, key, NULL);
  g_autofree char *legacy = g_strconcat (crt, "-----BEGIN RSA PRIVATE KEY-----\n"
                                         "Proc-Type: 4,ENCRYPTED\n"
                                         "DEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n"
                                         "AAAA\n-----END RSA PRIVATE KEY-----\n", NULL);

  g_assert_nonnull (strstr (key, "ENCRYPTED PRIVATE KEY"));
  expect_load_error (pem, POSTERN_TLS_ERROR_ENCRYPTED_KEY);
  expect_load_error (legacy, POSTERN_TLS_ERROR_ENCRYPTED_KEY);
}

static void
test_malformed (Pki *pki, gconstpointer data)
{
  g_autofree char *crt = test_cert_pem (pki->leaf);
  g_autofree char *key = test_cert_key_pem (pki->leaf);
  g_autofree char *no_key = g_strdup (crt);
  g_autofree char *params = g_strconcat (crt, key, "-----BEGIN DH PARAMETERS-----\nAAAA\n-----END DH PARAMETERS-----\n", NULL);
  g_autofree char *garbage = g_strconcat ("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n", key, NULL);
  g_autofree char *truncated = g_strndup (crt, strlen (crt) - 10);

  expect_load_error ("", POSTERN_TLS_ERROR_NO_CERTIFICATE);
  expect_load_error (key, POSTERN_TLS_ERROR_NO_CERTIFICATE);
  expect_load_error (no_key, POSTERN_TLS_ERROR_NO_KEY);
  expect_load_error (params, POSTERN_TLS_ERROR_PARSE);
  expect_load_error (garbage, POSTERN_TLS_ERROR_PARSE);
  expect_load_error (truncated, POSTERN_TLS_ERROR_PARSE);
}

static void
test_name_matching (void)
{
  g_assert_true (postern_tls_name_matches ("proxy.example.com", "proxy.example.com"));
  g_assert_true (postern_tls_name_matches ("Proxy.Example.COM", "proxy.example.com."));
  g_assert_true (postern_tls_name_matches ("*.example.com", "a.example.com"));
  g_assert_false (postern_tls_name_matches ("*.example.com", "example.com"));
  g_assert_false (postern_tls_name_matches ("*.example.com", ".example.com"));
  g_assert_false (postern_tls_name_matches ("*.example.com", "a.b.example.com"));
  g_assert_false (postern_tls_name_matches ("*.com", "example.com"));
  g_assert_false (postern_tls_name_matches ("*.com.", "example.com"));
  g_assert_false (postern_tls_name_matches ("f*.example.com", "foo.example.com"));
  g_assert_false (postern_tls_name_matches ("*oo.example.com", "foo.example.com"));
  g_assert_false (postern_tls_name_matches ("a.*.example.com", "a.b.example.com"));
  g_assert_false (postern_tls_name_matches ("*.*.example.com", "a.b.example.com"));
  g_assert_false (postern_tls_name_matches ("*", "localhost"));
  g_assert_false (postern_tls_name_matches ("proxy.example.com", "proxy.example.co"));
  g_assert_false (postern_tls_name_matches ("", ""));
}

static void
check_generated (PosternTlsKeyType type)
{
  const char *names[] = { "edge.example.net", "127.0.0.1", "::1", NULL };
  g_autofree char *pem = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_assert_true (postern_tls_selfsigned_generate (names, type, 30, &pem, &error));
  g_assert_no_error (error);
  expect_ok (pem, "edge.example.net", now);
  expect_ok (pem, "127.0.0.1", now);
  expect_ok (pem, "[::1]", now);
  expect_check (pem, "other.example.net", now, POSTERN_TLS_ERROR_NAME_MISMATCH, NULL);
  expect_check (pem, NULL, now + 31 * DAY, POSTERN_TLS_ERROR_EXPIRED, NULL);
}

static void
test_selfsigned_ecdsa (void)
{
  check_generated (POSTERN_TLS_KEY_ECDSA_P256);
}

static void
test_selfsigned_rsa (void)
{
  check_generated (POSTERN_TLS_KEY_RSA_2048);
}

static void
test_selfsigned_save_and_check_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tls-bundle-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "selfsigned.pem", NULL);
  g_autofree char *report = NULL;
  g_autofree char *missing = g_build_filename (dir, "missing.pem", NULL);
  struct stat st;

  g_assert_no_error (error);
  g_assert_true (postern_tls_selfsigned_save ("edge.example.net", POSTERN_TLS_KEY_ECDSA_P256, path, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  report = postern_tls_bundle_check_file (path, "edge.example.net", &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (report, "names: edge.example.net\n"));
  g_assert_nonnull (strstr (report, "ECDSA"));
  g_assert_nonnull (strstr (report, "intermediates: 0"));
  g_clear_pointer (&report, g_free);

  report = postern_tls_bundle_check_file (path, "wrong.example.net", &error);
  g_assert_null (report);
  g_assert_error (error, POSTERN_TLS_ERROR, POSTERN_TLS_ERROR_NAME_MISMATCH);
  g_clear_error (&error);

  report = postern_tls_bundle_check_file (missing, NULL, &error);
  g_assert_null (report);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);

  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gnutls_global_init ();

#define ADD(name, fn) g_test_add (name, Pki, NULL, pki_setup, fn, pki_teardown)
  ADD ("/tls-bundle/good-chain", test_good_chain);
  ADD ("/tls-bundle/wrong-order", test_wrong_order);
  ADD ("/tls-bundle/key-mismatch", test_key_mismatch);
  ADD ("/tls-bundle/validity", test_validity);
  ADD ("/tls-bundle/name", test_name);
  ADD ("/tls-bundle/broken-chain", test_broken_chain);
  ADD ("/tls-bundle/encrypted-key", test_encrypted_key);
  ADD ("/tls-bundle/malformed", test_malformed);
#undef ADD
  g_test_add_func ("/tls-bundle/name-matching", test_name_matching);
  g_test_add_func ("/tls-bundle/selfsigned-ecdsa", test_selfsigned_ecdsa);
  g_test_add_func ("/tls-bundle/selfsigned-rsa", test_selfsigned_rsa);
  g_test_add_func ("/tls-bundle/selfsigned-save-and-check-file", test_selfsigned_save_and_check_file);
  return g_test_run ();
}
