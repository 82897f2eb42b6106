/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "turn-addr.h"

/* A TurnAddr from a literal the test knows is valid. */
static inline TurnAddr
turn_test_addr (const gchar *ip, guint16 port)
{
  TurnAddr a;
  g_assert_true (turn_addr_parse (&a, ip, port));
  return a;
}
