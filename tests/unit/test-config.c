/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PosternConfig: typed values, defaults, bounds and address syntax. */
#include <string.h>

#include <postern.h>

static gboolean
reject_x (const gchar *value, GError **error)
{
  if (g_str_equal (value, "x")) {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG, "x is not allowed");
    return FALSE;
  }
  return TRUE;
}

static const PosternConfigKey keys[] = {
  { "name", POSTERN_CONFIG_TYPE_STRING, "anon", "a string", 0, 0, reject_x },
  { "flag", POSTERN_CONFIG_TYPE_BOOLEAN, "false", "a boolean" },
  { "port", POSTERN_CONFIG_TYPE_INTEGER, "3478", "bounded", 1, 65535 },
  { "lifetime", POSTERN_CONFIG_TYPE_DURATION, "600", "seconds" },
  { "names", POSTERN_CONFIG_TYPE_STRING_LIST, NULL, "a list" },
  { "peer", POSTERN_CONFIG_TYPE_ADDRESS, NULL, "one address" },
  { "file", POSTERN_CONFIG_TYPE_PATH, "", "a path" },
  { NULL }
};

static void
test_defaults_and_values (void)
{
  g_autoptr(PosternConfig) c = postern_config_new ("demo", keys);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;
  g_autoptr(GInetSocketAddress) peer = NULL;

  g_assert_cmpstr (postern_config_get_string (c, "name"), ==, "anon");
  g_assert_false (postern_config_get_boolean (c, "flag"));
  g_assert_cmpint (postern_config_get_integer (c, "port"), ==, 3478);
  g_assert_null (postern_config_get_address (c, "peer"));
  g_assert_true (postern_config_get_boolean (c, "enabled"));

  g_assert_true (postern_config_set_value (c, "flag", "true", "a.conf:1", &error));
  g_assert_true (postern_config_set_value (c, "names", "a; b\\;c ;;", "a.conf:2", &error));
  g_assert_true (postern_config_set_value (c, "peer", "[2001:db8::1]:5349", "a.conf:3", &error));
  g_assert_no_error (error);
  g_assert_true (postern_config_get_boolean (c, "flag"));
  names = postern_config_get_string_list (c, "names");
  g_assert_cmpuint (g_strv_length (names), ==, 2);
  g_assert_cmpstr (names[1], ==, "b;c");
  peer = postern_config_get_address (c, "peer");
  g_assert_cmpuint (g_inet_socket_address_get_port (peer), ==, 5349);
  g_assert_cmpstr (postern_config_get_source (c, "peer"), ==, "a.conf:3");
}

static void
expect_refused (PosternConfig *c, const gchar *key, const gchar *value, const gchar *fragment)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (postern_config_set_value (c, key, value, "f.conf:9", &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG);
  g_test_message ("%s=%s -> %s", key, value, error->message);
  g_assert_true (g_str_has_prefix (error->message, "f.conf:9: "));
  g_assert_nonnull (strstr (error->message, fragment));
}

static void
test_bad_values (void)
{
  g_autoptr(PosternConfig) c = postern_config_new ("demo", keys);

  expect_refused (c, "flag", "yes please", "not a boolean");
  expect_refused (c, "port", "0", "out of range 1..65535");
  expect_refused (c, "port", "65536", "out of range");
  expect_refused (c, "port", "12abc", "not a whole number");
  expect_refused (c, "port", "99999999999999999999999", "not a whole number");
  expect_refused (c, "lifetime", "-1", "negative");
  expect_refused (c, "peer", "example.com:80", "not an IP address");
  expect_refused (c, "peer", "::1:80", "write IPv6 addresses as [ADDRESS]:PORT");
  expect_refused (c, "peer", "[::1", "missing ']'");
  expect_refused (c, "peer", "127.0.0.1", "missing ':PORT'");
  expect_refused (c, "peer", "[127.0.0.1]:5", "not an IP address");
  expect_refused (c, "file", "relative/path", "not an absolute path");
  expect_refused (c, "name", "x", "x is not allowed");
  expect_refused (c, "nope", "1", "unknown key 'nope'");
  /* A refused value leaves the old one in force. */
  g_assert_cmpint (postern_config_get_integer (c, "port"), ==, 3478);
}

static void
test_core_has_no_enabled (void)
{
  g_autoptr(PosternConfig) c = postern_config_new ("core", keys);

  g_assert_false (postern_config_has_key (c, "enabled"));
}

static void
test_address_roundtrip (void)
{
  const gchar *cases[][2] = {
    { "0.0.0.0:3478", "0.0.0.0:3478" },
    { "[::]:3478", "[::]:3478" },
    { "[::ffff:1.2.3.4]:1", "[::ffff:1.2.3.4]:1" },
    { "127.0.0.1:0", "127.0.0.1:0" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GInetSocketAddress) a = postern_parse_address (cases[i][0], 0, &error);
    g_autofree gchar *text = NULL;

    g_assert_no_error (error);
    text = postern_address_to_string (a);
    g_assert_cmpstr (text, ==, cases[i][1]);
  }
  {
    g_autoptr(GInetSocketAddress) a = postern_parse_address ("10.0.0.1", 443, NULL);
    g_assert_cmpuint (g_inet_socket_address_get_port (a), ==, 443);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/config/defaults-and-values", test_defaults_and_values);
  g_test_add_func ("/config/bad-values", test_bad_values);
  g_test_add_func ("/config/core-has-no-enabled", test_core_has_no_enabled);
  g_test_add_func ("/config/address-roundtrip", test_address_roundtrip);
  return g_test_run ();
}
