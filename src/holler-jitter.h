/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How long the receive jitter buffer holds packets. A fixed buffer large
 * enough for a bad path (the old 60 ms) is most of the mouth-to-ear delay
 * on a good one, so it starts small and follows the path instead:
 *   - up at once to cover the measured interarrival jitter (4 × RFC 3550 J,
 *     about the 99th percentile of a normal spread, plus 5 ms of
 *     scheduling slack);
 *   - up by one packet (20 ms) more whenever packets arrived after their
 *     play-out deadline (each was concealed);
 *   - down by 10 ms at most every 10 s, and only after 20 s without a late
 *     packet: shrinking drops audio, so it is done rarely and in small steps.
 * Pure logic, no GStreamer: the caller reads the counters and applies
 * latency_ms (rtpjitterbuffer "latency"). */
typedef struct {
  guint   min_ms;
  guint   max_ms;
  guint   latency_ms;
  guint64 late_seen;            /* late packets counted so far */
  gint64  last_late_us;         /* when late packets were last seen, or the start */
  gint64  last_change_us;
} HollerJitterControl;

#define HOLLER_JITTER_MIN_MS 20
#define HOLLER_JITTER_MAX_MS 250

/* min_ms == max_ms: a fixed buffer. */
void     holler_jitter_control_init   (HollerJitterControl *control, guint min_ms, guint max_ms, gint64 now_us);
/* @jitter_ms: RFC 3550 interarrival jitter; @late_total: packets that came
 * after their deadline since the start. TRUE when latency_ms changed. */
gboolean holler_jitter_control_update (HollerJitterControl *control, double jitter_ms, guint64 late_total,
                                       gint64 now_us);

G_END_DECLS
