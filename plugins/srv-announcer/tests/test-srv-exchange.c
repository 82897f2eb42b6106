/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* srv_exchange against an in-process fake DNS server on 127.0.0.1: answers,
 * stray datagrams, lost datagrams, truncation and TCP, silence. */
#include <string.h>

#include "srv-exchange.h"

typedef enum {
  SERVE_ANSWER,
  SERVE_STRAY_THEN_ANSWER,
  SERVE_DROP_FIRST,
  SERVE_TRUNCATE,
  SERVE_SILENT,
} ServeMode;

typedef struct {
  ServeMode mode;
  GSocket *udp;
  GSocket *tcp;
  GThread *tcp_thread;
  GInetSocketAddress *address;
  guint udp_seen;
  guint tcp_seen;
  GBytes *result;
  GError *error;
  gboolean used_tcp;
  gboolean done;
  guint ticks; /* main loop liveness while waiting */
} Fake;

static const guint8 request[] = { 0xab, 0xcd, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 1 };

/* An answer echoing the request with QR set, optionally with TC. */
static void
make_answer (const guint8 *query, gsize len, gboolean tc, guint8 *out)
{
  memcpy (out, query, len);
  out[2] = (guint8) (0x80 | (tc ? 0x02 : 0));
}

static gboolean
udp_cb (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  Fake *fake = user_data;
  guint8 buffer[512], answer[512];
  g_autoptr(GSocketAddress) from = NULL;
  gssize got = g_socket_receive_from (socket, &from, (gchar *) buffer, sizeof buffer, NULL, NULL);

  if (got < 12)
    return G_SOURCE_CONTINUE;
  fake->udp_seen++;
  if (fake->mode == SERVE_SILENT || (fake->mode == SERVE_DROP_FIRST && fake->udp_seen == 1))
    return G_SOURCE_CONTINUE;
  if (fake->mode == SERVE_STRAY_THEN_ANSWER) {
    make_answer (buffer, (gsize) got, FALSE, answer);
    answer[1] ^= 0xff; /* another ID */
    g_socket_send_to (socket, from, (gchar *) answer, (gsize) got, NULL, NULL);
  }
  make_answer (buffer, (gsize) got, fake->mode == SERVE_TRUNCATE, answer);
  g_socket_send_to (socket, from, (gchar *) answer, (gsize) got, NULL, NULL);
  return G_SOURCE_CONTINUE;
}

/* Serves one TCP connection, blocking, in its own thread. */
static gpointer
tcp_thread (gpointer user_data)
{
  Fake *fake = user_data;
  g_autoptr(GSocket) client = g_socket_accept (fake->tcp, NULL, NULL);
  g_autoptr(GSocketConnection) connection = NULL;
  GInputStream *in;
  GOutputStream *out;
  guint8 length[2], query[512], answer[1024];
  gsize len, got = 0;

  g_assert_nonnull (client);
  connection = g_socket_connection_factory_create_connection (client);
  in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_assert_true (g_input_stream_read_all (in, length, 2, &got, NULL, NULL));
  len = (gsize) length[0] << 8 | length[1];
  g_assert_cmpuint (len, <=, sizeof query);
  g_assert_true (g_input_stream_read_all (in, query, len, &got, NULL, NULL));
  fake->tcp_seen++;
  /* A longer answer than UDP carried: the query plus 600 bytes. */
  make_answer (query, len, FALSE, answer);
  memset (answer + len, 0x5a, 600);
  length[0] = (guint8) ((len + 600) >> 8);
  length[1] = (guint8) (len + 600);
  g_output_stream_write_all (out, length, 2, NULL, NULL, NULL);
  g_output_stream_write_all (out, answer, len + 600, NULL, NULL, NULL);
  return NULL;
}

/* The same port for UDP and TCP: an ephemeral UDP port whose TCP twin may
 * already be taken by a test running in parallel, so try a few. */
static guint16
fake_bind (Fake *fake, GInetAddress *loopback)
{
  for (guint attempt = 0; attempt < 50; attempt++) {
    g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
    g_autoptr(GSocketAddress) bound = NULL;
    g_autoptr(GError) error = NULL;

    fake->udp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
    g_assert_no_error (error);
    g_assert_true (g_socket_bind (fake->udp, any, FALSE, &error));
    bound = g_socket_get_local_address (fake->udp, &error);
    g_assert_no_error (error);
    fake->tcp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
    g_assert_no_error (error);
    if (g_socket_bind (fake->tcp, bound, TRUE, &error))
      return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
    g_clear_object (&fake->tcp);
    g_clear_object (&fake->udp);
  }
  g_assert_not_reached ();
}

