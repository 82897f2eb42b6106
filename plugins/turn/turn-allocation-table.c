/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turn-allocation-table.h"
#include "turn-error.h"

#include <postern.h>
#include <string.h>

typedef struct {
  TurnAddr ip;       /* port always 0 */
  gint64 expires;
} Permission;

struct _TurnAllocationTable {
  GHashTable *by_id;           /* guint64* -> TurnAllocation*, owns the allocations */
  GHashTable *by_five_tuple;   /* TurnFiveTuple* -> TurnAllocation* */
  GHashTable *by_relayed;      /* TurnAddr* -> TurnAllocation* */
  TurnQuota *quota;            /* shared with the other relay threads' tables, or NULL */
  guint64 next_id;
  guint64 id_stride;
  TurnCounter to_peer;
  TurnCounter to_client;
  TurnAllocationRemovedFunc removed;
  gpointer removed_data;
};

static guint
five_tuple_hash (gconstpointer key)
{
  const TurnFiveTuple *ft = key;
  return turn_addr_hash (&ft->client, TRUE) * 31u + turn_addr_hash (&ft->server, TRUE);
}

static gboolean
five_tuple_equal (gconstpointer a,
                  gconstpointer b)
{
  return memcmp (a, b, sizeof (TurnFiveTuple)) == 0;
}

static guint
addr_hash (gconstpointer key)
{
  return turn_addr_hash (key, TRUE);
}

static gboolean
addr_equal (gconstpointer a,
            gconstpointer b)
{
  return turn_addr_equal (a, b);
}

static guint
ip_hash (gconstpointer key)
{
  return turn_addr_hash (key, FALSE);
}

static gboolean
ip_equal (gconstpointer a,
          gconstpointer b)
{
  return turn_addr_ip_equal (a, b);
}

static void
allocation_free (gpointer data)
{
  TurnAllocation *self = data;

  g_clear_pointer (&self->permissions, g_hash_table_unref);
  g_clear_pointer (&self->channels_by_peer, g_hash_table_unref);
  g_clear_pointer (&self->channels_by_number, g_hash_table_unref);
  g_free (self->username);
  g_free (self);
}

TurnAllocationTable *
turn_allocation_table_new (TurnQuota                *quota,
                           TurnAllocationRemovedFunc removed,
                           gpointer                  user_data)
{
  TurnAllocationTable *self = g_new0 (TurnAllocationTable, 1);

  self->by_id = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, allocation_free);
  self->by_five_tuple = g_hash_table_new (five_tuple_hash, five_tuple_equal);
  self->by_relayed = g_hash_table_new (addr_hash, addr_equal);
  self->quota = quota;
  self->next_id = 1;
  self->id_stride = 1;
  self->removed = removed;
  self->removed_data = user_data;
  return self;
}

static void
collect_id (gpointer key,
            gpointer value,
            gpointer user_data)
{
  g_array_append_val ((GArray *) user_data, ((TurnAllocation *) value)->id);
}

/* By id, not pointer: a removal callback that removes other allocations
 * cannot leave this loop holding a freed one. */
static void
remove_ids (TurnAllocationTable *self,
            GArray              *ids,
            TurnRemovalReason    reason)
{
  for (guint i = 0; i < ids->len; i++)
    {
      TurnAllocation *alloc = turn_allocation_table_lookup_id (self, g_array_index (ids, guint64, i));
      if (alloc != NULL)
        turn_allocation_table_remove (self, alloc, reason);
    }
}

void
turn_allocation_table_free (TurnAllocationTable *self)
{
  g_autoptr(GArray) ids = NULL;

  if (self == NULL)
    return;
  ids = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_hash_table_foreach (self->by_id, collect_id, ids);
  remove_ids (self, ids, TURN_REMOVED_SHUTDOWN);
  g_hash_table_unref (self->by_id);
  g_hash_table_unref (self->by_five_tuple);
  g_hash_table_unref (self->by_relayed);
  g_free (self);
}

/* Ids @first, @first + @stride, ...: tables of several relay threads give
 * out disjoint ids, and an id tells which table holds it. */
void
turn_allocation_table_set_ids (TurnAllocationTable *self,
                               guint64              first,
                               guint64              stride)
{
  g_return_if_fail (first >= 1 && stride >= 1);
  self->next_id = first;
  self->id_stride = stride;
}

