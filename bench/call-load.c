/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* call-load: many real callers in one process, for the answering service's
 * capacity benchmark (bench/service-capacity). Each caller has its own
 * rendezvous registration, ICE agent, DTLS and SRTP, sends a pre-encoded
 * Ogg Opus file (opus:, no encoding) and does not decode what it gets
 * (discard), so the load generator spends its CPU on what a network of
 * real callers would, not on codecs.
 *
 *   call-load --signaling URI --target ID --calls N --duration S --input FILE.ogg [--rate R]
 *
 * Prints one JSON object: calls, connected (reached active), ok (ended
 * normally), the end reasons. Exit 0 when every call was ok. */
#include "config.h"
#include <stdio.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>
#include "holler-runner.h"

typedef struct {
  GPtrArray *runners;
  GPtrArray *signalings;
  guint finished;
  guint started;
  guint total;
  HollerCallOptions *options;
  HollerReporter *reporter;
  char *uri;
  char *target;
  GMainLoop *loop;
} Load;

static void
on_finished (HollerRunner *runner, gpointer user_data)
{
  Load *load = user_data;

  if (++load->finished == load->total)
    g_main_loop_quit (load->loop);
}

static gboolean
start_next (gpointer user_data)
{
  Load *load = user_data;
  g_autofree char *id = g_strdup_printf ("load%u", load->started + 1);
  g_autofree char *label = g_strdup_printf ("load%u", load->started + 1);
  HollerSignalingParams params = { id, NULL, NULL };
  g_autoptr(GError) error = NULL;
  HollerSignaling *signaling = holler_signaling_new_for_uri (load->uri, &params, &error);
  HollerRunner *runner;

  g_assert (signaling != NULL);
  runner = holler_runner_new (signaling, load->options, load->reporter, label, TRUE, load->target);
  g_signal_connect (runner, "finished", G_CALLBACK (on_finished), load);
  g_ptr_array_add (load->signalings, signaling);
  g_ptr_array_add (load->runners, runner);
  if (!holler_runner_start (runner, &error))
    g_printerr ("call-load: %s: %s\n", id, error->message);
  return ++load->started < load->total ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  g_autofree char *uri = NULL, *target = NULL, *input = NULL;
  int calls = 10;
  double duration = 20, rate = 10;
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  const char *loopback[] = { "127.0.0.1", NULL };
  GOptionEntry entries[] = {
    { "signaling", 0, 0, G_OPTION_ARG_STRING, &uri, "rendezvous server URI", "URI" },
    { "target", 0, 0, G_OPTION_ARG_STRING, &target, "the id to call", "ID" },
    { "calls", 0, 0, G_OPTION_ARG_INT, &calls, "number of callers (10)", "N" },
    { "duration", 0, 0, G_OPTION_ARG_DOUBLE, &duration, "seconds each call lasts once active (20)", "S" },
    { "input", 0, 0, G_OPTION_ARG_FILENAME, &input, "Ogg Opus file to send", "FILE" },
    { "rate", 0, 0, G_OPTION_ARG_DOUBLE, &rate, "calls started per second (10)", "R" },
    { NULL }
  };
  Load load = { 0 };
  g_autoptr(GHashTable) reasons = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  guint connected = 0, ok = 0;
  GHashTableIter iter;
  gpointer key, value;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || uri == NULL || target == NULL
      || input == NULL || calls < 1 || duration <= 0 || rate <= 0)
    {
      g_printerr ("call-load: %s\n", error ? error->message : "--signaling, --target and --input are needed");
      return 2;
    }
  gst_init (NULL, NULL);
  load.options = holler_call_options_new ();
  load.options->input = g_strconcat ("opus:", input, NULL);
  load.options->output = g_strdup ("discard");
  load.options->duration = duration;
  load.options->allow_loopback = TRUE;
  load.options->ice_addresses = g_strdupv ((char **) loopback);
  load.options->connect_timeout = 30;
  load.reporter = holler_reporter_new (TRUE, g_get_monotonic_time ());   /* JSON lines on stderr */
  load.runners = g_ptr_array_new_with_free_func (g_object_unref);
  load.signalings = g_ptr_array_new_with_free_func (g_object_unref);
  load.total = (guint) calls;
  load.uri = uri;
  load.target = target;
  load.loop = g_main_loop_new (NULL, FALSE);
  g_timeout_add ((guint) (1000 / rate), start_next, &load);
  g_main_loop_run (load.loop);

  for (guint i = 0; i < load.runners->len; i++)
    {
      HollerRunner *runner = g_ptr_array_index (load.runners, i);
      HollerCall *call = holler_runner_get_call (runner);
      const char *reason = call ? holler_call_get_end_reason (call) : "no-call";
      HollerMediaStats stats;

      if (call != NULL && holler_call_get_media_stats (call, &stats) && stats.packets_received > 0)
        connected++;
      if (holler_runner_get_exit_status (runner) == 0)
        ok++;
      reason = reason ? reason : "?";
      g_hash_table_insert (reasons, (gpointer) reason,
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (reasons, reason)) + 1));
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "calls");
  json_builder_add_int_value (b, calls);
  json_builder_set_member_name (b, "connected");
  json_builder_add_int_value (b, connected);
  json_builder_set_member_name (b, "ok");
  json_builder_add_int_value (b, ok);
  json_builder_set_member_name (b, "reasons");
  json_builder_begin_object (b);
  g_hash_table_iter_init (&iter, reasons);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      json_builder_set_member_name (b, key);
      json_builder_add_int_value (b, GPOINTER_TO_UINT (value));
    }
  json_builder_end_object (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  text = json_to_string (root, FALSE);
  printf ("%s\n", text);
  g_ptr_array_unref (load.runners);
  g_ptr_array_unref (load.signalings);
  holler_call_options_free (load.options);
  holler_reporter_unref (load.reporter);
  g_main_loop_unref (load.loop);
  return ok == (guint) calls ? 0 : 1;
}
