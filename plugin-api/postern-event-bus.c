/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "postern-event-bus.h"

#include "postern-error.h"

/**
 * SECTION:postern-event-bus
 * @title: PosternEventBus
 * @short_description: the typed control-plane bus between plugins
 *
 * An event type is a name and a GVariant signature, registered once.
 * Publishing checks the payload against the signature and queues the event;
 * a GSource in the main context the bus was created in delivers queued events
 * in publish order, each to its subscribers in subscription order. Publishing
 * is safe from any thread; subscribing and unsubscribing belong to the main
 * thread, and unsubscribing from inside a callback is safe.
 *
 * The bus is for control events (a ban, a node going down), never for data:
 * no event per packet or per proxied byte.
 */

typedef struct {
  gchar *name;
  GVariantType *type;
  gchar *doc;
} EventType;

typedef struct {
  guint id;
  gchar *name; /* NULL: every event */
  PosternEventCallback callback;
  gpointer user_data;
  GDestroyNotify destroy;
  gboolean removed;
} Subscription;

typedef struct {
  gchar *name;
  GVariant *payload;
} PendingEvent;

struct _PosternEventBus {
  GObject parent_instance;
  GHashTable *types; /* name -> EventType */
  GPtrArray *subscriptions;
  guint next_id;
  guint dispatch_depth;
  gboolean needs_compaction;
  GMutex queue_lock;
  GQueue queue; /* of PendingEvent, guarded by queue_lock */
  GSource *source;
};

G_DEFINE_FINAL_TYPE (PosternEventBus, postern_event_bus, G_TYPE_OBJECT)

static void
event_type_free (gpointer data)
{
  EventType *t = data;

  g_free (t->name);
  g_variant_type_free (t->type);
  g_free (t->doc);
  g_free (t);
}

static void
subscription_free (gpointer data)
{
  Subscription *s = data;

  if (s->destroy != NULL)
    s->destroy (s->user_data);
  g_free (s->name);
  g_free (s);
}

static void
pending_event_free (PendingEvent *e)
{
  g_free (e->name);
  g_variant_unref (e->payload);
  g_free (e);
}

static void
compact_subscriptions (PosternEventBus *self)
{
  if (self->dispatch_depth > 0 || !self->needs_compaction)
    return;
  for (guint i = self->subscriptions->len; i > 0; i--) {
    Subscription *s = g_ptr_array_index (self->subscriptions, i - 1);
    if (s->removed)
      g_ptr_array_remove_index (self->subscriptions, i - 1);
  }
  self->needs_compaction = FALSE;
}

static void
deliver (PosternEventBus *self, PendingEvent *event)
{
  /* Subscriptions added by a callback see only later events. */
  guint n = self->subscriptions->len;

  self->dispatch_depth++;
  for (guint i = 0; i < n; i++) {
    Subscription *s = g_ptr_array_index (self->subscriptions, i);
    if (s->removed)
      continue;
    if (s->name != NULL && !g_str_equal (s->name, event->name))
      continue;
    s->callback (self, event->name, event->payload, s->user_data);
  }
  self->dispatch_depth--;
  compact_subscriptions (self);
}

static PendingEvent *
pop_pending (PosternEventBus *self)
{
  PendingEvent *event;

  g_mutex_lock (&self->queue_lock);
  event = g_queue_pop_head (&self->queue);
  g_mutex_unlock (&self->queue_lock);
  return event;
}

/**
 * postern_event_bus_flush:
 * @self: a #PosternEventBus
 *
 * Delivers every queued event now, in order. The daemon calls this before it
 * stops; tests use it instead of iterating the main loop.
 */
void
postern_event_bus_flush (PosternEventBus *self)
{
  PendingEvent *event;

  g_return_if_fail (POSTERN_IS_EVENT_BUS (self));
  g_object_ref (self);
  while ((event = pop_pending (self)) != NULL) {
    deliver (self, event);
    pending_event_free (event);
  }
  g_object_unref (self);
}

static gboolean
dispatch_cb (gpointer user_data)
{
  PosternEventBus *self = user_data;

  g_source_set_ready_time (self->source, -1);
  postern_event_bus_flush (self);
  return G_SOURCE_CONTINUE;
}

static gboolean
bus_source_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  return callback (user_data);
}

static GSourceFuncs bus_source_funcs = {
  .dispatch = bus_source_dispatch,
};

static void
postern_event_bus_dispose (GObject *object)
{
  PosternEventBus *self = POSTERN_EVENT_BUS (object);

  if (self->source != NULL) {
    g_source_destroy (self->source);
    g_clear_pointer (&self->source, g_source_unref);
  }
  g_ptr_array_set_size (self->subscriptions, 0);
  G_OBJECT_CLASS (postern_event_bus_parent_class)->dispose (object);
}

