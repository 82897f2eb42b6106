/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* posternctl turn: users (like turnadmin) and live allocations, through the
 * turn plugin's org.postern.Postern1.Turn object. */
#include "config.h"

#include "posternctl.h"

#define TURN_PATH POSTERN_DBUS_PATH "/turn"
#define TURN_INTERFACE "org.postern.Postern1.Turn"
#define USAGE "usage: posternctl turn user add NAME PASSWORD | user remove NAME | user list | allocations\n"

static GVariant *
call (Ctl *ctl, const gchar *method, GVariant *args, const gchar *reply_type, GError **error)
{
  return g_dbus_connection_call_sync (ctl->connection, POSTERN_DBUS_NAME, TURN_PATH, TURN_INTERFACE, method, args,
                                      G_VARIANT_TYPE (reply_type), G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
}

static int
failed (const gchar *what, GError *error)
{
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE))
    {
      g_printerr ("posternctl: turn %s: the turn plugin is not running\n", what);
      return 1;
    }
  g_dbus_error_strip_remote_error (error);
  g_printerr ("posternctl: turn %s: %s\n", what, error->message);
  return 1;
}

static int
user_list (Ctl *ctl)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (ctl, "ListUsers", NULL, "(as)", &error);
  g_autofree const gchar **names = NULL;

  if (reply == NULL)
    return failed ("user list", error);
  g_variant_get (reply, "(^a&s)", &names);
  for (guint i = 0; names[i] != NULL; i++)
    g_print ("%s\n", names[i]);
  return 0;
}

static int
cmd_user (Ctl *ctl, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  if (argc == 2 && g_str_equal (argv[1], "list"))
    return user_list (ctl);
  if (argc == 4 && g_str_equal (argv[1], "add"))
    {
      reply = call (ctl, "AddUser", g_variant_new ("(ss)", argv[2], argv[3]), "()", &error);
      if (reply == NULL)
        return failed ("user add", error);
      g_print ("added %s\n", argv[2]);
      return 0;
    }
  if (argc == 3 && g_str_equal (argv[1], "remove"))
    {
      reply = call (ctl, "RemoveUser", g_variant_new ("(s)", argv[2]), "()", &error);
      if (reply == NULL)
        return failed ("user remove", error);
      g_print ("removed %s\n", argv[2]);
      return 0;
    }
  g_printerr (USAGE);
  return 2;
}

static void
print_counters (GVariant *counters)
{
  GVariantIter iter;
  const gchar *name;
  guint64 value;

  g_variant_iter_init (&iter, counters);
  while (g_variant_iter_next (&iter, "{&st}", &name, &value))
    g_print ("%s: %" G_GUINT64_FORMAT "\n", name, value);
}

static int
cmd_allocations (Ctl *ctl)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) list = call (ctl, "ListAllocations", NULL, "(a(tsssxxttttuu))", &error);
  g_autoptr(GVariant) counters = NULL;
  g_autoptr(GVariant) items = NULL;
  g_autoptr(GVariant) dict = NULL;
  GVariantIter iter;
  const gchar *client, *relayed, *user;
  guint64 id, pkts_out, bytes_out, pkts_in, bytes_in;
  gint64 age, left;
  guint32 perms, channels;

  if (list == NULL)
    return failed ("allocations", error);
  counters = call (ctl, "GetCounters", NULL, "(a{st})", &error);
  if (counters == NULL)
    return failed ("allocations", error);

  items = g_variant_get_child_value (list, 0);
  g_print ("%-6s %-24s %-24s %-16s %6s %6s %10s %12s %10s %12s %5s %5s\n", "ID", "CLIENT", "RELAYED", "USER", "AGE",
           "LEFT", "PKTS-OUT", "BYTES-OUT", "PKTS-IN", "BYTES-IN", "PERMS", "CHANS");
  g_variant_iter_init (&iter, items);
  while (g_variant_iter_next (&iter, "(t&s&s&sxxttttuu)", &id, &client, &relayed, &user, &age, &left, &pkts_out,
                              &bytes_out, &pkts_in, &bytes_in, &perms, &channels))
    g_print ("%-6" G_GUINT64_FORMAT " %-24s %-24s %-16s %6" G_GINT64_FORMAT " %6" G_GINT64_FORMAT
             " %10" G_GUINT64_FORMAT " %12" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT " %12" G_GUINT64_FORMAT
             " %5u %5u\n", id, client, relayed, user, age, left, pkts_out, bytes_out, pkts_in, bytes_in, perms,
             channels);
  g_print ("\n");
  dict = g_variant_get_child_value (counters, 0);
  print_counters (dict);
  return 0;
}

int
postern_ctl_turn (Ctl *ctl, int argc, char **argv)
{
  if (argc >= 2 && g_str_equal (argv[1], "user"))
    return cmd_user (ctl, argc - 1, argv + 1);
  if (argc == 2 && g_str_equal (argv[1], "allocations"))
    return cmd_allocations (ctl);
  g_printerr (USAGE);
  return 2;
}
