/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include "holler-ice.h"
#include "holler-media.h"
#include "holler-srtp.h"

G_BEGIN_DECLS

/* Everything a call learns and tells upward, as one typed event on its
 * "event" signal (docs/architecture.md, "Events"). Front ends subscribe:
 * the terminal/JSON reporter, the status line, the D-Bus call objects,
 * the recordings' sidecars. The call never knows how it is shown.
 *
 * The JSON name of each type (holler_call_event_name()) is the "event"
 * member of `--json` output; its fields come from
 * holler_call_event_to_json(), the only encoder, used by `call`, `listen`
 * and the answering service alike. */
typedef enum {
  HOLLER_CALL_EVENT_STATE,          /* "state": the state machine moved */
  HOLLER_CALL_EVENT_RINGING,        /* "ringing": the callee rings (outgoing) */
  HOLLER_CALL_EVENT_SELECTED_PAIR,  /* "selected-pair": ICE chose (or changed) the path */
  HOLLER_CALL_EVENT_DTLS,           /* "dtls": handshake done, fingerprint verified */
  HOLLER_CALL_EVENT_PEER,           /* "peer": the peer's key against the known peers, and the SAS */
  HOLLER_CALL_EVENT_FIRST_AUDIO,    /* "first-audio": the first remote audio decoded */
  HOLLER_CALL_EVENT_LEVEL,          /* "level": received tone and level, once a second */
  HOLLER_CALL_EVENT_ENCODER,        /* "encoder": Opus adapted to the loss the peer reports */
  HOLLER_CALL_EVENT_DTMF,           /* "dtmf": one digit received */
  HOLLER_CALL_EVENT_DTMF_SENT,      /* "dtmf-sent": digits queued to send */
  HOLLER_CALL_EVENT_ICE_RESTART,    /* "ice-restart": started or done */
  HOLLER_CALL_EVENT_WARNING,        /* "warning": something went wrong, the call goes on */
  HOLLER_CALL_EVENT_ENDING,         /* "error" (failed) or "info": why the call ends */
  HOLLER_CALL_EVENT_STATS,          /* "stats": counters; final once at the end, or periodic */
  HOLLER_CALL_EVENT_ENDED,          /* "ended": media stopped, files closed */
} HollerCallEventType;

/* Pointers are borrowed: valid during the emission only. */
typedef struct {
  HollerCallEventType type;
  gint64 time;                      /* g_get_monotonic_time() when it happened */
  union {
    struct { guint state; } state;                       /* a HollerCallState */
    struct { const char *peer; } ringing;                /* NULL when not known */
    HollerIcePair pair;
    struct { gboolean client; const char *cipher; const char *srtp_profile; } dtls;
    /* status: new, known, verified, changed or unchecked (no id, no file);
     * pinned: the fingerprint known before, when it changed; sas: the
     * short authentication string "123 456", NULL if it could not be made */
    struct { const char *status; const char *id; const char *fingerprint; const char *pinned;
             const char *sas; } peer;
    struct { gint64 call_start; } first_audio;           /* monotonic; the audio's time is @time */
    struct { double tone_hz; double level_db; } level;
    struct { double fraction_lost; guint loss_percent; gboolean fec; guint bitrate; } encoder;
    struct { char digit; } dtmf;
    struct { const char *digits; } dtmf_sent;
    struct { gboolean done; const char *why; } ice_restart;  /* why: NULL when done */
    /* recording_error: the recording stopped (the message is made from it) */
    struct { const char *message; const char *recording_error; } warning;
    struct { const char *reason; const char *message; gboolean failed; } ending;
    /* rx_kbps: received RTP since the previous "stats" event, < 0 for the first */
    struct { gboolean final; HollerMediaStats media; HollerSrtpStats srtp; double rx_kbps; } stats;
    struct { const char *reason; gboolean failed; } ended;
  };
} HollerCallEvent;

/* "error" for an ending that failed, else fixed per type */
const char *holler_call_event_name (const HollerCallEvent *event);
/* The event's own JSON members (not "event", "peer" and "t_ms", which the
 * reporter adds). @process_start: g_get_monotonic_time() at process start,
 * for "since_start_ms". */
JsonObject *holler_call_event_to_json (const HollerCallEvent *event, gint64 process_start);
/* The translated line for people, or NULL for events not shown as text
 * (the level, periodic statistics). */
char *holler_call_event_describe (const HollerCallEvent *event, gint64 process_start);

G_END_DECLS
