/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "postern-cidr.h"
#include "postern-error.h"

#include <arpa/inet.h>
#include <string.h>

static const guint8 v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

G_DEFINE_BOXED_TYPE (PosternCidr, postern_cidr, postern_cidr_copy, postern_cidr_free)

static guint
family_bits (GSocketFamily family)
{
  return family == G_SOCKET_FAMILY_IPV4 ? 32 : 128;
}

static gboolean
prefix_equal (const guint8 *a, const guint8 *b, guint bits)
{
  guint whole = bits / 8;
  guint rest = bits % 8;

  if (memcmp (a, b, whole) != 0)
    return FALSE;
  if (rest == 0)
    return TRUE;
  guint8 mask = (guint8) (0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

static void
clear_host_bits (guint8 *bytes, guint nbytes, guint prefix_len)
{
  for (guint i = 0; i < nbytes; i++)
    {
      guint first_bit = i * 8;
      if (first_bit >= prefix_len)
        bytes[i] = 0;
      else if (prefix_len - first_bit < 8)
        bytes[i] &= (guint8) (0xff << (8 - (prefix_len - first_bit)));
    }
}

static gboolean
parse_prefix_len (const gchar *text, guint max, guint *out)
{
  guint value = 0;

  if (*text == '\0' || strlen (text) > 3)
    return FALSE;
  for (const gchar *p = text; *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      value = value * 10 + (guint) (*p - '0');
    }
  if (value > max)
    return FALSE;
  *out = value;
  return TRUE;
}

/**
 * postern_cidr_parse:
 * @text: `ADDRESS/PREFIX` or a bare `ADDRESS` (meaning /32 or /128)
 * @out: (out caller-allocates): the parsed network
 * @error: return location for an error
 *
 * Parses one network. Addresses are strict IP literals (dotted quad for
 * IPv4, no zone index for IPv6); bits past the prefix must be zero, so a
 * typo such as `10.1.2.3/8` is an error rather than a silently wider range.
 *
 * Returns: %TRUE on success; on failure @out is left zeroed
 */
gboolean
postern_cidr_parse (const gchar  *text,
                    PosternCidr  *out,
                    GError      **error)
{
  gchar addr[INET6_ADDRSTRLEN + 1];
  const gchar *slash;
  gsize addr_len;
  PosternCidr cidr = { 0 };

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  memset (out, 0, sizeof *out);
  slash = strchr (text, '/');
  addr_len = slash != NULL ? (gsize) (slash - text) : strlen (text);
  if (addr_len == 0 || addr_len >= sizeof addr)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                   "“%s” is not an IP address or network", text);
      return FALSE;
    }
  memcpy (addr, text, addr_len);
  addr[addr_len] = '\0';

  if (inet_pton (AF_INET, addr, cidr.bytes) == 1)
    cidr.family = G_SOCKET_FAMILY_IPV4;
  else if (inet_pton (AF_INET6, addr, cidr.bytes) == 1)
    cidr.family = G_SOCKET_FAMILY_IPV6;
  else
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                   "“%s” is not an IP address or network", text);
      return FALSE;
    }

  cidr.prefix_len = family_bits (cidr.family);
  if (slash != NULL && !parse_prefix_len (slash + 1, family_bits (cidr.family), &cidr.prefix_len))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                   "“%s”: the prefix length must be a number from 0 to %u", text,
                   family_bits (cidr.family));
      return FALSE;
    }

  PosternCidr masked = cidr;
  clear_host_bits (masked.bytes, family_bits (cidr.family) / 8, cidr.prefix_len);
  if (memcmp (masked.bytes, cidr.bytes, sizeof cidr.bytes) != 0)
    {
      g_autofree gchar *suggestion = postern_cidr_to_string (&masked);
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                   "“%s” has bits set past the prefix length (did you mean %s?)", text, suggestion);
      return FALSE;
    }

  *out = cidr;
  return TRUE;
}

/**
 * postern_cidr_new_from_string:
 * @text: `ADDRESS/PREFIX` or a bare `ADDRESS`
 * @error: return location for an error
 *
 * Like postern_cidr_parse(), returning a newly allocated network.
 *
 * Returns: (transfer full) (nullable): the network, or %NULL on error
 */
