/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turn-credentials.h"
#include "turn-error.h"

#include <gnutls/crypto.h>
#include <postern.h>
#include <string.h>

gboolean
turn_constant_time_equal (const guint8 *a,
                          const guint8 *b,
                          gsize         len)
{
  volatile guint8 diff = 0;

  for (gsize i = 0; i < len; i++)
    diff |= a[i] ^ b[i];
  return diff == 0;
}

void
turn_key_derive (TurnKey     *out,
                 const gchar *username,
                 const gchar *realm,
                 const gchar *password)
{
  g_autofree gchar *input = NULL;

  g_return_if_fail (username != NULL && realm != NULL && password != NULL);
  input = g_strconcat (username, ":", realm, ":", password, NULL);
  if (gnutls_hash_fast (GNUTLS_DIG_MD5, input, strlen (input), out->bytes) != 0)
    g_error ("MD5 is unavailable in GnuTLS; long-term credentials need it");
  explicit_bzero (input, strlen (input));
}

gchar *
turn_key_to_hex (const TurnKey *key,
                 gchar          out[TURN_KEY_HEX_LEN])
{
  static const gchar digits[] = "0123456789abcdef";

  out[0] = '0';
  out[1] = 'x';
  for (guint i = 0; i < TURN_KEY_LEN; i++)
    {
      out[2 + 2 * i] = digits[key->bytes[i] >> 4];
      out[3 + 2 * i] = digits[key->bytes[i] & 0xf];
    }
  out[TURN_KEY_HEX_LEN - 1] = '\0';
  return out;
}

gboolean
turn_key_from_hex (TurnKey     *out,
                   const gchar *text)
{
  memset (out, 0, sizeof *out);
  if (strlen (text) != TURN_KEY_HEX_LEN - 1 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X'))
    return FALSE;
  for (guint i = 0; i < TURN_KEY_LEN; i++)
    {
      gint hi = g_ascii_xdigit_value (text[2 + 2 * i]);
      gint lo = g_ascii_xdigit_value (text[3 + 2 * i]);
      if (hi < 0 || lo < 0)
        {
          memset (out, 0, sizeof *out);
          return FALSE;
        }
      out->bytes[i] = (guint8) (hi << 4 | lo);
    }
  return TRUE;
}

/* A name that survives a round trip through the users file: one line,
 * not a comment, no blanks at either end that line trimming would eat. */
gboolean
turn_username_is_valid (const gchar  *username,
                        GError      **error)
{
  gsize len = strlen (username);

  if (len == 0 || len > TURN_MAX_NAME_LEN)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_ARGUMENT,
                   "a user name must have 1 to %d bytes", TURN_MAX_NAME_LEN);
      return FALSE;
    }
  if (!g_utf8_validate (username, (gssize) len, NULL))
    {
      g_set_error_literal (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_ARGUMENT,
                           "a user name must be UTF-8");
      return FALSE;
    }
  for (gsize i = 0; i < len; i++)
    if ((guchar) username[i] < 0x20 || username[i] == 0x7f)
      {
        g_set_error_literal (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_ARGUMENT,
                             "a user name must not contain control characters");
        return FALSE;
      }
  if (username[0] == '#' || g_ascii_isspace (username[0]) || g_ascii_isspace (username[len - 1]))
    {
      g_set_error_literal (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_ARGUMENT,
                           "a user name must not start with “#” nor start or end with a blank");
      return FALSE;
    }
  return TRUE;
}

struct _TurnUsers {
  gatomicrefcount ref;
  GHashTable *keys;  /* gchar* -> TurnKey* */
};

static void
key_free (gpointer key)
{
  explicit_bzero (key, sizeof (TurnKey));
  g_free (key);
}

/* Lines are `user:0x<32 hex>`, blank, or `#` comments. The user is
 * everything before the last colon, so REST-style names with colons work.
 * Errors read `SOURCE:LINE: what`. */
TurnUsers *
turn_users_parse (const gchar  *data,
                  gsize         len,
                  const gchar  *source,
                  GError      **error)
{
  g_autoptr(TurnUsers) self = g_new0 (TurnUsers, 1);
  const gchar *end = data + len;
  const gchar *line = data;
  guint lineno = 0;

  g_atomic_ref_count_init (&self->ref);
  self->keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, key_free);

  if (memchr (data, '\0', len) != NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG, "%s: contains a NUL byte", source);
      return NULL;
    }

  while (line < end)
    {
      const gchar *nl = memchr (line, '\n', (gsize) (end - line));
      const gchar *line_end = nl != NULL ? nl : end;
      g_autofree gchar *text = g_strndup (line, (gsize) (line_end - line));
      g_autoptr(GError) name_error = NULL;
      gchar *colon;
      TurnKey key;

      lineno++;
      line = nl != NULL ? nl + 1 : end;
      g_strstrip (text);
      if (text[0] == '\0' || text[0] == '#')
        continue;

      colon = strrchr (text, ':');
      if (colon == NULL || !turn_key_from_hex (&key, colon + 1))
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                       "%s:%u: expected “user:0x<32 hex digits>” (a key as `turnadmin -k` prints; "
                       "plain passwords are not accepted)", source, lineno);
          return NULL;
        }
      *colon = '\0';
      if (!turn_username_is_valid (text, &name_error))
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                       "%s:%u: %s", source, lineno, name_error->message);
          return NULL;
        }
      if (g_hash_table_contains (self->keys, text))
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                       "%s:%u: user “%s” is listed twice", source, lineno, text);
          return NULL;
        }
      g_hash_table_insert (self->keys, g_steal_pointer (&text), g_memdup2 (&key, sizeof key));
      explicit_bzero (&key, sizeof key);
    }
  return g_steal_pointer (&self);
}

