/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>
#include "holler-message.h"
#include "holler-options.h"
#include "holler-media.h"
#include "holler-ice.h"
#include "holler-call-event.h"
#include "signaling/holler-signaling.h"

G_BEGIN_DECLS

typedef enum {
  HOLLER_CALL_STATE_NEW,
  HOLLER_CALL_STATE_OFFERING,     /* outgoing: offer sent, waiting for the answer */
  HOLLER_CALL_STATE_RINGING,      /* incoming: offer received, not answered yet */
  HOLLER_CALL_STATE_CONNECTING,   /* ICE checks and DTLS handshake */
  HOLLER_CALL_STATE_ACTIVE,       /* media flowing */
  HOLLER_CALL_STATE_ENDED,
} HollerCallState;

const char *holler_call_state_to_string (HollerCallState state);

#define HOLLER_TYPE_CALL (holler_call_get_type ())
G_DECLARE_FINAL_TYPE (HollerCall, holler_call, HOLLER, CALL, GObject)

/* One call: owns its transport (ICE, DTLS, SRTP: HollerTransport) and media pipelines.
 * Messages from the signaling backend are handed in by its owner with
 * holler_call_handle_message(); the call sends through the backend.
 *
 * What the call learns goes out as events; it never prints anything.
 * Signals:
 *   "event" (const HollerCallEvent *event)  everything: state, pair, DTLS,
 *                 first audio, level, DTMF, ICE restart, warnings, stats,
 *                 end (holler-call-event.h); subscribe before starting
 *   "state-changed" (guint state)  the same as a "state" event, for
 *                 owners that only follow the state
 *   "ended"  ()   after the "ended" event: media stopped, files closed;
 *                 see holler_call_get_end_reason() and holler_call_failed()
 */
/* @peer: the callee's id on a routed backend (put in "to"), or NULL */
HollerCall *holler_call_new_outgoing (HollerSignaling *signaling, const char *peer,
                                      const HollerCallOptions *options, const char *label);
/* Parses the offer; NULL with HOLLER_ERROR_INVALID_SDP when it is unusable.
 * The call is "new" until holler_call_ring(). */
HollerCall *holler_call_new_incoming (HollerSignaling *signaling, const HollerMessage *offer,
                                      const HollerCallOptions *options, const char *label,
                                      GError **error);
/* Incoming: rings (state "ringing"), waiting for holler_call_answer() or
 * a hangup; the connect timeout runs from here. */
void     holler_call_ring   (HollerCall *self);

/* Outgoing: gather and send the offer. */
gboolean holler_call_start  (HollerCall *self, GError **error);
/* Incoming: send the answer and connect. */
gboolean holler_call_answer (HollerCall *self, GError **error);
void     holler_call_handle_message   (HollerCall *self, const HollerMessage *msg);
void     holler_call_signaling_closed (HollerCall *self, const GError *error);
/* Ends the call as failed, the reason from the error's code (e.g.
 * HOLLER_ERROR_INVALID_SDP → "bad-sdp"), sending bye with it. */
void     holler_call_fail (HollerCall *self, const GError *error);
/* Ends the call with a reason ("hangup", "rejected", ...), sending bye. */
void     holler_call_hangup (HollerCall *self, const char *reason);
/* An active call moves to a new ICE session (new credentials, fresh
 * candidates) without a new DTLS handshake. The call does this by itself
 * when its address goes away or consent is lost. */
void     holler_call_restart_ice (HollerCall *self);
/* Sends silence instead of the input (before or during media). */
void     holler_call_set_muted (HollerCall *self, gboolean muted);
gboolean holler_call_get_muted (HollerCall *self);
/* Sends DTMF digits (0-9 * # A-D) as RFC 4733 telephone-events in the
 * audio stream, queued after any still playing. Fails with
 * HOLLER_ERROR_MEDIA when the peer did not negotiate telephone-event/48000,
 * HOLLER_ERROR_USAGE for bad digits, HOLLER_ERROR_FAILED when the call is
 * not active. Received digits are reported as "dtmf" events. */
gboolean holler_call_send_dtmf (HollerCall *self, const char *digits, GError **error);
/* The last digits received (up to 16, oldest first), "" when none */
const char *holler_call_get_dtmf_received (HollerCall *self);
/* Emits a "stats" event (final FALSE) every @interval_ms while the call is
 * active, for front ends that show live numbers; 0 stops them. */
void     holler_call_set_stats_interval (HollerCall *self, guint interval_ms);
/* How many ICE restarts completed */
guint    holler_call_get_ice_restarts (HollerCall *self);

HollerCallState holler_call_get_state      (HollerCall *self);
const char     *holler_call_get_end_reason (HollerCall *self);
gboolean        holler_call_failed         (HollerCall *self);
gboolean        holler_call_get_media_stats (HollerCall *self, HollerMediaStats *stats);
gboolean        holler_call_get_selected_pair (HollerCall *self, HollerIcePair *pair);
const char     *holler_call_get_label      (HollerCall *self);
/* The peer's id on a routed backend, NULL otherwise */
const char     *holler_call_get_peer       (HollerCall *self);

G_END_DECLS
