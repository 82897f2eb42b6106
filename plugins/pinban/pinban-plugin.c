/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pinban: bans sources that keep sending wrong conference PINs, in place of
 * fail2ban watching the access log.
 *
 * Keys of the [pinban] group (see conf.d/50-pinban.conf):
 *
 *   findtime=300             window in which failures are counted (s)
 *   maxretry=5               failures in the window that ban
 *   bantime=300              length of a ban (s)
 *   bantime-increment=false  repeat offenders get longer bans
 *   bantime-factor=2         each repeat multiplies the last length by this
 *   bantime-max=86400        cap on escalated bans; offences are forgotten
 *                            this long after the last ban ended
 *   ipv6-prefix=64           IPv6 sources are counted and banned per prefix
 *   ignore=127.0.0.0/8;::1/128  addresses and networks never banned
 *
 * Only pin.failed events count, so a correct PIN never does. A ban is
 * published as ban.added before the event that caused it is done (the HTTPS
 * front refuses the source at accept), ban.lifted when it ends. Bans and
 * offences live in STATE_DIR/pinban/bans, rewritten atomically on each
 * change and announced again at start with their remaining time.
 */
#include <postern.h>

#include "pinban-dbus.h"
#include "pinban-tracker.h"

#define HOUSEKEEPING_SECONDS 60

typedef struct {
  PosternContext *context;
  PosternEventBus *bus;
  PinbanTracker *tracker;
  PinbanDbusPinban *skeleton;
  gchar *state_path;
  guint subscription;
  guint timer_id;
} Pinban;

static const PosternConfigKey pinban_keys[] = {
  { "findtime", POSTERN_CONFIG_TYPE_DURATION, "300", "Window in which failed PINs are counted (seconds)",
    1, 30 * 86400 },
  { "maxretry", POSTERN_CONFIG_TYPE_INTEGER, "5", "Failed PINs inside findtime that ban the source", 1, 1000 },
  { "bantime", POSTERN_CONFIG_TYPE_DURATION, "300", "Length of a ban (seconds)", 1, 365 * 86400 },
  { "bantime-increment", POSTERN_CONFIG_TYPE_BOOLEAN, "false", "Longer bans for repeat offenders" },
  { "bantime-factor", POSTERN_CONFIG_TYPE_INTEGER, "2", "Each repeat ban is this many times the last", 1, 1000 },
  { "bantime-max", POSTERN_CONFIG_TYPE_DURATION, "86400",
    "Longest escalated ban; offences are forgotten this long after the last ban ended", 1, 365 * 86400 },
  { "ipv6-prefix", POSTERN_CONFIG_TYPE_INTEGER, "64", "IPv6 sources are counted and banned per prefix of this length",
    16, 128 },
  { "ignore", POSTERN_CONFIG_TYPE_STRING, "127.0.0.0/8;::1/128", "Addresses and CIDRs never banned, `;`-separated",
    .validate = postern_cidr_list_validate },
  { NULL }
};

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static void
read_settings (PosternConfig *config, PinbanSettings *s)
{
  s->findtime = postern_config_get_integer (config, "findtime");
  s->maxretry = (guint) postern_config_get_integer (config, "maxretry");
  s->bantime = postern_config_get_integer (config, "bantime");
  s->increment = postern_config_get_boolean (config, "bantime-increment");
  s->factor = (guint) postern_config_get_integer (config, "bantime-factor");
  s->bantime_max = postern_config_get_integer (config, "bantime-max");
  s->ipv6_prefix = (guint) postern_config_get_integer (config, "ipv6-prefix");
  /* Validated by the daemon before the plugin sees it. */
  s->ignore = postern_cidr_list_parse (postern_config_get_string (config, "ignore"), NULL);
}

static void
apply_settings (Pinban *self, PosternConfig *config)
{
  PinbanSettings s;

  read_settings (config, &s);
  if (self->tracker == NULL)
    self->tracker = pinban_tracker_new (&s);
  else
    pinban_tracker_set_settings (self->tracker, &s);
  g_clear_pointer (&s.ignore, postern_cidr_list_unref);
}

