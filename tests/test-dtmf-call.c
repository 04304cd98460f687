/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DTMF between two holler processes over a stdio relay in this process
 * (everything on 127.0.0.1): the caller sends --dtmf digits as RFC 4733
 * telephone-events, the callee reports them in order while audio goes on;
 * without telephone-event in the SDP sending fails cleanly. */
#include <string.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include "holler-test-relay.h"

#define DIGITS "159#*0"

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

static void
builder_take (GStrvBuilder *b, char *s)
{
  g_strv_builder_add (b, s);
  g_free (s);
}

static GStrv
peer_argv (const char *command, int hz, const char *wav, double duration, const char *dtmf)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  const char *bin = g_getenv ("HOLLER_BIN");

  g_assert_nonnull (bin);
  g_strv_builder_add_many (b, bin, command, "--json", "--allow-loopback",
                           "--ice-address", "127.0.0.1", "--connect-timeout", "15", NULL);
  builder_take (b, g_strdup_printf ("--input=tone:%d", hz));
  builder_take (b, g_strdup_printf ("--output=file:%s", wav));
  if (duration > 0)
    builder_take (b, g_strdup_printf ("--duration=%g", duration));
  if (dtmf != NULL)
    builder_take (b, g_strdup_printf ("--dtmf=%s", dtmf));
  if (g_str_equal (command, "listen"))
    g_strv_builder_add (b, "--auto-answer");
  return g_strv_builder_end (b);
}

static char *
peer_log (HollerTestRelay *relay, int peer)
{
  g_autofree char *text = holler_test_relay_stderr (relay, peer);

  g_test_message ("--- %s stderr ---\n%s", peer == 0 ? "caller" : "callee", text);
  return g_steal_pointer (&text);
}

static char *
received_digits (const char *log)
{
  g_autoptr(GPtrArray) events = holler_test_find_events (log, "dtmf");
  GString *digits = g_string_new (NULL);

  for (guint i = 0; i < events->len; i++)
    g_string_append (digits, json_object_get_string_member (g_ptr_array_index (events, i), "digit"));
  return g_string_free (digits, FALSE);
}

/* @hz in most 100 ms blocks of @wav, which holds at least @min_seconds */
static void
assert_tone (const char *wav, double hz, double min_seconds)
{
  double seconds;
  double share = holler_test_tone_share (wav, hz, 2, 0, &seconds);

  g_test_message ("%s: %.2f s, %.0f Hz in %.0f%% of blocks", wav, seconds, hz, share * 100);
  g_assert_cmpfloat (seconds, >, min_seconds);
  g_assert_cmpfloat (share, >, 0.8);
}

static void
test_digits_arrive (Fixture *f, gconstpointer data)
{
  g_auto(GStrv) caller = peer_argv ("call", 440, f->caller_wav, 6, DIGITS);
  g_auto(GStrv) callee = peer_argv ("listen", 880, f->callee_wav, 0, NULL);
  HollerTestRelay *relay = holler_test_relay_new ((const char * const *) caller,
                                                  (const char * const *) callee, f->dir);
  g_autofree char *caller_log = NULL, *callee_log = NULL;
  g_autofree char *heard = NULL, *echoed = NULL;
  g_autoptr(GPtrArray) sent = NULL, warnings = NULL;

  g_assert_true (holler_test_relay_run (relay, 60));
  caller_log = peer_log (relay, 0);
  callee_log = peer_log (relay, 1);
  g_assert_cmpint (holler_test_relay_exit_status (relay, 0), ==, 0);
  g_assert_cmpint (holler_test_relay_exit_status (relay, 1), ==, 0);

  /* exactly those digits, in order, each once */
  heard = received_digits (callee_log);
  g_assert_cmpstr (heard, ==, DIGITS);
  /* nothing went the other way */
  echoed = received_digits (caller_log);
  g_assert_cmpstr (echoed, ==, "");
  sent = holler_test_find_events (caller_log, "dtmf-sent");
  g_assert_cmpuint (sent->len, ==, 1);
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (sent, 0), "digits"), ==, DIGITS);
  warnings = holler_test_find_events (caller_log, "warning");
  g_assert_cmpuint (warnings->len, ==, 0);

  /* Audio both ways: rtpdtmfmux sends no audio while the digits play (six
   * take about 2.6 s, as on a phone), then the 440 Hz tone goes on to the
   * end of the 6 s call, clean: telephone-event never reached the Opus
   * decoder. The other way nothing was held back. */
  assert_tone (f->callee_wav, 440, 2.5);
  assert_tone (f->caller_wav, 880, 5.0);
  holler_test_relay_free (relay);
}

