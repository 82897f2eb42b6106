/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(POSTERN_INSIDE) && !defined(POSTERN_COMPILATION)
#error "Only <postern.h> can be included directly."
#endif

#include "postern-event-bus.h"

G_BEGIN_DECLS

/**
 * SECTION:postern-events
 * @title: Well-known events
 * @short_description: the event types the daemon registers at start
 *
 * These event types are registered by the daemon before any plugin starts,
 * so a subscriber never depends on the publisher's start order. Plugins may
 * register more of their own.
 */

/**
 * POSTERN_EVENT_PIN_FAILED:
 *
 * `pin.failed (ssss)`: client address, conference alias, request path, reason.
 */
#define POSTERN_EVENT_PIN_FAILED "pin.failed"
#define POSTERN_EVENT_PIN_FAILED_SIGNATURE "(ssss)"

/**
 * POSTERN_EVENT_BAN_ADDED:
 *
 * `ban.added (sxs)`: address or CIDR prefix, banned until (UNIX seconds), reason.
 */
#define POSTERN_EVENT_BAN_ADDED "ban.added"
#define POSTERN_EVENT_BAN_ADDED_SIGNATURE "(sxs)"

/**
 * POSTERN_EVENT_BAN_LIFTED:
 *
 * `ban.lifted (ss)`: address or CIDR prefix, reason (expired, unban).
 */
#define POSTERN_EVENT_BAN_LIFTED "ban.lifted"
#define POSTERN_EVENT_BAN_LIFTED_SIGNATURE "(ss)"

/**
 * POSTERN_EVENT_UPSTREAM_STATE:
 *
 * `upstream.state (sss)`: node, state (`up`, `down`, `draining`), reason.
 */
#define POSTERN_EVENT_UPSTREAM_STATE "upstream.state"
#define POSTERN_EVENT_UPSTREAM_STATE_SIGNATURE "(sss)"

/**
 * POSTERN_EVENT_TURN_ALLOCATION:
 *
 * `turn.allocation (ssss)`: action (`created`, `deleted`), client address,
 * relayed address, username.
 */
#define POSTERN_EVENT_TURN_ALLOCATION "turn.allocation"
#define POSTERN_EVENT_TURN_ALLOCATION_SIGNATURE "(ssss)"

/**
 * POSTERN_EVENT_TURN_AUTH_FAILED:
 *
 * `turn.auth-failed (ss)`: client address, username.
 */
#define POSTERN_EVENT_TURN_AUTH_FAILED "turn.auth-failed"
#define POSTERN_EVENT_TURN_AUTH_FAILED_SIGNATURE "(ss)"

/**
 * POSTERN_EVENT_CONFIG_RELOADED:
 *
 * `config.reloaded (bs)`: whether the new configuration was applied, and a
 * message (the error when it was not).
 */
#define POSTERN_EVENT_CONFIG_RELOADED "config.reloaded"
#define POSTERN_EVENT_CONFIG_RELOADED_SIGNATURE "(bs)"

/**
 * POSTERN_EVENT_PLUGIN_STATE:
 *
 * `plugin.state (ss)`: plugin name, new state (`running`, `failed`, `stopped`).
 */
#define POSTERN_EVENT_PLUGIN_STATE "plugin.state"
#define POSTERN_EVENT_PLUGIN_STATE_SIGNATURE "(ss)"

void postern_events_register_well_known (PosternEventBus *bus);

G_END_DECLS
