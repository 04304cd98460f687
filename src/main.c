/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* holler: subcommands call, listen, demo. Exit status 0 for a call that
 * ended normally, 1 for a failed call, 2 for usage or configuration errors. */
#define G_LOG_DOMAIN "holler"

#include "config.h"
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib-unix.h>
#include <gst/gst.h>
#include "holler-runner.h"
#include "holler-demo.h"
#include "holler-media.h"
#include "holler-error.h"
#include "holler-config.h"
#include "holler-serve.h"
#include "holler-service.h"
#include "holler-ctl.h"
#include "holler-devices.h"
#include "holler-status.h"
#include "holler-server-watch.h"
#include "holler-option-parser.h"
#include "holler-identity.h"
#include "holler-known-peers.h"
#include "holler-trust-cmd.h"

#define EXIT_CALL_FAILED 1
#define EXIT_USAGE 2

/* Bounds the wait for the last messages (a bye) to leave on exit */
#define SHUTDOWN_TIMEOUT_MS 2000

static gboolean
on_terminate (gpointer user_data)
{
  HollerRunner *runner = user_data;

  fprintf (stderr, "%s\n", _("Interrupted: hanging up"));
  holler_runner_stop (runner);
  return G_SOURCE_CONTINUE;
}

static void
on_runner_finished (HollerRunner *runner, gpointer user_data)
{
  g_main_loop_quit (user_data);
}

/* Answering by hand: stdin carries signaling, so keys come from the
 * controlling terminal. */
typedef struct {
  HollerRunner *runner;
  GIOChannel *tty;
  guint watch_id;
} TtyPrompt;

static gboolean
on_tty_input (GIOChannel *channel, GIOCondition condition, gpointer user_data)
{
  TtyPrompt *prompt = user_data;
  g_autofree char *line = NULL;

  if (g_io_channel_read_line (channel, &line, NULL, NULL, NULL) != G_IO_STATUS_NORMAL && line == NULL)
    {
      prompt->watch_id = 0;
      return G_SOURCE_REMOVE;
    }
  if (line != NULL && g_ascii_tolower (line[0]) == 'r')
    holler_runner_reject (prompt->runner);
  else
    holler_runner_answer (prompt->runner);
  prompt->watch_id = 0;
  return G_SOURCE_REMOVE;
}

static void
on_incoming (HollerRunner *runner, gpointer user_data)
{
  TtyPrompt *prompt = user_data;

  fprintf (stderr, "%s\n", _("Ringing: press Enter to answer, or r and Enter to reject"));
  if (prompt->watch_id == 0)
    prompt->watch_id = g_io_add_watch (prompt->tty, G_IO_IN | G_IO_HUP, on_tty_input, prompt);
}

static void
on_shutdown_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  holler_signaling_shutdown_finish (HOLLER_SIGNALING (source), result, NULL);
  g_main_loop_quit (user_data);
}

static gboolean
on_shutdown_timeout (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;   /* removed by shutdown_signaling() either way */
}

/* Let a final bye reach the server before the process exits. */
static void
shutdown_signaling (HollerSignaling *signaling, GMainLoop *loop)
{
  guint timeout_id = g_timeout_add (SHUTDOWN_TIMEOUT_MS, on_shutdown_timeout, loop);

  holler_signaling_shutdown_async (signaling, NULL, on_shutdown_done, loop);
  g_main_loop_run (loop);
  g_source_remove (timeout_id);
}

/* holler listen --service: many calls, D-Bus, until SIGTERM */
static int
run_service (HollerCliOptions *cli, HollerSignaling *signaling, HollerCallOptions *options,
             HollerReporter *reporter, const char *uri)
{
  HollerDaemonPolicy policy = { 0 };
  g_autoptr(GError) error = NULL;

  if (!holler_signaling_uri_is_routed (uri))
    {
      fprintf (stderr, "%s\n", _("holler listen --service needs a rendezvous server: --signaling ws://…"));
      return EXIT_USAGE;
    }
  if (cli->max_calls < 0 || cli->answer_delay < 0 || cli->answer_delay > 600 || cli->max_call_length < 0)
    {
      fprintf (stderr, "%s\n", _("holler listen: bad --max-calls, --answer-delay or --max-call-length"));
      return EXIT_USAGE;
    }
  policy.auto_answer = cli->auto_answer;
  policy.answer_delay = cli->answer_delay;
  policy.max_calls = (guint) cli->max_calls;
  if (!holler_daemon_check_allow (cli->allow, &error))
    {
      fprintf (stderr, "holler: %s\n", error->message);
      return EXIT_USAGE;
    }
  policy.allow = cli->allow;
  policy.record_dir = cli->record_dir;
  /* without --input, record and answer with silence (after any greeting) */
  if (cli->input == NULL)
    {
      g_free (options->input);
      options->input = g_strdup ("silence");
    }
  if (cli->output == NULL)
    {
      g_free (options->output);
      options->output = g_strdup ("null");
    }
  if (cli->max_call_length > 0)
    options->duration = cli->max_call_length;
  return holler_service_run (signaling, options, &policy, reporter, cli->id, cli->system_bus);
}

