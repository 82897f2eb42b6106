/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* srv-announcer: publishes this proxy's SRV records by RFC 2136 update
 * signed with TSIG, keeps them true (refresh, upstream health, reload),
 * verifies them by querying the server, and withdraws them on stop. */
#include <postern.h>

#include "srv-announcer-generated.h"
#include "srv-dns.h"
#include "srv-exchange.h"
#include "srv-records.h"
#include "srv-settings.h"

#define UDP_FIRST_TIMEOUT_MS 1000
#define UDP_ATTEMPTS 3
#define RETRY_FIRST_S 5
#define REFRESH_MIN_S 30

typedef struct {
  SrvRecord *record;
  gboolean wanted;   /* should be on the server now */
  gboolean stale;    /* no longer configured: dropped once withdrawn */
  gboolean sent;     /* part of the round in flight */
  gboolean sent_up;  /* ... as an addition (else as a deletion) */
  const gchar *state;
  gchar *result;
  gboolean verified;
  gint64 time;
} Entry;

typedef struct {
  PosternContext *context;
  PosternSrvAnnouncer *skeleton;
  SrvSettings *settings;
  GPtrArray *entries;       /* of Entry */
  GHashTable *upstreams;    /* node -> state */
  gboolean all_down;
  guint event_sub;
  guint reload_sub;
  GCancellable *cancellable;
  gboolean busy;
  gboolean again;
  guint timer;
  guint failures;
  gboolean stopping;
  gboolean deadline_passed;
  guint deadline_source;
  SrvDnsMessage *request;   /* in flight */
  GPtrArray *owners;        /* names left to verify in this round */
} SrvAnnouncer;

static void sync_now (SrvAnnouncer *self);

static void
entry_free (Entry *entry)
{
  srv_record_free (entry->record);
  g_free (entry->result);
  g_free (entry);
}

static void
entry_set_result (Entry *entry, const gchar *state, const gchar *result, gboolean verified)
{
  entry->state = state;
  g_free (entry->result);
  entry->result = g_strdup (result);
  entry->verified = verified;
  entry->time = g_get_real_time ();
}

static gboolean
entry_should_be_up (SrvAnnouncer *self, Entry *entry)
{
  if (self->stopping || entry->stale)
    return FALSE;
  return !(self->all_down && self->settings->withdraw_when_down && g_str_equal (entry->record->role, "pexapp"));
}

static void
publish_properties (SrvAnnouncer *self)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sssbx)"));
  for (guint i = 0; i < self->entries->len; i++) {
    Entry *entry = g_ptr_array_index (self->entries, i);
    g_autofree gchar *line = srv_record_to_zone_line (entry->record);

    g_variant_builder_add (&builder, "(sssbx)", line, entry->state, entry->result ? entry->result : "",
                           entry->verified, entry->time);
  }
  postern_srv_announcer_set_records (self->skeleton, g_variant_builder_end (&builder));
  postern_srv_announcer_set_server (self->skeleton, self->settings->server_text ? self->settings->server_text : "");
  postern_srv_announcer_set_zone (self->skeleton, self->settings->zone);
  postern_srv_announcer_set_upstreams_down (self->skeleton, self->all_down);
}

static void
set_last_result (SrvAnnouncer *self, const gchar *result)
{
  postern_srv_announcer_set_last_result (self->skeleton, result);
  postern_srv_announcer_set_last_update (self->skeleton, g_get_real_time ());
}

/* Entries follow the configured records: kept when equal, added when new,
 * marked stale (withdrawn, then dropped) when gone. */
