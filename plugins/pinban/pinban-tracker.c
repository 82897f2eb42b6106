/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "pinban-tracker.h"

#include <string.h>

/* Bounds what a flood of failures from many addresses can make us hold. */
#define MAX_SOURCES 100000
/* Escalation never needs more: factor^64 overflows any bantime-max. */
#define MAX_OFFENCES 64
/* A manual ban lasts at most ten years. */
#define MAX_BAN_SECONDS (10 * 366 * 24 * 3600LL)
#define STATE_GROUP "pinban"
#define SOURCE_GROUP_PREFIX "source "

typedef struct {
  PosternCidr cidr;
  GArray *fails;       /* gint64 timestamps, oldest first, at most maxretry */
  guint offences;      /* bans so far, for escalation */
  gint64 until;        /* 0: not banned */
  gint64 last_ban_end; /* when its last ban ended, 0 if never */
  gchar *reason;
} Source;

struct _PinbanTracker {
  PinbanSettings settings;
  GHashTable *sources; /* PosternCidr* (inside Source) -> Source* */
  GPtrArray *banned;   /* Source*, not owned */
  guint64 total_failed;
  guint64 total_banned;
};

void
pinban_ban_free (PinbanBan *ban)
{
  g_free (ban->source);
  g_free (ban->reason);
  g_free (ban);
}

static void
source_free (Source *s)
{
  g_array_unref (s->fails);
  g_free (s->reason);
  g_free (s);
}

/* Single hosts print as plain addresses, networks as ADDRESS/PREFIX. */
static gchar *
source_to_string (const PosternCidr *cidr)
{
  guint full = cidr->family == G_SOCKET_FAMILY_IPV4 ? 32 : 128;
  g_autoptr(GInetAddress) a = NULL;

  if (cidr->prefix_len != full)
    return postern_cidr_to_string (cidr);
  a = g_inet_address_new_from_bytes (cidr->bytes, cidr->family);
  return g_inet_address_to_string (a);
}

static PinbanBan *
ban_of (const Source *s, const gchar *reason)
{
  PinbanBan *ban = g_new0 (PinbanBan, 1);

  ban->source = source_to_string (&s->cidr);
  ban->until = s->until;
  ban->reason = g_strdup (reason != NULL ? reason : s->reason);
  return ban;
}

PinbanTracker *
pinban_tracker_new (const PinbanSettings *settings)
{
  PinbanTracker *self = g_new0 (PinbanTracker, 1);

  self->sources = g_hash_table_new_full (postern_cidr_hash, postern_cidr_equal, NULL, (GDestroyNotify) source_free);
  self->banned = g_ptr_array_new ();
  pinban_tracker_set_settings (self, settings);
  return self;
}

void
pinban_tracker_free (PinbanTracker *self)
{
  g_ptr_array_unref (self->banned);
  g_hash_table_unref (self->sources);
  g_clear_pointer (&self->settings.ignore, postern_cidr_list_unref);
  g_free (self);
}

void
pinban_tracker_set_settings (PinbanTracker *self, const PinbanSettings *settings)
{
  GHashTableIter iter;
  Source *s;

  g_return_if_fail (settings->maxretry > 0 && settings->factor > 0);
  g_clear_pointer (&self->settings.ignore, postern_cidr_list_unref);
  self->settings = *settings;
  if (settings->ignore != NULL)
    self->settings.ignore = postern_cidr_list_ref (settings->ignore);
  g_hash_table_iter_init (&iter, self->sources);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &s))
    if (s->fails->len >= settings->maxretry)
      g_array_remove_range (s->fails, 0, s->fails->len - settings->maxretry + 1);
}

static gboolean
is_ignored_cidr (PinbanTracker *self, const PosternCidr *cidr)
{
  PosternCidrList *ignore = self->settings.ignore;
  gsize len = cidr->family == G_SOCKET_FAMILY_IPV4 ? 4 : 16;

  if (ignore == NULL)
    return FALSE;
  /* Two networks overlap exactly when one holds the other's base address. */
  for (guint i = 0; i < postern_cidr_list_get_length (ignore); i++) {
    const PosternCidr *e = postern_cidr_list_get (ignore, i);
    gsize elen = e->family == G_SOCKET_FAMILY_IPV4 ? 4 : 16;
    if (postern_cidr_contains_bytes (e, cidr->family, cidr->bytes, len) ||
        postern_cidr_contains_bytes (cidr, e->family, e->bytes, elen))
      return TRUE;
  }
  return FALSE;
}

static void
drop_stale_fails (PinbanTracker *self, Source *s, gint64 now)
{
  guint stale = 0;

  while (stale < s->fails->len && g_array_index (s->fails, gint64, stale) <= now - self->settings.findtime)
    stale++;
  if (stale > 0)
    g_array_remove_range (s->fails, 0, stale);
}

