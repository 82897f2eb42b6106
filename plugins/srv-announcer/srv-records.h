/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <postern.h>

G_BEGIN_DECLS

/* One SRV record this proxy publishes. */
typedef struct {
  gchar *role;    /* "pexapp", "turn" or "stun": what withdraws it */
  gchar *owner;   /* absolute, e.g. "_pexapp._tcp.example.com." */
  guint32 ttl;
  guint16 priority;
  guint16 weight;
  guint16 port;
  gchar *target;  /* absolute */
} SrvRecord;

/* What the records are built from: the [srv-announcer] settings and the
 * configs of the turn and stun plugins (NULL when they are disabled). */
typedef struct {
  const gchar *domain;
  const gchar *target;
  guint16 priority;
  guint16 weight;
  guint32 ttl;
  const gchar *const *records;
  PosternConfig *turn;
  PosternConfig *stun;
} SrvRecordsInput;

SrvRecord *srv_record_new        (const gchar      *role,
                                  const gchar      *owner,
                                  guint32           ttl,
                                  guint16           priority,
                                  guint16           weight,
                                  guint16           port,
                                  const gchar      *target);
void       srv_record_free       (SrvRecord        *record);
gboolean   srv_record_equal      (const SrvRecord  *a,
                                  const SrvRecord  *b);
gchar     *srv_record_to_zone_line (const SrvRecord *record);
gchar     *srv_name_absolute     (const gchar      *name);
gboolean   srv_name_valid        (const gchar      *name);
GPtrArray *srv_records_build     (const SrvRecordsInput *input,
                                  GError          **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrvRecord, srv_record_free)

G_END_DECLS