static void
postern_event_bus_finalize (GObject *object)
{
  PosternEventBus *self = POSTERN_EVENT_BUS (object);

  g_queue_clear_full (&self->queue, (GDestroyNotify) pending_event_free);
  g_mutex_clear (&self->queue_lock);
  g_ptr_array_unref (self->subscriptions);
  g_hash_table_unref (self->types);
  G_OBJECT_CLASS (postern_event_bus_parent_class)->finalize (object);
}

static void
postern_event_bus_class_init (PosternEventBusClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = postern_event_bus_dispose;
  object_class->finalize = postern_event_bus_finalize;
}

static void
postern_event_bus_init (PosternEventBus *self)
{
  self->types = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, event_type_free);
  self->subscriptions = g_ptr_array_new_with_free_func (subscription_free);
  self->next_id = 1;
  g_mutex_init (&self->queue_lock);
  g_queue_init (&self->queue);

  /* The source holds no reference: dispose destroys it. */
  self->source = g_source_new (&bus_source_funcs, sizeof (GSource));
  g_source_set_callback (self->source, dispatch_cb, self, NULL);
  g_source_set_name (self->source, "postern-event-bus");
  g_source_set_ready_time (self->source, -1);
  g_source_attach (self->source, g_main_context_get_thread_default ());
}

/**
 * postern_event_bus_new:
 *
 * Creates a bus that delivers events in the calling thread's default main
 * context.
 *
 * Returns: (transfer full): a new bus
 */
PosternEventBus *
postern_event_bus_new (void)
{
  return g_object_new (POSTERN_TYPE_EVENT_BUS, NULL);
}

static gboolean
valid_event_name (const gchar *name)
{
  if (name == NULL || !g_ascii_islower (name[0]))
    return FALSE;
  for (const gchar *p = name; *p != '\0'; p++) {
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '.' && *p != '-' && *p != '_')
      return FALSE;
  }
  return TRUE;
}

/**
 * postern_event_bus_register:
 * @self: a #PosternEventBus
 * @name: the event type's name, e.g. `pin.failed`
 * @signature: a GVariant type string, e.g. `(ssss)`
 * @doc: one line saying what the event means and what its fields are
 * @error: return location for an error
 *
 * Registers an event type. Registering a name again with the same signature
 * is accepted (a publisher and a subscriber may both declare it); with a
 * different signature it is an error.
 *
 * Returns: %TRUE if the type is registered
 */
gboolean
postern_event_bus_register (PosternEventBus *self, const gchar *name, const gchar *signature,
                            const gchar *doc, GError **error)
{
  EventType *existing;
  EventType *t;

  g_return_val_if_fail (POSTERN_IS_EVENT_BUS (self), FALSE);

  if (!valid_event_name (name)) {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_ARGUMENT,
                 "'%s' is not a valid event name (lower case, digits, '.', '-', '_')",
                 name ? name : "(null)");
    return FALSE;
  }
  if (signature == NULL || !g_variant_type_string_is_valid (signature)) {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_ARGUMENT,
                 "event '%s': '%s' is not a GVariant type", name, signature ? signature : "(null)");
    return FALSE;
  }
  existing = g_hash_table_lookup (self->types, name);
  if (existing != NULL) {
    if (g_str_equal (g_variant_type_peek_string (existing->type), signature))
      return TRUE;
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_EXISTS,
                 "event '%s' is already registered as %s, not %s", name,
                 g_variant_type_peek_string (existing->type), signature);
    return FALSE;
  }
  t = g_new0 (EventType, 1);
  t->name = g_strdup (name);
  t->type = g_variant_type_new (signature);
  t->doc = g_strdup (doc != NULL ? doc : "");
  g_hash_table_insert (self->types, t->name, t);
  return TRUE;
}

/**
 * postern_event_bus_get_signature:
 * @self: a #PosternEventBus
 * @name: an event type's name
 *
 * Returns: (nullable): the type's signature, or %NULL if it is not registered
 */
const gchar *
postern_event_bus_get_signature (PosternEventBus *self, const gchar *name)
{
  EventType *t;

  g_return_val_if_fail (POSTERN_IS_EVENT_BUS (self), NULL);
  t = g_hash_table_lookup (self->types, name);
  return t != NULL ? g_variant_type_peek_string (t->type) : NULL;
}

/**
 * postern_event_bus_get_doc:
 * @self: a #PosternEventBus
 * @name: an event type's name
 *
 * Returns: (nullable): the type's documentation, or %NULL if it is not registered
 */
