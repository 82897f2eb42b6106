/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ticket-node.h"

#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tls-selfsigned.h"

#define ANSWER "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"

struct _TicketNode {
  gint listen_fd;
  guint16 port;
  GThread *thread;
  gnutls_certificate_credentials_t creds;
  gnutls_datum_t ticket_key;
  gchar *answer;
  gint resumed;
  gint requests;
  GMutex lock;
  gchar *last_head;
};

/* Reads up to the end of a request head, kept as the last one; FALSE if
 * the client went away. */
static gboolean
read_head (TicketNode *self, gnutls_session_t session)
{
  gchar buf[16384];
  gsize len = 0;

  while (len < sizeof buf - 1) {
    ssize_t n = gnutls_record_recv (session, buf + len, sizeof buf - 1 - len);
    if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
      continue;
    if (n <= 0)
      return FALSE;
    len += (gsize) n;
    buf[len] = '\0';
    if (strstr (buf, "\r\n\r\n") != NULL) {
      g_mutex_lock (&self->lock);
      g_free (self->last_head);
      self->last_head = g_strdup (buf);
      g_mutex_unlock (&self->lock);
      return TRUE;
    }
  }
  return FALSE;
}

static void
serve (TicketNode *self, gint fd)
{
  gnutls_session_t session;
  int rc;

  gnutls_init (&session, GNUTLS_SERVER);
  gnutls_set_default_priority (session);
  gnutls_credentials_set (session, GNUTLS_CRD_CERTIFICATE, self->creds);
  gnutls_session_ticket_enable_server (session, &self->ticket_key);
  gnutls_transport_set_int (session, fd);
  do
    rc = gnutls_handshake (session);
  while (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED);
  if (rc == 0) {
    if (gnutls_session_is_resumed (session))
      g_atomic_int_inc (&self->resumed);
    if (read_head (self, session)) {
      g_atomic_int_inc (&self->requests);
      gnutls_record_send (session, self->answer, strlen (self->answer));
    }
    gnutls_bye (session, GNUTLS_SHUT_WR);
  }
  gnutls_deinit (session);
  close (fd);
}

static gpointer
thread_main (gpointer data)
{
  TicketNode *self = data;

  for (;;) {
    gint fd = accept (self->listen_fd, NULL, NULL);
    if (fd < 0)
      break;
    serve (self, fd);
  }
  return NULL;
}

TicketNode *
ticket_node_start (void)
{
  return ticket_node_start_answering (ANSWER);
}

TicketNode *
ticket_node_start_answering (const gchar *answer)
{
  const char *names[] = { "localhost", "127.0.0.1", NULL };
  TicketNode *self = g_new0 (TicketNode, 1);
  g_autofree char *pem = NULL;
  g_autoptr(GError) error = NULL;
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t sa_len = sizeof sa;
  gnutls_datum_t datum;

  self->answer = g_strdup (answer);
  g_mutex_init (&self->lock);
  g_assert_true (postern_tls_selfsigned_generate (names, POSTERN_TLS_KEY_ECDSA_P256, 2, &pem, &error));
  g_assert_no_error (error);
  datum.data = (unsigned char *) pem;
  datum.size = (unsigned) strlen (pem);
  gnutls_certificate_allocate_credentials (&self->creds);
  g_assert_cmpint (gnutls_certificate_set_x509_key_mem2 (self->creds, &datum, &datum, GNUTLS_X509_FMT_PEM, NULL, 0),
                   >=, 0);
  g_assert_cmpint (gnutls_session_ticket_key_generate (&self->ticket_key), ==, 0);

  self->listen_fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (self->listen_fd, >=, 0);
  g_assert_cmpint (bind (self->listen_fd, (struct sockaddr *) &sa, sizeof sa), ==, 0);
  g_assert_cmpint (listen (self->listen_fd, 16), ==, 0);
  g_assert_cmpint (getsockname (self->listen_fd, (struct sockaddr *) &sa, &sa_len), ==, 0);
  self->port = ntohs (sa.sin_port);
  self->thread = g_thread_new ("ticket-node", thread_main, self);
  return self;
}

guint16
ticket_node_get_port (TicketNode *self)
{
  return self->port;
}

guint
ticket_node_get_requests (TicketNode *self)
{
  return (guint) g_atomic_int_get (&self->requests);
}

gchar *
ticket_node_get_last_head (TicketNode *self)
{
  gchar *head;

  g_mutex_lock (&self->lock);
  head = g_strdup (self->last_head);
  g_mutex_unlock (&self->lock);
  return head;
}

guint
ticket_node_get_resumed (TicketNode *self)
{
  return (guint) g_atomic_int_get (&self->resumed);
}

void
ticket_node_stop (TicketNode *self)
{
  /* Wakes the blocked accept(). */
  shutdown (self->listen_fd, SHUT_RDWR);
  g_thread_join (self->thread);
  close (self->listen_fd);
  gnutls_certificate_free_credentials (self->creds);
  gnutls_free (self->ticket_key.data);
  g_free (self->answer);
  g_free (self->last_head);
  g_mutex_clear (&self->lock);
  g_free (self);
}
