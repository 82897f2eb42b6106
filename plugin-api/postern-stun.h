/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(POSTERN_INSIDE) && !defined(POSTERN_COMPILATION)
#error "Only <postern.h> can be included directly."
#endif

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * POSTERN_STUN_MAGIC_COOKIE:
 *
 * The fixed value in bytes 4..7 of every RFC 5389/8489 message.
 */
#define POSTERN_STUN_MAGIC_COOKIE 0x2112A442u
/**
 * POSTERN_STUN_HEADER_SIZE:
 *
 * Size of the STUN message header in bytes.
 */
#define POSTERN_STUN_HEADER_SIZE 20
/**
 * POSTERN_STUN_TRANSACTION_ID_SIZE:
 *
 * Size of the RFC 8489 transaction ID in bytes.
 */
#define POSTERN_STUN_TRANSACTION_ID_SIZE 12
/**
 * POSTERN_STUN_MAX_ATTRIBUTES:
 *
 * How many distinct known attributes a #PosternStunMessage indexes; a
 * message with more is refused.
 */
#define POSTERN_STUN_MAX_ATTRIBUTES 32
/**
 * POSTERN_STUN_MAX_UNKNOWN:
 *
 * How many unknown comprehension-required attribute types a
 * #PosternStunMessage remembers for an UNKNOWN-ATTRIBUTES answer.
 */
#define POSTERN_STUN_MAX_UNKNOWN 8
/**
 * POSTERN_STUN_MAX_MESSAGE_SIZE:
 *
 * The largest message the 16-bit length field can describe.
 */
#define POSTERN_STUN_MAX_MESSAGE_SIZE (POSTERN_STUN_HEADER_SIZE + 0xFFFC)

/**
 * PosternStunMethod:
 * @POSTERN_STUN_METHOD_BINDING: Binding (RFC 8489)
 * @POSTERN_STUN_METHOD_ALLOCATE: Allocate (RFC 8656)
 * @POSTERN_STUN_METHOD_REFRESH: Refresh (RFC 8656)
 * @POSTERN_STUN_METHOD_SEND: Send indication (RFC 8656)
 * @POSTERN_STUN_METHOD_DATA: Data indication (RFC 8656)
 * @POSTERN_STUN_METHOD_CREATE_PERMISSION: CreatePermission (RFC 8656)
 * @POSTERN_STUN_METHOD_CHANNEL_BIND: ChannelBind (RFC 8656)
 *
 * STUN methods this codec names; any 12-bit method parses.
 */
typedef enum {
  POSTERN_STUN_METHOD_BINDING = 0x001,
  POSTERN_STUN_METHOD_ALLOCATE = 0x003,
  POSTERN_STUN_METHOD_REFRESH = 0x004,
  POSTERN_STUN_METHOD_SEND = 0x006,
  POSTERN_STUN_METHOD_DATA = 0x007,
  POSTERN_STUN_METHOD_CREATE_PERMISSION = 0x008,
  POSTERN_STUN_METHOD_CHANNEL_BIND = 0x009,
} PosternStunMethod;

/**
 * PosternStunClass:
 * @POSTERN_STUN_CLASS_REQUEST: a request
 * @POSTERN_STUN_CLASS_INDICATION: an indication
 * @POSTERN_STUN_CLASS_SUCCESS: a success response
 * @POSTERN_STUN_CLASS_ERROR: an error response
 *
 * The message class, as the bits it sets in the message type.
 */
typedef enum {
  POSTERN_STUN_CLASS_REQUEST = 0x000,
  POSTERN_STUN_CLASS_INDICATION = 0x010,
  POSTERN_STUN_CLASS_SUCCESS = 0x100,
  POSTERN_STUN_CLASS_ERROR = 0x110,
} PosternStunClass;

