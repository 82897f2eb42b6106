/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "postern-error.h"

#include <gio/gio.h>

static const GDBusErrorEntry postern_error_entries[] = {
  { POSTERN_ERROR_FAILED, "org.postern.Postern1.Error.Failed" },
  { POSTERN_ERROR_INVALID_CONFIG, "org.postern.Postern1.Error.InvalidConfig" },
  { POSTERN_ERROR_INVALID_ARGUMENT, "org.postern.Postern1.Error.InvalidArgument" },
  { POSTERN_ERROR_NOT_FOUND, "org.postern.Postern1.Error.NotFound" },
  { POSTERN_ERROR_EXISTS, "org.postern.Postern1.Error.Exists" },
  { POSTERN_ERROR_ABI_MISMATCH, "org.postern.Postern1.Error.AbiMismatch" },
  { POSTERN_ERROR_BAD_PLUGIN, "org.postern.Postern1.Error.BadPlugin" },
  { POSTERN_ERROR_PERMISSION_DENIED, "org.postern.Postern1.Error.PermissionDenied" },
  { POSTERN_ERROR_ADDRESS_IN_USE, "org.postern.Postern1.Error.AddressInUse" },
  { POSTERN_ERROR_REFUSED, "org.postern.Postern1.Error.Refused" },
  { POSTERN_ERROR_INVALID_DATA, "org.postern.Postern1.Error.InvalidData" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (postern_error_entries) == POSTERN_ERROR_LAST);

/**
 * postern_error_quark:
 *
 * Returns: the quark of the %POSTERN_ERROR domain
 */
GQuark
postern_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("postern-error-quark", &quark,
                                      postern_error_entries,
                                      G_N_ELEMENTS (postern_error_entries));
  return (GQuark) quark;
}
