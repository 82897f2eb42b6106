/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turn-server.h"

#include <string.h>
#include <unistd.h>

#include "turn-listener.h"
#include "turn-lock.h"
#include "turn-relay.h"
#include "turn-reuseport.h"

/* Unauthenticated answers (401, 438): a client needs one or two per
 * allocation, a flood gets a trickle. */
#define LIMITER_SLOTS 4096
#define LIMITER_PER_SOURCE_RATE 20
#define LIMITER_PER_SOURCE_BURST 40
#define LIMITER_TOTAL_RATE 5000
#define LIMITER_TOTAL_BURST 10000

gint64
turn_server_now (void)
{
  return g_get_monotonic_time () / G_USEC_PER_SEC;
}

static void
publish (TurnServer *self, const gchar *name, GVariant *payload)
{
  postern_event_bus_publish (postern_context_get_event_bus (self->context), name, payload);
}

/* Strings from the wire go into GVariants only as valid UTF-8. */
void
turn_server_auth_failed (TurnServer     *self,
                         const TurnAddr *client,
                         const gchar    *username)
{
  gchar text[TURN_ADDR_STRLEN];
  g_autofree gchar *valid = g_utf8_make_valid (username, -1);

  publish (self, POSTERN_EVENT_TURN_AUTH_FAILED,
           g_variant_new ("(ss)", turn_addr_to_string (client, text), valid));
}

void
turn_server_allocation_event (TurnServer     *self,
                              TurnAllocation *alloc,
                              const gchar    *action)
{
  gchar client[TURN_ADDR_STRLEN];
  gchar relayed[TURN_ADDR_STRLEN];
  g_autofree gchar *user = g_utf8_make_valid (alloc->username, -1);

  publish (self, POSTERN_EVENT_TURN_ALLOCATION,
           g_variant_new ("(ssss)", action, turn_addr_to_string (&alloc->five_tuple.client, client),
                          turn_addr_to_string (&alloc->relayed[0], relayed), user));
}

static void
allocation_removed (TurnAllocationTable *table,
                    TurnAllocation      *alloc,
                    TurnRemovalReason    reason,
                    gpointer             user_data)
{
  TurnServer *self = user_data;

  if (reason != TURN_REMOVED_SHUTDOWN)
    turn_server_allocation_event (self, alloc, reason == TURN_REMOVED_EXPIRED ? "expired" : "deleted");
  if (alloc->user_data != NULL)
    turn_relay_free (alloc->user_data);
  alloc->user_data = NULL;
}

void
turn_server_lock_all (TurnServer *self)
{
  for (guint i = 0; i < self->shards->len; i++)
    turn_mutex_lock (&((TurnShard *) self->shards->pdata[i])->lock);
}

void
turn_server_unlock_all (TurnServer *self)
{
  for (guint i = self->shards->len; i > 0; i--)
    turn_mutex_unlock (&((TurnShard *) self->shards->pdata[i - 1])->lock);
}

/* Shard i gives out ids i + 1, i + 1 + n, ... */
TurnShard *
turn_server_shard_for_id (TurnServer *self,
                          guint64     id)
{
  if (id == 0)
    return NULL;
  return self->shards->pdata[(id - 1) % self->shards->len];
}

void
turn_server_release_port (TurnServer *self,
                          guint16     port)
{
  turn_mutex_lock (&self->pool_lock);
  turn_port_pool_release (self->pool, port);
  turn_mutex_unlock (&self->pool_lock);
}

static gboolean
tick (gpointer user_data)
{
  TurnServer *self = user_data;
  gint64 now = turn_server_now ();

  for (guint i = 0; i < self->shards->len; i++)
    {
      TurnShard *shard = self->shards->pdata[i];

      turn_mutex_lock (&shard->lock);
      turn_allocation_table_expire (shard->table, now);
      turn_mutex_unlock (&shard->lock);
    }
  turn_mutex_lock (&self->pool_lock);
  turn_port_pool_expire (self->pool, now);
  turn_mutex_unlock (&self->pool_lock);
  return G_SOURCE_CONTINUE;
}

static gboolean
same_listen (GPtrArray *a, GPtrArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    {
      g_autofree gchar *x = postern_address_to_string (a->pdata[i]);
      g_autofree gchar *y = postern_address_to_string (b->pdata[i]);
      if (strcmp (x, y) != 0)
        return FALSE;
    }
  return TRUE;
}

static TurnShard *
shard_new (TurnServer *server, guint index, GError **error)
{
  TurnShard *shard = g_new0 (TurnShard, 1);
  guint n = server->settings->relay_threads;

  shard->server = server;
  shard->index = index;
  g_mutex_init (&shard->lock);
  shard->io = turn_relay_io_new ();
  /* the unauthenticated-answer budget is split over the shards */
  shard->limiter = turn_source_limiter_new (LIMITER_SLOTS, LIMITER_PER_SOURCE_RATE, LIMITER_PER_SOURCE_BURST,
                                            MAX (1, LIMITER_TOTAL_RATE / n), MAX (1, LIMITER_TOTAL_BURST / n));
  shard->listeners = g_ptr_array_new_with_free_func ((GDestroyNotify) turn_listener_free);
  shard->table = turn_allocation_table_new (server->quota, allocation_removed, server);
  turn_allocation_table_set_ids (shard->table, index + 1, n);
  shard->loop = turn_loop_new (&shard->lock, error);
  return shard;
}

