/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(POSTERN_INSIDE) && !defined(POSTERN_COMPILATION)
#error "Only <postern.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * POSTERN_ERROR:
 *
 * Error domain for Postern. Registered with GDBus, so errors keep their code
 * across D-Bus as `org.postern.Postern1.Error.<Code>`.
 */
#define POSTERN_ERROR (postern_error_quark ())

/**
 * PosternError:
 * @POSTERN_ERROR_FAILED: generic failure
 * @POSTERN_ERROR_INVALID_CONFIG: a configuration file, key or value is invalid
 * @POSTERN_ERROR_INVALID_ARGUMENT: a caller passed a bad argument
 * @POSTERN_ERROR_NOT_FOUND: the named thing does not exist
 * @POSTERN_ERROR_EXISTS: the thing already exists
 * @POSTERN_ERROR_ABI_MISMATCH: a plugin was built for an incompatible ABI
 * @POSTERN_ERROR_BAD_PLUGIN: a plugin file is unusable (symbol, descriptor)
 * @POSTERN_ERROR_PERMISSION_DENIED: the caller or a file is not trusted
 * @POSTERN_ERROR_ADDRESS_IN_USE: a listener's address is already bound
 * @POSTERN_ERROR_REFUSED: a plugin refused a new configuration
 * @POSTERN_ERROR_INVALID_DATA: malformed input (a packet, a certificate)
 *
 * Error codes in the %POSTERN_ERROR domain.
 */
typedef enum {
  POSTERN_ERROR_FAILED,
  POSTERN_ERROR_INVALID_CONFIG,
  POSTERN_ERROR_INVALID_ARGUMENT,
  POSTERN_ERROR_NOT_FOUND,
  POSTERN_ERROR_EXISTS,
  POSTERN_ERROR_ABI_MISMATCH,
  POSTERN_ERROR_BAD_PLUGIN,
  POSTERN_ERROR_PERMISSION_DENIED,
  POSTERN_ERROR_ADDRESS_IN_USE,
  POSTERN_ERROR_REFUSED,
  POSTERN_ERROR_INVALID_DATA,
  /*< private >*/
  POSTERN_ERROR_LAST
} PosternError;

GQuark postern_error_quark (void);

G_END_DECLS
