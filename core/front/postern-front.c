/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "postern-front-private.h"

/* The HTTPS front: the daemon's own listeners for every plugin that serves
 * HTTP. It listens only while some plugin has claimed a path; answers the
 * plain HTTP port with redirects; refuses banned sources at accept, before
 * any TLS work; and swaps its certificate on reload without dropping live
 * connections (each keeps the TLS material it started with). */

/* Beyond this, new connections are refused at accept. */
#define MAX_CONNECTIONS 16384

typedef struct {
  PosternFront *front;
  gint fd;
  gboolean tls;
  gchar *address;
} FrontListener;

typedef struct {
  PosternCidr cidr;
  gint64 until; /* UNIX seconds */
} FrontBan;

static void
listener_free (gpointer data)
{
  FrontListener *l = data;

  postern_epoll_source_remove (l->front->epoll, l->fd);
  close (l->fd);
  g_free (l->address);
  g_free (l);
}

gboolean
postern_front_is_banned (PosternFront *self, GInetAddress *address)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  for (guint i = 0; i < self->bans->len; i++) {
    FrontBan *ban = g_ptr_array_index (self->bans, i);
    if (ban->until > now && postern_cidr_contains_address (&ban->cidr, address))
      return TRUE;
  }
  return FALSE;
}

static gboolean
accept_cb (gint fd, GIOCondition condition, gpointer user_data)
{
  FrontListener *l = user_data;
  PosternFront *self = l->front;

  for (;;) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    g_autoptr(GError) error = NULL;
    g_autoptr(GSocketAddress) peer = NULL;
    gint client = accept4 (fd, (struct sockaddr *) &ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

    if (client < 0) {
      if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
        g_warning ("accept on %s: %s", l->address, g_strerror (errno));
      break;
    }
    /* Refused before any TLS work: a banned source costs one accept. */
    if (self->bans->len > 0)
      peer = g_socket_address_new_from_native (&ss, len);
    if (peer != NULL && G_IS_INET_SOCKET_ADDRESS (peer) &&
        postern_front_is_banned (self, g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (peer)))) {
      close (client);
      continue;
    }
    if (g_hash_table_size (self->connections) >= MAX_CONNECTIONS) {
      g_warning ("refusing a connection on %s: %d connections open", l->address, MAX_CONNECTIONS);
      close (client);
      continue;
    }
    if (!postern_front_conn_accept (self, client, l->tls, (struct sockaddr *) &ss, len, &error))
      g_warning ("connection on %s: %s", l->address, error->message);
  }
  return TRUE;
}

static FrontListener *
listen_on (PosternFront *self, GInetSocketAddress *address, gboolean tls, GError **error)
{
  struct sockaddr_storage ss;
  gint fd, one = 1, defer_s = 5;
  FrontListener *l;
  g_autofree gchar *text = postern_address_to_string (address);
  GSocketFamily family = g_socket_address_get_family (G_SOCKET_ADDRESS (address));

  if (!g_socket_address_to_native (G_SOCKET_ADDRESS (address), &ss, sizeof ss, error))
    return NULL;
  fd = socket (family == G_SOCKET_FAMILY_IPV6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED, "%s: socket: %s", text, g_strerror (errno));
    return NULL;
  }
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  /* Accepted sockets inherit it. */
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  /* Both kinds of client speak first: accept once their first bytes are
   * in, so a connection starts on them (a silent one is accepted after
   * this many seconds and meets the head timeout). */
  setsockopt (fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer_s, sizeof defer_s);
  if (family == G_SOCKET_FAMILY_IPV6)
    setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (bind (fd, (struct sockaddr *) &ss, g_socket_address_get_native_size (G_SOCKET_ADDRESS (address))) != 0 ||
      listen (fd, 1024) != 0) {
    int saved = errno;
    close (fd);
    g_set_error (error, POSTERN_ERROR, saved == EADDRINUSE ? POSTERN_ERROR_ADDRESS_IN_USE : POSTERN_ERROR_FAILED,
                 "cannot listen on %s: %s", text, g_strerror (saved));
    return NULL;
  }
  l = g_new0 (FrontListener, 1);
  l->front = self;
  l->fd = fd;
  l->tls = tls;
  l->address = g_steal_pointer (&text);
  if (!postern_epoll_source_add (self->epoll, fd, G_IO_IN, accept_cb, l, NULL, error)) {
    close (fd);
    g_free (l->address);
    g_free (l);
    return NULL;
  }
  return l;
}

