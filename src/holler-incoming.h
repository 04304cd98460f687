/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "holler-call.h"
#include "holler-reporter.h"

G_BEGIN_DECLS

/* The one path of an incoming call, shared by `holler listen` (one call,
 * holler-runner.c) and the answering service (many, holler-daemon.c), so
 * callers and users are told the same things in the same events. */

/* Refuses the caller of @offer: bye @reason to it ("busy", "rejected" or
 * "bad-sdp") and one event as @who: "busy" or "rejected" (with "from"), or
 * "error" with reason "bad-sdp" and @detail (why the offer is unusable). */
void holler_incoming_refuse (HollerSignaling *signaling, HollerReporter *reporter, const char *who,
                             const HollerMessage *offer, const char *reason, const char *detail);

/* Called with the new call before it rings: connect to it here */
typedef void (*HollerIncomingAdoptFunc) (HollerCall *call, gpointer user_data);

/* A ringing call from @offer, its events printed by @reporter, "incoming"
 * reported and the caller told it rings; NULL when the offer is unusable
 * (refused with bye "bad-sdp", reported as @who). */
HollerCall *holler_incoming_take (HollerSignaling *signaling, const HollerMessage *offer,
                                  const HollerCallOptions *options, HollerReporter *reporter,
                                  const char *who, const char *label,
                                  HollerIncomingAdoptFunc adopt, gpointer user_data);

/* Answers a ringing call; on failure reports "error" and hangs up with
 * "error". Calls that no longer ring are left alone. */
void holler_incoming_answer (HollerCall *call, HollerReporter *reporter);

G_END_DECLS
