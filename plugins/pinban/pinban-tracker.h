/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <postern.h>

G_BEGIN_DECLS

/* The pinban logic without I/O: sliding windows of failures per source,
 * bans with escalation, the ignore list. Every call takes the current time
 * (UNIX seconds), so tests drive it with a fake clock. */

typedef struct {
  guint maxretry;
  gint64 findtime;
  gint64 bantime;
  gboolean increment;
  guint factor;
  gint64 bantime_max;
  guint ipv6_prefix;
  PosternCidrList *ignore; /* owned by the caller; the tracker takes a ref */
} PinbanSettings;

typedef struct {
  gchar *source; /* "192.0.2.7" or "2001:db8:1:2::/64" */
  gint64 until;
  gchar *reason;
} PinbanBan;

typedef enum {
  PINBAN_IGNORED,        /* in ignore=, never counted */
  PINBAN_COUNTED,        /* counted, below maxretry */
  PINBAN_BANNED,         /* this failure reached maxretry: a new ban */
  PINBAN_ALREADY_BANNED, /* the source is banned already (a late event) */
} PinbanVerdict;

typedef struct {
  guint currently_failed; /* sources with failures inside findtime */
  guint64 total_failed;
  guint currently_banned;
  guint64 total_banned;
} PinbanCounters;

typedef struct _PinbanTracker PinbanTracker;

void           pinban_ban_free               (PinbanBan            *ban);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PinbanBan, pinban_ban_free)

PinbanTracker *pinban_tracker_new            (const PinbanSettings *settings);
void           pinban_tracker_free           (PinbanTracker        *self);
void           pinban_tracker_set_settings   (PinbanTracker        *self,
                                              const PinbanSettings *settings);
GPtrArray     *pinban_tracker_lift_ignored   (PinbanTracker        *self);
PinbanVerdict  pinban_tracker_record_failure (PinbanTracker        *self,
                                              GInetAddress         *address,
                                              gint64                now,
                                              PinbanBan           **ban);
PinbanBan     *pinban_tracker_ban            (PinbanTracker        *self,
                                              const gchar          *source,
                                              gint64                seconds,
                                              gint64                now,
                                              GError              **error);
PinbanBan     *pinban_tracker_unban          (PinbanTracker        *self,
                                              const gchar          *source,
                                              GError              **error);
GPtrArray     *pinban_tracker_unban_all      (PinbanTracker        *self);
GPtrArray     *pinban_tracker_expire         (PinbanTracker        *self,
                                              gint64                now);
gint64         pinban_tracker_next_expiry    (PinbanTracker        *self);
GPtrArray     *pinban_tracker_list_bans      (PinbanTracker        *self);
void           pinban_tracker_get_counters   (PinbanTracker        *self,
                                              gint64                now,
                                              PinbanCounters       *counters);
gchar         *pinban_tracker_save           (PinbanTracker        *self);
GPtrArray     *pinban_tracker_restore        (PinbanTracker        *self,
                                              const gchar          *data,
                                              gsize                 length,
                                              gint64                now,
                                              GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PinbanTracker, pinban_tracker_free)

G_END_DECLS
