/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"
#include <math.h>
#include "holler-jitter.h"

#define LATE_STEP_MS 20          /* one Opus frame */
#define SHRINK_STEP_MS 10
#define SHRINK_QUIET_US (20 * G_USEC_PER_SEC)
#define SHRINK_EVERY_US (10 * G_USEC_PER_SEC)

void
holler_jitter_control_init (HollerJitterControl *control, guint min_ms, guint max_ms, gint64 now_us)
{
  control->min_ms = min_ms;
  control->max_ms = MAX (min_ms, max_ms);
  control->latency_ms = min_ms;
  control->late_seen = 0;
  control->last_late_us = now_us;
  control->last_change_us = now_us;
}

gboolean
holler_jitter_control_update (HollerJitterControl *control, double jitter_ms, guint64 late_total, gint64 now_us)
{
  guint want, next = control->latency_ms;

  if (!isfinite (jitter_ms) || jitter_ms < 0)
    jitter_ms = 0;
  want = (guint) MIN (ceil (4 * jitter_ms + 5), (double) control->max_ms);
  want = CLAMP (want, control->min_ms, control->max_ms);

  if (late_total > control->late_seen)
    {
      next = MAX (next, want) + LATE_STEP_MS;
      control->last_late_us = now_us;
    }
  else if (want > next)
    next = want;
  else if (want < next && now_us - control->last_late_us >= SHRINK_QUIET_US
           && now_us - control->last_change_us >= SHRINK_EVERY_US)
    next = MAX (want, next - MIN (next, SHRINK_STEP_MS));
  control->late_seen = late_total;

  next = CLAMP (next, control->min_ms, control->max_ms);
  if (next == control->latency_ms)
    return FALSE;
  control->latency_ms = next;
  control->last_change_us = now_us;
  return TRUE;
}
