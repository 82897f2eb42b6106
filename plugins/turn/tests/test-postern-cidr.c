/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <postern.h>

typedef struct {
  const gchar *text;
  const gchar *canonical; /* NULL: the parse must fail */
} ParseCase;

static void
test_parse (void)
{
  static const ParseCase cases[] = {
    { "1.2.3.0/24", "1.2.3.0/24" },
    { "10.0.0.0/8", "10.0.0.0/8" },
    { "192.168.1.7", "192.168.1.7/32" },
    { "0.0.0.0/0", "0.0.0.0/0" },
    { "2001:db8::/32", "2001:db8::/32" },
    { "2001:DB8::/32", "2001:db8::/32" },
    { "::1", "::1/128" },
    { "::/0", "::/0" },
    { "::ffff:10.0.0.0/104", "::ffff:10.0.0.0/104" },
    { "fe80::1/128", "fe80::1/128" },
    { "", NULL },
    { "/24", NULL },
    { "1.2.3.0/", NULL },
    { "1.2.3.0/33", NULL },
    { "1.2.3.0/-1", NULL },
    { "1.2.3.0/+8", NULL },
    { "1.2.3.0/ 24", NULL },
    { "1.2.3.0/2 4", NULL },
    { "1.2.3.0/0024", NULL },
    { "2001:db8::/129", NULL },
    { "1.2.3.4/24", NULL },          /* host bits set */
    { "2001:db8::1/32", NULL },
    { "1.2.3", NULL },
    { "01.2.3.4", NULL },
    { "1.2.3.256", NULL },
    { "fe80::1%eth0", NULL },
    { "example.com", NULL },
    { "1.2.3.4/32/1", NULL },
    { " 1.2.3.4", NULL },
    { "1:2:3:4:5:6:7:8:9", NULL },
    { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/8", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      PosternCidr cidr;
      gboolean ok = postern_cidr_parse (cases[i].text, &cidr, &error);

      g_test_message ("parse “%s”", cases[i].text);
      if (cases[i].canonical == NULL)
        {
          g_assert_false (ok);
          g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG);
          g_assert_cmpint (cidr.family, ==, 0);
        }
      else
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          g_autofree gchar *s = postern_cidr_to_string (&cidr);
          g_assert_cmpstr (s, ==, cases[i].canonical);
        }
    }
}

static void
test_host_bits_suggestion (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PosternCidr) cidr = postern_cidr_new_from_string ("10.1.2.3/8", &error);

  g_assert_null (cidr);
  g_assert_nonnull (strstr (error->message, "10.0.0.0/8"));
}

typedef struct {
  const gchar *cidr;
  const gchar *address;
  gboolean inside;
} MatchCase;

