/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "stun-tcp.h"

#include <sys/socket.h>

/* a connection idle this long is closed */
#define IDLE_TIMEOUT_SECONDS 30
#define MAX_CONNECTIONS 256
#define IN_SIZE 2048
#define OUT_SIZE 4096

struct _StunTcp {
  StunListeners *owner;
  GSocketService *service;
  GInetSocketAddress *address;
  GCancellable *cancellable;
  guint connections;
  guint64 dropped;
};

typedef struct {
  StunTcp *tcp;
  GSocketConnection *connection;
  GCancellable *cancellable;
  struct sockaddr_storage peer, local;
  gsize peer_len, local_len;
  gsize have;
  guint8 in[IN_SIZE];
  guint8 out[OUT_SIZE];
} Conn;

static void pump (Conn *c);
static void on_read (GObject *source, GAsyncResult *result, gpointer user_data);

static void
conn_free (Conn *c, gboolean cancelled)
{
  if (!cancelled)
    c->tcp->connections--;
  g_io_stream_close (G_IO_STREAM (c->connection), NULL, NULL);
  g_object_unref (c->connection);
  g_object_unref (c->cancellable);
  g_free (c);
}

static void
on_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Conn *c = user_data;
  gboolean cancelled = g_cancellable_is_cancelled (c->cancellable);

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL) || cancelled) {
    conn_free (c, cancelled);
    return;
  }
  pump (c);
}

/* Answers every whole message in the buffer; FALSE closes the connection. */
static gboolean
process (Conn *c, gsize *out_len)
{
  gsize off = 0;

  *out_len = 0;
  while (c->have - off >= 4) {
    gsize need = postern_stun_frame_length (c->in + off, c->have - off);
    if (need == 0 || need > IN_SIZE || (c->in[off] & 0xC0) != 0) {
      /* not STUN (ChannelData has no business here) or too large to hold */
      c->tcp->dropped++;
      return FALSE;
    }
    if (c->have - off < need)
      break;
    if (OUT_SIZE - *out_len < POSTERN_UDP_MAX_DATAGRAM)
      break;
    *out_len += stun_listeners_respond (c->tcp->owner, c->in + off, need, &c->peer, c->peer_len,
                                        &c->local, c->local_len, c->out + *out_len,
                                        MIN (OUT_SIZE - *out_len, POSTERN_UDP_MAX_DATAGRAM));
    off += need;
  }
  memmove (c->in, c->in + off, c->have - off);
  c->have -= off;
  return TRUE;
}

static void
read_more (Conn *c)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (c->connection)),
                             c->in + c->have, IN_SIZE - c->have, G_PRIORITY_DEFAULT,
                             c->cancellable, on_read, c);
}

/* Answers what is buffered, then writes the answers or reads on. */
static void
pump (Conn *c)
{
  gsize out_len;

  if (!process (c, &out_len)) {
    conn_free (c, FALSE);
    return;
  }
  if (out_len == 0) {
    read_more (c);
    return;
  }
  g_output_stream_write_all_async (g_io_stream_get_output_stream (G_IO_STREAM (c->connection)),
                                   c->out, out_len, G_PRIORITY_DEFAULT, c->cancellable,
                                   on_written, c);
}

static void
on_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Conn *c = user_data;
  gboolean cancelled = g_cancellable_is_cancelled (c->cancellable);
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n <= 0 || cancelled) {
    conn_free (c, cancelled);
    return;
  }
  c->have += (gsize) n;
  pump (c);
}

static gboolean
native_address (GSocketAddress *address, struct sockaddr_storage *out, gsize *len)
{
  if (address == NULL || !g_socket_address_to_native (address, out, sizeof *out, NULL))
    return FALSE;
  *len = (gsize) g_socket_address_get_native_size (address);
  return TRUE;
}

static gboolean
on_incoming (GSocketService *service, GSocketConnection *connection, GObject *source,
             gpointer user_data)
{
  StunTcp *self = user_data;
  g_autoptr(GSocketAddress) peer = g_socket_connection_get_remote_address (connection, NULL);
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  Conn *c;

  if (self->connections >= MAX_CONNECTIONS) {
    self->dropped++;
    return TRUE; /* unreferenced, so closed */
  }
  c = g_new0 (Conn, 1);
  if (!native_address (peer, &c->peer, &c->peer_len) ||
      !native_address (local, &c->local, &c->local_len)) {
    g_free (c);
    return TRUE;
  }
  c->tcp = self;
  c->connection = g_object_ref (connection);
  c->cancellable = g_object_ref (self->cancellable);
  g_socket_set_timeout (g_socket_connection_get_socket (connection), IDLE_TIMEOUT_SECONDS);
  self->connections++;
  read_more (c);
  return TRUE;
}

StunTcp *
stun_tcp_new (StunListeners *owner, GInetSocketAddress *address, GError **error)
{
  StunTcp *self = g_new0 (StunTcp, 1);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree gchar *text = postern_address_to_string (address);

  self->owner = owner;
  self->service = g_socket_service_new ();
  self->cancellable = g_cancellable_new ();
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), G_SOCKET_ADDRESS (address),
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                      &effective, &local_error)) {
    if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_ADDRESS_IN_USE,
                   "TCP address %s is already in use by another process", text);
    else
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "TCP %s: ", text);
    stun_tcp_free (self);
    return NULL;
  }
  self->address = G_INET_SOCKET_ADDRESS (g_steal_pointer (&effective));
  g_signal_connect (self->service, "incoming", G_CALLBACK (on_incoming), self);
  g_socket_service_start (self->service);
  return self;
}

void
stun_tcp_free (StunTcp *self)
{
  /* live connections see the cancellation and free themselves */
  g_cancellable_cancel (self->cancellable);
  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  g_object_unref (self->service);
  g_object_unref (self->cancellable);
  g_clear_object (&self->address);
  g_free (self);
}

GInetSocketAddress *
stun_tcp_get_address (StunTcp *self)
{
  return self->address;
}

guint64
stun_tcp_get_dropped (StunTcp *self)
{
  return self->dropped;
}
