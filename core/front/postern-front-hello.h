/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "postern.h"

G_BEGIN_DECLS

/* What the front's cipher preference needs of a ClientHello. */
typedef struct {
  guint16 first_suite;  /* the client's first cipher suite, GREASE and SCSVs skipped; 0 if none */
  const guint8 *groups; /* the supported_groups list (2 bytes an entry) in the hello, or NULL */
  gsize groups_len;
} PosternFrontHello;

/* Reads the ClientHello body @hello (as a GnuTLS handshake hook gets it:
 * no handshake header) into @out, every length checked; FALSE if it is
 * malformed. */
gboolean postern_front_hello_read (const guint8      *hello,
                                   gsize              len,
                                   PosternFrontHello *out);

G_END_DECLS
