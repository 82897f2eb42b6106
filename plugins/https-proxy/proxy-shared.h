/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <postern.h>
#include <stdio.h>
#include <gnutls/gnutls.h>

#include "proxy-loop.h"
#include "proxy-nodes.h"

G_BEGIN_DECLS

/* What every forwarded request reads: the live settings and node table. */
typedef struct {
  PosternContext *context;
  ProxyLoop *loop;        /* node connections' sockets and timeouts */
  ProxyNodes *nodes;
  gnutls_certificate_credentials_t creds;
  gboolean verify;
  guint64 max_body;
  guint idle_timeout_s;
  guint connect_timeout_s;
  FILE *access_log;
  GQueue forwards;        /* requests in flight, ended when the plugin stops */
  GPtrArray *spare_forwards; /* freed ones kept with their buffers for the next requests */
  guint64 max_queued;     /* most bytes ever waiting for one node connection */
  guint64 tls_handshakes; /* new connections to nodes: full handshakes */
  guint64 tls_resumed;    /* and resumed sessions */
} ProxyShared;

G_END_DECLS