static gboolean
open_listeners (PosternFront *self, GPtrArray *out, const gchar *key, gboolean tls, GError **error)
{
  g_autoptr(GPtrArray) addresses = postern_config_get_address_list (self->config, key);

  for (guint i = 0; i < addresses->len; i++) {
    FrontListener *l = listen_on (self, g_ptr_array_index (addresses, i), tls, error);
    if (l == NULL)
      return FALSE;
    g_ptr_array_add (out, l);
  }
  return TRUE;
}

/* Closing a connection removes it from the set: iterate over a copy. */
static GPtrArray *
snapshot_connections (PosternFront *self)
{
  GPtrArray *out = g_ptr_array_sized_new (g_hash_table_size (self->connections));
  GHashTableIter iter;
  gpointer conn;

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, &conn, NULL))
    g_ptr_array_add (out, conn);
  return out;
}

static void
refresh_date (PosternFront *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree gchar *text = g_date_time_format (now, "%a, %d %b %Y %H:%M:%S GMT");

  g_strlcpy (self->date, text, sizeof self->date);
}

static gboolean
sweep_cb (gpointer user_data)
{
  PosternFront *self = user_data;
  g_autoptr(GPtrArray) conns = snapshot_connections (self);
  gint64 now = g_get_monotonic_time ();

  refresh_date (self);
  for (guint i = 0; i < conns->len; i++)
    postern_front_conn_sweep (g_ptr_array_index (conns, i), now);
  return G_SOURCE_CONTINUE;
}

static void
ban_added_cb (PosternEventBus *bus, const gchar *name, GVariant *payload, gpointer user_data)
{
  PosternFront *self = user_data;
  g_autoptr(GError) error = NULL;
  const gchar *source, *reason;
  FrontBan *ban = g_new0 (FrontBan, 1);

  g_variant_get (payload, "(&sx&s)", &source, &ban->until, &reason);
  if (!postern_cidr_parse (source, &ban->cidr, &error)) {
    g_warning ("ignoring ban of '%s': %s", source, error->message);
    g_free (ban);
    return;
  }
  /* The ban takes effect before the banned client's next request: its open
   * (keep-alive) connections go too. */
  {
    g_autoptr(GPtrArray) conns = snapshot_connections (self);
    for (guint i = 0; i < conns->len; i++) {
      PosternFrontConn *conn = g_ptr_array_index (conns, i);
      if (postern_front_conn_is_from (conn, &ban->cidr))
        postern_front_conn_banned (conn);
    }
  }
  for (guint i = 0; i < self->bans->len; i++) {
    FrontBan *existing = g_ptr_array_index (self->bans, i);
    if (postern_cidr_equal (&existing->cidr, &ban->cidr)) {
      existing->until = ban->until;
      g_free (ban);
      return;
    }
  }
  g_ptr_array_add (self->bans, ban);
}

static void
ban_lifted_cb (PosternEventBus *bus, const gchar *name, GVariant *payload, gpointer user_data)
{
  PosternFront *self = user_data;
  const gchar *source, *reason;
  PosternCidr cidr;

  g_variant_get (payload, "(&s&s)", &source, &reason);
  if (!postern_cidr_parse (source, &cidr, NULL))
    return;
  for (guint i = 0; i < self->bans->len; i++) {
    if (postern_cidr_equal (&((FrontBan *) g_ptr_array_index (self->bans, i))->cidr, &cidr)) {
      g_ptr_array_remove_index_fast (self->bans, i);
      return;
    }
  }
}

PosternFront *
postern_front_new (PosternEventBus *bus, PosternHttpRouter *router, const gchar *state_dir)
{
  PosternFront *self = g_new0 (PosternFront, 1);
  g_autoptr(GError) error = NULL;

  self->bus = g_object_ref (bus);
  self->router = router;
  self->state_dir = g_strdup (state_dir);
  self->epoll = postern_epoll_source_new (&error);
  g_assert_no_error (error);
  g_source_attach (self->epoll, NULL);
  self->listeners = g_ptr_array_new_with_free_func (listener_free);
  self->connections = g_hash_table_new (NULL, NULL);
  self->bans = g_ptr_array_new_with_free_func (g_free);
  self->ban_added_sub = postern_event_bus_subscribe (bus, POSTERN_EVENT_BAN_ADDED, ban_added_cb, self, NULL);
  self->ban_lifted_sub = postern_event_bus_subscribe (bus, POSTERN_EVENT_BAN_LIFTED, ban_lifted_cb, self, NULL);
  refresh_date (self);
  return self;
}