static void
refresh_properties (Pinban *self)
{
  PinbanCounters c;
  g_autoptr(GPtrArray) bans = pinban_tracker_list_bans (self->tracker);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();

  pinban_tracker_get_counters (self->tracker, now_seconds (), &c);
  if (pinban_dbus_pinban_get_currently_failed (self->skeleton) != c.currently_failed)
    pinban_dbus_pinban_set_currently_failed (self->skeleton, c.currently_failed);
  if (pinban_dbus_pinban_get_total_failed (self->skeleton) != c.total_failed)
    pinban_dbus_pinban_set_total_failed (self->skeleton, c.total_failed);
  if (pinban_dbus_pinban_get_currently_banned (self->skeleton) != c.currently_banned)
    pinban_dbus_pinban_set_currently_banned (self->skeleton, c.currently_banned);
  if (pinban_dbus_pinban_get_total_banned (self->skeleton) != c.total_banned)
    pinban_dbus_pinban_set_total_banned (self->skeleton, c.total_banned);
  for (guint i = 0; i < bans->len; i++)
    g_ptr_array_add (names, ((PinbanBan *) g_ptr_array_index (bans, i))->source);
  g_ptr_array_add (names, NULL);
  pinban_dbus_pinban_set_banned_list (self->skeleton, (const gchar *const *) names->pdata);
}

static void
save_state (Pinban *self)
{
  g_autofree gchar *data = pinban_tracker_save (self->tracker);
  g_autoptr(GError) error = NULL;

  if (!g_file_set_contents_full (self->state_path, data, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0600, &error))
    postern_warning (self->context, "cannot save bans: %s", error->message);
}

static void
announce_ban (Pinban *self, const PinbanBan *ban)
{
  g_autoptr(GDateTime) until = g_date_time_new_from_unix_utc (ban->until);
  g_autofree gchar *when = until != NULL ? g_date_time_format_iso8601 (until) : g_strdup ("?");

  postern_message (self->context, "banned %s until %s: %s", ban->source, when, ban->reason);
  postern_event_bus_publish (self->bus, POSTERN_EVENT_BAN_ADDED,
                             g_variant_new ("(sxs)", ban->source, ban->until, ban->reason));
}

static void
announce_lift (Pinban *self, const PinbanBan *ban)
{
  postern_message (self->context, "lifted the ban of %s (%s)", ban->source, ban->reason);
  postern_event_bus_publish (self->bus, POSTERN_EVENT_BAN_LIFTED, g_variant_new ("(ss)", ban->source, ban->reason));
}

static void schedule (Pinban *self);

static gboolean
on_timer (gpointer user_data)
{
  Pinban *self = user_data;
  g_autoptr(GPtrArray) lifted = pinban_tracker_expire (self->tracker, now_seconds ());

  self->timer_id = 0;
  for (guint i = 0; i < lifted->len; i++)
    announce_lift (self, g_ptr_array_index (lifted, i));
  if (lifted->len > 0)
    save_state (self);
  refresh_properties (self);
  schedule (self);
  return G_SOURCE_REMOVE;
}

/* Wakes at the next ban's end, and at least every minute to let stale
 * failure windows go. */
static void
schedule (Pinban *self)
{
  gint64 next = pinban_tracker_next_expiry (self->tracker);
  gint64 delay = next == G_MAXINT64 ? HOUSEKEEPING_SECONDS : CLAMP (next - now_seconds (), 1, HOUSEKEEPING_SECONDS);

  g_clear_handle_id (&self->timer_id, g_source_remove);
  self->timer_id = g_timeout_add_seconds ((guint) delay, on_timer, self);
}

/* The changes every ban and unban share, once the events are queued. */
static void
bans_changed (Pinban *self)
{
  save_state (self);
  refresh_properties (self);
  schedule (self);
}