static void
test_match (void)
{
  static const MatchCase cases[] = {
    { "1.2.3.0/24", "1.2.3.0", TRUE },
    { "1.2.3.0/24", "1.2.3.255", TRUE },
    { "1.2.3.0/24", "1.2.4.0", FALSE },
    { "1.2.3.0/24", "1.2.2.255", FALSE },
    { "172.16.0.0/12", "172.31.255.255", TRUE },
    { "172.16.0.0/12", "172.32.0.0", FALSE },
    { "172.16.0.0/12", "172.15.255.255", FALSE },
    { "100.64.0.0/10", "100.127.1.1", TRUE },
    { "100.64.0.0/10", "100.128.0.0", FALSE },
    { "0.0.0.0/0", "255.255.255.255", TRUE },
    { "0.0.0.0/0", "2001:db8::1", FALSE },
    { "192.168.1.7", "192.168.1.7", TRUE },
    { "192.168.1.7", "192.168.1.6", FALSE },
    { "2001:db8::/32", "2001:db8:ffff::1", TRUE },
    { "2001:db8::/32", "2001:db9::1", FALSE },
    { "fc00::/7", "fdff::1", TRUE },
    { "fc00::/7", "fe00::1", FALSE },
    { "2001:db8:0:1::/64", "2001:db8:0:1:ffff:ffff:ffff:ffff", TRUE },
    { "2001:db8:0:1::/64", "2001:db8:0:2::", FALSE },
    { "::/0", "::1", TRUE },
    { "::/0", "10.0.0.1", TRUE },            /* 10.0.0.1 is ::ffff:10.0.0.1 */
    { "10.0.0.0/8", "::ffff:10.9.8.7", TRUE }, /* mapped counts as IPv4 */
    { "10.0.0.0/8", "::ffff:11.0.0.1", FALSE },
    { "10.0.0.0/8", "::10.9.8.7", FALSE },     /* compatible form is not mapped */
    { "10.0.0.0/8", "2002:a09:807::1", FALSE },
    { "::ffff:10.0.0.0/104", "10.1.1.1", TRUE },
    { "::ffff:10.0.0.0/104", "11.1.1.1", FALSE },
    { "::1", "::1", TRUE },
    { "::1", "127.0.0.1", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PosternCidr) cidr = postern_cidr_new_from_string (cases[i].cidr, &error);
      g_autoptr(GInetAddress) addr = g_inet_address_new_from_string (cases[i].address);

      g_test_message ("%s in %s", cases[i].address, cases[i].cidr);
      g_assert_no_error (error);
      g_assert_nonnull (addr);
      g_assert_cmpint (postern_cidr_contains_address (cidr, addr), ==, cases[i].inside);
    }
}

static void
test_contains_bytes_bad_length (void)
{
  static const guint8 v4[4] = { 10, 0, 0, 1 };
  g_autoptr(PosternCidr) cidr = postern_cidr_new_from_string ("10.0.0.0/8", NULL);

  g_assert_true (postern_cidr_contains_bytes (cidr, G_SOCKET_FAMILY_IPV4, v4, 4));
  g_assert_false (postern_cidr_contains_bytes (cidr, G_SOCKET_FAMILY_IPV4, v4, 3));
  g_assert_false (postern_cidr_contains_bytes (cidr, G_SOCKET_FAMILY_IPV6, v4, 4));
  g_assert_false (postern_cidr_contains_bytes (cidr, G_SOCKET_FAMILY_IPV4, NULL, 4));
}

static void
test_prefix_of (void)
{
  static const struct { const gchar *address; guint v4; guint v6; const gchar *expect; } cases[] = {
    { "2001:db8:1:2:3:4:5:6", 32, 64, "2001:db8:1:2::/64" },
    { "2001:db8:1:2:3:4:5:6", 32, 48, "2001:db8:1::/48" },
    { "2001:db8:1:2:3:4:5:6", 32, 128, "2001:db8:1:2:3:4:5:6/128" },
    { "203.0.113.77", 32, 64, "203.0.113.77/32" },
    { "203.0.113.77", 24, 64, "203.0.113.0/24" },
    { "203.0.113.77", 0, 64, "0.0.0.0/0" },
    { "::ffff:203.0.113.77", 32, 64, "203.0.113.77/32" },
    { "2001:db8::1", 32, 61, "2001:db8::/61" },
    { "2001:db8:0:f::1", 32, 61, "2001:db8:0:8::/61" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GInetAddress) addr = g_inet_address_new_from_string (cases[i].address);
      g_autoptr(PosternCidr) cidr = postern_cidr_new_prefix_of (addr, cases[i].v4, cases[i].v6);
      g_autofree gchar *s = postern_cidr_to_string (cidr);

      g_assert_cmpstr (s, ==, cases[i].expect);
      g_assert_true (postern_cidr_contains_address (cidr, addr));
    }

  g_autoptr(GInetAddress) v6 = g_inet_address_new_from_string ("2001:db8::1");
  g_assert_null (postern_cidr_new_prefix_of (v6, 32, 129));
  g_autoptr(GInetAddress) v4 = g_inet_address_new_from_string ("192.0.2.1");
  g_assert_null (postern_cidr_new_prefix_of (v4, 33, 64));

  static const guint8 raw[4] = { 192, 0, 2, 1 };
  PosternCidr out;
  g_assert_false (postern_cidr_init_prefix_of (&out, G_SOCKET_FAMILY_IPV6, raw, 4, 64));
}

