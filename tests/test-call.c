/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Two holler processes calling each other over a stdio relay in this
 * process. Everything is on 127.0.0.1. */
#include <string.h>
#include <opus.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include "holler-test-relay.h"
#include "holler-tone.h"
#include "holler-srtp.h"

typedef struct {
  char *dir;
  char *caller_wav;
  char *callee_wav;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("holler-test-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->caller_wav = g_build_filename (f->dir, "caller.wav", NULL);
  f->callee_wav = g_build_filename (f->dir, "callee.wav", NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      g_remove (path);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->caller_wav);
  g_free (f->callee_wav);
}

static const char *
holler_bin (void)
{
  const char *bin = g_getenv ("HOLLER_BIN");

  g_assert_nonnull (bin);
  return bin;
}

static void
builder_take (GStrvBuilder *b, char *s)
{
  g_strv_builder_add (b, s);
  g_free (s);
}

static GStrv
peer_argv (const char *command, int hz, const char *wav, double duration, const char *keylog)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

  g_strv_builder_add_many (b, holler_bin (), command, "--json", "--allow-loopback",
                           "--ice-address", "127.0.0.1", "--connect-timeout", "15", NULL);
  builder_take (b, g_strdup_printf ("--input=tone:%d", hz));
  builder_take (b, g_strdup_printf ("--output=file:%s", wav));
  if (duration > 0)
    builder_take (b, g_strdup_printf ("--duration=%g", duration));
  if (keylog != NULL)
    builder_take (b, g_strdup_printf ("--keylog=%s", keylog));
  if (g_str_equal (command, "listen"))
    g_strv_builder_add (b, "--auto-answer");
  return g_strv_builder_end (b);
}

static void
dump_logs (HollerTestRelay *relay)
{
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *text = holler_test_relay_stderr (relay, i);
      g_test_message ("--- %s stderr ---\n%s", i == 0 ? "caller" : "callee", text);
    }
}

static const char *
end_reason (HollerTestRelay *relay, int peer)
{
  static char reason[64];
  g_autofree char *text = holler_test_relay_stderr (relay, peer);
  g_autoptr(GPtrArray) ended = holler_test_find_events (text, "ended");

  if (ended->len == 0)
    return "(none)";
  g_strlcpy (reason, json_object_get_string_member (g_ptr_array_index (ended, 0), "reason"), sizeof reason);
  return reason;
}

static void
test_tones_both_ways (Fixture *f, gconstpointer data)
{
  g_auto(GStrv) caller = peer_argv ("call", 440, f->caller_wav, 4, NULL);
  g_auto(GStrv) callee = peer_argv ("listen", 880, f->callee_wav, 0, NULL);
  HollerTestRelay *relay = holler_test_relay_new ((const char * const *) caller,
                                                  (const char * const *) callee, f->dir);
  double share, seconds;
  g_autofree char *callee_log = NULL;
  g_autoptr(GPtrArray) pairs = NULL, dtls = NULL, first = NULL;

  g_assert_true (holler_test_relay_run (relay, 60));
  dump_logs (relay);
  g_assert_cmpint (holler_test_relay_exit_status (relay, 0), ==, 0);
  g_assert_cmpint (holler_test_relay_exit_status (relay, 1), ==, 0);

  /* the caller heard 880 Hz, the callee 440 Hz, for most of the call */
  share = holler_test_tone_share (f->caller_wav, 880, 0, 0, &seconds);
  g_test_message ("caller.wav: %.2f s, 880 Hz in %.0f%% of blocks", seconds, share * 100);
  g_assert_cmpfloat (seconds, >, 3.0);
  g_assert_cmpfloat (share, >, 0.8);
  g_assert_cmpfloat (holler_test_tone_share (f->caller_wav, 440, 0, 0, &seconds), <, 0.05);
  share = holler_test_tone_share (f->callee_wav, 440, 0, 0, &seconds);
  g_test_message ("callee.wav: %.2f s, 440 Hz in %.0f%% of blocks", seconds, share * 100);
  g_assert_cmpfloat (seconds, >, 3.0);
  g_assert_cmpfloat (share, >, 0.8);

  callee_log = holler_test_relay_stderr (relay, 1);
  pairs = holler_test_find_events (callee_log, "selected-pair");
  g_assert_cmpuint (pairs->len, >, 0);
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (pairs, 0), "local_type"), ==, "host");
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (pairs, 0), "remote_type"), ==, "host");
  dtls = holler_test_find_events (callee_log, "dtls");
  g_assert_cmpuint (dtls->len, ==, 1);
  g_assert_true (json_object_get_boolean_member (g_ptr_array_index (dtls, 0), "fingerprint_verified"));
  first = holler_test_find_events (callee_log, "first-audio");
  g_assert_cmpuint (first->len, ==, 1);
  g_assert_cmpstr (end_reason (relay, 0), ==, "hangup");
  g_assert_cmpstr (end_reason (relay, 1), ==, "hangup");
  holler_test_relay_free (relay);
}

