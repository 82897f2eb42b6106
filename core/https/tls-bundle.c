/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tls-bundle.h"

#include <gio/gio.h>
#include <string.h>

#include "tls-gnutls.h"

#define EXPECTED_ORDER "expected: server certificate, private key, then intermediates"

struct _PosternTlsBundle {
  GPtrArray            *certs;        /* gnutls_x509_crt_t, in file order */
  gnutls_x509_privkey_t key;
  guint                 key_position; /* certificates before the key */
};

static void
crt_free (gpointer crt)
{
  gnutls_x509_crt_deinit (crt);
}

void
postern_tls_bundle_free (PosternTlsBundle *bundle)
{
  if (bundle == NULL)
    return;
  g_ptr_array_unref (bundle->certs);
  if (bundle->key != NULL)
    gnutls_x509_privkey_deinit (bundle->key);
  g_free (bundle);
}

static gboolean
set_error (GError **error, PosternTlsError code, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
set_error (GError **error, PosternTlsError code, const char *format, ...)
{
  va_list ap;
  g_autofree char *message = NULL;

  va_start (ap, format);
  message = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error_literal (error, POSTERN_TLS_ERROR, code, message);
  return FALSE;
}

/* Finds the next "-----BEGIN LABEL-----" ... "-----END LABEL-----" block;
 * returns FALSE when there is none left. Text between blocks is ignored,
 * as in every PEM reader. */
static gboolean
next_block (const char **cursor, const char *end, char **label,
            const char **block, gsize *block_len, GError **error)
{
  const char *begin = g_strstr_len (*cursor, end - *cursor, "-----BEGIN ");
  const char *label_end;
  g_autofree char *end_marker = NULL;
  const char *stop;

  if (begin == NULL)
    return FALSE;
  label_end = g_strstr_len (begin + 11, end - begin - 11, "-----");
  if (label_end == NULL || memchr (begin, '\n', label_end - begin) != NULL)
    return set_error (error, POSTERN_TLS_ERROR_PARSE, "Malformed PEM header");
  *label = g_strndup (begin + 11, label_end - begin - 11);
  end_marker = g_strdup_printf ("-----END %s-----", *label);
  stop = g_strstr_len (label_end, end - label_end, end_marker);
  if (stop == NULL)
    {
      set_error (error, POSTERN_TLS_ERROR_PARSE, "PEM block '%s' has no END line", *label);
      g_clear_pointer (label, g_free);
      return FALSE;
    }
  *block = begin;
  *block_len = (gsize) (stop + strlen (end_marker) - begin);
  *cursor = stop + strlen (end_marker);
  return TRUE;
}

static gboolean
add_certificate (PosternTlsBundle *bundle, const char *block, gsize len, GError **error)
{
  gnutls_datum_t d = { (unsigned char *) block, (unsigned int) len };
  gnutls_x509_crt_t crt;
  int ret;

  if (gnutls_x509_crt_init (&crt) < 0)
    return set_error (error, POSTERN_TLS_ERROR_FAILED, "Out of memory");
  ret = gnutls_x509_crt_import (crt, &d, GNUTLS_X509_FMT_PEM);
  if (ret < 0)
    {
      gnutls_x509_crt_deinit (crt);
      return set_error (error, POSTERN_TLS_ERROR_PARSE, "Certificate #%u cannot be parsed: %s",
                        bundle->certs->len + 1, gnutls_strerror (ret));
    }
  g_ptr_array_add (bundle->certs, crt);
  return TRUE;
}

static gboolean
add_key (PosternTlsBundle *bundle, const char *label, const char *block, gsize len,
         GError **error)
{
  gnutls_datum_t d = { (unsigned char *) block, (unsigned int) len };
  int ret;

  if (bundle->key != NULL)
    return set_error (error, POSTERN_TLS_ERROR_WRONG_ORDER,
                      "The bundle holds more than one private key; " EXPECTED_ORDER);
  if (g_str_equal (label, "ENCRYPTED PRIVATE KEY") ||
      g_strstr_len (block, len, "Proc-Type: 4,ENCRYPTED") != NULL)
    return set_error (error, POSTERN_TLS_ERROR_ENCRYPTED_KEY,
                      "The private key is encrypted; the daemon starts unattended, so store it "
                      "unencrypted (e.g. `openssl pkey -in key.pem -out plain.pem`) and protect "
                      "the file with mode 0600");
  if (gnutls_x509_privkey_init (&bundle->key) < 0)
    return set_error (error, POSTERN_TLS_ERROR_FAILED, "Out of memory");
  ret = gnutls_x509_privkey_import2 (bundle->key, &d, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN);
  if (ret < 0)
    {
      gnutls_x509_privkey_deinit (bundle->key);
      bundle->key = NULL;
      return set_error (error, POSTERN_TLS_ERROR_PARSE, "The private key cannot be parsed: %s",
                        gnutls_strerror (ret));
    }
  bundle->key_position = bundle->certs->len;
  return TRUE;
}

PosternTlsBundle *
postern_tls_bundle_new_from_data (const char *pem, gsize len, GError **error)
{
  g_autoptr(PosternTlsBundle) bundle = g_new0 (PosternTlsBundle, 1);
  const char *cursor = pem;
  const char *end = pem + len;
  GError *local = NULL;

  bundle->certs = g_ptr_array_new_with_free_func (crt_free);
  for (;;)
    {
      g_autofree char *label = NULL;
      const char *block = NULL;
      gsize block_len = 0;
      gboolean ok;

      if (!next_block (&cursor, end, &label, &block, &block_len, &local))
        {
          if (local != NULL)
            {
              g_propagate_error (error, local);
              return NULL;
            }
          break;
        }
      if (g_str_equal (label, "CERTIFICATE"))
        ok = add_certificate (bundle, block, block_len, error);
      else if (g_str_has_suffix (label, "PRIVATE KEY"))
        ok = add_key (bundle, label, block, block_len, error);
      else
        ok = set_error (error, POSTERN_TLS_ERROR_PARSE,
                        "Unexpected PEM block '%s'; " EXPECTED_ORDER, label);
      if (!ok)
        return NULL;
    }
  if (bundle->certs->len == 0)
    {
      set_error (error, POSTERN_TLS_ERROR_NO_CERTIFICATE, "The bundle holds no certificate");
      return NULL;
    }
  if (bundle->key == NULL)
    {
      set_error (error, POSTERN_TLS_ERROR_NO_KEY,
                 "The bundle holds no private key; " EXPECTED_ORDER);
      return NULL;
    }
  return g_steal_pointer (&bundle);
}

PosternTlsBundle *
postern_tls_bundle_new_from_file (const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  gsize len;
  g_autoptr(GError) local = NULL;
  PosternTlsBundle *bundle;

  if (!g_file_get_contents (path, &contents, &len, error))
    return NULL;
  bundle = postern_tls_bundle_new_from_data (contents, len, &local);
  memset (contents, 0, len); /* it held a private key */
  if (bundle == NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), "%s: ", path);
      return NULL;
    }
  return bundle;
}

