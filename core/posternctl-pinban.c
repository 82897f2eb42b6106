/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* posternctl pinban status | unban ADDRESS | unban --all | ban ADDRESS [SECONDS]:
 * a client of org.postern.Postern1.Pinban. `status` keeps the layout of
 * `fail2ban-client status JAIL`, so operators and their scripts find the
 * same lines. */
#include "config.h"

#include "postern.h"
#include "posternctl.h"

#define PINBAN_PATH POSTERN_DBUS_PATH "/pinban"
#define PINBAN_IFACE POSTERN_DBUS_NAME ".Pinban"
#define PINBAN_USAGE "usage: posternctl pinban status | unban ADDRESS | unban --all | ban ADDRESS [SECONDS]\n"

static GVariant *
call (Ctl *ctl, const gchar *method, GVariant *args, const gchar *reply_type, GError **error)
{
  return g_dbus_connection_call_sync (ctl->connection, POSTERN_DBUS_NAME, PINBAN_PATH, PINBAN_IFACE, method, args,
                                      G_VARIANT_TYPE (reply_type), G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
}

static int
fail (const gchar *what, GError *error)
{
  g_autofree gchar *remote = g_dbus_error_get_remote_error (error);

  g_dbus_error_strip_remote_error (error);
  if (g_strcmp0 (remote, "org.freedesktop.DBus.Error.UnknownMethod") == 0 ||
      g_strcmp0 (remote, "org.freedesktop.DBus.Error.UnknownObject") == 0 ||
      g_strcmp0 (remote, "org.freedesktop.DBus.Error.UnknownInterface") == 0)
    g_printerr ("posternctl: pinban %s: the pinban plugin is not running (is it enabled?)\n", what);
  else
    g_printerr ("posternctl: pinban %s: %s\n", what, error->message);
  return 1;
}

static int
status (Ctl *ctl)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (ctl, "GetStatus", NULL, "(a{sv})", &error);
  g_autoptr(GVariant) dict = NULL, banned = NULL;
  g_autoptr(GString) list = g_string_new (NULL);
  guint32 currently_failed = 0, currently_banned = 0;
  guint64 total_failed = 0, total_banned = 0;
  GVariantIter iter;
  const gchar *source;

  if (reply == NULL)
    return fail ("status", error);
  dict = g_variant_get_child_value (reply, 0);
  g_variant_lookup (dict, "currently-failed", "u", &currently_failed);
  g_variant_lookup (dict, "total-failed", "t", &total_failed);
  g_variant_lookup (dict, "currently-banned", "u", &currently_banned);
  g_variant_lookup (dict, "total-banned", "t", &total_banned);
  banned = g_variant_lookup_value (dict, "banned", G_VARIANT_TYPE ("a(sxs)"));
  if (banned != NULL) {
    g_variant_iter_init (&iter, banned);
    while (g_variant_iter_next (&iter, "(&sx&s)", &source, NULL, NULL))
      g_string_append_printf (list, "%s%s", list->len > 0 ? " " : "", source);
  }
  g_print ("Status for the jail: pinban\n"
           "|- Filter\n"
           "|  |- Currently failed:\t%u\n"
           "|  |- Total failed:\t%" G_GUINT64_FORMAT "\n"
           "|  `- Event:\tpin.failed\n"
           "`- Actions\n"
           "   |- Currently banned:\t%u\n"
           "   |- Total banned:\t%" G_GUINT64_FORMAT "\n"
           "   `- Banned IP list:\t%s\n",
           currently_failed, total_failed, currently_banned, total_banned, list->str);
  return 0;
}

static int
ban (Ctl *ctl, const gchar *source, const gchar *seconds_text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GDateTime) until = NULL;
  g_autofree gchar *when = NULL;
  gint64 seconds = 0, until_s;

  if (seconds_text != NULL &&
      !g_ascii_string_to_signed (seconds_text, 10, 0, G_MAXINT64, &seconds, &error)) {
    g_printerr ("posternctl: pinban ban: SECONDS: %s\n", error->message);
    return 2;
  }
  reply = call (ctl, "Ban", g_variant_new ("(sx)", source, seconds), "(x)", &error);
  if (reply == NULL)
    return fail ("ban", error);
  g_variant_get (reply, "(x)", &until_s);
  until = g_date_time_new_from_unix_local (until_s);
  when = until != NULL ? g_date_time_format (until, "%F %T %z") : g_strdup ("?");
  g_print ("banned %s until %s\n", source, when);
  return 0;
}

static int
unban (Ctl *ctl, const gchar *source)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (ctl, "Unban", g_variant_new ("(s)", source), "(s)", &error);
  const gchar *lifted;

  if (reply == NULL)
    return fail ("unban", error);
  g_variant_get (reply, "(&s)", &lifted);
  g_print ("unbanned %s\n", lifted);
  return 0;
}

static int
unban_all (Ctl *ctl)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (ctl, "UnbanAll", NULL, "(as)", &error);
  g_autofree const gchar **lifted = NULL;

  if (reply == NULL)
    return fail ("unban --all", error);
  g_variant_get (reply, "(^a&s)", &lifted);
  g_print ("unbanned %u\n", g_strv_length ((gchar **) lifted));
  for (guint i = 0; lifted[i] != NULL; i++)
    g_print ("  %s\n", lifted[i]);
  return 0;
}

int
postern_ctl_pinban (Ctl *ctl, int argc, char **argv)
{
  if (argc == 2 && g_str_equal (argv[1], "status"))
    return status (ctl);
  if (argc == 3 && g_str_equal (argv[1], "unban"))
    return g_str_equal (argv[2], "--all") ? unban_all (ctl) : unban (ctl, argv[2]);
  if ((argc == 3 || argc == 4) && g_str_equal (argv[1], "ban"))
    return ban (ctl, argv[2], argc == 4 ? argv[3] : NULL);
  g_printerr (PINBAN_USAGE);
  return 2;
}
