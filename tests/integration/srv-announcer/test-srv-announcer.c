/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* srv-announcer in a real posternd against real DNS servers on 127.0.0.1:
 * Knot (knotd, an update ACL with a TSIG key) and BIND 9 (named -g,
 * update-policy), checked with kdig. */
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "postern-test-daemon.h"

#define ZONE "example.test"
#define OURS "10 100 443 proxy1.example.test."
#define OTHER "20 100 443 proxy2.example.test."
#define WAIT_US (60 * G_USEC_PER_SEC)

typedef enum { SERVER_KNOT, SERVER_BIND } ServerKind;

typedef struct {
  ServerKind kind;
  gchar *dir;
  guint16 port;
  gchar *secret;
  GSubprocess *process;
} DnsServer;

typedef struct {
  DnsServer *dns;
  PosternTestDaemon *d;
  gchar *plugin_dir;
  gchar *key_path;
} Fixture;

static gchar *
random_secret (void)
{
  guint8 raw[32];

  for (gsize i = 0; i < sizeof raw; i++)
    raw[i] = (guint8) g_random_int_range (0, 256);
  return g_base64_encode (raw, sizeof raw);
}

/* A port free for both UDP and TCP on 127.0.0.1 right now. */
static guint16
free_port (void)
{
  for (;;) {
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
    g_autoptr(GSocket) udp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, 0, NULL);
    g_autoptr(GSocket) tcp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, NULL);
    g_autoptr(GSocketAddress) bound = NULL;
    g_autoptr(GSocketAddress) same = NULL;
    guint16 port;

    g_assert_true (g_socket_bind (udp, any, FALSE, NULL));
    bound = g_socket_get_local_address (udp, NULL);
    port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
    same = g_inet_socket_address_new (lo, port);
    if (g_socket_bind (tcp, same, TRUE, NULL))
      return port;
  }
}

static void
write_file (const gchar *path, const gchar *contents, int mode)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
}

static gchar *
kdig (DnsServer *dns, const gchar *type, const gchar *name)
{
  g_autofree gchar *at = g_strdup_printf ("@127.0.0.1");
  g_autofree gchar *port = g_strdup_printf ("%u", dns->port);
  const gchar *argv[] = { "kdig", at, "-p", port, "+short", "+timeout=2", "+retry=1", type, name, NULL };
  gchar *out = NULL;

  if (postern_test_run (&out, NULL, argv) != 0)
    g_clear_pointer (&out, g_free);
  return out;
}

static gchar *
srv_answer (DnsServer *dns)
{
  gchar *out = kdig (dns, "SRV", "_pexapp._tcp." ZONE);

  return out != NULL ? out : g_strdup ("(kdig failed)");
}

static void
write_zone (const gchar *path)
{
  write_file (path,
              "$ORIGIN " ZONE ".\n$TTL 300\n"
              "@ SOA ns." ZONE ". admin." ZONE ". 1 3600 600 86400 300\n"
              "@ NS ns." ZONE ".\nns A 127.0.0.1\n"
              "_pexapp._tcp 300 IN SRV " OTHER "\n", 0644);
}