/* Flip one hex digit of the offer's fingerprint on the way. */
static char *
tamper_offer (int from, const char *line, gpointer user_data)
{
  char *copy = g_strdup (line);
  char *fp = strstr (copy, "a=fingerprint:sha-256 ");

  if (from == 0 && strstr (copy, "\"offer\"") != NULL && fp != NULL)
    {
      char *c = fp + strlen ("a=fingerprint:sha-256 ");
      *c = *c == 'A' ? 'B' : 'A';
      *(int *) user_data += 1;
    }
  return copy;
}

static void
test_fingerprint_mismatch (Fixture *f, gconstpointer data)
{
  g_auto(GStrv) caller = peer_argv ("call", 440, f->caller_wav, 4, NULL);
  g_auto(GStrv) callee = peer_argv ("listen", 880, f->callee_wav, 0, NULL);
  HollerTestRelay *relay = holler_test_relay_new ((const char * const *) caller,
                                                  (const char * const *) callee, f->dir);
  int tampered = 0;
  g_autofree gint16 *samples = NULL;
  gsize n = 0;
  guint rate;

  holler_test_relay_set_rewrite (relay, tamper_offer, &tampered);
  g_assert_true (holler_test_relay_run (relay, 60));
  dump_logs (relay);
  g_assert_cmpint (tampered, ==, 1);
  g_assert_cmpint (holler_test_relay_exit_status (relay, 0), ==, 1);
  g_assert_cmpint (holler_test_relay_exit_status (relay, 1), ==, 1);
  g_assert_cmpstr (end_reason (relay, 0), ==, "fingerprint-mismatch");
  g_assert_cmpstr (end_reason (relay, 1), ==, "fingerprint-mismatch");
  /* nothing was decoded: no file, or a file without samples */
  for (int i = 0; i < 2; i++)
    {
      const char *path = i == 0 ? f->caller_wav : f->callee_wav;

      if (g_file_test (path, G_FILE_TEST_EXISTS) && holler_wav_read (path, &samples, &n, &rate, NULL))
        g_assert_cmpuint (n, ==, 0);
      g_clear_pointer (&samples, g_free);
    }
  holler_test_relay_free (relay);
}

static void
test_junk_during_call (Fixture *f, gconstpointer data)
{
  g_auto(GStrv) caller = peer_argv ("call", 440, f->caller_wav, 2, NULL);
  g_auto(GStrv) callee = peer_argv ("listen", 880, f->callee_wav, 0, NULL);
  HollerTestRelay *relay = holler_test_relay_new ((const char * const *) caller,
                                                  (const char * const *) callee, f->dir);
  const char *junk[] = {
    "this is not json",
    "{\"type\":\"dance\"}",
    "[1,2,3]",
    "{\"type\":\"answer\",\"sdp\":\"v=0\"}",
    "{\"type\":\"candidate\",\"candidate\":\"candidate:1 1 UDP 1 127.0.0.1 9 typ host\",\"sdpMid\":\"7\"}",
    "{\"type\":\"candidate\"}",
    "{\"type\":\"bye\",\"reason\":",
    "\xff\xfe\x01garbage",
  };
  g_autofree char *log = NULL;
  g_autoptr(GPtrArray) junk_events = NULL;
  double seconds;

  for (gsize i = 0; i < G_N_ELEMENTS (junk); i++)
    holler_test_relay_inject (relay, 1, junk[i]);
  g_assert_true (holler_test_relay_run (relay, 60));
  dump_logs (relay);
  g_assert_cmpint (holler_test_relay_exit_status (relay, 0), ==, 0);
  g_assert_cmpint (holler_test_relay_exit_status (relay, 1), ==, 0);
  g_assert_cmpfloat (holler_test_tone_share (f->callee_wav, 440, 0, 0, &seconds), >, 0.7);
  log = holler_test_relay_stderr (relay, 1);
  junk_events = holler_test_find_events (log, "signaling-junk");
  g_assert_cmpuint (junk_events->len, >=, 5);
  holler_test_relay_free (relay);
}

