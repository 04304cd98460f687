/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How the Opus encoder follows the loss the peer reports (RTCP receiver
 * reports, fraction lost), as browsers' audio network adaptors do:
 *   - packet-loss-percentage: the reported loss, rounded up, at most 30 %
 *     (the encoder's FEC is tuned by it; beyond ~30 % FEC cannot keep up
 *     and only costs bits);
 *   - in-band FEC: on from the first report with loss (≥ 1 %), off again
 *     after 3 reports in a row without loss (~15 s of reports: bursty
 *     loss comes back);
 *   - bitrate: 32 kbit/s, plus 0.5 kbit/s per percent of loss while FEC is
 *     on (the redundant copy of the previous frame needs room), so 32–47
 *     kbit/s.
 * Until the first report the encoder keeps its start-up settings (5 %,
 * FEC on, 32 kbit/s): nothing is known about the path. Pure logic: the
 * caller applies the settings to opusenc. */
typedef struct {
  guint loss_percent;           /* opusenc packet-loss-percentage */
  gboolean fec;                 /* opusenc inband-fec */
  guint bitrate;                /* opusenc bitrate, bit/s */
  guint clean_reports;          /* reports without loss in a row */
} HollerOpusAdapt;

#define HOLLER_OPUS_START_LOSS_PERCENT 5
#define HOLLER_OPUS_BASE_BITRATE 32000
#define HOLLER_OPUS_MAX_LOSS_PERCENT 30

void     holler_opus_adapt_init   (HollerOpusAdapt *adapt);
/* One report's fraction lost (0..1). TRUE when a setting changed. */
gboolean holler_opus_adapt_report (HollerOpusAdapt *adapt, double fraction_lost);

G_END_DECLS
