/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turn-quota.h"
#include "turn-error.h"
#include "turn-lock.h"

struct _TurnQuota {
  GMutex lock;
  GHashTable *per_user;   /* gchar* -> count */
  guint count;
  guint total_limit;
  guint user_limit;
};

TurnQuota *
turn_quota_new (guint total,
                guint per_user)
{
  TurnQuota *self = g_new0 (TurnQuota, 1);

  g_mutex_init (&self->lock);
  self->per_user = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->total_limit = total;
  self->user_limit = per_user;
  return self;
}

void
turn_quota_free (TurnQuota *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->per_user);
  g_mutex_clear (&self->lock);
  g_free (self);
}

void
turn_quota_set_limits (TurnQuota *self,
                       guint      total,
                       guint      per_user)
{
  turn_mutex_lock (&self->lock);
  self->total_limit = total;
  self->user_limit = per_user;
  turn_mutex_unlock (&self->lock);
}

/* Counts one allocation for @username, or fails with 486. */
gboolean
turn_quota_take (TurnQuota    *self,
                 const gchar  *username,
                 GError      **error)
{
  guint user_count;
  gboolean ok;

  turn_mutex_lock (&self->lock);
  user_count = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_user, username));
  ok = (self->total_limit == 0 || self->count < self->total_limit) &&
       (self->user_limit == 0 || user_count < self->user_limit);
  if (ok)
    {
      g_hash_table_replace (self->per_user, g_strdup (username), GUINT_TO_POINTER (user_count + 1));
      self->count++;
    }
  turn_mutex_unlock (&self->lock);
  if (!ok)
    g_set_error_literal (error, TURN_ERROR, TURN_ERROR_ALLOCATION_QUOTA_REACHED, "allocation quota reached");
  return ok;
}

void
turn_quota_release (TurnQuota   *self,
                    const gchar *username)
{
  guint user_count;

  turn_mutex_lock (&self->lock);
  user_count = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_user, username));
  if (user_count == 1)
    g_hash_table_remove (self->per_user, username);
  else if (user_count > 1)
    g_hash_table_replace (self->per_user, g_strdup (username), GUINT_TO_POINTER (user_count - 1));
  if (user_count > 0)
    self->count--;
  turn_mutex_unlock (&self->lock);
  g_return_if_fail (user_count > 0);
}

guint
turn_quota_count_user (TurnQuota   *self,
                       const gchar *username)
{
  guint count;

  turn_mutex_lock (&self->lock);
  count = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_user, username));
  turn_mutex_unlock (&self->lock);
  return count;
}

guint
turn_quota_count (TurnQuota *self)
{
  guint count;

  turn_mutex_lock (&self->lock);
  count = self->count;
  turn_mutex_unlock (&self->lock);
  return count;
}