/* A listener given only junk and then a bad offer rejects it and exits 1;
 * one whose input just ends exits 1 too. Neither hangs. */
static void
run_listener_with_input (Fixture *f, const char *input, int expected_status, const char *expected_reason)
{
  g_auto(GStrv) argv = peer_argv ("listen", 880, f->callee_wav, 0, NULL);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GPtrArray) ended = NULL;

  proc = g_subprocess_newv ((const char * const *) argv,
                            G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                            G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, input, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_test_message ("stdout: %s\nstderr: %s", out, err);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, expected_status);
  ended = holler_test_find_events (err, "error");
  g_assert_cmpuint (ended->len, >=, 1);
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (ended, ended->len - 1), "reason"),
                   ==, expected_reason);
}

static void
test_junk_then_bad_offer (Fixture *f, gconstpointer data)
{
  run_listener_with_input (f,
                           "junk\n{\"type\":\"answer\",\"sdp\":\"v=0\"}\n"
                           "{\"type\":\"candidate\",\"candidate\":\"candidate:x\",\"sdpMid\":\"0\"}\n"
                           "{\"type\":\"offer\",\"sdp\":\"v=0\\r\\nthis is not sdp\"}\n",
                           1, "bad-sdp");
}

static void
test_input_ends (Fixture *f, gconstpointer data)
{
  run_listener_with_input (f, "{\"type\":\"end-of-candidates\"}\nnonsense\n", 1, "signaling-lost");
}

/* Decode Opus payloads of RTP packets; return the share of 20 ms frames in
 * which hz dominates (frames that fail to decode count as misses). */
static double
opus_tone_share (GPtrArray *packets, double hz)
{
  int err = 0;
  OpusDecoder *dec = opus_decoder_create (48000, 1, &err);
  gint16 pcm[5760];
  guint hits = 0, frames = 0;

  g_assert_cmpint (err, ==, OPUS_OK);
  for (guint i = 0; i < packets->len; i++)
    {
      gsize len;
      const guint8 *p = g_bytes_get_data (g_ptr_array_index (packets, i), &len);
      gsize header = 12 + 4 * (p[0] & 0x0f);
      int n;

      /* the MID header extension (RFC 8285): 4 bytes, then its length in words */
      if ((p[0] & 0x10) && len >= header + 4)
        header += 4 + 4 * ((p[header + 2] << 8) | p[header + 3]);
      if (len <= header)
        continue;
      frames++;
      n = opus_decode (dec, p + header, len - header, pcm, G_N_ELEMENTS (pcm), 0);
      if (n >= 480)
        {
          double ms = holler_tone_mean_square (pcm, n);
          if (ms > 1e-5 && holler_tone_goertzel_power (pcm, n, 48000, hz) / ms > 0.5)
            hits++;
        }
    }
  opus_decoder_destroy (dec);
  return frames ? (double) hits / frames : 0;
}

static gboolean
hex_decode (const char *hex, guint8 *out, gsize max, gsize *len)
{
  gsize n = strlen (hex) / 2;

  if (n > max)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    {
      int hi = g_ascii_xdigit_value (hex[2 * i]), lo = g_ascii_xdigit_value (hex[2 * i + 1]);
      if (hi < 0 || lo < 0)
        return FALSE;
      out[i] = hi * 16 + lo;
    }
  *len = n;
  return TRUE;
}

