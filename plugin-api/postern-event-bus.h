/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(POSTERN_INSIDE) && !defined(POSTERN_COMPILATION)
#error "Only <postern.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

#define POSTERN_TYPE_EVENT_BUS (postern_event_bus_get_type ())
G_DECLARE_FINAL_TYPE (PosternEventBus, postern_event_bus, POSTERN, EVENT_BUS, GObject)

/**
 * PosternEventCallback:
 * @bus: the bus
 * @name: the event type's name
 * @payload: the payload, of the type's signature
 * @user_data: data given to postern_event_bus_subscribe()
 *
 * Receives one event, in the main loop, in publish order.
 */
typedef void (*PosternEventCallback) (PosternEventBus *bus,
                                      const gchar     *name,
                                      GVariant        *payload,
                                      gpointer         user_data);

PosternEventBus *postern_event_bus_new            (void);
gboolean         postern_event_bus_register       (PosternEventBus      *self,
                                                   const gchar          *name,
                                                   const gchar          *signature,
                                                   const gchar          *doc,
                                                   GError              **error);
const gchar     *postern_event_bus_get_signature  (PosternEventBus      *self,
                                                   const gchar          *name);
const gchar     *postern_event_bus_get_doc        (PosternEventBus      *self,
                                                   const gchar          *name);
gchar          **postern_event_bus_list_types     (PosternEventBus      *self);
gboolean         postern_event_bus_publish        (PosternEventBus      *self,
                                                   const gchar          *name,
                                                   GVariant             *payload);
guint            postern_event_bus_subscribe      (PosternEventBus      *self,
                                                   const gchar          *name,
                                                   PosternEventCallback  callback,
                                                   gpointer              user_data,
                                                   GDestroyNotify        destroy);
void             postern_event_bus_unsubscribe    (PosternEventBus      *self,
                                                   guint                 id);
void             postern_event_bus_flush          (PosternEventBus      *self);

G_END_DECLS