TurnAllocation *
turn_allocation_table_create (TurnAllocationTable  *self,
                              const TurnFiveTuple  *five_tuple,
                              const gchar          *username,
                              const TurnAddr       *relayed,
                              guint                 n_relayed,
                              guint32               lifetime,
                              gint64                now,
                              GError              **error)
{
  TurnAllocation *alloc;

  g_return_val_if_fail (username != NULL, NULL);
  g_return_val_if_fail (n_relayed >= 1 && n_relayed <= TURN_MAX_RELAYED, NULL);

  if (g_hash_table_contains (self->by_five_tuple, five_tuple))
    {
      g_set_error_literal (error, TURN_ERROR, TURN_ERROR_ALLOCATION_MISMATCH,
                           "an allocation exists for this 5-tuple");
      return NULL;
    }
  for (guint i = 0; i < n_relayed; i++)
    if (g_hash_table_contains (self->by_relayed, &relayed[i]))
      {
        g_set_error_literal (error, POSTERN_ERROR, POSTERN_ERROR_EXISTS,
                             "the relayed address belongs to another allocation");
        return NULL;
      }
  if (self->quota != NULL && !turn_quota_take (self->quota, username, error))
    return NULL;

  alloc = g_new0 (TurnAllocation, 1);
  alloc->id = self->next_id;
  self->next_id += self->id_stride;
  alloc->five_tuple = *five_tuple;
  memcpy (alloc->relayed, relayed, n_relayed * sizeof (TurnAddr));
  alloc->n_relayed = n_relayed;
  alloc->username = g_strdup (username);
  alloc->created = now;
  alloc->expires = now + lifetime;
  alloc->table = self;

  g_hash_table_insert (self->by_id, &alloc->id, alloc);
  g_hash_table_insert (self->by_five_tuple, &alloc->five_tuple, alloc);
  for (guint i = 0; i < n_relayed; i++)
    g_hash_table_insert (self->by_relayed, &alloc->relayed[i], alloc);
  return alloc;
}

TurnAllocation *
turn_allocation_table_lookup (TurnAllocationTable *self,
                              const TurnFiveTuple *five_tuple)
{
  return g_hash_table_lookup (self->by_five_tuple, five_tuple);
}

TurnAllocation *
turn_allocation_table_lookup_relayed (TurnAllocationTable *self,
                                      const TurnAddr      *relayed)
{
  return g_hash_table_lookup (self->by_relayed, relayed);
}

TurnAllocation *
turn_allocation_table_lookup_id (TurnAllocationTable *self,
                                 guint64              id)
{
  return g_hash_table_lookup (self->by_id, &id);
}

/* Tells the owner (who closes sockets and frees user_data), then frees.
 * Removing an allocation whose removal is under way does nothing. */
void
turn_allocation_table_remove (TurnAllocationTable *self,
                              TurnAllocation      *alloc,
                              TurnRemovalReason    reason)
{
  g_return_if_fail (alloc->table == self);

  if (alloc->removing)
    return;
  alloc->removing = TRUE;
  if (self->removed != NULL)
    self->removed (self, alloc, reason, self->removed_data);

  if (self->quota != NULL)
    turn_quota_release (self->quota, alloc->username);
  for (guint i = 0; i < alloc->n_relayed; i++)
    g_hash_table_remove (self->by_relayed, &alloc->relayed[i]);
  g_hash_table_remove (self->by_five_tuple, &alloc->five_tuple);
  g_hash_table_remove (self->by_id, &alloc->id);
}

/* One sweep: drops expired allocations and, in the others, expired
 * permissions and channels past their cool-down. O(allocations); meant to
 * run about once a second from a timer. Returns how many allocations went
 * (including any the removal callback removed). */
guint
turn_allocation_table_expire (TurnAllocationTable *self,
                              gint64               now)
{
  g_autoptr(GArray) dead = g_array_new (FALSE, FALSE, sizeof (guint64));
  GHashTableIter iter;
  gpointer value;
  guint before = g_hash_table_size (self->by_id);

  g_hash_table_iter_init (&iter, self->by_id);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      TurnAllocation *alloc = value;
      if (turn_allocation_is_expired (alloc, now))
        g_array_append_val (dead, alloc->id);
      else
        turn_allocation_purge (alloc, now);
    }
  remove_ids (self, dead, TURN_REMOVED_EXPIRED);
  return before - g_hash_table_size (self->by_id);
}

/* The allocations, for listing (transfer container). */
GPtrArray *
turn_allocation_table_list (TurnAllocationTable *self)
{
  GPtrArray *all = g_ptr_array_sized_new (g_hash_table_size (self->by_id));
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->by_id);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (all, value);
  return all;
}

