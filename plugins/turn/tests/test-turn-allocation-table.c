/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turn-allocation-table.h"
#include "turn-test-addr.h"
#include "turn-error.h"

#include <postern.h>

static TurnFiveTuple
tuple (const gchar *client_ip, guint16 client_port)
{
  TurnFiveTuple ft = { turn_test_addr (client_ip, client_port), turn_test_addr ("192.0.2.1", 3478) };
  return ft;
}

typedef struct {
  guint calls[3];
  GPtrArray *ids;
} Removed;

static void
on_removed (TurnAllocationTable *table, TurnAllocation *alloc, TurnRemovalReason reason, gpointer data)
{
  Removed *r = data;

  r->calls[reason]++;
  if (r->ids != NULL)
    g_ptr_array_add (r->ids, GSIZE_TO_POINTER ((gsize) alloc->id));
  /* still findable while the owner is told */
  g_assert_true (turn_allocation_table_lookup_id (table, alloc->id) == alloc);
}

static void
test_create_lookup (void)
{
  Removed removed = { 0 };
  g_autoptr(TurnQuota) quota = turn_quota_new (0, 0);
  g_autoptr(TurnAllocationTable) table = turn_allocation_table_new (quota, on_removed, &removed);
  g_autoptr(GError) error = NULL;
  TurnFiveTuple ft = tuple ("203.0.113.10", 5000);
  TurnAddr relayed[2] = { turn_test_addr ("192.0.2.1", 50000), turn_test_addr ("2001:db8::1", 50000) };
  TurnAllocation *a, *b;

  a = turn_allocation_table_create (table, &ft, "alice", relayed, 2, 600, 100, &error);
  g_assert_no_error (error);
  g_assert_nonnull (a);
  g_assert_cmpint (a->created, ==, 100);
  g_assert_cmpint (a->expires, ==, 700);
  g_assert_cmpstr (a->username, ==, "alice");

  TurnFiveTuple same = tuple ("203.0.113.10", 5000);
  g_assert_true (turn_allocation_table_lookup (table, &same) == a);
  g_assert_true (turn_allocation_table_lookup_relayed (table, &relayed[0]) == a);
  g_assert_true (turn_allocation_table_lookup_relayed (table, &relayed[1]) == a);
  g_assert_true (turn_allocation_table_lookup_id (table, a->id) == a);
  TurnAddr other_port = turn_test_addr ("192.0.2.1", 50001);
  g_assert_null (turn_allocation_table_lookup_relayed (table, &other_port));
  TurnFiveTuple other_client = tuple ("203.0.113.10", 5001);
  g_assert_null (turn_allocation_table_lookup (table, &other_client));

  /* a second Allocate on the same 5-tuple: 437 */
  TurnAddr relayed2 = turn_test_addr ("192.0.2.1", 50002);
  g_assert_null (turn_allocation_table_create (table, &ft, "alice", &relayed2, 1, 600, 100, &error));
  g_assert_error (error, TURN_ERROR, TURN_ERROR_ALLOCATION_MISMATCH);
  g_clear_error (&error);

  /* the same client reaching another server address is another 5-tuple */
  TurnFiveTuple via_v6 = { turn_test_addr ("203.0.113.10", 5000), turn_test_addr ("192.0.2.2", 3478) };
  b = turn_allocation_table_create (table, &via_v6, "alice", &relayed2, 1, 600, 100, &error);
  g_assert_no_error (error);
  g_assert_true (b != a);
  g_assert_cmpuint (b->id, !=, a->id);

  /* a relayed address can only serve one allocation */
  TurnFiveTuple third = tuple ("203.0.113.11", 1);
  g_assert_null (turn_allocation_table_create (table, &third, "bob", &relayed2, 1, 600, 100, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_EXISTS);
  g_clear_error (&error);

  g_assert_cmpuint (turn_allocation_table_get_size (table), ==, 2);
  g_assert_cmpuint (turn_quota_count_user (quota, "alice"), ==, 2);

  turn_allocation_table_remove (table, a, TURN_REMOVED_DELETED);
  g_assert_cmpuint (removed.calls[TURN_REMOVED_DELETED], ==, 1);
  g_assert_null (turn_allocation_table_lookup (table, &same));
  g_assert_null (turn_allocation_table_lookup_relayed (table, &relayed[0]));
  g_assert_null (turn_allocation_table_lookup_relayed (table, &relayed[1]));
  g_assert_cmpuint (turn_quota_count_user (quota, "alice"), ==, 1);
  /* the port can be used again */
  g_assert_nonnull (turn_allocation_table_create (table, &ft, "alice", relayed, 1, 600, 100, &error));
  g_assert_no_error (error);

  g_clear_pointer (&table, turn_allocation_table_free);
  g_assert_cmpuint (removed.calls[TURN_REMOVED_SHUTDOWN], ==, 2);
}

static void
test_quotas (void)
{
  g_autoptr(TurnQuota) quota = turn_quota_new (3, 2);
  g_autoptr(TurnAllocationTable) table = turn_allocation_table_new (quota, NULL, NULL);
  g_autoptr(GError) error = NULL;
  TurnAllocation *allocs[3];
  guint16 port = 50000;

  for (guint i = 0; i < 2; i++)
    {
      TurnFiveTuple ft = tuple ("203.0.113.10", (guint16) (1000 + i));
      TurnAddr relayed = turn_test_addr ("192.0.2.1", port++);
      allocs[i] = turn_allocation_table_create (table, &ft, "alice", &relayed, 1, 600, 0, &error);
      g_assert_no_error (error);
    }
  /* alice is at her quota */
  TurnFiveTuple ft3 = tuple ("203.0.113.10", 1002);
  TurnAddr r3 = turn_test_addr ("192.0.2.1", port++);
  g_assert_null (turn_allocation_table_create (table, &ft3, "alice", &r3, 1, 600, 0, &error));
  g_assert_error (error, TURN_ERROR, TURN_ERROR_ALLOCATION_QUOTA_REACHED);
  g_clear_error (&error);
  /* bob fills the total */
  allocs[2] = turn_allocation_table_create (table, &ft3, "bob", &r3, 1, 600, 0, &error);
  g_assert_no_error (error);
  TurnFiveTuple ft4 = tuple ("203.0.113.11", 1);
  TurnAddr r4 = turn_test_addr ("192.0.2.1", port++);
  g_assert_null (turn_allocation_table_create (table, &ft4, "carol", &r4, 1, 600, 0, &error));
  g_assert_error (error, TURN_ERROR, TURN_ERROR_ALLOCATION_QUOTA_REACHED);
  g_clear_error (&error);

  /* removing one frees room; raising quotas live works; 0 = unlimited */
  turn_allocation_table_remove (table, allocs[0], TURN_REMOVED_DELETED);
  g_assert_nonnull (turn_allocation_table_create (table, &ft4, "carol", &r4, 1, 600, 0, &error));
  g_assert_no_error (error);
  turn_quota_set_limits (quota, 0, 0);
  for (guint i = 0; i < 10; i++)
    {
      TurnFiveTuple ft = tuple ("203.0.113.12", (guint16) (2000 + i));
      TurnAddr relayed = turn_test_addr ("192.0.2.1", port++);
      g_assert_nonnull (turn_allocation_table_create (table, &ft, "alice", &relayed, 1, 600, 0, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpuint (turn_quota_count_user (quota, "alice"), ==, 11);
  /* lowering below the live count keeps them, refuses new ones */
  turn_quota_set_limits (quota, 5, 0);
  g_assert_cmpuint (turn_allocation_table_get_size (table), ==, 13);
  TurnFiveTuple ft5 = tuple ("203.0.113.13", 1);
  TurnAddr r5 = turn_test_addr ("192.0.2.1", port++);
  g_assert_null (turn_allocation_table_create (table, &ft5, "dave", &r5, 1, 600, 0, &error));
  g_assert_error (error, TURN_ERROR, TURN_ERROR_ALLOCATION_QUOTA_REACHED);
}

static void
test_lifetime_clamp (void)
{
  g_assert_cmpuint (turn_lifetime_clamp (FALSE, 0, TRUE), ==, TURN_DEFAULT_LIFETIME);
  g_assert_cmpuint (turn_lifetime_clamp (FALSE, 5000, FALSE), ==, TURN_DEFAULT_LIFETIME);
  g_assert_cmpuint (turn_lifetime_clamp (TRUE, 0, TRUE), ==, 0);
  g_assert_cmpuint (turn_lifetime_clamp (TRUE, 0, FALSE), ==, TURN_DEFAULT_LIFETIME);
  g_assert_cmpuint (turn_lifetime_clamp (TRUE, 1, TRUE), ==, TURN_DEFAULT_LIFETIME);
  g_assert_cmpuint (turn_lifetime_clamp (TRUE, 1200, TRUE), ==, 1200);
  g_assert_cmpuint (turn_lifetime_clamp (TRUE, 3600, TRUE), ==, 3600);
  g_assert_cmpuint (turn_lifetime_clamp (TRUE, 3601, TRUE), ==, TURN_MAX_LIFETIME);
  g_assert_cmpuint (turn_lifetime_clamp (TRUE, G_MAXUINT32, FALSE), ==, TURN_MAX_LIFETIME);
}

static void
test_expiry (void)
{
  Removed removed = { 0 };
  g_autoptr(TurnQuota) quota = turn_quota_new (0, 0);
  g_autoptr(TurnAllocationTable) table = turn_allocation_table_new (quota, on_removed, &removed);
  TurnFiveTuple ft1 = tuple ("203.0.113.10", 1), ft2 = tuple ("203.0.113.10", 2);
  TurnAddr r1 = turn_test_addr ("192.0.2.1", 50000), r2 = turn_test_addr ("192.0.2.1", 50001);
  TurnAllocation *a, *b;

  removed.ids = g_ptr_array_new ();
  a = turn_allocation_table_create (table, &ft1, "alice", &r1, 1, 600, 1000, NULL);
  b = turn_allocation_table_create (table, &ft2, "alice", &r2, 1, 600, 1000, NULL);
  guint64 a_id = a->id;

  g_assert_false (turn_allocation_is_expired (a, 1599));
  g_assert_true (turn_allocation_is_expired (a, 1600));

  /* b is refreshed at t=1500 for 1200 s */
  turn_allocation_refresh (b, 1200, 1500);
  g_assert_cmpuint (turn_allocation_table_expire (table, 1599), ==, 0);
  g_assert_cmpuint (turn_allocation_table_expire (table, 1600), ==, 1);
  g_assert_cmpuint (removed.calls[TURN_REMOVED_EXPIRED], ==, 1);
  g_assert_cmpuint (GPOINTER_TO_SIZE (removed.ids->pdata[0]), ==, a_id);
  g_assert_null (turn_allocation_table_lookup (table, &ft1));
  g_assert_true (turn_allocation_table_lookup (table, &ft2) == b);
  g_assert_cmpuint (turn_quota_count_user (quota, "alice"), ==, 1);
  g_assert_cmpuint (turn_allocation_table_expire (table, 2699), ==, 0);
  g_assert_cmpuint (turn_allocation_table_expire (table, 2700), ==, 1);
  g_assert_cmpuint (turn_allocation_table_get_size (table), ==, 0);
  g_assert_cmpuint (turn_quota_count_user (quota, "alice"), ==, 0);
  g_ptr_array_unref (removed.ids);
}

static TurnAllocation *
one_allocation (TurnAllocationTable *table)
{
  TurnFiveTuple ft = tuple ("203.0.113.10", 1);
  TurnAddr r = turn_test_addr ("192.0.2.1", 50000);
  return turn_allocation_table_create (table, &ft, "alice", &r, 1, 3600, 0, NULL);
}

static void
test_permissions (void)
{
  g_autoptr(TurnAllocationTable) table = turn_allocation_table_new (NULL, NULL, NULL);
  g_autoptr(GError) error = NULL;
  TurnAllocation *a = one_allocation (table);
  TurnAddr peer = turn_test_addr ("198.51.100.7", 40000);
  TurnAddr same_ip_other_port = turn_test_addr ("198.51.100.7", 1);
  TurnAddr other_ip = turn_test_addr ("198.51.100.8", 40000);
  TurnAddr v6_peer = turn_test_addr ("2001:db8::7", 40000);

  g_assert_false (turn_allocation_has_permission (a, &peer, 0));
  g_assert_true (turn_allocation_add_permission (a, &peer, 100, &error));
  g_assert_no_error (error);
  g_assert_true (turn_allocation_has_permission (a, &peer, 100));
  g_assert_true (turn_allocation_has_permission (a, &same_ip_other_port, 399));
  g_assert_false (turn_allocation_has_permission (a, &other_ip, 100));
  g_assert_false (turn_allocation_has_permission (a, &v6_peer, 100));
  g_assert_false (turn_allocation_has_permission (a, &peer, 400));   /* 300 s */

  /* refresh extends; IPv6 works alike */
  g_assert_true (turn_allocation_add_permission (a, &same_ip_other_port, 350, NULL));
  g_assert_true (turn_allocation_has_permission (a, &peer, 649));
  g_assert_false (turn_allocation_has_permission (a, &peer, 650));
  g_assert_true (turn_allocation_add_permission (a, &v6_peer, 350, NULL));
  g_assert_true (turn_allocation_has_permission (a, &v6_peer, 351));
  g_assert_cmpuint (turn_allocation_get_n_permissions (a), ==, 2);

  turn_allocation_purge (a, 650);
  g_assert_cmpuint (turn_allocation_get_n_permissions (a), ==, 0);
}

static void
test_permission_cap (void)
{
  g_autoptr(TurnAllocationTable) table = turn_allocation_table_new (NULL, NULL, NULL);
  g_autoptr(GError) error = NULL;
  TurnAllocation *a = one_allocation (table);
  TurnAddr peer = turn_test_addr ("198.51.100.7", 1);
  TurnAddr extra = turn_test_addr ("203.0.113.99", 1);

  for (guint i = 0; i < TURN_MAX_PERMISSIONS; i++)
    {
      TurnAddr p = turn_test_addr ("2001:db8::", 1);
      p.ip[14] = (guint8) (i >> 8);
      p.ip[15] = (guint8) i;
      g_assert_true (turn_allocation_add_permission (a, &p, 0, &error));
      g_assert_no_error (error);
    }
  g_assert_false (turn_allocation_add_permission (a, &extra, 10, &error));
  g_assert_error (error, TURN_ERROR, TURN_ERROR_INSUFFICIENT_CAPACITY);
  g_clear_error (&error);
  /* refreshing an existing one still works */
  TurnAddr first = turn_test_addr ("2001:db8::", 1);
  g_assert_true (turn_allocation_add_permission (a, &first, 10, &error));
  /* once the others expire there is room again */
  g_assert_true (turn_allocation_add_permission (a, &peer, TURN_PERMISSION_LIFETIME, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (turn_allocation_get_n_permissions (a), ==, 2);
}

/* Several at once: all or none. */
static void
test_permission_cap_many (void)
{
  g_autoptr(TurnAllocationTable) table = turn_allocation_table_new (NULL, NULL, NULL);
  g_autoptr(GError) error = NULL;
  TurnAllocation *a = one_allocation (table);
  TurnAddr two[2] = { turn_test_addr ("198.51.100.7", 1), turn_test_addr ("203.0.113.99", 1) };
  /* the same IP twice (ports differ) needs one slot */
  TurnAddr same[2] = { turn_test_addr ("198.51.100.8", 1), turn_test_addr ("198.51.100.8", 2) };

  for (guint i = 0; i < TURN_MAX_PERMISSIONS - 1; i++)
    {
      TurnAddr p = turn_test_addr ("2001:db8::", 1);
      p.ip[14] = (guint8) (i >> 8);
      p.ip[15] = (guint8) i;
      g_assert_true (turn_allocation_add_permission (a, &p, 0, &error));
    }
  g_assert_false (turn_allocation_add_permissions (a, two, 2, 10, &error));
  g_assert_error (error, TURN_ERROR, TURN_ERROR_INSUFFICIENT_CAPACITY);
  g_clear_error (&error);
  g_assert_cmpuint (turn_allocation_get_n_permissions (a), ==, TURN_MAX_PERMISSIONS - 1);
  g_assert_false (turn_allocation_has_permission (a, &two[0], 10));
  g_assert_true (turn_allocation_add_permissions (a, same, 2, 10, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (turn_allocation_get_n_permissions (a), ==, TURN_MAX_PERMISSIONS);
  g_assert_true (turn_allocation_has_permission (a, &same[1], 10));
}

static void
test_channels (void)
{
  g_autoptr(TurnAllocationTable) table = turn_allocation_table_new (NULL, NULL, NULL);
  g_autoptr(GError) error = NULL;
  TurnAllocation *a = one_allocation (table);
  TurnAddr peer1 = turn_test_addr ("198.51.100.7", 40000);
  TurnAddr peer1_other_port = turn_test_addr ("198.51.100.7", 40001);
  TurnAddr peer2 = turn_test_addr ("2001:db8::2", 40000);
  const TurnChannel *ch;

  /* range */
  static const guint16 bad[] = { 0, 0x3FFF, 0x8000, 0xBFFF, 0xFFFF };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (turn_allocation_bind_channel (a, bad[i], &peer1, 0, &error));
      g_assert_error (error, TURN_ERROR, TURN_ERROR_BAD_REQUEST);
      g_clear_error (&error);
    }
  g_assert_cmpuint (turn_allocation_get_n_channels (a), ==, 0);

  g_assert_true (turn_allocation_bind_channel (a, 0x4000, &peer1, 0, &error));
  g_assert_no_error (error);
  g_assert_true (turn_allocation_bind_channel (a, 0x4FFF, &peer2, 0, &error));
  g_assert_no_error (error);

  /* both directions */
  ch = turn_allocation_lookup_channel (a, 0x4000, 0);
  g_assert_nonnull (ch);
  g_assert_true (turn_addr_equal (&ch->peer, &peer1));
  ch = turn_allocation_lookup_channel_by_peer (a, &peer2, 0);
  g_assert_nonnull (ch);
  g_assert_cmpuint (ch->number, ==, 0x4FFF);
  g_assert_null (turn_allocation_lookup_channel (a, 0x4001, 0));
  g_assert_null (turn_allocation_lookup_channel_by_peer (a, &peer1_other_port, 0));
  /* binding installs the permission */
  g_assert_true (turn_allocation_has_permission (a, &peer1_other_port, 0));

  /* conflicts: 400 */
  g_assert_false (turn_allocation_bind_channel (a, 0x4000, &peer1_other_port, 10, &error));
  g_assert_error (error, TURN_ERROR, TURN_ERROR_BAD_REQUEST);
  g_clear_error (&error);
  g_assert_false (turn_allocation_bind_channel (a, 0x4001, &peer1, 10, &error));
  g_assert_error (error, TURN_ERROR, TURN_ERROR_BAD_REQUEST);
  g_clear_error (&error);
  /* a different port of the same IP is a different peer */
  g_assert_true (turn_allocation_bind_channel (a, 0x4001, &peer1_other_port, 10, &error));
  g_assert_no_error (error);

  /* refresh at 500: 0x4000 lives to 1100, 0x4FFF expires at 600 */
  g_assert_true (turn_allocation_bind_channel (a, 0x4000, &peer1, 500, &error));
  g_assert_nonnull (turn_allocation_lookup_channel (a, 0x4000, 1099));
  g_assert_null (turn_allocation_lookup_channel (a, 0x4000, 1100));
  g_assert_nonnull (turn_allocation_lookup_channel (a, 0x4FFF, 599));
  g_assert_null (turn_allocation_lookup_channel (a, 0x4FFF, 600));
  g_assert_null (turn_allocation_lookup_channel_by_peer (a, &peer2, 600));

  /* cooling down (600..900): no rebinding to anything else, same pair is fine */
  g_assert_false (turn_allocation_bind_channel (a, 0x4FFF, &peer1_other_port, 700, &error));
  g_assert_error (error, TURN_ERROR, TURN_ERROR_BAD_REQUEST);
  g_clear_error (&error);
  TurnAddr peer3 = turn_test_addr ("203.0.113.50", 9);
  g_assert_false (turn_allocation_bind_channel (a, 0x4FFF, &peer3, 899, &error));
  g_clear_error (&error);
  g_assert_false (turn_allocation_bind_channel (a, 0x4ABC, &peer2, 899, &error));
  g_clear_error (&error);

  /* after the cool-down the number and the peer are free */
  g_assert_true (turn_allocation_bind_channel (a, 0x4FFF, &peer3, 900, &error));
  g_assert_no_error (error);
  g_assert_true (turn_allocation_bind_channel (a, 0x4ABC, &peer2, 900, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (turn_allocation_lookup_channel_by_peer (a, &peer2, 900)->number, ==, 0x4ABC);

  /* same pair rebinding within cool-down revives it */
  g_assert_true (turn_allocation_bind_channel (a, 0x4001, &peer1_other_port, 650, &error));
  g_assert_nonnull (turn_allocation_lookup_channel (a, 0x4001, 1000));

  /* purge forgets channels past the cool-down only */
  g_assert_cmpuint (turn_allocation_get_n_channels (a), ==, 4);
  turn_allocation_purge (a, 1100 + TURN_CHANNEL_COOLDOWN - 1);
  g_assert_cmpuint (turn_allocation_get_n_channels (a), ==, 4);
  turn_allocation_purge (a, 1100 + TURN_CHANNEL_COOLDOWN);
  g_assert_cmpuint (turn_allocation_get_n_channels (a), ==, 3);
  g_assert_null (turn_allocation_lookup_channel_by_peer (a, &peer1, 0));
  turn_allocation_purge (a, 100000);
  g_assert_cmpuint (turn_allocation_get_n_channels (a), ==, 0);
  g_assert_cmpuint (turn_allocation_get_n_permissions (a), ==, 0);
}

static void
test_counters (void)
{
  g_autoptr(TurnAllocationTable) table = turn_allocation_table_new (NULL, NULL, NULL);
  TurnAllocation *a = one_allocation (table);
  TurnFiveTuple ft = tuple ("203.0.113.77", 1);
  TurnAddr r = turn_test_addr ("192.0.2.1", 50001);
  TurnAllocation *b = turn_allocation_table_create (table, &ft, "bob", &r, 1, 600, 0, NULL);

  turn_allocation_count_to_peer (a, 160);
  turn_allocation_count_to_peer (a, 1200);
  turn_allocation_count_to_client (a, 100);
  turn_allocation_count_to_client (b, 50);

  g_assert_cmpuint (a->to_peer.packets, ==, 2);
  g_assert_cmpuint (a->to_peer.bytes, ==, 1360);
  g_assert_cmpuint (a->to_client.packets, ==, 1);
  g_assert_cmpuint (a->to_client.bytes, ==, 100);
  g_assert_cmpuint (b->to_peer.packets, ==, 0);
  g_assert_cmpuint (turn_allocation_table_get_to_peer (table)->packets, ==, 2);
  g_assert_cmpuint (turn_allocation_table_get_to_client (table)->packets, ==, 2);
  g_assert_cmpuint (turn_allocation_table_get_to_client (table)->bytes, ==, 150);
}

static void
test_many (void)
{
  g_autoptr(TurnQuota) quota = turn_quota_new (0, 0);
  g_autoptr(TurnAllocationTable) table = turn_allocation_table_new (quota, NULL, NULL);
  g_autoptr(GPtrArray) list = NULL;
  const guint n = 10000;

  for (guint i = 0; i < n; i++)
    {
      TurnFiveTuple ft = tuple ("2001:db8::", (guint16) (i % 60000 + 1));
      TurnAddr r = turn_test_addr ("192.0.2.1", (guint16) (1 + i));
      ft.client.ip[13] = (guint8) (i >> 16);
      ft.client.ip[14] = (guint8) (i >> 8);
      g_assert_nonnull (turn_allocation_table_create (table, &ft, i % 2 ? "odd" : "even", &r, 1, 600, 0, NULL));
    }
  for (guint i = 0; i < n; i++)
    {
      TurnFiveTuple ft = tuple ("2001:db8::", (guint16) (i % 60000 + 1));
      TurnAddr r = turn_test_addr ("192.0.2.1", (guint16) (1 + i));
      ft.client.ip[13] = (guint8) (i >> 16);
      ft.client.ip[14] = (guint8) (i >> 8);
      TurnAllocation *a = turn_allocation_table_lookup (table, &ft);
      g_assert_nonnull (a);
      g_assert_true (turn_allocation_table_lookup_relayed (table, &r) == a);
    }
  list = turn_allocation_table_list (table);
  g_assert_cmpuint (list->len, ==, n);
  g_assert_cmpuint (turn_quota_count_user (quota, "odd"), ==, n / 2);
  g_assert_cmpuint (turn_allocation_table_expire (table, 600), ==, n);
  g_assert_cmpuint (turn_quota_count_user (quota, "odd"), ==, 0);
}

static void
remove_everything (TurnAllocationTable *table, TurnAllocation *alloc, TurnRemovalReason reason, gpointer data)
{
  guint *calls = data;
  g_autoptr(GPtrArray) all = turn_allocation_table_list (table);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint64));

  (*calls)++;
  /* by id: each removal may remove others in turn */
  for (guint i = 0; i < all->len; i++)
    g_array_append_val (ids, ((TurnAllocation *) all->pdata[i])->id);
  for (guint i = 0; i < ids->len; i++)
    {
      TurnAllocation *other = turn_allocation_table_lookup_id (table, g_array_index (ids, guint64, i));
      if (other != NULL && other != alloc)
        turn_allocation_table_remove (table, other, TURN_REMOVED_DELETED);
    }
}

/* A removal callback may remove other allocations, even ones the same sweep
 * was about to remove. */
static void
test_cascading_removal (void)
{
  guint calls = 0;
  TurnAllocationTable *table = turn_allocation_table_new (NULL, remove_everything, &calls);

  for (guint i = 0; i < 5; i++)
    {
      TurnFiveTuple ft = tuple ("203.0.113.10", (guint16) (1 + i));
      TurnAddr r = turn_test_addr ("192.0.2.1", (guint16) (50000 + i));
      g_assert_nonnull (turn_allocation_table_create (table, &ft, "alice", &r, 1, 600, 0, NULL));
    }
  g_assert_cmpuint (turn_allocation_table_expire (table, 600), ==, 5);
  g_assert_cmpuint (calls, ==, 5);
  g_assert_cmpuint (turn_allocation_table_get_size (table), ==, 0);

  for (guint i = 0; i < 3; i++)
    {
      TurnFiveTuple ft = tuple ("203.0.113.10", (guint16) (1 + i));
      TurnAddr r = turn_test_addr ("192.0.2.1", (guint16) (50000 + i));
      g_assert_nonnull (turn_allocation_table_create (table, &ft, "alice", &r, 1, 600, 0, NULL));
    }
  calls = 0;
  turn_allocation_table_free (table);
  g_assert_cmpuint (calls, ==, 3);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/turn/allocation-table/create-lookup", test_create_lookup);
  g_test_add_func ("/turn/allocation-table/quotas", test_quotas);
  g_test_add_func ("/turn/allocation-table/lifetime-clamp", test_lifetime_clamp);
  g_test_add_func ("/turn/allocation-table/expiry", test_expiry);
  g_test_add_func ("/turn/allocation-table/permissions", test_permissions);
  g_test_add_func ("/turn/allocation-table/permission-cap", test_permission_cap);
  g_test_add_func ("/turn/allocation-table/permission-cap-many", test_permission_cap_many);
  g_test_add_func ("/turn/allocation-table/channels", test_channels);
  g_test_add_func ("/turn/allocation-table/counters", test_counters);
  g_test_add_func ("/turn/allocation-table/many", test_many);
  g_test_add_func ("/turn/allocation-table/cascading-removal", test_cascading_removal);
  return g_test_run ();
}