/* A source is worth keeping while banned, while it has recent failures, or
 * while escalation still remembers its offences (bantime-max after its last
 * ban ended). */
static gboolean
is_stale (PinbanTracker *self, Source *s, gint64 now)
{
  drop_stale_fails (self, s, now);
  if (s->until != 0 || s->fails->len > 0)
    return FALSE;
  return !self->settings.increment || s->offences == 0 || s->last_ban_end + self->settings.bantime_max <= now;
}

static void
prune (PinbanTracker *self, gint64 now)
{
  GHashTableIter iter;
  Source *s;

  g_hash_table_iter_init (&iter, self->sources);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &s))
    if (is_stale (self, s, now))
      g_hash_table_iter_remove (&iter);
}

/* At the cap even after pruning: forget the unbanned source whose latest
 * failure is oldest. */
static void
make_room (PinbanTracker *self, gint64 now)
{
  GHashTableIter iter;
  Source *s, *victim = NULL;
  gint64 victim_last = G_MAXINT64;

  if (g_hash_table_size (self->sources) < MAX_SOURCES)
    return;
  prune (self, now);
  if (g_hash_table_size (self->sources) < MAX_SOURCES)
    return;
  g_hash_table_iter_init (&iter, self->sources);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &s)) {
    gint64 last = s->fails->len > 0 ? g_array_index (s->fails, gint64, s->fails->len - 1) : 0;
    if (s->until == 0 && last < victim_last) {
      victim = s;
      victim_last = last;
    }
  }
  if (victim != NULL)
    g_hash_table_remove (self->sources, &victim->cidr);
}

static Source *
lookup_or_add (PinbanTracker *self, const PosternCidr *cidr, gint64 now)
{
  Source *s = g_hash_table_lookup (self->sources, cidr);

  if (s != NULL)
    return s;
  make_room (self, now);
  s = g_new0 (Source, 1);
  s->cidr = *cidr;
  s->fails = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_hash_table_insert (self->sources, &s->cidr, s);
  return s;
}

/* The source key of @address: IPv4 per address, IPv6 per prefix, except
 * where that prefix would hold the IPv4-mapped range (::/64 holds ::1 and
 * ::ffff:0:0/96): banning it would ban every IPv4 client of a dual-stack
 * socket, so such addresses count alone. */
static PosternCidr *
source_key (PinbanTracker *self, GInetAddress *address)
{
  static const guint8 mapped_base[16] = { [10] = 0xff, [11] = 0xff };
  PosternCidr *key = postern_cidr_new_prefix_of (address, 32, self->settings.ipv6_prefix);

  if (key != NULL && key->family == G_SOCKET_FAMILY_IPV6 &&
      postern_cidr_contains_bytes (key, G_SOCKET_FAMILY_IPV6, mapped_base, sizeof mapped_base)) {
    postern_cidr_free (key);
    key = postern_cidr_new_prefix_of (address, 32, 128);
  }
  return key;
}

static Source *
find_ban_covering (PinbanTracker *self, GInetAddress *address)
{
  for (guint i = 0; i < self->banned->len; i++) {
    Source *s = g_ptr_array_index (self->banned, i);
    if (postern_cidr_contains_address (&s->cidr, address))
      return s;
  }
  return NULL;
}

/* bantime, times factor for each earlier offence when escalating, capped at
 * bantime-max (never below bantime). */
static gint64
ban_duration (PinbanTracker *self, guint offences)
{
  const PinbanSettings *st = &self->settings;
  gint64 cap = MAX (st->bantime_max, st->bantime);
  gint64 d = st->bantime;

  if (!st->increment)
    return st->bantime;
  for (guint i = 1; i < offences && d < cap; i++)
    d = d > cap / st->factor ? cap : d * st->factor;
  return MIN (d, cap);
}

static void
set_banned (PinbanTracker *self, Source *s, gint64 until, const gchar *reason)
{
  if (s->until == 0) {
    g_ptr_array_add (self->banned, s);
    self->total_banned++;
  }
  s->until = until;
  g_free (s->reason);
  s->reason = g_strdup (reason);
  g_array_set_size (s->fails, 0);
}

