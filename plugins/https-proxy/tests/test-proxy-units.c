/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The proxy's pure pieces: reading API answers, log redaction, node lists
 * and the choice of node. */
#include <string.h>

#include "proxy-inspect.h"
#include "proxy-log.h"
#include "proxy-nodes.h"

static void
test_call (void)
{
  g_autofree gchar *alias = NULL;

  g_assert_cmpint (proxy_inspect_call ("/api/client/v2/conferences/meet/request_token", &alias), ==,
                   PROXY_CALL_REQUEST_TOKEN);
  g_assert_cmpstr (alias, ==, "meet");
  g_clear_pointer (&alias, g_free);
  g_assert_cmpint (proxy_inspect_call ("/api/client/v2/conferences/a%20b%40c/refresh_token", &alias), ==,
                   PROXY_CALL_REFRESH_TOKEN);
  g_assert_cmpstr (alias, ==, "a b@c");
  g_clear_pointer (&alias, g_free);
  g_assert_cmpint (proxy_inspect_call ("/api/client/v2/conferences/x/release_token", &alias), ==,
                   PROXY_CALL_RELEASE_TOKEN);
  g_clear_pointer (&alias, g_free);
  g_assert_cmpint (proxy_inspect_call ("/api/client/v2/conferences/x/participants", &alias), ==, PROXY_CALL_OTHER);
  g_assert_null (alias);
  g_assert_cmpint (proxy_inspect_call ("/api/client/v2/conferences//request_token", &alias), ==, PROXY_CALL_OTHER);
  g_assert_null (alias);
  g_assert_cmpint (proxy_inspect_call ("/webapp/request_token", &alias), ==, PROXY_CALL_OTHER);
  g_assert_null (alias);
}

static void
test_token (void)
{
  static const gchar ok[] = "{\"status\":\"success\",\"result\":{\"token\":\"abc\",\"expires\":\"300\"}}";
  static const gchar no_expiry[] = "{\"status\":\"success\",\"result\":{\"token\":\"abc\"}}";
  static const gchar *const bad[] = {
    "", "{", "[]", "{\"result\":\"Invalid PIN\"}", "{\"result\":{\"token\":5}}", "{\"result\":{\"token\":\"\"}}",
    "{\"status\":\"success\"}", NULL,
  };
  g_autofree gchar *token = NULL;
  guint expires = 0;

  g_assert_true (proxy_inspect_token (ok, strlen (ok), &token, &expires));
  g_assert_cmpstr (token, ==, "abc");
  g_assert_cmpuint (expires, ==, 300);
  g_clear_pointer (&token, g_free);
  g_assert_true (proxy_inspect_token (no_expiry, strlen (no_expiry), &token, &expires));
  g_assert_cmpuint (expires, ==, 120);
  for (gsize i = 0; bad[i] != NULL; i++)
    g_assert_false (proxy_inspect_token (bad[i], strlen (bad[i]), &token, &expires));
}

static void
test_pin_failure (void)
{
  static const gchar invalid[] = "{\"status\":\"success\",\"result\":\"Invalid PIN\"}";
  static const gchar required[] = "{\"status\":\"success\",\"result\":{\"pin\":\"required\",\"guest_pin\":\"none\"}}";
  static const gchar guest_required[] = "{\"status\":\"success\",\"result\":{\"pin\":\"none\",\"guest_pin\":\"required\"}}";
  static const gchar not_found[] = "{\"status\":\"failed\",\"result\":\"Neither conference nor gateway found\"}";

  g_assert_cmpstr (proxy_inspect_pin_failure (403, "9999", invalid, strlen (invalid)), ==, "invalid-pin");
  g_assert_cmpstr (proxy_inspect_pin_failure (403, NULL, invalid, strlen (invalid)), ==, "invalid-pin");
  /* Told a PIN is needed without having sent one: no failure. */
  g_assert_null (proxy_inspect_pin_failure (403, NULL, required, strlen (required)));
  g_assert_null (proxy_inspect_pin_failure (403, "none", guest_required, strlen (guest_required)));
  g_assert_null (proxy_inspect_pin_failure (403, "", required, strlen (required)));
  g_assert_cmpstr (proxy_inspect_pin_failure (403, "1", required, strlen (required)), ==, "pin-required-after-pin");
  g_assert_cmpstr (proxy_inspect_pin_failure (403, "1", guest_required, strlen (guest_required)), ==,
                   "pin-required-after-pin");
  g_assert_null (proxy_inspect_pin_failure (200, "1", invalid, strlen (invalid)));
  g_assert_null (proxy_inspect_pin_failure (404, "1", not_found, strlen (not_found)));
  g_assert_null (proxy_inspect_pin_failure (403, "1", "garbage", 7));
}

