/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Errors of the TURN building blocks. Each code is the STUN error code
 * (RFC 8489, RFC 8656) the server answers with, so a handler can put
 * error->code straight into ERROR-CODE. */
#define TURN_ERROR (turn_error_quark ())

typedef enum {
  TURN_ERROR_BAD_REQUEST = 400,
  TURN_ERROR_UNAUTHORIZED = 401,
  TURN_ERROR_FORBIDDEN = 403,
  TURN_ERROR_UNKNOWN_ATTRIBUTE = 420,
  TURN_ERROR_ALLOCATION_MISMATCH = 437,
  TURN_ERROR_STALE_NONCE = 438,
  TURN_ERROR_ADDRESS_FAMILY_NOT_SUPPORTED = 440,
  TURN_ERROR_WRONG_CREDENTIALS = 441,
  TURN_ERROR_UNSUPPORTED_TRANSPORT_PROTOCOL = 442,
  TURN_ERROR_PEER_ADDRESS_FAMILY_MISMATCH = 443,
  TURN_ERROR_ALLOCATION_QUOTA_REACHED = 486,
  TURN_ERROR_INSUFFICIENT_CAPACITY = 508,
} TurnError;

GQuark turn_error_quark (void);

G_END_DECLS
