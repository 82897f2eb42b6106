/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turn-credentials.h"
#include "turn-error.h"

#include <postern.h>
#include <string.h>

static void
assert_key_hex (const TurnKey *key, const gchar *hex)
{
  gchar buf[TURN_KEY_HEX_LEN];
  g_assert_cmpstr (turn_key_to_hex (key, buf), ==, hex);
}

static void
test_key_derive (void)
{
  TurnKey key;

  /* the example coturn's documentation gives for `turnadmin -k` */
  turn_key_derive (&key, "ninefingers", "north.gov", "youhavetoberealistic");
  assert_key_hex (&key, "0xbc807ee29df3c9ffa736523fb2c4e8ee");
}

static void
test_key_hex (void)
{
  static const struct { const gchar *text; gboolean ok; } cases[] = {
    { "0xbc807ee29df3c9ffa736523fb2c4e8ee", TRUE },
    { "0XBC807EE29DF3C9FFA736523FB2C4E8EE", TRUE },
    { "bc807ee29df3c9ffa736523fb2c4e8ee", FALSE },
    { "0xbc807ee29df3c9ffa736523fb2c4e8e", FALSE },
    { "0xbc807ee29df3c9ffa736523fb2c4e8eee", FALSE },
    { "0xbc807ee29df3c9ffa736523fb2c4e8eg", FALSE },
    { "0x bc807ee29df3c9ffa736523fb2c4e8e", FALSE },
    { "", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      TurnKey key;
      g_assert_cmpint (turn_key_from_hex (&key, cases[i].text), ==, cases[i].ok);
      if (cases[i].ok)
        assert_key_hex (&key, "0xbc807ee29df3c9ffa736523fb2c4e8ee");
    }
}

static void
test_constant_time_equal (void)
{
  static const guint8 a[] = { 1, 2, 3, 4 };
  static const guint8 b[] = { 1, 2, 3, 5 };
  static const guint8 c[] = { 0x81, 2, 3, 4 };

  g_assert_true (turn_constant_time_equal (a, a, 4));
  g_assert_false (turn_constant_time_equal (a, b, 4));
  g_assert_false (turn_constant_time_equal (a, c, 4));
  g_assert_true (turn_constant_time_equal (a, b, 3));
  g_assert_true (turn_constant_time_equal (a, b, 0));
}

static void
test_username_valid (void)
{
  static const struct { const gchar *name; gboolean ok; } cases[] = {
    { "alice", TRUE }, { "1700000000:alice", TRUE }, { "ünïcode", TRUE }, { "a b", TRUE },
    { "", FALSE }, { "#alice", FALSE }, { " alice", FALSE }, { "alice ", FALSE },
    { "al\tice", FALSE }, { "al\nice", FALSE }, { "al\x7f" "ice", FALSE }, { "\xff\xfe", FALSE },
  };
  g_autofree gchar *longest = g_strnfill (TURN_MAX_NAME_LEN, 'x');
  g_autofree gchar *too_long = g_strnfill (TURN_MAX_NAME_LEN + 1, 'x');

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_assert_cmpint (turn_username_is_valid (cases[i].name, &error), ==, cases[i].ok);
      if (!cases[i].ok)
        g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_ARGUMENT);
    }
  g_assert_true (turn_username_is_valid (longest, NULL));
  g_assert_false (turn_username_is_valid (too_long, NULL));
}

static void
test_users_parse (void)
{
  const gchar *text =
    "# users for north.gov\n"
    "\n"
    "ninefingers:0xbc807ee29df3c9ffa736523fb2c4e8ee\n"
    "   gorst:0x00112233445566778899AABBCCDDEEFF   \r\n"
    "1700000000:rest:0xabca35356f4b00fbc33e2d8c2c43b9d6\n"
    "  # indented comment\n"
    "last:0xffffffffffffffffffffffffffffffff";
  g_autoptr(GError) error = NULL;
  g_autoptr(TurnUsers) users = turn_users_parse (text, strlen (text), "users", &error);
  g_auto(GStrv) names = NULL;
  TurnKey key;

  g_assert_no_error (error);
  g_assert_cmpuint (turn_users_get_size (users), ==, 4);
  g_assert_true (turn_users_lookup (users, "ninefingers", &key));
  assert_key_hex (&key, "0xbc807ee29df3c9ffa736523fb2c4e8ee");
  g_assert_true (turn_users_lookup (users, "gorst", &key));
  assert_key_hex (&key, "0x00112233445566778899aabbccddeeff");
  g_assert_true (turn_users_lookup (users, "1700000000:rest", &key));
  g_assert_true (turn_users_lookup (users, "last", &key));
  g_assert_false (turn_users_lookup (users, "nobody", &key));
  g_assert_false (turn_users_lookup (users, "Ninefingers", &key));

  names = turn_users_list (users);
  g_assert_cmpuint (g_strv_length (names), ==, 4);
  g_assert_cmpstr (names[0], ==, "1700000000:rest");
  g_assert_cmpstr (names[3], ==, "ninefingers");
}

