/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The webapp plugin: serves the base Web App tree under `path=` and each
 * branding under /NAME/ (its directory overlaid on the base) through the
 * HTTPS front. Reload re-registers prefixes: added brandings appear, removed
 * ones go, kept ones switch directories in place.
 *
 * The root redirect: the https-proxy plugin claims "/" (everything nobody
 * else serves goes to the Conferencing Nodes), so webapp starts after it and
 * claims "/" only when it is still free; otherwise "/" is left to the proxy
 * and that is logged. When webapp does own "/", it answers "/" and each
 * mount's slash-less name ("/acme") with 301 and everything else with 404. */
#include <postern.h>

#include "webapp-config.h"
#include "webapp-resolver.h"
#include "webapp-serve.h"

/* Per mount: entries (validators of any file) and the bodies of small ones. */
#define CACHE_MAX_ENTRIES 4096
#define CACHE_MAX_BODY_BYTES (8 * 1024 * 1024)

typedef struct {
  gint ref;
  PosternContext *context;
  gchar *prefix;
  WebappResolver *resolver; /* swapped on reload */
  WebappCache *cache;       /* of files found by resolver, emptied when it is swapped */
  guint id;
} WebappMount;

typedef struct {
  PosternContext *context;
  GHashTable *mounts; /* prefix -> WebappMount* (a ref) */
  gchar *base_prefix;
  guint root_id; /* the "/" redirect, 0 when not ours */
} Webapp;

static gboolean check_path (const gchar *value, GError **error);
static gboolean check_brandings (const gchar *value, GError **error);

static const PosternConfigKey webapp_keys[] = {
  { "root", POSTERN_CONFIG_TYPE_PATH, WEBAPP_DEFAULT_ROOT, "Directory of the base Web App" },
  { "path", POSTERN_CONFIG_TYPE_STRING, "/webapp/", "URL prefix of the base Web App", 0, 0, check_path },
  { "brandings", POSTERN_CONFIG_TYPE_STRING, "",
    "Brandings served at /NAME/, each DIR overlaid on the base: NAME=DIR;...", 0, 0, check_brandings },
  { "redirect-root", POSTERN_CONFIG_TYPE_BOOLEAN, "true", "Answer / with 301 to the base path when no other plugin claims /" },
  { NULL }
};

static const gchar *const webapp_start_after[] = { "https-proxy", NULL };

static gboolean
check_path (const gchar *value, GError **error)
{
  return webapp_config_check_path (value, error);
}

static gboolean
check_brandings (const gchar *value, GError **error)
{
  return webapp_config_check_brandings (value, error);
}

static WebappMount *
mount_ref (WebappMount *m)
{
  g_atomic_int_inc (&m->ref);
  return m;
}

static void
mount_unref (gpointer data)
{
  WebappMount *m = data;

  if (!g_atomic_int_dec_and_test (&m->ref))
    return;
  g_clear_object (&m->resolver);
  g_clear_pointer (&m->cache, webapp_cache_free);
  g_free (m->prefix);
  g_free (m);
}

static void
mount_handle (PosternHttpExchange *exchange, gpointer user_data)
{
  WebappMount *m = user_data;
  g_autoptr (WebappResolver) resolver = g_object_ref (m->resolver);

  webapp_serve (m->context, resolver, m->cache, m->prefix, exchange);
}

static void
root_handle (PosternHttpExchange *exchange, gpointer user_data)
{
  Webapp *w = user_data;
  const gchar *path = postern_http_exchange_get_path (exchange);
  g_autofree gchar *slashed = g_strconcat (path, "/", NULL);

  if (g_str_equal (path, "/"))
    webapp_serve_redirect (exchange, w->base_prefix);
  else if (g_hash_table_contains (w->mounts, slashed))
    webapp_serve_redirect (exchange, slashed);
  else
    postern_http_exchange_respond (exchange, 404, "text/plain; charset=utf-8",
                                   g_bytes_new_static ("404 Not Found\n", 14));
}

/* The resolvers the configuration asks for, keyed by prefix. */
static GHashTable *
build_resolvers (PosternConfig *config, GError **error)
{
  const gchar *root = postern_config_get_string (config, "root");
  g_autoptr (GPtrArray) specs = NULL;
  g_autoptr (GHashTable) out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);

  if (root == NULL || root[0] == '\0')
    {
      g_set_error_literal (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_ARGUMENT, "[webapp] root is empty");
      return NULL;
    }
  specs = webapp_config_mounts (postern_config_get_string (config, "path"),
                                postern_config_get_string (config, "brandings"), error);
  if (specs == NULL)
    return NULL;
  for (guint i = 0; i < specs->len; i++)
    {
      WebappMountSpec *spec = g_ptr_array_index (specs, i);
      const gchar *roots[] = { spec->overlay != NULL ? spec->overlay : root, root, NULL };
      WebappResolver *resolver;

      if (spec->overlay == NULL)
        roots[1] = NULL;
      resolver = webapp_resolver_new (roots, error);
      if (resolver == NULL)
        {
          g_prefix_error (error, "%s: ", spec->prefix);
          return NULL;
        }
      g_hash_table_insert (out, g_strdup (spec->prefix), resolver);
    }
  return g_steal_pointer (&out);
}

