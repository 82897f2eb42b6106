/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cert-factory.h"

#include <gio/gio.h>
#include <string.h>

#define CHECK(expr) g_assert_cmpint ((expr), >=, 0)

static guint64 serial_counter = 1;

TestCert *
test_cert_new (const char *cn, const char *const *sans, gboolean is_ca,
               gint64 not_before, gint64 not_after, TestCert *issuer)
{
  TestCert *c = g_new0 (TestCert, 1);
  guint8 serial[8];

  for (int i = 0; i < 8; i++)
    serial[i] = (guint8) (serial_counter >> (56 - 8 * i));
  serial_counter++;

  CHECK (gnutls_x509_privkey_init (&c->key));
  CHECK (gnutls_x509_privkey_generate (c->key, GNUTLS_PK_ECDSA,
                                       GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0));
  CHECK (gnutls_x509_crt_init (&c->crt));
  CHECK (gnutls_x509_crt_set_version (c->crt, 3));
  CHECK (gnutls_x509_crt_set_serial (c->crt, serial, sizeof serial));
  CHECK (gnutls_x509_crt_set_activation_time (c->crt, (time_t) not_before));
  CHECK (gnutls_x509_crt_set_expiration_time (c->crt, (time_t) not_after));
  CHECK (gnutls_x509_crt_set_dn_by_oid (c->crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn, strlen (cn)));
  CHECK (gnutls_x509_crt_set_key (c->crt, c->key));
  CHECK (gnutls_x509_crt_set_basic_constraints (c->crt, is_ca, -1));
  CHECK (gnutls_x509_crt_set_key_usage (c->crt, is_ca ? GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN
                                                      : GNUTLS_KEY_DIGITAL_SIGNATURE));
  for (guint i = 0; sans != NULL && sans[i] != NULL; i++)
    {
      g_autoptr(GInetAddress) ip = g_inet_address_new_from_string (sans[i]);

      if (ip != NULL)
        CHECK (gnutls_x509_crt_set_subject_alt_name (c->crt, GNUTLS_SAN_IPADDRESS,
                                                     g_inet_address_to_bytes (ip),
                                                     g_inet_address_get_native_size (ip),
                                                     GNUTLS_FSAN_APPEND));
      else
        CHECK (gnutls_x509_crt_set_subject_alt_name (c->crt, GNUTLS_SAN_DNSNAME, sans[i],
                                                     strlen (sans[i]), GNUTLS_FSAN_APPEND));
    }
  if (issuer != NULL)
    CHECK (gnutls_x509_crt_sign2 (c->crt, issuer->crt, issuer->key, GNUTLS_DIG_SHA256, 0));
  else
    CHECK (gnutls_x509_crt_sign2 (c->crt, c->crt, c->key, GNUTLS_DIG_SHA256, 0));
  return c;
}

void
test_cert_free (TestCert *cert)
{
  gnutls_x509_crt_deinit (cert->crt);
  gnutls_x509_privkey_deinit (cert->key);
  g_free (cert);
}

static char *
datum_to_string (gnutls_datum_t *d)
{
  char *s = g_strndup ((const char *) d->data, d->size);

  gnutls_free (d->data);
  return s;
}

char *
test_cert_pem (TestCert *cert)
{
  gnutls_datum_t d;

  CHECK (gnutls_x509_crt_export2 (cert->crt, GNUTLS_X509_FMT_PEM, &d));
  return datum_to_string (&d);
}

char *
test_cert_key_pem (TestCert *cert)
{
  gnutls_datum_t d;

  CHECK (gnutls_x509_privkey_export2_pkcs8 (cert->key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &d));
  return datum_to_string (&d);
}

char *
test_cert_key_pem_encrypted (TestCert *cert, const char *password)
{
  gnutls_datum_t d;

  CHECK (gnutls_x509_privkey_export2_pkcs8 (cert->key, GNUTLS_X509_FMT_PEM, password,
                                            GNUTLS_PKCS_PBES2_AES_256, &d));
  return datum_to_string (&d);
}
