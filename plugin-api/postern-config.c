/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "postern-config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "postern-error.h"

/**
 * SECTION:postern-config
 * @title: PosternConfig
 * @short_description: one validated configuration group
 *
 * A #PosternConfig holds the keys of one drop-in group (`[core]` or a
 * plugin's), each checked against its #PosternConfigKey when it is set, and
 * returns typed values with the key's default when the drop-ins leave it
 * unset. Asking for a key the table does not declare is a programming error.
 */

typedef struct {
  gchar *raw;
  gchar *source;
} PosternConfigEntry;

struct _PosternConfig {
  GObject parent_instance;
  gchar *group;
  const PosternConfigKey *keys;
  GHashTable *entries; /* key name -> PosternConfigEntry */
};

G_DEFINE_FINAL_TYPE (PosternConfig, postern_config, G_TYPE_OBJECT)

/* Every plugin group accepts `enabled` without declaring it. */
static const PosternConfigKey implicit_enabled_key = {
  "enabled", POSTERN_CONFIG_TYPE_BOOLEAN, "true", "Load this plugin", 0, 0, NULL
};

static void
entry_free (gpointer data)
{
  PosternConfigEntry *entry = data;

  g_free (entry->raw);
  g_free (entry->source);
  g_free (entry);
}

static void
postern_config_finalize (GObject *object)
{
  PosternConfig *self = POSTERN_CONFIG (object);

  g_free (self->group);
  g_hash_table_unref (self->entries);
  G_OBJECT_CLASS (postern_config_parent_class)->finalize (object);
}

static void
postern_config_class_init (PosternConfigClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = postern_config_finalize;
}

static void
postern_config_init (PosternConfig *self)
{
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, entry_free);
}

/**
 * postern_config_new: (skip)
 * @group: the drop-in group, `core` or a plugin's name
 * @keys: (array zero-terminated=1): the accepted keys; must outlive the config
 *
 * Returns: (transfer full): an empty configuration with every key at its default
 */
PosternConfig *
postern_config_new (const gchar *group, const PosternConfigKey *keys)
{
  PosternConfig *self = g_object_new (POSTERN_TYPE_CONFIG, NULL);

  self->group = g_strdup (group);
  self->keys = keys;
  return self;
}

/**
 * postern_config_get_group:
 * @self: a #PosternConfig
 *
 * Returns: the group's name
 */
const gchar *
postern_config_get_group (PosternConfig *self)
{
  g_return_val_if_fail (POSTERN_IS_CONFIG (self), NULL);
  return self->group;
}

static const PosternConfigKey *
lookup_key (PosternConfig *self, const gchar *key)
{
  for (const PosternConfigKey *k = self->keys; k != NULL && k->name != NULL; k++) {
    if (g_strcmp0 (k->name, key) == 0)
      return k;
  }
  if (g_strcmp0 (self->group, "core") != 0 && g_strcmp0 (key, implicit_enabled_key.name) == 0)
    return &implicit_enabled_key;
  return NULL;
}

/* List items are separated by ';'; "\;" is a literal semicolon, surrounding
 * blanks are trimmed and empty items dropped (a trailing ';' is usual). */
static GStrv
split_list (const gchar *raw)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GString) item = g_string_new (NULL);

  for (const gchar *p = raw;; p++) {
    if (*p == '\\' && p[1] == ';') {
      g_string_append_c (item, ';');
      p++;
      continue;
    }
    if (*p == ';' || *p == '\0') {
      g_strstrip (item->str);
      item->len = strlen (item->str);
      if (item->len > 0)
        g_strv_builder_add (builder, item->str);
      g_string_truncate (item, 0);
      if (*p == '\0')
        break;
      continue;
    }
    g_string_append_c (item, *p);
  }
  return g_strv_builder_end (builder);
}

static gboolean
parse_boolean (const gchar *raw, gboolean *out)
{
  if (g_str_equal (raw, "true") || g_str_equal (raw, "1")) {
    *out = TRUE;
    return TRUE;
  }
  if (g_str_equal (raw, "false") || g_str_equal (raw, "0")) {
    *out = FALSE;
    return TRUE;
  }
  return FALSE;
}

