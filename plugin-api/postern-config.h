/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(POSTERN_INSIDE) && !defined(POSTERN_COMPILATION)
#error "Only <postern.h> can be included directly."
#endif

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * PosternConfigType:
 * @POSTERN_CONFIG_TYPE_STRING: any UTF-8 string
 * @POSTERN_CONFIG_TYPE_BOOLEAN: `true` or `false`
 * @POSTERN_CONFIG_TYPE_INTEGER: a signed 64-bit integer, bounded by the key's min and max
 * @POSTERN_CONFIG_TYPE_DURATION: a whole number of seconds, bounded like an integer
 * @POSTERN_CONFIG_TYPE_STRING_LIST: strings separated by `;`
 * @POSTERN_CONFIG_TYPE_ADDRESS: `HOST:PORT` or `[V6]:PORT`, HOST an IP literal
 * @POSTERN_CONFIG_TYPE_ADDRESS_LIST: addresses separated by `;`
 * @POSTERN_CONFIG_TYPE_PATH: an absolute file system path, or empty
 *
 * The type of a configuration key. The daemon validates every drop-in value
 * against its key's type before any plugin sees it.
 */
typedef enum {
  POSTERN_CONFIG_TYPE_STRING,
  POSTERN_CONFIG_TYPE_BOOLEAN,
  POSTERN_CONFIG_TYPE_INTEGER,
  POSTERN_CONFIG_TYPE_DURATION,
  POSTERN_CONFIG_TYPE_STRING_LIST,
  POSTERN_CONFIG_TYPE_ADDRESS,
  POSTERN_CONFIG_TYPE_ADDRESS_LIST,
  POSTERN_CONFIG_TYPE_PATH,
} PosternConfigType;

/**
 * PosternConfigValidateFunc:
 * @value: the raw value as written in the drop-in (already type-checked)
 * @error: return location for an error
 *
 * An extra check a plugin runs on one value, so `posternd --check-config`
 * finds plugin-specific faults before anything is applied.
 *
 * Returns: %TRUE if @value is acceptable
 */
typedef gboolean (*PosternConfigValidateFunc) (const gchar  *value,
                                               GError      **error);

/**
 * PosternConfigKey:
 * @name: key name, lower case with dashes
 * @type: the value type
 * @default_value: (nullable): the default, written as in a drop-in; %NULL means unset
 * @doc: one line of documentation
 * @min: smallest accepted value for integer and duration keys
 * @max: largest accepted value for integer and duration keys; `min == max == 0` means unbounded
 * @validate: (nullable) (scope forever): extra validation, or %NULL
 *
 * One configuration key a plugin (or the core) accepts. Tables of keys end
 * with an entry whose @name is %NULL.
 */
typedef struct {
  const gchar *name;
  PosternConfigType type;
  const gchar *default_value;
  const gchar *doc;
  gint64 min;
  gint64 max;
  PosternConfigValidateFunc validate;
} PosternConfigKey;

#define POSTERN_TYPE_CONFIG (postern_config_get_type ())
G_DECLARE_FINAL_TYPE (PosternConfig, postern_config, POSTERN, CONFIG, GObject)

PosternConfig      *postern_config_new                (const gchar            *group,
                                                       const PosternConfigKey *keys);
const gchar        *postern_config_get_group          (PosternConfig          *self);
gboolean            postern_config_set_value          (PosternConfig          *self,
                                                       const gchar            *key,
                                                       const gchar            *value,
                                                       const gchar            *source,
                                                       GError                **error);
gboolean            postern_config_has_key            (PosternConfig          *self,
                                                       const gchar            *key);
gboolean            postern_config_is_set             (PosternConfig          *self,
                                                       const gchar            *key);
const gchar        *postern_config_get_raw            (PosternConfig          *self,
                                                       const gchar            *key);
const gchar        *postern_config_get_source         (PosternConfig          *self,
                                                       const gchar            *key);
const gchar        *postern_config_get_string         (PosternConfig          *self,
                                                       const gchar            *key);
gboolean            postern_config_get_boolean        (PosternConfig          *self,
                                                       const gchar            *key);
gint64              postern_config_get_integer        (PosternConfig          *self,
                                                       const gchar            *key);
gchar             **postern_config_get_string_list    (PosternConfig          *self,
                                                       const gchar            *key);
GInetSocketAddress *postern_config_get_address        (PosternConfig          *self,
                                                       const gchar            *key);
GPtrArray          *postern_config_get_address_list   (PosternConfig          *self,
                                                       const gchar            *key);
gboolean            postern_config_key_changed        (PosternConfig          *self,
                                                       PosternConfig          *other,
                                                       const gchar            *key);
gchar             **postern_config_list_keys          (PosternConfig          *self);

GInetSocketAddress *postern_parse_address             (const gchar            *text,
                                                       guint16                 default_port,
                                                       GError                **error);
gchar              *postern_address_to_string         (GInetSocketAddress     *address);

G_END_DECLS
