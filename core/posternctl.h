/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* What every posternctl command gets: the connection to posternd's bus.
 * Each plugin's commands live in their own posternctl-NAME.c and take a row
 * in the command table of posternctl.c. */
typedef struct {
  GDBusConnection *connection;
  const gchar *bus;
} Ctl;

int postern_ctl_cert (Ctl *ctl, int argc, char **argv);
int postern_ctl_srv (Ctl *ctl, int argc, char **argv);
int postern_ctl_pinban (Ctl *ctl, int argc, char **argv);
int postern_ctl_turn (Ctl *ctl, int argc, char **argv);
int postern_ctl_upstream (Ctl *ctl, int argc, char **argv);

G_END_DECLS
