/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* RFC 8489 bounds USERNAME and REALM to fewer than 513 bytes. */
#define TURN_MAX_NAME_LEN 512
#define TURN_KEY_LEN 16
/* "0x" and 32 hex digits, as `turnadmin -k` prints a key, and a NUL */
#define TURN_KEY_HEX_LEN (2 + 2 * TURN_KEY_LEN + 1)

/* A long-term credential key: MD5(username ":" realm ":" password). */
typedef struct {
  guint8 bytes[TURN_KEY_LEN];
} TurnKey;

gboolean turn_constant_time_equal    (const guint8 *a,
                                      const guint8 *b,
                                      gsize         len);
void     turn_key_derive             (TurnKey      *out,
                                      const gchar  *username,
                                      const gchar  *realm,
                                      const gchar  *password);
gchar   *turn_key_to_hex             (const TurnKey *key,
                                      gchar          out[TURN_KEY_HEX_LEN]);
gboolean turn_key_from_hex           (TurnKey      *out,
                                      const gchar  *text);
gboolean turn_username_is_valid      (const gchar  *username,
                                      GError      **error);

/* Static users: an immutable name -> key table (see turn-users-file.h). */
typedef struct _TurnUsers TurnUsers;

TurnUsers *turn_users_parse          (const gchar  *data,
                                      gsize         len,
                                      const gchar  *source,
                                      GError      **error);
TurnUsers *turn_users_ref            (TurnUsers    *self);
void       turn_users_unref          (TurnUsers    *self);
gboolean   turn_users_lookup         (TurnUsers    *self,
                                      const gchar  *username,
                                      TurnKey      *key);
guint      turn_users_get_size       (TurnUsers    *self);
GStrv      turn_users_list           (TurnUsers    *self);

/* TURN REST API (draft-uberti-behave-turn-rest): USERNAME is `EXPIRY` or
 * `EXPIRY:USER` with EXPIRY in Unix seconds, and the password is
 * base64(HMAC-SHA1(secret, USERNAME)). */
gboolean turn_rest_parse_expiry      (const gchar  *username,
                                      gint64       *expiry);
gchar   *turn_rest_password          (const gchar  *secret,
                                      const gchar  *username);

/* Everything the server accepts for one realm: static users and REST
 * secrets (newest first). Immutable; a reload builds a new one. */
typedef struct _TurnCredentials TurnCredentials;

TurnCredentials *turn_credentials_new      (const gchar        *realm,
                                            TurnUsers          *users,
                                            const gchar * const *secrets);
TurnCredentials *turn_credentials_ref      (TurnCredentials    *self);
void             turn_credentials_unref    (TurnCredentials    *self);
const gchar     *turn_credentials_get_realm (TurnCredentials   *self);
guint            turn_credentials_find_keys (TurnCredentials   *self,
                                             const gchar       *username,
                                             gint64             now,
                                             TurnKey           *keys,
                                             guint              max_keys,
                                             GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TurnUsers, turn_users_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TurnCredentials, turn_credentials_unref)

G_END_DECLS