static gboolean
parse_integer (const gchar *raw, gint64 *out)
{
  gchar *end = NULL;
  gint64 v;

  if (*raw == '\0' || g_ascii_isspace (*raw))
    return FALSE;
  errno = 0;
  v = g_ascii_strtoll (raw, &end, 10);
  if (errno != 0 || end == raw || *end != '\0')
    return FALSE;
  *out = v;
  return TRUE;
}

/**
 * postern_parse_address:
 * @text: `HOST:PORT`, `[V6]:PORT`, or (when @default_port is not 0) `HOST` / `[V6]`
 * @default_port: the port when @text has none, or 0 to require one
 * @error: return location for an error
 *
 * Parses a listener or peer address. HOST must be an IP literal; IPv6
 * addresses with a port take brackets.
 *
 * Returns: (transfer full): the address, or %NULL with @error set
 */
GInetSocketAddress *
postern_parse_address (const gchar *text, guint16 default_port, GError **error)
{
  g_autofree gchar *host = NULL;
  const gchar *port_text = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  gint64 port = default_port;

  g_return_val_if_fail (text != NULL, NULL);

  if (text[0] == '[') {
    const gchar *close = strchr (text, ']');
    if (close == NULL) {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_ARGUMENT,
                   "'%s': missing ']' after IPv6 address", text);
      return NULL;
    }
    host = g_strndup (text + 1, close - text - 1);
    if (close[1] == ':')
      port_text = close + 2;
    else if (close[1] != '\0') {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_ARGUMENT,
                   "'%s': expected ':PORT' after ']'", text);
      return NULL;
    }
  } else {
    const gchar *colon = strchr (text, ':');
    if (colon != NULL && strchr (colon + 1, ':') != NULL) {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_ARGUMENT,
                   "'%s': write IPv6 addresses as [ADDRESS]:PORT", text);
      return NULL;
    }
    if (colon != NULL) {
      host = g_strndup (text, colon - text);
      port_text = colon + 1;
    } else {
      host = g_strdup (text);
    }
  }

  inet = g_inet_address_new_from_string (host);
  if (inet == NULL || (text[0] == '[' && g_inet_address_get_family (inet) != G_SOCKET_FAMILY_IPV6)) {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_ARGUMENT,
                 "'%s': '%s' is not an IP address", text, host);
    return NULL;
  }
  if (port_text != NULL) {
    if (!parse_integer (port_text, &port) || port < 0 || port > 65535) {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_ARGUMENT,
                   "'%s': port must be a number from 0 to 65535", text);
      return NULL;
    }
  } else if (default_port == 0) {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_ARGUMENT,
                 "'%s': missing ':PORT'", text);
    return NULL;
  }
  return G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (inet, (guint16) port));
}

/**
 * postern_address_to_string:
 * @address: an address
 *
 * Formats @address the way drop-ins write it: `1.2.3.4:5` or `[::1]:5`.
 *
 * Returns: (transfer full): the text
 */
gchar *
postern_address_to_string (GInetSocketAddress *address)
{
  GInetAddress *inet = g_inet_socket_address_get_address (address);
  g_autofree gchar *host = g_inet_address_to_string (inet);
  guint16 port = g_inet_socket_address_get_port (address);

  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s]:%u", host, port);
  return g_strdup_printf ("%s:%u", host, port);
}

