/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tls-alloc.h"

#include <gnutls/gnutls.h>
#include <malloc.h>
#include <stdlib.h>

#include "asan-poison.h"

/* Requests from SMALLEST to BLOCK bytes get a BLOCK: GnuTLS's record
 * buffers are 16 KiB of payload plus header, padding, tag and its own
 * bookkeeping, or 2 KiB more where it allows large records. */
#define SMALLEST 16384
#define BLOCK 20480
/* One record read (header and body buffers), its decryption and a record
 * sent are alive at once at most, per session in use. */
#define KEEP 4

typedef struct {
  void *blocks[KEEP];
  guint n;
  gboolean registered;
  gboolean closed;
} BlockCache;

/* Only executables link this file (posternd, its test; plugins never call
 * the installer), so the cache is static TLS, which ASan reads correctly. */
static _Thread_local BlockCache cache;

static void
cache_drain (gpointer data)
{
  BlockCache *c = data;

  c->closed = TRUE;
  while (c->n > 0) {
    void *p = c->blocks[--c->n];

    POSTERN_UNPOISON (p, BLOCK);
    free (p);
  }
}

static GPrivate cache_owner = G_PRIVATE_INIT (cache_drain);

static void *
tls_malloc (size_t size)
{
  void *p;

  if (size < SMALLEST || size > BLOCK)
    return malloc (size);
  if (cache.n == 0)
    return malloc (BLOCK);
  p = cache.blocks[--cache.n];
  POSTERN_UNPOISON (p, BLOCK);
  return p;
}

static void
tls_free (void *p)
{
  size_t usable;

  if (p == NULL)
    return;
  /* Any block GnuTLS frees came from malloc (from here or from calloc or
   * realloc): one with room for BLOCK bytes is as good as one made here. */
  usable = malloc_usable_size (p);
  if (usable < BLOCK || usable >= BLOCK + 64 || cache.n == KEEP || cache.closed) {
    free (p);
    return;
  }
  if (!cache.registered) {
    /* Frees the thread's blocks when it exits. */
    g_private_set (&cache_owner, &cache);
    cache.registered = TRUE;
  }
  POSTERN_POISON (p, BLOCK);
  cache.blocks[cache.n++] = p;
}

void
postern_tls_alloc_install (void)
{
  gnutls_malloc = tls_malloc;
  gnutls_free = tls_free;
}
