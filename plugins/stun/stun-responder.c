/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Binding service as a pure function: one request in, at most one
 * response out, counters updated. No I/O, no allocation. */
#include "stun-responder.h"

/* RFC 3489 names for what RFC 5780 calls RESPONSE-ORIGIN and OTHER-ADDRESS */
#define ATTR_SOURCE_ADDRESS 0x0004
#define ATTR_CHANGED_ADDRESS 0x0005

static gsize
error_response (const PosternStunMessage *req, guint16 code, const gchar *reason,
                const guint16 *unknown, guint n_unknown, guint8 *out, gsize capacity,
                StunCounters *counters)
{
  PosternStunBuilder b;
  gsize len;

  postern_stun_builder_init_reply (&b, out, capacity, req, POSTERN_STUN_CLASS_ERROR);
  postern_stun_builder_add_error_code (&b, code, reason);
  if (n_unknown > 0)
    postern_stun_builder_add_unknown_attributes (&b, unknown, n_unknown);
  if (req->fingerprint_offset != 0)
    postern_stun_builder_add_fingerprint (&b);
  len = postern_stun_builder_finish (&b, NULL);
  if (len > 0)
    counters->errors++;
  return len;
}

gsize
stun_respond (const StunResponderConfig *cfg, const guint8 *request, gsize len,
              const PosternStunAddress *peer, const PosternStunAddress *local, guint8 *out,
              gsize capacity, StunCounters *counters, gboolean *from_other)
{
  PosternStunMessage req;
  PosternStunBuilder b;
  const guint16 *unknown;
  guint n_unknown;
  gboolean change_ip = FALSE, change_port = FALSE;
  static const guint16 change_request[] = { POSTERN_STUN_ATTR_CHANGE_REQUEST };
  gsize out_len;

  *from_other = FALSE;
  if (!postern_stun_message_parse (&req, request, len, POSTERN_STUN_PARSE_ALLOW_RFC3489, NULL)) {
    counters->malformed++;
    return 0;
  }
  /* Binding indications are keep-alives; responses are not ours to answer */
  if (req.klass == POSTERN_STUN_CLASS_INDICATION)
    return 0;
  if (req.klass != POSTERN_STUN_CLASS_REQUEST ||
      (req.fingerprint_offset != 0 && !postern_stun_message_check_fingerprint (&req))) {
    counters->malformed++;
    return 0;
  }
  counters->requests++;

  n_unknown = postern_stun_message_get_unknown (&req, &unknown);
  if (n_unknown > 0)
    return error_response (&req, 420, "Unknown Attribute", unknown, n_unknown, out, capacity, counters);
  if (req.method != POSTERN_STUN_METHOD_BINDING)
    return error_response (&req, 400, "Bad Request", NULL, 0, out, capacity, counters);
  if (postern_stun_message_has (&req, POSTERN_STUN_ATTR_CHANGE_REQUEST) &&
      !postern_stun_message_get_change_request (&req, &change_ip, &change_port))
    return error_response (&req, 400, "Bad Request", NULL, 0, out, capacity, counters);
  if ((change_ip || change_port) && cfg->other == NULL)
    /* RFC 5780 section 7.2: no second address, so the change cannot be made */
    return error_response (&req, 420, "Unknown Attribute", change_request, 1, out, capacity, counters);

  postern_stun_builder_init_reply (&b, out, capacity, &req, POSTERN_STUN_CLASS_SUCCESS);
  if (req.rfc3489) {
    postern_stun_builder_add_address (&b, POSTERN_STUN_ATTR_MAPPED_ADDRESS, peer);
  } else {
    postern_stun_builder_add_xor_address (&b, POSTERN_STUN_ATTR_XOR_MAPPED_ADDRESS, peer);
  }
  if (cfg->other != NULL) {
    *from_other = change_ip || change_port;
    postern_stun_builder_add_address (&b, req.rfc3489 ? ATTR_SOURCE_ADDRESS : POSTERN_STUN_ATTR_RESPONSE_ORIGIN,
                                      *from_other ? cfg->other : local);
    postern_stun_builder_add_address (&b, req.rfc3489 ? ATTR_CHANGED_ADDRESS : POSTERN_STUN_ATTR_OTHER_ADDRESS,
                                      *from_other ? local : cfg->other);
  }
  if (cfg->software != NULL)
    postern_stun_builder_add_string (&b, POSTERN_STUN_ATTR_SOFTWARE, cfg->software);
  if (req.fingerprint_offset != 0)
    postern_stun_builder_add_fingerprint (&b);
  out_len = postern_stun_builder_finish (&b, NULL);
  if (out_len > 0)
    counters->responses++;
  return out_len;
}
