/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pinban logic with a fake clock: windows, prefixes, escalation,
 * ignore, manual bans and the state file. */
#include <string.h>

#include "pinban-tracker.h"

#define T0 1700000000

typedef struct {
  PinbanSettings settings;
  PinbanTracker *tracker;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->settings = (PinbanSettings) { .maxretry = 5, .findtime = 300, .bantime = 300, .increment = FALSE,
                                   .factor = 2, .bantime_max = 86400, .ipv6_prefix = 64 };
  f->settings.ignore = postern_cidr_list_parse ("127.0.0.0/8;::1/128", NULL);
  g_assert_nonnull (f->settings.ignore);
  f->tracker = pinban_tracker_new (&f->settings);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  pinban_tracker_free (f->tracker);
  postern_cidr_list_unref (f->settings.ignore);
}

static PinbanVerdict
fail (Fixture *f, const gchar *address, gint64 now, PinbanBan **ban)
{
  g_autoptr(GInetAddress) a = g_inet_address_new_from_string (address);
  g_autoptr(PinbanBan) local = NULL;
  PinbanVerdict v;

  g_assert_nonnull (a);
  v = pinban_tracker_record_failure (f->tracker, a, now, ban != NULL ? ban : &local);
  return v;
}

static void
test_window (Fixture *f, gconstpointer data)
{
  g_autoptr(PinbanBan) ban = NULL;
  PinbanCounters c;

  /* Four failures, then the fifth only after the first left the window:
   * still four inside it. */
  for (gint i = 0; i < 4; i++)
    g_assert_cmpint (fail (f, "192.0.2.7", T0 + i * 10, NULL), ==, PINBAN_COUNTED);
  g_assert_cmpint (fail (f, "192.0.2.7", T0 + 300, NULL), ==, PINBAN_COUNTED);
  pinban_tracker_get_counters (f->tracker, T0 + 300, &c);
  g_assert_cmpuint (c.currently_failed, ==, 1);
  g_assert_cmpuint (c.total_failed, ==, 5);
  g_assert_cmpuint (c.currently_banned, ==, 0);
  /* The fifth inside 300 s bans, for bantime, from now. */
  g_assert_cmpint (fail (f, "192.0.2.7", T0 + 301, &ban), ==, PINBAN_BANNED);
  g_assert_cmpstr (ban->source, ==, "192.0.2.7");
  g_assert_cmpint (ban->until, ==, T0 + 301 + 300);
  g_assert_cmpint (fail (f, "192.0.2.7", T0 + 302, NULL), ==, PINBAN_ALREADY_BANNED);
  /* Another address is counted on its own. */
  g_assert_cmpint (fail (f, "192.0.2.8", T0 + 302, NULL), ==, PINBAN_COUNTED);
  pinban_tracker_get_counters (f->tracker, T0 + 302, &c);
  g_assert_cmpuint (c.currently_failed, ==, 1);
  g_assert_cmpuint (c.total_failed, ==, 7);
  g_assert_cmpuint (c.currently_banned, ==, 1);
  g_assert_cmpuint (c.total_banned, ==, 1);
  /* Failures age out of the counters. */
  pinban_tracker_get_counters (f->tracker, T0 + 700, &c);
  g_assert_cmpuint (c.currently_failed, ==, 0);
}

static void
test_expiry (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) early = NULL, lifted = NULL;
  PinbanBan *l;

  for (gint i = 0; i < 5; i++)
    fail (f, "198.51.100.1", T0, NULL);
  g_assert_cmpint (pinban_tracker_next_expiry (f->tracker), ==, T0 + 300);
  early = pinban_tracker_expire (f->tracker, T0 + 299);
  g_assert_cmpuint (early->len, ==, 0);
  lifted = pinban_tracker_expire (f->tracker, T0 + 300);
  g_assert_cmpuint (lifted->len, ==, 1);
  l = g_ptr_array_index (lifted, 0);
  g_assert_cmpstr (l->source, ==, "198.51.100.1");
  g_assert_cmpstr (l->reason, ==, "expired");
  g_assert_cmpint (pinban_tracker_next_expiry (f->tracker), ==, G_MAXINT64);
  /* A fresh window after the ban: four more do not ban again. */
  for (gint i = 0; i < 4; i++)
    g_assert_cmpint (fail (f, "198.51.100.1", T0 + 301, NULL), ==, PINBAN_COUNTED);
}

