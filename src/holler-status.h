/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>
#include "holler-runner.h"
#include "holler-reporter.h"

G_BEGIN_DECLS

#define HOLLER_TYPE_STATUS (holler_status_get_type ())
G_DECLARE_FINAL_TYPE (HollerStatus, holler_status, HOLLER, STATUS, GObject)

/* The interactive terminal of `holler call` and `holler listen` when stderr
 * is a terminal: a status line on stderr redrawn in place five times a
 * second (state, peer, selected pair, loss, jitter, received bitrate, input
 * and output levels), kept below the reporter's log lines, and single keys
 * from the controlling terminal (/dev/tty, non-canonical, no echo):
 * a answer, r reject, m mute/unmute, h hang up, 0-9 * # send a DTMF
 * digit, ? help. The status line also shows the last DTMF digits received.
 * The terminal's settings are restored by holler_status_stop(), on
 * disposal, and at exit. */
HollerStatus *holler_status_new   (HollerRunner *runner, HollerReporter *reporter);
/* Opens /dev/tty and switches it to single keys; FALSE when there is no
 * controlling terminal (nothing is changed then). */
gboolean      holler_status_start (HollerStatus *self, GError **error);
/* Clears the status line and restores the terminal; safe to call twice. */
void          holler_status_stop  (HollerStatus *self);

G_END_DECLS
