/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* holler-tone: Goertzel power and frequency estimates on synthetic tones,
 * and the WAV reader on files written by hand here, including what a
 * killed recorder leaves behind. */
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>
#include "holler-tone.h"
#include "holler-error.h"

#define RATE 48000
#define BLOCK 4800   /* 100 ms, what the media pipeline analyses */

static gint16 *
sine (gsize n, guint rate, double hz, double amplitude, double phase)
{
  gint16 *s = g_new (gint16, n);

  for (gsize i = 0; i < n; i++)
    s[i] = (gint16) lround (amplitude * 32767 * sin (2 * G_PI * hz * i / rate + phase));
  return s;
}

static void
add_saturating (gint16 *to, const gint16 *from, gsize n)
{
  for (gsize i = 0; i < n; i++)
    to[i] = CLAMP (to[i] + from[i], G_MININT16, G_MAXINT16);
}

/* Uniform noise of the given peak amplitude, repeatable through --seed */
static gint16 *
noise (gsize n, double amplitude)
{
  gint16 *s = g_new (gint16, n);

  for (gsize i = 0; i < n; i++)
    s[i] = (gint16) (amplitude * 32767 * g_test_rand_double_range (-1, 1));
  return s;
}

static void
test_goertzel (void)
{
  g_autofree gint16 *full = sine (BLOCK, RATE, 440, 1.0, 0);
  g_autofree gint16 *half = sine (BLOCK, RATE, 440, 0.5, 1.0);
  /* 44.5 periods in the block: measured at its own frequency all the same */
  g_autofree gint16 *off_bin = sine (BLOCK, RATE, 445, 1.0, 0.3);
  g_autofree gint16 *low_rate = sine (800, 8000, 1000, 1.0, 0);

  g_assert_cmpfloat_with_epsilon (holler_tone_goertzel_power (full, BLOCK, RATE, 440), 0.5, 0.005);
  g_assert_cmpfloat_with_epsilon (holler_tone_goertzel_power (half, BLOCK, RATE, 440), 0.125, 0.002);
  g_assert_cmpfloat_with_epsilon (holler_tone_goertzel_power (off_bin, BLOCK, RATE, 445), 0.5, 0.01);
  g_assert_cmpfloat_with_epsilon (holler_tone_goertzel_power (low_rate, 800, 8000, 1000), 0.5, 0.005);
  /* other bins see (next to) nothing */
  g_assert_cmpfloat (holler_tone_goertzel_power (full, BLOCK, RATE, 880), <, 1e-4);
  g_assert_cmpfloat (holler_tone_goertzel_power (full, BLOCK, RATE, 600), <, 1e-4);
  g_assert_cmpfloat (holler_tone_goertzel_power (full, BLOCK, RATE, 450), <, 1e-4);
  /* degenerate input */
  g_assert_cmpfloat (holler_tone_goertzel_power (full, 0, RATE, 440), ==, 0);
  g_assert_cmpfloat (holler_tone_goertzel_power (full, BLOCK, 0, 440), ==, 0);
}

static void
test_mean_square (void)
{
  g_autofree gint16 *s = sine (BLOCK, RATE, 440, 1.0, 0);
  g_autofree gint16 *zero = g_new0 (gint16, BLOCK);
  gint16 square[4] = { 16384, -16384, 16384, -16384 };
  gint16 min[2] = { G_MININT16, G_MININT16 };

  g_assert_cmpfloat_with_epsilon (holler_tone_mean_square (s, BLOCK), 0.5, 0.001);
  g_assert_cmpfloat (holler_tone_mean_square (zero, BLOCK), ==, 0);
  g_assert_cmpfloat (holler_tone_mean_square (square, 4), ==, 0.25);
  g_assert_cmpfloat (holler_tone_mean_square (min, 2), ==, 1.0);
  g_assert_cmpfloat (holler_tone_mean_square (s, 0), ==, 0);
}

static void
assert_frequency (const gint16 *s, gsize n, guint rate, double expected)
{
  double f = holler_tone_dominant_frequency (s, n, rate, 50, 4000);

  if (fabs (f - expected) > 2.0)
    g_test_message ("expected %.2f Hz, estimated %.2f Hz (%" G_GSIZE_FORMAT " samples at %u Hz)",
                    expected, f, n, rate);
  g_assert_cmpfloat_with_epsilon (f, expected, 2.0);
}