static gnutls_x509_crt_t
cert_at (PosternTlsBundle *bundle, guint i)
{
  return g_ptr_array_index (bundle->certs, i);
}

static char *
subject_of (gnutls_x509_crt_t crt)
{
  gnutls_datum_t dn = { NULL, 0 };
  char *out;

  if (gnutls_x509_crt_get_dn3 (crt, &dn, 0) < 0)
    return g_strdup ("(unreadable subject)");
  out = g_strndup ((const char *) dn.data, dn.size);
  gnutls_free (dn.data);
  return out;
}

/* "the server certificate (CN=…)" / "certificate #3 (CN=…)" */
static char *
describe_cert (PosternTlsBundle *bundle, guint i)
{
  g_autofree char *subject = subject_of (cert_at (bundle, i));

  if (i == 0)
    return g_strdup_printf ("the server certificate (%s)", subject);
  return g_strdup_printf ("certificate #%u (%s)", i + 1, subject);
}

static gboolean
key_matches (PosternTlsBundle *bundle, gnutls_x509_crt_t crt)
{
  guchar crt_id[64];
  guchar key_id[64];
  size_t crt_len = sizeof crt_id;
  size_t key_len = sizeof key_id;

  if (gnutls_x509_crt_get_key_id (crt, GNUTLS_KEYID_USE_SHA256, crt_id, &crt_len) < 0 ||
      gnutls_x509_privkey_get_key_id (bundle->key, GNUTLS_KEYID_USE_SHA256, key_id, &key_len) < 0)
    return FALSE;
  return crt_len == key_len && memcmp (crt_id, key_id, crt_len) == 0;
}