/**
 * PosternStunAttrType:
 * @POSTERN_STUN_ATTR_MAPPED_ADDRESS: MAPPED-ADDRESS
 * @POSTERN_STUN_ATTR_CHANGE_REQUEST: CHANGE-REQUEST (RFC 5780)
 * @POSTERN_STUN_ATTR_USERNAME: USERNAME
 * @POSTERN_STUN_ATTR_MESSAGE_INTEGRITY: MESSAGE-INTEGRITY (HMAC-SHA1)
 * @POSTERN_STUN_ATTR_ERROR_CODE: ERROR-CODE
 * @POSTERN_STUN_ATTR_UNKNOWN_ATTRIBUTES: UNKNOWN-ATTRIBUTES
 * @POSTERN_STUN_ATTR_CHANNEL_NUMBER: CHANNEL-NUMBER (TURN)
 * @POSTERN_STUN_ATTR_LIFETIME: LIFETIME (TURN)
 * @POSTERN_STUN_ATTR_XOR_PEER_ADDRESS: XOR-PEER-ADDRESS (TURN)
 * @POSTERN_STUN_ATTR_DATA: DATA (TURN)
 * @POSTERN_STUN_ATTR_REALM: REALM
 * @POSTERN_STUN_ATTR_NONCE: NONCE
 * @POSTERN_STUN_ATTR_XOR_RELAYED_ADDRESS: XOR-RELAYED-ADDRESS (TURN)
 * @POSTERN_STUN_ATTR_REQUESTED_ADDRESS_FAMILY: REQUESTED-ADDRESS-FAMILY (TURN)
 * @POSTERN_STUN_ATTR_EVEN_PORT: EVEN-PORT (TURN)
 * @POSTERN_STUN_ATTR_REQUESTED_TRANSPORT: REQUESTED-TRANSPORT (TURN)
 * @POSTERN_STUN_ATTR_DONT_FRAGMENT: DONT-FRAGMENT (TURN)
 * @POSTERN_STUN_ATTR_MESSAGE_INTEGRITY_SHA256: MESSAGE-INTEGRITY-SHA256
 * @POSTERN_STUN_ATTR_PASSWORD_ALGORITHM: PASSWORD-ALGORITHM
 * @POSTERN_STUN_ATTR_USERHASH: USERHASH
 * @POSTERN_STUN_ATTR_XOR_MAPPED_ADDRESS: XOR-MAPPED-ADDRESS
 * @POSTERN_STUN_ATTR_RESERVATION_TOKEN: RESERVATION-TOKEN (TURN)
 * @POSTERN_STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY: ADDITIONAL-ADDRESS-FAMILY (TURN)
 * @POSTERN_STUN_ATTR_ADDRESS_ERROR_CODE: ADDRESS-ERROR-CODE (TURN)
 * @POSTERN_STUN_ATTR_PASSWORD_ALGORITHMS: PASSWORD-ALGORITHMS
 * @POSTERN_STUN_ATTR_ALTERNATE_DOMAIN: ALTERNATE-DOMAIN
 * @POSTERN_STUN_ATTR_ICMP: ICMP (TURN)
 * @POSTERN_STUN_ATTR_SOFTWARE: SOFTWARE
 * @POSTERN_STUN_ATTR_ALTERNATE_SERVER: ALTERNATE-SERVER
 * @POSTERN_STUN_ATTR_FINGERPRINT: FINGERPRINT
 * @POSTERN_STUN_ATTR_RESPONSE_ORIGIN: RESPONSE-ORIGIN (RFC 5780)
 * @POSTERN_STUN_ATTR_OTHER_ADDRESS: OTHER-ADDRESS (RFC 5780)
 *
 * Attribute types this codec knows. Types below 0x8000 are
 * comprehension-required: a request carrying one the codec does not know is
 * answered with 420 (see postern_stun_message_get_unknown()).
 */