static void
test_dominant (void)
{
  const double freqs[] = { 60, 220, 333.3, 440, 441.3, 442.5, 880, 1000, 1234.5, 2999.9, 3950 };
  const double amps[] = { 0.01, 0.3, 0.99 };

  for (gsize i = 0; i < G_N_ELEMENTS (freqs); i++)
    for (gsize j = 0; j < G_N_ELEMENTS (amps); j++)
      {
        g_autofree gint16 *s = sine (BLOCK, RATE, freqs[i], amps[j], i + j);

        assert_frequency (s, BLOCK, RATE, freqs[i]);
      }
}

/* Blocks longer than 100 ms resolve finer; a coarse scan over the whole
 * block could step over the tone (442 Hz over one second has nulls at
 * every other whole Hz). Other rates and a block just over 100 ms too. */
static void
test_dominant_lengths (void)
{
  g_autofree gint16 *second = sine (RATE, RATE, 442, 0.5, 0);
  g_autofree gint16 *second_frac = sine (RATE, RATE, 1317.3, 0.5, 0);
  g_autofree gint16 *odd = sine (5000, RATE, 880, 0.5, 0);
  g_autofree gint16 *narrow = sine (800, 8000, 440, 0.5, 0);
  g_autofree gint16 *wide = sine (1600, 16000, 3210, 0.5, 0);

  assert_frequency (second, RATE, RATE, 442);
  assert_frequency (second_frac, RATE, RATE, 1317.3);
  assert_frequency (odd, 5000, RATE, 880);
  assert_frequency (narrow, 800, 8000, 440);
  assert_frequency (wide, 1600, 16000, 3210);
}

static void
test_silence (void)
{
  g_autofree gint16 *zero = g_new0 (gint16, BLOCK);
  /* mean square 0.5e-6: below the silence threshold */
  g_autofree gint16 *whisper = sine (BLOCK, RATE, 440, 0.001, 0);
  g_autofree gint16 *s = sine (BLOCK, RATE, 440, 0.5, 0);

  g_assert_cmpfloat (holler_tone_dominant_frequency (zero, BLOCK, RATE, 50, 4000), ==, 0);
  g_assert_cmpfloat (holler_tone_dominant_frequency (whisper, BLOCK, RATE, 50, 4000), ==, 0);
  g_assert_cmpfloat (holler_tone_dominant_frequency (s, 0, RATE, 50, 4000), ==, 0);
  g_assert_cmpfloat (holler_tone_dominant_frequency (s, BLOCK, 0, 50, 4000), ==, 0);
  g_assert_cmpfloat (holler_tone_dominant_frequency (s, BLOCK, RATE, 4000, 50), ==, 0);
  g_assert_cmpfloat (holler_tone_dominant_frequency (s, BLOCK, RATE, NAN, NAN), ==, 0);
  /* absurd rates and ranges give some answer in range, quickly */
  g_assert_cmpfloat (holler_tone_dominant_frequency (s, BLOCK, 3, 0, 100), <=, 1.5);
  g_assert_cmpfloat (holler_tone_dominant_frequency (s, 10, RATE, -1e9, 1e9), <=, RATE / 2);
}

