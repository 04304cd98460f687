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

#define EXIT_CALL_FAILED 1
#define EXIT_USAGE 2

typedef struct {
  char *input;
  char *output;
  char *input_device;
  char *output_device;
  gboolean no_echo_cancel;
  double duration;
  gboolean json;
  gboolean allow_loopback;
  char **ice_addresses;
  gboolean auto_answer;
  char *signaling;
  double connect_timeout;
  int jitter_buffer;
  char *keylog;
  char *id;
  char *token;
  char *signaling_ca;
  char *config;
  char *peer;              /* call: whom to call on a routed backend */
  char **stun_servers;
  char **turn_servers;
  char *turn_secret;
  gboolean relay_only;
  char *dtmf;              /* DTMF digits to send once the call is active */
  char *greeting;          /* listen: a file played first */
  gboolean service;        /* listen: the answering service (many calls, D-Bus) */
  char *record_dir;
  char **allow;
  int max_calls;
  double answer_delay;
  double max_call_length;
  gboolean system_bus;
} CliOptions;

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

/* Command-line options win; the config file fills in the rest. */
static void
apply_config (CliOptions *cli, HollerConfig *config, gboolean outgoing)
{
#define FILL(field, group, key) \
  if (cli->field == NULL) cli->field = holler_config_get_string (config, group, key)
  FILL (id, "holler", "id");
  FILL (token, "holler", "token");
  FILL (signaling, "holler", "signaling");
  FILL (signaling_ca, "holler", "signaling-ca");
  /* --input and --input-device name the same thing: the command line's
   * choice wins over the file's, whichever of the two it was */
  if (cli->input == NULL && cli->input_device == NULL)
    {
      FILL (input, "call", "input");
      FILL (input_device, "call", "input-device");
    }
  if (cli->output == NULL && cli->output_device == NULL)
    {
      FILL (output, "call", "output");
      FILL (output_device, "call", "output-device");
    }
  if (!cli->no_echo_cancel)
    cli->no_echo_cancel = !holler_config_get_boolean (config, "call", "echo-cancel", TRUE);
  if (cli->connect_timeout <= 0)
    cli->connect_timeout = holler_config_get_double (config, "call", "connect-timeout", 0);
  if (!cli->allow_loopback)
    cli->allow_loopback = holler_config_get_boolean (config, "call", "allow-loopback", FALSE);
  if (cli->jitter_buffer == 0)
    cli->jitter_buffer = holler_config_get_int (config, "call", "jitter-buffer", 0);
  if (cli->stun_servers == NULL)
    cli->stun_servers = holler_config_get_string_list (config, "call", "stun");
  if (cli->turn_servers == NULL)
    cli->turn_servers = holler_config_get_string_list (config, "call", "turn");
  FILL (turn_secret, "call", "turn-secret");
  if (!cli->relay_only)
    cli->relay_only = holler_config_get_boolean (config, "call", "relay-only", FALSE);
#undef FILL
  if (!outgoing && !cli->auto_answer)
    cli->auto_answer = holler_config_get_boolean (config, "listen", "auto-answer", FALSE);
  if (!outgoing && cli->greeting == NULL)
    cli->greeting = holler_config_get_string (config, "listen", "greeting");
  if (outgoing)
    return;
  if (!cli->service)
    cli->service = holler_config_get_boolean (config, "listen", "service", FALSE);
  if (cli->record_dir == NULL)
    cli->record_dir = holler_config_get_string (config, "listen", "record-dir");
  if (cli->allow == NULL)
    cli->allow = holler_config_get_string_list (config, "listen", "allow");
  if (cli->max_calls <= 0)
    cli->max_calls = holler_config_get_int (config, "listen", "max-calls", 0);
  if (cli->answer_delay <= 0)
    cli->answer_delay = holler_config_get_double (config, "listen", "answer-delay", 0);
  if (cli->max_call_length <= 0)
    cli->max_call_length = holler_config_get_double (config, "listen", "max-call-length", 0);
}

#define DEFAULT_MAX_CALLS 16