static void
test_ipv6_prefix (Fixture *f, gconstpointer data)
{
  g_autoptr(PinbanBan) ban = NULL;

  /* Five addresses of one /64 are one source. */
  fail (f, "2001:db8:1:2::1", T0, NULL);
  fail (f, "2001:db8:1:2::2", T0, NULL);
  fail (f, "2001:db8:1:2:aaaa::3", T0, NULL);
  g_assert_cmpint (fail (f, "2001:db8:1:3::1", T0, NULL), ==, PINBAN_COUNTED);
  fail (f, "2001:db8:1:2:ffff:ffff:ffff:ffff", T0, NULL);
  g_assert_cmpint (fail (f, "2001:db8:1:2::5", T0, &ban), ==, PINBAN_BANNED);
  g_assert_cmpstr (ban->source, ==, "2001:db8:1:2::/64");
  g_assert_cmpint (fail (f, "2001:db8:1:2::99", T0, NULL), ==, PINBAN_ALREADY_BANNED);
  g_assert_cmpint (fail (f, "2001:db8:1:3::1", T0, NULL), ==, PINBAN_COUNTED);
}

static void
test_ipv6_prefix_setting (Fixture *f, gconstpointer data)
{
  g_autoptr(PinbanBan) ban = NULL;

  f->settings.ipv6_prefix = 128;
  f->settings.maxretry = 2;
  pinban_tracker_set_settings (f->tracker, &f->settings);
  fail (f, "2001:db8::1", T0, NULL);
  g_assert_cmpint (fail (f, "2001:db8::2", T0, NULL), ==, PINBAN_COUNTED);
  g_assert_cmpint (fail (f, "2001:db8::1", T0, &ban), ==, PINBAN_BANNED);
  g_assert_cmpstr (ban->source, ==, "2001:db8::1");
}

static void
test_ipv6_near_mapped (Fixture *f, gconstpointer data)
{
  g_autoptr(PinbanBan) ban = NULL;

  /* ::/64 would hold ::ffff:0:0/96, that is every IPv4 client. */
  postern_cidr_list_unref (f->settings.ignore);
  f->settings.ignore = NULL;
  pinban_tracker_set_settings (f->tracker, &f->settings);
  for (gint i = 0; i < 4; i++)
    fail (f, "::1", T0, NULL);
  g_assert_cmpint (fail (f, "::2", T0, NULL), ==, PINBAN_COUNTED);
  g_assert_cmpint (fail (f, "::1", T0, &ban), ==, PINBAN_BANNED);
  g_assert_cmpstr (ban->source, ==, "::1");
  g_assert_cmpint (fail (f, "192.0.2.1", T0, NULL), ==, PINBAN_COUNTED);
  g_assert_cmpint (fail (f, "127.0.0.1", T0, NULL), ==, PINBAN_COUNTED);
}

static void
test_mapped_ipv4 (Fixture *f, gconstpointer data)
{
  g_autoptr(PinbanBan) ban = NULL;

  /* A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d. */
  for (gint i = 0; i < 4; i++)
    fail (f, "::ffff:192.0.2.9", T0, NULL);
  g_assert_cmpint (fail (f, "192.0.2.9", T0, &ban), ==, PINBAN_BANNED);
  g_assert_cmpstr (ban->source, ==, "192.0.2.9");
  g_assert_cmpint (fail (f, "::ffff:127.0.0.1", T0, NULL), ==, PINBAN_IGNORED);
}

static void
test_ignore (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PinbanBan) manual = NULL;
  PinbanCounters c;

  for (gint i = 0; i < 50; i++) {
    g_assert_cmpint (fail (f, "127.0.0.1", T0, NULL), ==, PINBAN_IGNORED);
    g_assert_cmpint (fail (f, "::1", T0, NULL), ==, PINBAN_IGNORED);
  }
  pinban_tracker_get_counters (f->tracker, T0, &c);
  g_assert_cmpuint (c.total_failed, ==, 0);
  g_assert_cmpuint (c.currently_banned, ==, 0);
  /* Nor by hand, nor by a network that holds an ignored address. */
  manual = pinban_tracker_ban (f->tracker, "127.0.0.5", 0, T0, &error);
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_REFUSED);
  g_assert_null (manual);
  g_clear_error (&error);
  manual = pinban_tracker_ban (f->tracker, "0.0.0.0/0", 0, T0, &error);
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_REFUSED);
  g_assert_null (manual);
}