/* --input-device/--output-device into the media's device:NAME form, and
 * --no-echo-cancel into raw: */
static char *
audio_spec (const char *spec, const char *device, const char *option, gboolean raw, GError **error)
{
  g_autofree char *chosen = NULL;

  if (spec != NULL && device != NULL)
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE, _("Give --%s or --%s-device, not both"),
                   option, option);
      return NULL;
    }
  if (device != NULL)
    chosen = g_strcmp0 (device, "default") == 0 ? g_strdup ("default") : g_strconcat ("device:", device, NULL);
  else
    chosen = g_strdup (spec ? spec : "default");
  if (raw && holler_media_input_is_device (chosen))
    return g_strconcat ("raw:", chosen, NULL);
  return g_steal_pointer (&chosen);
}

/* The call's options from the command line and config file */
static gboolean
build_call_options (HollerCliOptions *cli, HollerCallOptions *options, GError **error)
{
  options->input = audio_spec (cli->input, cli->input_device, "input", cli->no_echo_cancel, error);
  if (options->input == NULL)
    return FALSE;
  options->output = audio_spec (cli->output, cli->output_device, "output", FALSE, error);
  if (options->output == NULL)
    return FALSE;
  if (cli->greeting != NULL)
    options->greeting = g_strconcat ("file:", cli->greeting, NULL);
  options->duration = cli->duration;
  options->allow_loopback = cli->allow_loopback;
  options->ice_addresses = g_strdupv (cli->ice_addresses);
  options->auto_answer = cli->auto_answer;
  options->keylog = g_strdup (cli->keylog);
  options->stun_servers = g_strdupv (cli->stun_servers);
  options->turn_servers = g_strdupv (cli->turn_servers);
  options->turn_secret = g_strdup (cli->turn_secret);
  options->turn_rest_id = g_strdup (cli->id);
  options->relay_only = cli->relay_only;
  options->dtmf = g_strdup (cli->dtmf);
  options->jitter_buffer_ms = cli->jitter_buffer;
  options->connect_timeout = cli->connect_timeout;
  options->known_peers = holler_known_peers_default_path ();
  options->strict_peers = cli->strict_peers;
  return TRUE;
}

static void
warn_without_echo_cancel (HollerReporter *reporter)
{
  const char *text = _("Echo cancellation and noise suppression are off: the GStreamer elements "
                       "webrtcdsp and webrtcechoprobe are missing (install gstreamer1.0-plugins-bad)");
  JsonObject *fields = json_object_new ();

  json_object_set_string_member (fields, "message", text);
  holler_reporter_emit (reporter, NULL, "warning", fields, "%s", text);
}

/* Answering without the status line: Enter or r and Enter on /dev/tty */
static GIOChannel *
open_answer_tty (void)
{
  GIOChannel *tty = g_io_channel_new_file ("/dev/tty", "r", NULL);

  if (tty == NULL)
    fprintf (stderr, "%s\n", _("holler listen: no terminal to answer on; use --auto-answer"));
  return tty;
}