/* Call with the shard's thread stopped. */
static void
shard_free (TurnShard *shard)
{
  g_clear_pointer (&shard->table, turn_allocation_table_free);
  g_clear_pointer (&shard->listeners, g_ptr_array_unref);
  g_clear_pointer (&shard->loop, turn_loop_free);
  g_clear_pointer (&shard->io, turn_relay_io_free);
  g_clear_pointer (&shard->limiter, turn_source_limiter_free);
  g_mutex_clear (&shard->lock);
  g_free (shard);
}

/* One SO_REUSEPORT group per listen address, a member per shard. */
static gboolean
add_listeners (TurnServer *self, GError **error)
{
  guint n = self->shards->len;
  g_autofree gint *fds = g_new (gint, n);

  for (guint a = 0; a < self->settings->listen->len; a++)
    {
      if (!turn_reuseport_bind_group (self->settings->listen->pdata[a], n, fds, error))
        return FALSE;
      for (guint i = 0; i < n; i++)
        {
          TurnShard *shard = self->shards->pdata[i];
          TurnListener *listener = turn_listener_new (shard, fds[i], error);

          if (listener == NULL)
            {
              for (guint j = i + 1; j < n; j++)
                close (fds[j]);
              return FALSE;
            }
          g_ptr_array_add (shard->listeners, listener);
        }
    }
  return TRUE;
}

TurnServer *
turn_server_new (PosternContext  *context,
                 TurnSettings    *settings,
                 GError         **error)
{
  g_autoptr(TurnServer) self = g_new0 (TurnServer, 1);

  g_mutex_init (&self->pool_lock);
  self->context = context;
  self->settings = settings;
  self->nonce_key = turn_nonce_key_new ();
  self->quota = turn_quota_new (settings->total_quota, settings->user_quota);
  self->shards = g_ptr_array_new_with_free_func ((GDestroyNotify) shard_free);
  self->pool = turn_port_pool_new (settings->first_port, settings->last_port, error);
  if (self->pool == NULL)
    return NULL;
  for (guint i = 0; i < settings->relay_threads; i++)
    {
      TurnShard *shard = shard_new (self, i, error);

      g_ptr_array_add (self->shards, shard);
      if (shard->loop == NULL)
        return NULL;
    }
  if (!add_listeners (self, error))
    return NULL;
  for (guint i = 0; i < self->shards->len; i++)
    if (!turn_loop_start (((TurnShard *) self->shards->pdata[i])->loop, i, error))
      return NULL;
  self->timer_id = g_timeout_add_seconds (1, tick, self);
  return g_steal_pointer (&self);
}

void
turn_server_free (TurnServer *self)
{
  if (self == NULL)
    return;
  g_clear_handle_id (&self->timer_id, g_source_remove);
  /* no thread from here on: the shards go without their locks */
  if (self->shards != NULL)
    for (guint i = 0; i < self->shards->len; i++)
      {
        TurnShard *shard = self->shards->pdata[i];
        if (shard->loop != NULL)
          turn_loop_stop (shard->loop);
      }
  g_clear_pointer (&self->shards, g_ptr_array_unref);
  g_clear_pointer (&self->pool, turn_port_pool_free);
  g_clear_pointer (&self->quota, turn_quota_free);
  g_clear_pointer (&self->nonce_key, turn_nonce_key_free);
  g_clear_pointer (&self->settings, turn_settings_free);
  g_mutex_clear (&self->pool_lock);
  g_free (self);
}

/* Reload: everything but the listeners and the thread count changes live;
 * allocations, their sockets and ports stay. Takes @settings on success. */
gboolean
turn_server_apply (TurnServer    *self,
                   TurnSettings  *settings,
                   GError       **error)
{
  gboolean ok;

  if (!same_listen (self->settings->listen, settings->listen))
    {
      g_set_error_literal (error, POSTERN_ERROR, POSTERN_ERROR_REFUSED,
                           "listen cannot change on reload; restart posternd");
      return FALSE;
    }
  if (settings->relay_threads != self->settings->relay_threads)
    {
      g_set_error_literal (error, POSTERN_ERROR, POSTERN_ERROR_REFUSED,
                           "relay-threads cannot change on reload; restart posternd");
      return FALSE;
    }
  turn_mutex_lock (&self->pool_lock);
  ok = turn_port_pool_set_range (self->pool, settings->first_port, settings->last_port, error);
  turn_mutex_unlock (&self->pool_lock);
  if (!ok)
    return FALSE;
  turn_quota_set_limits (self->quota, settings->total_quota, settings->user_quota);
  turn_server_lock_all (self);
  turn_settings_free (self->settings);
  self->settings = settings;
  turn_server_unlock_all (self);
  return TRUE;
}

gboolean
turn_server_reload_users (TurnServer  *self,
                          GError     **error)
{
  TurnSettings *s = self->settings;
  TurnCredentials *credentials = turn_settings_load_credentials (s->realm, s->users_file,
                                                                 (const gchar * const *) s->secrets, error);

  if (credentials == NULL)
    return FALSE;
  turn_server_lock_all (self);
  turn_credentials_unref (s->credentials);
  s->credentials = credentials;
  turn_server_unlock_all (self);
  return TRUE;
}
