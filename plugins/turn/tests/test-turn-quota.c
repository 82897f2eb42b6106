/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turn-allocation-table.h"
#include "turn-test-addr.h"
#include "turn-error.h"
#include "turn-quota.h"

#include <postern.h>

#define RACERS 4
#define ROUNDS 2000

static void
test_limits (void)
{
  g_autoptr(TurnQuota) quota = turn_quota_new (3, 2);
  g_autoptr(GError) error = NULL;

  g_assert_true (turn_quota_take (quota, "alice", &error));
  g_assert_true (turn_quota_take (quota, "alice", &error));
  g_assert_false (turn_quota_take (quota, "alice", &error));
  g_assert_error (error, TURN_ERROR, TURN_ERROR_ALLOCATION_QUOTA_REACHED);
  g_clear_error (&error);
  g_assert_true (turn_quota_take (quota, "bob", &error));
  g_assert_false (turn_quota_take (quota, "carol", &error));
  g_assert_error (error, TURN_ERROR, TURN_ERROR_ALLOCATION_QUOTA_REACHED);
  g_clear_error (&error);
  g_assert_cmpuint (turn_quota_count (quota), ==, 3);

  turn_quota_release (quota, "alice");
  g_assert_cmpuint (turn_quota_count_user (quota, "alice"), ==, 1);
  g_assert_true (turn_quota_take (quota, "carol", &error));
  turn_quota_set_limits (quota, 0, 0);
  g_assert_true (turn_quota_take (quota, "alice", &error));
  g_assert_true (turn_quota_take (quota, "alice", &error));
  g_assert_cmpuint (turn_quota_count_user (quota, "alice"), ==, 3);
  g_assert_no_error (error);
}

/* Two tables (two relay threads) share one quota: the user's third
 * allocation is refused whichever table it goes to, and the ids of the
 * tables never meet. */
static void
test_shared_by_tables (void)
{
  g_autoptr(TurnQuota) quota = turn_quota_new (0, 2);
  g_autoptr(TurnAllocationTable) t0 = turn_allocation_table_new (quota, NULL, NULL);
  g_autoptr(TurnAllocationTable) t1 = turn_allocation_table_new (quota, NULL, NULL);
  g_autoptr(GError) error = NULL;
  TurnFiveTuple ft[3];
  TurnAddr relayed[3];
  TurnAllocation *a0, *a1;

  turn_allocation_table_set_ids (t0, 1, 2);
  turn_allocation_table_set_ids (t1, 2, 2);
  for (guint i = 0; i < 3; i++)
    {
      ft[i].client = turn_test_addr ("203.0.113.10", (guint16) (1000 + i));
      ft[i].server = turn_test_addr ("192.0.2.1", 3478);
      relayed[i] = turn_test_addr ("192.0.2.1", (guint16) (50000 + i));
    }
  a0 = turn_allocation_table_create (t0, &ft[0], "alice", &relayed[0], 1, 600, 0, &error);
  g_assert_no_error (error);
  a1 = turn_allocation_table_create (t1, &ft[1], "alice", &relayed[1], 1, 600, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (a0->id, ==, 1);
  g_assert_cmpuint (a1->id, ==, 2);
  g_assert_null (turn_allocation_table_create (t0, &ft[2], "alice", &relayed[2], 1, 600, 0, &error));
  g_assert_error (error, TURN_ERROR, TURN_ERROR_ALLOCATION_QUOTA_REACHED);
  g_clear_error (&error);
  g_assert_null (turn_allocation_table_create (t1, &ft[2], "alice", &relayed[2], 1, 600, 0, &error));
  g_assert_error (error, TURN_ERROR, TURN_ERROR_ALLOCATION_QUOTA_REACHED);
  g_clear_error (&error);

  /* freed in one table, usable from the other; ids keep their stride */
  turn_allocation_table_remove (t0, a0, TURN_REMOVED_DELETED);
  a1 = turn_allocation_table_create (t1, &ft[2], "alice", &relayed[2], 1, 600, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (a1->id, ==, 4);
  g_clear_pointer (&t1, turn_allocation_table_free);
  g_assert_cmpuint (turn_quota_count (quota), ==, 0);
}

typedef struct {
  TurnQuota *quota;
  guint granted;
} Racer;

static gpointer
race (gpointer data)
{
  Racer *racer = data;

  for (guint i = 0; i < ROUNDS; i++)
    if (turn_quota_take (racer->quota, "alice", NULL))
      {
        g_assert_cmpuint (turn_quota_count_user (racer->quota, "alice"), <=, 3);
        racer->granted++;
        turn_quota_release (racer->quota, "alice");
      }
  return NULL;
}

/* Threads taking and releasing at once never push the count over the
 * limit nor lose a release. */
static void
test_threads (void)
{
  g_autoptr(TurnQuota) quota = turn_quota_new (0, 3);
  Racer racers[RACERS];
  GThread *threads[RACERS];
  guint granted = 0;

  for (guint i = 0; i < RACERS; i++)
    {
      racers[i] = (Racer) { quota, 0 };
      threads[i] = g_thread_new ("racer", race, &racers[i]);
    }
  for (guint i = 0; i < RACERS; i++)
    {
      g_thread_join (threads[i]);
      granted += racers[i].granted;
    }
  g_assert_cmpuint (granted, >, 0);
  g_assert_cmpuint (turn_quota_count (quota), ==, 0);
  g_assert_cmpuint (turn_quota_count_user (quota, "alice"), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/turn/quota/limits", test_limits);
  g_test_add_func ("/turn/quota/shared-by-tables", test_shared_by_tables);
  g_test_add_func ("/turn/quota/threads", test_threads);
  return g_test_run ();
}
