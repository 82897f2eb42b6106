/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "proxy-nodes.h"

#include <string.h>

#define DEFAULT_PORT 443
#define POOL_MAX 64
/* A learned token outlives its announced lifetime by this much, so a late
 * refresh still finds its node. */
#define TOKEN_GRACE_S 120
/* A name is looked up again when it is used this long after its lookup. */
#define RESOLVE_TTL_S 60

typedef struct {
  ProxyNodeResolvedFunc func;
  gpointer user_data;
} ResolveWaiter;

typedef struct {
  ProxyNode *node;
  gint64 expires; /* monotonic µs */
} TokenEntry;

const gchar *
proxy_node_state_to_string (ProxyNodeState state)
{
  switch (state) {
  case PROXY_NODE_UP:
    return "up";
  case PROXY_NODE_DOWN:
    return "down";
  case PROXY_NODE_DRAINING:
    return "draining";
  default:
    g_assert_not_reached ();
  }
}

ProxyNode *
proxy_node_ref (ProxyNode *node)
{
  node->ref++;
  return node;
}

void
proxy_node_unref (ProxyNode *node)
{
  if (node == NULL || --node->ref > 0)
    return;
  g_queue_clear_full (&node->idle, (GDestroyNotify) proxy_conn_free);
  g_clear_pointer (&node->addresses, g_ptr_array_unref);
  g_array_unref (node->resolve_waiters);
  g_clear_pointer (&node->tls_session, g_bytes_unref);
  g_free (node->name);
  g_free (node->host);
  g_free (node);
}

static void
token_entry_free (TokenEntry *entry)
{
  proxy_node_unref (entry->node);
  g_free (entry);
}

/* HOST[:PORT] or [V6][:PORT]; a name is resolved later, asynchronously. */
static ProxyNode *
parse_node (const gchar *spec, GError **error)
{
  g_autofree gchar *host = NULL;
  g_autoptr(GInetAddress) ip = NULL;
  guint64 port = DEFAULT_PORT;
  const gchar *colon;
  ProxyNode *node;

  if (spec[0] == '[') {
    const gchar *close = strchr (spec, ']');
    if (close == NULL || (close[1] != '\0' && close[1] != ':'))
      goto bad;
    host = g_strndup (spec + 1, (gsize) (close - spec - 1));
    colon = close[1] == ':' ? close + 1 : NULL;
  } else {
    colon = strchr (spec, ':');
    if (colon != NULL && strchr (colon + 1, ':') != NULL)
      goto bad;
    host = colon ? g_strndup (spec, (gsize) (colon - spec)) : g_strdup (spec);
  }
  if (colon != NULL && (!g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &port, NULL)))
    goto bad;
  if (host[0] == '\0' || !(g_hostname_is_ip_address (host) || g_hostname_is_ascii_encoded (host) ||
                           g_str_is_ascii (host)))
    goto bad;
  ip = g_inet_address_new_from_string (host);
  node = g_new0 (ProxyNode, 1);
  node->ref = 1;
  node->host = g_steal_pointer (&host);
  node->port = (guint16) port;
  node->name = strchr (node->host, ':') ? g_strdup_printf ("[%s]:%u", node->host, node->port)
                                        : g_strdup_printf ("%s:%u", node->host, node->port);
  node->resolve_waiters = g_array_new (FALSE, FALSE, sizeof (ResolveWaiter));
  if (ip != NULL) {
    node->addresses = g_ptr_array_new_with_free_func (g_object_unref);
    g_ptr_array_add (node->addresses, g_inet_socket_address_new (ip, node->port));
  }
  g_queue_init (&node->idle);
  return node;

bad:
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "bad node '%s': expected HOST[:PORT]", spec);
  return NULL;
}

gboolean
proxy_nodes_parse_list (const gchar *value, GPtrArray **out, GError **error)
{
  g_auto(GStrv) parts = g_strsplit (value, ";", -1);
  g_autoptr(GPtrArray) nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) proxy_node_unref);

  for (gsize i = 0; parts[i] != NULL; i++) {
    const gchar *spec = g_strstrip (parts[i]);
    ProxyNode *node;
    if (spec[0] == '\0')
      continue;
    node = parse_node (spec, error);
    if (node == NULL)
      return FALSE;
    for (guint j = 0; j < nodes->len; j++) {
      if (g_str_equal (((ProxyNode *) nodes->pdata[j])->name, node->name)) {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "node %s is listed twice", node->name);
        proxy_node_unref (node);
        return FALSE;
      }
    }
    g_ptr_array_add (nodes, node);
  }
  *out = g_steal_pointer (&nodes);
  return TRUE;
}

