/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "proxy-inspect.h"

#include <json-glib/json-glib.h>
#include <string.h>

#define CONFERENCES "/api/client/v2/conferences/"

ProxyCall
proxy_inspect_call (const gchar *path, gchar **alias)
{
  const gchar *rest, *slash;

  ProxyCall call = PROXY_CALL_OTHER;

  *alias = NULL;
  if (!g_str_has_prefix (path, CONFERENCES))
    return PROXY_CALL_OTHER;
  rest = path + strlen (CONFERENCES);
  slash = strchr (rest, '/');
  if (slash == NULL || slash == rest)
    return PROXY_CALL_OTHER;
  if (g_str_equal (slash + 1, "request_token"))
    call = PROXY_CALL_REQUEST_TOKEN;
  else if (g_str_equal (slash + 1, "refresh_token"))
    call = PROXY_CALL_REFRESH_TOKEN;
  else if (g_str_equal (slash + 1, "release_token"))
    call = PROXY_CALL_RELEASE_TOKEN;
  else
    return PROXY_CALL_OTHER; /* most API calls: no alias decoded for them */
  {
    g_autofree gchar *raw = g_strndup (rest, (gsize) (slash - rest));
    *alias = g_uri_unescape_string (raw, NULL);
    if (*alias == NULL)
      *alias = g_steal_pointer (&raw);
  }
  return call;
}

static JsonNode *
parse_result (const gchar *body, gsize length)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonObject *root;

  if (length == 0 || length > PROXY_INSPECT_MAX || !json_parser_load_from_data (parser, body, (gssize) length, NULL))
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  root = json_node_get_object (json_parser_get_root (parser));
  if (!json_object_has_member (root, "result"))
    return NULL;
  return json_node_copy (json_object_get_member (root, "result"));
}

gboolean
proxy_inspect_token (const gchar *body, gsize length, gchar **token, guint *expires_s)
{
  g_autoptr(JsonNode) result = parse_result (body, length);
  JsonObject *obj;
  JsonNode *tok, *exp;
  guint64 seconds = 120;

  if (result == NULL || !JSON_NODE_HOLDS_OBJECT (result))
    return FALSE;
  obj = json_node_get_object (result);
  tok = json_object_get_member (obj, "token");
  if (tok == NULL || json_node_get_value_type (tok) != G_TYPE_STRING || json_node_get_string (tok)[0] == '\0')
    return FALSE;
  exp = json_object_get_member (obj, "expires");
  if (exp != NULL && json_node_get_value_type (exp) == G_TYPE_STRING)
    g_ascii_string_to_unsigned (json_node_get_string (exp), 10, 1, 86400, &seconds, NULL);
  else if (exp != NULL && json_node_get_value_type (exp) == G_TYPE_INT64)
    seconds = (guint64) CLAMP (json_node_get_int (exp), 1, 86400);
  *token = g_strdup (json_node_get_string (tok));
  *expires_s = (guint) seconds;
  return TRUE;
}

static gboolean
member_is (JsonObject *obj, const gchar *name, const gchar *value)
{
  JsonNode *node = json_object_get_member (obj, name);

  return node != NULL && json_node_get_value_type (node) == G_TYPE_STRING &&
         g_str_equal (json_node_get_string (node), value);
}

const gchar *
proxy_inspect_pin_failure (guint status, const gchar *pin, const gchar *body, gsize length)
{
  g_autoptr(JsonNode) result = NULL;
  gboolean sent_pin = pin != NULL && pin[0] != '\0' && g_ascii_strcasecmp (pin, "none") != 0;

  if (status != 403)
    return NULL;
  result = parse_result (body, length);
  if (result == NULL)
    return NULL;
  if (json_node_get_value_type (result) == G_TYPE_STRING && g_str_equal (json_node_get_string (result), "Invalid PIN"))
    return "invalid-pin";
  /* "PIN required" after a PIN was sent: the PIN was wrong for the role. */
  if (sent_pin && JSON_NODE_HOLDS_OBJECT (result) &&
      (member_is (json_node_get_object (result), "pin", "required") ||
       member_is (json_node_get_object (result), "guest_pin", "required")))
    return "pin-required-after-pin";
  return NULL;
}

gchar *
proxy_inspect_request_token (const gchar *header, const gchar *query)
{
  g_auto(GStrv) params = NULL;

  if (header != NULL && header[0] != '\0')
    return g_strdup (header);
  if (query == NULL)
    return NULL;
  params = g_strsplit (query, "&", -1);
  for (gsize i = 0; params[i] != NULL; i++)
    if (g_str_has_prefix (params[i], "token=") && params[i][6] != '\0')
      return g_uri_unescape_string (params[i] + 6, NULL);
  return NULL;
}