/* Takes telephone-event out of the caller's offer (JSON-escaped SDP), so
 * the callee answers without it. */
static char *
strip_telephone_event (int from, const char *line, gpointer user_data)
{
  static const char *cuts[] = {
    "a=rtpmap:101 telephone-event/48000\\r\\n",
    "a=fmtp:101 0-15\\r\\n",
  };
  g_autoptr(GString) s = g_string_new (line);

  if (from != 0 || strstr (line, "\"offer\"") == NULL)
    return g_string_free (g_steal_pointer (&s), FALSE);
  for (gsize i = 0; i < G_N_ELEMENTS (cuts); i++)
    if (g_string_replace (s, cuts[i], "", 0) == 1)
      *(int *) user_data += 1;
  if (g_string_replace (s, "SAVPF 111 101\\r\\n", "SAVPF 111\\r\\n", 0) == 1)
    *(int *) user_data += 1;
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
test_not_negotiated (Fixture *f, gconstpointer data)
{
  g_auto(GStrv) caller = peer_argv ("call", 440, f->caller_wav, 4, DIGITS);
  g_auto(GStrv) callee = peer_argv ("listen", 880, f->callee_wav, 0, NULL);
  HollerTestRelay *relay = holler_test_relay_new ((const char * const *) caller,
                                                  (const char * const *) callee, f->dir);
  g_autofree char *caller_log = NULL, *callee_log = NULL, *heard = NULL;
  g_autoptr(GPtrArray) warnings = NULL, sent = NULL;
  const char *message;
  int cuts = 0;
  double seconds;

  holler_test_relay_set_rewrite (relay, strip_telephone_event, &cuts);
  g_assert_true (holler_test_relay_run (relay, 60));
  caller_log = peer_log (relay, 0);
  callee_log = peer_log (relay, 1);
  g_assert_cmpint (cuts, ==, 3);
  /* the call itself is fine */
  g_assert_cmpint (holler_test_relay_exit_status (relay, 0), ==, 0);
  g_assert_cmpint (holler_test_relay_exit_status (relay, 1), ==, 0);

  warnings = holler_test_find_events (caller_log, "warning");
  g_assert_cmpuint (warnings->len, ==, 1);
  message = json_object_get_string_member (g_ptr_array_index (warnings, 0), "message");
  g_assert_nonnull (strstr (message, "telephone-event"));
  sent = holler_test_find_events (caller_log, "dtmf-sent");
  g_assert_cmpuint (sent->len, ==, 0);
  heard = received_digits (callee_log);
  g_assert_cmpstr (heard, ==, "");
  g_assert_cmpfloat (holler_test_tone_share (f->callee_wav, 440, 0, 0, &seconds), >, 0.8);
  g_assert_cmpfloat (seconds, >, 3.0);
  g_assert_cmpfloat (holler_test_tone_share (f->caller_wav, 880, 0, 0, &seconds), >, 0.8);
  holler_test_relay_free (relay);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/dtmf-call/digits-arrive", Fixture, NULL, fixture_setup, test_digits_arrive, fixture_teardown);
  g_test_add ("/dtmf-call/not-negotiated", Fixture, NULL, fixture_setup, test_not_negotiated, fixture_teardown);
  return g_test_run ();
}