ProxyNodes *
proxy_nodes_new (void)
{
  ProxyNodes *self = g_new0 (ProxyNodes, 1);

  self->nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) proxy_node_unref);
  self->tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) token_entry_free);
  return self;
}

void
proxy_nodes_free (ProxyNodes *self)
{
  for (guint i = 0; i < self->nodes->len; i++) {
    ProxyNode *node = self->nodes->pdata[i];
    node->removed = TRUE;
    g_queue_clear_full (&node->idle, (GDestroyNotify) proxy_conn_free);
  }
  g_hash_table_unref (self->tokens);
  g_ptr_array_unref (self->nodes);
  g_free (self);
}

ProxyNode *
proxy_nodes_find (ProxyNodes *self, const gchar *name)
{
  for (guint i = 0; i < self->nodes->len; i++) {
    ProxyNode *node = self->nodes->pdata[i];
    if (g_str_equal (node->name, name))
      return node;
  }
  return NULL;
}

static void
retire (ProxyNode *node)
{
  node->removed = TRUE;
  g_queue_clear_full (&node->idle, (GDestroyNotify) proxy_conn_free);
}

/* Keeps the nodes that stay (with their state, counters and pools), adds
 * the new ones, retires the rest: requests in flight to a retired node hold
 * their own reference and finish. */
void
proxy_nodes_set_list (ProxyNodes *self, GPtrArray *nodes)
{
  g_autoptr(GPtrArray) merged = g_ptr_array_new_with_free_func ((GDestroyNotify) proxy_node_unref);

  for (guint i = 0; i < nodes->len; i++) {
    ProxyNode *fresh = nodes->pdata[i];
    ProxyNode *old = proxy_nodes_find (self, fresh->name);
    g_ptr_array_add (merged, proxy_node_ref (old != NULL ? old : fresh));
    if (old == NULL)
      proxy_node_resolve (fresh, NULL, NULL);
  }
  for (guint i = 0; i < self->nodes->len; i++) {
    ProxyNode *node = self->nodes->pdata[i];
    if (!g_ptr_array_find (merged, node, NULL))
      retire (node);
  }
  g_ptr_array_unref (self->nodes);
  self->nodes = g_steal_pointer (&merged);
  self->next = 0;
}

gboolean
proxy_nodes_add (ProxyNodes *self, const gchar *spec, GError **error)
{
  ProxyNode *node = parse_node (spec, error);

  if (node == NULL)
    return FALSE;
  if (proxy_nodes_find (self, node->name) != NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "node %s is already configured", node->name);
    proxy_node_unref (node);
    return FALSE;
  }
  g_ptr_array_add (self->nodes, node);
  proxy_node_resolve (node, NULL, NULL);
  return TRUE;
}

gboolean
proxy_nodes_remove (ProxyNodes *self, const gchar *name, GError **error)
{
  ProxyNode *node = proxy_nodes_find (self, name);

  if (node == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no node %s", name);
    return FALSE;
  }
  retire (node);
  g_ptr_array_remove (self->nodes, node);
  return TRUE;
}

gboolean
proxy_nodes_drain (ProxyNodes *self, const gchar *name, GError **error)
{
  ProxyNode *node = proxy_nodes_find (self, name);

  if (node == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no node %s", name);
    return FALSE;
  }
  proxy_node_set_state (self, node, PROXY_NODE_DRAINING, "drained by the administrator");
  return TRUE;
}

void
proxy_node_set_state (ProxyNodes *self, ProxyNode *node, ProxyNodeState state, const gchar *reason)
{
  if (node->state == state)
    return;
  node->state = state;
  if (state == PROXY_NODE_UP)
    node->recent_fails = 0;
  if (self->state_func != NULL)
    self->state_func (node, reason, self->state_data);
}

/* A node marked down by failures comes back after fail-timeout. */
static gboolean
node_available (ProxyNodes *self, ProxyNode *node, gint64 now)
{
  if (node->state == PROXY_NODE_DOWN && node->down_until != 0 && now >= node->down_until) {
    node->down_until = 0;
    proxy_node_set_state (self, node, PROXY_NODE_UP, "fail-timeout elapsed");
  }
  return node->state == PROXY_NODE_UP;
}

