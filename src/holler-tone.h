/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Signal power of samples at one frequency (Goertzel), normalised so a full
 * scale sine at exactly freq gives about 0.5 (mean square of the sine). */
double holler_tone_goertzel_power (const gint16 *samples,
                                   gsize         n_samples,
                                   guint         rate,
                                   double        freq);

/* Mean square of the samples, normalised to full scale = 1.0. */
double holler_tone_mean_square (const gint16 *samples,
                                gsize         n_samples);

/* Estimate the dominant frequency in [min_hz, max_hz] of a block of samples
 * (a coarse Goertzel scan refined by parabolic interpolation, to within ~2 Hz
 * for a clean tone over 100 ms or more). Returns 0 when the block is silent
 * (mean square below 1e-6). */
double holler_tone_dominant_frequency (const gint16 *samples,
                                       gsize         n_samples,
                                       guint         rate,
                                       double        min_hz,
                                       double        max_hz);

/* Read a 16-bit PCM WAV file (WAVE_FORMAT_PCM, any rate, 1 or 2 channels;
 * stereo is mixed down). Fails with a GError for anything else. */
gboolean holler_wav_read (const char  *path,
                          gint16     **samples_out,
                          gsize       *n_samples_out,
                          guint       *rate_out,
                          GError     **error);

G_END_DECLS
