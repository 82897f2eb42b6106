/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "postern.h"
#include "posternctl.h"
#include "tls-bundle.h"

/* posternctl cert check FILE [--name FQDN]: the checks the HTTPS front runs
 * on its certificate bundle, offline, before an operator installs it. */
int
postern_ctl_cert (Ctl *ctl, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *report = NULL;
  const gchar *path = NULL;
  const gchar *name = NULL;

  if (argc < 3 || !g_str_equal (argv[1], "check")) {
    g_printerr ("usage: posternctl cert check FILE [--name FQDN]\n");
    return 2;
  }
  path = argv[2];
  for (int i = 3; i < argc; i++) {
    if (g_str_equal (argv[i], "--name") && i + 1 < argc) {
      name = argv[++i];
    } else {
      g_printerr ("usage: posternctl cert check FILE [--name FQDN]\n");
      return 2;
    }
  }
  report = postern_tls_bundle_check_file (path, name, &error);
  if (report == NULL) {
    if (g_str_has_prefix (error->message, path))
      g_printerr ("posternctl: %s\n", error->message);
    else
      g_printerr ("posternctl: %s: %s\n", path, error->message);
    return 1;
  }
  g_print ("%s", report);
  if (!g_str_has_suffix (report, "\n"))
    g_print ("\n");
  return 0;
}