static DnsServer *
dns_server_start (ServerKind kind)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  DnsServer *dns = g_new0 (DnsServer, 1);
  g_autofree gchar *conf = NULL;
  g_autofree gchar *conf_path = NULL;
  g_autofree gchar *zone_path = NULL;
  g_autofree gchar *log_path = NULL;
  gint64 deadline = g_get_monotonic_time () + WAIT_US;

  dns->kind = kind;
  dns->dir = g_dir_make_tmp ("srv-dns-XXXXXX", &error);
  g_assert_no_error (error);
  dns->port = free_port ();
  dns->secret = random_secret ();
  zone_path = g_build_filename (dns->dir, ZONE ".zone", NULL);
  write_zone (zone_path);
  log_path = g_build_filename (dns->dir, "server.log", NULL);
  if (kind == SERVER_KNOT) {
    conf = g_strdup_printf ("server:\n  rundir: %s\n  listen: 127.0.0.1@%u\n"
                            "log:\n  - target: stderr\n    any: info\n"
                            "database:\n  storage: %s\n"
                            "key:\n  - id: postern-key\n    algorithm: hmac-sha256\n    secret: %s\n"
                            "acl:\n  - id: update\n    key: postern-key\n    action: update\n"
                            "zone:\n  - domain: " ZONE "\n    storage: %s\n    file: " ZONE ".zone\n"
                            "    acl: update\n",
                            dns->dir, dns->port, dns->dir, dns->secret, dns->dir);
    conf_path = g_build_filename (dns->dir, "knot.conf", NULL);
  } else {
    conf = g_strdup_printf ("options {\n  directory \"%s\";\n  listen-on port %u { 127.0.0.1; };\n"
                            "  listen-on-v6 { none; };\n  pid-file \"%s/named.pid\";\n"
                            "  recursion no;\n  dnssec-validation no;\n  notify no;\n};\n"
                            "controls { };\n"
                            "key \"postern-key\" { algorithm hmac-sha256; secret \"%s\"; };\n"
                            "zone \"" ZONE "\" {\n  type primary;\n  file \"%s\";\n"
                            "  update-policy { grant postern-key zonesub SRV; };\n};\n",
                            dns->dir, dns->port, dns->dir, dns->secret, zone_path);
    conf_path = g_build_filename (dns->dir, "named.conf", NULL);
  }
  write_file (conf_path, conf, 0600);
  g_subprocess_launcher_set_stderr_file_path (launcher, log_path);
  g_subprocess_launcher_set_stdout_file_path (launcher, log_path);
  if (kind == SERVER_KNOT)
    dns->process = g_subprocess_launcher_spawn (launcher, &error, "knotd", "-c", conf_path, NULL);
  else
    dns->process = g_subprocess_launcher_spawn (launcher, &error, "named", "-g", "-c", conf_path, NULL);
  g_assert_no_error (error);
  while (g_get_monotonic_time () < deadline) {
    g_autofree gchar *answer = kdig (dns, "SRV", "_pexapp._tcp." ZONE);
    if (answer != NULL && strstr (answer, OTHER) != NULL)
      return dns;
    g_usleep (100 * 1000);
  }
  g_error ("the DNS server did not come up; see %s", log_path);
}

/* Only reached when the test passed: a failure keeps the files to look at. */
static void
remove_tree (const gchar *dir)
{
  const gchar *argv[] = { "rm", "-rf", "--", dir, NULL };

  g_assert_cmpint (postern_test_run (NULL, NULL, argv), ==, 0);
}

static void
dns_server_stop (DnsServer *dns)
{
  g_subprocess_send_signal (dns->process, SIGTERM);
  g_subprocess_wait (dns->process, NULL, NULL);
  g_object_unref (dns->process);
  remove_tree (dns->dir);
  g_free (dns->secret);
  g_free (dns->dir);
  g_free (dns);
}

static void
link_plugin (const gchar *dir, const gchar *env, const gchar *name)
{
  const gchar *target = g_getenv (env);
  g_autofree gchar *link = NULL;

  g_assert_nonnull (target);
  link = g_build_filename (dir, name, NULL);
  g_assert_cmpint (symlink (target, link), ==, 0);
}

static void
fixture_set_up (Fixture *f, ServerKind kind, const gchar *secret, int key_mode)
{
  g_autofree gchar *key = NULL;

  f->dns = kind == (ServerKind) -1 ? NULL : dns_server_start (kind);
  f->plugin_dir = g_dir_make_tmp ("srv-plugins-XXXXXX", NULL);
  link_plugin (f->plugin_dir, "SRV_ANNOUNCER_PLUGIN", "srv-announcer.so");
  link_plugin (f->plugin_dir, "UPSTREAM_SIM_PLUGIN", "upstream-sim.so");
  link_plugin (f->plugin_dir, "TURN_SIM_PLUGIN", "turn.so");
  f->d = postern_test_daemon_new (f->plugin_dir);
  f->key_path = g_build_filename (f->d->root, "tsig.key", NULL);
  key = g_strdup_printf ("hmac-sha256 postern-key %s\n",
                         secret != NULL ? secret : (f->dns != NULL ? f->dns->secret : "AAAA"));
  write_file (f->key_path, key, key_mode);
  postern_test_daemon_write_dropin (f->d, "00-core.conf", "[core]\nfqdn = proxy1." ZONE "\nstop-timeout = 30\n");
  postern_test_daemon_write_dropin (f->d, "10-upstream-sim.conf", "[upstream-sim]\nnodes = node1:up;node2:up\n");
}

