/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* posternctl srv: what the srv-announcer plugin publishes, read from its
 * D-Bus object. */
#include "config.h"

#include "posternctl.h"

#define SRV_PATH POSTERN_DBUS_PATH "/srv_announcer"
#define SRV_INTERFACE POSTERN_DBUS_NAME ".SrvAnnouncer"

static GVariant *
get_all (Ctl *ctl, GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  GVariant *props = NULL;

  reply = g_dbus_connection_call_sync (ctl->connection, POSTERN_DBUS_NAME, SRV_PATH,
                                       "org.freedesktop.DBus.Properties", "GetAll",
                                       g_variant_new ("(s)", SRV_INTERFACE), G_VARIANT_TYPE ("(a{sv})"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(@a{sv})", &props);
  return props;
}

static gchar *
format_time (gint64 usec)
{
  g_autoptr(GDateTime) when = NULL;

  if (usec <= 0)
    return g_strdup ("-");
  when = g_date_time_new_from_unix_local (usec / G_USEC_PER_SEC);
  return when != NULL ? g_date_time_format (when, "%Y-%m-%d %H:%M:%S") : g_strdup ("-");
}

static void
print_records (GVariant *records)
{
  GVariantIter iter;
  const gchar *line, *state, *result;
  gboolean verified;
  gint64 time;

  g_variant_iter_init (&iter, records);
  while (g_variant_iter_next (&iter, "(&s&s&sbx)", &line, &state, &result, &verified, &time))
    g_print ("%s\n", line);
}

static void
print_status (GVariant *props)
{
  g_autoptr(GVariant) records = g_variant_lookup_value (props, "Records", G_VARIANT_TYPE ("a(sssbx)"));
  const gchar *server = "", *zone = "", *last = "";
  gboolean down = FALSE;
  gint64 last_time = 0;
  g_autofree gchar *last_text = NULL;
  GVariantIter iter;
  const gchar *line, *state, *result;
  gboolean verified;
  gint64 time;

  g_variant_lookup (props, "Server", "&s", &server);
  g_variant_lookup (props, "Zone", "&s", &zone);
  g_variant_lookup (props, "LastResult", "&s", &last);
  g_variant_lookup (props, "LastUpdate", "x", &last_time);
  g_variant_lookup (props, "UpstreamsDown", "b", &down);
  last_text = format_time (last_time);
  g_print ("server: %s\nzone: %s\n", *server != '\0' ? server : "(none: records are for manual entry)", zone);
  g_print ("upstreams: %s\n", down ? "all down (_pexapp._tcp withdrawn)" : "up or unknown");
  g_print ("last update: %s %s\n\n", last_text, *last != '\0' ? last : "-");
  g_print ("%-10s %-8s %-19s %s\n", "STATE", "VERIFIED", "TIME", "RECORD");
  if (records == NULL)
    return;
  g_variant_iter_init (&iter, records);
  while (g_variant_iter_next (&iter, "(&s&s&sbx)", &line, &state, &result, &verified, &time)) {
    g_autofree gchar *when = format_time (time);

    g_print ("%-10s %-8s %-19s %s\n", state, verified ? "yes" : "no", when, line);
    if (*result != '\0')
      g_print ("%-10s %-8s %-19s   %s\n", "", "", "", result);
  }
}

int
postern_ctl_srv (Ctl *ctl, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) props = NULL;
  g_autoptr(GVariant) records = NULL;

  if (argc != 2 || (!g_str_equal (argv[1], "records") && !g_str_equal (argv[1], "status"))) {
    g_printerr ("posternctl: usage: posternctl srv records|status\n");
    return 2;
  }
  props = get_all (ctl, &error);
  if (props == NULL) {
    g_dbus_error_strip_remote_error (error);
    g_printerr ("posternctl: srv: the srv-announcer plugin does not answer (is it enabled?): %s\n", error->message);
    return 1;
  }
  if (g_str_equal (argv[1], "status")) {
    print_status (props);
    return 0;
  }
  records = g_variant_lookup_value (props, "Records", G_VARIANT_TYPE ("a(sssbx)"));
  if (records != NULL)
    print_records (records);
  return 0;
}
