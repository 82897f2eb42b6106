/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "srv-exchange.h"

#include "srv-dns.h"

#include <string.h>

#define DNS_MAX 65535

typedef struct {
  GInetSocketAddress *server;
  GBytes *request;
  guint16 id;
  guint timeout_ms;
  guint attempts_left;
  GSocket *socket;
  GSource *readable;
  GSource *timer;
  GIOStream *stream;
  guint8 *framed;
  guint8 length[2];
  guint8 *answer;
  gsize answer_len;
  gboolean used_tcp;
} Exchange;

static void
exchange_stop_udp (Exchange *ex)
{
  if (ex->readable != NULL) {
    g_source_destroy (ex->readable);
    g_clear_pointer (&ex->readable, g_source_unref);
  }
  if (ex->timer != NULL) {
    g_source_destroy (ex->timer);
    g_clear_pointer (&ex->timer, g_source_unref);
  }
  if (ex->socket != NULL)
    g_socket_close (ex->socket, NULL);
  g_clear_object (&ex->socket);
}

static void
exchange_free (Exchange *ex)
{
  exchange_stop_udp (ex);
  g_clear_object (&ex->stream);
  g_object_unref (ex->server);
  g_bytes_unref (ex->request);
  g_free (ex->answer);
  g_free (ex->framed);
  g_free (ex);
}

static void
return_answer (GTask *task, guint8 *data, gsize len)
{
  g_task_return_pointer (task, g_bytes_new (data, len), (GDestroyNotify) g_bytes_unref);
}

/* --- TCP (RFC 1035 4.2.2: two-byte length, then the message) --- */

static void
tcp_body_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Exchange *ex = g_task_get_task_data (task);
  GError *error = NULL;
  gsize got = 0;

  if (!g_input_stream_read_all_finish (G_INPUT_STREAM (source), result, &got, &error)) {
    g_task_return_error (task, error);
    return;
  }
  if (got != ex->answer_len || !srv_dns_wire_answers (ex->answer, got, ex->id)) {
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "short or mismatched answer over TCP");
    return;
  }
  return_answer (task, ex->answer, ex->answer_len);
}

static void
tcp_length_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Exchange *ex = g_task_get_task_data (task);
  GError *error = NULL;
  gsize got = 0;

  if (!g_input_stream_read_all_finish (G_INPUT_STREAM (source), result, &got, &error) || got != 2) {
    if (error == NULL)
      error = g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "the server closed the TCP connection");
    g_task_return_error (task, error);
    g_object_unref (task);
    return;
  }
  ex->answer_len = (gsize) ex->length[0] << 8 | ex->length[1];
  ex->answer = g_malloc (MAX (ex->answer_len, 1));
  g_input_stream_read_all_async (G_INPUT_STREAM (source), ex->answer, ex->answer_len, G_PRIORITY_DEFAULT,
                                 g_task_get_cancellable (task), tcp_body_cb, task);
}

static void
tcp_written_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Exchange *ex = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error)) {
    g_task_return_error (task, error);
    g_object_unref (task);
    return;
  }
  g_input_stream_read_all_async (g_io_stream_get_input_stream (ex->stream), ex->length, 2, G_PRIORITY_DEFAULT,
                                 g_task_get_cancellable (task), tcp_length_cb, task);
}

static void
tcp_connected_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Exchange *ex = g_task_get_task_data (task);
  GError *error = NULL;
  GSocketConnection *connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (ex->request, &len);

  if (connection == NULL) {
    g_task_return_error (task, error);
    g_object_unref (task);
    return;
  }
  ex->stream = G_IO_STREAM (connection);
  ex->framed = g_malloc (len + 2);
  ex->framed[0] = (guint8) (len >> 8);
  ex->framed[1] = (guint8) len;
  memcpy (ex->framed + 2, data, len);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (ex->stream), ex->framed, len + 2,
                                   G_PRIORITY_DEFAULT, g_task_get_cancellable (task), tcp_written_cb, task);
}