/* One call, in the terminal: until it ends or Ctrl-C */
static int
run_one_call (HollerCliOptions *cli, HollerSignaling *signaling, HollerCallOptions *options,
              HollerReporter *reporter, const char *uri, const char *peer, gboolean outgoing)
{
  g_autoptr(HollerRunner) runner = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HollerStatus) status = NULL;
  TtyPrompt prompt = { NULL, NULL, 0 };
  guint sigint_id, sigterm_id;
  gboolean interactive;

  /* a terminal on stderr and no --json: status line and single keys;
   * not when stdin is a terminal carrying stdio: signaling (the keys
   * would take its characters) */
  interactive = isatty (STDERR_FILENO) && !cli->json
                && !(g_str_has_prefix (uri, "stdio:") && isatty (STDIN_FILENO));
  if (!outgoing && !cli->auto_answer && !interactive && (prompt.tty = open_answer_tty ()) == NULL)
    return EXIT_USAGE;
  loop = g_main_loop_new (NULL, FALSE);
  runner = holler_runner_new (signaling, options, reporter, outgoing ? "caller" : "callee", outgoing, peer);
  g_signal_connect (runner, "finished", G_CALLBACK (on_runner_finished), loop);
  if (prompt.tty != NULL)
    {
      prompt.runner = runner;
      g_signal_connect (runner, "incoming", G_CALLBACK (on_incoming), &prompt);
    }
  if (interactive)
    {
      status = holler_status_new (runner, reporter);
      if (!holler_status_start (status, &error))
        {
          if (!outgoing && !cli->auto_answer)
            {
              fprintf (stderr, "%s\n", _("holler listen: no terminal to answer on; use --auto-answer"));
              return EXIT_USAGE;
            }
          g_clear_object (&status);
          g_clear_error (&error);
        }
    }
  sigint_id = g_unix_signal_add (SIGINT, on_terminate, runner);
  sigterm_id = g_unix_signal_add (SIGTERM, on_terminate, runner);
  if (!holler_runner_start (runner, &error))
    {
      fprintf (stderr, "holler: %s\n", error->message);
      g_source_remove (sigint_id);
      g_source_remove (sigterm_id);
      g_clear_pointer (&prompt.tty, g_io_channel_unref);
      return EXIT_CALL_FAILED;
    }
  if (!holler_runner_is_finished (runner))
    g_main_loop_run (loop);
  if (status != NULL)
    holler_status_stop (status);
  shutdown_signaling (signaling, loop);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  if (prompt.watch_id != 0)
    g_source_remove (prompt.watch_id);
  g_clear_pointer (&prompt.tty, g_io_channel_unref);
  return holler_runner_get_exit_status (runner);
}

/* holler call and listen: config, checks, signaling, then the call or the service */
static int
run_peer (HollerCliOptions *cli, HollerOptionParser *parser, const char *peer, gboolean outgoing,
          gint64 start_time)
{
  g_autoptr(HollerCallOptions) options = holler_call_options_new ();
  g_autoptr(HollerReporter) reporter = holler_reporter_new (cli->json, start_time);
  g_autoptr(HollerSignaling) signaling = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HollerConfig) config = holler_config_load (cli->config, &error);
  HollerSignalingParams params = { NULL };
  const char *uri;

  if (config == NULL || !holler_option_parser_apply_config (parser, config, &error))
    {
      fprintf (stderr, "holler: %s\n", error->message);
      return EXIT_USAGE;
    }
  uri = cli->signaling ? cli->signaling : "stdio:";
  if (outgoing && holler_signaling_uri_is_routed (uri) && peer == NULL)
    {
      fprintf (stderr, _("holler call: whom to call? Give the callee’s id: holler call ID\n"));
      return EXIT_USAGE;
    }
  if (!cli->ephemeral)
    {
      g_autofree char *identity = holler_identity_default_path (cli->service);

      if (!holler_identity_use (identity, &error))
        {
          fprintf (stderr, "holler: %s\n", error->message);
          return EXIT_USAGE;
        }
    }
  params.id = cli->id;
  params.token = cli->token;
  params.ca_file = cli->signaling_ca;
  params.password_file = cli->password_file;
  if (build_call_options (cli, options, &error) && holler_call_options_validate (options, &error))
    {
      /* Several STUN or TURN servers: find out now which answer, while the
       * rest starts up, so calls need not wait (the process keeps it). */
      holler_server_watch_prepare ((const char * const *) options->stun_servers,
                                   (const char * const *) options->turn_servers);
    }
  if (error != NULL
      || !holler_media_check_plugins (&error)
      || (signaling = holler_signaling_new_for_uri (uri, &params, &error)) == NULL)
    {
      fprintf (stderr, "holler: %s\n", error->message);
      return EXIT_USAGE;
    }

  if (cli->service)
    return run_service (cli, signaling, options, reporter, uri);
  if (cli->record_dir != NULL)
    {
      fprintf (stderr, "%s\n", _("holler listen: --record-dir needs --service (or use --output ogg:FILE)"));
      return EXIT_USAGE;
    }
  if (holler_media_input_is_device (options->input) && !holler_media_echo_cancel_available ())
    warn_without_echo_cancel (reporter);
  return run_one_call (cli, signaling, options, reporter, uri, peer, outgoing);
}

static int
run_demo (HollerCliOptions *cli, gint64 start_time)
{
  g_autoptr(HollerReporter) reporter = holler_reporter_new (cli->json, start_time);
  g_autoptr(GError) error = NULL;

  if (cli->duration < 0 || cli->duration > 3600)
    {
      fprintf (stderr, _("holler demo: bad duration %g\n"), cli->duration);
      return EXIT_USAGE;
    }
  if (!holler_media_check_plugins (&error))
    {
      fprintf (stderr, "holler: %s\n", error->message);
      return EXIT_USAGE;
    }
  return holler_demo_run (cli->duration > 0 ? cli->duration : 4, reporter);
}


