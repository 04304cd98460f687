/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* holler serve: options, the config file's [serve] group and a main loop
 * around HollerRendezvous (src/server/). */
#define G_LOG_DOMAIN "holler-serve"

#include "config.h"
#include <stdio.h>
#include <signal.h>
#include <sys/resource.h>
#include <glib/gi18n.h>
#include <glib-unix.h>
#include "holler-serve.h"
#include "holler-config.h"
#include "holler-option-parser.h"
#include "holler-error.h"
#include "server/holler-rendezvous.h"

#define EXIT_LISTEN_FAILED 1
#define EXIT_USAGE 2
/* How long the closing handshakes may take after SIGINT/SIGTERM */
#define STOP_TIMEOUT_MS 2000

/* Each connection is a descriptor: let the server have as many as the
 * hard limit allows (often 1024 soft against 524288 hard). Running out
 * anyway is survived: the accept loop backs off and retries
 * (src/server/holler-rendezvous-listener.c). */
static void
raise_fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max)
    return;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit (RLIMIT_NOFILE, &limit) != 0)
    g_debug ("Cannot raise the file descriptor limit");
}

static gboolean
parse_args (int argc, char **argv, HollerOptionParser *parser, GError **error)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("— run the rendezvous (signaling) server"));

  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  holler_option_parser_add_to (parser, context);
  if (!g_option_context_parse (context, &argc, &argv, error))
    return FALSE;
  if (argc > 1)
    return g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE,
                        _("Unexpected argument “%s”"), argv[1]), FALSE;
  return TRUE;
}

/* Command-line options win; the config file fills in the rest. */
static gboolean
build_options (HollerServeCli *opts, HollerOptionParser *parser, HollerRendezvousOptions *options,
               GError **error)
{
  g_autoptr(HollerConfig) config = holler_config_load (opts->config, error);

  if (config == NULL || !holler_option_parser_apply_config (parser, config, error))
    return FALSE;
  if (opts->port < 0 || opts->port > G_MAXUINT16)
    return g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE,
                        _("--port must be between 0 and 65535")), FALSE;
  if (opts->max_message_size <= 0)
    return g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE,
                        _("--max-message-size must be positive")), FALSE;
  if (opts->max_clients_per_address < 0)
    return g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE,
                        _("--max-clients-per-address must be 0 (no limit) or positive")), FALSE;
  if (opts->handshake_timeout < 1 || opts->handshake_timeout > 3600)
    return g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE,
                        _("--handshake-timeout must be between 1 and 3600")), FALSE;
  if (opts->address != NULL)
    {
      g_free (options->address);
      options->address = g_strdup (opts->address);
    }
  options->port = opts->port;
  options->tls_cert_file = g_strdup (opts->tls_cert);
  options->tls_key_file = g_strdup (opts->tls_key);
  options->token_file = g_strdup (opts->token_file);
  options->max_message_size = opts->max_message_size;
  options->max_messages_per_second = opts->max_rate;
  options->max_clients_per_address = opts->max_clients_per_address;
  options->handshake_timeout_s = opts->handshake_timeout;
  return TRUE;
}

static gboolean
on_terminate (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_stop_timeout (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Lets the closing handshakes (code 1001) go out before the exit */
static void
stop_server (HollerRendezvous *rendezvous)
{
  gboolean expired = FALSE;
  guint timeout_id;

  holler_rendezvous_stop (rendezvous);
  timeout_id = g_timeout_add (STOP_TIMEOUT_MS, on_stop_timeout, &expired);
  while (!expired && holler_rendezvous_get_n_clients (rendezvous) > 0)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (timeout_id);
}

static int
run (HollerRendezvous *rendezvous, gboolean print_uri)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GError) error = NULL;
  guint sigint_id, sigterm_id;

  if (!holler_rendezvous_start (rendezvous, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return EXIT_LISTEN_FAILED;
    }
  if (print_uri)
    {
      g_autofree char *uri = holler_rendezvous_get_uri (rendezvous);

      printf ("%s\n", uri);
      fflush (stdout);
    }
  sigint_id = g_unix_signal_add (SIGINT, on_terminate, loop);
  sigterm_id = g_unix_signal_add (SIGTERM, on_terminate, loop);
  g_main_loop_run (loop);
  stop_server (rendezvous);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  return 0;
}

int
holler_serve_main (int argc, char **argv)
{
  g_auto(HollerServeCli) opts = { 0 };
  g_autoptr(HollerOptionParser) parser = holler_option_parser_new (HOLLER_COMMAND_SERVE, &opts);
  g_autoptr(HollerRendezvousOptions) options = holler_rendezvous_options_new ();
  g_autoptr(HollerRendezvous) rendezvous = NULL;
  g_autoptr(GError) error = NULL;

  if (!parse_args (argc, argv, parser, &error) || !build_options (&opts, parser, options, &error))
    {
      fprintf (stderr, "holler serve: %s\n", error->message);
      fprintf (stderr, "%s\n", _("Try “holler serve --help”."));
      return EXIT_USAGE;
    }
  rendezvous = holler_rendezvous_new (options, &error);
  if (rendezvous == NULL)
    {
      fprintf (stderr, "holler serve: %s\n", error->message);
      return EXIT_USAGE;
    }
  raise_fd_limit ();
  return run (rendezvous, opts.print_uri);
}
