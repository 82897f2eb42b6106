/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "proxy-conn.h"

G_BEGIN_DECLS

/* The configured Conferencing Nodes, their health and keep-alive pools, and
 * the choice of node for each request (round-robin, token affinity,
 * ip-hash). Only nodes in this table are ever contacted. */

typedef enum {
  PROXY_NODE_UP,
  PROXY_NODE_DOWN,
  PROXY_NODE_DRAINING,
} ProxyNodeState;

typedef enum {
  PROXY_BALANCE_TOKEN,
  PROXY_BALANCE_ROUND_ROBIN,
  PROXY_BALANCE_IP_HASH,
} ProxyBalance;

typedef struct {
  gint ref;
  gchar *name;            /* host:port as configured */
  gchar *host;
  guint16 port;
  GPtrArray *addresses;   /* GSocketAddress*; NULL until a name is resolved */
  gint64 resolved_at;     /* monotonic µs */
  gboolean resolving;
  GArray *resolve_waiters;
  GBytes *tls_session;    /* to resume the next connection with */
  ProxyNodeState state;
  gboolean removed;       /* no longer configured: finishes what it has */
  GQueue idle;            /* ProxyConn*, keep-alive pool */
  guint active;           /* requests in flight */
  guint64 requests;
  guint64 failures;
  guint recent_fails;
  gint64 fail_window_start;  /* monotonic µs */
  gint64 down_until;
  guint probe_successes;  /* consecutive, for the active check */
  guint probe_failures;
  gboolean probing;
} ProxyNode;

/* @error is set when the node's name could not be resolved (and no
 * earlier answer is known). */
typedef void (*ProxyNodeResolvedFunc) (ProxyNode    *node,
                                       const GError *error,
                                       gpointer      user_data);

/* Publishes node state changes (node, state, reason). */
typedef void (*ProxyNodeStateFunc) (ProxyNode   *node,
                                    const gchar *reason,
                                    gpointer     user_data);

typedef struct {
  GPtrArray *nodes;       /* ProxyNode*, configured order */
  guint next;             /* round-robin cursor */
  GHashTable *tokens;     /* token -> TokenEntry: affinity, survives reloads */
  ProxyBalance balance;
  guint max_fails;
  guint fail_timeout_s;
  ProxyNodeStateFunc state_func;
  gpointer state_data;
} ProxyNodes;

const gchar *proxy_node_state_to_string (ProxyNodeState state);
ProxyNode   *proxy_node_ref             (ProxyNode *node);
void         proxy_node_unref           (ProxyNode *node);

gboolean     proxy_nodes_parse_list     (const gchar  *value,
                                         GPtrArray   **out,
                                         GError      **error);
ProxyNodes  *proxy_nodes_new            (void);
void         proxy_nodes_free           (ProxyNodes *self);
void         proxy_nodes_set_list       (ProxyNodes *self,
                                         GPtrArray  *nodes);
ProxyNode   *proxy_nodes_find           (ProxyNodes  *self,
                                         const gchar *name);
gboolean     proxy_nodes_add            (ProxyNodes   *self,
                                         const gchar  *spec,
                                         GError      **error);
gboolean     proxy_nodes_remove         (ProxyNodes   *self,
                                         const gchar  *name,
                                         GError      **error);
gboolean     proxy_nodes_drain          (ProxyNodes   *self,
                                         const gchar  *name,
                                         GError      **error);

/* @exclude: ProxyNode* not to pick, or NULL. */
ProxyNode   *proxy_nodes_pick           (ProxyNodes  *self,
                                         const gchar *token,
                                         const gchar *client_ip,
                                         GPtrArray   *exclude);
void         proxy_nodes_learn_token    (ProxyNodes  *self,
                                         const gchar *token,
                                         ProxyNode   *node,
                                         guint        lifetime_s);
void         proxy_nodes_forget_token   (ProxyNodes  *self,
                                         const gchar *token);
void         proxy_nodes_expire_tokens  (ProxyNodes *self);

void         proxy_node_failed          (ProxyNodes  *self,
                                         ProxyNode   *node,
                                         const gchar *reason);
void         proxy_node_succeeded       (ProxyNodes  *self,
                                         ProxyNode   *node);
void         proxy_node_set_state       (ProxyNodes     *self,
                                         ProxyNode      *node,
                                         ProxyNodeState  state,
                                         const gchar    *reason);

/* Calls @func once the node has addresses: at once when it has some (a name
 * resolved long ago is looked up again in the background), else when the
 * asynchronous lookup ends. @func may be NULL to only start a lookup. */
void         proxy_node_resolve         (ProxyNode             *node,
                                         ProxyNodeResolvedFunc  func,
                                         gpointer               user_data);
void         proxy_node_cancel_resolve  (ProxyNode *node,
                                         gpointer   user_data);

/* Keeps @conn's TLS session data, if it has new data, for the next connection. */
void         proxy_node_keep_session    (ProxyNode *node,
                                         ProxyConn *conn);
/* Forgets every node's session, e.g. when the trust settings changed. */
void         proxy_nodes_forget_sessions (ProxyNodes *self);

ProxyConn   *proxy_node_take_idle       (ProxyNode *node);
void         proxy_node_put_idle        (ProxyNode *node,
                                         ProxyConn *conn);

G_END_DECLS