typedef enum {
  POSTERN_STUN_ATTR_MAPPED_ADDRESS = 0x0001,
  POSTERN_STUN_ATTR_CHANGE_REQUEST = 0x0003,
  POSTERN_STUN_ATTR_USERNAME = 0x0006,
  POSTERN_STUN_ATTR_MESSAGE_INTEGRITY = 0x0008,
  POSTERN_STUN_ATTR_ERROR_CODE = 0x0009,
  POSTERN_STUN_ATTR_UNKNOWN_ATTRIBUTES = 0x000A,
  POSTERN_STUN_ATTR_CHANNEL_NUMBER = 0x000C,
  POSTERN_STUN_ATTR_LIFETIME = 0x000D,
  POSTERN_STUN_ATTR_XOR_PEER_ADDRESS = 0x0012,
  POSTERN_STUN_ATTR_DATA = 0x0013,
  POSTERN_STUN_ATTR_REALM = 0x0014,
  POSTERN_STUN_ATTR_NONCE = 0x0015,
  POSTERN_STUN_ATTR_XOR_RELAYED_ADDRESS = 0x0016,
  POSTERN_STUN_ATTR_REQUESTED_ADDRESS_FAMILY = 0x0017,
  POSTERN_STUN_ATTR_EVEN_PORT = 0x0018,
  POSTERN_STUN_ATTR_REQUESTED_TRANSPORT = 0x0019,
  POSTERN_STUN_ATTR_DONT_FRAGMENT = 0x001A,
  POSTERN_STUN_ATTR_MESSAGE_INTEGRITY_SHA256 = 0x001C,
  POSTERN_STUN_ATTR_PASSWORD_ALGORITHM = 0x001D,
  POSTERN_STUN_ATTR_USERHASH = 0x001E,
  POSTERN_STUN_ATTR_XOR_MAPPED_ADDRESS = 0x0020,
  POSTERN_STUN_ATTR_RESERVATION_TOKEN = 0x0022,
  POSTERN_STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY = 0x8000,
  POSTERN_STUN_ATTR_ADDRESS_ERROR_CODE = 0x8001,
  POSTERN_STUN_ATTR_PASSWORD_ALGORITHMS = 0x8002,
  POSTERN_STUN_ATTR_ALTERNATE_DOMAIN = 0x8003,
  POSTERN_STUN_ATTR_ICMP = 0x8004,
  POSTERN_STUN_ATTR_SOFTWARE = 0x8022,
  POSTERN_STUN_ATTR_ALTERNATE_SERVER = 0x8023,
  POSTERN_STUN_ATTR_FINGERPRINT = 0x8028,
  POSTERN_STUN_ATTR_RESPONSE_ORIGIN = 0x802B,
  POSTERN_STUN_ATTR_OTHER_ADDRESS = 0x802C,
} PosternStunAttrType;

/**
 * PosternStunParseFlags:
 * @POSTERN_STUN_PARSE_NONE: strict RFC 8489 framing
 * @POSTERN_STUN_PARSE_ALLOW_RFC3489: accept a Binding request without the
 *   magic cookie (a classic RFC 3489 client); the 16 bytes after the length
 *   are then its transaction ID
 *
 * Options for postern_stun_message_parse().
 */
typedef enum {
  POSTERN_STUN_PARSE_NONE = 0,
  POSTERN_STUN_PARSE_ALLOW_RFC3489 = 1 << 0,
} PosternStunParseFlags;

/**
 * PosternStunAddress:
 * @family: 1 for IPv4, 2 for IPv6 (the STUN family codes)
 * @port: the port, host byte order
 * @address: 4 (IPv4) or 16 (IPv6) bytes, network order; the rest is zero
 *
 * A transport address as STUN carries it.
 */
typedef struct {
  guint8 family;
  guint16 port;
  guint8 address[16];
} PosternStunAddress;

/**
 * POSTERN_STUN_FAMILY_IPV4:
 *
 * The STUN address family code of IPv4.
 */
#define POSTERN_STUN_FAMILY_IPV4 0x01
/**
 * POSTERN_STUN_FAMILY_IPV6:
 *
 * The STUN address family code of IPv6.
 */
#define POSTERN_STUN_FAMILY_IPV6 0x02

/**
 * PosternStunAttr:
 * @type: the attribute type
 * @length: the value's length, without padding
 * @offset: where the value starts in the message
 *
 * One indexed attribute of a #PosternStunMessage.
 */
