/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "turn-credentials.h"

G_BEGIN_DECLS

/* The users file holds keys, never passwords, one `user:0x<32 hex>` per
 * line. It must be a regular file without any group or other permission
 * bits; edits keep every other line and comment and replace the file
 * atomically with mode 0600. */
#define TURN_USERS_FILE_MAX_SIZE (16 * 1024 * 1024)

TurnUsers *turn_users_file_load    (const gchar  *path,
                                    GError      **error);
gboolean   turn_users_file_set     (const gchar  *path,
                                    const gchar  *username,
                                    const TurnKey *key,
                                    GError      **error);
gboolean   turn_users_file_add     (const gchar  *path,
                                    const gchar  *username,
                                    const gchar  *realm,
                                    const gchar  *password,
                                    GError      **error);
gboolean   turn_users_file_remove  (const gchar  *path,
                                    const gchar  *username,
                                    GError      **error);

G_END_DECLS
