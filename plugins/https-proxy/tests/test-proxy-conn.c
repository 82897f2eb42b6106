/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ProxyConn against local sockets: every resolved address is tried. */
#include <gio/gio.h>

#include "proxy-conn.h"

typedef struct {
  GError *error;
  gboolean done;
} Result;

static void
ready_cb (ProxyConn *conn, const GError *error, gpointer user_data)
{
  Result *r = user_data;

  r->error = error != NULL ? g_error_copy (error) : NULL;
  r->done = TRUE;
}

/* A loopback port nobody listens on (bound, then released). */
static GSocketAddress *
closed_address (void)
{
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocket) s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);

  g_assert_true (g_socket_bind (s, any, TRUE, NULL));
  return g_socket_get_local_address (s, NULL);
}

static void
accepted_cb (GSocketService *service, GSocketConnection *connection, GObject *source, gpointer user_data)
{
  /* Accept, then hang up before any TLS: the handshake fails, not the connect. */
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
}

static Result
connect_to (GPtrArray *addresses, gnutls_certificate_credentials_t creds)
{
  Result r = { 0 };
  ProxyConn *conn = proxy_conn_connect (addresses, "localhost", creds, FALSE, NULL, 30, ready_cb, &r);

  while (!r.done)
    g_main_context_iteration (NULL, TRUE);
  proxy_conn_free (conn);
  return r;
}

static void
test_tries_every_address (void)
{
  g_autoptr(GSocketService) service = g_socket_service_new ();
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) listening = NULL;
  g_autoptr(GPtrArray) refused_only = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) both = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  gnutls_certificate_credentials_t creds;
  Result r;

  g_assert_true (g_socket_listener_add_address (G_SOCKET_LISTENER (service), any, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL, &listening, &error));
  g_assert_no_error (error);
  g_signal_connect (service, "incoming", G_CALLBACK (accepted_cb), NULL);
  gnutls_certificate_allocate_credentials (&creds);

  g_ptr_array_add (refused_only, closed_address ());
  r = connect_to (refused_only, creds);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_clear_error (&r.error);

  g_ptr_array_add (both, closed_address ());
  g_ptr_array_add (both, g_object_ref (listening));
  r = connect_to (both, creds);
  /* The second address took the connection; only TLS then failed. */
  g_assert_nonnull (r.error);
  g_assert_false (g_error_matches (r.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED));
  g_clear_error (&r.error);

  g_socket_service_stop (service);
  gnutls_certificate_free_credentials (creds);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/https-proxy/conn/tries-every-address", test_tries_every_address);
  return g_test_run ();
}