/* Decrypt copies of the captured packets with a given caller key. */
static GPtrArray *
decrypt_all (GPtrArray *captured, HollerSrtpProfile profile, const guint8 *key, gsize key_len)
{
  HollerSrtpKeys keys = { .profile = profile, .key_len = key_len };
  g_autoptr(HollerSrtp) srtp = NULL;
  GPtrArray *plain = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  memcpy (keys.remote, key, key_len);
  memset (keys.local, 0x55, sizeof keys.local);
  srtp = holler_srtp_new (&keys, NULL);
  g_assert_nonnull (srtp);
  for (guint i = 0; i < captured->len; i++)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (g_ptr_array_index (captured, i), &len);
      guint8 buf[2048];
      int plen = len;

      if (len > sizeof buf || (data[1] >= 192 && data[1] <= 223))
        continue;
      memcpy (buf, data, len);
      if (holler_srtp_unprotect (srtp, buf, &plen, FALSE))
        g_ptr_array_add (plain, g_bytes_new (buf, plen));
    }
  return plain;
}

static void
test_media_is_encrypted (Fixture *f, gconstpointer data)
{
  g_autofree char *keylog = g_build_filename (f->dir, "keys.log", NULL);
  g_auto(GStrv) caller = peer_argv ("call", 440, f->caller_wav, 3, keylog);
  g_auto(GStrv) callee = peer_argv ("listen", 880, f->callee_wav, 0, NULL);
  HollerTestRelay *relay = holler_test_relay_new ((const char * const *) caller,
                                                  (const char * const *) callee, f->dir);
  g_autofree char *log_text = NULL;
  g_auto(GStrv) fields = NULL;
  guint8 key[32], wrong[32];
  gsize key_len = 0;
  HollerSrtpProfile profile;
  GPtrArray *captured;
  g_autoptr(GPtrArray) plain = NULL, forged = NULL;
  double share_plain, share_raw, seconds;

  holler_test_relay_enable_capture (relay);
  g_assert_true (holler_test_relay_run (relay, 60));
  dump_logs (relay);
  g_assert_cmpint (holler_test_relay_exit_status (relay, 0), ==, 0);
  g_assert_cmpint (holler_test_relay_exit_status (relay, 1), ==, 0);
  /* the media really went through our proxy */
  g_assert_cmpfloat (holler_test_tone_share (f->callee_wav, 440, 0, 0, &seconds), >, 0.7);
  captured = holler_test_relay_captured (relay);
  g_test_message ("captured %u RTP-range datagrams caller → callee", captured->len);
  g_assert_cmpuint (captured->len, >, 100);

  /* "SRTP caller PROFILE LOCALKEY REMOTEKEY" */
  g_assert_true (g_file_get_contents (keylog, &log_text, NULL, NULL));
  fields = g_strsplit (g_strstrip (log_text), " ", -1);
  g_assert_cmpuint (g_strv_length (fields), ==, 5);
  profile = g_str_equal (fields[2], "SRTP_AEAD_AES_128_GCM") ? HOLLER_SRTP_AEAD_AES_128_GCM
                                                           : HOLLER_SRTP_AES128_CM_SHA1_80;
  g_assert_true (hex_decode (fields[3], key, sizeof key, &key_len));

  /* with the exported key: packets authenticate and decode to 440 Hz */
  plain = decrypt_all (captured, profile, key, key_len);
  share_plain = opus_tone_share (plain, 440);
  g_test_message ("decrypted %u of %u; 440 Hz in %.0f%% of frames", plain->len, captured->len, share_plain * 100);
  g_assert_cmpuint (plain->len, >=, captured->len * 95 / 100);
  g_assert_cmpfloat (share_plain, >, 0.8);

  /* as sent: the payload is not Opus carrying the tone */
  share_raw = opus_tone_share (captured, 440);
  g_test_message ("raw payloads: 440 Hz in %.0f%% of frames", share_raw * 100);
  g_assert_cmpfloat (share_raw, <, 0.05);

  /* with a key one bit off: nothing authenticates */
  memcpy (wrong, key, key_len);
  wrong[0] ^= 1;
  forged = decrypt_all (captured, profile, wrong, key_len);
  g_assert_cmpuint (forged->len, ==, 0);
  holler_test_relay_free (relay);
}