PinbanVerdict
pinban_tracker_record_failure (PinbanTracker *self, GInetAddress *address, gint64 now, PinbanBan **ban)
{
  g_autoptr(PosternCidr) key = NULL;
  g_autofree gchar *reason = NULL;
  Source *s;

  g_return_val_if_fail (ban != NULL && *ban == NULL, PINBAN_IGNORED);
  if (self->settings.ignore != NULL && postern_cidr_list_contains_address (self->settings.ignore, address))
    return PINBAN_IGNORED;
  if (find_ban_covering (self, address) != NULL)
    return PINBAN_ALREADY_BANNED;
  key = source_key (self, address);
  g_return_val_if_fail (key != NULL, PINBAN_IGNORED);
  s = lookup_or_add (self, key, now);
  drop_stale_fails (self, s, now);
  g_array_append_val (s->fails, now);
  self->total_failed++;
  if (s->fails->len < self->settings.maxretry)
    return PINBAN_COUNTED;
  if (s->offences < MAX_OFFENCES)
    s->offences++;
  reason = g_strdup_printf ("%u failed PINs within %" G_GINT64_FORMAT " s (ban %u)", s->fails->len,
                            self->settings.findtime, s->offences);
  set_banned (self, s, now + ban_duration (self, s->offences), reason);
  *ban = ban_of (s, NULL);
  return PINBAN_BANNED;
}

PinbanBan *
pinban_tracker_ban (PinbanTracker *self, const gchar *source, gint64 seconds, gint64 now, GError **error)
{
  PosternCidr cidr;
  Source *s;

  if (!postern_cidr_parse (source, &cidr, error))
    return NULL;
  if (seconds < 0 || seconds > MAX_BAN_SECONDS) {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_ARGUMENT,
                 "ban length must be 0 (bantime) to %lld seconds", (long long) MAX_BAN_SECONDS);
    return NULL;
  }
  if (is_ignored_cidr (self, &cidr)) {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_REFUSED, "%s overlaps ignore=, which is never banned", source);
    return NULL;
  }
  s = lookup_or_add (self, &cidr, now);
  set_banned (self, s, now + (seconds > 0 ? seconds : self->settings.bantime), "manual");
  return ban_of (s, NULL);
}

static void
lift (PinbanTracker *self, Source *s, gint64 ended)
{
  g_ptr_array_remove_fast (self->banned, s);
  s->until = 0;
  s->last_ban_end = ended;
}

PinbanBan *
pinban_tracker_unban (PinbanTracker *self, const gchar *source, GError **error)
{
  PosternCidr cidr;
  Source *s;
  PinbanBan *ban;
  guint full;

  if (!postern_cidr_parse (source, &cidr, error))
    return NULL;
  s = g_hash_table_lookup (self->sources, &cidr);
  full = cidr.family == G_SOCKET_FAMILY_IPV4 ? 32 : 128;
  if ((s == NULL || s->until == 0) && cidr.prefix_len == full) {
    g_autoptr(GInetAddress) a = g_inet_address_new_from_bytes (cidr.bytes, cidr.family);
    s = find_ban_covering (self, a);
  }
  if (s == NULL || s->until == 0) {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND, "%s is not banned", source);
    return NULL;
  }
  ban = ban_of (s, "unban");
  /* The operator forgives: offences and failures go too. */
  lift (self, s, 0);
  g_hash_table_remove (self->sources, &s->cidr);
  return ban;
}

GPtrArray *
pinban_tracker_unban_all (PinbanTracker *self)
{
  GPtrArray *lifted = g_ptr_array_new_with_free_func ((GDestroyNotify) pinban_ban_free);

  while (self->banned->len > 0) {
    Source *s = g_ptr_array_index (self->banned, 0);
    g_ptr_array_add (lifted, ban_of (s, "unban"));
    lift (self, s, 0);
    g_hash_table_remove (self->sources, &s->cidr);
  }
  return lifted;
}

/* After ignore= changed: lifts the bans it now overlaps. */
GPtrArray *
pinban_tracker_lift_ignored (PinbanTracker *self)
{
  GPtrArray *lifted = g_ptr_array_new_with_free_func ((GDestroyNotify) pinban_ban_free);

  for (guint i = 0; i < self->banned->len;) {
    Source *s = g_ptr_array_index (self->banned, i);
    if (!is_ignored_cidr (self, &s->cidr)) {
      i++;
      continue;
    }
    g_ptr_array_add (lifted, ban_of (s, "ignored"));
    lift (self, s, 0);
    g_hash_table_remove (self->sources, &s->cidr);
  }
  return lifted;
}

GPtrArray *
pinban_tracker_expire (PinbanTracker *self, gint64 now)
{
  GPtrArray *lifted = g_ptr_array_new_with_free_func ((GDestroyNotify) pinban_ban_free);

  for (guint i = 0; i < self->banned->len;) {
    Source *s = g_ptr_array_index (self->banned, i);
    if (s->until > now) {
      i++;
      continue;
    }
    g_ptr_array_add (lifted, ban_of (s, "expired"));
    lift (self, s, s->until);
  }
  prune (self, now);
  return lifted;
}

gint64
pinban_tracker_next_expiry (PinbanTracker *self)
{
  gint64 next = G_MAXINT64;

  for (guint i = 0; i < self->banned->len; i++)
    next = MIN (next, ((Source *) g_ptr_array_index (self->banned, i))->until);
  return next;
}