static void
test_ignore_grows (Fixture *f, gconstpointer data)
{
  g_autoptr(PinbanBan) a = pinban_tracker_ban (f->tracker, "192.0.2.10", 0, T0, NULL);
  g_autoptr(PinbanBan) b = pinban_tracker_ban (f->tracker, "198.51.100.0/24", 0, T0, NULL);
  g_autoptr(PinbanBan) c = pinban_tracker_ban (f->tracker, "203.0.113.1", 0, T0, NULL);
  g_autoptr(GPtrArray) lifted = NULL, bans = NULL;

  g_assert_true (a != NULL && b != NULL && c != NULL);
  postern_cidr_list_unref (f->settings.ignore);
  f->settings.ignore = postern_cidr_list_parse ("192.0.2.0/24;198.51.100.7", NULL);
  pinban_tracker_set_settings (f->tracker, &f->settings);
  lifted = pinban_tracker_lift_ignored (f->tracker);
  g_assert_cmpuint (lifted->len, ==, 2);
  g_assert_cmpstr (((PinbanBan *) g_ptr_array_index (lifted, 0))->reason, ==, "ignored");
  bans = pinban_tracker_list_bans (f->tracker);
  g_assert_cmpuint (bans->len, ==, 1);
  g_assert_cmpstr (((PinbanBan *) g_ptr_array_index (bans, 0))->source, ==, "203.0.113.1");
}

static void
test_escalation (Fixture *f, gconstpointer data)
{
  const gint64 expected[] = { 300, 600, 1200, 2400, 3000, 3000 };
  gint64 now = T0;

  f->settings.increment = TRUE;
  f->settings.bantime_max = 3000;
  pinban_tracker_set_settings (f->tracker, &f->settings);
  for (guint round = 0; round < G_N_ELEMENTS (expected); round++) {
    g_autoptr(PinbanBan) ban = NULL;
    g_autoptr(GPtrArray) lifted = NULL;
    for (gint i = 0; i < 4; i++)
      g_assert_cmpint (fail (f, "203.0.113.5", now, NULL), ==, PINBAN_COUNTED);
    g_assert_cmpint (fail (f, "203.0.113.5", now, &ban), ==, PINBAN_BANNED);
    g_assert_cmpint (ban->until - now, ==, expected[round]);
    now = ban->until;
    lifted = pinban_tracker_expire (f->tracker, now);
    g_assert_cmpuint (lifted->len, ==, 1);
  }
}

static void
test_escalation_forgets (Fixture *f, gconstpointer data)
{
  g_autoptr(PinbanBan) first = NULL, second = NULL;
  g_autoptr(GPtrArray) lifted = NULL, lifted2 = NULL;

  f->settings.increment = TRUE;
  f->settings.bantime_max = 3000;
  pinban_tracker_set_settings (f->tracker, &f->settings);
  for (gint i = 0; i < 5; i++)
    fail (f, "203.0.113.6", T0, i == 4 ? &first : NULL);
  g_assert_nonnull (first);
  lifted = pinban_tracker_expire (f->tracker, first->until);
  /* bantime-max after the ban ended the offence is forgotten. */
  lifted2 = pinban_tracker_expire (f->tracker, first->until + 3000);
  for (gint i = 0; i < 5; i++)
    fail (f, "203.0.113.6", first->until + 3000, i == 4 ? &second : NULL);
  g_assert_nonnull (second);
  g_assert_cmpint (second->until - (first->until + 3000), ==, 300);
}

static void
test_without_escalation (Fixture *f, gconstpointer data)
{
  gint64 now = T0;

  for (gint round = 0; round < 3; round++) {
    g_autoptr(PinbanBan) ban = NULL;
    g_autoptr(GPtrArray) lifted = NULL;
    for (gint i = 0; i < 5; i++)
      fail (f, "203.0.113.7", now, i == 4 ? &ban : NULL);
    g_assert_cmpint (ban->until - now, ==, 300);
    now = ban->until;
    lifted = pinban_tracker_expire (f->tracker, now);
  }
}