typedef struct {
  guint16 type;
  guint16 length;
  guint32 offset;
} PosternStunAttr;

/**
 * PosternStunMessage:
 * @data: the parsed bytes, owned by the caller and read in place
 * @size: the message's size, header included
 * @method: the 12-bit method
 * @klass: the #PosternStunClass bits
 * @rfc3489: %TRUE for a classic message without the magic cookie
 * @n_attrs: how many entries of @attrs are used
 * @attrs: the first occurrence of each known attribute, in message order
 * @n_unknown: how many entries of @unknown are used
 * @unknown: unknown comprehension-required attribute types
 * @integrity_offset: offset of the MESSAGE-INTEGRITY header, 0 if absent
 * @integrity_sha256_offset: offset of the MESSAGE-INTEGRITY-SHA256 header, 0 if absent
 * @fingerprint_offset: offset of the FINGERPRINT header, 0 if absent
 *
 * A parsed STUN message: an index into a caller's buffer, filled by
 * postern_stun_message_parse() without allocating. The buffer must outlive
 * it. Only attributes before the message integrity count, except
 * MESSAGE-INTEGRITY-SHA256 and FINGERPRINT; of duplicates the first counts.
 */
typedef struct {
  const guint8 *data;
  gsize size;
  guint16 method;
  guint16 klass;
  gboolean rfc3489;
  guint n_attrs;
  PosternStunAttr attrs[POSTERN_STUN_MAX_ATTRIBUTES];
  guint n_unknown;
  guint16 unknown[POSTERN_STUN_MAX_UNKNOWN];
  guint32 integrity_offset;
  guint32 integrity_sha256_offset;
  guint32 fingerprint_offset;
} PosternStunMessage;

/**
 * PosternStunBuilder:
 * @buf: the caller's output buffer
 * @capacity: its size
 * @len: bytes written so far
 * @overflow: set once an addition did not fit; the message is then unusable
 *
 * Writes one STUN message into a caller's buffer without allocating. Every
 * byte written is defined (padding is zero).
 */
typedef struct {
  guint8 *buf;
  gsize capacity;
  gsize len;
  gboolean overflow;
} PosternStunBuilder;

/* message framing and parsing */
gboolean     postern_stun_is_stun                     (const guint8               *data,
                                                       gsize                       len);
gboolean     postern_stun_is_channel_data             (const guint8               *data,
                                                       gsize                       len);
gsize        postern_stun_frame_length                (const guint8               *data,
                                                       gsize                       len);
gboolean     postern_stun_attr_is_known               (guint16                     type);
gboolean     postern_stun_message_parse               (PosternStunMessage         *msg,
                                                       const guint8               *data,
                                                       gsize                       len,
                                                       PosternStunParseFlags       flags,
                                                       GError                    **error);
const guint8 *postern_stun_message_get_transaction_id (const PosternStunMessage   *msg);
gsize        postern_stun_message_get_transaction_id_size (const PosternStunMessage *msg);
const guint8 *postern_stun_message_find               (const PosternStunMessage   *msg,
                                                       guint16                     type,
                                                       gsize                      *len);
gboolean     postern_stun_message_has                 (const PosternStunMessage   *msg,
                                                       guint16                     type);
guint        postern_stun_message_get_unknown         (const PosternStunMessage   *msg,
                                                       const guint16             **types);

/* integrity and keys */
gboolean     postern_stun_message_check_integrity     (const PosternStunMessage   *msg,
                                                       const guint8               *key,
                                                       gsize                       key_len);
gboolean     postern_stun_message_check_integrity_sha256 (const PosternStunMessage *msg,
                                                       const guint8               *key,
                                                       gsize                       key_len);
gboolean     postern_stun_message_check_fingerprint   (const PosternStunMessage   *msg);
guint32      postern_stun_crc32                       (const guint8               *data,
                                                       gsize                       len);
gboolean     postern_stun_equal_constant_time         (const guint8               *a,
                                                       const guint8               *b,
                                                       gsize                       len);
gchar       *postern_stun_saslprep                    (const gchar                *text,
                                                       GError                    **error);
