/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turn-server.h"

#include <string.h>

#include "turn-listener.h"
#include "turn-relay.h"

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

static gboolean
tick (gpointer user_data)
{
  TurnServer *self = user_data;
  gint64 now = turn_server_now ();

  g_mutex_lock (&self->lock);
  turn_allocation_table_expire (self->table, now);
  turn_port_pool_expire (self->pool, now);
  g_mutex_unlock (&self->lock);
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

TurnServer *
turn_server_new (PosternContext  *context,
                 TurnSettings    *settings,
                 GError         **error)
{
  g_autoptr(TurnServer) self = g_new0 (TurnServer, 1);

  g_mutex_init (&self->lock);
  self->context = context;
  self->settings = settings;
  self->nonce_key = turn_nonce_key_new ();
  self->io = turn_relay_io_new ();
  self->limiter = turn_source_limiter_new (LIMITER_SLOTS, LIMITER_PER_SOURCE_RATE, LIMITER_PER_SOURCE_BURST,
                                           LIMITER_TOTAL_RATE, LIMITER_TOTAL_BURST);
  self->listeners = g_ptr_array_new_with_free_func ((GDestroyNotify) turn_listener_free);
  self->pool = turn_port_pool_new (settings->first_port, settings->last_port, error);
  if (self->pool == NULL)
    return NULL;
  self->table = turn_allocation_table_new (settings->total_quota, settings->user_quota, allocation_removed, self);
  self->loop = turn_loop_new (&self->lock, error);
  if (self->loop == NULL)
    return NULL;

  for (guint i = 0; i < settings->listen->len; i++)
    {
      TurnListener *listener = turn_listener_new (self, settings->listen->pdata[i], error);
      if (listener == NULL)
        return NULL;
      g_ptr_array_add (self->listeners, listener);
    }
  if (!turn_loop_start (self->loop, error))
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
  /* no thread from here on: the sockets' watches go without the lock */
  if (self->loop != NULL)
    turn_loop_stop (self->loop);
  g_clear_pointer (&self->table, turn_allocation_table_free);
  g_clear_pointer (&self->listeners, g_ptr_array_unref);
  g_clear_pointer (&self->loop, turn_loop_free);
  g_clear_pointer (&self->pool, turn_port_pool_free);
  g_clear_pointer (&self->io, turn_relay_io_free);
  g_clear_pointer (&self->limiter, turn_source_limiter_free);
  g_clear_pointer (&self->nonce_key, turn_nonce_key_free);
  g_clear_pointer (&self->settings, turn_settings_free);
  g_mutex_clear (&self->lock);
  g_free (self);
}

/* Reload: everything but the listeners changes live; allocations, their
 * sockets and ports stay. Takes @settings on success. */
gboolean
turn_server_apply (TurnServer    *self,
                   TurnSettings  *settings,
                   GError       **error)
{
  if (!same_listen (self->settings->listen, settings->listen))
    {
      g_set_error_literal (error, POSTERN_ERROR, POSTERN_ERROR_REFUSED,
                           "listen cannot change on reload; restart posternd");
      return FALSE;
    }
  g_mutex_lock (&self->lock);
  if (!turn_port_pool_set_range (self->pool, settings->first_port, settings->last_port, error))
    {
      g_mutex_unlock (&self->lock);
      return FALSE;
    }
  turn_allocation_table_set_quotas (self->table, settings->total_quota, settings->user_quota);
  turn_settings_free (self->settings);
  self->settings = settings;
  g_mutex_unlock (&self->lock);
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
  g_mutex_lock (&self->lock);
  turn_credentials_unref (s->credentials);
  s->credentials = credentials;
  g_mutex_unlock (&self->lock);
  return TRUE;
}
