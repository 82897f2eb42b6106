/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <postern.h>

#include "turn-addr.h"
#include "turn-credentials.h"
#include "turn-peer-policy.h"

G_BEGIN_DECLS

#define TURN_MAX_EXTERNAL 8
#define TURN_MAX_RELAY_THREADS 64

/* One `external-ip` entry: relays bound on `private` (or on any address of
 * that family when `private` is unset) are advertised as `public`. */
typedef struct {
  TurnAddr public_ip;
  TurnAddr private_ip;
} TurnExternal;

/* Everything the [turn] group configures, parsed and checked. Start and
 * reload build one; a reload that fails to build keeps the old one. */
typedef struct {
  GPtrArray *listen;             /* GInetSocketAddress */
  gchar *realm;
  gchar *users_file;
  GStrv secrets;                 /* REST API secrets, newest first */
  TurnCredentials *credentials;
  TurnAddr relay_ip[2];          /* [0] IPv4, [1] IPv6; family 0 when unset */
  TurnExternal external[TURN_MAX_EXTERNAL];
  guint n_external;
  guint16 first_port;
  guint16 last_port;
  TurnPeerPolicy *policy;
  guint user_quota;
  guint total_quota;
  guint64 max_bps;
  guint relay_threads;           /* resolved: at least 1 */
  gint64 nonce_lifetime;
  guint16 max_channel;           /* TURN_CHANNEL_MAX, or TURN_CHANNEL_MAX_LEGACY */
} TurnSettings;

extern const PosternConfigKey turn_config_keys[];

TurnSettings *turn_settings_new                (PosternConfig      *config,
                                                const gchar        *default_realm,
                                                const gchar        *state_dir,
                                                GError            **error);
void          turn_settings_free               (TurnSettings       *self);
TurnUsers    *turn_settings_load_users         (const gchar        *users_file,
                                                GError            **error);
TurnCredentials *turn_settings_load_credentials (const gchar       *realm,
                                                 const gchar       *users_file,
                                                 const gchar * const *secrets,
                                                 GError           **error);
void          turn_settings_advertise          (const TurnSettings *self,
                                                const TurnAddr     *relayed,
                                                TurnAddr           *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TurnSettings, turn_settings_free)

G_END_DECLS