static gboolean
check_value (const PosternConfigKey *key, const gchar *raw, GError **error)
{
  g_autoptr(GError) local = NULL;
  gboolean b;
  gint64 i;

  switch (key->type) {
  case POSTERN_CONFIG_TYPE_STRING:
  case POSTERN_CONFIG_TYPE_STRING_LIST:
    break;
  case POSTERN_CONFIG_TYPE_BOOLEAN:
    if (!parse_boolean (raw, &b)) {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                   "'%s' is not a boolean (true or false)", raw);
      return FALSE;
    }
    break;
  case POSTERN_CONFIG_TYPE_INTEGER:
  case POSTERN_CONFIG_TYPE_DURATION:
    if (!parse_integer (raw, &i)) {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                   "'%s' is not a whole number%s", raw,
                   key->type == POSTERN_CONFIG_TYPE_DURATION ? " of seconds" : "");
      return FALSE;
    }
    if (key->type == POSTERN_CONFIG_TYPE_DURATION && i < 0) {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                   "'%s' is negative; durations are seconds >= 0", raw);
      return FALSE;
    }
    if ((key->min != 0 || key->max != 0) && (i < key->min || i > key->max)) {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                   "%" G_GINT64_FORMAT " is out of range %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT,
                   i, key->min, key->max);
      return FALSE;
    }
    break;
  case POSTERN_CONFIG_TYPE_ADDRESS: {
    g_autoptr(GInetSocketAddress) a = postern_parse_address (raw, 0, &local);
    if (a == NULL) {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
    break;
  }
  case POSTERN_CONFIG_TYPE_ADDRESS_LIST: {
    g_auto(GStrv) items = split_list (raw);
    for (guint n = 0; items[n] != NULL; n++) {
      g_autoptr(GInetSocketAddress) a = postern_parse_address (items[n], 0, &local);
      if (a == NULL) {
        g_propagate_error (error, g_steal_pointer (&local));
        return FALSE;
      }
    }
    break;
  }
  case POSTERN_CONFIG_TYPE_PATH:
    if (raw[0] != '\0' && !g_path_is_absolute (raw)) {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                   "'%s' is not an absolute path", raw);
      return FALSE;
    }
    break;
  default:
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                 "key has an unknown type %d", key->type);
    return FALSE;
  }
  if (key->validate != NULL)
    return key->validate (raw, error);
  return TRUE;
}

/**
 * postern_config_set_value:
 * @self: a #PosternConfig
 * @key: the key
 * @value: the value as written in a drop-in
 * @source: (nullable): where it came from, `FILE:LINE`, for messages
 * @error: return location for an error
 *
 * Checks @value against the key's type and stores it, replacing an earlier
 * value. Errors start with @source so an operator finds the line.
 *
 * Returns: %TRUE if the key exists and @value is valid
 */
gboolean
postern_config_set_value (PosternConfig *self, const gchar *key, const gchar *value,
                          const gchar *source, GError **error)
{
  const PosternConfigKey *k;
  g_autoptr(GError) local = NULL;
  PosternConfigEntry *entry;

  g_return_val_if_fail (POSTERN_IS_CONFIG (self), FALSE);
  g_return_val_if_fail (key != NULL && value != NULL, FALSE);

  k = lookup_key (self, key);
  if (k == NULL) {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                 "%s%sunknown key '%s' in [%s]", source ? source : "", source ? ": " : "",
                 key, self->group);
    return FALSE;
  }
  if (!check_value (k, value, &local)) {
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                 "%s%s[%s] %s: %s", source ? source : "", source ? ": " : "",
                 self->group, key, local->message);
    return FALSE;
  }
  entry = g_new0 (PosternConfigEntry, 1);
  entry->raw = g_strdup (value);
  entry->source = g_strdup (source);
  g_hash_table_replace (self->entries, g_strdup (key), entry);
  return TRUE;
}

/**
 * postern_config_has_key:
 * @self: a #PosternConfig
 * @key: a key name
 *
 * Returns: %TRUE if the group accepts @key
 */
gboolean
postern_config_has_key (PosternConfig *self, const gchar *key)
{
  g_return_val_if_fail (POSTERN_IS_CONFIG (self), FALSE);
  return lookup_key (self, key) != NULL;
}

/**
 * postern_config_is_set:
 * @self: a #PosternConfig
 * @key: a key name
 *
 * Returns: %TRUE if a drop-in set @key (as opposed to its default applying)
 */
gboolean
postern_config_is_set (PosternConfig *self, const gchar *key)
{
  g_return_val_if_fail (POSTERN_IS_CONFIG (self), FALSE);
  return g_hash_table_contains (self->entries, key);
}

/**
 * postern_config_get_raw:
 * @self: a #PosternConfig
 * @key: a declared key
 *
 * Returns: (nullable): the value as written, the default when unset, or
 *   %NULL when unset without a default
 */
const gchar *
postern_config_get_raw (PosternConfig *self, const gchar *key)
{
  const PosternConfigKey *k;
  PosternConfigEntry *entry;

  g_return_val_if_fail (POSTERN_IS_CONFIG (self), NULL);
  entry = g_hash_table_lookup (self->entries, key);
  if (entry != NULL)
    return entry->raw;
  k = lookup_key (self, key);
  if (k == NULL) {
    g_critical ("[%s] has no key '%s'", self->group, key);
    return NULL;
  }
  return k->default_value;
}

