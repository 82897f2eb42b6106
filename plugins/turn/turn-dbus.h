/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "turn-dbus-generated.h"
#include "turn-server.h"

G_BEGIN_DECLS

/* org.postern.Postern1.Turn for @server, exported on the plugin's object. */
PosternDBusTurn *turn_dbus_new (TurnServer *server);

G_END_DECLS