/* holler listen --service: many calls, D-Bus, until SIGTERM */
static int
run_service (CliOptions *cli, HollerSignaling *signaling, HollerCallOptions *options,
             HollerReporter *reporter, const char *uri)
{
  HollerDaemonPolicy policy = { 0 };

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
  policy.max_calls = cli->max_calls > 0 ? (guint) cli->max_calls : DEFAULT_MAX_CALLS;
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

static int
run_peer (CliOptions *cli, gboolean outgoing, gint64 start_time)
{
  g_autoptr(HollerCallOptions) options = holler_call_options_new ();
  g_autoptr(HollerReporter) reporter = holler_reporter_new (cli->json, start_time);
  g_autoptr(HollerSignaling) signaling = NULL;
  g_autoptr(HollerRunner) runner = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  guint sigint_id, sigterm_id;
  TtyPrompt prompt = { NULL, NULL, 0 };
  g_autoptr(HollerStatus) status = NULL;
  gboolean interactive;
  g_autoptr(HollerConfig) config = holler_config_load (cli->config, &error);
  HollerSignalingParams params = { NULL, NULL, NULL };
  const char *uri;

  if (config == NULL)
    {
      fprintf (stderr, "holler: %s\n", error->message);
      return EXIT_USAGE;
    }
  apply_config (cli, config, outgoing);
  uri = cli->signaling ? cli->signaling : "stdio:";
  if (outgoing && holler_signaling_uri_is_routed (uri) && cli->peer == NULL)
    {
      fprintf (stderr, _("holler call: whom to call? Give the callee’s id: holler call ID\n"));
      return EXIT_USAGE;
    }
  params.id = cli->id;
  params.token = cli->token;
  params.ca_file = cli->signaling_ca;

  options->input = audio_spec (cli->input, cli->input_device, "input", cli->no_echo_cancel, &error);
  if (options->input != NULL)
    options->output = audio_spec (cli->output, cli->output_device, "output", FALSE, &error);
  if (options->output == NULL)
    {
      fprintf (stderr, "holler: %s\n", error->message);
      return EXIT_USAGE;
    }
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
  if (cli->connect_timeout > 0)
    options->connect_timeout = cli->connect_timeout;

  if (holler_call_options_validate (options, &error))
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
    {
      const char *text = _("Echo cancellation and noise suppression are off: the GStreamer elements "
                           "webrtcdsp and webrtcechoprobe are missing (install gstreamer1.0-plugins-bad)");
      JsonObject *fields = json_object_new ();

      json_object_set_string_member (fields, "message", text);
      holler_reporter_emit (reporter, NULL, "warning", fields, "%s", text);
    }

  /* a terminal on stderr and no --json: status line and single keys;
   * not when stdin is a terminal carrying stdio: signaling (the keys
   * would take its characters) */
  interactive = isatty (STDERR_FILENO) && !cli->json
                && !(g_str_has_prefix (uri, "stdio:") && isatty (STDIN_FILENO));
  if (!outgoing && !cli->auto_answer && !interactive)
    {
      prompt.tty = g_io_channel_new_file ("/dev/tty", "r", NULL);
      if (prompt.tty == NULL)
        {
          fprintf (stderr, "%s\n", _("holler listen: no terminal to answer on; use --auto-answer"));
          return EXIT_USAGE;
        }
    }
  loop = g_main_loop_new (NULL, FALSE);
  runner = holler_runner_new (signaling, options, reporter, outgoing ? "caller" : "callee", outgoing,
                             cli->peer);
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

static void
add_call_entries (GOptionContext *context, CliOptions *cli, gboolean listen)
{
  GOptionEntry entries[] = {
    { "input", 'i', 0, G_OPTION_ARG_STRING, &cli->input,
      N_("What to send: tone:HZ, file:PATH, default or pipeline:'GST-LAUNCH'"), N_("SOURCE") },
    { "output", 'o', 0, G_OPTION_ARG_STRING, &cli->output,
      N_("Where received audio goes: file:PATH.wav, null or default"), N_("SINK") },
    { "input-device", 0, 0, G_OPTION_ARG_STRING, &cli->input_device,
      N_("Send from this microphone: an id or name from “holler devices”, or default"), N_("DEVICE") },
    { "output-device", 0, 0, G_OPTION_ARG_STRING, &cli->output_device,
      N_("Play on this speaker: an id or name from “holler devices”, or default"), N_("DEVICE") },
    { "no-echo-cancel", 0, 0, G_OPTION_ARG_NONE, &cli->no_echo_cancel,
      N_("Send the microphone as it is, without echo cancellation and noise suppression"), NULL },
    { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &cli->duration,
      N_("Hang up after this many seconds in the call"), N_("SECONDS") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &cli->json, N_("Report events as JSON lines on stderr"), NULL },
    { "allow-loopback", 0, 0, G_OPTION_ARG_NONE, &cli->allow_loopback,
      N_("Also gather ICE candidates on loopback interfaces"), NULL },
    { "ice-address", 0, 0, G_OPTION_ARG_STRING_ARRAY, &cli->ice_addresses,
      N_("Only gather ICE candidates on this local address (repeatable)"), N_("IP") },
    { "signaling", 's', 0, G_OPTION_ARG_STRING, &cli->signaling,
      N_("Signaling backend URI (default stdio:)"), N_("URI") },
    { "connect-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &cli->connect_timeout,
      N_("Fail the call when the peer says nothing this long before connecting (default 30)"), N_("SECONDS") },
    { "keylog", 0, 0, G_OPTION_ARG_FILENAME, &cli->keylog,
      N_("Append the SRTP keys to FILE (debugging only: lets anyone with the file decrypt the call)"), N_("FILE") },
    { "id", 0, 0, G_OPTION_ARG_STRING, &cli->id,
      N_("Our id on the rendezvous server"), N_("ID") },
    { "token", 0, 0, G_OPTION_ARG_STRING, &cli->token,
      N_("Access token for our id on the rendezvous server"), N_("TOKEN") },
    { "signaling-ca", 0, 0, G_OPTION_ARG_FILENAME, &cli->signaling_ca,
      N_("Trust the CA certificates in FILE (PEM) for wss://"), N_("FILE") },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &cli->config,
      N_("Read the configuration from FILE (default ~/.config/holler/holler.conf)"), N_("FILE") },
    { "stun", 0, 0, G_OPTION_ARG_STRING_ARRAY, &cli->stun_servers,
      N_("STUN server stun:HOST[:PORT] (repeatable; the first that answers is used)"), N_("URI") },
    { "turn", 0, 0, G_OPTION_ARG_STRING_ARRAY, &cli->turn_servers,
      N_("TURN server turn:USER:PASS@HOST[:PORT][?transport=udp|tcp] or turns:… (repeatable)"), N_("URI") },
    { "turn-secret", 0, 0, G_OPTION_ARG_STRING, &cli->turn_secret,
      N_("Shared secret for time-limited TURN REST credentials (coturn --use-auth-secret)"), N_("SECRET") },
    { "relay-only", 0, 0, G_OPTION_ARG_NONE, &cli->relay_only,
      N_("Only connect through a TURN relay (hides our addresses from the peer)"), NULL },
    { "dtmf", 0, 0, G_OPTION_ARG_STRING, &cli->dtmf,
      N_("Send these DTMF digits (0-9, *, #, A-D) once the call is active"), N_("DIGITS") },
    { "jitter-buffer", 0, 0, G_OPTION_ARG_INT, &cli->jitter_buffer,
      N_("Hold received audio this long (10-1000) instead of adapting to the network"), N_("MS") },
    { NULL }
  };
  GOptionEntry listen_entries[] = {
    { "auto-answer", 'a', 0, G_OPTION_ARG_NONE, &cli->auto_answer, N_("Answer incoming calls at once"), NULL },
    { "greeting", 0, 0, G_OPTION_ARG_FILENAME, &cli->greeting,
      N_("Play FILE (Ogg/Opus, WAV, …) to the caller first, then the input"), N_("FILE") },
    { "service", 0, 0, G_OPTION_ARG_NONE, &cli->service,
      N_("Run as the answering service: many calls at once, a D-Bus API, until stopped"), NULL },
    { "record-dir", 0, 0, G_OPTION_ARG_FILENAME, &cli->record_dir,
      N_("(service) Record each call to an Ogg Opus file and a JSON sidecar in DIR"), N_("DIR") },
    { "allow", 0, 0, G_OPTION_ARG_STRING_ARRAY, &cli->allow,
      N_("(service) Only take calls from this id (repeatable; default: anyone)"), N_("ID") },
    { "max-calls", 0, 0, G_OPTION_ARG_INT, &cli->max_calls,
      N_("(service) Calls at once; callers beyond are told busy (default 16)"), N_("N") },
    { "answer-delay", 0, 0, G_OPTION_ARG_DOUBLE, &cli->answer_delay,
      N_("(service) Let a call ring this long before answering"), N_("SECONDS") },
    { "max-call-length", 0, 0, G_OPTION_ARG_DOUBLE, &cli->max_call_length,
      N_("(service) Hang up calls after this long"), N_("SECONDS") },
    { "system-bus", 0, 0, G_OPTION_ARG_NONE, &cli->system_bus,
      N_("(service) Offer the D-Bus API on the system bus instead of the session bus"), NULL },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (listen)
    g_option_context_add_main_entries (context, listen_entries, GETTEXT_PACKAGE);
}

static void
cli_options_clear (CliOptions *cli)
{
  g_free (cli->input);
  g_free (cli->output);
  g_free (cli->input_device);
  g_free (cli->output_device);
  g_strfreev (cli->ice_addresses);
  g_free (cli->signaling);
  g_free (cli->keylog);
  g_free (cli->id);
  g_free (cli->token);
  g_free (cli->signaling_ca);
  g_free (cli->config);
  g_free (cli->peer);
  g_strfreev (cli->stun_servers);
  g_strfreev (cli->turn_servers);
  g_free (cli->turn_secret);
  g_free (cli->greeting);
  g_free (cli->record_dir);
  g_strfreev (cli->allow);
  g_free (cli->dtmf);
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
             "  demo      Run a call between two peers on loopback and check audio both ways\n"
             "\nRun “holler COMMAND --help” for the options of a command.\n"));
  return EXIT_USAGE;
}