/**
 * postern_config_get_source:
 * @self: a #PosternConfig
 * @key: a key name
 *
 * Returns: (nullable): `FILE:LINE` of the value in force, or %NULL for a default
 */
const gchar *
postern_config_get_source (PosternConfig *self, const gchar *key)
{
  PosternConfigEntry *entry;

  g_return_val_if_fail (POSTERN_IS_CONFIG (self), NULL);
  entry = g_hash_table_lookup (self->entries, key);
  return entry != NULL ? entry->source : NULL;
}

/**
 * postern_config_get_string:
 * @self: a #PosternConfig
 * @key: a declared string or path key
 *
 * Returns: the value; the empty string when unset without a default
 */
const gchar *
postern_config_get_string (PosternConfig *self, const gchar *key)
{
  const gchar *raw = postern_config_get_raw (self, key);

  return raw != NULL ? raw : "";
}

/**
 * postern_config_get_boolean:
 * @self: a #PosternConfig
 * @key: a declared boolean key
 *
 * Returns: the value; %FALSE when unset without a default
 */
gboolean
postern_config_get_boolean (PosternConfig *self, const gchar *key)
{
  const gchar *raw = postern_config_get_raw (self, key);
  gboolean b = FALSE;

  if (raw != NULL)
    parse_boolean (raw, &b);
  return b;
}

/**
 * postern_config_get_integer:
 * @self: a #PosternConfig
 * @key: a declared integer or duration key
 *
 * Returns: the value; 0 when unset without a default
 */
gint64
postern_config_get_integer (PosternConfig *self, const gchar *key)
{
  const gchar *raw = postern_config_get_raw (self, key);
  gint64 i = 0;

  if (raw != NULL)
    parse_integer (raw, &i);
  return i;
}

/**
 * postern_config_get_string_list:
 * @self: a #PosternConfig
 * @key: a declared key
 *
 * Returns: (transfer full) (array zero-terminated=1): the items; empty when unset
 */
gchar **
postern_config_get_string_list (PosternConfig *self, const gchar *key)
{
  const gchar *raw = postern_config_get_raw (self, key);

  return split_list (raw != NULL ? raw : "");
}

/**
 * postern_config_get_address:
 * @self: a #PosternConfig
 * @key: a declared address key
 *
 * Returns: (transfer full) (nullable): the address, %NULL when unset or empty
 */
GInetSocketAddress *
postern_config_get_address (PosternConfig *self, const gchar *key)
{
  const gchar *raw = postern_config_get_raw (self, key);

  if (raw == NULL || raw[0] == '\0')
    return NULL;
  return postern_parse_address (raw, 0, NULL);
}

/**
 * postern_config_get_address_list:
 * @self: a #PosternConfig
 * @key: a declared address list key
 *
 * Returns: (transfer container) (element-type GInetSocketAddress): the addresses
 */
GPtrArray *
postern_config_get_address_list (PosternConfig *self, const gchar *key)
{
  g_auto(GStrv) items = postern_config_get_string_list (self, key);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint n = 0; items[n] != NULL; n++) {
    GInetSocketAddress *a = postern_parse_address (items[n], 0, NULL);
    if (a != NULL)
      g_ptr_array_add (out, a);
  }
  return out;
}

/**
 * postern_config_key_changed:
 * @self: a #PosternConfig
 * @other: another configuration of the same group
 * @key: a declared key
 *
 * Returns: %TRUE if @key's value in force differs between the two
 */
gboolean
postern_config_key_changed (PosternConfig *self, PosternConfig *other, const gchar *key)
{
  return g_strcmp0 (postern_config_get_raw (self, key), postern_config_get_raw (other, key)) != 0;
}

/**
 * postern_config_list_keys:
 * @self: a #PosternConfig
 *
 * Returns: (transfer full) (array zero-terminated=1): the declared keys, in table order
 */
gchar **
postern_config_list_keys (PosternConfig *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (POSTERN_IS_CONFIG (self), NULL);
  if (g_strcmp0 (self->group, "core") != 0)
    g_strv_builder_add (builder, implicit_enabled_key.name);
  for (const PosternConfigKey *k = self->keys; k != NULL && k->name != NULL; k++)
    g_strv_builder_add (builder, k->name);
  return g_strv_builder_end (builder);
}
