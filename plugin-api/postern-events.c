/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "postern-events.h"

static const struct {
  const gchar *name;
  const gchar *signature;
  const gchar *doc;
} well_known[] = {
  { POSTERN_EVENT_PIN_FAILED, POSTERN_EVENT_PIN_FAILED_SIGNATURE,
    "A conference PIN was refused: client address, conference alias, path, reason" },
  { POSTERN_EVENT_BAN_ADDED, POSTERN_EVENT_BAN_ADDED_SIGNATURE,
    "A source is banned: address or prefix, until (UNIX seconds), reason" },
  { POSTERN_EVENT_BAN_LIFTED, POSTERN_EVENT_BAN_LIFTED_SIGNATURE,
    "A ban ended: address or prefix, reason" },
  { POSTERN_EVENT_UPSTREAM_STATE, POSTERN_EVENT_UPSTREAM_STATE_SIGNATURE,
    "An upstream node changed state: node, state (up, down, draining), reason" },
  { POSTERN_EVENT_TURN_ALLOCATION, POSTERN_EVENT_TURN_ALLOCATION_SIGNATURE,
    "A TURN allocation was created or deleted: action, client, relayed address, username" },
  { POSTERN_EVENT_TURN_AUTH_FAILED, POSTERN_EVENT_TURN_AUTH_FAILED_SIGNATURE,
    "A TURN request failed authentication: client address, username" },
  { POSTERN_EVENT_CONFIG_RELOADED, POSTERN_EVENT_CONFIG_RELOADED_SIGNATURE,
    "A reload finished: applied or not, message" },
  { POSTERN_EVENT_PLUGIN_STATE, POSTERN_EVENT_PLUGIN_STATE_SIGNATURE,
    "A plugin changed state: plugin name, state (running, failed, stopped)" },
};

/**
 * postern_events_register_well_known:
 * @bus: a #PosternEventBus
 *
 * Registers the event types of `postern-events.h`. The daemon does this once
 * before any plugin starts.
 */
void
postern_events_register_well_known (PosternEventBus *bus)
{
  for (gsize i = 0; i < G_N_ELEMENTS (well_known); i++) {
    g_autoptr(GError) error = NULL;
    if (!postern_event_bus_register (bus, well_known[i].name, well_known[i].signature,
                                     well_known[i].doc, &error))
      g_critical ("%s", error->message);
  }
}
