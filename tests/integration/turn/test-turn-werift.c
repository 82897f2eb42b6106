/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* werift (npm, a WebRTC stack in TypeScript): two peer connections with
 * iceTransportPolicy 'relay' through posternd open a data channel and
 * exchange messages (tests/integration/turn/turn-werift.mjs). */
#include <string.h>

#include "turn-test-common.h"

static void
test_data_channel (void)
{
  g_autofree gchar *module = g_build_filename (g_getenv ("TURN_NODE_DIR"), "node_modules", "werift", NULL);
  g_autoptr(PosternTestDaemon) d = NULL;
  g_autofree gchar *port_text = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  guint16 port;
  gint status;

  if (!g_file_test (module, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("npm werift not installed: run `npm --prefix tests/node ci`");
      return;
    }
  d = turn_test_start (&port, "");
  turn_test_add_user (d, "webrtc", "webrtc-pw");
  port_text = g_strdup_printf ("%u", port);
  {
    const gchar *argv[] = { "node", g_getenv ("TURN_WERIFT_SCRIPT"), port_text, "webrtc", "webrtc-pw", NULL };
    status = postern_test_run (&out, &err, argv);
  }
  g_test_message ("werift exited with %d", status);
  turn_test_log_lines ("werift", out);
  turn_test_log_lines ("werift", err);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, "ok 20\n");
  /* both peer connections relayed through their own allocation */
  g_assert_cmpuint (turn_test_counter (d, "allocations-created"), >=, 2);
  g_assert_cmpuint (turn_test_counter (d, "packets-to-peer"), >=, 40);
  g_assert_cmpuint (turn_test_counter (d, "packets-to-client"), >=, 40);
  g_assert_cmpint (postern_test_daemon_stop (d), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/turn/werift/data-channel", test_data_channel);
  return g_test_run ();
}