static guint
ip_hash (const gchar *client_ip)
{
  g_autoptr(GInetAddress) ip = g_inet_address_new_from_string (client_ip);
  const guint8 *bytes;
  gsize len;
  guint h = 89;

  if (ip == NULL)
    return g_str_hash (client_ip);
  bytes = g_inet_address_to_bytes (ip);
  /* Like nginx: the first three octets of IPv4, so one /24 shares a node. */
  len = g_inet_address_get_family (ip) == G_SOCKET_FAMILY_IPV4 ? 3 : g_inet_address_get_native_size (ip);
  for (gsize i = 0; i < len; i++)
    h = (h * 113 + bytes[i]) % 6271;
  return h;
}

static gboolean
excluded (GPtrArray *exclude, ProxyNode *node)
{
  return exclude != NULL && g_ptr_array_find (exclude, node, NULL);
}

ProxyNode *
proxy_nodes_pick (ProxyNodes *self, const gchar *token, const gchar *client_ip, GPtrArray *exclude)
{
  gint64 now = g_get_monotonic_time ();
  guint n = self->nodes->len;
  guint n_healthy = 0, first = 0;

  if (token != NULL && self->balance == PROXY_BALANCE_TOKEN) {
    TokenEntry *entry = g_hash_table_lookup (self->tokens, token);
    /* A session stays on its node while that node is up or draining. */
    if (entry != NULL && !entry->node->removed && !excluded (exclude, entry->node) &&
        (node_available (self, entry->node, now) || entry->node->state == PROXY_NODE_DRAINING))
      return entry->node;
  }
  /* Per request: counted in place, no list of the healthy ones. */
  for (guint i = 0; i < n; i++) {
    guint at = (self->next + i) % n;
    ProxyNode *node = self->nodes->pdata[at];
    if (node_available (self, node, now) && !excluded (exclude, node) && n_healthy++ == 0)
      first = at;
  }
  if (n_healthy == 0) {
    /* Every node is down: try one anyway rather than refuse outright. */
    for (guint i = 0; i < n; i++) {
      ProxyNode *node = self->nodes->pdata[(self->next + i) % n];
      if (node->state == PROXY_NODE_DOWN && !excluded (exclude, node)) {
        self->next = (self->next + i + 1) % n;
        return node;
      }
    }
    return NULL;
  }
  if (self->balance == PROXY_BALANCE_IP_HASH && client_ip != NULL) {
    /* The k-th healthy node in configured order (node_available() gives
     * the same answer again at the same time). */
    guint k = ip_hash (client_ip) % n_healthy;
    for (guint i = 0; i < n; i++) {
      ProxyNode *node = self->nodes->pdata[i];
      if (node_available (self, node, now) && !excluded (exclude, node) && k-- == 0)
        return node;
    }
  }
  self->next = (first + 1) % n;
  return self->nodes->pdata[first];
}

void
proxy_nodes_learn_token (ProxyNodes *self, const gchar *token, ProxyNode *node, guint lifetime_s)
{
  TokenEntry *entry = g_new0 (TokenEntry, 1);

  entry->node = proxy_node_ref (node);
  entry->expires = g_get_monotonic_time () + (gint64) (lifetime_s + TOKEN_GRACE_S) * G_USEC_PER_SEC;
  g_hash_table_replace (self->tokens, g_strdup (token), entry);
}

void
proxy_nodes_forget_token (ProxyNodes *self, const gchar *token)
{
  g_hash_table_remove (self->tokens, token);
}

static gboolean
token_expired (gpointer key, gpointer value, gpointer user_data)
{
  return ((TokenEntry *) value)->expires <= *(gint64 *) user_data;
}

void
proxy_nodes_expire_tokens (ProxyNodes *self)
{
  gint64 now = g_get_monotonic_time ();

  g_hash_table_foreach_remove (self->tokens, token_expired, &now);
}

void
proxy_node_failed (ProxyNodes *self, ProxyNode *node, const gchar *reason)
{
  gint64 now = g_get_monotonic_time ();
  gint64 window = (gint64) self->fail_timeout_s * G_USEC_PER_SEC;

  node->failures++;
  if (now - node->fail_window_start > window) {
    node->fail_window_start = now;
    node->recent_fails = 0;
  }
  node->recent_fails++;
  if (self->max_fails > 0 && node->recent_fails >= self->max_fails && node->state == PROXY_NODE_UP) {
    node->down_until = now + window;
    proxy_node_set_state (self, node, PROXY_NODE_DOWN, reason);
  }
}

