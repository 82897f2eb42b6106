/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* GMutex with ThreadSanitizer in the know. GLib's GMutex is a futex of its
 * own inside libglib, which is not instrumented: in a -fsanitize=thread
 * build (meson -Db_sanitize=thread) every lock and unlock is announced, so
 * data guarded by these locks is not reported as racy and lock order is
 * checked. Otherwise these are g_mutex_lock() and g_mutex_unlock(). */
#if defined(__SANITIZE_THREAD__)
#define TURN_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TURN_TSAN 1
#endif
#endif

#ifdef TURN_TSAN
#include <sanitizer/tsan_interface.h>
#endif

static inline void
turn_mutex_lock (GMutex *mutex)
{
#ifdef TURN_TSAN
  __tsan_mutex_pre_lock (mutex, 0);
#endif
  g_mutex_lock (mutex);
#ifdef TURN_TSAN
  __tsan_mutex_post_lock (mutex, 0, 0);
#endif
}

static inline void
turn_mutex_unlock (GMutex *mutex)
{
#ifdef TURN_TSAN
  __tsan_mutex_pre_unlock (mutex, 0);
#endif
  g_mutex_unlock (mutex);
#ifdef TURN_TSAN
  __tsan_mutex_post_unlock (mutex, 0);
#endif
}

G_END_DECLS