static void
merge_records (SrvAnnouncer *self)
{
  GPtrArray *records = self->settings->records;

  for (guint i = 0; i < self->entries->len; i++)
    ((Entry *) g_ptr_array_index (self->entries, i))->stale = TRUE;
  for (guint r = 0; r < records->len; r++) {
    SrvRecord *record = g_ptr_array_index (records, r);
    Entry *found = NULL;

    for (guint i = 0; i < self->entries->len && found == NULL; i++) {
      Entry *entry = g_ptr_array_index (self->entries, i);
      if (srv_record_equal (entry->record, record))
        found = entry;
    }
    if (found == NULL) {
      found = g_new0 (Entry, 1);
      found->state = self->settings->server != NULL ? "pending" : "manual";
      g_ptr_array_add (self->entries, found);
    } else {
      srv_record_free (found->record);
    }
    found->record = srv_record_new (record->role, record->owner, record->ttl, record->priority, record->weight,
                                    record->port, record->target);
    found->stale = FALSE;
  }
}

static guint
refresh_seconds (SrvAnnouncer *self)
{
  return MAX (self->settings->ttl / 2, REFRESH_MIN_S);
}

static gboolean
timer_cb (gpointer user_data)
{
  SrvAnnouncer *self = user_data;

  self->timer = 0;
  sync_now (self);
  return G_SOURCE_REMOVE;
}

static void
schedule (SrvAnnouncer *self, guint seconds)
{
  if (self->timer != 0)
    g_source_remove (self->timer);
  self->timer = g_timeout_add_seconds (seconds, timer_cb, self);
}

static void
free_announcer (SrvAnnouncer *self)
{
  if (self->timer != 0)
    g_source_remove (self->timer);
  if (self->deadline_source != 0)
    g_source_remove (self->deadline_source);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->skeleton);
  g_clear_pointer (&self->request, srv_dns_message_free);
  g_clear_pointer (&self->owners, g_ptr_array_unref);
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  g_clear_pointer (&self->upstreams, g_hash_table_unref);
  g_clear_pointer (&self->settings, srv_settings_free);
  g_free (self);
}

static void
finish_stop (SrvAnnouncer *self)
{
  PosternContext *context = self->context;

  postern_message (context, "withdrawal finished");
  free_announcer (self);
  postern_context_release (context);
}

/* The end of a round: run the next one when something changed meanwhile,
 * else wait for the refresh (or the retry after a failure). */
static void
round_done (SrvAnnouncer *self, gboolean ok)
{
  self->busy = FALSE;
  for (guint i = 0; i < self->entries->len; i++)
    ((Entry *) g_ptr_array_index (self->entries, i))->sent = FALSE;
  g_clear_pointer (&self->request, srv_dns_message_free);
  g_clear_pointer (&self->owners, g_ptr_array_unref);
  publish_properties (self);
  if (self->stopping) {
    if (self->again && !self->deadline_passed) {
      self->again = FALSE;
      sync_now (self);
      return;
    }
    finish_stop (self);
    return;
  }
  if (self->again) {
    self->again = FALSE;
    sync_now (self);
    return;
  }
  if (ok) {
    self->failures = 0;
    schedule (self, refresh_seconds (self));
  } else {
    guint delay = RETRY_FIRST_S << MIN (self->failures, 6u);

    self->failures++;
    schedule (self, MIN (delay, refresh_seconds (self)));
  }
}

static void verify_next (SrvAnnouncer *self);

static void
query_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SrvAnnouncer *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) reply = srv_exchange_finish (result, NULL, &error);
  g_autoptr(GPtrArray) seen = NULL;

  if (reply != NULL)
    seen = srv_dns_parse_srv_answer (self->request, reply, &error);
  for (guint i = 0; i < self->entries->len; i++) {
    Entry *entry = g_ptr_array_index (self->entries, i);
    gboolean present = FALSE;

    if (!entry->sent || g_ascii_strcasecmp (entry->record->owner, self->request->owner) != 0)
      continue;
    if (seen == NULL) {
      g_autofree gchar *text = g_strdup_printf ("NOERROR, not verified: %s", error->message);
      entry_set_result (entry, entry->state, text, FALSE);
      continue;
    }
    for (guint j = 0; j < seen->len; j++)
      present = present || srv_record_equal (g_ptr_array_index (seen, j), entry->record);
    if (present == entry->sent_up)
      entry_set_result (entry, entry->state, "NOERROR, verified", TRUE);
    else
      entry_set_result (entry, entry->state,
                        present ? "NOERROR, but the server still answers with it"
                                : "NOERROR, but the server does not answer with it", FALSE);
  }
  if (seen == NULL)
    postern_warning (self->context, "verifying %s: %s", self->request->owner, error->message);
  verify_next (self);
}

