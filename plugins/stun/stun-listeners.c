/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "stun-listeners.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include "stun-tcp.h"

typedef struct Listener Listener;

struct Listener {
  StunListeners *owner;
  gchar *key;                 /* "udp:", "alt:" or "tcp:" + configured address */
  gchar *bound_key;           /* the same prefix + the bound address (port 0 resolved) */
  PosternUdpSocket *udp;
  StunTcp *tcp;
  PosternStunAddress bound;
  Listener *partner;          /* RFC 5780 pairing, or NULL */
};

struct _StunListeners {
  PosternContext *context;
  GPtrArray *items;           /* of Listener */
  gchar *software;            /* NULL: send none */
  StunCounters counters;
};

static void
listener_free (Listener *l)
{
  g_clear_pointer (&l->udp, postern_udp_socket_free);
  g_clear_pointer (&l->tcp, stun_tcp_free);
  g_free (l->key);
  g_free (l->bound_key);
  g_free (l);
}

StunListeners *
stun_listeners_new (PosternContext *context)
{
  StunListeners *self = g_new0 (StunListeners, 1);

  self->context = context;
  self->items = g_ptr_array_new_with_free_func ((GDestroyNotify) listener_free);
  return self;
}

void
stun_listeners_free (StunListeners *self)
{
  g_ptr_array_unref (self->items);
  g_free (self->software);
  g_free (self);
}

static void
to_stun_address (GInetSocketAddress *inet, PosternStunAddress *out)
{
  struct sockaddr_storage native;

  memset (out, 0, sizeof *out);
  if (g_socket_address_to_native (G_SOCKET_ADDRESS (inet), &native, sizeof native, NULL))
    postern_stun_address_from_sockaddr (out, &native, sizeof native);
}

static gsize
respond (StunListeners *self, Listener *via, const guint8 *data, gsize len, gconstpointer peer,
         gsize peer_len, gconstpointer local, gsize local_len, guint8 *out, gsize capacity)
{
  PosternStunAddress from, to;
  StunResponderConfig cfg = { self->software, NULL };
  gboolean from_other = FALSE;
  gsize n;

  /* never answer port 0: no real client sends from it, reflectors do */
  if (!postern_stun_address_from_sockaddr (&from, peer, peer_len) || from.port == 0) {
    self->counters.malformed++;
    return 0;
  }
  if (!postern_stun_address_from_sockaddr (&to, local, local_len))
    memset (&to, 0, sizeof to);
  if (via != NULL && via->partner != NULL)
    cfg.other = &via->partner->bound;
  n = stun_respond (&cfg, data, len, &from, &to, out, capacity, &self->counters, &from_other);
  if (n > 0 && from_other) {
    postern_udp_socket_send (via->partner->udp, out, n, peer, peer_len);
    return 0;
  }
  return n;
}

gsize
stun_listeners_respond (StunListeners *self, const guint8 *data, gsize len, gconstpointer peer,
                        gsize peer_len, gconstpointer local, gsize local_len, guint8 *out,
                        gsize capacity)
{
  return respond (self, NULL, data, len, peer, peer_len, local, local_len, out, capacity);
}

static gsize
on_datagram (PosternUdpSocket *socket, const guint8 *data, gsize len, gconstpointer peer,
             gsize peer_len, gconstpointer local, gsize local_len, guint8 *reply,
             gsize reply_capacity, gpointer user_data)
{
  Listener *l = user_data;

  return respond (l->owner, l, data, len, peer, peer_len, local, local_len, reply, reply_capacity);
}

static Listener *
listener_new (StunListeners *self, const gchar *key, GInetSocketAddress *address, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  Listener *l = g_new0 (Listener, 1);

  l->owner = self;
  l->key = g_strdup (key);
  if (g_str_has_prefix (key, "tcp:")) {
    l->tcp = stun_tcp_new (self, address, &local_error);
    if (l->tcp != NULL)
      to_stun_address (stun_tcp_get_address (l->tcp), &l->bound);
  } else {
    l->udp = postern_udp_socket_new (address, &local_error);
    if (l->udp != NULL)
      to_stun_address (postern_udp_socket_get_address (l->udp), &l->bound);
  }
  if (local_error != NULL) {
    g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "stun: ");
    listener_free (l);
    return NULL;
  }
  {
    g_autofree gchar *text = postern_address_to_string (
        l->udp != NULL ? postern_udp_socket_get_address (l->udp) : stun_tcp_get_address (l->tcp));
    l->bound_key = g_strdup_printf ("%.4s%s", key, text);
  }
  return l;
}

static Listener *
find (GPtrArray *items, const gchar *key)
{
  for (guint i = 0; i < items->len; i++) {
    Listener *l = g_ptr_array_index (items, i);
    /* the bound address matches too, so a listener configured with port 0
     * survives a reload that names its real port */
    if (g_strcmp0 (l->key, key) == 0 || g_strcmp0 (l->bound_key, key) == 0)
      return l;
  }
  return NULL;
}

/* The listener keys a config asks for, in order (alternate-listen was
 * validated with the config: one address per family). */
