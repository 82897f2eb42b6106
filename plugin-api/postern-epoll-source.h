/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(POSTERN_INSIDE) && !defined(POSTERN_COMPILATION)
#error "Only <postern.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * PosternEpollFunc:
 * @fd: the descriptor that is ready
 * @condition: what it is ready for (%G_IO_IN, %G_IO_OUT, %G_IO_PRI,
 *   %G_IO_ERR, %G_IO_HUP)
 * @user_data: data given to postern_epoll_source_add()
 *
 * Called from the source's main context when @fd is ready.
 *
 * Returns: %FALSE to stop watching @fd (as postern_epoll_source_remove()
 *   would), %TRUE to keep it
 */
typedef gboolean (*PosternEpollFunc) (gint         fd,
                                      GIOCondition condition,
                                      gpointer     user_data);

GSource  *postern_epoll_source_new         (GError           **error);
gboolean  postern_epoll_source_add         (GSource           *source,
                                            gint               fd,
                                            GIOCondition       events,
                                            PosternEpollFunc   func,
                                            gpointer           user_data,
                                            GDestroyNotify     destroy,
                                            GError           **error);
gboolean  postern_epoll_source_modify      (GSource           *source,
                                            gint               fd,
                                            GIOCondition       events,
                                            GError           **error);
gboolean  postern_epoll_source_remove      (GSource           *source,
                                            gint               fd);
guint     postern_epoll_source_get_n_fds   (GSource           *source);

G_END_DECLS