guint
turn_allocation_table_get_size (TurnAllocationTable *self)
{
  return g_hash_table_size (self->by_id);
}

const TurnCounter *
turn_allocation_table_get_to_peer (TurnAllocationTable *self)
{
  return &self->to_peer;
}

const TurnCounter *
turn_allocation_table_get_to_client (TurnAllocationTable *self)
{
  return &self->to_client;
}

/* The lifetime to grant. Without a LIFETIME attribute: the default. With
 * one: clamped to [default, max]; 0 stays 0 when @zero_deletes (Refresh). */
guint32
turn_lifetime_clamp (gboolean present,
                     guint32  requested,
                     gboolean zero_deletes)
{
  if (!present)
    return TURN_DEFAULT_LIFETIME;
  if (requested == 0 && zero_deletes)
    return 0;
  return CLAMP (requested, TURN_DEFAULT_LIFETIME, TURN_MAX_LIFETIME);
}

void
turn_allocation_refresh (TurnAllocation *self,
                         guint32         lifetime,
                         gint64          now)
{
  self->expires = now + lifetime;
}

gboolean
turn_allocation_is_expired (const TurnAllocation *self,
                            gint64                now)
{
  return now >= self->expires;
}

/* How many of @peers' IPs have no permission yet, each IP counted once. */
static guint
count_new_ips (TurnAllocation *self, const TurnAddr *peers, guint n_peers)
{
  guint fresh = 0;

  for (guint i = 0; i < n_peers; i++)
    {
      gboolean seen = self->permissions != NULL && g_hash_table_contains (self->permissions, &peers[i]);

      for (guint j = 0; j < i && !seen; j++)
        seen = turn_addr_ip_equal (&peers[i], &peers[j]);
      if (!seen)
        fresh++;
    }
  return fresh;
}

/* Installs or refreshes the permissions for the IPs of @peers (the port
 * does not matter, RFC 8656 section 9): all of them, or none when they
 * would not fit (508). */
gboolean
turn_allocation_add_permissions (TurnAllocation  *self,
                                 const TurnAddr  *peers,
                                 guint            n_peers,
                                 gint64           now,
                                 GError         **error)
{
  guint fresh;

  if (self->permissions == NULL)
    self->permissions = g_hash_table_new_full (ip_hash, ip_equal, NULL, g_free);
  fresh = count_new_ips (self, peers, n_peers);
  if (g_hash_table_size (self->permissions) + fresh > TURN_MAX_PERMISSIONS)
    {
      turn_allocation_purge (self, now);
      if (g_hash_table_size (self->permissions) + fresh > TURN_MAX_PERMISSIONS)
        {
          g_set_error_literal (error, TURN_ERROR, TURN_ERROR_INSUFFICIENT_CAPACITY,
                               "too many permissions on this allocation");
          return FALSE;
        }
    }
  for (guint i = 0; i < n_peers; i++)
    {
      TurnAddr ip = peers[i];
      Permission *perm;

      ip.port = 0;
      perm = g_hash_table_lookup (self->permissions, &ip);
      if (perm == NULL)
        {
          perm = g_new0 (Permission, 1);
          perm->ip = ip;
          g_hash_table_insert (self->permissions, &perm->ip, perm);
        }
      perm->expires = now + TURN_PERMISSION_LIFETIME;
    }
  return TRUE;
}

gboolean
turn_allocation_add_permission (TurnAllocation  *self,
                                const TurnAddr  *peer,
                                gint64           now,
                                GError         **error)
{
  return turn_allocation_add_permissions (self, peer, 1, now, error);
}

gboolean
turn_allocation_has_permission (TurnAllocation *self,
                                const TurnAddr *peer,
                                gint64          now)
{
  const Permission *perm;

  if (self->permissions == NULL)
    return FALSE;
  perm = g_hash_table_lookup (self->permissions, peer);
  return perm != NULL && now < perm->expires;
}

guint
turn_allocation_get_n_permissions (TurnAllocation *self)
{
  return self->permissions != NULL ? g_hash_table_size (self->permissions) : 0;
}

static void
drop_channel (TurnAllocation *self,
              TurnChannel    *channel)
{
  g_hash_table_remove (self->channels_by_peer, &channel->peer);
  g_hash_table_remove (self->channels_by_number, GUINT_TO_POINTER (channel->number));
}

static gboolean
channel_is_dead (const TurnChannel *channel,
                 gint64             now)
{
  return now >= channel->expires + TURN_CHANNEL_COOLDOWN;
}

