/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "proxy-dbus.h"

#include "proxy-dbus-generated.h"

#define REFRESH_S 1

struct _ProxyDbus {
  ProxyShared *shared;
  ProxyDbusHttpsProxy *skeleton;
  guint refresh_id;
};

static const gchar *
balance_name (ProxyBalance balance)
{
  switch (balance) {
  case PROXY_BALANCE_TOKEN:
    return "token";
  case PROXY_BALANCE_ROUND_ROBIN:
    return "round-robin";
  case PROXY_BALANCE_IP_HASH:
    return "ip-hash";
  default:
    g_assert_not_reached ();
  }
}

void
proxy_dbus_refresh (ProxyDbus *self)
{
  proxy_dbus_https_proxy_set_balance (self->skeleton, balance_name (self->shared->nodes->balance));
  proxy_dbus_https_proxy_set_tokens (self->skeleton, g_hash_table_size (self->shared->nodes->tokens));
}

static gboolean
refresh_cb (gpointer user_data)
{
  proxy_dbus_refresh (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_list_nodes (ProxyDbusHttpsProxy *skeleton, GDBusMethodInvocation *invocation, gpointer user_data)
{
  ProxyDbus *self = user_data;
  GPtrArray *nodes = self->shared->nodes->nodes;
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ssttuu)"));
  for (guint i = 0; i < nodes->len; i++) {
    ProxyNode *node = nodes->pdata[i];
    g_variant_builder_add (&builder, "(ssttuu)", node->name, proxy_node_state_to_string (node->state), node->requests,
                           node->failures, node->active, node->idle.length);
  }
  proxy_dbus_https_proxy_complete_list_nodes (skeleton, invocation, g_variant_builder_end (&builder));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_get_stats (ProxyDbusHttpsProxy *skeleton, GDBusMethodInvocation *invocation, gpointer user_data)
{
  ProxyDbus *self = user_data;
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{st}"));
  g_variant_builder_add (&builder, "{st}", "max-queued-to-node", self->shared->max_queued);
  g_variant_builder_add (&builder, "{st}", "tls-handshakes", self->shared->tls_handshakes);
  g_variant_builder_add (&builder, "{st}", "tls-resumed", self->shared->tls_resumed);
  proxy_dbus_https_proxy_complete_get_stats (skeleton, invocation, g_variant_builder_end (&builder));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_add_node (ProxyDbusHttpsProxy *skeleton, GDBusMethodInvocation *invocation, const gchar *node, gpointer user_data)
{
  ProxyDbus *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!proxy_nodes_add (self->shared->nodes, node, &error)) {
    g_dbus_method_invocation_return_gerror (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  postern_message (self->shared->context, "node %s added over D-Bus", node);
  proxy_dbus_https_proxy_complete_add_node (skeleton, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_remove_node (ProxyDbusHttpsProxy *skeleton, GDBusMethodInvocation *invocation, const gchar *node,
                gpointer user_data)
{
  ProxyDbus *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!proxy_nodes_remove (self->shared->nodes, node, &error)) {
    g_dbus_method_invocation_return_gerror (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  postern_message (self->shared->context, "node %s removed over D-Bus", node);
  proxy_dbus_https_proxy_complete_remove_node (skeleton, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_drain_node (ProxyDbusHttpsProxy *skeleton, GDBusMethodInvocation *invocation, const gchar *node,
               gpointer user_data)
{
  ProxyDbus *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!proxy_nodes_drain (self->shared->nodes, node, &error)) {
    g_dbus_method_invocation_return_gerror (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  proxy_dbus_https_proxy_complete_drain_node (skeleton, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

ProxyDbus *
proxy_dbus_new (ProxyShared *shared, GError **error)
{
  ProxyDbus *self = g_new0 (ProxyDbus, 1);

  self->shared = shared;
  self->skeleton = proxy_dbus_https_proxy_skeleton_new ();
  g_signal_connect (self->skeleton, "handle-list-nodes", G_CALLBACK (on_list_nodes), self);
  g_signal_connect (self->skeleton, "handle-get-stats", G_CALLBACK (on_get_stats), self);
  g_signal_connect (self->skeleton, "handle-add-node", G_CALLBACK (on_add_node), self);
  g_signal_connect (self->skeleton, "handle-remove-node", G_CALLBACK (on_remove_node), self);
  g_signal_connect (self->skeleton, "handle-drain-node", G_CALLBACK (on_drain_node), self);
  proxy_dbus_refresh (self);
  if (!postern_context_export_interface (shared->context, G_DBUS_INTERFACE_SKELETON (self->skeleton), error)) {
    proxy_dbus_free (self);
    return NULL;
  }
  self->refresh_id = g_timeout_add_seconds (REFRESH_S, refresh_cb, self);
  return self;
}

void
proxy_dbus_free (ProxyDbus *self)
{
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_signal_handlers_disconnect_by_data (self->skeleton, self);
  g_object_unref (self->skeleton);
  g_free (self);
}