static void
test_hash_equal (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (postern_cidr_hash, postern_cidr_equal,
                                                      (GDestroyNotify) postern_cidr_free, NULL);
  static const gchar *addresses[] = {
    "2001:db8:0:1::1", "2001:db8:0:1::2", "2001:db8:0:1:ffff::9", "2001:db8:0:2::1", "192.0.2.1", "::ffff:192.0.2.1",
  };

  for (guint i = 0; i < G_N_ELEMENTS (addresses); i++)
    {
      g_autoptr(GInetAddress) addr = g_inet_address_new_from_string (addresses[i]);
      g_hash_table_add (seen, postern_cidr_new_prefix_of (addr, 32, 64));
    }
  /* three /64s collapse into one; the mapped address equals its IPv4 form */
  g_assert_cmpuint (g_hash_table_size (seen), ==, 3);

  g_autoptr(PosternCidr) a = postern_cidr_new_from_string ("10.0.0.0/8", NULL);
  g_autoptr(PosternCidr) b = postern_cidr_new_from_string ("10.0.0.0/9", NULL);
  g_autoptr(PosternCidr) c = postern_cidr_copy (a);
  g_assert_false (postern_cidr_equal (a, b));
  g_assert_true (postern_cidr_equal (a, c));
  g_assert_cmpuint (postern_cidr_hash (a), ==, postern_cidr_hash (c));
}

static void
test_list (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PosternCidrList) list =
    postern_cidr_list_parse (" 10.0.0.0/8 ; 192.168.1.7;;2001:db8::/32; ", &error);

  g_assert_no_error (error);
  g_assert_cmpuint (postern_cidr_list_get_length (list), ==, 3);
  g_autofree gchar *s = postern_cidr_list_to_string (list);
  g_assert_cmpstr (s, ==, "10.0.0.0/8;192.168.1.7/32;2001:db8::/32");
  g_assert_nonnull (postern_cidr_list_get (list, 2));
  g_assert_null (postern_cidr_list_get (list, 3));

  static const struct { const gchar *address; gboolean inside; } cases[] = {
    { "10.200.0.1", TRUE }, { "192.168.1.7", TRUE }, { "192.168.1.8", FALSE },
    { "2001:db8::99", TRUE }, { "2001:db9::", FALSE }, { "::ffff:10.0.0.1", TRUE }, { "11.0.0.1", FALSE },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GInetAddress) addr = g_inet_address_new_from_string (cases[i].address);
      g_assert_cmpint (postern_cidr_list_contains_address (list, addr), ==, cases[i].inside);
    }

  PosternCidrList *ref = postern_cidr_list_ref (list);
  g_assert_true (ref == list);
  postern_cidr_list_unref (ref);
}

static void
test_list_empty (void)
{
  static const guint8 any[4] = { 1, 2, 3, 4 };
  const gchar *texts[] = { NULL, "", " ; ;" };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(PosternCidrList) list = postern_cidr_list_parse (texts[i], NULL);
      g_assert_nonnull (list);
      g_assert_cmpuint (postern_cidr_list_get_length (list), ==, 0);
      g_assert_false (postern_cidr_list_contains_bytes (list, G_SOCKET_FAMILY_IPV4, any, 4));
    }
}

static void
test_list_errors (void)
{
  static const struct { const gchar *text; const gchar *fragment; } cases[] = {
    { "10.0.0.0/8;10.0.0.1/33", "item 2 (“10.0.0.1/33”)" },
    { "bogus", "item 1 (“bogus”)" },
    { ";;10.0.0.0/8; 172.16.0.0/12 ;1.2.3.4/8", "item 3 (“1.2.3.4/8”)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PosternCidrList) list = postern_cidr_list_parse (cases[i].text, &error);

      g_assert_null (list);
      g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, cases[i].fragment));
      g_clear_error (&error);
      g_assert_false (postern_cidr_list_validate (cases[i].text, &error));
      g_assert_nonnull (error);
    }
  g_assert_true (postern_cidr_list_validate ("10.0.0.0/8", NULL));
}

