/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* holler-wav-tone FILE.wav HZ: how much of a recording carries a tone.
 * Prints one JSON object: {"seconds":S,"share":F,"dominant_hz":D}, where
 * share is the fraction of 100 ms blocks in which HZ carries most (> 50 %)
 * of the block's power, and dominant_hz the median dominant frequency of
 * the non-silent blocks. Exit 0, or 2 when the file cannot be read. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include "holler-tone.h"

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

int
main (int argc, char **argv)
{
  g_autofree gint16 *samples = NULL;
  g_autofree double *dominant = NULL;
  g_autoptr(GError) error = NULL;
  gsize n = 0, blocks = 0, hits = 0, voiced = 0, block;
  guint rate = 0;
  double hz;

  if (argc != 3 || (hz = g_ascii_strtod (argv[2], NULL)) <= 0)
    {
      fprintf (stderr, "usage: holler-wav-tone FILE.wav HZ\n");
      return 2;
    }
  if (!holler_wav_read (argv[1], &samples, &n, &rate, &error))
    {
      fprintf (stderr, "holler-wav-tone: %s\n", error->message);
      return 2;
    }
  block = rate / 10;
  dominant = g_new0 (double, n / (block ? block : 1) + 1);
  for (gsize off = 0; block > 0 && off + block <= n; off += block)
    {
      double ms = holler_tone_mean_square (samples + off, block);

      blocks++;
      if (ms < 1e-6)
        continue;
      if (holler_tone_goertzel_power (samples + off, block, rate, hz) / ms > 0.5)
        hits++;
      dominant[voiced++] = holler_tone_dominant_frequency (samples + off, block, rate, 100, 4000);
    }
  qsort (dominant, voiced, sizeof *dominant, compare_double);
  printf ("{\"seconds\":%.3f,\"share\":%.4f,\"dominant_hz\":%.1f}\n", rate ? (double) n / rate : 0.0,
          blocks ? (double) hits / blocks : 0.0, voiced ? dominant[voiced / 2] : 0.0);
  return 0;
}