static void
fake_start (Fake *fake, ServeMode mode)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSource) source = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port;

  memset (fake, 0, sizeof *fake);
  fake->mode = mode;
  port = fake_bind (fake, loopback);
  g_socket_set_blocking (fake->udp, FALSE);
  source = g_socket_create_source (fake->udp, G_IO_IN, NULL);
  g_source_set_callback (source, G_SOURCE_FUNC (udp_cb), fake, NULL);
  g_source_attach (source, NULL);
  g_assert_true (g_socket_listen (fake->tcp, &error));
  g_assert_no_error (error);
  if (mode == SERVE_TRUNCATE)
    fake->tcp_thread = g_thread_new ("fake-tcp", tcp_thread, fake);
  fake->address = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (loopback, port));
}

static void
fake_stop (Fake *fake)
{
  if (fake->tcp_thread != NULL)
    g_thread_join (fake->tcp_thread);
  g_socket_close (fake->tcp, NULL);
  g_object_unref (fake->tcp);
  g_socket_close (fake->udp, NULL);
  g_object_unref (fake->udp);
  g_object_unref (fake->address);
  g_clear_pointer (&fake->result, g_bytes_unref);
  g_clear_error (&fake->error);
}

static void
done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Fake *fake = user_data;

  fake->result = srv_exchange_finish (result, &fake->used_tcp, &fake->error);
  fake->done = TRUE;
}

static gboolean
tick_cb (gpointer user_data)
{
  ((Fake *) user_data)->ticks++;
  return G_SOURCE_CONTINUE;
}

static void
run (Fake *fake, guint timeout_ms, guint attempts)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static (request, sizeof request);
  guint tick = g_timeout_add (20, tick_cb, fake);

  srv_exchange_async (fake->address, bytes, 0xabcd, timeout_ms, attempts, NULL, done_cb, fake);
  while (!fake->done)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
}

static void
test_answer (void)
{
  Fake fake;

  fake_start (&fake, SERVE_ANSWER);
  run (&fake, 5000, 3);
  g_assert_no_error (fake.error);
  g_assert_cmpuint (g_bytes_get_size (fake.result), ==, sizeof request);
  g_assert_false (fake.used_tcp);
  g_assert_cmpuint (fake.udp_seen, ==, 1);
  fake_stop (&fake);
}

static void
test_stray_ignored (void)
{
  Fake fake;
  const guint8 *data;

  fake_start (&fake, SERVE_STRAY_THEN_ANSWER);
  run (&fake, 5000, 3);
  g_assert_no_error (fake.error);
  data = g_bytes_get_data (fake.result, NULL);
  g_assert_cmpuint (data[0], ==, 0xab);
  g_assert_cmpuint (data[1], ==, 0xcd);
  fake_stop (&fake);
}

static void
test_lost_datagram_retried (void)
{
  Fake fake;

  fake_start (&fake, SERVE_DROP_FIRST);
  run (&fake, 200, 3);
  g_assert_no_error (fake.error);
  g_assert_cmpuint (fake.udp_seen, >=, 2);
  fake_stop (&fake);
}

static void
test_truncated_goes_tcp (void)
{
  Fake fake;

  fake_start (&fake, SERVE_TRUNCATE);
  run (&fake, 5000, 3);
  g_assert_no_error (fake.error);
  g_assert_true (fake.used_tcp);
  g_assert_cmpuint (fake.tcp_seen, ==, 1);
  g_assert_cmpuint (g_bytes_get_size (fake.result), ==, sizeof request + 600);
  fake_stop (&fake);
}

static void
test_silent_times_out_without_blocking (void)
{
  Fake fake;

  fake_start (&fake, SERVE_SILENT);
  run (&fake, 100, 3);
  g_assert_error (fake.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_null (fake.result);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (fake.udp_seen, ==, 3);
  /* The wait (100 + 200 + 400 ms) ran in the main loop, which kept turning. */
  g_assert_cmpuint (fake.ticks, >, 0);
  fake_stop (&fake);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/srv/exchange/answer", test_answer);
  g_test_add_func ("/srv/exchange/stray-ignored", test_stray_ignored);
  g_test_add_func ("/srv/exchange/lost-datagram-retried", test_lost_datagram_retried);
  g_test_add_func ("/srv/exchange/truncated-goes-tcp", test_truncated_goes_tcp);
  g_test_add_func ("/srv/exchange/silent-times-out", test_silent_times_out_without_blocking);
  return g_test_run ();
}