static int
usage (void)
{
  fprintf (stderr, "%s",
           _("Usage: holler COMMAND [OPTION…]\n\n"
             "Commands:\n"
             "  call      Place a call (send the offer); with a rendezvous server, call ID\n"
             "  listen    Wait for a call (answer it with --auto-answer)\n"
             "  serve     Run the rendezvous (signaling) server\n"
             "  calls     List the calls of a running answering service (D-Bus)\n"
             "  answer    Answer a ringing call of the service: holler answer ID\n"
             "  hangup    End a call of the service: holler hangup ID\n"
             "  dial      Make the service call someone: holler dial PEER\n"
             "  devices   List audio inputs and outputs\n"
             "  identity  Show our identity (the fingerprint peers see)\n"
             "  peers     The known peers: list, forget ID, trust ID FINGERPRINT, verify ID\n"
             "  demo      Run a call between two peers on loopback and check audio both ways\n"
             "\nRun “holler COMMAND --help” for the options of a command.\n"));
  return EXIT_USAGE;
}

/* "holler call ID", "holler call holler:ID" (as the desktop file's scheme
 * handler passes links): the callee, or NULL */
static char *
take_peer (int *argc, char ***argv)
{
  const char *peer;

  if (*argc < 2)
    return NULL;
  peer = (*argv)[1];
  if (g_ascii_strncasecmp (peer, "holler:", 7) == 0)
    peer += 7;
  while (*peer == '/')
    peer++;
  (*argc)--;
  (*argv)++;
  return g_strdup (peer);
}

static int
run_command (const char *command, int argc, char **argv, gint64 start_time)
{
  HollerCommand which = g_str_equal (command, "call") ? HOLLER_COMMAND_CALL
                        : g_str_equal (command, "listen") ? HOLLER_COMMAND_LISTEN : HOLLER_COMMAND_DEMO;
  g_auto(HollerCliOptions) cli = { 0 };
  g_autoptr(HollerOptionParser) parser = holler_option_parser_new (which, &cli);
  g_autoptr(GOptionContext) context = g_option_context_new (which == HOLLER_COMMAND_CALL ? _("[ID]") : NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *peer = NULL;

  g_option_context_set_summary (context, which == HOLLER_COMMAND_CALL ? _("Place a call.")
                                       : which == HOLLER_COMMAND_LISTEN ? _("Wait for a call.")
                                       : _("Run a call between two peers on loopback."));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  holler_option_parser_add_to (parser, context);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "holler %s: %s\n", command, error->message);
      return EXIT_USAGE;
    }
  if (which == HOLLER_COMMAND_CALL)
    peer = take_peer (&argc, &argv);
  if (argc > 1)
    {
      fprintf (stderr, _("holler %s: unexpected argument “%s”\n"), command, argv[1]);
      return EXIT_USAGE;
    }
  gst_init (NULL, NULL);
  if (which == HOLLER_COMMAND_DEMO)
    return run_demo (&cli, start_time);
  return run_peer (&cli, parser, peer, which == HOLLER_COMMAND_CALL, start_time);
}

int
main (int argc, char **argv)
{
  gint64 start_time = g_get_monotonic_time ();
  const char *command;

  setlocale (LC_ALL, "");
  /* stdout is the stdio: signaling channel: GLib's debug and info
   * messages (G_MESSAGES_DEBUG) go to stderr with the rest */
  g_log_writer_default_set_use_stderr (TRUE);
  /* HOLLER_LOCALEDIR overrides the compiled-in locale directory: for the
   * tests and uninstalled runs (build/po holds <lang>/LC_MESSAGES/holler.mo). */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("HOLLER_LOCALEDIR") ? g_getenv ("HOLLER_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") || g_str_equal (argv[1], "help"))
    return usage ();
  if (g_str_equal (argv[1], "--version"))
    {
      printf ("holler %s\n", PACKAGE_VERSION);
      return 0;
    }
  command = argv[1];
  if (g_str_equal (command, "serve"))
    return holler_serve_main (argc - 1, argv + 1);
  if (holler_ctl_handles (command))
    return holler_ctl_main (argc - 1, argv + 1);
  if (g_str_equal (command, "identity"))
    return holler_identity_main (argc - 1, argv + 1);
  if (g_str_equal (command, "peers"))
    return holler_peers_main (argc - 1, argv + 1);
  if (g_str_equal (command, "devices"))
    return holler_devices_main (argc - 1, argv + 1);
  if (!g_str_equal (command, "call") && !g_str_equal (command, "listen") && !g_str_equal (command, "demo"))
    {
      fprintf (stderr, _("holler: unknown command “%s”\n"), command);
      return usage ();
    }
  /* GOptionContext sees "holler COMMAND ..." with COMMAND as argv[0]. */
  return run_command (command, argc - 1, argv + 1, start_time);
}