TurnUsers *
turn_users_ref (TurnUsers *self)
{
  g_atomic_ref_count_inc (&self->ref);
  return self;
}

void
turn_users_unref (TurnUsers *self)
{
  if (self == NULL || !g_atomic_ref_count_dec (&self->ref))
    return;
  g_hash_table_unref (self->keys);
  g_free (self);
}

gboolean
turn_users_lookup (TurnUsers   *self,
                   const gchar *username,
                   TurnKey     *key)
{
  const TurnKey *found = g_hash_table_lookup (self->keys, username);

  if (found == NULL)
    return FALSE;
  *key = *found;
  return TRUE;
}

guint
turn_users_get_size (TurnUsers *self)
{
  return g_hash_table_size (self->keys);
}

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const gchar * const *) a, *(const gchar * const *) b);
}

/* The user names, sorted. */
GStrv
turn_users_list (TurnUsers *self)
{
  guint n = 0;
  gchar **names = (gchar **) g_hash_table_get_keys_as_array (self->keys, &n);
  GStrv copy = g_new0 (gchar *, n + 1);

  qsort (names, n, sizeof (gchar *), compare_strings);
  for (guint i = 0; i < n; i++)
    copy[i] = g_strdup (names[i]);
  g_free (names);
  return copy;
}

/* EXPIRY is 1 to 18 digits (no sign, no blanks), then the end or a colon. */
gboolean
turn_rest_parse_expiry (const gchar *username,
                        gint64      *expiry)
{
  gint64 value = 0;
  guint digits = 0;
  const gchar *p = username;

  for (; g_ascii_isdigit (*p); p++, digits++)
    {
      if (digits == 18)
        return FALSE;
      value = value * 10 + (*p - '0');
    }
  if (digits == 0 || (*p != '\0' && *p != ':'))
    return FALSE;
  *expiry = value;
  return TRUE;
}

gchar *
turn_rest_password (const gchar *secret,
                    const gchar *username)
{
  guint8 digest[20];

  if (gnutls_hmac_fast (GNUTLS_MAC_SHA1, secret, strlen (secret), username, strlen (username), digest) != 0)
    g_error ("HMAC-SHA1 is unavailable in GnuTLS; the TURN REST scheme needs it");
  return g_base64_encode (digest, sizeof digest);
}

struct _TurnCredentials {
  gatomicrefcount ref;
  gchar *realm;
  TurnUsers *users;
  GStrv secrets;
};

TurnCredentials *
turn_credentials_new (const gchar         *realm,
                      TurnUsers           *users,
                      const gchar * const *secrets)
{
  TurnCredentials *self;

  g_return_val_if_fail (realm != NULL, NULL);
  self = g_new0 (TurnCredentials, 1);
  g_atomic_ref_count_init (&self->ref);
  self->realm = g_strdup (realm);
  self->users = users != NULL ? turn_users_ref (users) : NULL;
  self->secrets = g_strdupv ((gchar **) secrets);
  return self;
}

TurnCredentials *
turn_credentials_ref (TurnCredentials *self)
{
  g_atomic_ref_count_inc (&self->ref);
  return self;
}

void
turn_credentials_unref (TurnCredentials *self)
{
  if (self == NULL || !g_atomic_ref_count_dec (&self->ref))
    return;
  g_free (self->realm);
  turn_users_unref (self->users);
  for (guint i = 0; self->secrets != NULL && self->secrets[i] != NULL; i++)
    explicit_bzero (self->secrets[i], strlen (self->secrets[i]));
  g_strfreev (self->secrets);
  g_free (self);
}

const gchar *
turn_credentials_get_realm (TurnCredentials *self)
{
  return self->realm;
}

/* Fills @keys with every key that may have signed a request from
 * @username: the static user's key first, then one per REST secret (newest
 * first) while the REST username has not expired at @now. The caller checks
 * MESSAGE-INTEGRITY against each. Messages never quote the (hostile) user
 * name; the caller has it. Returns 0 with TURN_ERROR_UNAUTHORIZED
 * when nothing can match. */
guint
turn_credentials_find_keys (TurnCredentials  *self,
                            const gchar      *username,
                            gint64            now,
                            TurnKey          *keys,
                            guint             max_keys,
                            GError          **error)
{
  guint n = 0;
  gint64 expiry = 0;
  gboolean rest_name;

  if (max_keys == 0 || username == NULL || strlen (username) > TURN_MAX_NAME_LEN)
    {
      g_set_error_literal (error, TURN_ERROR, TURN_ERROR_UNAUTHORIZED, "unusable user name");
      return 0;
    }

  if (self->users != NULL && turn_users_lookup (self->users, username, &keys[n]))
    n++;

  rest_name = self->secrets != NULL && self->secrets[0] != NULL &&
              turn_rest_parse_expiry (username, &expiry);
  if (rest_name && expiry >= now)
    for (guint i = 0; self->secrets[i] != NULL && n < max_keys; i++)
      {
        g_autofree gchar *password = turn_rest_password (self->secrets[i], username);
        turn_key_derive (&keys[n++], username, self->realm, password);
        explicit_bzero (password, strlen (password));
      }

  if (n == 0)
    {
      if (rest_name)
        g_set_error (error, TURN_ERROR, TURN_ERROR_UNAUTHORIZED,
                     "REST user name expired at %" G_GINT64_FORMAT, expiry);
      else
        g_set_error_literal (error, TURN_ERROR, TURN_ERROR_UNAUTHORIZED, "unknown user");
    }
  return n;
}
