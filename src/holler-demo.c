/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "holler"

#include "config.h"
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <glib/gi18n.h>
#include "holler-demo.h"
#include "holler-runner.h"
#include "server/holler-rendezvous.h"

#define CALLER_HZ 440.0
#define CALLEE_HZ 880.0

typedef struct {
  GMainLoop *loop;
  HollerRunner *runners[2];
} Demo;

static void
on_finished (HollerRunner *runner, gpointer user_data)
{
  Demo *demo = user_data;

  if (holler_runner_is_finished (demo->runners[0]) && holler_runner_is_finished (demo->runners[1]))
    g_main_loop_quit (demo->loop);
}

/* Did this side decode the other side's tone? Prints what it got. */
static gboolean
check_side (HollerRunner *runner, const char *name, double expected_hz)
{
  HollerCall *call = holler_runner_get_call (runner);
  HollerMediaStats stats = { 0 };
  HollerIcePair pair = { { 0 } };
  gboolean ok;

  if (call == NULL || !holler_call_get_media_stats (call, &stats))
    {
      fprintf (stderr, _("%s: no media\n"), name);
      return FALSE;
    }
  holler_call_get_selected_pair (call, &pair);
  ok = stats.packets_received > 0 && fabs (stats.tone_hz - expected_hz) < expected_hz * 0.02;
  fprintf (stderr, _("%s: pair %s %s ↔ %s %s; sent %" PRIu64 " packets, received %"
                     PRIu64 " (lost %" PRId64 "); heard %.1f Hz (expected %.0f Hz): %s\n"),
           name, pair.local_type, pair.local_address, pair.remote_type, pair.remote_address,
           stats.packets_sent, stats.packets_received, stats.packets_lost, stats.tone_hz, expected_hz,
           ok ? _("OK") : _("WRONG"));
  return ok;
}

static void
on_notice (HollerSignaling *signaling, const char *text, gpointer user_data)
{
  g_main_loop_quit (user_data);
}

static gboolean
on_register_timeout (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

/* The first notice of a fresh ws backend says it registered; a failure
 * comes as "closed", which the runner reports and which ends the demo. */
static gboolean
wait_registered (HollerSignaling *signaling, GMainLoop *loop)
{
  gulong id = g_signal_connect (signaling, "notice", G_CALLBACK (on_notice), loop);
  gulong closed_id = g_signal_connect_swapped (signaling, "closed", G_CALLBACK (g_main_loop_quit), loop);
  guint timeout = g_timeout_add_seconds (10, on_register_timeout, loop);

  g_main_loop_run (loop);
  g_signal_handler_disconnect (signaling, id);
  g_signal_handler_disconnect (signaling, closed_id);
  g_source_remove (timeout);
  return TRUE;
}

/* The embedded default: a rendezvous server on a free loopback port in
 * this process, so the demo takes the same path as two `holler` processes
 * calling through `holler serve`. */
static HollerRendezvous *
start_server (GError **error)
{
  g_autoptr(HollerRendezvousOptions) options = holler_rendezvous_options_new ();
  g_autoptr(HollerRendezvous) server = NULL;

  options->port = 0;
  options->quiet = TRUE;
  server = holler_rendezvous_new (options, error);
  if (server == NULL || !holler_rendezvous_start (server, error))
    return NULL;
  return g_steal_pointer (&server);
}

int
holler_demo_run (double duration, HollerReporter *reporter)
{
  g_autoptr(HollerCallOptions) caller_opts = holler_call_options_new ();
  g_autoptr(HollerCallOptions) callee_opts = NULL;
  g_autoptr(HollerSignaling) sig_a = NULL;
  g_autoptr(HollerSignaling) sig_b = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(HollerRendezvous) server = NULL;
  g_autofree char *uri = NULL;
  const HollerSignalingParams alice = { "alice", NULL, NULL };
  const HollerSignalingParams bob = { "bob", NULL, NULL };
  const char *loopback[] = { "127.0.0.1", NULL };
  Demo demo = { loop, { NULL, NULL } };
  gboolean ok;
  int status;

  /* Only loopback: the demo needs no network and touches none. */
  caller_opts->input = g_strdup_printf ("tone:%g", CALLER_HZ);
  caller_opts->output = g_strdup ("null");
  caller_opts->duration = duration;
  caller_opts->allow_loopback = TRUE;
  caller_opts->ice_addresses = g_strdupv ((char **) loopback);
  caller_opts->connect_timeout = 15;
  callee_opts = holler_call_options_copy (caller_opts);
  g_free (callee_opts->input);
  callee_opts->input = g_strdup_printf ("tone:%g", CALLEE_HZ);
  callee_opts->duration = 0;
  callee_opts->auto_answer = TRUE;

  server = start_server (&error);
  if (server == NULL)
    {
      fprintf (stderr, _("Demo failed to start its rendezvous server: %s\n"), error->message);
      return 1;
    }
  uri = holler_rendezvous_get_uri (server);
  sig_a = holler_signaling_new_for_uri (uri, &alice, &error);
  sig_b = holler_signaling_new_for_uri (uri, &bob, &error);
  g_assert (sig_a != NULL && sig_b != NULL);   /* our own URI and ids */
  demo.runners[0] = holler_runner_new (sig_a, caller_opts, reporter, "caller", TRUE, "bob");
  demo.runners[1] = holler_runner_new (sig_b, callee_opts, reporter, "callee", FALSE, NULL);
  g_signal_connect (demo.runners[0], "finished", G_CALLBACK (on_finished), &demo);
  g_signal_connect (demo.runners[1], "finished", G_CALLBACK (on_finished), &demo);

  fprintf (stderr, _("Holler demo: rendezvous server at %s; “alice” (sends %.0f Hz) calls “bob” "
                     "(sends %.0f Hz) on loopback for %g s\n"), uri, CALLER_HZ, CALLEE_HZ, duration);
  /* bob must be registered before alice's offer reaches the server */
  if (!holler_runner_start (demo.runners[1], &error) || !wait_registered (sig_b, loop)
      || !holler_runner_start (demo.runners[0], &error))
    {
      fprintf (stderr, _("Demo failed to start: %s\n"), error->message);
      status = 1;
    }
  else
    {
      g_main_loop_run (loop);
      ok = holler_runner_get_exit_status (demo.runners[0]) == 0
           && holler_runner_get_exit_status (demo.runners[1]) == 0;
      ok = check_side (demo.runners[0], "caller", CALLEE_HZ) && ok;
      ok = check_side (demo.runners[1], "callee", CALLER_HZ) && ok;
      fprintf (stderr, ok ? _("Demo passed: encrypted audio flowed both ways.\n")
                          : _("Demo FAILED: audio did not flow both ways.\n"));
      status = ok ? 0 : 1;
    }
  g_object_unref (demo.runners[0]);
  g_object_unref (demo.runners[1]);
  holler_rendezvous_stop (server);
  return status;
}
