/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#define POSTERN_INSIDE
#include <gmodule.h>

#include "postern-version.h"
#include "postern-error.h"
#include "postern-cidr.h"
#include "postern-config.h"
#include "postern-event-bus.h"
#include "postern-events.h"
#include "postern-http.h"
#include "postern-context.h"
#include "postern-epoll-source.h"
#include "postern-plugin.h"
#include "postern-stun.h"
#include "postern-udp.h"
#undef POSTERN_INSIDE
