/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <gst/gst.h>

G_BEGIN_DECLS

/* RFC 4733 telephone-event: the DTMF digits 0-9 * # A-D are events 0-15. */

/* The event number of a digit (a-d in either case), or -1. */
int      holler_dtmf_event_for_digit (char digit);
/* The digit of an event number, or '\0' for events above 15. */
char     holler_dtmf_digit_for_event (guint event);
/* Non-empty and only 0-9 * # A-D (a-d); HOLLER_ERROR_USAGE otherwise. */
gboolean holler_dtmf_check_digits    (const char *digits, GError **error);

/* One telephone-event packet (RFC 4733 §2.3) */
typedef struct {
  guint32 timestamp;   /* RTP timestamp: the start of the event */
  guint8  event;
  gboolean end;        /* E bit */
  guint8  volume;      /* 0-63, -dBm0 */
  guint16 duration;    /* in RTP timestamp units */
} HollerDtmfEvent;

/* Parses an unprotected RTP packet carrying telephone-event (any PT: the
 * caller matches it); FALSE when it is too short or malformed. */
gboolean holler_dtmf_parse_rtp (const guint8 *rtp, gsize len, HollerDtmfEvent *event);

/* Reports each event once: on its first packet (a new timestamp), whether
 * or not that is an end packet, so the usual three end packets and the
 * updates in between count once. */
typedef struct {
  gboolean have_last;
  guint32 last_timestamp;
  gboolean have_previous;
  guint32 previous_timestamp;   /* a late packet of the event before */
} HollerDtmfReceiver;

/* TRUE when @event starts an event not reported yet */
gboolean holler_dtmf_receiver_is_new (HollerDtmfReceiver *receiver, const HollerDtmfEvent *event);

/* Plays queued digits through an rtpdtmfsrc, one at a time: a start
 * "dtmf-event", HOLLER_DTMF_TONE_MS later the stop, then a pause of
 * HOLLER_DTMF_GAP_MS. rtpdtmfsrc makes every event at least 250 ms long
 * and keeps 100 ms between events (MIN_PULSE_DURATION and
 * MIN_INTER_DIGIT_INTERVAL in its gstdtmfcommon.h): shorter steps merge
 * or lose digits, so these are its minimums. The steps run on the thread-
 * default main context of the caller of holler_dtmf_sender_new(). */
#define HOLLER_DTMF_TONE_MS 250
#define HOLLER_DTMF_GAP_MS  100

typedef struct _HollerDtmfSender HollerDtmfSender;

HollerDtmfSender *holler_dtmf_sender_new   (GstElement *rtpdtmfsrc);
/* @digits must have passed holler_dtmf_check_digits(); they wait for
 * holler_dtmf_sender_start() */
void              holler_dtmf_sender_queue (HollerDtmfSender *sender, const char *digits);
/* The send pipeline plays (it has its clock, which rtpdtmfsrc needs: a
 * source started before fails with "No available clock") */
void              holler_dtmf_sender_start (HollerDtmfSender *sender);
/* Stops at once (an event under way is ended) */
void              holler_dtmf_sender_free  (HollerDtmfSender *sender);

G_END_DECLS