static void
write_announcer_with (Fixture *f, guint16 port, const gchar *extra)
{
  g_autofree gchar *dropin = NULL;

  if (port == 0)
    dropin = g_strdup_printf ("[srv-announcer]\nzone = " ZONE "\n%s", extra);
  else
    dropin = g_strdup_printf ("[srv-announcer]\nserver = 127.0.0.1:%u\nzone = " ZONE "\ntsig-key-file = %s\n%s",
                              port, f->key_path, extra);
  postern_test_daemon_write_dropin (f->d, "70-srv-announcer.conf", dropin);
}

static void
write_announcer (Fixture *f, guint16 port)
{
  write_announcer_with (f, port, "");
}

static void
fixture_tear_down (Fixture *f)
{
  postern_test_daemon_free (f->d);
  if (f->dns != NULL)
    dns_server_stop (f->dns);
  remove_tree (f->plugin_dir);
  g_free (f->key_path);
  g_free (f->plugin_dir);
}

static gchar *
srv_status (Fixture *f)
{
  gchar *out = NULL;

  g_assert_cmpint (postern_test_ctl (f->d, &out, NULL, "srv", "status", NULL), ==, 0);
  return out;
}

static void
wait_status (Fixture *f, const gchar *fragment)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_US;

  while (g_get_monotonic_time () < deadline) {
    g_autofree gchar *status = srv_status (f);
    if (strstr (status, fragment) != NULL)
      return;
    g_usleep (100 * 1000);
  }
  g_error ("posternctl srv status never showed '%s':\n%s", fragment, srv_status (f));
}

/* Waits until the server's SRV answer has (or lacks) our record; the other
 * proxy's record must be there throughout. */
static void
wait_answer (Fixture *f, gboolean ours_present)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_US;
  g_autofree gchar *answer = NULL;

  while (g_get_monotonic_time () < deadline) {
    g_free (answer);
    answer = srv_answer (f->dns);
    g_assert_nonnull (strstr (answer, OTHER));
    if ((strstr (answer, OURS) != NULL) == ours_present)
      return;
    g_usleep (100 * 1000);
  }
  g_error ("our record never %s: %s", ours_present ? "appeared" : "went", answer);
}

/* Someone else deletes our record: knsupdate, the reference client. */
static void
delete_ours_by_hand (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) p = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE,
                                               &error, "knsupdate", NULL);
  g_autofree gchar *script = g_strdup_printf ("server 127.0.0.1 %u\nkey hmac-sha256:postern-key %s\nzone " ZONE ".\n"
                                              "update delete _pexapp._tcp." ZONE ". SRV " OURS "\nsend\nquit\n",
                                              f->dns->port, f->dns->secret);

  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (p, script, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (p));
  g_assert_cmpint (g_subprocess_get_exit_status (p), ==, 0);
}

