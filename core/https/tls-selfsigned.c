/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tls-selfsigned.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <unistd.h>

#include "tls-error.h"
#include "tls-gnutls.h"


static gboolean
gtls_ok (int ret, const char *what, GError **error)
{
  if (ret >= 0)
    return TRUE;
  g_set_error (error, POSTERN_TLS_ERROR, POSTERN_TLS_ERROR_FAILED,
               "%s: %s", what, gnutls_strerror (ret));
  return FALSE;
}

static gboolean
add_san (gnutls_x509_crt_t crt, const char *name, GError **error)
{
  g_autoptr(GInetAddress) ip = g_inet_address_new_from_string (name);

  if (ip != NULL)
    return gtls_ok (gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_IPADDRESS,
                                                          g_inet_address_to_bytes (ip),
                                                          g_inet_address_get_native_size (ip),
                                                          GNUTLS_FSAN_APPEND),
                    "subjectAltName", error);
  return gtls_ok (gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_DNSNAME,
                                                        name, strlen (name),
                                                        GNUTLS_FSAN_APPEND),
                  "subjectAltName", error);
}

static gboolean
generate_key (gnutls_x509_privkey_t key, PosternTlsKeyType key_type, GError **error)
{
  if (key_type == POSTERN_TLS_KEY_RSA_2048)
    return gtls_ok (gnutls_x509_privkey_generate (key, GNUTLS_PK_RSA, 2048, 0),
                    "RSA key generation", error);
  return gtls_ok (gnutls_x509_privkey_generate (key, GNUTLS_PK_ECDSA,
                                                GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0),
                  "ECDSA key generation", error);
}

static gboolean
fill_certificate (gnutls_x509_crt_t crt, gnutls_x509_privkey_t key,
                  const char *const *names, PosternTlsKeyType key_type,
                  guint valid_days, GError **error)
{
  guint8 serial[16];
  time_t now = time (NULL);
  unsigned int usage = GNUTLS_KEY_DIGITAL_SIGNATURE;

  if (!gtls_ok (gnutls_rnd (GNUTLS_RND_NONCE, serial, sizeof serial), "serial", error))
    return FALSE;
  serial[0] &= 0x7f; /* a positive INTEGER */
  serial[0] |= 0x01; /* never a leading zero byte */
  if (key_type == POSTERN_TLS_KEY_RSA_2048)
    usage |= GNUTLS_KEY_KEY_ENCIPHERMENT;

  /* Backdated a little so a peer with a slow clock accepts it at once. */
  return gtls_ok (gnutls_x509_crt_set_version (crt, 3), "version", error) &&
         gtls_ok (gnutls_x509_crt_set_serial (crt, serial, sizeof serial), "serial", error) &&
         gtls_ok (gnutls_x509_crt_set_activation_time (crt, now - 3600), "activation time", error) &&
         gtls_ok (gnutls_x509_crt_set_expiration_time (crt, now + (time_t) valid_days * 86400),
                  "expiration time", error) &&
         gtls_ok (gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0,
                                                 names[0], strlen (names[0])),
                  "subject", error) &&
         gtls_ok (gnutls_x509_crt_set_key (crt, key), "public key", error) &&
         gtls_ok (gnutls_x509_crt_set_basic_constraints (crt, 0, -1), "basic constraints", error) &&
         gtls_ok (gnutls_x509_crt_set_key_usage (crt, usage), "key usage", error) &&
         gtls_ok (gnutls_x509_crt_set_key_purpose_oid (crt, GNUTLS_KP_TLS_WWW_SERVER, 0),
                  "extended key usage", error);
}

gboolean
postern_tls_selfsigned_generate (const char *const *names, PosternTlsKeyType key_type,
                                 guint valid_days, char **pem_out, GError **error)
{
  g_auto(gnutls_x509_crt_t) crt = NULL;
  g_auto(gnutls_x509_privkey_t) key = NULL;
  gnutls_datum_t crt_pem = { NULL, 0 };
  gnutls_datum_t key_pem = { NULL, 0 };
  gboolean ok;

  g_return_val_if_fail (names != NULL && names[0] != NULL && names[0][0] != '\0', FALSE);
  g_return_val_if_fail (valid_days > 0, FALSE);
  g_return_val_if_fail (pem_out != NULL, FALSE);

  if (!gtls_ok (gnutls_x509_crt_init (&crt), "certificate", error) ||
      !gtls_ok (gnutls_x509_privkey_init (&key), "private key", error) ||
      !generate_key (key, key_type, error) ||
      !fill_certificate (crt, key, names, key_type, valid_days, error))
    return FALSE;
  for (guint i = 0; names[i] != NULL; i++)
    if (!add_san (crt, names[i], error))
      return FALSE;

  ok = gtls_ok (gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0), "signing", error) &&
       gtls_ok (gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &crt_pem), "export", error) &&
       gtls_ok (gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM, NULL,
                                                   GNUTLS_PKCS_PLAIN, &key_pem),
                "key export", error);
  if (ok)
    *pem_out = g_strdup_printf ("%.*s%.*s", (int) crt_pem.size, (const char *) crt_pem.data,
                                (int) key_pem.size, (const char *) key_pem.data);
  gnutls_free (crt_pem.data);
  if (key_pem.data != NULL)
    {
      gnutls_memset (key_pem.data, 0, key_pem.size);
      gnutls_free (key_pem.data);
    }
  return ok;
}

static gboolean
write_private_file (const char *path, const char *contents, GError **error)
{
  g_autofree char *tmp = g_strdup_printf ("%s.XXXXXX", path);
  gsize len = strlen (contents);
  gsize done = 0;
  gboolean synced;
  int saved;
  int fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot create %s: %s", tmp, g_strerror (saved));
      return FALSE;
    }
  while (done < len)
    {
      ssize_t n = write (fd, contents + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          saved = n < 0 ? errno : EIO;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "Cannot write %s: %s", tmp, g_strerror (saved));
          close (fd);
          g_unlink (tmp);
          return FALSE;
        }
      done += (gsize) n;
    }
  /* close() runs whatever fsync() says, so the descriptor never leaks. */
  synced = fsync (fd) == 0;
  saved = errno;
  if (close (fd) != 0 && synced)
    {
      synced = FALSE;
      saved = errno;
    }
  if (synced && g_rename (tmp, path) != 0)
    {
      synced = FALSE;
      saved = errno;
    }
  if (!synced)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot save %s: %s", path, g_strerror (saved));
      g_unlink (tmp);
      return FALSE;
    }
  return TRUE;
}

gboolean
postern_tls_selfsigned_save (const char *fqdn, PosternTlsKeyType key_type,
                             const char *path, GError **error)
{
  const char *names[] = { fqdn, NULL };
  g_autofree char *pem = NULL;
  gboolean ok;

  g_return_val_if_fail (fqdn != NULL && path != NULL, FALSE);

  /* Ten years: it is a placeholder until the admin installs a real bundle. */
  if (!postern_tls_selfsigned_generate (names, key_type, 3650, &pem, error))
    return FALSE;
  ok = write_private_file (path, pem, error);
  memset (pem, 0, strlen (pem));
  return ok;
}