/* @crt names @issuer as its issuer and carries its valid signature (which
 * also requires @issuer to be a CA). */
static gboolean
issued_by (gnutls_x509_crt_t crt, gnutls_x509_crt_t issuer)
{
  unsigned int status = 0;

  if (!gnutls_x509_crt_check_issuer (crt, issuer))
    return FALSE;
  if (gnutls_x509_crt_verify (crt, &issuer, 1,
                              GNUTLS_VERIFY_DISABLE_TIME_CHECKS |
                              GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS,
                              &status) < 0)
    return FALSE;
  return status == 0;
}

static gboolean
check_order (PosternTlsBundle *bundle, GError **error)
{
  guint n = bundle->certs->len;
  guint match = n;

  for (guint i = 0; i < n && match == n; i++)
    if (key_matches (bundle, cert_at (bundle, i)))
      match = i;
  if (match == n)
    {
      g_autofree char *leaf = describe_cert (bundle, 0);
      return set_error (error, POSTERN_TLS_ERROR_KEY_MISMATCH,
                        "The private key does not belong to %s nor to any certificate in the bundle",
                        leaf);
    }
  if (match != 0)
    {
      g_autofree char *owner = describe_cert (bundle, match);
      return set_error (error, POSTERN_TLS_ERROR_WRONG_ORDER,
                        "The private key belongs to %s, so that one is the server certificate and "
                        "must come first; " EXPECTED_ORDER, owner);
    }
  if (bundle->key_position != 1)
    return set_error (error, POSTERN_TLS_ERROR_WRONG_ORDER,
                      bundle->key_position == 0
                      ? "The private key comes before the server certificate; " EXPECTED_ORDER
                      : "The private key comes after an intermediate certificate; " EXPECTED_ORDER);
  return TRUE;
}

static gboolean
check_chain (PosternTlsBundle *bundle, GError **error)
{
  guint n = bundle->certs->len;

  for (guint i = 0; i + 1 < n; i++)
    {
      g_autofree char *child = NULL;
      g_autofree char *next = NULL;

      if (issued_by (cert_at (bundle, i), cert_at (bundle, i + 1)))
        continue;
      child = describe_cert (bundle, i);
      for (guint j = 0; j < n; j++)
        if (j != i + 1 && j != i && issued_by (cert_at (bundle, i), cert_at (bundle, j)))
          {
            g_autofree char *issuer = describe_cert (bundle, j);
            return set_error (error, POSTERN_TLS_ERROR_WRONG_ORDER,
                              "Intermediates out of order: %s is issued by %s, which must follow it "
                              "directly; " EXPECTED_ORDER, child, issuer);
          }
      next = describe_cert (bundle, i + 1);
      return set_error (error, POSTERN_TLS_ERROR_BROKEN_CHAIN,
                        "Broken chain: %s is not issued by %s (an intermediate is missing or "
                        "does not belong to this certificate)", child, next);
    }
  return TRUE;
}

static char *
format_time (time_t t)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (t);

  return dt != NULL ? g_date_time_format (dt, "%Y-%m-%d %H:%M:%S UTC") : g_strdup ("(invalid date)");
}

static gboolean
check_validity (PosternTlsBundle *bundle, gint64 now, GError **error)
{
  for (guint i = 0; i < bundle->certs->len; i++)
    {
      time_t from = gnutls_x509_crt_get_activation_time (cert_at (bundle, i));
      time_t until = gnutls_x509_crt_get_expiration_time (cert_at (bundle, i));

      if (from == (time_t) -1 || until == (time_t) -1)
        {
          g_autofree char *what = describe_cert (bundle, i);
          return set_error (error, POSTERN_TLS_ERROR_PARSE, "Cannot read the validity of %s", what);
        }
      if (now < from)
        {
          g_autofree char *what = describe_cert (bundle, i);
          what[0] = g_ascii_toupper (what[0]);
          g_autofree char *when = format_time (from);
          return set_error (error, POSTERN_TLS_ERROR_NOT_YET_VALID,
                            "%s is not valid before %s (check the clock, or wait)", what, when);
        }
      if (now > until)
        {
          g_autofree char *what = describe_cert (bundle, i);
          what[0] = g_ascii_toupper (what[0]);
          g_autofree char *when = format_time (until);
          return set_error (error, POSTERN_TLS_ERROR_EXPIRED, "%s expired on %s; renew it", what, when);
        }
    }
  return TRUE;
}