int
main (int argc, char **argv)
{
  gint64 start_time = g_get_monotonic_time ();
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  CliOptions cli = { 0 };
  const char *command;
  int status;

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
  if (g_str_equal (command, "devices"))
    return holler_devices_main (argc - 1, argv + 1);
  if (!g_str_equal (command, "call") && !g_str_equal (command, "listen") && !g_str_equal (command, "demo"))
    {
      fprintf (stderr, _("holler: unknown command “%s”\n"), command);
      return usage ();
    }

  context = g_option_context_new (g_str_equal (command, "call") ? _("[ID]") : NULL);
  g_option_context_set_summary (context, g_str_equal (command, "call") ? _("Place a call.")
                                       : g_str_equal (command, "listen") ? _("Wait for a call.")
                                       : _("Run a call between two peers on loopback."));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (g_str_equal (command, "demo"))
    {
      GOptionEntry demo_entries[] = {
        { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &cli.duration, N_("Call length in seconds (default 4)"), N_("SECONDS") },
        { "json", 0, 0, G_OPTION_ARG_NONE, &cli.json, N_("Report events as JSON lines on stderr"), NULL },
        { NULL }
      };
      g_option_context_add_main_entries (context, demo_entries, GETTEXT_PACKAGE);
    }
  else
    add_call_entries (context, &cli, g_str_equal (command, "listen"));
  g_option_context_add_group (context, gst_init_get_option_group ());

  /* GOptionContext sees "holler COMMAND ..." with COMMAND as argv[0]. */
  argc--;
  argv++;
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "holler %s: %s\n", command, error->message);
      cli_options_clear (&cli);
      return EXIT_USAGE;
    }
  if (argc > 1 && g_str_equal (command, "call") && cli.peer == NULL)
    {
      /* holler:ID links, as the desktop file's scheme handler passes them */
      const char *peer = argv[1];

      if (g_ascii_strncasecmp (peer, "holler:", 7) == 0)
        peer += 7;
      while (*peer == '/')
        peer++;
      cli.peer = g_strdup (peer);
      argc--;
      argv++;
    }
  if (argc > 1)
    {
      fprintf (stderr, _("holler %s: unexpected argument “%s”\n"), command, argv[1]);
      cli_options_clear (&cli);
      return EXIT_USAGE;
    }
  gst_init (NULL, NULL);

  if (g_str_equal (command, "demo"))
    {
      g_autoptr(HollerReporter) reporter = holler_reporter_new (cli.json, start_time);

      if (cli.duration < 0 || cli.duration > 3600)
        {
          fprintf (stderr, _("holler demo: bad duration %g\n"), cli.duration);
          status = EXIT_USAGE;
        }
      else if (!holler_media_check_plugins (&error))
        {
          fprintf (stderr, "holler: %s\n", error->message);
          status = EXIT_USAGE;
        }
      else
        status = holler_demo_run (cli.duration > 0 ? cli.duration : 4, reporter);
    }
  else
    status = run_peer (&cli, g_str_equal (command, "call"), start_time);

  cli_options_clear (&cli);
  return status;
}
