/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A TSIG key read from `tsig-key-file`: one line `algorithm name secret`,
 * the secret in base64. The secret is wiped when the key is freed and never
 * appears in an error message. */
typedef struct {
  gchar *algorithm; /* "hmac-sha256" or "hmac-sha512" */
  gchar *name;      /* key name, absolute (ends with '.') */
  gchar *secret;    /* base64 */
} SrvTsigKey;

SrvTsigKey *srv_tsig_key_parse (const gchar  *text,
                                GError      **error);
SrvTsigKey *srv_tsig_key_load  (const gchar  *path,
                                GError      **error);
void        srv_tsig_key_free  (SrvTsigKey   *key);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrvTsigKey, srv_tsig_key_free)

G_END_DECLS
