/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turn-dbus.h"

#include "turn-lock.h"
#include "turn-users-file.h"

static void
relayed_text (const TurnAllocation *alloc, GString *out)
{
  gchar text[TURN_ADDR_STRLEN];

  for (guint i = 0; i < alloc->n_relayed; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append (out, turn_addr_to_string (&alloc->relayed[i], text));
    }
}

static void
add_allocations (GVariantBuilder *builder, TurnAllocationTable *table, gint64 now)
{
  g_autoptr(GPtrArray) all = turn_allocation_table_list (table);

  for (guint i = 0; i < all->len; i++)
    {
      TurnAllocation *alloc = all->pdata[i];
      gchar client[TURN_ADDR_STRLEN];
      g_autoptr(GString) relayed = g_string_new (NULL);
      g_autofree gchar *user = g_utf8_make_valid (alloc->username, -1);

      relayed_text (alloc, relayed);
      g_variant_builder_add (builder, "(tsssxxttttuu)", alloc->id,
                             turn_addr_to_string (&alloc->five_tuple.client, client), relayed->str, user,
                             now - alloc->created, MAX (0, alloc->expires - now),
                             alloc->to_peer.packets, alloc->to_peer.bytes,
                             alloc->to_client.packets, alloc->to_client.bytes,
                             turn_allocation_get_n_permissions (alloc), turn_allocation_get_n_channels (alloc));
    }
}

