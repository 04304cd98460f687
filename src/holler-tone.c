/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Measuring tones in decoded audio: what the media pipeline reports once a
 * second and what the tests use to show that audio really arrived. */
#define G_LOG_DOMAIN "holler-tone"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>
#include <gst/fft/gstfftf32.h>
#include "holler-tone.h"
#include "holler-error.h"

#define SILENCE_MEAN_SQUARE 1e-6
/* Step of the coarse frequency scan. The scan runs over segments whose
 * Goertzel main lobe is four steps wide (rate / (2 * step) samples, 100 ms
 * at 48 kHz), so it cannot step over a tone and the peak's two neighbours
 * stay on the main lobe. About 800 steps over 4800 samples: 2 ms. */
#define COARSE_STEP_HZ 5.0
#define GOERTZEL_LANES 8

#define WAVE_FORMAT_PCM 0x0001
#define WAVE_FORMAT_EXTENSIBLE 0xfffe

/* KSDATAFORMAT_SUBTYPE_PCM, the sub-format of an extensible PCM fmt chunk */
static const guint8 subtype_pcm[16] = {
  0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00,
  0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
};

typedef struct {
  guint format;
  guint channels;
  guint rate;
  guint bits;
} WavFormat;

/* Goertzel at up to GOERTZEL_LANES frequencies in one pass: each filter is
 * a chain of dependent multiply-adds, so running several side by side
 * costs little more than one and makes the scan several times faster. */
static void
goertzel_lanes (const gint16 *samples, gsize n, guint rate, const double *freqs, guint count, double *powers)
{
  double coeff[GOERTZEL_LANES] = { 0 }, s1[GOERTZEL_LANES] = { 0 }, s2[GOERTZEL_LANES] = { 0 };

  g_assert (count <= GOERTZEL_LANES);
  for (guint j = 0; j < count; j++)
    coeff[j] = 2 * cos (2 * G_PI * freqs[j] / rate);
  for (gsize i = 0; i < n; i++)
    {
      double x = samples[i] / 32768.0;

      /* all lanes, used or not, so the compiler can unroll this */
      for (guint j = 0; j < GOERTZEL_LANES; j++)
        {
          double s0 = x + coeff[j] * s1[j] - s2[j];

          s2[j] = s1[j];
          s1[j] = s0;
        }
    }
  /* |X(f)|² is (A·n/2)² for a sine of amplitude A; scale it to A²/2 */
  for (guint j = 0; j < count; j++)
    powers[j] = 2 * (s1[j] * s1[j] + s2[j] * s2[j] - coeff[j] * s1[j] * s2[j]) / ((double) n * n);
}

/* The frequency in [from, to], stepping by @step, with the most power
 * summed over consecutive segments of @segment samples: the resolution of
 * one segment at the cost of a scan over all of them. */
static double
scan (const gint16 *samples, gsize n, gsize segment, guint rate, double from, double to, double step)
{
  double best_hz = from, best = -1;
  guint steps;

  if (!(to >= from))
    return from;
  /* counting steps rather than adding them up keeps the grid exact */
  steps = (guint) floor ((to - from) / step + 1e-9) + 1;
  for (guint k = 0; k < steps; k += GOERTZEL_LANES)
    {
      guint count = MIN (GOERTZEL_LANES, steps - k);
      double freqs[GOERTZEL_LANES], sums[GOERTZEL_LANES] = { 0 }, powers[GOERTZEL_LANES];

      for (guint j = 0; j < count; j++)
        freqs[j] = from + (k + j) * step;
      for (gsize start = 0; start + segment <= n; start += segment)
        {
          goertzel_lanes (samples + start, segment, rate, freqs, count, powers);
          for (guint j = 0; j < count; j++)
            sums[j] += powers[j];
        }
      for (guint j = 0; j < count; j++)
        if (sums[j] > best)
          best = sums[j], best_hz = freqs[j];
    }
  return best_hz;
}

static guint16
le16 (const guint8 *p)
{
  return p[0] | (p[1] << 8);
}

static guint32
le32 (const guint8 *p)
{
  return p[0] | (p[1] << 8) | (p[2] << 16) | ((guint32) p[3] << 24);
}

