/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

const char *webapp_mime_content_type (const char *name);
gboolean webapp_mime_is_fingerprinted (const char *name);
const char *webapp_mime_cache_control (const char *name);

G_END_DECLS