static void
call_announce (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync (f->d->connection, "org.postern.Postern1",
                                                           "/org/postern/Postern1/srv_announcer",
                                                           "org.postern.Postern1.SrvAnnouncer", "Announce", NULL,
                                                           NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (reply);
}

static void
set_nodes (Fixture *f, const gchar *nodes)
{
  g_autofree gchar *dropin = g_strdup_printf ("[upstream-sim]\nnodes = %s\n", nodes);

  postern_test_daemon_write_dropin (f->d, "10-upstream-sim.conf", dropin);
  g_assert_cmpint (postern_test_ctl (f->d, NULL, NULL, "reload", NULL), ==, 0);
}

static void
run_lifecycle (ServerKind kind)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree gchar *records = NULL;
  g_autofree gchar *status = NULL;
  g_autofree gchar *after_stop = NULL;
  g_autofree gchar *log = NULL;

  fixture_set_up (&f, kind, NULL, 0600);
  write_announcer (&f, f.dns->port);
  g_assert_true (postern_test_daemon_start (f.d, &error));
  g_assert_no_error (error);

  /* Published next to the other proxy's record, and verified. */
  wait_answer (&f, TRUE);
  wait_status (&f, "verified");
  status = srv_status (&f);
  g_assert_true (g_regex_match_simple ("^published +yes +.*_pexapp\\._tcp\\.example\\.test\\. 300 IN SRV 10 100 443 "
                                       "proxy1\\.example\\.test\\.$", status, G_REGEX_MULTILINE, 0));
  g_assert_nonnull (strstr (status, "server: 127.0.0.1:"));
  g_assert_cmpint (postern_test_ctl (f.d, &records, NULL, "srv", "records", NULL), ==, 0);
  g_assert_cmpstr (records, ==, "_pexapp._tcp.example.test. 300 IN SRV 10 100 443 proxy1.example.test.\n");

  /* Deleted behind our back: Announce() puts it back at once. */
  delete_ours_by_hand (&f);
  wait_answer (&f, FALSE);
  call_announce (&f);
  wait_answer (&f, TRUE);

  /* One node down is not all down. */
  set_nodes (&f, "node1:down;node2:up");
  g_assert_cmpint (postern_test_ctl (f.d, NULL, NULL, "reload", NULL), ==, 0);
  wait_answer (&f, TRUE);

  /* Every node down: withdrawn, the other proxy's record stays. */
  set_nodes (&f, "node1:down;node2:down");
  wait_answer (&f, FALSE);
  wait_status (&f, "all down");
  wait_status (&f, "withdrawn  yes");

  /* A node back: restored. */
  set_nodes (&f, "node1:down;node2:up");
  wait_answer (&f, TRUE);
  wait_status (&f, "published  yes");

  /* Reload with another priority: exactly our old RR goes, the new comes. */
  write_announcer_with (&f, f.dns->port, "priority = 15\n");
  g_assert_cmpint (postern_test_ctl (f.d, NULL, NULL, "reload", NULL), ==, 0);
  wait_answer (&f, FALSE);
  {
    gint64 deadline = g_get_monotonic_time () + WAIT_US;
    g_autofree gchar *answer = NULL;

    while (g_get_monotonic_time () < deadline) {
      g_free (answer);
      answer = srv_answer (f.dns);
      if (strstr (answer, "15 100 443 proxy1.example.test.") != NULL)
        break;
      g_usleep (100 * 1000);
    }
    g_assert_nonnull (strstr (answer, "15 100 443 proxy1.example.test."));
    g_assert_nonnull (strstr (answer, OTHER));
  }
  wait_status (&f, "published  yes");
  g_clear_pointer (&records, g_free);
  g_assert_cmpint (postern_test_ctl (f.d, &records, NULL, "srv", "records", NULL), ==, 0);
  g_assert_cmpstr (records, ==, "_pexapp._tcp.example.test. 300 IN SRV 15 100 443 proxy1.example.test.\n");

  /* Stop: withdrawn before posternd exits. */
  g_assert_cmpint (postern_test_daemon_stop (f.d), ==, 0);
  after_stop = srv_answer (f.dns);
  g_assert_nonnull (strstr (after_stop, OTHER));
  g_assert_null (strstr (after_stop, "proxy1"));
  log = postern_test_daemon_read_log (f.d);
  g_assert_nonnull (strstr (log, "withdrawal finished"));
  g_assert_null (strstr (log, f.dns->secret));
  fixture_tear_down (&f);
}

static void
test_knot_lifecycle (void)
{
  run_lifecycle (SERVER_KNOT);
}

static void
test_bind_lifecycle (void)
{
  run_lifecycle (SERVER_BIND);
}