static gboolean G_GNUC_PRINTF (2, 3)
format_error (GError **error, const char *format, ...)
{
  va_list args;
  g_autofree char *text = NULL;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_FAILED, text);
  return FALSE;
}

static gboolean
parse_fmt (const guint8 *body, gsize size, WavFormat *fmt, const char *name, GError **error)
{
  fmt->format = le16 (body);
  fmt->channels = le16 (body + 2);
  fmt->rate = le32 (body + 4);
  fmt->bits = le16 (body + 14);
  /* ffmpeg and sox may say "extensible" even for plain PCM */
  if (fmt->format == WAVE_FORMAT_EXTENSIBLE && size >= 40 && memcmp (body + 24, subtype_pcm, 16) == 0)
    fmt->format = WAVE_FORMAT_PCM;
  if (fmt->format != WAVE_FORMAT_PCM || fmt->bits != 16 || fmt->channels < 1 || fmt->channels > 2
      || fmt->rate == 0)
    return format_error (error, _("%s is not 16-bit PCM mono or stereo (format tag 0x%04x, %u bits, %u channel(s), %u Hz)"),
                         name, fmt->format, fmt->bits, fmt->channels, fmt->rate);
  return TRUE;
}

static gint16 *
mix_down (const guint8 *data, gsize frames, guint channels)
{
  /* never NULL, even for a header-only file */
  gint16 *samples = g_new (gint16, MAX (frames, 1));

  for (gsize i = 0; i < frames; i++)
    {
      int sum = 0;

      for (guint c = 0; c < channels; c++)
        sum += (gint16) le16 (data + 2 * (i * channels + c));
      samples[i] = sum / (int) channels;
    }
  return samples;
}

double
holler_tone_goertzel_power (const gint16 *samples, gsize n_samples, guint rate, double freq)
{
  double power;

  if (n_samples == 0 || rate == 0)
    return 0;
  goertzel_lanes (samples, n_samples, rate, &freq, 1, &power);
  return power;
}

double
holler_tone_mean_square (const gint16 *samples, gsize n_samples)
{
  double sum = 0;

  if (n_samples == 0)
    return 0;
  for (gsize i = 0; i < n_samples; i++)
    {
      double x = samples[i] / 32768.0;

      sum += x * x;
    }
  return sum / n_samples;
}

/* The coarse peak from one FFT of the block (even lengths only): the bin
 * with the most power in [min_hz, max_hz]. Its resolution is rate / n,
 * so the true peak is within half a bin; ~50× cheaper than the Goertzel
 * scan, which matters when a service analyses a hundred calls. */
static gboolean
fft_peak (const gint16 *samples, gsize n, guint rate, double min_hz, double max_hz, double *peak_hz)
{
  g_autofree gfloat *data = NULL;
  g_autofree GstFFTF32Complex *freq = NULL;
  GstFFTF32 *fft;
  gsize first, last, best = 0;
  double best_power = -1;

  if (n % 2 != 0 || n < 64 || n > (1 << 20))
    return FALSE;
  first = (gsize) ceil (min_hz * n / rate);
  last = MIN ((gsize) floor (max_hz * n / rate), n / 2);
  if (first > last)
    return FALSE;
  data = g_new (gfloat, n);
  freq = g_new (GstFFTF32Complex, n / 2 + 1);
  for (gsize i = 0; i < n; i++)
    data[i] = samples[i] / 32768.0f;
  fft = gst_fft_f32_new ((gint) n, FALSE);
  gst_fft_f32_fft (fft, data, freq);
  gst_fft_f32_free (fft);
  for (gsize k = first; k <= last; k++)
    {
      double power = (double) freq[k].r * freq[k].r + (double) freq[k].i * freq[k].i;

      if (power > best_power)
        best_power = power, best = k;
    }
  *peak_hz = (double) best * rate / n;
  return TRUE;
}

