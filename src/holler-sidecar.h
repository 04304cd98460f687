/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "holler-daemon.h"

G_BEGIN_DECLS

/* The JSON file next to a call's recording: who called, when, for how
 * long, why it ended, why the recording stopped early if it did
 * ("recording_error"), and its statistics. Written (atomically: a failed
 * write keeps the last good version) when the call starts, when its
 * recording fails and when it has ended, so a killed daemon still leaves
 * one that names the caller. The final version goes into room set aside
 * at the first write (a hidden .NAME.json.reserve file), so it is written
 * even when the disk has filled up meanwhile. */
gboolean holler_sidecar_write (const HollerDaemonCall *dc, gboolean ended, GError **error);

G_END_DECLS
