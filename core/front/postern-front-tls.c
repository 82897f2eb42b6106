/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "postern-front-tls.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "tls-bundle.h"
#include "tls-selfsigned.h"

static const gnutls_datum_t alpn_http11 = { (guchar *) "http/1.1", 8 };

static gboolean
tls_error (GError **error, int rc, const gchar *what, const gchar *path)
{
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_DATA, "%s%s%s: %s", what, path ? " " : "",
               path ? path : "", gnutls_strerror (rc));
  return FALSE;
}

/* With no bundle configured, a self-signed certificate for the FQDN is made
 * once and kept in the state dir; a new FQDN gets a new file. */
static gchar *
selfsigned_path (const gchar *fqdn, const gchar *state_dir, GError **error)
{
  g_autofree gchar *dir = g_build_filename (state_dir, "https", NULL);
  g_autofree gchar *name = g_strdup_printf ("selfsigned-%s.pem", fqdn);
  g_autofree gchar *path = NULL;

  if (strchr (fqdn, '/') != NULL || fqdn[0] == '.') {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG, "fqdn '%s' is not a host name", fqdn);
    return NULL;
  }
  if (g_mkdir_with_parents (dir, 0700) != 0) {
    int saved = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot create %s: %s", dir,
                 g_strerror (saved));
    return NULL;
  }
  path = g_build_filename (dir, name, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS)) {
    if (!postern_tls_selfsigned_save (fqdn, POSTERN_TLS_KEY_ECDSA_P256, path, error))
      return NULL;
    g_message ("generated a self-signed certificate for %s in %s", fqdn, path);
  }
  return g_steal_pointer (&path);
}

PosternFrontTls *
postern_front_tls_load (const gchar *certificate_path, const gchar *fqdn, const gchar *state_dir,
                        const gchar *priority, GError **error)
{
  g_autoptr(PosternFrontTls) tls = g_new0 (PosternFrontTls, 1);
  g_autofree gchar *path = NULL;
  g_autoptr(PosternTlsBundle) bundle = NULL;
  int rc;

  tls->ref_count = 1;
  path = certificate_path[0] != '\0' ? g_strdup (certificate_path) : selfsigned_path (fqdn, state_dir, error);
  if (path == NULL)
    return NULL;
  if ((rc = gnutls_certificate_allocate_credentials (&tls->credentials)) < 0) {
    tls_error (error, rc, "TLS credentials", NULL);
    return NULL;
  }
  /* The bundle (certificate, key, intermediates) is checked before use:
   * order, key match, validity, name, chain; each fault named. */
  bundle = postern_tls_bundle_new_from_file (path, error);
  if (bundle == NULL || !postern_tls_bundle_check (bundle, fqdn, g_get_real_time () / G_USEC_PER_SEC, error) ||
      !postern_tls_bundle_apply (bundle, tls->credentials, error)) {
    g_prefix_error (error, "certificate %s: ", path);
    return NULL;
  }
  if ((tls->ciphers = postern_front_cipher_pref_new (priority, error)) == NULL)
    return NULL;
  if ((rc = gnutls_session_ticket_key_generate (&tls->ticket_key)) < 0) {
    tls_error (error, rc, "session ticket key", NULL);
    return NULL;
  }
  tls->certificate_path = g_steal_pointer (&path);
  tls->priority_string = g_strdup (priority);
  return g_steal_pointer (&tls);
}

PosternFrontTls *
postern_front_tls_ref (PosternFrontTls *tls)
{
  tls->ref_count++;
  return tls;
}

void
postern_front_tls_unref (PosternFrontTls *tls)
{
  if (tls == NULL || --tls->ref_count > 0)
    return;
  if (tls->credentials != NULL)
    gnutls_certificate_free_credentials (tls->credentials);
  postern_front_cipher_pref_free (tls->ciphers);
  if (tls->ticket_key.data != NULL) {
    memset (tls->ticket_key.data, 0, tls->ticket_key.size);
    gnutls_free (tls->ticket_key.data);
  }
  g_free (tls->certificate_path);
  g_free (tls->priority_string);
  g_free (tls);
}

/* Before GnuTLS reads anything of the ClientHello (the version is
 * negotiated after this too): the priority for this client. */
static int
client_hello_cb (gnutls_session_t session, unsigned int htype, unsigned when, unsigned int incoming,
                 const gnutls_datum_t *msg)
{
  PosternFrontTls *tls = gnutls_session_get_ptr (session);
  gnutls_priority_t priority = postern_front_cipher_pref_for_hello (tls->ciphers, msg->data, msg->size);

  return priority != NULL ? gnutls_priority_set (session, priority) : 0;
}

gboolean
postern_front_tls_setup_session (PosternFrontTls *tls, gnutls_session_t session, GError **error)
{
  int rc;

  if ((rc = gnutls_priority_set (session, postern_front_cipher_pref_initial (tls->ciphers))) < 0 ||
      (rc = gnutls_credentials_set (session, GNUTLS_CRD_CERTIFICATE, tls->credentials)) < 0 ||
      (rc = gnutls_session_ticket_enable_server (session, &tls->ticket_key)) < 0 ||
      (rc = gnutls_alpn_set_protocols (session, &alpn_http11, 1, 0)) < 0)
    return tls_error (error, rc, "TLS session set-up", NULL);
  if (postern_front_cipher_pref_active (tls->ciphers)) {
    gnutls_session_set_ptr (session, tls);
    gnutls_handshake_set_hook_function (session, GNUTLS_HANDSHAKE_CLIENT_HELLO, GNUTLS_HOOK_PRE, client_hello_cb);
  }
  return TRUE;
}
