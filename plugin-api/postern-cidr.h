/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(POSTERN_INSIDE) && !defined(POSTERN_COMPILATION)
#error "Only <postern.h> can be included directly."
#endif

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * PosternCidr:
 * @family: %G_SOCKET_FAMILY_IPV4 or %G_SOCKET_FAMILY_IPV6
 * @prefix_len: number of leading bits that must match (0..32 or 0..128)
 * @bytes: the network address in network byte order; IPv4 uses the first
 *   four bytes. Bits past @prefix_len are always zero.
 *
 * An IP network such as `192.0.2.0/24` or `2001:db8::/32`. A plain struct:
 * it can live on the stack or inside other structs, and needs no freeing
 * unless it came from postern_cidr_new_from_string() or postern_cidr_copy().
 *
 * Matching treats an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, what a
 * dual-stack socket reports for an IPv4 peer) as the IPv4 address it maps.
 */
typedef struct {
  GSocketFamily family;
  guint prefix_len;
  guint8 bytes[16];
} PosternCidr;

#define POSTERN_TYPE_CIDR (postern_cidr_get_type ())
GType        postern_cidr_get_type             (void) G_GNUC_CONST;

PosternCidr *postern_cidr_new_from_string      (const gchar       *text,
                                                GError           **error);
gboolean     postern_cidr_parse                (const gchar       *text,
                                                PosternCidr       *out,
                                                GError           **error);
PosternCidr *postern_cidr_copy                 (const PosternCidr *self);
void         postern_cidr_free                 (PosternCidr       *self);

gboolean     postern_cidr_init_prefix_of       (PosternCidr       *out,
                                                GSocketFamily      family,
                                                const guint8      *bytes,
                                                gsize              len,
                                                guint              prefix_len);
PosternCidr *postern_cidr_new_prefix_of        (GInetAddress      *address,
                                                guint              ipv4_prefix_len,
                                                guint              ipv6_prefix_len);

gboolean     postern_cidr_contains_bytes       (const PosternCidr *self,
                                                GSocketFamily      family,
                                                const guint8      *bytes,
                                                gsize              len);
gboolean     postern_cidr_contains_address     (const PosternCidr *self,
                                                GInetAddress      *address);
gchar       *postern_cidr_to_string            (const PosternCidr *self);
guint        postern_cidr_hash                 (gconstpointer      cidr);
gboolean     postern_cidr_equal                (gconstpointer      a,
                                                gconstpointer      b);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternCidr, postern_cidr_free)

/**
 * PosternCidrList:
 *
 * An immutable, reference-counted list of #PosternCidr, parsed from the
 * configuration syntax `10.0.0.0/8;192.168.1.7;2001:db8::/32`.
 */
typedef struct _PosternCidrList PosternCidrList;

#define POSTERN_TYPE_CIDR_LIST (postern_cidr_list_get_type ())
GType              postern_cidr_list_get_type          (void) G_GNUC_CONST;

PosternCidrList   *postern_cidr_list_parse             (const gchar     *text,
                                                        GError         **error);
gboolean           postern_cidr_list_validate          (const gchar     *text,
                                                        GError         **error);
PosternCidrList   *postern_cidr_list_ref               (PosternCidrList *self);
void               postern_cidr_list_unref             (PosternCidrList *self);
guint              postern_cidr_list_get_length        (PosternCidrList *self);
const PosternCidr *postern_cidr_list_get               (PosternCidrList *self,
                                                        guint            index);
gboolean           postern_cidr_list_contains_bytes    (PosternCidrList *self,
                                                        GSocketFamily    family,
                                                        const guint8    *bytes,
                                                        gsize            len);
gboolean           postern_cidr_list_contains_address  (PosternCidrList *self,
                                                        GInetAddress    *address);
gchar             *postern_cidr_list_to_string         (PosternCidrList *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternCidrList, postern_cidr_list_unref)

G_END_DECLS
