/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>
#include "holler-tone.h"
#include "holler-error.h"

static gint16 *
sine (gsize n, guint rate, double hz, double amplitude)
{
  gint16 *s = g_new (gint16, n);

  for (gsize i = 0; i < n; i++)
    s[i] = (gint16) (amplitude * 32767 * sin (2 * G_PI * hz * i / rate));
  return s;
}

static void
test_goertzel (void)
{
  g_autofree gint16 *s = sine (4800, 48000, 440, 1.0);

  g_assert_cmpfloat_with_epsilon (holler_tone_goertzel_power (s, 4800, 48000, 440), 0.5, 0.01);
  g_assert_cmpfloat_with_epsilon (holler_tone_mean_square (s, 4800), 0.5, 0.01);
  g_assert_cmpfloat (holler_tone_goertzel_power (s, 4800, 48000, 880), <, 0.001);
  g_assert_cmpfloat (holler_tone_goertzel_power (s, 4800, 48000, 600), <, 0.001);
}

static void
test_dominant (void)
{
  const double freqs[] = { 220, 440, 880, 1000, 1234.5, 3000 };
  const double amps[] = { 0.05, 0.5, 0.99 };

  for (gsize i = 0; i < G_N_ELEMENTS (freqs); i++)
    for (gsize j = 0; j < G_N_ELEMENTS (amps); j++)
      {
        g_autofree gint16 *s = sine (4800, 48000, freqs[i], amps[j]);
        double f = holler_tone_dominant_frequency (s, 4800, 48000, 50, 4000);

        g_assert_cmpfloat_with_epsilon (f, freqs[i], 2.0);
      }
}

static void
test_silence_and_mix (void)
{
  g_autofree gint16 *zero = g_new0 (gint16, 4800);
  g_autofree gint16 *a = sine (4800, 48000, 440, 0.2);
  g_autofree gint16 *b = sine (4800, 48000, 880, 0.6);

  g_assert_cmpfloat (holler_tone_dominant_frequency (zero, 4800, 48000, 50, 4000), ==, 0);
  for (gsize i = 0; i < 4800; i++)
    a[i] += b[i];
  /* the louder of two tones wins */
  g_assert_cmpfloat_with_epsilon (holler_tone_dominant_frequency (a, 4800, 48000, 50, 4000), 880, 2.0);
}

static void
put16 (GByteArray *a, guint16 v)
{
  guint8 b[2] = { v & 0xff, v >> 8 };
  g_byte_array_append (a, b, 2);
}

static void
put32 (GByteArray *a, guint32 v)
{
  guint8 b[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };
  g_byte_array_append (a, b, 4);
}

static char *
write_wav (guint channels, const gint16 *frames, gsize n_values, guint32 data_size_field, gboolean with_list)
{
  g_autoptr(GByteArray) a = g_byte_array_new ();
  char *path = NULL;
  int fd = g_file_open_tmp ("holler-wav-XXXXXX.wav", &path, NULL);

  g_assert_cmpint (fd, >=, 0);
  close (fd);
  g_byte_array_append (a, (const guint8 *) "RIFF", 4);
  put32 (a, 0);
  g_byte_array_append (a, (const guint8 *) "WAVE", 4);
  if (with_list)
    {
      g_byte_array_append (a, (const guint8 *) "LIST", 4);
      put32 (a, 5);
      g_byte_array_append (a, (const guint8 *) "abcde\0", 6);   /* odd size: padded */
    }
  g_byte_array_append (a, (const guint8 *) "fmt ", 4);
  put32 (a, 16);
  put16 (a, 1);
  put16 (a, channels);
  put32 (a, 48000);
  put32 (a, 48000 * 2 * channels);
  put16 (a, 2 * channels);
  put16 (a, 16);
  g_byte_array_append (a, (const guint8 *) "data", 4);
  put32 (a, data_size_field);
  for (gsize i = 0; i < n_values; i++)
    put16 (a, (guint16) frames[i]);
  g_assert_true (g_file_set_contents (path, (const char *) a->data, a->len, NULL));
  return path;
}

static void
test_wav (void)
{
  g_autofree gint16 *s = sine (4800, 48000, 440, 0.5);
  g_autofree gint16 *stereo = g_new (gint16, 9600);
  g_autofree char *mono_path = write_wav (1, s, 4800, 9600, TRUE);
  g_autofree char *killed_path = write_wav (1, s, 4800, 0xFFFFFFFF, FALSE);
  g_autofree char *stereo_path = NULL;
  g_autofree gint16 *out = NULL;
  g_autoptr(GError) error = NULL;
  gsize n;
  guint rate;

  g_assert_true (holler_wav_read (mono_path, &out, &n, &rate, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 4800);
  g_assert_cmpuint (rate, ==, 48000);
  g_assert_cmpmem (out, n * 2, s, 4800 * 2);
  g_clear_pointer (&out, g_free);

  /* a writer killed before fixing the sizes */
  g_assert_true (holler_wav_read (killed_path, &out, &n, &rate, &error));
  g_assert_cmpuint (n, ==, 4800);
  g_clear_pointer (&out, g_free);

  for (gsize i = 0; i < 4800; i++)
    stereo[2 * i] = s[i], stereo[2 * i + 1] = s[i];
  stereo_path = write_wav (2, stereo, 9600, 19200, FALSE);
  g_assert_true (holler_wav_read (stereo_path, &out, &n, &rate, &error));
  g_assert_cmpuint (n, ==, 4800);
  g_assert_cmpint (out[100], ==, s[100]);
  g_clear_pointer (&out, g_free);

  g_remove (mono_path);
  g_remove (killed_path);
  g_remove (stereo_path);
}

static void
test_wav_bad (void)
{
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp ("holler-wav-XXXXXX.wav", &path, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree gint16 *out = NULL;
  gsize n;
  guint rate;

  close (fd);
  g_assert_true (g_file_set_contents (path, "RIFF\0\0\0\0WA", 10, NULL));
  g_assert_false (holler_wav_read (path, &out, &n, &rate, &error));
  g_assert_error (error, HOLLER_ERROR, HOLLER_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_false (holler_wav_read ("/nonexistent/holler.wav", &out, &n, &rate, &error));
  g_assert_nonnull (error);
  g_remove (path);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tone/goertzel", test_goertzel);
  g_test_add_func ("/tone/dominant", test_dominant);
  g_test_add_func ("/tone/silence-and-mix", test_silence_and_mix);
  g_test_add_func ("/tone/wav", test_wav);
  g_test_add_func ("/tone/wav-bad", test_wav_bad);
  return g_test_run ();
}
