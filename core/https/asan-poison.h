/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Memory kept for reuse (a cache of blocks, a pool of objects) is marked
 * unaddressable under ASan while it waits, so a stale pointer into it is
 * still reported as a use after free. No-ops in other builds. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POSTERN_POISON(p, n) ASAN_POISON_MEMORY_REGION ((p), (n))
#define POSTERN_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION ((p), (n))
#else
#define POSTERN_POISON(p, n) ((void) (p), (void) (n))
#define POSTERN_UNPOISON(p, n) ((void) (p), (void) (n))
#endif