PosternCidr *
postern_cidr_new_from_string (const gchar  *text,
                              GError      **error)
{
  PosternCidr cidr;

  if (!postern_cidr_parse (text, &cidr, error))
    return NULL;
  return postern_cidr_copy (&cidr);
}

/**
 * postern_cidr_copy:
 * @self: a network
 *
 * Returns: (transfer full): a newly allocated copy of @self
 */
PosternCidr *
postern_cidr_copy (const PosternCidr *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return g_memdup2 (self, sizeof *self);
}

/**
 * postern_cidr_free:
 * @self: (nullable): a network from postern_cidr_copy() or postern_cidr_new_from_string()
 *
 * Frees @self.
 */
void
postern_cidr_free (PosternCidr *self)
{
  g_free (self);
}

/**
 * postern_cidr_init_prefix_of:
 * @out: (out caller-allocates): the network that holds the address
 * @family: the family of @bytes
 * @bytes: (array length=len): the address in network byte order
 * @len: 4 for IPv4, 16 for IPv6
 * @prefix_len: the prefix length of the network to compute
 *
 * Computes the network of length @prefix_len holding an address, e.g. the
 * /64 of an IPv6 client, so one end site counts as one source.
 *
 * Returns: %FALSE if @len does not fit @family or @prefix_len is too long
 */
gboolean
postern_cidr_init_prefix_of (PosternCidr   *out,
                             GSocketFamily  family,
                             const guint8  *bytes,
                             gsize          len,
                             guint          prefix_len)
{
  g_return_val_if_fail (out != NULL, FALSE);
  memset (out, 0, sizeof *out);
  if (!((family == G_SOCKET_FAMILY_IPV4 && len == 4) || (family == G_SOCKET_FAMILY_IPV6 && len == 16)))
    return FALSE;
  if (bytes == NULL || prefix_len > family_bits (family))
    return FALSE;
  out->family = family;
  out->prefix_len = prefix_len;
  memcpy (out->bytes, bytes, len);
  clear_host_bits (out->bytes, (guint) len, prefix_len);
  return TRUE;
}

/**
 * postern_cidr_new_prefix_of:
 * @address: an address
 * @ipv4_prefix_len: prefix length to use when @address is IPv4 (0..32)
 * @ipv6_prefix_len: prefix length to use when @address is IPv6 (0..128)
 *
 * The network holding @address, e.g. `(addr, 32, 64)` groups IPv6 clients by
 * their /64. An IPv4-mapped IPv6 address counts as IPv4.
 *
 * Returns: (transfer full) (nullable): the network, or %NULL if a prefix
 *   length is out of range
 */
PosternCidr *
postern_cidr_new_prefix_of (GInetAddress *address,
                            guint         ipv4_prefix_len,
                            guint         ipv6_prefix_len)
{
  PosternCidr cidr;
  const guint8 *bytes;
  gboolean ok;

  g_return_val_if_fail (G_IS_INET_ADDRESS (address), NULL);

  bytes = g_inet_address_to_bytes (address);
  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4)
    ok = postern_cidr_init_prefix_of (&cidr, G_SOCKET_FAMILY_IPV4, bytes, 4, ipv4_prefix_len);
  else if (memcmp (bytes, v4_mapped_prefix, sizeof v4_mapped_prefix) == 0)
    ok = postern_cidr_init_prefix_of (&cidr, G_SOCKET_FAMILY_IPV4, bytes + 12, 4, ipv4_prefix_len);
  else
    ok = postern_cidr_init_prefix_of (&cidr, G_SOCKET_FAMILY_IPV6, bytes, 16, ipv6_prefix_len);
  return ok ? postern_cidr_copy (&cidr) : NULL;
}

/**
 * postern_cidr_contains_bytes:
 * @self: a network
 * @family: the family of @bytes
 * @bytes: (array length=len): an address in network byte order
 * @len: 4 for IPv4, 16 for IPv6
 *
 * Whether the address lies inside @self. This is the allocation-free form
 * meant for per-packet or per-connection checks.
 *
 * Returns: %TRUE if @self covers the address; %FALSE also when @len does
 *   not fit @family
 */
