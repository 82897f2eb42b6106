/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turn-channel-data.h"

#include <string.h>

#include "turn-allocation-table.h"

static void
test_roundtrip (void)
{
  static const guint16 numbers[] = { 0x4000, 0x4FFF, 0x5000, 0x7FFF };
  const guint8 payload[] = { 1, 2, 3, 4, 5 };
  guint8 buf[64];

  for (guint i = 0; i < G_N_ELEMENTS (numbers); i++)
    {
      const guint8 *out;
      gsize out_len = 0;
      guint16 number = 0;
      gsize len = turn_channel_data_build (buf, sizeof buf, numbers[i], payload, sizeof payload);

      g_assert_cmpuint (len, ==, 4 + sizeof payload);
      g_assert_true (turn_channel_data_parse (buf, len, &number, &out, &out_len));
      g_assert_cmpuint (number, ==, numbers[i]);
      g_assert_cmpmem (out, out_len, payload, sizeof payload);
      /* padding after the payload is allowed */
      g_assert_true (turn_channel_data_parse (buf, len + 3, &number, &out, &out_len));
      g_assert_cmpuint (out_len, ==, sizeof payload);
    }
}

static void
test_refused (void)
{
  const guint8 payload[8] = { 0 };
  const guint8 *out;
  gsize out_len;
  guint16 number;
  guint8 buf[16];
  /* length field 8, only 4 payload bytes present */
  const guint8 short_data[] = { 0x40, 0x01, 0x00, 0x08, 1, 2, 3, 4 };
  /* STUN (first bits 00) and reserved numbers (first bits 10, 11) */
  const guint8 stun[] = { 0x00, 0x01, 0x00, 0x00 };
  const guint8 reserved[] = { 0x80, 0x00, 0x00, 0x00 };

  g_assert_false (turn_channel_data_parse (short_data, sizeof short_data, &number, &out, &out_len));
  g_assert_false (turn_channel_data_parse (short_data, 3, &number, &out, &out_len));
  g_assert_false (turn_channel_data_parse (stun, sizeof stun, &number, &out, &out_len));
  g_assert_false (turn_channel_data_parse (reserved, sizeof reserved, &number, &out, &out_len));
  g_assert_cmpuint (turn_channel_data_build (buf, sizeof buf, 0x3FFF, payload, 4), ==, 0);
  g_assert_cmpuint (turn_channel_data_build (buf, sizeof buf, 0x8000, payload, 4), ==, 0);
  g_assert_cmpuint (turn_channel_data_build (buf, sizeof buf, 0x4000, payload, sizeof payload), ==, 12);
  g_assert_cmpuint (turn_channel_data_build (buf, 11, 0x4000, payload, sizeof payload), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/turn/channel-data/roundtrip", test_roundtrip);
  g_test_add_func ("/turn/channel-data/refused", test_refused);
  return g_test_run ();
}