/* Every shard in turn, each under its own lock. */
static gboolean
handle_list_allocations (PosternDBusTurn *skeleton, GDBusMethodInvocation *invocation, gpointer user_data)
{
  TurnServer *server = user_data;
  GVariantBuilder builder;
  gint64 now = turn_server_now ();

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(tsssxxttttuu)"));
  for (guint i = 0; i < server->shards->len; i++)
    {
      TurnShard *shard = server->shards->pdata[i];
      turn_mutex_lock (&shard->lock);
      add_allocations (&builder, shard->table, now);
      turn_mutex_unlock (&shard->lock);
    }
  postern_dbus_turn_complete_list_allocations (skeleton, invocation, g_variant_builder_end (&builder));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_delete_allocation (PosternDBusTurn *skeleton, GDBusMethodInvocation *invocation, guint64 id,
                          gpointer user_data)
{
  TurnServer *server = user_data;
  TurnShard *shard = turn_server_shard_for_id (server, id);
  TurnAllocation *alloc = NULL;

  if (shard != NULL)
    {
      turn_mutex_lock (&shard->lock);
      alloc = turn_allocation_table_lookup_id (shard->table, id);
      if (alloc != NULL)
        turn_allocation_table_remove (shard->table, alloc, TURN_REMOVED_DELETED);
      turn_mutex_unlock (&shard->lock);
    }
  if (alloc == NULL)
    g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                           "no allocation %" G_GUINT64_FORMAT, id);
  else
    postern_dbus_turn_complete_delete_allocation (skeleton, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
add_counter (TurnCounter *sum, const TurnCounter *c)
{
  sum->packets += c->packets;
  sum->bytes += c->bytes;
}

/* Sums over the shards, each read under its lock. */
static gboolean
handle_get_counters (PosternDBusTurn *skeleton, GDBusMethodInvocation *invocation, gpointer user_data)
{
  TurnServer *server = user_data;
  TurnCounter to_peer = { 0 }, to_client = { 0 };
  TurnStats stats = { 0 };
  guint64 allocations = 0, ports_free;
  GVariantBuilder builder;

  for (guint i = 0; i < server->shards->len; i++)
    {
      TurnShard *shard = server->shards->pdata[i];
      turn_mutex_lock (&shard->lock);
      allocations += turn_allocation_table_get_size (shard->table);
      add_counter (&to_peer, turn_allocation_table_get_to_peer (shard->table));
      add_counter (&to_client, turn_allocation_table_get_to_client (shard->table));
      stats.allocations_created += shard->stats.allocations_created;
      stats.auth_failures += shard->stats.auth_failures;
      stats.forbidden_peers += shard->stats.forbidden_peers;
      stats.dropped += shard->stats.dropped;
      turn_mutex_unlock (&shard->lock);
    }
  turn_mutex_lock (&server->pool_lock);
  ports_free = turn_port_pool_get_n_free (server->pool);
  turn_mutex_unlock (&server->pool_lock);

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{st}"));
  g_variant_builder_add (&builder, "{st}", "allocations", allocations);
  g_variant_builder_add (&builder, "{st}", "allocations-created", stats.allocations_created);
  g_variant_builder_add (&builder, "{st}", "auth-failures", stats.auth_failures);
  g_variant_builder_add (&builder, "{st}", "forbidden-peers", stats.forbidden_peers);
  g_variant_builder_add (&builder, "{st}", "dropped", stats.dropped);
  g_variant_builder_add (&builder, "{st}", "packets-to-peer", to_peer.packets);
  g_variant_builder_add (&builder, "{st}", "bytes-to-peer", to_peer.bytes);
  g_variant_builder_add (&builder, "{st}", "packets-to-client", to_client.packets);
  g_variant_builder_add (&builder, "{st}", "bytes-to-client", to_client.bytes);
  g_variant_builder_add (&builder, "{st}", "relay-ports-free", ports_free);
  postern_dbus_turn_complete_get_counters (skeleton, invocation, g_variant_builder_end (&builder));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
return_gerror (GDBusMethodInvocation *invocation, const GError *error)
{
  g_dbus_method_invocation_return_error_literal (invocation, G_DBUS_ERROR, G_DBUS_ERROR_FAILED, error->message);
}

static gboolean
handle_add_user (PosternDBusTurn *skeleton, GDBusMethodInvocation *invocation, const gchar *name,
                 const gchar *password, gpointer user_data)
{
  TurnServer *server = user_data;
  g_autoptr(GError) error = NULL;

  if (!turn_users_file_add (server->settings->users_file, name, server->settings->realm, password, &error) ||
      !turn_server_reload_users (server, &error))
    return_gerror (invocation, error);
  else
    postern_dbus_turn_complete_add_user (skeleton, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_remove_user (PosternDBusTurn *skeleton, GDBusMethodInvocation *invocation, const gchar *name,
                    gpointer user_data)
{
  TurnServer *server = user_data;
  g_autoptr(GError) error = NULL;

  if (!turn_users_file_remove (server->settings->users_file, name, &error) ||
      !turn_server_reload_users (server, &error))
    return_gerror (invocation, error);
  else
    postern_dbus_turn_complete_remove_user (skeleton, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_list_users (PosternDBusTurn *skeleton, GDBusMethodInvocation *invocation, gpointer user_data)
{
  TurnServer *server = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TurnUsers) users = NULL;
  g_auto(GStrv) names = NULL;

  users = turn_settings_load_users (server->settings->users_file, &error);
  if (users == NULL)
    {
      return_gerror (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  names = turn_users_list (users);
  postern_dbus_turn_complete_list_users (skeleton, invocation, (const gchar * const *) names);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

PosternDBusTurn *
turn_dbus_new (TurnServer *server)
{
  PosternDBusTurn *skeleton = postern_dbus_turn_skeleton_new ();

  postern_dbus_turn_set_realm (skeleton, server->settings->realm);
  g_signal_connect (skeleton, "handle-list-allocations", G_CALLBACK (handle_list_allocations), server);
  g_signal_connect (skeleton, "handle-delete-allocation", G_CALLBACK (handle_delete_allocation), server);
  g_signal_connect (skeleton, "handle-get-counters", G_CALLBACK (handle_get_counters), server);
  g_signal_connect (skeleton, "handle-add-user", G_CALLBACK (handle_add_user), server);
  g_signal_connect (skeleton, "handle-remove-user", G_CALLBACK (handle_remove_user), server);
  g_signal_connect (skeleton, "handle-list-users", G_CALLBACK (handle_list_users), server);
  return skeleton;
}