static void
test_users_parse_errors (void)
{
  static const struct { const gchar *text; const gchar *message; } cases[] = {
    { "alice:secretpassword\n", "f:1: expected" },
    { "# ok\nalice:0xbc807ee29df3c9ffa736523fb2c4e8ee\nbob\n", "f:3: expected" },
    { "alice:0xbc807ee29df3c9ffa736523fb2c4e8e\n", "f:1: expected" },
    { ":0xbc807ee29df3c9ffa736523fb2c4e8ee\n", "f:1: a user name" },
    { "a\x01:0xbc807ee29df3c9ffa736523fb2c4e8ee\n", "f:1: a user name must not contain" },
    { "\n\nalice:0xbc807ee29df3c9ffa736523fb2c4e8ee\nalice:0x00112233445566778899aabbccddeeff\n",
      "f:4: user “alice” is listed twice" },
    { "alice:0xbc807ee29df3c9ffa736523fb2c4e8ee extra\n", "f:1: expected" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TurnUsers) users = turn_users_parse (cases[i].text, strlen (cases[i].text), "f", &error);

      g_assert_null (users);
      g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG);
      g_test_message ("%s", error->message);
      g_assert_true (g_str_has_prefix (error->message, cases[i].message));
    }

  static const gchar with_nul[] = "alice:0xbc807ee29df3c9ffa736523fb2c4e8ee\n\0bob:0xbc807ee29df3c9ffa736523fb2c4e8ee\n";
  g_autoptr(GError) error = NULL;
  g_assert_null (turn_users_parse (with_nul, sizeof with_nul - 1, "f", &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG);
}