static gint
compare_bans (gconstpointer a, gconstpointer b)
{
  const PinbanBan *x = *(PinbanBan *const *) a, *y = *(PinbanBan *const *) b;

  return g_strcmp0 (x->source, y->source);
}

GPtrArray *
pinban_tracker_list_bans (PinbanTracker *self)
{
  GPtrArray *bans = g_ptr_array_new_with_free_func ((GDestroyNotify) pinban_ban_free);

  for (guint i = 0; i < self->banned->len; i++)
    g_ptr_array_add (bans, ban_of (g_ptr_array_index (self->banned, i), NULL));
  g_ptr_array_sort (bans, compare_bans);
  return bans;
}

void
pinban_tracker_get_counters (PinbanTracker *self, gint64 now, PinbanCounters *counters)
{
  GHashTableIter iter;
  Source *s;

  memset (counters, 0, sizeof *counters);
  g_hash_table_iter_init (&iter, self->sources);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &s)) {
    drop_stale_fails (self, s, now);
    if (s->fails->len > 0)
      counters->currently_failed++;
  }
  counters->total_failed = self->total_failed;
  counters->currently_banned = self->banned->len;
  counters->total_banned = self->total_banned;
}

/* Bans and remembered offences; failure windows start afresh after a
 * restart. */
gchar *
pinban_tracker_save (PinbanTracker *self)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  GHashTableIter iter;
  Source *s;

  g_key_file_set_integer (kf, STATE_GROUP, "version", 1);
  g_hash_table_iter_init (&iter, self->sources);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &s)) {
    g_autofree gchar *cidr = NULL, *group = NULL;
    if (s->until == 0 && s->offences == 0)
      continue;
    cidr = postern_cidr_to_string (&s->cidr);
    group = g_strconcat (SOURCE_GROUP_PREFIX, cidr, NULL);
    g_key_file_set_int64 (kf, group, "until", s->until);
    g_key_file_set_integer (kf, group, "offences", (gint) s->offences);
    g_key_file_set_int64 (kf, group, "last-ban-end", s->last_ban_end);
    if (s->reason != NULL)
      g_key_file_set_string (kf, group, "reason", s->reason);
  }
  return g_key_file_to_data (kf, NULL, NULL);
}

static gboolean
restore_source (PinbanTracker *self, GKeyFile *kf, const gchar *group, gint64 now, PinbanBan **ban)
{
  PosternCidr cidr;
  gint64 until = 0, last_end = 0;
  gint offences = 0;
  g_autofree gchar *reason = NULL;
  GError *error = NULL;
  Source *s;

  if (!postern_cidr_parse (group + strlen (SOURCE_GROUP_PREFIX), &cidr, NULL) || is_ignored_cidr (self, &cidr))
    return FALSE;
  until = g_key_file_get_int64 (kf, group, "until", &error);
  if (error == NULL)
    offences = g_key_file_get_integer (kf, group, "offences", &error);
  if (error == NULL)
    last_end = g_key_file_get_int64 (kf, group, "last-ban-end", &error);
  if (error != NULL) {
    g_error_free (error);
    return FALSE;
  }
  if (until < 0 || until > now + MAX_BAN_SECONDS || offences < 0 || offences > MAX_OFFENCES || last_end < 0)
    return FALSE;
  reason = g_key_file_get_string (kf, group, "reason", NULL);
  s = lookup_or_add (self, &cidr, now);
  s->offences = (guint) offences;
  s->last_ban_end = last_end;
  if (until > now) {
    set_banned (self, s, until, reason != NULL ? reason : "restored");
    *ban = ban_of (s, NULL);
  } else if (until > 0) {
    s->last_ban_end = until; /* ended while the daemon was down */
  }
  return TRUE;
}

/* Loads a state file written by pinban_tracker_save(); returns the bans
 * still running at @now, to announce again. Damaged entries are skipped. */
GPtrArray *
pinban_tracker_restore (PinbanTracker *self, const gchar *data, gsize length, gint64 now, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_auto(GStrv) groups = NULL;
  GPtrArray *active;

  if (!g_key_file_load_from_data (kf, data, length, G_KEY_FILE_NONE, error))
    return NULL;
  if (g_key_file_get_integer (kf, STATE_GROUP, "version", NULL) != 1) {
    g_set_error_literal (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_DATA, "not a version 1 pinban state file");
    return NULL;
  }
  active = g_ptr_array_new_with_free_func ((GDestroyNotify) pinban_ban_free);
  groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i] != NULL; i++) {
    PinbanBan *ban = NULL;
    if (g_str_has_prefix (groups[i], SOURCE_GROUP_PREFIX) && restore_source (self, kf, groups[i], now, &ban) &&
        ban != NULL)
      g_ptr_array_add (active, ban);
  }
  prune (self, now);
  return active;
}