static void
test_mix_and_noise (void)
{
  g_autofree gint16 *a = sine (BLOCK, RATE, 440, 0.2, 0);
  g_autofree gint16 *b = sine (BLOCK, RATE, 880, 0.6, 0.5);
  g_autofree gint16 *c = sine (BLOCK, RATE, 440, 0.6, 0);
  g_autofree gint16 *d = sine (BLOCK, RATE, 880, 0.2, 0.5);
  g_autofree gint16 *e = sine (BLOCK, RATE, 1000, 0.3, 0);
  g_autofree gint16 *f = sine (BLOCK, RATE, 440, 0.3, 0);
  g_autofree gint16 *hiss = noise (BLOCK, 0.3);
  g_autofree gint16 *only_hiss = noise (BLOCK, 0.3);
  g_autofree gint16 *dc = sine (BLOCK, RATE, 700, 0.3, 0);
  double found;

  /* the louder of two tones wins, whichever it is */
  add_saturating (a, b, BLOCK);
  assert_frequency (a, BLOCK, RATE, 880);
  add_saturating (c, d, BLOCK);
  assert_frequency (c, BLOCK, RATE, 440);

  /* a tone over noise of the same peak level (about 7 dB SNR) */
  add_saturating (e, hiss, BLOCK);
  assert_frequency (e, BLOCK, RATE, 1000);

  /* a DC offset does not pull the estimate */
  for (gsize i = 0; i < BLOCK; i++)
    dc[i] += 8000;
  assert_frequency (dc, BLOCK, RATE, 700);

  /* noise alone: some frequency, inside the range */
  found = holler_tone_dominant_frequency (only_hiss, BLOCK, RATE, 50, 4000);
  g_assert_cmpfloat (found, >=, 50);
  g_assert_cmpfloat (found, <=, 4000);

  /* the range limits the answer */
  found = holler_tone_dominant_frequency (f, BLOCK, RATE, 400, 480);
  g_assert_cmpfloat_with_epsilon (found, 440, 2.0);
  found = holler_tone_dominant_frequency (f, BLOCK, RATE, 600, 4000);
  g_assert_cmpfloat (found, >=, 600);
  g_assert_cmpfloat (found, <=, 4000);
}

/* WAV files built by hand, so the reader is checked against the format
 * rather than against some writer. */

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

static void
put_id (GByteArray *a, const char *id)
{
  g_byte_array_append (a, (const guint8 *) id, 4);
}

/* "RIFF" with a size of 0, as a killed writer leaves it; nothing reads it */
static GByteArray *
wav_start (void)
{
  GByteArray *a = g_byte_array_new ();

  put_id (a, "RIFF");
  put32 (a, 0);
  put_id (a, "WAVE");
  return a;
}

static void
put_fmt (GByteArray *a, guint16 format, guint16 channels, guint32 rate, guint16 bits)
{
  put_id (a, "fmt ");
  put32 (a, 16);
  put16 (a, format);
  put16 (a, channels);
  put32 (a, rate);
  put32 (a, rate * channels * bits / 8);
  put16 (a, channels * bits / 8);
  put16 (a, bits);
}

/* An unknown chunk of odd size, with its pad byte */
static void
put_list (GByteArray *a)
{
  put_id (a, "LIST");
  put32 (a, 5);
  g_byte_array_append (a, (const guint8 *) "INFOx\0", 6);
}

static void
put_data (GByteArray *a, guint32 size_field, const gint16 *values, gsize n)
{
  put_id (a, "data");
  put32 (a, size_field);
  for (gsize i = 0; i < n; i++)
    put16 (a, (guint16) values[i]);
}

static void
remove_file (gpointer path)
{
  g_remove (path);
  g_free (path);
}

/* Writes @a to a temporary file removed at the end of the test */
static const char *
write_temp (GByteArray *a)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("holler-tone-XXXXXX.wav", &path, &error);

  g_assert_no_error (error);
  g_close (fd, NULL);
  g_file_set_contents (path, (const char *) a->data, a->len, &error);
  g_assert_no_error (error);
  g_test_queue_destroy (remove_file, path);
  return path;
}

