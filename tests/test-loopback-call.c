/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A whole call between two peers inside this test process, over the
 * in-process loopback signaling backend: runner, call, ICE, DTLS, SRTP and
 * media with no other process and no server. Tones are measured on what
 * each side decoded. */
#include <math.h>
#include <gst/gst.h>
#include "holler-runner.h"
#include "holler-sdp.h"

#define CALLER_HZ 440.0
#define CALLEE_HZ 880.0
#define TIMEOUT_S 30

typedef struct {
  HollerRunner *runners[2];
  gboolean timed_out;
} Call;

static gboolean
both_finished (Call *c)
{
  return holler_runner_is_finished (c->runners[0]) && holler_runner_is_finished (c->runners[1]);
}

static gboolean
on_timeout (gpointer user_data)
{
  ((Call *) user_data)->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static HollerCallOptions *
options_for (double hz, double duration, gboolean auto_answer)
{
  HollerCallOptions *o = holler_call_options_new ();
  const char *loopback[] = { "127.0.0.1", NULL };

  o->input = g_strdup_printf ("tone:%g", hz);
  o->output = g_strdup ("null");
  o->duration = duration;
  o->allow_loopback = TRUE;
  o->ice_addresses = g_strdupv ((char **) loopback);
  o->connect_timeout = 15;
  o->auto_answer = auto_answer;
  return o;
}

/* Runs a call; returns the runners (finished, or not after a timeout) */
static void
run_call (Call *c, double duration, gboolean auto_answer)
{
  g_autoptr(HollerReporter) reporter = holler_reporter_new (TRUE, g_get_monotonic_time ());
  g_autoptr(HollerCallOptions) caller_opts = options_for (CALLER_HZ, duration, FALSE);
  g_autoptr(HollerCallOptions) callee_opts = options_for (CALLEE_HZ, 0, auto_answer);
  g_autoptr(HollerSignaling) a = NULL;
  g_autoptr(HollerSignaling) b = NULL;
  g_autoptr(GError) error = NULL;
  guint timeout_id;

  holler_signaling_loopback_new_pair (&a, &b);
  c->runners[0] = holler_runner_new (a, caller_opts, reporter, "caller", TRUE, NULL);
  c->runners[1] = holler_runner_new (b, callee_opts, reporter, "callee", FALSE, NULL);
  g_assert_true (holler_runner_start (c->runners[1], &error));
  g_assert_no_error (error);
  g_assert_true (holler_runner_start (c->runners[0], &error));
  g_assert_no_error (error);
  timeout_id = g_timeout_add_seconds (TIMEOUT_S, on_timeout, c);
  while (!both_finished (c) && !c->timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!c->timed_out)
    g_source_remove (timeout_id);
}

static void
call_clear (Call *c)
{
  g_clear_object (&c->runners[0]);
  g_clear_object (&c->runners[1]);
  /* let the ICE agents' and pipelines' last callbacks run */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
assert_heard (HollerRunner *runner, double hz)
{
  HollerCall *call = holler_runner_get_call (runner);
  HollerMediaStats stats = { 0 };
  HollerIcePair pair = { { 0 } };

  g_assert_nonnull (call);
  g_assert_true (holler_call_get_media_stats (call, &stats));
  g_assert_true (holler_call_get_selected_pair (call, &pair));
  g_test_message ("%s: pair %s ↔ %s, received %" G_GUINT64_FORMAT " packets, lost %" G_GINT64_FORMAT
                  ", heard %.1f Hz", holler_call_get_label (call), pair.local_type, pair.remote_type,
                  stats.packets_received, stats.packets_lost, stats.tone_hz);
  g_assert_cmpstr (pair.local_type, ==, "host");
  g_assert_cmpuint (stats.packets_received, >, 50);
  g_assert_cmpfloat (fabs (stats.tone_hz - hz), <, hz * 0.02);
}

static void
test_tones_both_ways (void)
{
  Call c = { { NULL, NULL }, FALSE };

  run_call (&c, 2, TRUE);
  g_assert_false (c.timed_out);
  g_assert_cmpint (holler_runner_get_exit_status (c.runners[0]), ==, 0);
  g_assert_cmpint (holler_runner_get_exit_status (c.runners[1]), ==, 0);
  g_assert_cmpstr (holler_call_get_end_reason (holler_runner_get_call (c.runners[0])), ==, "hangup");
  g_assert_cmpstr (holler_call_get_end_reason (holler_runner_get_call (c.runners[1])), ==, "hangup");
  assert_heard (c.runners[0], CALLEE_HZ);
  assert_heard (c.runners[1], CALLER_HZ);
  call_clear (&c);
}

static void
on_incoming_reject (HollerRunner *runner, gpointer user_data)
{
  holler_runner_reject (runner);
}

/* A callee that rejects: the caller fails with "rejected" and no media ran */
static void
test_rejected (void)
{
  Call c = { { NULL, NULL }, FALSE };
  g_autoptr(HollerReporter) reporter = holler_reporter_new (TRUE, g_get_monotonic_time ());
  g_autoptr(HollerCallOptions) caller_opts = options_for (CALLER_HZ, 2, FALSE);
  g_autoptr(HollerCallOptions) callee_opts = options_for (CALLEE_HZ, 0, FALSE);
  g_autoptr(HollerSignaling) a = NULL;
  g_autoptr(HollerSignaling) b = NULL;
  g_autoptr(GError) error = NULL;
  HollerMediaStats stats = { 0 };
  guint timeout_id;

  holler_signaling_loopback_new_pair (&a, &b);
  c.runners[0] = holler_runner_new (a, caller_opts, reporter, "caller", TRUE, NULL);
  c.runners[1] = holler_runner_new (b, callee_opts, reporter, "callee", FALSE, NULL);
  g_signal_connect (c.runners[1], "incoming", G_CALLBACK (on_incoming_reject), NULL);
  g_assert_true (holler_runner_start (c.runners[1], &error));
  g_assert_true (holler_runner_start (c.runners[0], &error));
  timeout_id = g_timeout_add_seconds (TIMEOUT_S, on_timeout, &c);
  while (!both_finished (&c) && !c.timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (c.timed_out);
  g_source_remove (timeout_id);
  g_assert_cmpint (holler_runner_get_exit_status (c.runners[0]), ==, 1);
  g_assert_cmpstr (holler_call_get_end_reason (holler_runner_get_call (c.runners[0])), ==, "rejected");
  g_assert_cmpint (holler_runner_get_exit_status (c.runners[1]), ==, 0);
  g_assert_false (holler_call_get_media_stats (holler_runner_get_call (c.runners[0]), &stats));
  call_clear (&c);
}

typedef struct {
  Call *call;
  int step;
  guint64 packets_at_restart[2];
} Restarts;

static guint64
packets_received (HollerRunner *runner)
{
  HollerMediaStats stats = { 0 };

  holler_call_get_media_stats (holler_runner_get_call (runner), &stats);
  return stats.packets_received;
}

/* 1 s in: the callee restarts ICE (the non-controlling side offers);
 * 2 s in: both at once (glare: the caller's offer wins). */
static gboolean
on_restart_step (gpointer user_data)
{
  Restarts *r = user_data;
  HollerCall *caller = holler_runner_get_call (r->call->runners[0]);
  HollerCall *callee = holler_runner_get_call (r->call->runners[1]);

  g_assert_cmpint (holler_call_get_state (caller), ==, HOLLER_CALL_STATE_ACTIVE);
  g_assert_cmpint (holler_call_get_state (callee), ==, HOLLER_CALL_STATE_ACTIVE);
  if (r->step++ == 0)
    {
      holler_call_restart_ice (callee);
      return G_SOURCE_CONTINUE;
    }
  for (int i = 0; i < 2; i++)
    r->packets_at_restart[i] = packets_received (r->call->runners[i]);
  holler_call_restart_ice (caller);
  holler_call_restart_ice (callee);
  return G_SOURCE_REMOVE;
}

static void
test_ice_restart (void)
{
  Call c = { { NULL, NULL }, FALSE };
  Restarts r = { &c, 0, { 0, 0 } };

  g_timeout_add (1000, on_restart_step, &r);
  run_call (&c, 4, TRUE);
  g_assert_false (c.timed_out);
  g_assert_cmpint (r.step, ==, 2);
  for (int i = 0; i < 2; i++)
    {
      HollerCall *call = holler_runner_get_call (c.runners[i]);
      guint64 after = packets_received (c.runners[i]) - r.packets_at_restart[i];
      HollerMediaStats stats = { 0 };

      g_test_message ("%s: %u ICE restarts, %" G_GUINT64_FORMAT " packets after the second",
                      holler_call_get_label (call), holler_call_get_ice_restarts (call), after);
      g_assert_cmpint (holler_runner_get_exit_status (c.runners[i]), ==, 0);
      g_assert_cmpuint (holler_call_get_ice_restarts (call), ==, 2);
      /* ~2 s of 20 ms packets after the glare restart, and make before
       * break: (almost) nothing lost while the sessions changed */
      g_assert_cmpuint (after, >, 60);
      g_assert_true (holler_call_get_media_stats (call, &stats));
      g_assert_cmpint (stats.packets_lost, <=, 5);
    }
  assert_heard (c.runners[0], CALLEE_HZ);
  assert_heard (c.runners[1], CALLER_HZ);
  call_clear (&c);
}

/* 1 s in, the callee gets a re-offer (as from the caller) whose DTLS
 * fingerprint differs from the one the call was keyed with: the call
 * must end with fingerprint-mismatch on both sides, never take it. */
static gboolean
on_forged_reoffer (gpointer user_data)
{
  Call *c = user_data;
  HollerCall *callee = holler_runner_get_call (c->runners[1]);
  g_autoptr(HollerSdpDescription) forged = holler_sdp_description_new ();
  g_autoptr(HollerMessage) offer = holler_message_new (HOLLER_MESSAGE_OFFER);

  g_assert_cmpint (holler_call_get_state (callee), ==, HOLLER_CALL_STATE_ACTIVE);
  forged->session_id = 1;
  forged->session_version = 2;
  forged->ice_ufrag = g_strdup ("forg");
  forged->ice_pwd = g_strdup ("forgedforgedforgedforged");
  forged->ice_trickle = TRUE;
  forged->fingerprint_alg = g_strdup ("sha-256");
  forged->fingerprint = g_strdup ("AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:"
                                  "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99");
  forged->setup = HOLLER_DTLS_SETUP_ACTPASS;
  forged->mid = g_strdup ("0");
  forged->opus_pt = 111;
  forged->rtcp_mux = TRUE;
  offer->sdp = holler_sdp_build_offer (forged);
  holler_call_handle_message (callee, offer);
  return G_SOURCE_REMOVE;
}

static void
test_reoffer_new_fingerprint (void)
{
  Call c = { { NULL, NULL }, FALSE };

  g_timeout_add (1000, on_forged_reoffer, &c);
  run_call (&c, 5, TRUE);
  g_assert_false (c.timed_out);
  for (int i = 0; i < 2; i++)
    {
      HollerCall *call = holler_runner_get_call (c.runners[i]);

      g_assert_cmpstr (holler_call_get_end_reason (call), ==, "fingerprint-mismatch");
      g_assert_cmpint (holler_runner_get_exit_status (c.runners[i]), ==, 1);
    }
  call_clear (&c);
}

int
main (int argc, char **argv)
{
  gst_init (NULL, NULL);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/loopback-call/tones-both-ways", test_tones_both_ways);
  g_test_add_func ("/loopback-call/rejected", test_rejected);
  g_test_add_func ("/loopback-call/ice-restart", test_ice_restart);
  g_test_add_func ("/loopback-call/reoffer-new-fingerprint", test_reoffer_new_fingerprint);
  return g_test_run ();
}
