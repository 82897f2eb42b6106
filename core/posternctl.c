/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>

#include "postern-bus-address.h"
#include "postern.h"
#include "posternctl.h"

/* posternctl: a thin client of org.postern.Postern1. Exit codes: 0 done,
 * 1 the daemon refused or failed, 2 usage, 3 the daemon is not running. */

#define EXIT_NOT_RUNNING 3

typedef int (*CommandFunc) (Ctl *ctl, int argc, char **argv);

static GVariant *
get_property (Ctl *ctl, const gchar *name, GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  GVariant *value = NULL;

  reply = g_dbus_connection_call_sync (ctl->connection, POSTERN_DBUS_NAME, POSTERN_DBUS_PATH,
                                       "org.freedesktop.DBus.Properties", "Get",
                                       g_variant_new ("(ss)", POSTERN_DBUS_NAME, name),
                                       G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(v)", &value);
  return value;
}

static int
report_error (const gchar *what, GError *error)
{
  g_autofree gchar *remote = g_dbus_error_get_remote_error (error);

  g_dbus_error_strip_remote_error (error);
  g_printerr ("posternctl: %s: %s\n", what, error->message);
  return remote != NULL && g_str_has_prefix (remote, "org.freedesktop.DBus.Error.Service") ? EXIT_NOT_RUNNING : 1;
}

static void
print_plugins (GVariant *plugins)
{
  GVariantIter iter;
  const gchar *name, *version, *state, *description;

  g_print ("%-16s %-10s %-10s %s\n", "PLUGIN", "STATE", "VERSION", "DESCRIPTION");
  g_variant_iter_init (&iter, plugins);
  while (g_variant_iter_next (&iter, "(&s&s&s&s)", &name, &version, &state, &description))
    g_print ("%-16s %-10s %-10s %s\n", name, state, version, description);
}

static int
cmd_plugins (Ctl *ctl, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) plugins = get_property (ctl, "Plugins", &error);

  if (plugins == NULL)
    return report_error ("plugins", error);
  print_plugins (plugins);
  return 0;
}

static int
cmd_status (Ctl *ctl, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) version = get_property (ctl, "Version", &error);
  g_autoptr(GVariant) state = NULL;
  g_autoptr(GVariant) start = NULL;
  g_autoptr(GVariant) dirs = NULL;
  g_autoptr(GVariant) plugins = NULL;
  g_autoptr(GDateTime) started = NULL;
  g_autofree gchar *started_text = NULL;
  g_autofree const gchar **dir_list = NULL;
  g_autofree gchar *dirs_text = NULL;
  gint64 up;

  if (version == NULL)
    return report_error ("status", error);
  if ((state = get_property (ctl, "State", &error)) == NULL ||
      (start = get_property (ctl, "StartTime", &error)) == NULL ||
      (dirs = get_property (ctl, "ConfigDirs", &error)) == NULL ||
      (plugins = get_property (ctl, "Plugins", &error)) == NULL)
    return report_error ("status", error);

  started = g_date_time_new_from_unix_local (g_variant_get_uint64 (start) / G_USEC_PER_SEC);
  started_text = g_date_time_format (started, "%Y-%m-%d %H:%M:%S %Z");
  up = (g_get_real_time () - (gint64) g_variant_get_uint64 (start)) / G_USEC_PER_SEC;
  dir_list = g_variant_get_strv (dirs, NULL);
  dirs_text = g_strjoinv (":", (gchar **) dir_list);

  g_print ("posternd %s: %s since %s (up %" G_GINT64_FORMAT "s)\n", g_variant_get_string (version, NULL),
           g_variant_get_string (state, NULL), started_text, up);
  g_print ("bus: %s\nconfig dirs: %s\n\n", ctl->bus, dirs_text);
  print_plugins (plugins);
  return 0;
}

static int
cmd_reload (Ctl *ctl, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (ctl->connection, POSTERN_DBUS_NAME, POSTERN_DBUS_PATH,
                                       POSTERN_DBUS_NAME, "Reload", NULL, NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  if (reply == NULL)
    return report_error ("reload", error);
  g_print ("configuration reloaded\n");
  return 0;
}

static int
cmd_version (Ctl *ctl, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) version = NULL;

  g_print ("posternctl %s\n", POSTERN_VERSION);
  version = get_property (ctl, "Version", &error);
  if (version == NULL)
    return report_error ("version", error);
  g_print ("posternd %s\n", g_variant_get_string (version, NULL));
  return 0;
}

