/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cert-factory.h"
#include "tls-alloc.h"
#include "tls-read-ahead.h"

/* GnuTLS with the record-buffer cache installed: freed record-sized
 * blocks come back, and TLS sessions (handshake, records of every size,
 * KeyUpdate, close_notify) work on the main thread and on threads that exit. */

#define BODY (100 * 1024 + 7)

static gnutls_certificate_credentials_t server_creds;
static gnutls_certificate_credentials_t client_creds;

static void
test_blocks_come_back (void)
{
  void *p = gnutls_malloc (16900);
  void *first = p;
  void *small = gnutls_malloc (100);

  g_assert_nonnull (p);
  memset (p, 1, 16900);
  gnutls_free (p);
  p = gnutls_malloc (16400);
  g_assert_true (p == first);
  memset (p, 2, 16400);
  gnutls_free (p);
  gnutls_free (small);
  /* Larger than a record buffer: plain malloc, and free takes it back. */
  p = gnutls_malloc (64 * 1024);
  memset (p, 3, 64 * 1024);
  gnutls_free (p);
}

typedef struct {
  int fds[2];
  PosternTlsReadAhead ra[2];
  gnutls_session_t s[2]; /* server, client */
} Link;

static void
link_open (Link *l)
{
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, l->fds), ==, 0);
  memset (l->ra, 0, sizeof l->ra);
  g_assert_cmpint (gnutls_init (&l->s[0], GNUTLS_SERVER | GNUTLS_NONBLOCK), ==, 0);
  g_assert_cmpint (gnutls_init (&l->s[1], GNUTLS_CLIENT | GNUTLS_NONBLOCK), ==, 0);
  g_assert_cmpint (gnutls_credentials_set (l->s[0], GNUTLS_CRD_CERTIFICATE, server_creds), ==, 0);
  g_assert_cmpint (gnutls_credentials_set (l->s[1], GNUTLS_CRD_CERTIFICATE, client_creds), ==, 0);
  for (int i = 0; i < 2; i++) {
    g_assert_cmpint (gnutls_set_default_priority (l->s[i]), ==, 0);
    postern_tls_read_ahead_attach (&l->ra[i], l->s[i], l->fds[i]);
  }
}

static void
link_close (Link *l)
{
  for (int i = 0; i < 2; i++) {
    gnutls_deinit (l->s[i]);
    postern_tls_read_ahead_clear (&l->ra[i]);
    close (l->fds[i]);
  }
}

static void
handshake (Link *l)
{
  gboolean done[2] = { FALSE, FALSE };

  while (!done[0] || !done[1]) {
    for (int i = 0; i < 2; i++) {
      int rc;

      if (done[i])
        continue;
      rc = gnutls_handshake (l->s[i]);
      if (rc == 0)
        done[i] = TRUE;
      else
        g_assert_cmpint (rc, ==, GNUTLS_E_AGAIN);
    }
  }
}

/* Sends @len bytes from one side to the other, both non-blocking on one
 * thread: writes while the socket takes them, reads what arrived. */
static void
transfer (Link *l, int from, gsize len)
{
  g_autofree guint8 *out = g_malloc (len);
  g_autofree guint8 *in = g_malloc (len);
  gsize sent = 0, got = 0;

  for (gsize i = 0; i < len; i++)
    out[i] = (guint8) (i * 7 + from);
  while (got < len) {
    /* After GNUTLS_E_AGAIN the same arguments again. */
    if (sent < len) {
      gssize n = gnutls_record_send (l->s[from], out + sent, len - sent);

      if (n > 0)
        sent += (gsize) n;
      else
        g_assert_cmpint (n, ==, GNUTLS_E_AGAIN);
    }
    while (got < len) {
      gssize n = gnutls_record_recv (l->s[1 - from], in + got, len - got);

      if (n == GNUTLS_E_AGAIN)
        break;
      g_assert_cmpint (n, >, 0);
      got += (gsize) n;
    }
  }
  g_assert_cmpmem (in, len, out, len);
}

static void
bye (Link *l)
{
  guint8 buf[16];

  while (gnutls_bye (l->s[1], GNUTLS_SHUT_WR) == GNUTLS_E_AGAIN)
    ;
  g_assert_cmpint (gnutls_record_recv (l->s[0], buf, sizeof buf), ==, 0);
}

/* The client updates its keys and asks the server to update its own
 * (TLS 1.3 KeyUpdate): GnuTLS handles both inside record send and recv. */
static void
key_update (Link *l)
{
  int rc;

  while ((rc = gnutls_session_key_update (l->s[1], GNUTLS_KU_PEER)) == GNUTLS_E_AGAIN)
    ;
  g_assert_cmpint (rc, ==, 0);
}

/* Records protected under the current keys, read (0) or write (1). */
static guint64
sequence (gnutls_session_t s, unsigned int write)
{
  unsigned char seq[8];
  guint64 n = 0;

  g_assert_cmpint (gnutls_record_get_state (s, !write, NULL, NULL, NULL, seq), ==, 0);
  for (int i = 0; i < 8; i++)
    n = n << 8 | seq[i];
  return n;
}

static gpointer
session_run (gpointer data)
{
  Link l;

  link_open (&l);
  handshake (&l);
  transfer (&l, 1, 300);
  transfer (&l, 0, 200);
  transfer (&l, 1, BODY);
  transfer (&l, 0, BODY);
  key_update (&l);
  transfer (&l, 1, 1);
  g_assert_cmpuint (sequence (l.s[1], 1), ==, 1);
  g_assert_cmpuint (sequence (l.s[0], 0), ==, 1);
  transfer (&l, 0, BODY);
  transfer (&l, 1, BODY);
  bye (&l);
  link_close (&l);
  return data;
}

static void
test_sessions_main_thread (void)
{
  session_run (NULL);
}

static void
test_sessions_threads (void)
{
  GThread *threads[3];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("tls", session_run, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  session_run (NULL);
}

int
main (int argc, char **argv)
{
  g_autoptr(TestCert) cert = NULL;
  g_autofree char *crt_pem = NULL;
  g_autofree char *key_pem = NULL;
  gnutls_datum_t crt, key;
  int rc;

  postern_tls_alloc_install ();
  g_test_init (&argc, &argv, NULL);

  cert = test_cert_new ("localhost", NULL, FALSE, g_get_real_time () / G_USEC_PER_SEC - 3600,
                        g_get_real_time () / G_USEC_PER_SEC + 3600, NULL);
  crt_pem = test_cert_pem (cert);
  key_pem = test_cert_key_pem (cert);
  crt = (gnutls_datum_t) { (unsigned char *) crt_pem, (unsigned int) strlen (crt_pem) };
  key = (gnutls_datum_t) { (unsigned char *) key_pem, (unsigned int) strlen (key_pem) };
  g_assert_cmpint (gnutls_certificate_allocate_credentials (&server_creds), ==, 0);
  g_assert_cmpint (gnutls_certificate_allocate_credentials (&client_creds), ==, 0);
  g_assert_cmpint (gnutls_certificate_set_x509_key_mem (server_creds, &crt, &key, GNUTLS_X509_FMT_PEM), ==, 0);

  g_test_add_func ("/tls-alloc/blocks-come-back", test_blocks_come_back);
  g_test_add_func ("/tls-alloc/sessions-main-thread", test_sessions_main_thread);
  g_test_add_func ("/tls-alloc/sessions-threads", test_sessions_threads);
  rc = g_test_run ();
  gnutls_certificate_free_credentials (server_creds);
  gnutls_certificate_free_credentials (client_creds);
  return rc;
}
