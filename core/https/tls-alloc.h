/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* GnuTLS allocates a buffer of a little over 16 KiB for each read of a
 * record's header, each read of its body, each decryption and each record
 * sent, and frees it soon after: about ten per proxied request. Blocks that
 * size miss glibc's per-thread cache and cost hundreds of instructions in
 * its bins each time. Once installed, GnuTLS's allocator keeps a few such
 * blocks per thread for reuse; everything else goes to malloc and free.
 *
 * GnuTLS calls its allocator through the exported gnutls_malloc and
 * gnutls_free pointers; install before any other thread uses GnuTLS. */
void postern_tls_alloc_install (void);

G_END_DECLS