static gboolean
strip_dot_equal (const char *a, gsize alen, const char *b, gsize blen)
{
  if (alen > 0 && a[alen - 1] == '.')
    alen--;
  if (blen > 0 && b[blen - 1] == '.')
    blen--;
  return alen == blen && alen > 0 && g_ascii_strncasecmp (a, b, alen) == 0;
}

gboolean
postern_tls_name_matches (const char *pattern, const char *fqdn)
{
  const char *rest;
  const char *first_dot;

  if (strchr (pattern, '*') == NULL)
    return strip_dot_equal (pattern, strlen (pattern), fqdn, strlen (fqdn));
  /* Only "*." + at least two labels: no "*.com", no "f*.example.com". */
  if (!g_str_has_prefix (pattern, "*.") || strchr (pattern + 2, '*') != NULL)
    return FALSE;
  rest = pattern + 2;
  if (strchr (rest, '.') == NULL || strchr (rest, '.')[1] == '\0')
    return FALSE;
  first_dot = strchr (fqdn, '.');
  if (first_dot == NULL || first_dot == fqdn)
    return FALSE;
  return strip_dot_equal (rest, strlen (rest), first_dot + 1, strlen (first_dot + 1));
}

/* The subjectAltNames of @crt: DNS names, IP addresses, and both as text. */
typedef struct {
  GPtrArray *dns;  /* char* */
  GPtrArray *ips;  /* GInetAddress */
  GPtrArray *text; /* char*, NULL-terminated */
} SanList;

