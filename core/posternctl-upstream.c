/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* posternctl upstream list|add|remove|drain: the https-proxy plugin's
 * node table (org.postern.Postern1.HttpsProxy). */
#include "config.h"

#include "postern.h"
#include "posternctl.h"

#define PROXY_PATH "/org/postern/Postern1/https_proxy"
#define PROXY_IFACE "org.postern.Postern1.HttpsProxy"

static GVariant *
call (Ctl *ctl, const gchar *method, GVariant *args, const GVariantType *reply_type, GError **error)
{
  return g_dbus_connection_call_sync (ctl->connection, POSTERN_DBUS_NAME, PROXY_PATH, PROXY_IFACE, method, args,
                                      reply_type, G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
}

static int
fail (const gchar *what, GError *error)
{
  g_dbus_error_strip_remote_error (error);
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD))
    g_printerr ("posternctl: upstream %s: the https-proxy plugin is not running\n", what);
  else
    g_printerr ("posternctl: upstream %s: %s\n", what, error->message);
  return 1;
}

static int
list (Ctl *ctl)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (ctl, "ListNodes", NULL, G_VARIANT_TYPE ("(a(ssttuu))"), &error);
  g_autoptr(GVariantIter) iter = NULL;
  const gchar *name, *state;
  guint64 requests, failures;
  guint active, idle;

  if (reply == NULL)
    return fail ("list", error);
  g_print ("%-32s %-9s %10s %9s %8s %5s\n", "NODE", "STATE", "REQUESTS", "FAILURES", "ACTIVE", "IDLE");
  g_variant_get (reply, "(a(ssttuu))", &iter);
  while (g_variant_iter_next (iter, "(&s&sttuu)", &name, &state, &requests, &failures, &active, &idle))
    g_print ("%-32s %-9s %10" G_GUINT64_FORMAT " %9" G_GUINT64_FORMAT " %8u %5u\n", name, state, requests, failures,
             active, idle);
  return 0;
}

static int
change (Ctl *ctl, const gchar *what, const gchar *method, const gchar *node, const gchar *done)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (ctl, method, g_variant_new ("(s)", node), NULL, &error);

  if (reply == NULL)
    return fail (what, error);
  g_print ("%s %s\n", node, done);
  return 0;
}

int
postern_ctl_upstream (Ctl *ctl, int argc, char **argv)
{
  if (argc == 2 && g_str_equal (argv[1], "list"))
    return list (ctl);
  if (argc == 3 && g_str_equal (argv[1], "add"))
    return change (ctl, "add", "AddNode", argv[2], "added");
  if (argc == 3 && g_str_equal (argv[1], "remove"))
    return change (ctl, "remove", "RemoveNode", argv[2], "removed (requests in flight finish)");
  if (argc == 3 && g_str_equal (argv[1], "drain"))
    return change (ctl, "drain", "DrainNode", argv[2], "draining (no new sessions)");
  g_printerr ("usage: posternctl upstream list | add HOST[:PORT] | remove NODE | drain NODE\n");
  return 2;
}
