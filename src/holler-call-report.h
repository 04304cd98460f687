/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "holler-reporter.h"
#include "holler-call.h"
#include "holler-srtp.h"

G_BEGIN_DECLS

/* Prints every event of @call through @reporter (human lines or --json
 * objects, "peer" set to the call's label) for as long as the call lives.
 * Periodic statistics are left out: only the final "stats" is printed. */
void holler_call_report_follow (HollerCall *call, HollerReporter *reporter);

/* Appends one line with the call's SRTP keys to @path (NULL: nothing);
 * debugging only: anyone with the file can decrypt the call. */
void holler_call_write_keylog (const char *path, const char *label, const HollerSrtpKeys *keys);

G_END_DECLS
