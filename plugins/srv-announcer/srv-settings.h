/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <postern.h>

#include "srv-tsig-key.h"

G_BEGIN_DECLS

extern const PosternConfigKey srv_settings_keys[];

/* The [srv-announcer] configuration, checked and with defaults resolved. */
typedef struct {
  GInetSocketAddress *server; /* NULL: list records only, publish nothing */
  gchar *server_text;
  gchar *zone;                /* absolute */
  GPtrArray *records;         /* of SrvRecord, what should be published */
  SrvTsigKey *key;            /* NULL when server is NULL */
  gboolean withdraw_when_down;
  guint32 ttl;
} SrvSettings;

SrvSettings *srv_settings_new  (PosternContext *context,
                                PosternConfig  *config,
                                GError        **error);
void         srv_settings_free (SrvSettings    *settings);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrvSettings, srv_settings_free)

G_END_DECLS
