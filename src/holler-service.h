/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "holler-daemon.h"

G_BEGIN_DECLS

/* Runs the answering service (holler listen --service) until SIGTERM or
 * SIGINT: the daemon on @signaling and its D-Bus API on the session bus
 * (or the system bus). Returns the exit status. */
int holler_service_run (HollerSignaling *signaling, const HollerCallOptions *options,
                        const HollerDaemonPolicy *policy, HollerReporter *reporter,
                        const char *id, gboolean system_bus);

G_END_DECLS
