/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "holler-reporter.h"
#include "holler-ice.h"
#include "holler-media.h"
#include "holler-srtp.h"

G_BEGIN_DECLS

/* "selected-pair": both candidates' types and addresses */
void holler_call_report_pair  (HollerReporter *reporter, const char *label, const HollerIcePair *pair);
/* "stats": packets, bytes, loss, jitter, SRTP failures, received tone */
void holler_call_report_stats (HollerReporter *reporter, const char *label, const HollerMediaStats *stats,
                               const HollerSrtpStats *srtp);

/* "warning" with "recording_error": the recording stopped, the call goes on */
void holler_call_report_recording_failed (HollerReporter *reporter, const char *label, const GError *error);

/* Appends one line with the call's SRTP keys to @path (NULL: nothing);
 * debugging only: anyone with the file can decrypt the call. */
void holler_call_write_keylog (const char *path, const char *label, const HollerSrtpKeys *keys);

G_END_DECLS
