/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A minimal HTTPS node for resumption and failure tests, in a thread of the
 * test: a GnuTLS server on 127.0.0.1 with session tickets enabled (the demo
 * node's TLS stack resumes nothing) that answers every request "200 ok" and
 * closes the connection, so each request through the proxy needs a new one. */
typedef struct _TicketNode TicketNode;

TicketNode *ticket_node_start       (void);
/* Sends @answer (copied; it may be cut short on purpose) to every request
 * instead, then closes. */
TicketNode *ticket_node_start_answering (const gchar *answer);
guint16     ticket_node_get_port    (TicketNode *self);
/* Request heads the node read. */
guint       ticket_node_get_requests (TicketNode *self);
/* A copy of the last request head the node read (NULL before any). */
gchar      *ticket_node_get_last_head (TicketNode *self);
/* Connections whose handshake resumed a session, as the server saw them. */
guint       ticket_node_get_resumed (TicketNode *self);
void        ticket_node_stop        (TicketNode *self);

G_END_DECLS