static void
run_wrong_key (ServerKind kind)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree gchar *wrong = random_secret ();
  g_autofree gchar *answer = NULL;
  g_autofree gchar *status = NULL;
  g_autofree gchar *log = NULL;

  fixture_set_up (&f, kind, wrong, 0600);
  write_announcer (&f, f.dns->port);
  g_assert_true (postern_test_daemon_start (f.d, &error));
  g_assert_no_error (error);
  wait_status (&f, "NOTAUTH/BADSIG");
  status = srv_status (&f);
  g_assert_nonnull (strstr (status, "failed"));
  answer = srv_answer (f.dns);
  g_assert_nonnull (strstr (answer, OTHER));
  g_assert_null (strstr (answer, OURS));
  g_assert_cmpint (postern_test_ctl (f.d, NULL, NULL, "status", NULL), ==, 0);
  g_assert_cmpint (postern_test_daemon_stop (f.d), ==, 0);
  log = postern_test_daemon_read_log (f.d);
  g_assert_nonnull (strstr (log, "BADSIG"));
  g_assert_null (strstr (log, wrong));
  fixture_tear_down (&f);
}

static void
test_knot_wrong_key (void)
{
  run_wrong_key (SERVER_KNOT);
}

static void
test_bind_wrong_key (void)
{
  run_wrong_key (SERVER_BIND);
}

static void
wait_for (DnsServer *dns, const gchar *name, const gchar *present, const gchar *absent)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_US;
  g_autofree gchar *answer = NULL;

  while (g_get_monotonic_time () < deadline) {
    g_free (answer);
    answer = kdig (dns, "SRV", name);
    if (answer != NULL && strstr (answer, present) != NULL && (absent == NULL || strstr (answer, absent) == NULL))
      return;
    g_usleep (100 * 1000);
  }
  g_error ("%s never showed '%s'%s%s: %s", name, present, absent ? " without " : "", absent ? absent : "",
           answer ? answer : "(kdig failed)");
}

/* The TURN plugin's ports, read from its configuration: one record per port
 * in [turn] listen, following a reload of [turn] alone. */
static void
test_knot_turn_ports (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree gchar *records = NULL;
  g_autofree gchar *after_stop = NULL;

  fixture_set_up (&f, SERVER_KNOT, NULL, 0600);
  postern_test_daemon_write_dropin (f.d, "30-turn.conf", "[turn]\nlisten = 0.0.0.0:3478;[::]:3478\n");
  write_announcer_with (&f, f.dns->port, "records = pexapp;turn;stun\n");
  g_assert_true (postern_test_daemon_start (f.d, &error));
  g_assert_no_error (error);
  wait_for (f.dns, "_turn._udp." ZONE, "10 100 3478 proxy1.example.test.", NULL);
  wait_answer (&f, TRUE);
  g_assert_cmpint (postern_test_ctl (f.d, &records, NULL, "srv", "records", NULL), ==, 0);
  g_assert_cmpstr (records, ==,
                   "_pexapp._tcp.example.test. 300 IN SRV 10 100 443 proxy1.example.test.\n"
                   "_turn._udp.example.test. 300 IN SRV 10 100 3478 proxy1.example.test.\n");

  postern_test_daemon_write_dropin (f.d, "30-turn.conf", "[turn]\nlisten = 0.0.0.0:3479\n");
  g_assert_cmpint (postern_test_ctl (f.d, NULL, NULL, "reload", NULL), ==, 0);
  wait_for (f.dns, "_turn._udp." ZONE, "10 100 3479 proxy1.example.test.", "3478");

  g_assert_cmpint (postern_test_daemon_stop (f.d), ==, 0);
  after_stop = kdig (f.dns, "SRV", "_turn._udp." ZONE);
  g_assert_nonnull (after_stop);
  g_assert_null (strstr (after_stop, "proxy1"));
  fixture_tear_down (&f);
}

/* Nobody answers: retried in the background while posternd keeps serving
 * D-Bus; stop gives up at the stop deadline. */
