/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* holler-pairs: N Holler calls in one process, both ends of each, for
 * bench/percall-memory. Each pair is a caller and an auto-answering callee
 * (libholler-core runners, as `holler call` / `holler listen`) wired through
 * in-process loopback signaling; both send a tone (opusenc, 32 kb/s, 20 ms,
 * FEC) and decode what they get (output null: jitter buffer, opusdec, the
 * level/tone analysis). ICE on 127.0.0.1 only.
 *
 *   holler-pairs --pairs N [--duration S] [--connect-timeout S]
 *
 * Prints "READY {json}" on stdout once every one of the 2N calls has decoded
 * remote audio, then runs until SIGTERM/SIGINT or --duration seconds after
 * that, hangs up and prints "DONE {json}" (packets received per call, min
 * and total). Exit 0 when every call connected and received audio. */
#include "config.h"
#include <signal.h>
#include <stdio.h>
#include <glib-unix.h>
#include <gst/gst.h>
#include "holler-runner.h"

typedef struct {
  GMainLoop *loop;
  GPtrArray *runners;      /* caller, callee, caller, callee, ... */
  guint pairs;
  gboolean ready;
  gboolean stopping;
  double duration;
  gint64 start_time;
  guint finished;
} Pairs;

static void
on_finished (HollerRunner *runner, gpointer user_data)
{
  Pairs *p = user_data;

  if (++p->finished == p->runners->len)
    g_main_loop_quit (p->loop);
  else if (!p->stopping && !p->ready)
    {
      g_printerr ("holler-pairs: a call ended before all were up\n");
      p->stopping = TRUE;
      for (guint i = 0; i < p->runners->len; i++)
        holler_runner_stop (g_ptr_array_index (p->runners, i));
    }
}

static void
stop_all (Pairs *p)
{
  if (p->stopping)
    return;
  p->stopping = TRUE;
  for (guint i = 0; i < p->runners->len; i++)
    holler_runner_stop (g_ptr_array_index (p->runners, i));
}

static gboolean
on_stop (gpointer user_data)
{
  stop_all (user_data);
  return G_SOURCE_REMOVE;
}

static gboolean
on_signal (gpointer user_data)
{
  stop_all (user_data);
  return G_SOURCE_CONTINUE;
}

static guint
count_decoding (Pairs *p, guint64 *min_packets, guint64 *total_packets)
{
  guint n = 0;

  *min_packets = G_MAXUINT64;
  *total_packets = 0;
  for (guint i = 0; i < p->runners->len; i++)
    {
      HollerCall *call = holler_runner_get_call (g_ptr_array_index (p->runners, i));
      HollerMediaStats stats = { 0 };

      if (call != NULL && holler_call_get_media_stats (call, &stats) && stats.first_audio_time != 0)
        n++;
      *min_packets = MIN (*min_packets, stats.packets_received);
      *total_packets += stats.packets_received;
    }
  return n;
}

