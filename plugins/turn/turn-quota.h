/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Allocation quotas (`total-quota`, `user-quota`) shared by the allocation
 * tables of every relay thread: counts per user and in total under one
 * mutex, taken only when an allocation is created or removed. 0 means
 * unlimited; lowering a limit keeps the allocations already counted. */
typedef struct _TurnQuota TurnQuota;

TurnQuota *turn_quota_new        (guint         total,
                                  guint         per_user);
void       turn_quota_free       (TurnQuota    *self);
void       turn_quota_set_limits (TurnQuota    *self,
                                  guint         total,
                                  guint         per_user);
gboolean   turn_quota_take       (TurnQuota    *self,
                                  const gchar  *username,
                                  GError      **error);
void       turn_quota_release    (TurnQuota    *self,
                                  const gchar  *username);
guint      turn_quota_count_user (TurnQuota    *self,
                                  const gchar  *username);
guint      turn_quota_count      (TurnQuota    *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TurnQuota, turn_quota_free)

G_END_DECLS
