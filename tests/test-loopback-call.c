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

/* CI sets HOLLER_TEST_SLOWDOWN for slower builds (sanitizers); every bound scales with it */
static guint
timeout_s (void)
{
  const char *env = g_getenv ("HOLLER_TEST_SLOWDOWN");
  double factor = env != NULL ? g_ascii_strtod (env, NULL) : 1.0;

  return (guint) (TIMEOUT_S * CLAMP (factor, 1.0, 20.0));
}

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
  timeout_id = g_timeout_add_seconds (timeout_s (), on_timeout, c);
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
  timeout_id = g_timeout_add_seconds (timeout_s (), on_timeout, &c);
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

/* The scripted tests below act on conditions, never on elapsed time:
 * a step runs once the calls reach a state and have carried some audio,
 * however slow the machine is; the call's own timeout bounds the wait. */
#define CHECK_MS 20
#define PACKETS_PER_STEP 25   /* 0.5 s of 20 ms packets */

static guint64
packets_received (HollerRunner *runner)
{
  HollerMediaStats stats = { 0 };
  HollerCall *call = holler_runner_get_call (runner);

  if (call == NULL || !holler_call_get_media_stats (call, &stats))
    return 0;
  return stats.packets_received;
}

static gboolean
both_active (Call *c)
{
  for (int i = 0; i < 2; i++)
    {
      HollerCall *call = holler_runner_get_call (c->runners[i]);

      if (call == NULL || holler_call_get_state (call) != HOLLER_CALL_STATE_ACTIVE)
        return FALSE;
    }
  return TRUE;
}

/* Both sides active, with each having received at least @packets since @since */
static gboolean
both_carried (Call *c, const guint64 since[2], guint64 packets)
{
  if (!both_active (c))
    return FALSE;
  for (int i = 0; i < 2; i++)
    if (packets_received (c->runners[i]) < since[i] + packets)
      return FALSE;
  return TRUE;
}

static gboolean
both_restarted (Call *c, guint restarts)
{
  for (int i = 0; i < 2; i++)
    if (holler_call_get_ice_restarts (holler_runner_get_call (c->runners[i])) < restarts)
      return FALSE;
  return TRUE;
}

typedef struct {
  Call *call;
  int step;
  guint64 mark[2];
} Restarts;

static void
mark_packets (Restarts *r)
{
  for (int i = 0; i < 2; i++)
    r->mark[i] = packets_received (r->call->runners[i]);
}

/* Step 0, once audio flows: the callee restarts ICE (the non-controlling
 * side offers). Step 1, once that restart is done and audio flows again:
 * both at once (glare: the caller's offer wins). Step 2, once the second
 * restart is done and 1 s more audio arrived on each side: hang up. */
static gboolean
on_restart_check (gpointer user_data)
{
  Restarts *r = user_data;
  Call *c = r->call;
  static const guint64 zero[2] = { 0, 0 };

  /* the test removes this source; it idles once its script is done */
  if (both_finished (c) || r->step > 2)
    return G_SOURCE_CONTINUE;
  switch (r->step)
    {
    case 0:
      if (!both_carried (c, zero, PACKETS_PER_STEP))
        return G_SOURCE_CONTINUE;
      mark_packets (r);
      holler_call_restart_ice (holler_runner_get_call (c->runners[1]));
      break;
    case 1:
      if (!both_restarted (c, 1) || !both_carried (c, r->mark, PACKETS_PER_STEP))
        return G_SOURCE_CONTINUE;
      mark_packets (r);
      holler_call_restart_ice (holler_runner_get_call (c->runners[0]));
      holler_call_restart_ice (holler_runner_get_call (c->runners[1]));
      break;
    default:
      if (!both_restarted (c, 2) || !both_carried (c, r->mark, 2 * PACKETS_PER_STEP))
        return G_SOURCE_CONTINUE;
      holler_runner_stop (c->runners[0]);
      break;
    }
  r->step++;
  return G_SOURCE_CONTINUE;
}

static void
test_ice_restart (void)
{
  Call c = { { NULL, NULL }, FALSE };
  Restarts r = { &c, 0, { 0, 0 } };
  guint check_id = g_timeout_add (CHECK_MS, on_restart_check, &r);

  run_call (&c, 0, TRUE);
  g_clear_handle_id (&check_id, g_source_remove);
  g_assert_false (c.timed_out);
  g_assert_cmpint (r.step, ==, 3);
  for (int i = 0; i < 2; i++)
    {
      HollerCall *call = holler_runner_get_call (c.runners[i]);
      guint64 after = packets_received (c.runners[i]) - r.mark[i];
      HollerMediaStats stats = { 0 };

      g_test_message ("%s: %u ICE restarts, %" G_GUINT64_FORMAT " packets after the second",
                      holler_call_get_label (call), holler_call_get_ice_restarts (call), after);
      g_assert_cmpint (holler_runner_get_exit_status (c.runners[i]), ==, 0);
      g_assert_cmpuint (holler_call_get_ice_restarts (call), ==, 2);
      g_assert_cmpuint (after, >=, 2 * PACKETS_PER_STEP);
      /* make before break: (almost) nothing lost while the sessions changed */
      g_assert_true (holler_call_get_media_stats (call, &stats));
      g_assert_cmpint (stats.packets_lost, <=, 5);
    }
  assert_heard (c.runners[0], CALLEE_HZ);
  assert_heard (c.runners[1], CALLER_HZ);
  call_clear (&c);
}

/* Once audio flows, the callee gets a re-offer (as from the caller) whose
 * DTLS fingerprint differs from the one the call was keyed with: the call
 * must end with fingerprint-mismatch on both sides, never take it. */
typedef struct {
  Call *call;
  gboolean sent;
} Forgery;

static gboolean
on_forged_reoffer_check (gpointer user_data)
{
  Forgery *f = user_data;
  Call *c = f->call;
  static const guint64 zero[2] = { 0, 0 };
  HollerCall *callee;
  g_autoptr(HollerSdpDescription) forged = NULL;
  g_autoptr(HollerMessage) offer = NULL;

  /* the test removes this source; it idles once the offer is sent */
  if (f->sent || both_finished (c) || !both_carried (c, zero, PACKETS_PER_STEP))
    return G_SOURCE_CONTINUE;
  f->sent = TRUE;
  callee = holler_runner_get_call (c->runners[1]);
  forged = holler_sdp_description_new ();
  offer = holler_message_new (HOLLER_MESSAGE_OFFER);
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
  return G_SOURCE_CONTINUE;
}

static void
test_reoffer_new_fingerprint (void)
{
  Call c = { { NULL, NULL }, FALSE };
  Forgery f = { &c, FALSE };
  guint check_id = g_timeout_add (CHECK_MS, on_forged_reoffer_check, &f);

  /* no duration: only the mismatch can end this call (or the timeout) */
  run_call (&c, 0, TRUE);
  g_clear_handle_id (&check_id, g_source_remove);
  g_assert_false (c.timed_out);
  g_assert_true (f.sent);
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