static void
san_list_clear (SanList *sans)
{
  g_clear_pointer (&sans->dns, g_ptr_array_unref);
  g_clear_pointer (&sans->ips, g_ptr_array_unref);
  g_clear_pointer (&sans->text, g_ptr_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SanList, san_list_clear)

static void
san_list_read (gnutls_x509_crt_t crt, SanList *sans)
{
  sans->dns = g_ptr_array_new_with_free_func (g_free);
  sans->ips = g_ptr_array_new_with_free_func (g_object_unref);
  sans->text = g_ptr_array_new_with_free_func (g_free);

  for (unsigned int i = 0;; i++)
    {
      char buf[1024];
      size_t size = sizeof buf - 1;
      int type = gnutls_x509_crt_get_subject_alt_name (crt, i, buf, &size, NULL);

      if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
        break;
      /* Other errors (an oversized entry) skip that entry only. */
      if (type == GNUTLS_SAN_DNSNAME)
        {
          buf[size] = '\0';
          if (strlen (buf) != size) /* an embedded NUL: never a match */
            continue;
          g_ptr_array_add (sans->dns, g_strdup (buf));
          g_ptr_array_add (sans->text, g_strdup (buf));
        }
      else if (type == GNUTLS_SAN_IPADDRESS && (size == 4 || size == 16))
        {
          GInetAddress *ip = g_inet_address_new_from_bytes ((const guint8 *) buf,
                                                            size == 4 ? G_SOCKET_FAMILY_IPV4
                                                                      : G_SOCKET_FAMILY_IPV6);
          g_ptr_array_add (sans->ips, ip);
          g_ptr_array_add (sans->text, g_inet_address_to_string (ip));
        }
    }
  g_ptr_array_add (sans->text, NULL);
}

static gboolean
check_name (PosternTlsBundle *bundle, const char *fqdn, GError **error)
{
  g_auto(SanList) sans = { 0 };
  g_autofree char *bare = NULL;
  g_autoptr(GInetAddress) want_ip = NULL;
  g_autofree char *list = NULL;
  gsize len = strlen (fqdn);

  san_list_read (cert_at (bundle, 0), &sans);
  if (len >= 2 && fqdn[0] == '[' && fqdn[len - 1] == ']')
    bare = g_strndup (fqdn + 1, len - 2);
  else
    bare = g_strdup (fqdn);
  want_ip = g_inet_address_new_from_string (bare);
  /* An IP only matches IP SANs and a name only DNS SANs. */
  if (want_ip != NULL)
    {
      for (guint i = 0; i < sans.ips->len; i++)
        if (g_inet_address_equal (want_ip, sans.ips->pdata[i]))
          return TRUE;
    }
  else
    {
      for (guint i = 0; i < sans.dns->len; i++)
        if (postern_tls_name_matches (sans.dns->pdata[i], bare))
          return TRUE;
    }
  if (sans.text->len == 1)
    return set_error (error, POSTERN_TLS_ERROR_NAME_MISMATCH,
                      "The server certificate has no subjectAltName, so it matches no name "
                      "(clients ignore the CN); it must name %s", fqdn);
  list = g_strjoinv (", ", (char **) sans.text->pdata);
  return set_error (error, POSTERN_TLS_ERROR_NAME_MISMATCH,
                    "The server certificate is for %s, not for %s", list, fqdn);
}

gboolean
postern_tls_bundle_check (PosternTlsBundle *bundle, const char *fqdn, gint64 now, GError **error)
{
  g_return_val_if_fail (bundle != NULL, FALSE);

  return check_order (bundle, error) &&
         check_chain (bundle, error) &&
         check_validity (bundle, now, error) &&
         (fqdn == NULL || check_name (bundle, fqdn, error));
}

char *
postern_tls_bundle_describe (PosternTlsBundle *bundle, gint64 now)
{
  gnutls_x509_crt_t leaf = cert_at (bundle, 0);
  g_auto(SanList) sans = { 0 };
  g_autofree char *subject = subject_of (leaf);
  g_autofree char *from = format_time (gnutls_x509_crt_get_activation_time (leaf));
  g_autofree char *until = format_time (gnutls_x509_crt_get_expiration_time (leaf));
  gnutls_datum_t issuer = { NULL, 0 };
  g_autofree char *issuer_text = NULL;
  unsigned int bits = 0;
  int pk = gnutls_x509_crt_get_pk_algorithm (leaf, &bits);
  gint64 days = ((gint64) gnutls_x509_crt_get_expiration_time (leaf) - now) / 86400;
  g_autofree char *name_list = NULL;

  if (gnutls_x509_crt_get_issuer_dn3 (leaf, &issuer, 0) >= 0)
    {
      issuer_text = g_strndup ((const char *) issuer.data, issuer.size);
      gnutls_free (issuer.data);
    }
  san_list_read (leaf, &sans);
  name_list = g_strjoinv (", ", (char **) sans.text->pdata);
  return g_strdup_printf ("subject: %s\n"
                          "names: %s\n"
                          "issuer: %s\n"
                          "valid: %s to %s (%" G_GINT64_FORMAT " days left)\n"
                          "key: %s %u bits\n"
                          "intermediates: %u\n",
                          subject, name_list[0] != '\0' ? name_list : "(none)",
                          issuer_text != NULL ? issuer_text : "(unreadable)",
                          from, until, days,
                          gnutls_pk_get_name (pk) != NULL ? gnutls_pk_get_name (pk) : "unknown", bits,
                          bundle->certs->len - 1);
}

gboolean
postern_tls_bundle_apply (PosternTlsBundle *bundle, gnutls_certificate_credentials_t creds,
                          GError **error)
{
  int ret = gnutls_certificate_set_x509_key (creds, (gnutls_x509_crt_t *) bundle->certs->pdata,
                                             bundle->certs->len, bundle->key);

  if (ret < 0)
    return set_error (error, POSTERN_TLS_ERROR_FAILED, "Cannot use the certificate: %s",
                      gnutls_strerror (ret));
  return TRUE;
}

char *
postern_tls_bundle_check_file (const char *path, const char *fqdn, GError **error)
{
  g_autoptr(PosternTlsBundle) bundle = postern_tls_bundle_new_from_file (path, error);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (bundle == NULL || !postern_tls_bundle_check (bundle, fqdn, now, error))
    return NULL;
  return postern_tls_bundle_describe (bundle, now);
}