/* Ask the server for each name updated, one at a time. */
static void
verify_next (SrvAnnouncer *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *owner = NULL;

  g_clear_pointer (&self->request, srv_dns_message_free);
  if (self->owners->len == 0 || self->stopping) {
    /* Withdrawn and verified stale records are forgotten. */
    for (guint i = self->entries->len; i > 0; i--) {
      Entry *entry = g_ptr_array_index (self->entries, i - 1);
      if (entry->stale && entry->sent && !entry->sent_up && g_str_equal (entry->state, "withdrawn"))
        g_ptr_array_remove_index (self->entries, i - 1);
    }
    round_done (self, TRUE);
    return;
  }
  owner = g_ptr_array_steal_index (self->owners, 0);
  self->request = srv_dns_query_new (owner, &error);
  if (self->request == NULL) {
    postern_warning (self->context, "cannot query %s: %s", owner, error->message);
    verify_next (self);
    return;
  }
  srv_exchange_async (self->settings->server, self->request->wire, self->request->id, UDP_FIRST_TIMEOUT_MS,
                      UDP_ATTEMPTS, self->cancellable, query_done_cb, self);
}

static void
update_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SrvAnnouncer *self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean used_tcp = FALSE;
  g_autoptr(GBytes) reply = srv_exchange_finish (result, &used_tcp, &error);
  gboolean ok = reply != NULL &&
                srv_dns_check_update_reply (self->request, reply, self->settings->key, &error);
  g_autofree gchar *summary = NULL;
  guint added = 0, removed = 0;

  if (!ok) {
    /* The record state stays as it was: only the result says what failed. */
    for (guint i = 0; i < self->entries->len; i++) {
      Entry *entry = g_ptr_array_index (self->entries, i);
      const gchar *state = (g_str_equal (entry->state, "pending") && entry->sent_up) ? "failed" : entry->state;

      if (entry->sent)
        entry_set_result (entry, state, error->message, entry->verified);
    }
    postern_warning (self->context, "update of zone %s at %s failed: %s", self->settings->zone,
                     self->settings->server_text, error->message);
    set_last_result (self, error->message);
    round_done (self, FALSE);
    return;
  }
  self->owners = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < self->entries->len; i++) {
    Entry *entry = g_ptr_array_index (self->entries, i);
    gboolean listed = FALSE;

    if (!entry->sent)
      continue;
    entry_set_result (entry, entry->sent_up ? "published" : "withdrawn", "NOERROR", FALSE);
    if (entry->sent_up)
      added++;
    else
      removed++;
    for (guint j = 0; j < self->owners->len; j++)
      listed = listed || g_ascii_strcasecmp (g_ptr_array_index (self->owners, j), entry->record->owner) == 0;
    if (!listed)
      g_ptr_array_add (self->owners, g_strdup (entry->record->owner));
  }
  summary = g_strdup_printf ("NOERROR: %u published, %u withdrawn%s", added, removed, used_tcp ? " (TCP)" : "");
  postern_info (self->context, "zone %s at %s: %s", self->settings->zone, self->settings->server_text, summary);
  set_last_result (self, summary);
  verify_next (self);
}

/* One round: a single signed update adding every record that should be up
 * (re-adding refreshes it) and deleting exactly each one that should not. */
