/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Reading the client REST API as it passes: which calls hand out tokens,
 * and which request_token answers are PIN failures. */

typedef enum {
  PROXY_CALL_OTHER,
  PROXY_CALL_REQUEST_TOKEN,
  PROXY_CALL_REFRESH_TOKEN,
  PROXY_CALL_RELEASE_TOKEN,
} ProxyCall;

/* Largest answer body kept aside for inspection; the client still gets all. */
#define PROXY_INSPECT_MAX 65536

/* The call a path names, and for the token calls the URL-decoded
 * conference alias in @alias (else NULL). */
ProxyCall proxy_inspect_call        (const gchar  *path,
                                     gchar       **alias);

/* From a 200 answer's JSON, result.token and result.expires (seconds). */
gboolean  proxy_inspect_token       (const gchar *body,
                                     gsize        length,
                                     gchar      **token,
                                     guint       *expires_s);

/* For a request_token answered @status: the PIN failure reason, or NULL
 * when it is none. @pin is the request's pin header (NULL if absent). */
const gchar *proxy_inspect_pin_failure (guint        status,
                                        const gchar *pin,
                                        const gchar *body,
                                        gsize        length);

/* The token a request carries: the `token` header, else ?token= in @query. */
gchar    *proxy_inspect_request_token (const gchar *header,
                                       const gchar *query);

G_END_DECLS