GBytes      *postern_stun_long_term_key               (const gchar                *username,
                                                       const gchar                *realm,
                                                       const gchar                *password,
                                                       GError                    **error);
GBytes      *postern_stun_short_term_key              (const gchar                *password,
                                                       GError                    **error);

/* typed attribute getters */
gboolean     postern_stun_message_get_address         (const PosternStunMessage   *msg,
                                                       guint16                     type,
                                                       PosternStunAddress         *out);
gboolean     postern_stun_message_get_xor_address     (const PosternStunMessage   *msg,
                                                       guint16                     type,
                                                       PosternStunAddress         *out);
gboolean     postern_stun_message_get_u32             (const PosternStunMessage   *msg,
                                                       guint16                     type,
                                                       guint32                    *out);
gboolean     postern_stun_message_get_channel_number  (const PosternStunMessage   *msg,
                                                       guint16                    *out);
gboolean     postern_stun_message_get_u8_prefixed     (const PosternStunMessage   *msg,
                                                       guint16                     type,
                                                       guint8                     *out);
gboolean     postern_stun_message_get_reservation_token (const PosternStunMessage *msg,
                                                       guint64                    *out);
gboolean     postern_stun_message_get_error_code      (const PosternStunMessage   *msg,
                                                       guint16                    *code,
                                                       const gchar               **reason,
                                                       gsize                      *reason_len);
gboolean     postern_stun_message_get_address_error_code (const PosternStunMessage *msg,
                                                       guint8                     *family,
                                                       guint16                    *code);
gboolean     postern_stun_message_get_icmp            (const PosternStunMessage   *msg,
                                                       guint8                     *icmp_type,
                                                       guint8                     *icmp_code,
                                                       guint32                    *error_data);
gboolean     postern_stun_message_get_change_request  (const PosternStunMessage   *msg,
                                                       gboolean                   *change_ip,
                                                       gboolean                   *change_port);
guint        postern_stun_message_get_unknown_attributes (const PosternStunMessage *msg,
                                                       guint16                    *types,
                                                       guint                       max);
guint        postern_stun_message_get_password_algorithms (const PosternStunMessage *msg,
                                                       guint16                    *algorithms,
                                                       guint                       max);

/* addresses */
gboolean     postern_stun_address_from_sockaddr       (PosternStunAddress         *out,
                                                       gconstpointer               sockaddr,
                                                       gsize                       len);
gsize        postern_stun_address_to_sockaddr         (const PosternStunAddress   *addr,
                                                       gpointer                    sockaddr,
                                                       gsize                       len);
GInetSocketAddress *postern_stun_address_to_inet      (const PosternStunAddress   *addr);

/* building */
void         postern_stun_builder_init                (PosternStunBuilder         *b,
                                                       guint8                     *buf,
                                                       gsize                       capacity,
                                                       guint16                     method,
                                                       PosternStunClass            klass,
                                                       const guint8               *transaction_id);
void         postern_stun_builder_init_reply          (PosternStunBuilder         *b,
                                                       guint8                     *buf,
                                                       gsize                       capacity,
                                                       const PosternStunMessage   *request,
                                                       PosternStunClass            klass);
guint8      *postern_stun_builder_add                 (PosternStunBuilder         *b,
                                                       guint16                     type,
                                                       const void                 *value,
                                                       gsize                       len);
void         postern_stun_builder_add_u32             (PosternStunBuilder         *b,
                                                       guint16                     type,
                                                       guint32                     value);
void         postern_stun_builder_add_u8_prefixed     (PosternStunBuilder         *b,
                                                       guint16                     type,
                                                       guint8                      value);
void         postern_stun_builder_add_channel_number  (PosternStunBuilder         *b,
                                                       guint16                     channel);
void         postern_stun_builder_add_reservation_token (PosternStunBuilder       *b,
                                                       guint64                     token);
void         postern_stun_builder_add_flag            (PosternStunBuilder         *b,
                                                       guint16                     type);