static void
test_request_token (void)
{
  g_autofree gchar *header = proxy_inspect_request_token ("hdr", "token=q");
  g_autofree gchar *query = proxy_inspect_request_token (NULL, "a=1&token=abc%2Bd&b=2");
  g_autofree gchar *none = proxy_inspect_request_token (NULL, "tokens=1&xtoken=2&token=");
  g_autofree gchar *no_query = proxy_inspect_request_token (NULL, NULL);

  g_assert_cmpstr (header, ==, "hdr");
  g_assert_cmpstr (query, ==, "abc+d");
  g_assert_null (none);
  g_assert_null (no_query);
}

static void
test_redact (void)
{
  static const gchar *const cases[][2] = {
    { "/api/x", "/api/x" },
    { "/events?token=abc", "/events?token=REDACTED" },
    { "/a?x=1&TOKEN=abc&pin=1234&code=c&state=s&data=d&y=2",
      "/a?x=1&TOKEN=REDACTED&pin=REDACTED&code=REDACTED&state=REDACTED&data=REDACTED&y=2" },
    { "/a?tokens=1&mytoken=2", "/a?tokens=1&mytoken=2" },
    { "https://h/w/?code=abc#frag", "https://h/w/?code=REDACTED#frag" },
    { "/a?token", "/a?token" },
    { "/a?&&token=x&", "/a?&&token=REDACTED&" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree gchar *out = proxy_log_redact (cases[i][0]);
    g_assert_cmpstr (out, ==, cases[i][1]);
  }
}

static void
test_parse_nodes (void)
{
  static const gchar *const bad[] = { "a:0", "a:65536", "a:x", "[::1", "[::1]x", "1.2.3.4:1:2", "127.0.0.1;127.0.0.1:443", NULL };
  g_autoptr(GPtrArray) nodes = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (proxy_nodes_parse_list ("127.0.0.1; 127.0.0.1:9001 ;[::1]:8443;[::1];", &nodes, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (nodes->len, ==, 4);
  g_assert_cmpstr (((ProxyNode *) nodes->pdata[0])->name, ==, "127.0.0.1:443");
  g_assert_cmpstr (((ProxyNode *) nodes->pdata[1])->name, ==, "127.0.0.1:9001");
  g_assert_cmpstr (((ProxyNode *) nodes->pdata[2])->name, ==, "[::1]:8443");
  g_assert_cmpstr (((ProxyNode *) nodes->pdata[3])->name, ==, "[::1]:443");
  g_assert_cmpstr (((ProxyNode *) nodes->pdata[3])->host, ==, "::1");
  g_assert_nonnull (((ProxyNode *) nodes->pdata[0])->addresses);
  g_clear_pointer (&nodes, g_ptr_array_unref);
  /* A name is not looked up while parsing (nor ever from here: no lookup
   * starts before the node is put in use). */
  g_assert_true (proxy_nodes_parse_list ("node1.example:8443", &nodes, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (((ProxyNode *) nodes->pdata[0])->name, ==, "node1.example:8443");
  g_assert_null (((ProxyNode *) nodes->pdata[0])->addresses);
  g_assert_false (((ProxyNode *) nodes->pdata[0])->resolving);
  for (gsize i = 0; bad[i] != NULL; i++) {
    g_autoptr(GPtrArray) none = NULL;
    g_autoptr(GError) e = NULL;
    g_assert_false (proxy_nodes_parse_list (bad[i], &none, &e));
    g_assert_nonnull (e);
    g_assert_null (none);
  }
}

static ProxyNodes *
three_nodes (void)
{
  ProxyNodes *self = proxy_nodes_new ();
  g_autoptr(GPtrArray) list = NULL;

  g_assert_true (proxy_nodes_parse_list ("127.0.0.1:1;127.0.0.1:2;127.0.0.1:3", &list, NULL));
  proxy_nodes_set_list (self, list);
  self->max_fails = 2;
  self->fail_timeout_s = 3600;
  return self;
}

static void
test_pick (void)
{
  ProxyNodes *self = three_nodes ();
  g_autoptr(GPtrArray) none = g_ptr_array_new ();
  g_autoptr(GPtrArray) exclude = g_ptr_array_new ();
  ProxyNode *a, *b, *c, *d;

  /* Round-robin over healthy nodes. */
  a = proxy_nodes_pick (self, NULL, "10.0.0.1", none);
  b = proxy_nodes_pick (self, NULL, "10.0.0.1", none);
  c = proxy_nodes_pick (self, NULL, "10.0.0.1", none);
  d = proxy_nodes_pick (self, NULL, "10.0.0.1", none);
  g_assert_true (a != b && b != c && a != c);
  g_assert_true (d == a);

  /* A token sticks to its node; unknown tokens round-robin. */
  proxy_nodes_learn_token (self, "t1", b, 120);
  for (guint i = 0; i < 5; i++)
    g_assert_true (proxy_nodes_pick (self, "t1", NULL, none) == b);
  /* Draining: new sessions avoid it, its tokens still go there. */
  proxy_node_set_state (self, b, PROXY_NODE_DRAINING, "test");
  for (guint i = 0; i < 6; i++)
    g_assert_true (proxy_nodes_pick (self, NULL, NULL, none) != b);
  g_assert_true (proxy_nodes_pick (self, "t1", NULL, none) == b);
  /* Excluded after a failure: elsewhere. */
  g_ptr_array_add (exclude, b);
  g_assert_true (proxy_nodes_pick (self, "t1", NULL, exclude) != b);
  proxy_nodes_forget_token (self, "t1");
  g_assert_cmpuint (g_hash_table_size (self->tokens), ==, 0);

  /* Passive health: max-fails within the window marks a node down. */
  proxy_node_set_state (self, b, PROXY_NODE_UP, "test");
  proxy_node_failed (self, a, "test");
  g_assert_cmpint (a->state, ==, PROXY_NODE_UP);
  proxy_node_failed (self, a, "test");
  g_assert_cmpint (a->state, ==, PROXY_NODE_DOWN);
  for (guint i = 0; i < 6; i++)
    g_assert_true (proxy_nodes_pick (self, NULL, NULL, none) != a);
  proxy_node_succeeded (self, a);
  g_assert_cmpint (a->state, ==, PROXY_NODE_UP);

  /* Every node excluded: nothing. */
  g_ptr_array_set_size (exclude, 0);
  g_ptr_array_add (exclude, a);
  g_ptr_array_add (exclude, b);
  g_ptr_array_add (exclude, c);
  g_assert_null (proxy_nodes_pick (self, NULL, NULL, exclude));
  proxy_nodes_free (self);
}

static void
test_ip_hash (void)
{
  ProxyNodes *self = three_nodes ();
  g_autoptr(GPtrArray) none = g_ptr_array_new ();
  g_autoptr(GHashTable) used = g_hash_table_new (NULL, NULL);
  ProxyNode *first;

  self->balance = PROXY_BALANCE_IP_HASH;
  first = proxy_nodes_pick (self, NULL, "192.0.2.1", none);
  /* The same /24 lands on the same node, like nginx's ip_hash. */
  for (guint i = 2; i < 255; i++) {
    g_autofree gchar *ip = g_strdup_printf ("192.0.2.%u", i);
    g_assert_true (proxy_nodes_pick (self, NULL, ip, none) == first);
  }
  for (guint i = 0; i < 64; i++) {
    g_autofree gchar *ip = g_strdup_printf ("198.51.%u.7", i);
    g_hash_table_add (used, proxy_nodes_pick (self, NULL, ip, none));
  }
  g_assert_cmpuint (g_hash_table_size (used), >, 1);
  proxy_nodes_free (self);
}

static void
test_set_list_keeps_state (void)
{
  ProxyNodes *self = three_nodes ();
  g_autoptr(GPtrArray) list = NULL;
  ProxyNode *kept = proxy_node_ref (self->nodes->pdata[0]);
  ProxyNode *gone = proxy_node_ref (self->nodes->pdata[2]);

  kept->requests = 42;
  proxy_nodes_learn_token (self, "t", kept, 120);
  g_assert_true (proxy_nodes_parse_list ("127.0.0.1:1;127.0.0.1:4", &list, NULL));
  proxy_nodes_set_list (self, list);
  g_assert_cmpuint (self->nodes->len, ==, 2);
  g_assert_true (self->nodes->pdata[0] == kept);
  g_assert_cmpuint (kept->requests, ==, 42);
  g_assert_true (gone->removed);
  g_assert_false (kept->removed);
  /* Affinity survives the reload. */
  {
    g_autoptr(GPtrArray) none = g_ptr_array_new ();
    g_assert_true (proxy_nodes_pick (self, "t", NULL, none) == kept);
  }
  proxy_node_unref (kept);
  proxy_node_unref (gone);
  proxy_nodes_free (self);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/https-proxy/inspect/call", test_call);
  g_test_add_func ("/https-proxy/inspect/token", test_token);
  g_test_add_func ("/https-proxy/inspect/pin-failure", test_pin_failure);
  g_test_add_func ("/https-proxy/inspect/request-token", test_request_token);
  g_test_add_func ("/https-proxy/log/redact", test_redact);
  g_test_add_func ("/https-proxy/nodes/parse", test_parse_nodes);
  g_test_add_func ("/https-proxy/nodes/pick", test_pick);
  g_test_add_func ("/https-proxy/nodes/ip-hash", test_ip_hash);
  g_test_add_func ("/https-proxy/nodes/set-list", test_set_list_keeps_state);
  return g_test_run ();
}