static void
test_wav_mono (void)
{
  g_autofree gint16 *s = sine (1600, 16000, 440, 0.5, 0);
  g_autoptr(GByteArray) a = wav_start ();
  g_autoptr(GError) error = NULL;
  g_autofree gint16 *out = NULL;
  gsize n = 0;
  guint rate = 0;

  put_list (a);
  put_fmt (a, 1, 1, 16000, 16);
  put_list (a);
  put_data (a, 1600 * 2, s, 1600);
  put_list (a);   /* a chunk after the data stays out of the samples */

  g_assert_true (holler_wav_read (write_temp (a), &out, &n, &rate, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1600);
  g_assert_cmpuint (rate, ==, 16000);
  g_assert_cmpmem (out, n * 2, s, 1600 * 2);
}

static void
test_wav_stereo (void)
{
  const gint16 frames[] = { 1000, 3000, -1000, -3001, 32767, 32767, -32768, -32768, 0, 1 };
  const gint16 mixed[] = { 2000, -2000, 32767, -32768, 0 };
  g_autoptr(GByteArray) a = wav_start ();
  g_autoptr(GError) error = NULL;
  g_autofree gint16 *out = NULL;
  gsize n = 0;
  guint rate = 0;

  put_fmt (a, 1, 2, 44100, 16);
  put_data (a, sizeof frames, frames, G_N_ELEMENTS (frames));

  g_assert_true (holler_wav_read (write_temp (a), &out, &n, &rate, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (rate, ==, 44100);
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (mixed));
  g_assert_cmpmem (out, n * 2, mixed, sizeof mixed);
}

/* WAVE_FORMAT_EXTENSIBLE with the PCM sub-format is plain PCM */
static void
test_wav_extensible (void)
{
  const guint8 pcm_guid[16] = { 1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71 };
  const gint16 values[] = { 1, -2, 3 };
  g_autoptr(GByteArray) a = wav_start ();
  g_autoptr(GError) error = NULL;
  g_autofree gint16 *out = NULL;
  gsize n = 0;
  guint rate = 0;

  put_id (a, "fmt ");
  put32 (a, 40);
  put16 (a, 0xfffe);
  put16 (a, 1);
  put32 (a, RATE);
  put32 (a, RATE * 2);
  put16 (a, 2);
  put16 (a, 16);
  put16 (a, 22);      /* cbSize */
  put16 (a, 16);      /* valid bits */
  put32 (a, 0x4);     /* channel mask: front centre */
  g_byte_array_append (a, pcm_guid, 16);
  put_data (a, sizeof values, values, G_N_ELEMENTS (values));

  g_assert_true (holler_wav_read (write_temp (a), &out, &n, &rate, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpmem (out, n * 2, values, sizeof values);
}

/* A recorder killed before it could fix the sizes: data size 0 or
 * 0xffffffff, maybe a sample cut in half. What is there is read. */
static void
test_wav_killed_writer (void)
{
  const guint32 size_fields[] = { 0xffffffff, 0, 10 * 1000 * 1000 };
  g_autofree gint16 *s = sine (BLOCK, RATE, 440, 0.5, 0);

  for (gsize i = 0; i < G_N_ELEMENTS (size_fields); i++)
    {
      g_autoptr(GByteArray) a = wav_start ();
      g_autoptr(GError) error = NULL;
      g_autofree gint16 *out = NULL;
      gsize n = 0;
      guint rate = 0;

      put_fmt (a, 1, 1, RATE, 16);
      put_data (a, size_fields[i], s, BLOCK);
      g_byte_array_append (a, (const guint8 *) "\x7f", 1);   /* half a sample */

      g_assert_true (holler_wav_read (write_temp (a), &out, &n, &rate, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (n, ==, BLOCK);
      g_assert_cmpuint (rate, ==, RATE);
      g_assert_cmpmem (out, n * 2, s, BLOCK * 2);
    }
}

/* Killed right after writing the header: a valid, empty recording */
static void
test_wav_header_only (void)
{
  g_autoptr(GByteArray) a = wav_start ();
  g_autoptr(GError) error = NULL;
  g_autofree gint16 *out = NULL;
  gsize n = 99;
  guint rate = 0;

  put_fmt (a, 1, 2, RATE, 16);
  put_data (a, 0, NULL, 0);
  g_byte_array_append (a, (const guint8 *) "\1\2\3", 3);   /* less than a frame */

  g_assert_true (holler_wav_read (write_temp (a), &out, &n, &rate, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 0);
  g_assert_nonnull (out);
}

static void
assert_wav_fails (GByteArray *a, const char *what)
{
  g_autoptr(GError) error = NULL;
  g_autofree gint16 *out = NULL;
  g_autofree char *base = NULL;
  const char *path = write_temp (a);
  gsize n = 0;
  guint rate = 0;

  g_test_message ("%s", what);
  g_assert_false (holler_wav_read (path, &out, &n, &rate, &error));
  g_assert_error (error, HOLLER_ERROR, HOLLER_ERROR_FAILED);
  g_test_message ("  -> %s", error->message);
  /* the message names the file */
  base = g_path_get_basename (path);
  g_assert_nonnull (strstr (error->message, base));
  g_assert_null (out);
}

static void
test_wav_bad (void)
{
  const gint16 values[] = { 1, 2, 3, 4 };
  struct {
    const char *what;
    guint16 format, channels, bits;
    guint32 rate;
  } formats[] = {
    { "float", 3, 1, 32, RATE },
    { "8-bit", 1, 1, 8, RATE },
    { "24-bit", 1, 1, 24, RATE },
    { "3 channels", 1, 3, 16, RATE },
    { "0 channels", 1, 0, 16, RATE },
    { "rate 0", 1, 1, 16, 0 },
    { "A-law", 6, 1, 16, RATE },
  };
  GByteArray *a;

  a = g_byte_array_new ();
  assert_wav_fails (a, "empty file");
  g_byte_array_unref (a);

  a = g_byte_array_new ();
  g_byte_array_append (a, (const guint8 *) "RIFF\0\0\0\0WA", 10);
  assert_wav_fails (a, "truncated RIFF header");
  g_byte_array_unref (a);

  a = g_byte_array_new ();
  g_byte_array_append (a, (const guint8 *) "hello, this is not a WAV file", 29);
  assert_wav_fails (a, "text");
  g_byte_array_unref (a);

  a = wav_start ();
  assert_wav_fails (a, "header only, no chunks");
  g_byte_array_unref (a);

  a = wav_start ();
  put_id (a, "fmt ");
  put32 (a, 16);
  put16 (a, 1);
  put16 (a, 1);
  assert_wav_fails (a, "truncated fmt chunk");
  g_byte_array_unref (a);

  a = wav_start ();
  put_id (a, "fmt ");
  put32 (a, 8);
  g_byte_array_append (a, (const guint8 *) "\1\0\1\0\0\0\0\0", 8);
  put_data (a, sizeof values, values, G_N_ELEMENTS (values));
  assert_wav_fails (a, "fmt chunk too small");
  g_byte_array_unref (a);

  a = wav_start ();
  put_data (a, sizeof values, values, G_N_ELEMENTS (values));
  put_fmt (a, 1, 1, RATE, 16);
  assert_wav_fails (a, "data before fmt");
  g_byte_array_unref (a);

  a = wav_start ();
  put_fmt (a, 1, 1, RATE, 16);
  put_list (a);
  assert_wav_fails (a, "no data chunk");
  g_byte_array_unref (a);

  a = wav_start ();
  put_fmt (a, 1, 1, RATE, 16);
  put_id (a, "LIST");
  put32 (a, 0x7fffffff);
  g_byte_array_append (a, (const guint8 *) "data", 4);
  assert_wav_fails (a, "chunk larger than the file before any data");
  g_byte_array_unref (a);

  for (gsize i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      a = wav_start ();
      put_fmt (a, formats[i].format, formats[i].channels, formats[i].rate, formats[i].bits);
      put_data (a, sizeof values, values, G_N_ELEMENTS (values));
      assert_wav_fails (a, formats[i].what);
      g_byte_array_unref (a);
    }
}

static void
test_wav_missing (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree gint16 *out = NULL;
  gsize n = 0;
  guint rate = 0;

  g_assert_false (holler_wav_read ("/nonexistent/holler.wav", &out, &n, &rate, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull (strstr (error->message, "holler.wav"));
  g_assert_null (out);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tone/goertzel", test_goertzel);
  g_test_add_func ("/tone/mean-square", test_mean_square);
  g_test_add_func ("/tone/dominant", test_dominant);
  g_test_add_func ("/tone/dominant-lengths", test_dominant_lengths);
  g_test_add_func ("/tone/silence", test_silence);
  g_test_add_func ("/tone/mix-and-noise", test_mix_and_noise);
  g_test_add_func ("/wav/mono", test_wav_mono);
  g_test_add_func ("/wav/stereo", test_wav_stereo);
  g_test_add_func ("/wav/extensible", test_wav_extensible);
  g_test_add_func ("/wav/killed-writer", test_wav_killed_writer);
  g_test_add_func ("/wav/header-only", test_wav_header_only);
  g_test_add_func ("/wav/bad", test_wav_bad);
  g_test_add_func ("/wav/missing", test_wav_missing);
  return g_test_run ();
}