static void
test_manual (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PinbanBan) a = NULL, b = NULL, gone = NULL, none = NULL, bad = NULL, net_gone = NULL;
  g_autoptr(GPtrArray) list = NULL, all = NULL;

  a = pinban_tracker_ban (f->tracker, "192.0.2.50", 60, T0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (a->until, ==, T0 + 60);
  g_assert_cmpstr (a->reason, ==, "manual");
  b = pinban_tracker_ban (f->tracker, "2001:db8:5::/48", 0, T0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (b->until, ==, T0 + 300);
  /* An address inside a banned network is already banned. */
  g_assert_cmpint (fail (f, "2001:db8:5:1::1", T0, NULL), ==, PINBAN_ALREADY_BANNED);
  list = pinban_tracker_list_bans (f->tracker);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpstr (((PinbanBan *) g_ptr_array_index (list, 0))->source, ==, "192.0.2.50");
  g_assert_cmpstr (((PinbanBan *) g_ptr_array_index (list, 1))->source, ==, "2001:db8:5::/48");

  bad = pinban_tracker_ban (f->tracker, "192.0.2.1/24", 0, T0, &error);
  g_assert_nonnull (error);
  g_assert_null (bad);
  g_clear_error (&error);
  bad = pinban_tracker_ban (f->tracker, "not an address", 0, T0, &error);
  g_assert_nonnull (error);
  g_clear_error (&error);
  bad = pinban_tracker_ban (f->tracker, "192.0.2.60", -1, T0, &error);
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  gone = pinban_tracker_unban (f->tracker, "192.0.2.50", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gone->source, ==, "192.0.2.50");
  g_assert_cmpstr (gone->reason, ==, "unban");
  none = pinban_tracker_unban (f->tracker, "192.0.2.50", &error);
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* An address finds the network that holds it. */
  net_gone = pinban_tracker_unban (f->tracker, "2001:db8:5:7::9", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (net_gone->source, ==, "2001:db8:5::/48");

  pinban_ban_free (pinban_tracker_ban (f->tracker, "192.0.2.51", 60, T0, NULL));
  pinban_ban_free (pinban_tracker_ban (f->tracker, "192.0.2.52", 60, T0, NULL));
  all = pinban_tracker_unban_all (f->tracker);
  g_assert_cmpuint (all->len, ==, 2);
  g_assert_cmpint (pinban_tracker_next_expiry (f->tracker), ==, G_MAXINT64);
}

static void
test_unban_forgives (Fixture *f, gconstpointer data)
{
  g_autoptr(PinbanBan) ban = NULL, gone = NULL, again = NULL;

  f->settings.increment = TRUE;
  pinban_tracker_set_settings (f->tracker, &f->settings);
  for (gint i = 0; i < 5; i++)
    fail (f, "192.0.2.70", T0, i == 4 ? &ban : NULL);
  gone = pinban_tracker_unban (f->tracker, "192.0.2.70", NULL);
  g_assert_nonnull (gone);
  for (gint i = 0; i < 4; i++)
    g_assert_cmpint (fail (f, "192.0.2.70", T0 + 1, NULL), ==, PINBAN_COUNTED);
  g_assert_cmpint (fail (f, "192.0.2.70", T0 + 1, &again), ==, PINBAN_BANNED);
  g_assert_cmpint (again->until, ==, T0 + 1 + 300);
}

static void
test_state_round_trip (Fixture *f, gconstpointer data)
{
  g_autofree gchar *saved = NULL;
  g_autoptr(PinbanTracker) restored = NULL;
  g_autoptr(GPtrArray) active = NULL, lifted = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PinbanBan) ban = NULL, escalated = NULL, manual = NULL;
  PinbanBan *r;

  f->settings.increment = TRUE;
  pinban_tracker_set_settings (f->tracker, &f->settings);
  for (gint i = 0; i < 5; i++)
    fail (f, "2001:db8:9::1", T0, i == 4 ? &ban : NULL);
  manual = pinban_tracker_ban (f->tracker, "192.0.2.80", 1000, T0, NULL);
  /* A source whose ban ended still carries its offence. */
  for (gint i = 0; i < 5; i++)
    fail (f, "192.0.2.81", T0 - 400, NULL);
  lifted = pinban_tracker_expire (f->tracker, T0);
  g_assert_cmpuint (lifted->len, ==, 1);
  saved = pinban_tracker_save (f->tracker);

  restored = pinban_tracker_new (&f->settings);
  active = pinban_tracker_restore (restored, saved, strlen (saved), T0 + 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (active->len, ==, 2);
  for (guint i = 0; i < active->len; i++) {
    r = g_ptr_array_index (active, i);
    if (g_str_equal (r->source, "192.0.2.80"))
      g_assert_cmpint (r->until, ==, T0 + 1000);
    else {
      g_assert_cmpstr (r->source, ==, "2001:db8:9::/64");
      g_assert_cmpint (r->until, ==, T0 + 300);
    }
  }
  {
    g_autoptr(GInetAddress) a = g_inet_address_new_from_string ("192.0.2.81");
    for (gint i = 0; i < 4; i++) {
      g_autoptr(PinbanBan) none = NULL;
      g_assert_cmpint (pinban_tracker_record_failure (restored, a, T0 + 100, &none), ==, PINBAN_COUNTED);
    }
    /* Second offence after the restart: doubled. */
    g_assert_cmpint (pinban_tracker_record_failure (restored, a, T0 + 100, &escalated), ==, PINBAN_BANNED);
    g_assert_cmpint (escalated->until, ==, T0 + 100 + 600);
  }
}

static void
test_state_expired_while_down (Fixture *f, gconstpointer data)
{
  g_autofree gchar *saved = NULL;
  g_autoptr(PinbanTracker) restored = NULL;
  g_autoptr(GPtrArray) active = NULL;

  pinban_ban_free (pinban_tracker_ban (f->tracker, "192.0.2.90", 60, T0, NULL));
  saved = pinban_tracker_save (f->tracker);
  restored = pinban_tracker_new (&f->settings);
  active = pinban_tracker_restore (restored, saved, strlen (saved), T0 + 60, NULL);
  g_assert_cmpuint (active->len, ==, 0);
  g_assert_cmpint (pinban_tracker_next_expiry (restored), ==, G_MAXINT64);
}

static void
test_state_hostile (Fixture *f, gconstpointer data)
{
  static const gchar *const bad[] = {
    "",
    "[pinban]\nversion=2\n",
    "garbage \x01\x02",
  };
  const gchar damaged[] = "[pinban]\nversion=1\n"
                          "[source 192.0.2.1/24]\nuntil=1700000100\noffences=1\nlast-ban-end=0\n"
                          "[source 192.0.2.2]\nuntil=-5\noffences=1\nlast-ban-end=0\n"
                          "[source 192.0.2.3]\nuntil=99999999999999\noffences=1\nlast-ban-end=0\n"
                          "[source 192.0.2.4]\nuntil=1700000100\noffences=9999\nlast-ban-end=0\n"
                          "[source 192.0.2.5]\nuntil=abc\noffences=1\nlast-ban-end=0\n"
                          "[source 127.0.0.1]\nuntil=1700000100\noffences=1\nlast-ban-end=0\n"
                          "[source 192.0.2.6]\nuntil=1700000100\noffences=1\nlast-ban-end=0\n";
  g_autoptr(GPtrArray) active = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) none = pinban_tracker_restore (f->tracker, bad[i], strlen (bad[i]), T0, &error);
    g_assert_null (none);
    g_assert_nonnull (error);
  }
  /* Only the one sound, non-ignored entry survives. */
  active = pinban_tracker_restore (f->tracker, damaged, strlen (damaged), T0, NULL);
  g_assert_nonnull (active);
  g_assert_cmpuint (active->len, ==, 1);
  g_assert_cmpstr (((PinbanBan *) g_ptr_array_index (active, 0))->source, ==, "192.0.2.6");
}

