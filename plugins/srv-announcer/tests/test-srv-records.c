/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <postern.h>
#include <string.h>

#include "srv-records.h"

static const PosternConfigKey listener_keys[] = {
  { "listen", POSTERN_CONFIG_TYPE_ADDRESS_LIST, "", "UDP" },
  { "listen-tcp", POSTERN_CONFIG_TYPE_ADDRESS_LIST, "", "TCP" },
  { "listen-tls", POSTERN_CONFIG_TYPE_ADDRESS_LIST, "", "TLS" },
  { NULL }
};

static PosternConfig *
listener_config (const gchar *group, const gchar *listen, const gchar *tls)
{
  PosternConfig *config = postern_config_new (group, listener_keys);
  g_autoptr(GError) error = NULL;

  g_assert_true (postern_config_set_value (config, "listen", listen, "test", &error));
  if (tls != NULL)
    g_assert_true (postern_config_set_value (config, "listen-tls", tls, "test", &error));
  g_assert_no_error (error);
  return config;
}

static GStrv
lines_of (GPtrArray *records)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < records->len; i++) {
    g_autofree gchar *line = srv_record_to_zone_line (g_ptr_array_index (records, i));
    g_strv_builder_add (builder, line);
  }
  return g_strv_builder_end (builder);
}

static void
test_pexapp_only (void)
{
  const gchar *const wanted[] = { "pexapp", NULL };
  SrvRecordsInput input = { "Example.COM", "proxy1.example.com", 10, 100, 86400, wanted, NULL, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = srv_records_build (&input, &error);
  g_auto(GStrv) lines = NULL;

  g_assert_no_error (error);
  lines = lines_of (records);
  g_assert_cmpuint (g_strv_length (lines), ==, 1);
  g_assert_cmpstr (lines[0], ==, "_pexapp._tcp.example.com. 86400 IN SRV 10 100 443 proxy1.example.com.");
  g_assert_cmpstr (((SrvRecord *) records->pdata[0])->role, ==, "pexapp");
}

static void
test_turn_and_stun_ports (void)
{
  const gchar *const wanted[] = { "pexapp", "turn", "stun", NULL };
  g_autoptr(PosternConfig) turn = listener_config ("turn", "0.0.0.0:3478;[::]:3478;192.0.2.1:3479", "0.0.0.0:5349");
  g_autoptr(PosternConfig) stun = listener_config ("stun", "0.0.0.0:19302", NULL);
  SrvRecordsInput input = { "example.com.", "proxy1.example.com.", 20, 5, 300, wanted, turn, stun };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = srv_records_build (&input, &error);
  g_auto(GStrv) lines = NULL;

  g_assert_no_error (error);
  lines = lines_of (records);
  g_assert_cmpuint (g_strv_length (lines), ==, 5);
  g_assert_cmpstr (lines[0], ==, "_pexapp._tcp.example.com. 300 IN SRV 20 5 443 proxy1.example.com.");
  /* Wildcard v4 and v6 on one port are one service. */
  g_assert_cmpstr (lines[1], ==, "_turn._udp.example.com. 300 IN SRV 20 5 3478 proxy1.example.com.");
  g_assert_cmpstr (lines[2], ==, "_turn._udp.example.com. 300 IN SRV 20 5 3479 proxy1.example.com.");
  g_assert_cmpstr (lines[3], ==, "_turns._tcp.example.com. 300 IN SRV 20 5 5349 proxy1.example.com.");
  g_assert_cmpstr (lines[4], ==, "_stun._udp.example.com. 300 IN SRV 20 5 19302 proxy1.example.com.");
  g_assert_cmpstr (((SrvRecord *) records->pdata[3])->role, ==, "turn");
  g_assert_cmpstr (((SrvRecord *) records->pdata[4])->role, ==, "stun");
}

static void
test_disabled_plugins_skipped (void)
{
  const gchar *const wanted[] = { "turn", "stun", NULL };
  SrvRecordsInput input = { "example.com", "proxy1.example.com", 10, 100, 300, wanted, NULL, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = srv_records_build (&input, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (records->len, ==, 0);
}

static void
test_bad_input (void)
{
  const gchar *const wanted[] = { "pexapp", NULL };
  const gchar *const unknown[] = { "pexapp", "sip", NULL };
  const gchar *const bad_names[] = { "", "a..b", "exa mple.com", "x.-" "\n", ".", NULL };
  g_autoptr(GError) error = NULL;
  SrvRecordsInput input = { "example.com", "proxy1.example.com", 10, 100, 300, unknown, NULL, NULL };
  g_autoptr(GPtrArray) records = srv_records_build (&input, &error);

  g_assert_null (records);
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG);
  g_assert_nonnull (strstr (error->message, "'sip'"));
  input.records = wanted;
  for (gsize i = 0; bad_names[i] != NULL; i++) {
    g_clear_error (&error);
    input.domain = bad_names[i];
    g_assert_null (srv_records_build (&input, &error));
    g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG);
  }
  g_assert_false (srv_name_valid ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com"));
  g_assert_true (srv_name_valid ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com."));
}

static void
test_equal_ignores_ttl_and_case (void)
{
  g_autoptr(SrvRecord) a = srv_record_new ("pexapp", "_pexapp._tcp.example.com", 300, 10, 100, 443, "P.example.com");
  g_autoptr(SrvRecord) b = srv_record_new ("", "_PEXAPP._tcp.example.com.", 60, 10, 100, 443, "p.example.com.");
  g_autoptr(SrvRecord) c = srv_record_new ("", "_pexapp._tcp.example.com.", 60, 20, 100, 443, "p.example.com.");

  g_assert_true (srv_record_equal (a, b));
  g_assert_false (srv_record_equal (a, c));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/srv/records/pexapp-only", test_pexapp_only);
  g_test_add_func ("/srv/records/turn-and-stun-ports", test_turn_and_stun_ports);
  g_test_add_func ("/srv/records/disabled-plugins-skipped", test_disabled_plugins_skipped);
  g_test_add_func ("/srv/records/bad-input", test_bad_input);
  g_test_add_func ("/srv/records/equal", test_equal_ignores_ttl_and_case);
  return g_test_run ();
}