gboolean
postern_cidr_contains_bytes (const PosternCidr *self,
                             GSocketFamily      family,
                             const guint8      *bytes,
                             gsize              len)
{
  guint8 mapped[16];

  g_return_val_if_fail (self != NULL, FALSE);
  if (bytes == NULL)
    return FALSE;

  if (family == G_SOCKET_FAMILY_IPV4 && len == 4)
    {
      if (self->family == G_SOCKET_FAMILY_IPV4)
        return prefix_equal (self->bytes, bytes, self->prefix_len);
      memcpy (mapped, v4_mapped_prefix, 12);
      memcpy (mapped + 12, bytes, 4);
      return prefix_equal (self->bytes, mapped, self->prefix_len);
    }
  if (family == G_SOCKET_FAMILY_IPV6 && len == 16)
    {
      if (self->family == G_SOCKET_FAMILY_IPV6)
        return prefix_equal (self->bytes, bytes, self->prefix_len);
      return memcmp (bytes, v4_mapped_prefix, 12) == 0 &&
             prefix_equal (self->bytes, bytes + 12, self->prefix_len);
    }
  return FALSE;
}

/**
 * postern_cidr_contains_address:
 * @self: a network
 * @address: an address
 *
 * Returns: %TRUE if @self covers @address
 */
gboolean
postern_cidr_contains_address (const PosternCidr *self,
                               GInetAddress      *address)
{
  g_return_val_if_fail (G_IS_INET_ADDRESS (address), FALSE);
  return postern_cidr_contains_bytes (self, g_inet_address_get_family (address),
                                      g_inet_address_to_bytes (address),
                                      g_inet_address_get_native_size (address));
}

/**
 * postern_cidr_to_string:
 * @self: a network
 *
 * Returns: (transfer full): @self as `ADDRESS/PREFIX`
 */
gchar *
postern_cidr_to_string (const PosternCidr *self)
{
  gchar buf[INET6_ADDRSTRLEN];
  int af;

  g_return_val_if_fail (self != NULL, NULL);
  af = self->family == G_SOCKET_FAMILY_IPV4 ? AF_INET : AF_INET6;
  if (inet_ntop (af, self->bytes, buf, sizeof buf) == NULL)
    return g_strdup ("invalid");
  return g_strdup_printf ("%s/%u", buf, self->prefix_len);
}

/**
 * postern_cidr_hash:
 * @cidr: (type PosternCidr): a network
 *
 * A #GHashFunc for networks, e.g. to count events per IPv6 /64.
 *
 * Returns: the hash value
 */
guint
postern_cidr_hash (gconstpointer cidr)
{
  const PosternCidr *self = cidr;
  guint h = 2166136261u ^ (guint) self->family ^ (self->prefix_len << 8);

  for (guint i = 0; i < sizeof self->bytes; i++)
    h = (h ^ self->bytes[i]) * 16777619u;
  return h;
}

/**
 * postern_cidr_equal:
 * @a: (type PosternCidr): a network
 * @b: (type PosternCidr): a network
 *
 * A #GEqualFunc for networks.
 *
 * Returns: %TRUE if both describe the same network
 */
gboolean
postern_cidr_equal (gconstpointer a,
                    gconstpointer b)
{
  const PosternCidr *x = a;
  const PosternCidr *y = b;

  return x->family == y->family && x->prefix_len == y->prefix_len &&
         memcmp (x->bytes, y->bytes, sizeof x->bytes) == 0;
}

struct _PosternCidrList {
  gatomicrefcount ref;
  guint n_items;
  PosternCidr items[];
};

G_DEFINE_BOXED_TYPE (PosternCidrList, postern_cidr_list, postern_cidr_list_ref, postern_cidr_list_unref)

/**
 * postern_cidr_list_parse:
 * @text: (nullable): networks separated by `;`; blanks around items and
 *   empty items are ignored, so %NULL or "" give an empty list
 * @error: return location for an error
 *
 * Parses a list of networks. An error names the first bad item and its
 * position, e.g. “item 2 (“10.0.0.1/33”): …”.
 *
 * Returns: (transfer full) (nullable): the list, or %NULL on error
 */