static void
test_settings_shrink (Fixture *f, gconstpointer data)
{
  g_autoptr(PinbanBan) ban = NULL;

  for (gint i = 0; i < 4; i++)
    fail (f, "192.0.2.100", T0, NULL);
  f->settings.maxretry = 3;
  pinban_tracker_set_settings (f->tracker, &f->settings);
  g_assert_cmpint (fail (f, "192.0.2.100", T0, &ban), ==, PINBAN_BANNED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/pinban/window", test_window);
  ADD ("/pinban/expiry", test_expiry);
  ADD ("/pinban/ipv6-prefix", test_ipv6_prefix);
  ADD ("/pinban/ipv6-prefix-setting", test_ipv6_prefix_setting);
  ADD ("/pinban/mapped-ipv4", test_mapped_ipv4);
  ADD ("/pinban/ipv6-near-mapped", test_ipv6_near_mapped);
  ADD ("/pinban/ignore", test_ignore);
  ADD ("/pinban/ignore-grows", test_ignore_grows);
  ADD ("/pinban/escalation", test_escalation);
  ADD ("/pinban/escalation-forgets", test_escalation_forgets);
  ADD ("/pinban/without-escalation", test_without_escalation);
  ADD ("/pinban/manual", test_manual);
  ADD ("/pinban/unban-forgives", test_unban_forgives);
  ADD ("/pinban/state-round-trip", test_state_round_trip);
  ADD ("/pinban/state-expired-while-down", test_state_expired_while_down);
  ADD ("/pinban/state-hostile", test_state_hostile);
  ADD ("/pinban/settings-shrink", test_settings_shrink);
#undef ADD
  return g_test_run ();
}