/* A caller whose peer never answers fails with "timeout", not a hang. */
static void
test_silent_peer_times_out (Fixture *f, gconstpointer data)
{
  const char *argv[] = { holler_bin (), "call", "--json", "--allow-loopback", "--ice-address", "127.0.0.1",
                         "--connect-timeout", "2", "--input", "tone:440", "--output", "null", NULL };
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ended = NULL;
  g_autofree char *text = NULL;
  gint64 start = g_get_monotonic_time ();

  g_autofree char *log = g_build_filename (f->dir, "silent.log", NULL);
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE);

  /* stdin stays open (a pipe we never write to) and silent */
  g_subprocess_launcher_set_stderr_file_path (launcher, log);
  proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait (proc, NULL, &error));
  g_assert_true (g_file_get_contents (log, &text, NULL, NULL));
  g_test_message ("%s", text);
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 1);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  ended = holler_test_find_events (text, "ended");
  g_assert_cmpuint (ended->len, ==, 1);
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (ended, 0), "reason"), ==, "timeout");
}

static void
test_usage_errors (Fixture *f, gconstpointer data)
{
  const char *cases[][6] = {
    { "call", "--input", "tone:abc", NULL },
    { "call", "--input", "file:/nonexistent.wav", NULL },
    { "call", "--output", "file:/nonexistent/dir/x.wav", NULL },
    { "call", "--signaling", "carrier-pigeon://x", NULL },
    { "call", "--ice-address", "not-an-ip", NULL },
    { "call", "--dtmf", "12x", NULL },
    { "call", "--dtmf", "", NULL },
    { "call", "--no-such-option", NULL },
    { "frobnicate", NULL },
    { "dial", NULL },
    { "hangup", "not-a-number", NULL },
    { "listen", "extra-argument", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
      g_auto(GStrv) argv = NULL;
      g_autoptr(GSubprocess) proc = NULL;
      g_autoptr(GError) error = NULL;

      g_strv_builder_add (b, holler_bin ());
      for (gsize j = 0; cases[i][j] != NULL; j++)
        g_strv_builder_add (b, cases[i][j]);
      argv = g_strv_builder_end (b);
      proc = g_subprocess_newv ((const char * const *) argv, G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
      g_assert_no_error (error);
      g_autoptr(GBytes) none = g_bytes_new (NULL, 0);

      g_subprocess_communicate (proc, none, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      g_test_message ("case %" G_GSIZE_FORMAT ": exit %d", i, g_subprocess_get_exit_status (proc));
      g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 2);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/call/tones-both-ways", Fixture, NULL, fixture_setup, test_tones_both_ways, fixture_teardown);
  g_test_add ("/call/fingerprint-mismatch", Fixture, NULL, fixture_setup, test_fingerprint_mismatch, fixture_teardown);
  g_test_add ("/call/media-is-encrypted", Fixture, NULL, fixture_setup, test_media_is_encrypted, fixture_teardown);
  g_test_add ("/call/junk-during-call", Fixture, NULL, fixture_setup, test_junk_during_call, fixture_teardown);
  g_test_add ("/call/junk-then-bad-offer", Fixture, NULL, fixture_setup, test_junk_then_bad_offer, fixture_teardown);
  g_test_add ("/call/input-ends", Fixture, NULL, fixture_setup, test_input_ends, fixture_teardown);
  g_test_add ("/call/silent-peer-times-out", Fixture, NULL, fixture_setup, test_silent_peer_times_out, fixture_teardown);
  g_test_add ("/call/usage-errors", Fixture, NULL, fixture_setup, test_usage_errors, fixture_teardown);
  return g_test_run ();
}
