/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turn-error.h"

G_DEFINE_QUARK (turn-error-quark, turn_error)