/* ChannelBind (RFC 8656, section 11.2): binds or refreshes @number <-> @peer
 * and refreshes the permission for the peer's IP. A number or peer that is
 * bound, or cooling down, with something else is refused with 400. */
gboolean
turn_allocation_bind_channel (TurnAllocation  *self,
                              guint16          number,
                              const TurnAddr  *peer,
                              gint64           now,
                              GError         **error)
{
  TurnChannel *by_number;
  TurnChannel *by_peer;

  if (number < TURN_CHANNEL_MIN || number > TURN_CHANNEL_MAX_LEGACY)
    {
      g_set_error_literal (error, TURN_ERROR, TURN_ERROR_BAD_REQUEST, "channel number out of range");
      return FALSE;
    }
  if (self->channels_by_number == NULL)
    {
      self->channels_by_number = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
      self->channels_by_peer = g_hash_table_new (addr_hash, addr_equal);
    }

  by_number = g_hash_table_lookup (self->channels_by_number, GUINT_TO_POINTER (number));
  if (by_number != NULL && channel_is_dead (by_number, now))
    {
      drop_channel (self, by_number);
      by_number = NULL;
    }
  by_peer = g_hash_table_lookup (self->channels_by_peer, peer);
  if (by_peer != NULL && channel_is_dead (by_peer, now))
    {
      drop_channel (self, by_peer);
      by_peer = NULL;
    }
  if ((by_number != NULL && !turn_addr_equal (&by_number->peer, peer)) ||
      (by_peer != NULL && by_peer->number != number))
    {
      g_set_error_literal (error, TURN_ERROR, TURN_ERROR_BAD_REQUEST,
                           "channel or peer already bound to something else");
      return FALSE;
    }

  if (!turn_allocation_add_permission (self, peer, now, error))
    return FALSE;
  if (by_number == NULL)
    {
      by_number = g_new0 (TurnChannel, 1);
      by_number->number = number;
      by_number->peer = *peer;
      g_hash_table_insert (self->channels_by_number, GUINT_TO_POINTER (number), by_number);
      g_hash_table_insert (self->channels_by_peer, &by_number->peer, by_number);
    }
  by_number->expires = now + TURN_CHANNEL_LIFETIME;
  return TRUE;
}

/* The active channel with @number, or NULL (unbound, expired, cooling down). */
const TurnChannel *
turn_allocation_lookup_channel (TurnAllocation *self,
                                guint16         number,
                                gint64          now)
{
  const TurnChannel *channel;

  if (self->channels_by_number == NULL)
    return NULL;
  channel = g_hash_table_lookup (self->channels_by_number, GUINT_TO_POINTER (number));
  return channel != NULL && now < channel->expires ? channel : NULL;
}

const TurnChannel *
turn_allocation_lookup_channel_by_peer (TurnAllocation *self,
                                        const TurnAddr *peer,
                                        gint64          now)
{
  const TurnChannel *channel;

  if (self->channels_by_peer == NULL)
    return NULL;
  channel = g_hash_table_lookup (self->channels_by_peer, peer);
  return channel != NULL && now < channel->expires ? channel : NULL;
}

/* Channels held, including those cooling down. */
guint
turn_allocation_get_n_channels (TurnAllocation *self)
{
  return self->channels_by_number != NULL ? g_hash_table_size (self->channels_by_number) : 0;
}

static gboolean
permission_expired (gpointer key,
                    gpointer value,
                    gpointer user_data)
{
  return ((Permission *) value)->expires <= *(const gint64 *) user_data;
}

/* Forgets expired permissions and channels past their cool-down. */
void
turn_allocation_purge (TurnAllocation *self,
                       gint64          now)
{
  if (self->permissions != NULL)
    g_hash_table_foreach_remove (self->permissions, permission_expired, &now);
  if (self->channels_by_number != NULL)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, self->channels_by_number);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          TurnChannel *channel = value;
          if (channel_is_dead (channel, now))
            {
              g_hash_table_remove (self->channels_by_peer, &channel->peer);
              g_hash_table_iter_remove (&iter);
            }
        }
    }
}

void
turn_allocation_count_to_peer (TurnAllocation *self,
                               gsize           bytes)
{
  self->to_peer.packets++;
  self->to_peer.bytes += bytes;
  self->table->to_peer.packets++;
  self->table->to_peer.bytes += bytes;
}

void
turn_allocation_count_to_client (TurnAllocation *self,
                                 gsize           bytes)
{
  self->to_client.packets++;
  self->to_client.bytes += bytes;
  self->table->to_client.packets++;
  self->table->to_client.bytes += bytes;
}