static gboolean
on_poll (gpointer user_data)
{
  Pairs *p = user_data;
  guint64 min_packets, total_packets;

  if (p->stopping)
    return G_SOURCE_REMOVE;
  if (count_decoding (p, &min_packets, &total_packets) < p->runners->len)
    return G_SOURCE_CONTINUE;
  p->ready = TRUE;
  printf ("READY {\"pairs\": %u, \"calls\": %u, \"setup_s\": %.3f}\n", p->pairs, p->runners->len,
          (g_get_monotonic_time () - p->start_time) / 1e6);
  fflush (stdout);
  if (p->duration > 0)
    g_timeout_add ((guint) (p->duration * 1000), on_stop, p);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  int pairs = 1;
  double duration = 0, connect_timeout = 30;
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  const char *loopback[] = { "127.0.0.1", NULL };
  GOptionEntry entries[] = {
    { "pairs", 0, 0, G_OPTION_ARG_INT, &pairs, "number of caller+callee pairs (1)", "N" },
    { "duration", 0, 0, G_OPTION_ARG_DOUBLE, &duration, "hang up S after all are up (0: at SIGTERM)", "S" },
    { "connect-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &connect_timeout, "per call (30)", "S" },
    { NULL }
  };
  g_autoptr(HollerCallOptions) caller_opts = holler_call_options_new ();
  g_autoptr(HollerCallOptions) callee_opts = NULL;
  g_autoptr(HollerReporter) reporter = NULL;
  GPtrArray *signalings = g_ptr_array_new_with_free_func (g_object_unref);
  Pairs p = { 0 };
  guint64 min_packets, total_packets;
  guint decoding, ok = 0, sigint, sigterm;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || pairs < 1 || duration < 0)
    {
      g_printerr ("holler-pairs: %s\n", error ? error->message : "bad --pairs or --duration");
      return 2;
    }
  signal (SIGPIPE, SIG_IGN);
  gst_init (NULL, NULL);
  caller_opts->input = g_strdup ("tone:440");
  caller_opts->output = g_strdup ("null");
  caller_opts->allow_loopback = TRUE;
  caller_opts->ice_addresses = g_strdupv ((char **) loopback);
  caller_opts->connect_timeout = connect_timeout;
  callee_opts = holler_call_options_copy (caller_opts);
  g_free (callee_opts->input);
  callee_opts->input = g_strdup ("tone:880");
  callee_opts->auto_answer = TRUE;
  /* JSON events on stderr; the driver throws them away */
  reporter = holler_reporter_new (TRUE, g_get_monotonic_time ());

  p.loop = g_main_loop_new (NULL, FALSE);
  p.runners = g_ptr_array_new_with_free_func (g_object_unref);
  p.pairs = (guint) pairs;
  p.duration = duration;
  p.start_time = g_get_monotonic_time ();
  for (int i = 0; i < pairs; i++)
    {
      HollerSignaling *a = NULL, *b = NULL;
      g_autofree char *caller_label = g_strdup_printf ("caller%d", i + 1);
      g_autofree char *callee_label = g_strdup_printf ("callee%d", i + 1);
      HollerRunner *caller, *callee;

      holler_signaling_loopback_new_pair (&a, &b);
      g_ptr_array_add (signalings, a);
      g_ptr_array_add (signalings, b);
      caller = holler_runner_new (a, caller_opts, reporter, caller_label, TRUE, NULL);
      callee = holler_runner_new (b, callee_opts, reporter, callee_label, FALSE, NULL);
      g_ptr_array_add (p.runners, caller);
      g_ptr_array_add (p.runners, callee);
      g_signal_connect (caller, "finished", G_CALLBACK (on_finished), &p);
      g_signal_connect (callee, "finished", G_CALLBACK (on_finished), &p);
      if (!holler_runner_start (callee, &error) || !holler_runner_start (caller, &error))
        {
          g_printerr ("holler-pairs: pair %d: %s\n", i + 1, error->message);
          return 1;
        }
    }
  sigint = g_unix_signal_add (SIGINT, on_signal, &p);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, &p);
  g_timeout_add (100, on_poll, &p);
  g_main_loop_run (p.loop);

  decoding = count_decoding (&p, &min_packets, &total_packets);
  for (guint i = 0; i < p.runners->len; i++)
    if (holler_runner_get_exit_status (g_ptr_array_index (p.runners, i)) == 0)
      ok++;
  printf ("DONE {\"pairs\": %u, \"calls\": %u, \"decoding\": %u, \"ok\": %u, "
          "\"min_packets_received\": %" G_GUINT64_FORMAT ", \"total_packets_received\": %" G_GUINT64_FORMAT "}\n",
          p.pairs, p.runners->len, decoding, ok, min_packets, total_packets);
  fflush (stdout);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_ptr_array_unref (p.runners);
  g_ptr_array_unref (signalings);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_main_loop_unref (p.loop);
  return p.ready && decoding == 2 * p.pairs ? 0 : 1;
}