double
holler_tone_dominant_frequency (const gint16 *samples, gsize n_samples, guint rate, double min_hz, double max_hz)
{
  gsize segment;
  double fine, best_hz, lo, mid, hi, denom, shift = 0;

  if (n_samples == 0 || rate == 0 || !(min_hz <= max_hz)
      || holler_tone_mean_square (samples, n_samples) < SILENCE_MEAN_SQUARE)
    return 0;
  /* above half the rate is aliasing, below 0 a mirror image */
  min_hz = MAX (min_hz, 0);
  max_hz = MIN (max_hz, rate / 2.0);
  if (min_hz > max_hz)
    return 0;

  if (fft_peak (samples, n_samples, rate, min_hz, max_hz, &best_hz))
    {
      /* within half a bin: rescan a bin either side at half-bin steps */
      double bin = (double) rate / n_samples;

      best_hz = scan (samples, n_samples, n_samples, rate, MAX (min_hz, best_hz - bin),
                      MIN (max_hz, best_hz + bin), bin / 2);
      fine = bin / 2;
      goto refine;
    }
  segment = CLAMP ((gsize) (rate / (2 * COARSE_STEP_HZ)), 1, n_samples);
  best_hz = scan (samples, n_samples, segment, rate, min_hz, max_hz, COARSE_STEP_HZ);

  /* The whole block resolves finer: rescan around the coarse peak in half
   * its main lobe (a single step when the block is one segment long). */
  fine = MIN (COARSE_STEP_HZ, rate / (2.0 * n_samples));
  if (fine < COARSE_STEP_HZ)
    best_hz = scan (samples, n_samples, n_samples, rate, MAX (min_hz, best_hz - COARSE_STEP_HZ + fine),
                    MIN (max_hz, best_hz + COARSE_STEP_HZ - fine), fine);

refine:
  /* Parabola through the peak and its neighbours: on magnitudes rather
   * than powers, as those are closer to a parabola near the peak. */
  lo = sqrt (holler_tone_goertzel_power (samples, n_samples, rate, best_hz - fine));
  mid = sqrt (holler_tone_goertzel_power (samples, n_samples, rate, best_hz));
  hi = sqrt (holler_tone_goertzel_power (samples, n_samples, rate, best_hz + fine));
  denom = lo - 2 * mid + hi;
  if (denom < 0 && mid >= lo && mid >= hi)
    shift = 0.5 * (lo - hi) / denom;
  return CLAMP (best_hz + shift * fine, min_hz, max_hz);
}

gboolean
holler_wav_read (const char *path, gint16 **samples_out, gsize *n_samples_out, guint *rate_out, GError **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *name = NULL;
  const guint8 *data;
  gsize len = 0, pos = 12;
  WavFormat fmt = { 0 };
  gboolean have_fmt = FALSE;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (samples_out != NULL && n_samples_out != NULL && rate_out != NULL, FALSE);

  if (!g_file_get_contents (path, &contents, &len, error))
    return FALSE;
  data = (const guint8 *) contents;
  name = g_filename_display_name (path);
  if (len < 12 || memcmp (data, "RIFF", 4) != 0 || memcmp (data + 8, "WAVE", 4) != 0)
    return format_error (error, _("%s is not a WAV file"), name);

  /* The RIFF size is not checked: a killed writer leaves it 0. */
  while (pos + 8 <= len)
    {
      const guint8 *body = data + pos + 8;
      guint32 size = le32 (data + pos + 4);
      gsize avail = len - pos - 8;

      if (memcmp (data + pos, "fmt ", 4) == 0)
        {
          if (size < 16 || avail < 16)
            return format_error (error, _("%s has a short fmt chunk"), name);
          if (!parse_fmt (body, MIN (size, avail), &fmt, name, error))
            return FALSE;
          have_fmt = TRUE;
        }
      else if (memcmp (data + pos, "data", 4) == 0)
        {
          /* A killed writer leaves the size 0 (or 0xffffffff while
           * streaming): take what is there. */
          gsize bytes = size == 0 || size > avail ? avail : size;

          if (!have_fmt)
            return format_error (error, _("%s has no fmt chunk before its data"), name);
          *n_samples_out = bytes / (2 * fmt.channels);
          *samples_out = mix_down (body, *n_samples_out, fmt.channels);
          *rate_out = fmt.rate;
          return TRUE;
        }
      if (size > avail)
        break;
      /* chunks are padded to an even size */
      pos += 8 + (gsize) size + (size & 1);
    }
  return format_error (error, _("%s has no audio data"), name);
}