static void
claim_root (Webapp *w, gboolean wanted)
{
  g_autoptr (GError) error = NULL;

  if (!wanted)
    {
      if (w->root_id != 0)
        postern_context_remove_http_handler (w->context, w->root_id);
      w->root_id = 0;
      return;
    }
  if (w->root_id != 0)
    return;
  w->root_id = postern_context_add_http_handler (w->context, "/", root_handle, w, NULL, &error);
  if (w->root_id == 0)
    postern_message (w->context, "not redirecting / to %s: %s (left to that plugin)", w->base_prefix,
                     error->message);
}

/* Makes the served prefixes match @resolvers: new ones registered first (all
 * or none), then kept ones switched, then the rest given back. */
static gboolean
apply (Webapp *w, GHashTable *resolvers, GError **error)
{
  g_autoptr (GPtrArray) added = g_ptr_array_new ();
  g_autoptr (GPtrArray) gone = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, resolvers);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      WebappMount *m;

      if (g_hash_table_contains (w->mounts, key))
        continue;
      m = g_new0 (WebappMount, 1);
      m->ref = 1;
      m->context = w->context;
      m->prefix = g_strdup (key);
      m->resolver = g_object_ref (value);
      m->cache = webapp_cache_new (CACHE_MAX_ENTRIES, CACHE_MAX_BODY_BYTES);
      m->id = postern_context_add_http_handler (w->context, m->prefix, mount_handle, mount_ref (m), mount_unref, error);
      if (m->id == 0)
        {
          /* refused: the router took neither the handler's ref nor ours */
          mount_unref (m);
          mount_unref (m);
          for (guint i = 0; i < added->len; i++)
            {
              WebappMount *a = g_ptr_array_index (added, i);
              postern_context_remove_http_handler (w->context, a->id);
              g_hash_table_remove (w->mounts, a->prefix);
            }
          return FALSE;
        }
      g_hash_table_insert (w->mounts, g_strdup (key), m);
      g_ptr_array_add (added, m);
    }

  g_hash_table_iter_init (&iter, w->mounts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      WebappMount *m = value;
      WebappResolver *resolver = g_hash_table_lookup (resolvers, key);

      if (resolver == NULL)
        g_ptr_array_add (gone, m);
      else if (resolver != m->resolver)
        {
          g_set_object (&m->resolver, resolver);
          webapp_cache_clear (m->cache);
        }
    }
  for (guint i = 0; i < gone->len; i++)
    {
      WebappMount *m = g_ptr_array_index (gone, i);
      postern_context_remove_http_handler (w->context, m->id);
      g_hash_table_remove (w->mounts, m->prefix);
    }
  return TRUE;
}

static void
log_mounts (Webapp *w, PosternConfig *config)
{
  g_autoptr (GList) keys = g_list_sort (g_hash_table_get_keys (w->mounts), (GCompareFunc) g_strcmp0);
  g_autoptr (GString) list = g_string_new (NULL);

  for (GList *l = keys; l != NULL; l = l->next)
    g_string_append_printf (list, "%s%s", list->len > 0 ? " " : "", (const gchar *) l->data);
  postern_info (w->context, "serving %s from %s at %s", postern_config_get_string (config, "path"),
                postern_config_get_string (config, "root"), list->str);
}

static void
webapp_free (Webapp *w)
{
  g_hash_table_unref (w->mounts);
  g_free (w->base_prefix);
  g_free (w);
}

static gpointer
webapp_start (PosternContext *context, GError **error)
{
  PosternConfig *config = postern_context_get_config (context);
  g_autoptr (GHashTable) resolvers = build_resolvers (config, error);
  Webapp *w;

  if (resolvers == NULL)
    return NULL;
  w = g_new0 (Webapp, 1);
  w->context = context;
  w->mounts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, mount_unref);
  w->base_prefix = g_strdup (postern_config_get_string (config, "path"));
  if (!apply (w, resolvers, error))
    {
      webapp_free (w);
      return NULL;
    }
  claim_root (w, postern_config_get_boolean (config, "redirect-root"));
  log_mounts (w, config);
  return w;
}

static gboolean
webapp_reload (gpointer plugin, PosternContext *context, PosternConfig *new_config, GError **error)
{
  Webapp *w = plugin;
  g_autoptr (GHashTable) resolvers = build_resolvers (new_config, error);

  if (resolvers == NULL || !apply (w, resolvers, error))
    return FALSE;
  g_free (w->base_prefix);
  w->base_prefix = g_strdup (postern_config_get_string (new_config, "path"));
  claim_root (w, postern_config_get_boolean (new_config, "redirect-root"));
  log_mounts (w, new_config);
  return TRUE;
}

static void
webapp_stop (gpointer plugin, PosternContext *context)
{
  Webapp *w = plugin;

  GHashTableIter iter;
  gpointer value;

  claim_root (w, FALSE);
  g_hash_table_iter_init (&iter, w->mounts);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    postern_context_remove_http_handler (context, ((WebappMount *) value)->id);
  webapp_free (w);
}

POSTERN_PLUGIN_DEFINE (
  .name = "webapp",
  .version = "1.0",
  .description = "Hosts the Web App and its brandings through the HTTPS front",
  .config_keys = webapp_keys,
  .start_after = webapp_start_after,
  .start = webapp_start,
  .reload = webapp_reload,
  .stop = webapp_stop,
);