void         postern_stun_builder_add_string          (PosternStunBuilder         *b,
                                                       guint16                     type,
                                                       const gchar                *text);
void         postern_stun_builder_add_address         (PosternStunBuilder         *b,
                                                       guint16                     type,
                                                       const PosternStunAddress   *addr);
void         postern_stun_builder_add_xor_address     (PosternStunBuilder         *b,
                                                       guint16                     type,
                                                       const PosternStunAddress   *addr);
void         postern_stun_builder_add_error_code      (PosternStunBuilder         *b,
                                                       guint16                     code,
                                                       const gchar                *reason);
void         postern_stun_builder_add_address_error_code (PosternStunBuilder      *b,
                                                       guint8                      family,
                                                       guint16                     code,
                                                       const gchar                *reason);
void         postern_stun_builder_add_icmp            (PosternStunBuilder         *b,
                                                       guint8                      icmp_type,
                                                       guint8                      icmp_code,
                                                       guint32                     error_data);
void         postern_stun_builder_add_unknown_attributes (PosternStunBuilder      *b,
                                                       const guint16              *types,
                                                       guint                       n_types);
void         postern_stun_builder_add_integrity       (PosternStunBuilder         *b,
                                                       const guint8               *key,
                                                       gsize                       key_len);
void         postern_stun_builder_add_integrity_sha256 (PosternStunBuilder        *b,
                                                       const guint8               *key,
                                                       gsize                       key_len);
void         postern_stun_builder_add_fingerprint     (PosternStunBuilder         *b);
gsize        postern_stun_builder_finish              (PosternStunBuilder         *b,
                                                       GError                    **error);

/* TURN ChannelData (RFC 8656 section 12.4) */
gboolean     postern_stun_channel_data_parse          (const guint8               *data,
                                                       gsize                       len,
                                                       guint16                    *channel,
                                                       const guint8              **payload,
                                                       gsize                      *payload_len);
gsize        postern_stun_channel_data_build          (guint8                     *buf,
                                                       gsize                       capacity,
                                                       guint16                     channel,
                                                       const guint8               *payload,
                                                       gsize                       payload_len,
                                                       gboolean                    pad);

/* GI-friendly view */

/**
 * PosternStunPacket:
 *
 * A parsed STUN message that owns its bytes: the bindings' way to the codec.
 * Reference counted.
 */
typedef struct _PosternStunPacket PosternStunPacket;

#define POSTERN_TYPE_STUN_PACKET (postern_stun_packet_get_type ())
GType               postern_stun_packet_get_type       (void) G_GNUC_CONST;
PosternStunPacket  *postern_stun_packet_parse          (GBytes              *bytes,
                                                        PosternStunParseFlags flags,
                                                        GError             **error);
PosternStunPacket  *postern_stun_packet_ref            (PosternStunPacket   *self);
void                postern_stun_packet_unref          (PosternStunPacket   *self);
guint16             postern_stun_packet_get_method     (PosternStunPacket   *self);
PosternStunClass    postern_stun_packet_get_class      (PosternStunPacket   *self);
GBytes             *postern_stun_packet_get_transaction_id (PosternStunPacket *self);
guint16            *postern_stun_packet_list_attributes (PosternStunPacket  *self,
                                                        guint               *n_types);
GBytes             *postern_stun_packet_get_attribute  (PosternStunPacket   *self,
                                                        guint16              type);
gchar              *postern_stun_packet_get_string     (PosternStunPacket   *self,
                                                        guint16              type);
GInetSocketAddress *postern_stun_packet_get_address    (PosternStunPacket   *self,
                                                        guint16              type);
gboolean            postern_stun_packet_check_integrity (PosternStunPacket  *self,
                                                        GBytes              *key);
gboolean            postern_stun_packet_check_integrity_sha256 (PosternStunPacket *self,
                                                        GBytes              *key);
gboolean            postern_stun_packet_check_fingerprint (PosternStunPacket *self);
GBytes             *postern_stun_packet_get_bytes      (PosternStunPacket   *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternStunPacket, postern_stun_packet_unref)

G_END_DECLS
