/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define POSTERN_TLS_ERROR (postern_tls_error_quark ())

/* One code per fault an operator can fix, so callers and tests can tell
 * them apart; the message says what to do. */
typedef enum {
  POSTERN_TLS_ERROR_FAILED,
  POSTERN_TLS_ERROR_PARSE,
  POSTERN_TLS_ERROR_NO_CERTIFICATE,
  POSTERN_TLS_ERROR_NO_KEY,
  POSTERN_TLS_ERROR_WRONG_ORDER,
  POSTERN_TLS_ERROR_ENCRYPTED_KEY,
  POSTERN_TLS_ERROR_KEY_MISMATCH,
  POSTERN_TLS_ERROR_EXPIRED,
  POSTERN_TLS_ERROR_NOT_YET_VALID,
  POSTERN_TLS_ERROR_NAME_MISMATCH,
  POSTERN_TLS_ERROR_BROKEN_CHAIN,
} PosternTlsError;

GQuark postern_tls_error_quark (void);

G_END_DECLS
