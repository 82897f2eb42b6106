/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>

#include "postern-bus-address.h"
#include "postern-daemon-config.h"
#include "postern-daemon.h"
#include "postern-dbus-service.h"
#include "postern-sd-notify.h"
#include "tls-alloc.h"
#include "tls-bundle.h"

typedef struct {
  PosternDaemon *daemon;
  GMainLoop *loop;
} Posternd;

static gchar **
resolve_confdirs (const gchar *option)
{
  if (option != NULL)
    return g_strsplit (option, ":", -1);
  return postern_confd_default_dirs ();
}

/* Like `nginx -t`, the check covers the certificate the front would load. */
static gboolean
check_certificate (PosternConfig *core)
{
  const gchar *path = postern_config_get_string (core, "certificate");
  const gchar *fqdn = postern_config_get_string (core, "fqdn");
  g_autoptr(GError) error = NULL;
  g_autofree gchar *report = NULL;

  if (path[0] == '\0')
    return TRUE;
  report = postern_tls_bundle_check_file (path, fqdn[0] != '\0' ? fqdn : g_get_host_name (), &error);
  if (report == NULL) {
    g_printerr ("posternd: certificate %s: %s\n", path, error->message);
    return FALSE;
  }
  return TRUE;
}

static gboolean
check_config (const gchar *const *dirs, const gchar *plugin_dir, gboolean print)
{
  g_autoptr(GHashTable) modules = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                         (GDestroyNotify) postern_plugin_module_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(PosternDaemonConfig) config = postern_daemon_config_load (dirs, plugin_dir, modules, &error);

  if (config == NULL) {
    g_printerr ("posternd: %s\n", error->message);
    return FALSE;
  }
  if (print) {
    g_autofree gchar *text = postern_daemon_config_print (config);
    g_print ("%s", text);
  }
  for (guint i = 0; i < config->plugins->len; i++) {
    PosternPluginConfig *p = g_ptr_array_index (config->plugins, i);
    if (p->load_error != NULL)
      g_printerr ("posternd: plugin %s: %s\n", p->name, p->load_error);
  }
  if (postern_daemon_config_has_plugin_errors (config))
    return FALSE;
  if (!check_certificate (config->core))
    return FALSE;
  if (!print)
    g_print ("posternd: configuration OK (%u drop-ins, %u plugin groups)\n",
             config->confd->files->len, config->plugins->len);
  return TRUE;
}

static gboolean
on_sighup (gpointer user_data)
{
  Posternd *d = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *reloading = g_strdup_printf ("RELOADING=1\nMONOTONIC_USEC=%" G_GINT64_FORMAT,
                                                 g_get_monotonic_time ());

  postern_sd_notify (reloading);
  if (!postern_daemon_reload (d->daemon, &error))
    g_warning ("reload: %s", error->message);
  postern_sd_notify ("READY=1");
  return G_SOURCE_CONTINUE;
}

static gboolean
on_terminate (gpointer user_data)
{
  Posternd *d = user_data;

  g_message ("stopping");
  g_main_loop_quit (d->loop);
  return G_SOURCE_CONTINUE;
}

/* One posternd per bus: fail at once if another owns the name. */
static gboolean
own_name (GDBusConnection *connection, GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  guint32 result = 0;

  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", POSTERN_DBUS_NAME, 4 /* DO_NOT_QUEUE */),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(u)", &result);
  if (result != 1 /* PRIMARY_OWNER */) {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_EXISTS,
                 "%s is already owned on this bus: is another posternd running?", POSTERN_DBUS_NAME);
    return FALSE;
  }
  return TRUE;
}

static int
run (const gchar *const *dirs, const gchar *plugin_dir, const gchar *state_dir, const gchar *bus)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(PosternDBusService) service = NULL;
  g_autoptr(PosternDaemon) daemon = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Posternd d;

  connection = postern_bus_connect (bus, &error);
  if (connection == NULL) {
    g_printerr ("posternd: cannot connect to the %s bus: %s\n", bus, error->message);
    return 1;
  }
  if (!own_name (connection, &error)) {
    g_printerr ("posternd: %s\n", error->message);
    return 1;
  }
  daemon = postern_daemon_new (dirs, plugin_dir, state_dir);
  service = postern_dbus_service_new (daemon, connection, &error);
  if (service == NULL) {
    g_printerr ("posternd: cannot export D-Bus objects: %s\n", error->message);
    return 1;
  }
  if (!postern_daemon_start (daemon, connection, &error)) {
    g_printerr ("posternd: %s\n", error->message);
    return 1;
  }

  d.daemon = daemon;
  d.loop = loop;
  g_unix_signal_add (SIGHUP, on_sighup, &d);
  g_unix_signal_add (SIGTERM, on_terminate, &d);
  g_unix_signal_add (SIGINT, on_terminate, &d);
  postern_sd_notify ("READY=1");
  g_message ("posternd %s running", POSTERN_VERSION);
  g_main_loop_run (loop);

  postern_sd_notify ("STOPPING=1");
  postern_daemon_stop (daemon);
  g_dbus_connection_flush_sync (connection, NULL, NULL);
  g_message ("stopped");
  return 0;
}

int
main (int argc, char **argv)
{
  g_autofree gchar *confdirs_opt = NULL;
  g_autofree gchar *plugin_dir = NULL;
  g_autofree gchar *state_dir = NULL;
  g_autofree gchar *bus = NULL;
  g_auto(GStrv) dirs = NULL;
  gboolean check = FALSE, print = FALSE, version = FALSE;
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) context = NULL;
  const GOptionEntry entries[] = {
    { "confdirs", 0, 0, G_OPTION_ARG_STRING, &confdirs_opt,
      "conf.d directories, lowest priority first (default " POSTERN_VENDOR_CONFDIR ":"
      POSTERN_RUN_CONFDIR ":" POSTERN_ETC_CONFDIR ")", "A:B:C" },
    { "plugin-dir", 0, 0, G_OPTION_ARG_FILENAME, &plugin_dir, "Where plugins are (default " POSTERN_PLUGINDIR ")", "DIR" },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir, "State directory (default " POSTERN_STATEDIR ")", "DIR" },
    { "bus", 0, 0, G_OPTION_ARG_STRING, &bus, "D-Bus to serve on: system (default), session or an address", "BUS" },
    { "check-config", 0, 0, G_OPTION_ARG_NONE, &check, "Validate the configuration and exit 0 or 1", NULL },
    { "print-config", 0, 0, G_OPTION_ARG_NONE, &print, "Print the merged configuration with each key's origin", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL }
  };

  postern_tls_alloc_install ();
  setlocale (LC_ALL, "");
  context = g_option_context_new ("- the Postern edge gateway daemon");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("posternd: %s\n", error->message);
    return 2;
  }
  if (version) {
    g_print ("posternd %s (plugin ABI %d.%d)\n", POSTERN_VERSION, POSTERN_PLUGIN_ABI_MAJOR,
             POSTERN_PLUGIN_ABI_MINOR);
    return 0;
  }
  dirs = resolve_confdirs (confdirs_opt);
  if (plugin_dir == NULL)
    plugin_dir = g_strdup (POSTERN_PLUGINDIR);
  if (state_dir == NULL)
    state_dir = g_strdup (POSTERN_STATEDIR);
  if (check || print)
    return check_config ((const gchar *const *) dirs, plugin_dir, print) ? 0 : 1;
  return run ((const gchar *const *) dirs, plugin_dir, state_dir, postern_bus_resolve (bus));
}