static void
test_boxed (void)
{
  g_autoptr(PosternCidr) cidr = postern_cidr_new_from_string ("10.0.0.0/8", NULL);
  g_autoptr(PosternCidrList) list = postern_cidr_list_parse ("10.0.0.0/8", NULL);
  PosternCidr *copy = g_boxed_copy (POSTERN_TYPE_CIDR, cidr);
  PosternCidrList *ref = g_boxed_copy (POSTERN_TYPE_CIDR_LIST, list);

  g_assert_true (postern_cidr_equal (copy, cidr));
  g_assert_true (ref == list);
  g_boxed_free (POSTERN_TYPE_CIDR, copy);
  g_boxed_free (POSTERN_TYPE_CIDR_LIST, ref);
}

/* Valid networks with one to three random edits (fixed seed, so
 * reproducible): a parse either fails with an error or round-trips through
 * to_string, and what parses has no bits past its prefix. */
static void
test_mutated_inputs (void)
{
  static const gchar *seeds[] = {
    "192.168.0.0/16", "10.0.0.1", "2001:db8::/32", "::ffff:10.0.0.0/104", "fe80::1/128", "0.0.0.0/0",
  };
  static const gchar alphabet[] = "0123456789abcdefABCDEF:./ %-;\xff";
  g_autoptr(GRand) rand = g_rand_new_with_seed (4242);
  guint parsed = 0;

  for (guint i = 0; i < 20000; i++)
    {
      GString *text = g_string_new (seeds[i % G_N_ELEMENTS (seeds)]);
      guint edits = (guint) g_rand_int_range (rand, 1, 4);
      g_autoptr(GError) error = NULL;
      PosternCidr cidr;

      for (guint e = 0; e < edits; e++)
        {
          gchar c = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
          gsize pos = (gsize) g_rand_int_range (rand, 0, (gint32) text->len + 1);
          switch (g_rand_int_range (rand, 0, 3))
            {
            case 0:
              g_string_insert_c (text, (gssize) pos, c);
              break;
            case 1:
              if (pos < text->len)
                g_string_erase (text, (gssize) pos, 1);
              break;
            default:
              if (pos < text->len)
                text->str[pos] = c;
              break;
            }
        }
      if (postern_cidr_parse (text->str, &cidr, &error))
        {
          g_autofree gchar *str = postern_cidr_to_string (&cidr);
          PosternCidr again, masked;
          g_assert_true (postern_cidr_parse (str, &again, NULL));
          g_assert_true (postern_cidr_equal (&cidr, &again));
          g_assert_true (postern_cidr_init_prefix_of (&masked, cidr.family, cidr.bytes,
                                                      cidr.family == G_SOCKET_FAMILY_IPV4 ? 4 : 16,
                                                      cidr.prefix_len));
          g_assert_true (postern_cidr_equal (&cidr, &masked));
          parsed++;
        }
      else
        g_assert_nonnull (error);
      g_string_free (text, TRUE);
    }
  g_test_message ("%u of 20000 parsed", parsed);
  g_assert_cmpuint (parsed, >, 1000);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cidr/parse", test_parse);
  g_test_add_func ("/cidr/host-bits-suggestion", test_host_bits_suggestion);
  g_test_add_func ("/cidr/match", test_match);
  g_test_add_func ("/cidr/contains-bytes-bad-length", test_contains_bytes_bad_length);
  g_test_add_func ("/cidr/prefix-of", test_prefix_of);
  g_test_add_func ("/cidr/hash-equal", test_hash_equal);
  g_test_add_func ("/cidr/list", test_list);
  g_test_add_func ("/cidr/list-empty", test_list_empty);
  g_test_add_func ("/cidr/list-errors", test_list_errors);
  g_test_add_func ("/cidr/boxed", test_boxed);
  g_test_add_func ("/cidr/mutated-inputs", test_mutated_inputs);
  return g_test_run ();
}
