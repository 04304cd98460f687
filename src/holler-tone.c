/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Measuring tones in decoded audio: what the demo and the tests use to
 * show that audio really arrived. */
#include "config.h"
#include <math.h>
#include <string.h>
#include <glib/gi18n.h>
#include "holler-tone.h"
#include "holler-error.h"

double
holler_tone_goertzel_power (const gint16 *samples, gsize n, guint rate, double freq)
{
  double w = 2 * G_PI * freq / rate, coeff = 2 * cos (w);
  double s1 = 0, s2 = 0;

  if (n == 0)
    return 0;
  for (gsize i = 0; i < n; i++)
    {
      double s0 = samples[i] / 32768.0 + coeff * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
  /* |X(f)|² scaled so a full-scale sine gives its mean square, 0.5 */
  return 2 * (s1 * s1 + s2 * s2 - coeff * s1 * s2) / ((double) n * n);
}

double
holler_tone_mean_square (const gint16 *samples, gsize n)
{
  double sum = 0;

  if (n == 0)
    return 0;
  for (gsize i = 0; i < n; i++)
    sum += (samples[i] / 32768.0) * (samples[i] / 32768.0);
  return sum / n;
}

double
holler_tone_dominant_frequency (const gint16 *samples, gsize n, guint rate, double min_hz, double max_hz)
{
  const double step = 5.0;
  double best_hz = 0, best = -1, lo, hi, mid, denom, shift;

  if (n == 0 || holler_tone_mean_square (samples, n) < 1e-6)
    return 0;
  for (double f = min_hz; f <= max_hz; f += step)
    {
      double p = holler_tone_goertzel_power (samples, n, rate, f);
      if (p > best)
        best = p, best_hz = f;
    }
  /* the peak is within ±step: refine in 1 Hz steps, then interpolate */
  for (double f = best_hz - step; f <= best_hz + step; f += 1.0)
    {
      double p = holler_tone_goertzel_power (samples, n, rate, f);
      if (p > best)
        best = p, best_hz = f;
    }
  lo = holler_tone_goertzel_power (samples, n, rate, best_hz - 1);
  mid = best;
  hi = holler_tone_goertzel_power (samples, n, rate, best_hz + 1);
  denom = lo - 2 * mid + hi;
  shift = denom != 0 ? 0.5 * (lo - hi) / denom : 0;
  return best_hz + CLAMP (shift, -0.5, 0.5);
}

static guint32
le32 (const guint8 *p)
{
  return p[0] | (p[1] << 8) | (p[2] << 16) | ((guint32) p[3] << 24);
}

static guint16
le16 (const guint8 *p)
{
  return p[0] | (p[1] << 8);
}

gboolean
holler_wav_read (const char *path, gint16 **samples_out, gsize *n_out, guint *rate_out, GError **error)
{
  g_autofree guint8 *data = NULL;
  gsize len = 0, pos = 12;
  guint channels = 0, bits = 0, format = 0, rate = 0;
  gboolean have_fmt = FALSE;

  if (!g_file_get_contents (path, (char **) &data, &len, error))
    return FALSE;
  if (len < 12 || memcmp (data, "RIFF", 4) != 0 || memcmp (data + 8, "WAVE", 4) != 0)
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_FAILED, _("%s is not a WAV file"), path);
      return FALSE;
    }
  while (pos + 8 <= len)
    {
      guint32 size = le32 (data + pos + 4);
      const guint8 *body = data + pos + 8;
      gsize avail = len - pos - 8;

      if (memcmp (data + pos, "fmt ", 4) == 0 && size >= 16 && avail >= 16)
        {
          format = le16 (body);
          channels = le16 (body + 2);
          rate = le32 (body + 4);
          bits = le16 (body + 14);
          have_fmt = TRUE;
        }
      else if (memcmp (data + pos, "data", 4) == 0)
        {
          gsize bytes = size == 0 || size > avail ? avail : size;   /* a killed writer leaves 0 or junk */
          gsize frames;

          if (!have_fmt || format != 1 || bits != 16 || channels < 1 || channels > 2 || rate == 0)
            {
              g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_FAILED,
                           _("%s is not 16-bit PCM mono or stereo"), path);
              return FALSE;
            }
          frames = bytes / (2 * channels);
          *samples_out = g_new (gint16, MAX (frames, 1));
          for (gsize i = 0; i < frames; i++)
            {
              int sum = 0;
              for (guint c = 0; c < channels; c++)
                sum += (gint16) le16 (body + 2 * (i * channels + c));
              (*samples_out)[i] = sum / (int) channels;
            }
          *n_out = frames;
          *rate_out = rate;
          return TRUE;
        }
      if (size > avail)
        break;
      pos += 8 + size + (size & 1);
    }
  g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_FAILED, _("%s has no audio data"), path);
  return FALSE;
}