void
proxy_node_succeeded (ProxyNodes *self, ProxyNode *node)
{
  if (node->state == PROXY_NODE_DOWN) {
    node->down_until = 0;
    proxy_node_set_state (self, node, PROXY_NODE_UP, "answered");
  }
}

ProxyConn *
proxy_node_take_idle (ProxyNode *node)
{
  ProxyConn *conn;

  while ((conn = g_queue_pop_head (&node->idle)) != NULL) {
    if (proxy_conn_is_usable (conn))
      return conn;
    proxy_conn_free (conn);
  }
  return NULL;
}

void
proxy_node_put_idle (ProxyNode *node, ProxyConn *conn)
{
  /* The caller just read a whole answer from it with nothing left to send.
   * Watched while pooled (never paused), a close by the node fails it. */
  if (node->removed || node->idle.length >= POOL_MAX || proxy_conn_get_pending (conn) > 0) {
    proxy_conn_free (conn);
    return;
  }
  proxy_conn_set_reader (conn, NULL, NULL);
  proxy_conn_set_drain (conn, NULL);
  proxy_conn_pause (conn, FALSE);
  g_queue_push_head (&node->idle, conn);
}

static void
lookup_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ProxyNode *node = user_data;
  g_autoptr(GError) error = NULL;
  GList *found = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);
  g_autoptr(GArray) waiters = node->resolve_waiters;

  node->resolving = FALSE;
  node->resolve_waiters = g_array_new (FALSE, FALSE, sizeof (ResolveWaiter));
  if (found != NULL) {
    g_clear_pointer (&node->addresses, g_ptr_array_unref);
    node->addresses = g_ptr_array_new_with_free_func (g_object_unref);
    for (GList *l = found; l != NULL; l = l->next)
      g_ptr_array_add (node->addresses, g_inet_socket_address_new (l->data, node->port));
    node->resolved_at = g_get_monotonic_time ();
    g_resolver_free_addresses (found);
    g_debug ("node %s resolved to %u address(es)", node->name, node->addresses->len);
  } else if (node->addresses != NULL) {
    /* Keep the last answer: a DNS hiccup is no reason to lose the node. */
    g_warning ("node %s: %s; keeping its last addresses", node->name, error->message);
    g_clear_error (&error);
  } else {
    g_prefix_error (&error, "node %s: ", node->name);
  }
  for (guint i = 0; i < waiters->len; i++) {
    ResolveWaiter *w = &g_array_index (waiters, ResolveWaiter, i);
    w->func (node, error, w->user_data);
  }
  proxy_node_unref (node);
}

void
proxy_node_resolve (ProxyNode *node, ProxyNodeResolvedFunc func, gpointer user_data)
{
  gboolean stale = node->resolved_at != 0 &&
                   g_get_monotonic_time () - node->resolved_at > RESOLVE_TTL_S * G_USEC_PER_SEC;

  if (node->addresses == NULL || stale) {
    if (!node->resolving) {
      node->resolving = TRUE;
      g_resolver_lookup_by_name_async (g_resolver_get_default (), node->host, NULL, lookup_cb, proxy_node_ref (node));
    }
  }
  if (func == NULL)
    return;
  if (node->addresses != NULL) {
    func (node, NULL, user_data);
    return;
  }
  g_array_append_val (node->resolve_waiters, ((ResolveWaiter) { func, user_data }));
}

void
proxy_node_cancel_resolve (ProxyNode *node, gpointer user_data)
{
  for (guint i = node->resolve_waiters->len; i-- > 0;) {
    if (g_array_index (node->resolve_waiters, ResolveWaiter, i).user_data == user_data)
      g_array_remove_index (node->resolve_waiters, i);
  }
}

void
proxy_node_keep_session (ProxyNode *node, ProxyConn *conn)
{
  GBytes *session = proxy_conn_take_session (conn);

  if (session == NULL)
    return;
  g_clear_pointer (&node->tls_session, g_bytes_unref);
  node->tls_session = session;
}

void
proxy_nodes_forget_sessions (ProxyNodes *self)
{
  for (guint i = 0; i < self->nodes->len; i++)
    g_clear_pointer (&((ProxyNode *) self->nodes->pdata[i])->tls_session, g_bytes_unref);
}