/* Loads the TLS material a new [core] asks for. Called before anything is
 * applied, so a bad certificate refuses the whole reload. */
gboolean
postern_front_apply_config (PosternFront *self, PosternConfig *core_config, GError **error)
{
  const gchar *fqdn = postern_config_get_string (core_config, "fqdn");
  g_autoptr(PosternFrontTls) tls = NULL;
  gboolean relisten;

  if (fqdn[0] == '\0')
    fqdn = g_get_host_name ();
  tls = postern_front_tls_load (postern_config_get_string (core_config, "certificate"), fqdn, self->state_dir,
                                postern_config_get_string (core_config, "tls-priority"), error);
  if (tls == NULL)
    return FALSE;
  relisten = self->config != NULL && (postern_config_key_changed (self->config, core_config, "https-listen") ||
                                       postern_config_key_changed (self->config, core_config, "http-listen"));
  g_clear_pointer (&self->tls, postern_front_tls_unref);
  self->tls = g_steal_pointer (&tls);
  g_set_object (&self->config, core_config);
  g_free (self->fqdn);
  self->fqdn = g_strdup (fqdn);
  if (relisten)
    g_ptr_array_set_size (self->listeners, 0);
  return postern_front_sync (self, error);
}

/* Listens while some plugin serves HTTP, and only then. */
gboolean
postern_front_sync (PosternFront *self, GError **error)
{
  g_autoptr(GPtrArray) opened = NULL;
  g_autoptr(GPtrArray) https = NULL;

  if (postern_http_router_get_size (self->router) == 0 || self->config == NULL) {
    if (self->listeners->len > 0)
      g_message ("HTTPS front stopped listening: no plugin serves HTTP");
    g_ptr_array_set_size (self->listeners, 0);
    g_clear_handle_id (&self->sweep_source, g_source_remove);
    return TRUE;
  }
  if (self->listeners->len > 0)
    return TRUE;
  opened = g_ptr_array_new_with_free_func (listener_free);
  if (!open_listeners (self, opened, "https-listen", TRUE, error) ||
      !open_listeners (self, opened, "http-listen", FALSE, error))
    return FALSE;
  https = postern_config_get_address_list (self->config, "https-listen");
  self->https_port = https->len > 0 ? g_inet_socket_address_get_port (g_ptr_array_index (https, 0)) : 443;
  g_ptr_array_extend_and_steal (self->listeners, g_steal_pointer (&opened));
  if (self->sweep_source == 0)
    self->sweep_source = g_timeout_add_seconds (1, sweep_cb, self);
  for (guint i = 0; i < self->listeners->len; i++) {
    FrontListener *l = g_ptr_array_index (self->listeners, i);
    g_message ("%s front listening on %s", l->tls ? "HTTPS" : "HTTP (redirect)", l->address);
  }
  return TRUE;
}

gboolean
postern_front_is_listening (PosternFront *self)
{
  return self->listeners->len > 0;
}

guint
postern_front_get_n_connections (PosternFront *self)
{
  return g_hash_table_size (self->connections);
}

/* Closes the listeners and every connection. */
void
postern_front_stop (PosternFront *self)
{
  g_autoptr(GPtrArray) conns = snapshot_connections (self);

  g_ptr_array_set_size (self->listeners, 0);
  for (guint i = 0; i < conns->len; i++)
    postern_front_conn_close (g_ptr_array_index (conns, i), "daemon stopping");
  g_clear_handle_id (&self->sweep_source, g_source_remove);
}

void
postern_front_free (PosternFront *self)
{
  if (self == NULL)
    return;
  postern_front_stop (self);
  postern_event_bus_unsubscribe (self->bus, self->ban_added_sub);
  postern_event_bus_unsubscribe (self->bus, self->ban_lifted_sub);
  g_ptr_array_unref (self->listeners);
  g_hash_table_unref (self->connections);
  g_ptr_array_unref (self->bans);
  g_source_destroy (self->epoll);
  g_source_unref (self->epoll);
  postern_front_tls_unref (self->tls);
  g_clear_object (&self->config);
  g_clear_object (&self->bus);
  g_free (self->state_dir);
  g_free (self->fqdn);
  g_free (self->spare_in);
  g_free (self);
}