const gchar *
postern_event_bus_get_doc (PosternEventBus *self, const gchar *name)
{
  EventType *t;

  g_return_val_if_fail (POSTERN_IS_EVENT_BUS (self), NULL);
  t = g_hash_table_lookup (self->types, name);
  return t != NULL ? t->doc : NULL;
}

static gint
compare_names (gconstpointer a, gconstpointer b, gpointer user_data)
{
  return g_strcmp0 (*(const gchar *const *) a, *(const gchar *const *) b);
}

/**
 * postern_event_bus_list_types:
 * @self: a #PosternEventBus
 *
 * Returns: (transfer full) (array zero-terminated=1): the registered names, sorted
 */
gchar **
postern_event_bus_list_types (PosternEventBus *self)
{
  g_autofree const gchar **names = NULL;
  guint n = 0;

  g_return_val_if_fail (POSTERN_IS_EVENT_BUS (self), NULL);
  names = (const gchar **) g_hash_table_get_keys_as_array (self->types, &n);
  g_qsort_with_data (names, n, sizeof (gchar *), compare_names, NULL);
  return g_strdupv ((gchar **) names);
}

/**
 * postern_event_bus_publish:
 * @self: a #PosternEventBus
 * @name: a registered event type's name
 * @payload: (transfer floating): the payload, of the type's signature
 *
 * Queues an event for delivery in the bus's main context. A payload of the
 * wrong type, or an unregistered name, is refused with a critical message;
 * the bus carries on. Safe to call from any thread.
 *
 * Returns: %TRUE if the event was queued
 */
gboolean
postern_event_bus_publish (PosternEventBus *self, const gchar *name, GVariant *payload)
{
  g_autoptr(GVariant) owned = NULL;
  PendingEvent *event;
  EventType *t;

  g_return_val_if_fail (POSTERN_IS_EVENT_BUS (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (payload != NULL, FALSE);

  owned = g_variant_ref_sink (payload);
  /* Types are registered before plugins start and never removed, so this
   * read needs no lock. */
  t = g_hash_table_lookup (self->types, name);
  if (t == NULL) {
    g_critical ("event '%s' is not registered; not published", name);
    return FALSE;
  }
  if (!g_variant_is_of_type (owned, t->type)) {
    g_critical ("event '%s' wants %s, got %s; not published", name,
                g_variant_type_peek_string (t->type), g_variant_get_type_string (owned));
    return FALSE;
  }
  event = g_new0 (PendingEvent, 1);
  event->name = g_strdup (name);
  event->payload = g_steal_pointer (&owned);
  g_mutex_lock (&self->queue_lock);
  g_queue_push_tail (&self->queue, event);
  g_mutex_unlock (&self->queue_lock);
  g_source_set_ready_time (self->source, 0);
  return TRUE;
}

/**
 * postern_event_bus_subscribe:
 * @self: a #PosternEventBus
 * @name: (nullable): an event type's name, or %NULL for every event
 * @callback: (scope notified) (closure user_data) (destroy destroy): called for each event
 * @user_data: data for @callback
 * @destroy: (nullable): frees @user_data when the subscription ends
 *
 * Subscribes to an event type. Subscribing to a name nobody registered yet is
 * allowed: the publisher may start later.
 *
 * Returns: the subscription id, for postern_event_bus_unsubscribe()
 */
guint
postern_event_bus_subscribe (PosternEventBus *self, const gchar *name, PosternEventCallback callback,
                             gpointer user_data, GDestroyNotify destroy)
{
  Subscription *s;

  g_return_val_if_fail (POSTERN_IS_EVENT_BUS (self), 0);
  g_return_val_if_fail (callback != NULL, 0);

  s = g_new0 (Subscription, 1);
  s->id = self->next_id++;
  s->name = g_strdup (name);
  s->callback = callback;
  s->user_data = user_data;
  s->destroy = destroy;
  g_ptr_array_add (self->subscriptions, s);
  return s->id;
}

/**
 * postern_event_bus_unsubscribe:
 * @self: a #PosternEventBus
 * @id: a subscription id
 *
 * Ends a subscription; it receives nothing more, even if called from inside
 * a callback while an event is being delivered.
 */
void
postern_event_bus_unsubscribe (PosternEventBus *self, guint id)
{
  g_return_if_fail (POSTERN_IS_EVENT_BUS (self));

  for (guint i = 0; i < self->subscriptions->len; i++) {
    Subscription *s = g_ptr_array_index (self->subscriptions, i);
    if (s->id == id && !s->removed) {
      GDestroyNotify destroy = g_steal_pointer (&s->destroy);
      s->removed = TRUE;
      self->needs_compaction = TRUE;
      if (destroy != NULL)
        destroy (s->user_data);
      compact_subscriptions (self);
      return;
    }
  }
  g_warning ("no event subscription %u", id);
}