static void
event_signal_cb (GDBusConnection *connection, const gchar *sender, const gchar *path,
                 const gchar *interface, const gchar *signal, GVariant *parameters, gpointer user_data)
{
  g_autoptr(GVariant) payload = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree gchar *stamp = g_date_time_format (now, "%H:%M:%S");
  g_autofree gchar *text = NULL;
  const gchar *name;

  g_variant_get (parameters, "(&sv)", &name, &payload);
  text = g_variant_print (payload, FALSE);
  g_print ("%s.%03d %s %s\n", stamp, g_date_time_get_microsecond (now) / 1000, name, text);
  fflush (stdout);
}

static void
name_vanished_cb (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  g_printerr ("posternctl: posternd left the bus\n");
  g_main_loop_quit (user_data);
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static int
cmd_monitor (Ctl *ctl, int argc, char **argv)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  guint sub, watch;

  sub = g_dbus_connection_signal_subscribe (ctl->connection, POSTERN_DBUS_NAME, POSTERN_DBUS_NAME, "Event",
                                            POSTERN_DBUS_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                            event_signal_cb, NULL, NULL);
  watch = g_bus_watch_name_on_connection (ctl->connection, POSTERN_DBUS_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                          NULL, name_vanished_cb, loop, NULL);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_printerr ("posternctl: monitoring events; Ctrl-C to stop\n");
  g_main_loop_run (loop);
  g_bus_unwatch_name (watch);
  g_dbus_connection_signal_unsubscribe (ctl->connection, sub);
  return 0;
}

static const struct {
  const gchar *name;
  CommandFunc func;
  gboolean offline; /* runs without posternd */
  const gchar *help;
} commands[] = {
  { "status", cmd_status, FALSE, "daemon state, uptime, config dirs and plugins" },
  { "plugins", cmd_plugins, FALSE, "plugins with state, version and description" },
  { "reload", cmd_reload, FALSE, "re-read conf.d and apply it (the old config stays on error)" },
  { "monitor", cmd_monitor, FALSE, "print every event-bus event as it happens" },
  { "version", cmd_version, FALSE, "posternctl's and posternd's versions" },
  { "cert", postern_ctl_cert, TRUE, "cert check FILE [--name FQDN]: check a PEM bundle as the front would" },
  { "srv", postern_ctl_srv, FALSE, "srv records | srv status: the SRV records srv-announcer publishes" },
  { "pinban", postern_ctl_pinban, FALSE, "pinban status | unban ADDRESS | unban --all | ban ADDRESS [SECONDS]" },
  { "turn", postern_ctl_turn, FALSE, "turn user add NAME PASSWORD | user remove NAME | user list | allocations" },
  { "upstream", postern_ctl_upstream, FALSE, "upstream list | add|remove|drain NODE: the https-proxy nodes" },
};

static gboolean
daemon_running (Ctl *ctl)
{
  g_autoptr(GVariant) reply = NULL;
  gboolean has_owner = FALSE;

  reply = g_dbus_connection_call_sync (ctl->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", POSTERN_DBUS_NAME), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &has_owner);
  return has_owner;
}

int
main (int argc, char **argv)
{
  g_autofree gchar *bus = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GString) summary = g_string_new ("Commands:\n");
  g_autoptr(GDBusConnection) connection = NULL;
  const GOptionEntry entries[] = {
    { "bus", 0, 0, G_OPTION_ARG_STRING, &bus, "system (default), session or a D-Bus address", "BUS" },
    { NULL }
  };
  Ctl ctl;

  setlocale (LC_ALL, "");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (summary, "  %-10s %s\n", commands[i].name, commands[i].help);
  context = g_option_context_new ("COMMAND [ARGS...] - control posternd");
  g_option_context_set_summary (context, summary->str);
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_strict_posix (context, TRUE);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("posternctl: %s\n", error->message);
    return 2;
  }
  if (argc < 2) {
    g_autofree gchar *help = g_option_context_get_help (context, TRUE, NULL);
    g_printerr ("%s", help);
    return 2;
  }
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++) {
    if (!g_str_equal (argv[1], commands[i].name))
      continue;
    if (commands[i].offline) {
      ctl.connection = NULL;
      ctl.bus = NULL;
      return commands[i].func (&ctl, argc - 1, argv + 1);
    }
    ctl.bus = postern_bus_resolve (bus);
    connection = postern_bus_connect (ctl.bus, &error);
    if (connection == NULL) {
      g_printerr ("posternctl: cannot connect to the %s bus: %s\n", ctl.bus, error->message);
      return EXIT_NOT_RUNNING;
    }
    ctl.connection = connection;
    if (!daemon_running (&ctl)) {
      g_printerr ("posternctl: posternd is not running (nobody owns %s on the %s bus)\n",
                  POSTERN_DBUS_NAME, ctl.bus);
      return EXIT_NOT_RUNNING;
    }
    return commands[i].func (&ctl, argc - 1, argv + 1);
  }
  g_printerr ("posternctl: unknown command '%s' (see posternctl --help)\n", argv[1]);
  return 2;
}
