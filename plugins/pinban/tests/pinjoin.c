/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test plugin playing the https-proxy's part for pinban: it answers
 * POST /api/client/v2/conferences/ALIAS/request_token through the HTTPS
 * front like a Conferencing Node would (200 for the `pin` key's PIN, 403 for
 * a missing or wrong one) and publishes pin.failed for a wrong PIN only.
 * Its D-Bus method PinFailed publishes pin.failed for any address. */
#include <string.h>
#include <postern.h>

#include "pinjoin-dbus-generated.h"

#define PREFIX "/api/client/v2/conferences/"

typedef struct {
  PosternContext *context;
  PosternPinJoin *skeleton;
} PinJoin;

static const PosternConfigKey pinjoin_keys[] = {
  { "pin", POSTERN_CONFIG_TYPE_STRING, "1234", "The one correct PIN" },
  { NULL }
};

static void
publish_failure (PinJoin *p, const gchar *client, const gchar *alias, const gchar *path)
{
  PosternEventBus *bus = postern_context_get_event_bus (p->context);

  postern_event_bus_publish (bus, POSTERN_EVENT_PIN_FAILED, g_variant_new ("(ssss)", client, alias, path, "Invalid PIN"));
  /* Delivered before the answer leaves, as the proxy must do. */
  postern_event_bus_flush (bus);
}

static void
respond_json (PosternHttpExchange *exchange, guint status, const gchar *json)
{
  postern_http_exchange_respond (exchange, status, "application/json", g_bytes_new (json, strlen (json)));
}

static void
handle (PosternHttpExchange *exchange, gpointer user_data)
{
  PinJoin *p = user_data;
  const gchar *path = postern_http_exchange_get_path (exchange);
  const gchar *rest = path + strlen (PREFIX);
  const gchar *slash = strchr (rest, '/');
  const gchar *pin = postern_http_exchange_get_header (exchange, "pin");
  const gchar *correct = postern_config_get_string (postern_context_get_config (p->context), "pin");
  g_autofree gchar *alias = NULL;

  if (slash == NULL || slash == rest || !g_str_equal (slash, "/request_token") ||
      !g_str_equal (postern_http_exchange_get_method (exchange), "POST")) {
    respond_json (exchange, 404, "{\"status\":\"failed\",\"result\":\"Neither conference nor gateway found\"}");
    return;
  }
  alias = g_strndup (rest, (gsize) (slash - rest));
  if (pin == NULL) {
    respond_json (exchange, 403, "{\"status\":\"success\",\"result\":{\"pin\":\"required\",\"guest_pin\":\"none\"}}");
  } else if (g_str_equal (pin, correct)) {
    respond_json (exchange, 200, "{\"status\":\"success\",\"result\":{\"token\":\"t\",\"expires\":\"120\"}}");
  } else {
    publish_failure (p, postern_http_exchange_get_client_ip (exchange), alias, path);
    respond_json (exchange, 403, "{\"status\":\"success\",\"result\":\"Invalid PIN\"}");
  }
}

static gboolean
handle_pin_failed (PosternPinJoin *skeleton, GDBusMethodInvocation *invocation, const gchar *address,
                   gpointer user_data)
{
  publish_failure (user_data, address, "test", PREFIX "test/request_token");
  postern_pin_join_complete_pin_failed (skeleton, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
pinjoin_free (PinJoin *p)
{
  g_clear_object (&p->skeleton);
  g_free (p);
}

static gpointer
pinjoin_start (PosternContext *context, GError **error)
{
  PinJoin *p = g_new0 (PinJoin, 1);

  p->context = context;
  p->skeleton = postern_pin_join_skeleton_new ();
  g_signal_connect (p->skeleton, "handle-pin-failed", G_CALLBACK (handle_pin_failed), p);
  if (!postern_context_export_interface (context, G_DBUS_INTERFACE_SKELETON (p->skeleton), error) ||
      postern_context_add_http_handler (context, PREFIX, handle, p, NULL, error) == 0) {
    pinjoin_free (p);
    return NULL;
  }
  return p;
}

static void
pinjoin_stop (gpointer plugin, PosternContext *context)
{
  pinjoin_free (plugin);
}

POSTERN_PLUGIN_DEFINE (
  .name = "pinjoin",
  .version = "1.0",
  .description = "Test plugin answering request_token and publishing pin.failed",
  .config_keys = pinjoin_keys,
  .start = pinjoin_start,
  .stop = pinjoin_stop,
);
