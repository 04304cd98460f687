/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The rule of holler-opus-adapt.h: Opus loss settings from reported loss. */
#define G_LOG_DOMAIN "holler-media"

#include "config.h"
#include <math.h>
#include "holler-opus-adapt.h"

#define FEC_OFF_AFTER 3               /* reports without loss */
#define BITRATE_PER_PERCENT 500       /* bit/s */

void
holler_opus_adapt_init (HollerOpusAdapt *adapt)
{
  adapt->loss_percent = HOLLER_OPUS_START_LOSS_PERCENT;
  adapt->fec = TRUE;
  adapt->bitrate = HOLLER_OPUS_BASE_BITRATE;
  adapt->clean_reports = 0;
}

gboolean
holler_opus_adapt_report (HollerOpusAdapt *adapt, double fraction_lost)
{
  HollerOpusAdapt before = *adapt;
  double percent = CLAMP (fraction_lost, 0.0, 1.0) * 100.0;

  adapt->loss_percent = MIN ((guint) ceil (percent - 1e-9), HOLLER_OPUS_MAX_LOSS_PERCENT);
  if (adapt->loss_percent > 0)
    {
      adapt->fec = TRUE;
      adapt->clean_reports = 0;
    }
  else if (++adapt->clean_reports >= FEC_OFF_AFTER)
    adapt->fec = FALSE;
  adapt->bitrate = HOLLER_OPUS_BASE_BITRATE + (adapt->fec ? adapt->loss_percent * BITRATE_PER_PERCENT : 0);
  return before.loss_percent != adapt->loss_percent || before.fec != adapt->fec
         || before.bitrate != adapt->bitrate;
}
