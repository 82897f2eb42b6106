/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ProxyConn against local sockets: every resolved address is tried, a node
 * that never answers the handshake times out; the loop's coarse timers. */
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
connect_to (GPtrArray *addresses, gnutls_certificate_credentials_t creds, guint timeout_s)
{
  Result r = { 0 };
  g_autoptr(GError) error = NULL;
  ProxyLoop *loop = proxy_loop_new (&error);
  ProxyConn *conn;

  g_assert_no_error (error);
  conn = proxy_conn_connect (loop, addresses, "localhost", creds, FALSE, NULL, timeout_s, ready_cb, &r);
  while (!r.done)
    g_main_context_iteration (NULL, TRUE);
  proxy_conn_free (conn);
  proxy_loop_free (loop);
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
  r = connect_to (refused_only, creds, 30);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_clear_error (&r.error);

  g_ptr_array_add (both, closed_address ());
  g_ptr_array_add (both, g_object_ref (listening));
  r = connect_to (both, creds, 30);
  /* The second address took the connection; only TLS then failed. */
  g_assert_nonnull (r.error);
  g_assert_false (g_error_matches (r.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED));
  g_clear_error (&r.error);

  g_socket_service_stop (service);
  gnutls_certificate_free_credentials (creds);
}

/* A listener that never accepts: the kernel completes the TCP connect, the
 * TLS handshake never gets an answer, and the connect timeout ends it. */
static void
test_handshake_timeout (void)
{
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocket) s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func (g_object_unref);
  gnutls_certificate_credentials_t creds;
  Result r;

  g_assert_true (g_socket_bind (s, any, TRUE, NULL));
  g_assert_true (g_socket_listen (s, NULL));
  g_ptr_array_add (addresses, g_socket_get_local_address (s, NULL));
  gnutls_certificate_allocate_credentials (&creds);
  r = connect_to (addresses, creds, 1);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&r.error);
  gnutls_certificate_free_credentials (creds);
}

typedef struct {
  ProxyLoop *loop;
  ProxyTimer a, b, c;
  guint a_fired, b_fired, c_fired;
} Timers;

static void
c_cb (gpointer user_data)
{
  ((Timers *) user_data)->c_fired++;
}

static void
b_cb (gpointer user_data)
{
  ((Timers *) user_data)->b_fired++;
}

/* Fires with b due at the same sweep: disarms b and re-arms itself once. */
static void
a_cb (gpointer user_data)
{
  Timers *t = user_data;

  t->a_fired++;
  proxy_timer_disarm (&t->b);
  if (t->a_fired == 1)
    proxy_timer_arm (t->loop, &t->a, 1, a_cb, t);
}

/* Timers fire once, late by at most the sweep period; a disarmed one never
 * fires, also when disarmed by another timer due in the same sweep. */
static void
test_loop_timers (void)
{
  g_autoptr(GError) error = NULL;
  Timers t = { 0 };
  gint64 until;

  t.loop = proxy_loop_new (&error);
  g_assert_no_error (error);
  proxy_timer_arm (t.loop, &t.a, 1, a_cb, &t);
  proxy_timer_arm (t.loop, &t.b, 1, b_cb, &t);
  proxy_timer_arm (t.loop, &t.c, 3600, c_cb, &t);
  g_assert_true (proxy_timer_is_armed (&t.c));
  /* A generous bound: only a timer that never fires fails it. */
  until = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (t.a_fired < 2 && g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (t.a_fired, ==, 2);
  /* b, armed after a, is due no earlier: a disarmed it first. */
  g_assert_cmpuint (t.b_fired, ==, 0);
  g_assert_false (proxy_timer_is_armed (&t.a));
  g_assert_false (proxy_timer_is_armed (&t.b));
  g_assert_cmpuint (t.c_fired, ==, 0);
  g_assert_true (proxy_timer_is_armed (&t.c));
  proxy_timer_disarm (&t.c);
  proxy_loop_free (t.loop);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/https-proxy/conn/tries-every-address", test_tries_every_address);
  g_test_add_func ("/https-proxy/conn/handshake-timeout", test_handshake_timeout);
  g_test_add_func ("/https-proxy/loop/timers", test_loop_timers);
  return g_test_run ();
}