static void
test_rest_expiry (void)
{
  static const struct { const gchar *name; gboolean ok; gint64 expiry; } cases[] = {
    { "1700000000:alice", TRUE, 1700000000 },
    { "1700000000", TRUE, 1700000000 },
    { "1700000000:", TRUE, 1700000000 },
    { "1:a:b", TRUE, 1 },
    { "alice", FALSE, 0 },
    { "alice:1700000000", FALSE, 0 },
    { ":1700000000", FALSE, 0 },
    { "-1700000000", FALSE, 0 },
    { "+1700000000", FALSE, 0 },
    { " 1700000000", FALSE, 0 },
    { "1700000000x", FALSE, 0 },
    { "999999999999999999", TRUE, 999999999999999999 },
    { "9999999999999999999", FALSE, 0 },
    { "99999999999999999999999999999:alice", FALSE, 0 },
    { "", FALSE, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gint64 expiry = -1;
      g_assert_cmpint (turn_rest_parse_expiry (cases[i].name, &expiry), ==, cases[i].ok);
      if (cases[i].ok)
        g_assert_cmpint (expiry, ==, cases[i].expiry);
    }
}

static void
test_rest_password (void)
{
  /* expected values computed with Python's hmac and base64 modules */
  g_autofree gchar *p1 = turn_rest_password ("newsecret", "1700000000:alice");
  g_autofree gchar *p2 = turn_rest_password ("oldsecret", "1700000000:alice");

  g_assert_cmpstr (p1, ==, "bLtqkQbbfoHcH4/eSO+wx/lt0y4=");
  g_assert_cmpstr (p2, ==, "zvFY981PZMrqGhcxZvS1qM6PpTE=");
}

static void
test_find_keys (void)
{
  const gchar *text = "user:0xabca35356f4b00fbc33e2d8c2c43b9d6\n";
  g_autoptr(TurnUsers) users = turn_users_parse (text, strlen (text), "f", NULL);
  const gchar *secrets[] = { "newsecret", "oldsecret", NULL };
  g_autoptr(TurnCredentials) creds = turn_credentials_new ("example.org", users, secrets);
  g_autoptr(GError) error = NULL;
  TurnKey keys[4];
  guint n;

  g_assert_cmpstr (turn_credentials_get_realm (creds), ==, "example.org");

  n = turn_credentials_find_keys (creds, "user", 1800000000, keys, G_N_ELEMENTS (keys), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1);
  assert_key_hex (&keys[0], "0xabca35356f4b00fbc33e2d8c2c43b9d6");

  /* REST: one key per secret, newest first; valid up to and including the expiry second */
  n = turn_credentials_find_keys (creds, "1700000000:alice", 1699999000, keys, G_N_ELEMENTS (keys), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 2);
  assert_key_hex (&keys[0], "0x75da2c68d9d6240b202b729019487094");
  assert_key_hex (&keys[1], "0xd138afcb358081c1c0f86cbeed2ddd8c");
  n = turn_credentials_find_keys (creds, "1700000000:alice", 1700000000, keys, G_N_ELEMENTS (keys), &error);
  g_assert_cmpuint (n, ==, 2);

  /* the caller's array bounds the count */
  n = turn_credentials_find_keys (creds, "1700000000:alice", 1699999000, keys, 1, &error);
  g_assert_cmpuint (n, ==, 1);
  assert_key_hex (&keys[0], "0x75da2c68d9d6240b202b729019487094");

  /* expired */
  n = turn_credentials_find_keys (creds, "1700000000:alice", 1700000001, keys, G_N_ELEMENTS (keys), &error);
  g_assert_cmpuint (n, ==, 0);
  g_assert_error (error, TURN_ERROR, TURN_ERROR_UNAUTHORIZED);
  g_assert_nonnull (strstr (error->message, "expired"));
  g_clear_error (&error);

  /* unknown */
  n = turn_credentials_find_keys (creds, "mallory", 1, keys, G_N_ELEMENTS (keys), &error);
  g_assert_cmpuint (n, ==, 0);
  g_assert_error (error, TURN_ERROR, TURN_ERROR_UNAUTHORIZED);
  g_clear_error (&error);
  n = turn_credentials_find_keys (creds, "user", 1, keys, 0, &error);
  g_assert_cmpuint (n, ==, 0);
  g_assert_error (error, TURN_ERROR, TURN_ERROR_UNAUTHORIZED);
  g_clear_error (&error);
}

static void
test_find_keys_no_secrets (void)
{
  g_autoptr(TurnCredentials) creds = turn_credentials_new ("example.org", NULL, NULL);
  g_autoptr(GError) error = NULL;
  TurnKey keys[2];

  /* a REST-shaped name is just an unknown user without secrets */
  g_assert_cmpuint (turn_credentials_find_keys (creds, "1700000000:alice", 1, keys, 2, &error), ==, 0);
  g_assert_error (error, TURN_ERROR, TURN_ERROR_UNAUTHORIZED);
  g_assert_cmpstr (error->message, ==, "unknown user");
}

/* Random users files (fixed seed): parsing fails cleanly or every listed
 * name has a key. Run under ASan this also shows no read past the data. */
static void
test_users_parse_random (void)
{
  static const gchar alphabet[] = "ab:0x0123456789abcdef#\n\r \t";
  g_autoptr(GRand) rand = g_rand_new_with_seed (77);

  for (guint i = 0; i < 5000; i++)
    {
      gsize len = (gsize) g_rand_int_range (rand, 0, 200);
      g_autofree gchar *data = g_malloc (MAX (len, 1));
      g_autoptr(GError) error = NULL;
      g_autoptr(TurnUsers) users = NULL;

      for (gsize j = 0; j < len; j++)
        data[j] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
      /* exactly len bytes, no terminator, as read() would hand them over */
      users = turn_users_parse (data, len, "r", &error);
      if (users == NULL)
        {
          g_assert_nonnull (error);
          continue;
        }
      g_auto(GStrv) names = turn_users_list (users);
      for (guint j = 0; names[j] != NULL; j++)
        {
          TurnKey key;
          g_assert_true (turn_users_lookup (users, names[j], &key));
        }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/turn/credentials/key-derive", test_key_derive);
  g_test_add_func ("/turn/credentials/key-hex", test_key_hex);
  g_test_add_func ("/turn/credentials/constant-time-equal", test_constant_time_equal);
  g_test_add_func ("/turn/credentials/username-valid", test_username_valid);
  g_test_add_func ("/turn/credentials/users-parse", test_users_parse);
  g_test_add_func ("/turn/credentials/users-parse-errors", test_users_parse_errors);
  g_test_add_func ("/turn/credentials/users-parse-random", test_users_parse_random);
  g_test_add_func ("/turn/credentials/rest-expiry", test_rest_expiry);
  g_test_add_func ("/turn/credentials/rest-password", test_rest_password);
  g_test_add_func ("/turn/credentials/find-keys", test_find_keys);
  g_test_add_func ("/turn/credentials/find-keys-no-secrets", test_find_keys_no_secrets);
  return g_test_run ();
}