static void
sync_now (SrvAnnouncer *self)
{
  g_autoptr(GPtrArray) add = g_ptr_array_new ();
  g_autoptr(GPtrArray) remove = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;

  if (self->settings->server == NULL) {
    publish_properties (self);
    return;
  }
  if (self->busy) {
    self->again = TRUE;
    return;
  }
  if (self->timer != 0) {
    g_source_remove (self->timer);
    self->timer = 0;
  }
  for (guint i = 0; i < self->entries->len; i++) {
    Entry *entry = g_ptr_array_index (self->entries, i);

    entry->sent = TRUE;
    entry->sent_up = entry_should_be_up (self, entry);
    g_ptr_array_add (entry->sent_up ? add : remove, entry->record);
  }
  if (add->len == 0 && remove->len == 0) {
    set_last_result (self, "nothing to publish");
    round_done (self, TRUE);
    return;
  }
  self->request = srv_dns_update_new (self->settings->zone, add, remove, self->settings->key, &error);
  if (self->request == NULL) {
    postern_warning (self->context, "cannot build the update: %s", error->message);
    set_last_result (self, error->message);
    round_done (self, FALSE);
    return;
  }
  self->busy = TRUE;
  srv_exchange_async (self->settings->server, self->request->wire, self->request->id, UDP_FIRST_TIMEOUT_MS,
                      UDP_ATTEMPTS, self->cancellable, update_done_cb, self);
}

static void
upstream_state_cb (PosternEventBus *bus, const gchar *name, GVariant *payload, gpointer user_data)
{
  SrvAnnouncer *self = user_data;
  const gchar *node, *state, *reason;
  gboolean all_down = TRUE;
  GHashTableIter iter;
  gpointer value;

  g_variant_get (payload, "(&s&s&s)", &node, &state, &reason);
  g_hash_table_replace (self->upstreams, g_strdup (node), g_strdup (state));
  g_hash_table_iter_init (&iter, self->upstreams);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    all_down = all_down && !g_str_equal (value, "up");
  if (all_down == self->all_down)
    return;
  self->all_down = all_down;
  if (self->settings->withdraw_when_down)
    postern_message (self->context, all_down ? "every upstream node is down: withdrawing _pexapp._tcp"
                                             : "an upstream node is up again: restoring _pexapp._tcp");
  sync_now (self);
  publish_properties (self);
}

static void
log_records (SrvAnnouncer *self)
{
  for (guint i = 0; i < self->settings->records->len; i++) {
    g_autofree gchar *line = srv_record_to_zone_line (g_ptr_array_index (self->settings->records, i));
    postern_debug (self->context, "record: %s", line);
  }
}

static gboolean
same_records (GPtrArray *a, GPtrArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++) {
    SrvRecord *x = g_ptr_array_index (a, i), *y = g_ptr_array_index (b, i);
    if (!srv_record_equal (x, y) || x->ttl != y->ttl)
      return FALSE;
  }
  return TRUE;
}

/* Another plugin's reload (turn, stun) can change the ports we announce. */
static void
config_reloaded_cb (PosternEventBus *bus, const gchar *name, GVariant *payload, gpointer user_data)
{
  SrvAnnouncer *self = user_data;
  g_autoptr(GError) error = NULL;
  SrvSettings *settings = srv_settings_new (self->context, postern_context_get_config (self->context), &error);

  if (settings == NULL) {
    postern_warning (self->context, "records not rebuilt after the reload: %s", error->message);
    return;
  }
  if (same_records (settings->records, self->settings->records)) {
    srv_settings_free (settings);
    return;
  }
  srv_settings_free (self->settings);
  self->settings = settings;
  merge_records (self);
  log_records (self);
  publish_properties (self);
  sync_now (self);
}

