/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "holler"

#include "config.h"
#include <math.h>
#include <stdio.h>
#include <glib/gi18n.h>
#include "holler-demo.h"
#include "holler-runner.h"

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
  fprintf (stderr, _("%s: pair %s %s ↔ %s %s; sent %" G_GUINT64_FORMAT " packets, received %"
                     G_GUINT64_FORMAT " (lost %" G_GINT64_FORMAT "); heard %.1f Hz (expected %.0f Hz): %s\n"),
           name, pair.local_type, pair.local_address, pair.remote_type, pair.remote_address,
           stats.packets_sent, stats.packets_received, stats.packets_lost, stats.tone_hz, expected_hz,
           ok ? _("OK") : _("WRONG"));
  return ok;
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

  holler_signaling_loopback_new_pair (&sig_a, &sig_b);
  demo.runners[0] = holler_runner_new (sig_a, caller_opts, reporter, "caller", TRUE, NULL);
  demo.runners[1] = holler_runner_new (sig_b, callee_opts, reporter, "callee", FALSE, NULL);
  g_signal_connect (demo.runners[0], "finished", G_CALLBACK (on_finished), &demo);
  g_signal_connect (demo.runners[1], "finished", G_CALLBACK (on_finished), &demo);

  fprintf (stderr, _("Holler demo: calling from “caller” (sends %.0f Hz) to “callee” (sends %.0f Hz) "
                     "on loopback for %g s\n"), CALLER_HZ, CALLEE_HZ, duration);
  if (!holler_runner_start (demo.runners[1], &error) || !holler_runner_start (demo.runners[0], &error))
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
  return status;
}
