/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "postern-test-daemon.h"
#include "turn-test-client.h"

G_BEGIN_DECLS

#define TURN_TEST_REALM "postern.test"

PosternTestDaemon *turn_test_start     (guint16           *port,
                                        const gchar       *extra_keys);
const gchar       *turn_test_threads_key (void);
void               turn_test_add_user  (PosternTestDaemon *d,
                                        const gchar       *name,
                                        const gchar       *password);
guint64            turn_test_counter   (PosternTestDaemon *d,
                                        const gchar       *name);
guint16            turn_test_port_base (guint              slot);
void               turn_test_log_lines (const gchar       *what,
                                        const gchar       *text);
gint               turn_test_peer_socket (const gchar     *ip,
                                          guint16         *port);
void               turn_test_peer_send (gint               fd,
                                        const PosternStunAddress *relayed,
                                        const gchar       *text);

G_END_DECLS