static gboolean
handle_announce (PosternSrvAnnouncer *skeleton, GDBusMethodInvocation *invocation, gpointer user_data)
{
  SrvAnnouncer *self = user_data;

  if (self->settings->server == NULL) {
    g_dbus_method_invocation_return_error (invocation, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                                           "no server is configured; the records are for manual entry");
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  sync_now (self);
  postern_srv_announcer_complete_announce (skeleton, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gpointer
srv_announcer_start (PosternContext *context, GError **error)
{
  g_autoptr(SrvSettings) settings = srv_settings_new (context, postern_context_get_config (context), error);
  SrvAnnouncer *self;

  if (settings == NULL)
    return NULL;
  self = g_new0 (SrvAnnouncer, 1);
  self->context = context;
  self->settings = g_steal_pointer (&settings);
  self->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  self->upstreams = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->cancellable = g_cancellable_new ();
  self->skeleton = postern_srv_announcer_skeleton_new ();
  merge_records (self);
  publish_properties (self);
  g_signal_connect (self->skeleton, "handle-announce", G_CALLBACK (handle_announce), self);
  if (!postern_context_export_interface (context, G_DBUS_INTERFACE_SKELETON (self->skeleton), error)) {
    free_announcer (self);
    return NULL;
  }
  self->event_sub = postern_event_bus_subscribe (postern_context_get_event_bus (context),
                                                 POSTERN_EVENT_UPSTREAM_STATE, upstream_state_cb, self, NULL);
  self->reload_sub = postern_event_bus_subscribe (postern_context_get_event_bus (context),
                                                  POSTERN_EVENT_CONFIG_RELOADED, config_reloaded_cb, self, NULL);
  log_records (self);
  if (self->settings->server == NULL)
    postern_info (context, "no server set: %u records listed for manual entry", self->entries->len);
  else
    postern_info (context, "announcing %u records in zone %s at %s with key %s (%s)", self->entries->len,
                  self->settings->zone, self->settings->server_text, self->settings->key->name,
                  self->settings->key->algorithm);
  sync_now (self);
  return self;
}

static gboolean
srv_announcer_reload (gpointer plugin, PosternContext *context, PosternConfig *new_config, GError **error)
{
  SrvAnnouncer *self = plugin;
  SrvSettings *settings = srv_settings_new (context, new_config, error);

  if (settings == NULL)
    return FALSE;
  srv_settings_free (self->settings);
  self->settings = settings;
  merge_records (self);
  log_records (self);
  publish_properties (self);
  sync_now (self);
  return TRUE;
}

static gboolean
deadline_cb (gpointer user_data)
{
  SrvAnnouncer *self = user_data;

  self->deadline_source = 0;
  self->deadline_passed = TRUE;
  postern_warning (self->context, "stop deadline reached before the withdrawal was confirmed");
  g_cancellable_cancel (self->cancellable);
  return G_SOURCE_REMOVE;
}

/* Withdraw everything before going: the update leaves in this call, so it is
 * on the wire before later plugins (the HTTPS listener) stop. */
static void
srv_announcer_stop (gpointer plugin, PosternContext *context)
{
  SrvAnnouncer *self = plugin;
  gint64 left_ms = (postern_context_get_stop_deadline (context) - g_get_monotonic_time ()) / 1000;

  postern_event_bus_unsubscribe (postern_context_get_event_bus (context), self->event_sub);
  postern_event_bus_unsubscribe (postern_context_get_event_bus (context), self->reload_sub);
  g_signal_handlers_disconnect_by_data (self->skeleton, self);
  if (self->timer != 0) {
    g_source_remove (self->timer);
    self->timer = 0;
  }
  self->stopping = TRUE;
  if (self->settings->server == NULL || self->entries->len == 0) {
    free_announcer (self);
    return;
  }
  postern_context_hold (context);
  self->deadline_source = g_timeout_add ((guint) CLAMP (left_ms, 0, G_MAXINT), deadline_cb, self);
  if (self->busy) {
    /* The round in flight may be adding: cancel it, then withdraw. */
    self->again = TRUE;
    g_cancellable_cancel (self->cancellable);
    g_object_unref (self->cancellable);
    self->cancellable = g_cancellable_new ();
    return;
  }
  sync_now (self);
}

static const gchar *const start_after[] = { "https-proxy", "turn", "stun", NULL };

POSTERN_PLUGIN_DEFINE (
  .name = "srv-announcer",
  .version = "1.0",
  .description = "Publishes and withdraws the proxy's DNS SRV records (RFC 2136 + TSIG)",
  .config_keys = srv_settings_keys,
  .start_after = start_after,
  .start = srv_announcer_start,
  .reload = srv_announcer_reload,
  .stop = srv_announcer_stop,
);
