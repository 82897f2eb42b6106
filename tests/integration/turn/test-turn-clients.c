/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Clients nobody here wrote: coturn's turnutils_uclient relaying through
 * posternd to turnutils_peer (an echo server), all on 127.0.0.1. */
#include <errno.h>
#include <string.h>

#include "turn-test-common.h"

#define REST_SECRET "rest-secret-for-tests"

typedef struct {
  PosternTestDaemon *d;
  GSubprocess *peer;
  guint16 port;
  guint16 peer_port;
} Fixture;

static gboolean
udp_port_taken (guint16 port)
{
  return turn_test_udp_bind_errno (port) == EADDRINUSE;
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *keys = NULL;
  g_autofree gchar *peer_port = NULL;
  g_autofree gchar *uclient = g_find_program_in_path ("turnutils_uclient");
  guint16 base = turn_test_port_base (1);
  gint64 deadline;

  if (uclient == NULL)
    {
      g_test_skip ("turnutils_uclient (Debian package coturn) is not installed");
      return;
    }
  /* uclient picks channel numbers from RFC 5766's 0x4000-0x7FFF */
  keys = g_strdup_printf ("relay-ports = %u-%u\nauth-secrets = " REST_SECRET "\nlegacy-channels = true", base,
                          base + 99);
  f->d = turn_test_start (&f->port, keys);
  turn_test_add_user (f->d, "alice", "alice-pw");

  /* the peer listens on peer_port and peer_port + 1: should another
   * process hold the second, every RTCP session's echo went missing (half
   * of uclient's messages) */
  f->peer_port = turn_test_free_udp_port_pair ();
  peer_port = g_strdup_printf ("%u", f->peer_port);
  f->peer = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                              "turnutils_peer", "-L", "127.0.0.1", "-p", peer_port, NULL);
  g_assert_no_error (error);
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while ((!udp_port_taken (f->peer_port) || !udp_port_taken (f->peer_port + 1)) &&
         g_get_monotonic_time () < deadline)
    g_usleep (20000);
  g_assert_true (udp_port_taken (f->peer_port));
  g_assert_true (udp_port_taken (f->peer_port + 1));
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  if (f->peer != NULL)
    {
      g_subprocess_force_exit (f->peer);
      g_subprocess_wait (f->peer, NULL, NULL);
      g_clear_object (&f->peer);
    }
  if (f->d != NULL)
    {
      g_assert_cmpint (postern_test_daemon_stop (f->d), ==, 0);
      postern_test_daemon_free (f->d);
    }
}

static guint64
field (const gchar *out, const gchar *name)
{
  const gchar *at = g_strrstr (out, name);

  g_assert_nonnull (at);
  return g_ascii_strtoull (at + strlen (name), NULL, 10);
}

/* Runs uclient with @args and checks every message came back. */
static void
run_uclient (Fixture *f, const gchar *const *args, guint64 expected)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  gint status;

  g_ptr_array_add (argv, g_strdup ("turnutils_uclient"));
  g_ptr_array_add (argv, g_strdup ("-p"));
  g_ptr_array_add (argv, g_strdup_printf ("%u", f->port));
  g_ptr_array_add (argv, g_strdup ("-e"));
  g_ptr_array_add (argv, g_strdup ("127.0.0.1"));
  g_ptr_array_add (argv, g_strdup ("-r"));
  g_ptr_array_add (argv, g_strdup_printf ("%u", f->peer_port));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, g_strdup ("127.0.0.1"));
  g_ptr_array_add (argv, NULL);
  status = postern_test_run (&out, &err, (const gchar *const *) argv->pdata);
  g_test_message ("uclient exited with %d", status);
  turn_test_log_lines ("uclient", out);
  turn_test_log_lines ("uclient", err);
  /* where a lost message went missing, should the checks below fail */
  g_test_message ("relay: %" G_GUINT64_FORMAT " allocations created, %" G_GUINT64_FORMAT " packets to the peer, %"
                  G_GUINT64_FORMAT " to clients, %" G_GUINT64_FORMAT " dropped, %" G_GUINT64_FORMAT " forbidden",
                  turn_test_counter (f->d, "allocations-created"), turn_test_counter (f->d, "packets-to-peer"),
                  turn_test_counter (f->d, "packets-to-client"), turn_test_counter (f->d, "dropped"),
                  turn_test_counter (f->d, "forbidden-peers"));
  g_assert_cmpuint (field (out, "tot_send_msgs="), ==, expected);
  g_assert_cmpuint (field (out, "tot_recv_msgs="), ==, expected);
  g_assert_cmpuint (field (out, "Total lost packets "), ==, 0);
}

static void
test_channels (Fixture *f, gconstpointer data)
{
  const gchar *const args[] = { "-u", "alice", "-w", "alice-pw", "-m", "10", "-n", "100", "-l", "160", NULL };

  if (f->d == NULL)
    return;
  run_uclient (f, args, 1000);
  g_assert_cmpuint (turn_test_counter (f->d, "packets-to-peer"), >=, 1000);
  g_assert_cmpuint (turn_test_counter (f->d, "packets-to-client"), >=, 1000);
}

static void
test_send_indications (Fixture *f, gconstpointer data)
{
  const gchar *const args[] = { "-s", "-u", "alice", "-w", "alice-pw", "-m", "10", "-n", "100", "-l", "160", NULL };

  if (f->d == NULL)
    return;
  run_uclient (f, args, 1000);
}

static void
test_rest_secret (Fixture *f, gconstpointer data)
{
  const gchar *const args[] = { "-W", REST_SECRET, "-u", "webrtc-user", "-m", "4", "-n", "100", "-l", "1000",
                                NULL };

  if (f->d == NULL)
    return;
  run_uclient (f, args, 400);
  g_assert_cmpuint (turn_test_counter (f->d, "auth-failures"), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/turn/uclient/channels", Fixture, NULL, fixture_set_up, test_channels, fixture_tear_down);
  g_test_add ("/turn/uclient/send-indications", Fixture, NULL, fixture_set_up, test_send_indications,
              fixture_tear_down);
  g_test_add ("/turn/uclient/rest-secret", Fixture, NULL, fixture_set_up, test_rest_secret, fixture_tear_down);
  return g_test_run ();
}