static void
start_tcp (GTask *task)
{
  Exchange *ex = g_task_get_task_data (task);
  g_autoptr(GSocketClient) client = g_socket_client_new ();

  ex->used_tcp = TRUE;
  /* The socket timeout covers connect and each read and write. */
  g_socket_client_set_timeout (client, MAX (1u, ex->timeout_ms / 1000u) * 2u);
  g_socket_client_connect_async (client, G_SOCKET_CONNECTABLE (ex->server), g_task_get_cancellable (task),
                                 tcp_connected_cb, task);
}

/* --- UDP --- */

static void udp_send_and_arm (GTask *task);

static gboolean
udp_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  Exchange *ex = g_task_get_task_data (task);

  g_clear_pointer (&ex->timer, g_source_unref);
  if (ex->attempts_left == 0) {
    exchange_stop_udp (ex);
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "no answer from the server");
    g_object_unref (task);
    return G_SOURCE_REMOVE;
  }
  ex->timeout_ms *= 2;
  udp_send_and_arm (task);
  return G_SOURCE_REMOVE;
}

static gboolean
udp_readable_cb (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  GTask *task = user_data;
  Exchange *ex = g_task_get_task_data (task);
  g_autofree guint8 *buffer = g_malloc (DNS_MAX);
  g_autoptr(GError) error = NULL;
  gssize got;

  if (g_task_return_error_if_cancelled (task)) {
    exchange_stop_udp (ex);
    g_object_unref (task);
    return G_SOURCE_REMOVE;
  }
  got = g_socket_receive (socket, (gchar *) buffer, DNS_MAX, NULL, &error);
  /* ICMP unreachable and stray or spoofed datagrams: wait for the timer. */
  if (got < 0 || !srv_dns_wire_answers (buffer, (gsize) got, ex->id))
    return G_SOURCE_CONTINUE;
  if (srv_dns_wire_truncated (buffer, (gsize) got)) {
    exchange_stop_udp (ex);
    start_tcp (task);
    return G_SOURCE_REMOVE;
  }
  exchange_stop_udp (ex);
  return_answer (task, buffer, (gsize) got);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static void
udp_send_and_arm (GTask *task)
{
  Exchange *ex = g_task_get_task_data (task);
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (ex->request, &len);
  g_autoptr(GError) send_error = NULL;

  ex->attempts_left--;
  /* A refused send (ICMP from an earlier try) counts as a lost datagram. */
  g_socket_send (ex->socket, (const gchar *) data, len, NULL, &send_error);
  ex->timer = g_timeout_source_new (ex->timeout_ms);
  g_source_set_callback (ex->timer, udp_timeout_cb, task, NULL);
  g_source_attach (ex->timer, g_task_get_context (task));
}

void
srv_exchange_async (GInetSocketAddress *server, GBytes *request, guint16 id, guint first_timeout_ms,
                    guint attempts, GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Exchange *ex = g_new0 (Exchange, 1);
  GError *error = NULL;

  ex->server = g_object_ref (server);
  ex->request = g_bytes_ref (request);
  ex->id = id;
  ex->timeout_ms = MAX (first_timeout_ms, 1u);
  ex->attempts_left = MAX (attempts, 1u);
  g_task_set_task_data (task, ex, (GDestroyNotify) exchange_free);
  g_task_set_source_tag (task, srv_exchange_async);

  ex->socket = g_socket_new (g_socket_address_get_family (G_SOCKET_ADDRESS (server)), G_SOCKET_TYPE_DATAGRAM,
                             G_SOCKET_PROTOCOL_UDP, &error);
  if (ex->socket == NULL || !g_socket_connect (ex->socket, G_SOCKET_ADDRESS (server), NULL, &error)) {
    g_task_return_error (task, error);
    g_object_unref (task);
    return;
  }
  g_socket_set_blocking (ex->socket, FALSE);
  ex->readable = g_socket_create_source (ex->socket, G_IO_IN, cancellable);
  g_source_set_callback (ex->readable, G_SOURCE_FUNC (udp_readable_cb), task, NULL);
  g_source_attach (ex->readable, g_task_get_context (task));
  udp_send_and_arm (task);
}

GBytes *
srv_exchange_finish (GAsyncResult *result, gboolean *used_tcp, GError **error)
{
  Exchange *ex = g_task_get_task_data (G_TASK (result));

  if (used_tcp != NULL)
    *used_tcp = ex != NULL && ex->used_tcp;
  return g_task_propagate_pointer (G_TASK (result), error);
}