static void
on_pin_failed (PosternEventBus *bus, const gchar *name, GVariant *payload, gpointer user_data)
{
  Pinban *self = user_data;
  const gchar *client, *alias, *path, *reason;
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(PinbanBan) ban = NULL;

  g_variant_get (payload, "(&s&s&s&s)", &client, &alias, &path, &reason);
  address = g_inet_address_new_from_string (client);
  if (address == NULL) {
    postern_warning (self->context, "pin.failed with an unparsable client address; ignored");
    return;
  }
  switch (pinban_tracker_record_failure (self->tracker, address, now_seconds (), &ban)) {
  case PINBAN_IGNORED:
    postern_debug (self->context, "failed PIN from %s (in ignore=, not counted)", client);
    return;
  case PINBAN_ALREADY_BANNED:
    return;
  case PINBAN_COUNTED:
    postern_info (self->context, "failed PIN from %s", client);
    refresh_properties (self);
    return;
  case PINBAN_BANNED:
    /* Queued behind this event: the front has it before the next one. */
    announce_ban (self, ban);
    bans_changed (self);
    return;
  }
}

static gboolean
handle_get_status (PinbanDbusPinban *skeleton, GDBusMethodInvocation *invocation, gpointer user_data)
{
  Pinban *self = user_data;
  PinbanCounters c;
  g_autoptr(GPtrArray) bans = pinban_tracker_list_bans (self->tracker);
  g_autoptr(GVariantBuilder) list = g_variant_builder_new (G_VARIANT_TYPE ("a(sxs)"));
  g_autoptr(GVariantBuilder) status = g_variant_builder_new (G_VARIANT_TYPE ("a{sv}"));

  pinban_tracker_get_counters (self->tracker, now_seconds (), &c);
  for (guint i = 0; i < bans->len; i++) {
    PinbanBan *b = g_ptr_array_index (bans, i);
    g_variant_builder_add (list, "(sxs)", b->source, b->until, b->reason);
  }
  g_variant_builder_add (status, "{sv}", "currently-failed", g_variant_new_uint32 (c.currently_failed));
  g_variant_builder_add (status, "{sv}", "total-failed", g_variant_new_uint64 (c.total_failed));
  g_variant_builder_add (status, "{sv}", "currently-banned", g_variant_new_uint32 (c.currently_banned));
  g_variant_builder_add (status, "{sv}", "total-banned", g_variant_new_uint64 (c.total_banned));
  g_variant_builder_add (status, "{sv}", "banned", g_variant_builder_end (list));
  pinban_dbus_pinban_complete_get_status (skeleton, invocation, g_variant_builder_end (status));
  refresh_properties (self);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_ban (PinbanDbusPinban *skeleton, GDBusMethodInvocation *invocation, const gchar *source, gint64 seconds,
            gpointer user_data)
{
  Pinban *self = user_data;
  GError *error = NULL;
  g_autoptr(PinbanBan) ban = pinban_tracker_ban (self->tracker, source, seconds, now_seconds (), &error);

  if (ban == NULL) {
    g_dbus_method_invocation_take_error (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  announce_ban (self, ban);
  /* In force when the caller gets the answer. */
  postern_event_bus_flush (self->bus);
  bans_changed (self);
  pinban_dbus_pinban_complete_ban (skeleton, invocation, ban->until);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_unban (PinbanDbusPinban *skeleton, GDBusMethodInvocation *invocation, const gchar *source, gpointer user_data)
{
  Pinban *self = user_data;
  GError *error = NULL;
  g_autoptr(PinbanBan) ban = pinban_tracker_unban (self->tracker, source, &error);

  if (ban == NULL) {
    g_dbus_method_invocation_take_error (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  announce_lift (self, ban);
  postern_event_bus_flush (self->bus);
  bans_changed (self);
  pinban_dbus_pinban_complete_unban (skeleton, invocation, ban->source);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_unban_all (PinbanDbusPinban *skeleton, GDBusMethodInvocation *invocation, gpointer user_data)
{
  Pinban *self = user_data;
  g_autoptr(GPtrArray) lifted = pinban_tracker_unban_all (self->tracker);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();

  for (guint i = 0; i < lifted->len; i++) {
    PinbanBan *b = g_ptr_array_index (lifted, i);
    announce_lift (self, b);
    g_ptr_array_add (names, b->source);
  }
  g_ptr_array_add (names, NULL);
  postern_event_bus_flush (self->bus);
  bans_changed (self);
  pinban_dbus_pinban_complete_unban_all (skeleton, invocation, (const gchar *const *) names->pdata);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* A damaged state file costs the old bans, never the start. */
static void
restore_state (Pinban *self)
{
  g_autofree gchar *data = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) active = NULL;
  gsize length;

  if (!g_file_get_contents (self->state_path, &data, &length, &error)) {
    if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      postern_warning (self->context, "cannot read saved bans: %s", error->message);
    return;
  }
  active = pinban_tracker_restore (self->tracker, data, length, now_seconds (), &error);
  if (active == NULL) {
    postern_warning (self->context, "ignoring saved bans in %s: %s", self->state_path, error->message);
    return;
  }
  for (guint i = 0; i < active->len; i++)
    announce_ban (self, g_ptr_array_index (active, i));
  postern_info (self->context, "restored %u ban(s)", active->len);
}

static void
pinban_free (Pinban *self)
{
  g_clear_handle_id (&self->timer_id, g_source_remove);
  if (self->subscription != 0)
    postern_event_bus_unsubscribe (self->bus, self->subscription);
  g_clear_pointer (&self->tracker, pinban_tracker_free);
  g_clear_object (&self->skeleton);
  g_free (self->state_path);
  g_free (self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Pinban, pinban_free)

static gpointer
pinban_start (PosternContext *context, GError **error)
{
  g_autoptr(Pinban) self = g_new0 (Pinban, 1);
  const gchar *dir = postern_context_get_state_dir (context, error);

  if (dir == NULL)
    return NULL;
  self->context = context;
  self->bus = postern_context_get_event_bus (context);
  self->state_path = g_build_filename (dir, "bans", NULL);
  apply_settings (self, postern_context_get_config (context));
  restore_state (self);
  self->subscription = postern_event_bus_subscribe (self->bus, POSTERN_EVENT_PIN_FAILED, on_pin_failed, self, NULL);
  self->skeleton = pinban_dbus_pinban_skeleton_new ();
  g_signal_connect (self->skeleton, "handle-get-status", G_CALLBACK (handle_get_status), self);
  g_signal_connect (self->skeleton, "handle-ban", G_CALLBACK (handle_ban), self);
  g_signal_connect (self->skeleton, "handle-unban", G_CALLBACK (handle_unban), self);
  g_signal_connect (self->skeleton, "handle-unban-all", G_CALLBACK (handle_unban_all), self);
  refresh_properties (self);
  if (!postern_context_export_interface (context, G_DBUS_INTERFACE_SKELETON (self->skeleton), error))
    return NULL;
  schedule (self);
  return g_steal_pointer (&self);
}

static gboolean
pinban_reload (gpointer plugin, PosternContext *context, PosternConfig *new_config, GError **error)
{
  Pinban *self = plugin;
  g_autoptr(GPtrArray) lifted = NULL;

  apply_settings (self, new_config);
  lifted = pinban_tracker_lift_ignored (self->tracker);
  for (guint i = 0; i < lifted->len; i++)
    announce_lift (self, g_ptr_array_index (lifted, i));
  /* Lifted when the reload is answered. */
  postern_event_bus_flush (self->bus);
  bans_changed (self);
  return TRUE;
}

static void
pinban_stop (gpointer plugin, PosternContext *context)
{
  Pinban *self = plugin;

  save_state (self);
  pinban_free (self);
}

POSTERN_PLUGIN_DEFINE (
  .name = "pinban",
  .version = "1.0",
  .description = "Bans sources that send wrong conference PINs",
  .config_keys = pinban_keys,
  .start = pinban_start,
  .reload = pinban_reload,
  .stop = pinban_stop,
);