PosternCidrList *
postern_cidr_list_parse (const gchar  *text,
                         GError      **error)
{
  g_auto(GStrv) parts = g_strsplit (text != NULL ? text : "", ";", -1);
  g_autoptr(GArray) items = g_array_new (FALSE, TRUE, sizeof (PosternCidr));
  PosternCidrList *list;
  guint position = 0;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      const gchar *item = g_strstrip (parts[i]);
      g_autoptr(GError) local_error = NULL;
      PosternCidr cidr;

      if (*item == '\0')
        continue;
      position++;
      if (!postern_cidr_parse (item, &cidr, &local_error))
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                       "item %u (“%s”): %s", position, item, local_error->message);
          return NULL;
        }
      g_array_append_val (items, cidr);
    }

  list = g_malloc0 (sizeof *list + items->len * sizeof (PosternCidr));
  g_atomic_ref_count_init (&list->ref);
  list->n_items = items->len;
  if (items->len > 0)
    memcpy (list->items, items->data, items->len * sizeof (PosternCidr));
  return list;
}

/**
 * postern_cidr_list_validate:
 * @text: a list of networks
 * @error: return location for an error
 *
 * A #PosternConfigValidateFunc for keys holding a list of networks.
 *
 * Returns: %TRUE if @text parses
 */
gboolean
postern_cidr_list_validate (const gchar  *text,
                            GError      **error)
{
  g_autoptr(PosternCidrList) list = postern_cidr_list_parse (text, error);
  return list != NULL;
}

/**
 * postern_cidr_list_ref:
 * @self: a list
 *
 * Returns: (transfer full): @self
 */
PosternCidrList *
postern_cidr_list_ref (PosternCidrList *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref);
  return self;
}

/**
 * postern_cidr_list_unref:
 * @self: (nullable): a list
 *
 * Drops a reference; the last one frees the list.
 */
void
postern_cidr_list_unref (PosternCidrList *self)
{
  if (self != NULL && g_atomic_ref_count_dec (&self->ref))
    g_free (self);
}

/**
 * postern_cidr_list_get_length:
 * @self: a list
 *
 * Returns: the number of networks in @self
 */
guint
postern_cidr_list_get_length (PosternCidrList *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_items;
}

/**
 * postern_cidr_list_get:
 * @self: a list
 * @index: a position below postern_cidr_list_get_length()
 *
 * Returns: (transfer none) (nullable): the network at @index, or %NULL past the end
 */
const PosternCidr *
postern_cidr_list_get (PosternCidrList *self,
                       guint            index)
{
  g_return_val_if_fail (self != NULL, NULL);
  return index < self->n_items ? &self->items[index] : NULL;
}

/**
 * postern_cidr_list_contains_bytes:
 * @self: a list
 * @family: the family of @bytes
 * @bytes: (array length=len): an address in network byte order
 * @len: 4 for IPv4, 16 for IPv6
 *
 * Returns: %TRUE if any network of @self covers the address
 */
gboolean
postern_cidr_list_contains_bytes (PosternCidrList *self,
                                  GSocketFamily    family,
                                  const guint8    *bytes,
                                  gsize            len)
{
  g_return_val_if_fail (self != NULL, FALSE);
  for (guint i = 0; i < self->n_items; i++)
    if (postern_cidr_contains_bytes (&self->items[i], family, bytes, len))
      return TRUE;
  return FALSE;
}

/**
 * postern_cidr_list_contains_address:
 * @self: a list
 * @address: an address
 *
 * Returns: %TRUE if any network of @self covers @address
 */
gboolean
postern_cidr_list_contains_address (PosternCidrList *self,
                                    GInetAddress    *address)
{
  g_return_val_if_fail (G_IS_INET_ADDRESS (address), FALSE);
  return postern_cidr_list_contains_bytes (self, g_inet_address_get_family (address),
                                           g_inet_address_to_bytes (address),
                                           g_inet_address_get_native_size (address));
}

/**
 * postern_cidr_list_to_string:
 * @self: a list
 *
 * Returns: (transfer full): the list in configuration syntax
 */
gchar *
postern_cidr_list_to_string (PosternCidrList *self)
{
  g_autoptr(GString) out = g_string_new (NULL);

  g_return_val_if_fail (self != NULL, NULL);
  for (guint i = 0; i < self->n_items; i++)
    {
      g_autofree gchar *item = postern_cidr_to_string (&self->items[i]);
      if (i > 0)
        g_string_append_c (out, ';');
      g_string_append (out, item);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}
