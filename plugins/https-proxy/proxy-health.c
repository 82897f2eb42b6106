/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "proxy-health.h"

struct _ProxyHealth {
  ProxyShared *shared;
  guint interval_s;
  guint timer_id;
  GPtrArray *probes;  /* Probe* in flight */
};

typedef struct {
  ProxyHealth *health;
  ProxyNode *node;
  ProxyConn *conn;
} Probe;

static void
probe_free (Probe *probe)
{
  proxy_node_cancel_resolve (probe->node, probe);
  probe->node->probing = FALSE;
  proxy_node_unref (probe->node);
  proxy_conn_free (probe->conn);
  g_free (probe);
}

static void
probe_done_cb (ProxyConn *conn, const GError *error, gpointer user_data)
{
  Probe *probe = user_data;
  ProxyNode *node = probe->node;
  ProxyNodes *nodes = probe->health->shared->nodes;

  if (!node->removed) {
    if (error == NULL) {
      node->probe_failures = 0;
      if (++node->probe_successes >= PROXY_HEALTH_RISE && node->state == PROXY_NODE_DOWN) {
        node->down_until = 0;
        proxy_node_set_state (nodes, node, PROXY_NODE_UP, "health check passed");
      }
    } else {
      node->probe_successes = 0;
      if (++node->probe_failures >= PROXY_HEALTH_FALL && node->state == PROXY_NODE_UP) {
        /* Down until the checks pass again. */
        node->down_until = 0;
        proxy_node_set_state (nodes, node, PROXY_NODE_DOWN, error->message);
      }
    }
  }
  g_ptr_array_remove_fast (probe->health->probes, probe);
}

static void
probe_resolved_cb (ProxyNode *node, const GError *error, gpointer user_data)
{
  Probe *probe = user_data;
  ProxyShared *shared = probe->health->shared;

  if (error != NULL) {
    probe_done_cb (NULL, error, probe);
    return;
  }
  probe->conn = proxy_conn_connect (shared->loop, node->addresses, node->host, shared->creds, shared->verify,
                                    node->tls_session, shared->connect_timeout_s, probe_done_cb, probe);
}

static gboolean
tick_cb (gpointer user_data)
{
  ProxyHealth *self = user_data;
  GPtrArray *nodes = self->shared->nodes->nodes;

  for (guint i = 0; i < nodes->len; i++) {
    ProxyNode *node = nodes->pdata[i];
    Probe *probe;
    if (node->probing)
      continue;
    probe = g_new0 (Probe, 1);
    probe->health = self;
    probe->node = proxy_node_ref (node);
    node->probing = TRUE;
    g_ptr_array_add (self->probes, probe);
    proxy_node_resolve (node, probe_resolved_cb, probe);
  }
  return G_SOURCE_CONTINUE;
}

ProxyHealth *
proxy_health_new (ProxyShared *shared)
{
  ProxyHealth *self = g_new0 (ProxyHealth, 1);

  self->shared = shared;
  self->probes = g_ptr_array_new_with_free_func ((GDestroyNotify) probe_free);
  return self;
}

void
proxy_health_set_interval (ProxyHealth *self, guint interval_s)
{
  if (interval_s == self->interval_s)
    return;
  self->interval_s = interval_s;
  g_clear_handle_id (&self->timer_id, g_source_remove);
  if (interval_s > 0)
    self->timer_id = g_timeout_add_seconds (interval_s, tick_cb, self);
}

void
proxy_health_free (ProxyHealth *self)
{
  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_ptr_array_unref (self->probes);
  g_free (self);
}
