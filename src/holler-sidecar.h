/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "holler-daemon.h"

G_BEGIN_DECLS

/* The JSON file next to a call's recording: who called, when, for how
 * long, why it ended, and its statistics. Written (atomically) when the
 * call starts and again when it has ended, so a killed daemon still
 * leaves one that names the caller. */
gboolean holler_sidecar_write (const HollerDaemonCall *dc, gboolean ended, GError **error);

G_END_DECLS
