/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>
#include "holler-call.h"
#include "holler-reporter.h"

G_BEGIN_DECLS

#define HOLLER_TYPE_RUNNER (holler_runner_get_type ())
G_DECLARE_FINAL_TYPE (HollerRunner, holler_runner, HOLLER, RUNNER, GObject)

/* One peer on one signaling channel with at most one call: places it
 * (outgoing) or waits for an offer and answers it (incoming), routes the
 * channel's messages to the call and emits "finished" when the call is over
 * or could not happen; "incoming" when an offer rings and auto-answer is off;
 * "call-created" (HollerCall *call) when it makes its call, before the call
 * starts or rings, so a front end can follow the call's "event" signal. */
/* @peer: outgoing, the callee's id on a routed backend; NULL otherwise */
HollerRunner *holler_runner_new (HollerSignaling *signaling, const HollerCallOptions *options,
                                 HollerReporter *reporter, const char *label, gboolean outgoing,
                                 const char *peer);
gboolean      holler_runner_start (HollerRunner *self, GError **error);
/* For a ringing incoming call (after "incoming" when not auto-answering) */
void          holler_runner_answer (HollerRunner *self);
void          holler_runner_reject (HollerRunner *self);
/* Hang up the call, or give up waiting for one. */
void          holler_runner_stop  (HollerRunner *self);
/* 0 when the call ended normally, 1 when it failed or never happened */
int           holler_runner_get_exit_status (HollerRunner *self);
HollerCall   *holler_runner_get_call (HollerRunner *self);
gboolean      holler_runner_is_finished (HollerRunner *self);

G_END_DECLS