static GPtrArray *
wanted_keys (PosternConfig *config, GPtrArray *addresses)
{
  static const struct { const gchar *key, *prefix; } kinds[] = {
    { "listen", "udp:" }, { "alternate-listen", "alt:" }, { "listen-tcp", "tcp:" },
  };
  GPtrArray *keys = g_ptr_array_new_with_free_func (g_free);

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++) {
    g_autoptr(GPtrArray) list = postern_config_get_address_list (config, kinds[k].key);
    for (guint i = 0; i < list->len; i++) {
      GInetSocketAddress *a = g_ptr_array_index (list, i);
      g_autofree gchar *text = postern_address_to_string (a);
      g_ptr_array_add (keys, g_strconcat (kinds[k].prefix, text, NULL));
      g_ptr_array_add (addresses, g_object_ref (a));
    }
  }
  return keys;
}

static GSocketFamily
listener_family (Listener *l)
{
  return l->bound.family == POSTERN_STUN_FAMILY_IPV6 ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4;
}

/* Pairs each alternate listener with the first UDP listener of its family. */
static gboolean
pair (GPtrArray *items, GError **error)
{
  for (guint i = 0; i < items->len; i++)
    ((Listener *) g_ptr_array_index (items, i))->partner = NULL;
  for (guint i = 0; i < items->len; i++) {
    Listener *alt = g_ptr_array_index (items, i);
    if (!g_str_has_prefix (alt->key, "alt:"))
      continue;
    for (guint j = 0; j < items->len && alt->partner == NULL; j++) {
      Listener *l = g_ptr_array_index (items, j);
      if (g_str_has_prefix (l->key, "udp:") && listener_family (l) == listener_family (alt)) {
        alt->partner = l;
        l->partner = alt;
      }
    }
    if (alt->partner == NULL) {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                   "stun: alternate-listen %s has no listen address of its family", alt->key + 4);
      return FALSE;
    }
  }
  return TRUE;
}

gboolean
stun_listeners_apply (StunListeners *self, PosternConfig *config, GError **error)
{
  g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) keys = wanted_keys (config, addresses);
  g_autoptr(GPtrArray) next = NULL;
  g_autoptr(GPtrArray) created = g_ptr_array_new_with_free_func ((GDestroyNotify) listener_free);
  const gchar *software = postern_config_get_string (config, "software");

  if (keys->len == 0) {
    g_set_error_literal (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                         "stun: listen and listen-tcp are both empty");
    return FALSE;
  }
  /* bind everything new first; on any failure the old set stays untouched */
  for (guint i = 0; i < keys->len; i++) {
    const gchar *key = g_ptr_array_index (keys, i);
    Listener *l;
    if (find (self->items, key) != NULL || find (created, key) != NULL)
      continue;
    l = listener_new (self, key, g_ptr_array_index (addresses, i), error);
    if (l == NULL)
      return FALSE;
    g_ptr_array_add (created, l);
  }

  next = g_ptr_array_new_with_free_func ((GDestroyNotify) listener_free);
  for (guint i = 0; i < keys->len; i++) {
    const gchar *key = g_ptr_array_index (keys, i);
    Listener *l = find (self->items, key);
    if (l == NULL)
      l = find (created, key);
    if (l != NULL && !g_ptr_array_find (next, l, NULL))
      g_ptr_array_add (next, l);
  }
  if (!pair (next, error)) {
    /* restore the old pairing; the new sockets go away with @created */
    g_ptr_array_set_free_func (next, NULL);
    pair (self->items, NULL);
    return FALSE;
  }

  /* commit: drop listeners no longer wanted, keep the rest running */
  g_ptr_array_set_free_func (created, NULL);
  for (guint i = 0; i < self->items->len; i++) {
    Listener *l = g_ptr_array_index (self->items, i);
    if (!g_ptr_array_find (next, l, NULL)) {
      self->counters.malformed += l->udp != NULL ? postern_udp_socket_get_dropped (l->udp)
                                                 : stun_tcp_get_dropped (l->tcp);
      listener_free (l);
    }
  }
  g_ptr_array_set_free_func (self->items, NULL);
  g_ptr_array_unref (self->items);
  self->items = g_steal_pointer (&next);
  for (guint i = 0; i < created->len; i++) {
    Listener *l = g_ptr_array_index (created, i);
    if (l->udp != NULL)
      postern_udp_socket_start (l->udp, on_datagram, l);
  }
  g_free (self->software);
  self->software = software != NULL && software[0] != '\0' ? g_strdup (software) : NULL;
  return TRUE;
}

void
stun_listeners_get_counters (StunListeners *self, StunCounters *out)
{
  *out = self->counters;
  for (guint i = 0; i < self->items->len; i++) {
    Listener *l = g_ptr_array_index (self->items, i);
    out->malformed += l->udp != NULL ? postern_udp_socket_get_dropped (l->udp)
                                     : stun_tcp_get_dropped (l->tcp);
  }
}

gchar **
stun_listeners_describe (StunListeners *self)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

  for (guint i = 0; i < self->items->len; i++) {
    Listener *l = g_ptr_array_index (self->items, i);
    GInetSocketAddress *a = l->udp != NULL ? postern_udp_socket_get_address (l->udp)
                                           : stun_tcp_get_address (l->tcp);
    g_autofree gchar *text = postern_address_to_string (a);
    g_autofree gchar *name = g_strconcat (l->tcp != NULL ? "tcp:" : "udp:", text, NULL);
    g_strv_builder_add (b, name);
  }
  return g_strv_builder_end (b);
}