static void
test_unreachable (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree gchar *plugins = NULL;
  g_autofree gchar *log = NULL;
  GSocket *silent;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  /* A bound UDP socket nobody reads: datagrams vanish, no ICMP. */
  silent = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, 0, &error);
  g_assert_true (g_socket_bind (silent, any, FALSE, &error));
  bound = g_socket_get_local_address (silent, &error);
  fixture_set_up (&f, (ServerKind) -1, NULL, 0600);
  postern_test_daemon_write_dropin (f.d, "00-core.conf", "[core]\nfqdn = proxy1." ZONE "\nstop-timeout = 5\n");
  write_announcer (&f, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_assert_true (postern_test_daemon_start (f.d, &error));
  g_assert_no_error (error);
  /* While the first update waits for its answer, the daemon answers. */
  g_assert_cmpint (postern_test_ctl (f.d, &plugins, NULL, "plugins", NULL), ==, 0);
  g_assert_true (g_regex_match_simple ("^srv-announcer +running", plugins, G_REGEX_MULTILINE, 0));
  wait_status (&f, "no answer from the server");
  wait_status (&f, "failed");
  g_assert_cmpint (postern_test_daemon_stop (f.d), ==, 0);
  log = postern_test_daemon_read_log (f.d);
  g_assert_nonnull (strstr (log, "no answer from the server"));
  g_socket_close (silent, NULL);
  g_object_unref (silent);
  fixture_tear_down (&f);
}

/* No server: the records are only listed, for DNS edited by hand. */
static void
test_manual (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree gchar *records = NULL;
  g_autofree gchar *status = NULL;
  g_autofree gchar *err = NULL;

  fixture_set_up (&f, (ServerKind) -1, NULL, 0600);
  write_announcer (&f, 0);
  g_assert_true (postern_test_daemon_start (f.d, &error));
  g_assert_no_error (error);
  g_assert_cmpint (postern_test_ctl (f.d, &records, NULL, "srv", "records", NULL), ==, 0);
  g_assert_cmpstr (records, ==, "_pexapp._tcp.example.test. 300 IN SRV 10 100 443 proxy1.example.test.\n");
  status = srv_status (&f);
  g_assert_nonnull (strstr (status, "manual"));
  g_assert_cmpint (postern_test_ctl (f.d, NULL, &err, "srv", "bogus", NULL), ==, 2);
  g_assert_cmpint (postern_test_daemon_stop (f.d), ==, 0);
  fixture_tear_down (&f);
}

/* A key file others can read keeps the plugin from starting. */
static void
test_loose_key_file (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree gchar *plugins = NULL;
  g_autofree gchar *err = NULL;

  fixture_set_up (&f, (ServerKind) -1, NULL, 0644);
  write_announcer (&f, 53);
  g_assert_true (postern_test_daemon_start (f.d, &error));
  g_assert_no_error (error);
  g_assert_true (postern_test_daemon_wait_log (f.d, "it must be 0600"));
  g_assert_cmpint (postern_test_ctl (f.d, &plugins, NULL, "plugins", NULL), ==, 0);
  g_assert_true (g_regex_match_simple ("^srv-announcer +failed", plugins, G_REGEX_MULTILINE, 0));
  g_assert_cmpint (postern_test_ctl (f.d, NULL, &err, "srv", "status", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "is it enabled?"));
  g_assert_cmpint (postern_test_daemon_stop (f.d), ==, 0);
  fixture_tear_down (&f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/srv-announcer/knot/lifecycle", test_knot_lifecycle);
  g_test_add_func ("/srv-announcer/knot/wrong-key", test_knot_wrong_key);
  g_test_add_func ("/srv-announcer/knot/turn-ports", test_knot_turn_ports);
  g_test_add_func ("/srv-announcer/bind/lifecycle", test_bind_lifecycle);
  g_test_add_func ("/srv-announcer/bind/wrong-key", test_bind_wrong_key);
  g_test_add_func ("/srv-announcer/unreachable", test_unreachable);
  g_test_add_func ("/srv-announcer/manual", test_manual);
  g_test_add_func ("/srv-announcer/loose-key-file", test_loose_key_file);
  return g_test_run ();
}
