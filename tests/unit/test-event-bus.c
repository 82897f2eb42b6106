/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The typed event bus: registration, type checks, delivery order,
 * unsubscribing from inside a callback, publishing from another thread. */
#include <postern.h>

typedef struct {
  GPtrArray *log;
  PosternEventBus *bus;
  guint self_id;
  guint other_id;
} Recorder;

static void
record_cb (PosternEventBus *bus, const gchar *name, GVariant *payload, gpointer user_data)
{
  Recorder *r = user_data;
  g_autofree gchar *text = g_variant_print (payload, FALSE);

  g_ptr_array_add (r->log, g_strdup_printf ("%s %s", name, text));
}

static void
test_register (void)
{
  g_autoptr(PosternEventBus) bus = postern_event_bus_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;

  g_assert_true (postern_event_bus_register (bus, "test.one", "(si)", "doc", &error));
  g_assert_no_error (error);
  /* The same signature again is fine; another is refused. */
  g_assert_true (postern_event_bus_register (bus, "test.one", "(si)", "doc", &error));
  g_assert_false (postern_event_bus_register (bus, "test.one", "(ss)", "doc", &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_false (postern_event_bus_register (bus, "Bad Name", "(s)", "doc", &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (postern_event_bus_register (bus, "test.two", "(q", "doc", &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  postern_events_register_well_known (bus);
  g_assert_cmpstr (postern_event_bus_get_signature (bus, POSTERN_EVENT_PIN_FAILED), ==, "(ssss)");
  g_assert_cmpstr (postern_event_bus_get_signature (bus, "test.one"), ==, "(si)");
  g_assert_null (postern_event_bus_get_signature (bus, "test.none"));
  names = postern_event_bus_list_types (bus);
  g_assert_cmpstr (names[0], ==, "ban.added");
  g_assert_true (g_strv_contains ((const gchar *const *) names, "test.one"));
}

static void
test_type_check (void)
{
  g_autoptr(PosternEventBus) bus = postern_event_bus_new ();
  Recorder r = { g_ptr_array_new_with_free_func (g_free) };

  g_assert_true (postern_event_bus_register (bus, "test.typed", "(si)", "doc", NULL));
  postern_event_bus_subscribe (bus, "test.typed", record_cb, &r, NULL);

  g_test_expect_message ("postern", G_LOG_LEVEL_CRITICAL, "*wants (si), got (ss)*");
  g_assert_false (postern_event_bus_publish (bus, "test.typed", g_variant_new ("(ss)", "a", "b")));
  g_test_assert_expected_messages ();
  g_test_expect_message ("postern", G_LOG_LEVEL_CRITICAL, "*'test.unknown' is not registered*");
  g_assert_false (postern_event_bus_publish (bus, "test.unknown", g_variant_new ("(s)", "a")));
  g_test_assert_expected_messages ();

  g_assert_true (postern_event_bus_publish (bus, "test.typed", g_variant_new ("(si)", "ok", 1)));
  postern_event_bus_flush (bus);
  g_assert_cmpuint (r.log->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (r.log, 0), ==, "test.typed ('ok', 1)");
  g_ptr_array_unref (r.log);
}

static void
test_order (void)
{
  g_autoptr(PosternEventBus) bus = postern_event_bus_new ();
  Recorder r = { g_ptr_array_new_with_free_func (g_free) };
  Recorder all = { g_ptr_array_new_with_free_func (g_free) };

  g_assert_true (postern_event_bus_register (bus, "test.a", "(i)", "doc", NULL));
  g_assert_true (postern_event_bus_register (bus, "test.b", "(i)", "doc", NULL));
  postern_event_bus_subscribe (bus, "test.a", record_cb, &r, NULL);
  postern_event_bus_subscribe (bus, NULL, record_cb, &all, NULL);
  postern_event_bus_subscribe (bus, "test.b", record_cb, &r, NULL);

  for (gint i = 0; i < 5; i++)
    postern_event_bus_publish (bus, i % 2 ? "test.b" : "test.a", g_variant_new ("(i)", i));
  /* Nothing is delivered synchronously: subscribers run in the main loop. */
  g_assert_cmpuint (r.log->len, ==, 0);
  while (all.log->len < 5)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (r.log->len, ==, 5);
  for (gint i = 0; i < 5; i++) {
    g_autofree gchar *expected = g_strdup_printf ("%s (%d,)", i % 2 ? "test.b" : "test.a", i);
    g_assert_cmpstr (g_ptr_array_index (r.log, i), ==, expected);
    g_assert_cmpstr (g_ptr_array_index (all.log, i), ==, expected);
  }
  g_ptr_array_unref (r.log);
  g_ptr_array_unref (all.log);
}

static void
unsubscribe_self_cb (PosternEventBus *bus, const gchar *name, GVariant *payload, gpointer user_data)
{
  Recorder *r = user_data;

  record_cb (bus, name, payload, user_data);
  postern_event_bus_unsubscribe (bus, r->self_id);
  postern_event_bus_unsubscribe (bus, r->other_id);
}

static void
destroy_count (gpointer data)
{
  (*(guint *) data)++;
}

static void
count_cb (PosternEventBus *bus, const gchar *name, GVariant *payload, gpointer user_data)
{
  g_assert_not_reached ();
}

static void
test_unsubscribe_in_callback (void)
{
  g_autoptr(PosternEventBus) bus = postern_event_bus_new ();
  Recorder r = { g_ptr_array_new_with_free_func (g_free) };
  Recorder later = { g_ptr_array_new_with_free_func (g_free) };
  guint destroyed = 0;

  g_assert_true (postern_event_bus_register (bus, "test.a", "(i)", "doc", NULL));
  r.self_id = postern_event_bus_subscribe (bus, "test.a", unsubscribe_self_cb, &r, NULL);
  /* Subscribed after the first callback, removed by it before delivery. */
  r.other_id = postern_event_bus_subscribe (bus, "test.a", count_cb, &destroyed, destroy_count);
  postern_event_bus_subscribe (bus, "test.a", record_cb, &later, NULL);

  postern_event_bus_publish (bus, "test.a", g_variant_new ("(i)", 1));
  postern_event_bus_publish (bus, "test.a", g_variant_new ("(i)", 2));
  postern_event_bus_flush (bus);

  g_assert_cmpuint (r.log->len, ==, 1);
  g_assert_cmpuint (destroyed, ==, 1);
  g_assert_cmpuint (later.log->len, ==, 2);
  g_ptr_array_unref (r.log);
  g_ptr_array_unref (later.log);
}

static gpointer
publisher_thread (gpointer data)
{
  PosternEventBus *bus = data;

  for (gint i = 0; i < 100; i++)
    postern_event_bus_publish (bus, "test.thread", g_variant_new ("(i)", i));
  return NULL;
}

static void
test_publish_from_thread (void)
{
  g_autoptr(PosternEventBus) bus = postern_event_bus_new ();
  Recorder r = { g_ptr_array_new_with_free_func (g_free) };
  GThread *thread;

  g_assert_true (postern_event_bus_register (bus, "test.thread", "(i)", "doc", NULL));
  postern_event_bus_subscribe (bus, "test.thread", record_cb, &r, NULL);
  thread = g_thread_new ("publisher", publisher_thread, bus);
  while (r.log->len < 100)
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
  for (gint i = 0; i < 100; i++) {
    g_autofree gchar *expected = g_strdup_printf ("test.thread (%d,)", i);
    g_assert_cmpstr (g_ptr_array_index (r.log, i), ==, expected);
  }
  g_ptr_array_unref (r.log);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/event-bus/register", test_register);
  g_test_add_func ("/event-bus/type-check", test_type_check);
  g_test_add_func ("/event-bus/order", test_order);
  g_test_add_func ("/event-bus/unsubscribe-in-callback", test_unsubscribe_in_callback);
  g_test_add_func ("/event-bus/publish-from-thread", test_publish_from_thread);
  return g_test_run ();
}
