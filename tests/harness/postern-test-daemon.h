/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A real posternd for integration tests: its own temporary conf.d and state
 * dir, on a private dbus-daemon, with its stderr kept in a log file. */
typedef struct {
  gchar *root;
  gchar *confdir;
  gchar *state_dir;
  gchar *log_path;
  gchar *bus_address;
  gchar *plugin_dir;
  GSubprocess *dbus;
  GSubprocess *posternd;
  GDBusConnection *connection;
  gchar *notify_socket; /* NOTIFY_SOCKET for posternd, or NULL */
  gboolean exited;
} PosternTestDaemon;

PosternTestDaemon *postern_test_daemon_new          (const gchar        *plugin_dir);
void               postern_test_daemon_free         (PosternTestDaemon  *d);
void               postern_test_daemon_write_dropin (PosternTestDaemon  *d,
                                                     const gchar        *name,
                                                     const gchar        *contents);
void               postern_test_daemon_remove_dropin (PosternTestDaemon *d,
                                                     const gchar        *name);
gboolean           postern_test_daemon_start        (PosternTestDaemon  *d,
                                                     GError            **error);
gint               postern_test_daemon_stop         (PosternTestDaemon  *d);
void               postern_test_daemon_signal       (PosternTestDaemon  *d,
                                                     gint                signum);
gchar             *postern_test_daemon_read_log     (PosternTestDaemon  *d);
gboolean           postern_test_daemon_wait_log     (PosternTestDaemon  *d,
                                                     const gchar        *fragment);
gint               postern_test_run                 (gchar             **out,
                                                     gchar             **err,
                                                     const gchar *const *argv);
gint               postern_test_ctl                 (PosternTestDaemon  *d,
                                                     gchar             **out,
                                                     gchar             **err,
                                                     ...) G_GNUC_NULL_TERMINATED;
GSubprocessLauncher *postern_test_launcher_new      (GSubprocessFlags    flags);
guint16            postern_test_free_tcp_port       (void);
gchar             *postern_test_daemon_save_ca      (PosternTestDaemon  *d,
                                                     const gchar        *fqdn);
GPtrArray         *postern_test_curl_argv           (const gchar        *ca,
                                                     guint16             https_port);
GSubprocess       *postern_test_demo_node_start     (gchar             **address);
const gchar       *postern_test_posternd            (void);
const gchar       *postern_test_posternctl          (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternTestDaemon, postern_test_daemon_free)

G_END_DECLS
