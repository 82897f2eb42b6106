/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tls-error.h"

G_DEFINE_QUARK (postern-tls-error-quark, postern_tls_error)
