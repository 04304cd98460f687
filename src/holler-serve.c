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
#include "holler-error.h"
#include "server/holler-rendezvous.h"

#define EXIT_LISTEN_FAILED 1
#define EXIT_USAGE 2
/* How long the closing handshakes may take after SIGINT/SIGTERM */
#define STOP_TIMEOUT_MS 2000
#define UNSET -1

typedef struct {
  char *config;
  char *address;
  gint port;
  char *tls_cert;
  char *tls_key;
  char *token_file;
  gint64 max_message_size;
  double max_rate;
  gint max_clients_per_address;
  gint handshake_timeout;
  gboolean print_uri;
} ServeOptions;

static void
serve_options_clear (ServeOptions *opts)
{
  g_free (opts->config);
  g_free (opts->address);
  g_free (opts->tls_cert);
  g_free (opts->tls_key);
  g_free (opts->token_file);
}

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
parse_args (int argc, char **argv, ServeOptions *opts, GError **error)
{
  const GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &opts->config,
      N_("Read settings ([serve] group) from FILE"), N_("FILE") },
    { "address", 0, 0, G_OPTION_ARG_STRING, &opts->address,
      N_("IP address to listen on (default 127.0.0.1)"), N_("IP") },
    { "port", 'p', 0, G_OPTION_ARG_INT, &opts->port,
      N_("Port to listen on (default 7780; 0: any free port)"), N_("N") },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &opts->tls_cert,
      N_("PEM certificate: serve wss:// instead of ws://"), N_("FILE") },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &opts->tls_key,
      N_("PEM private key of the certificate"), N_("FILE") },
    { "token-file", 0, 0, G_OPTION_ARG_FILENAME, &opts->token_file,
      N_("Ids allowed to register and their tokens ([tokens] id=token)"), N_("FILE") },
    { "max-message-size", 0, 0, G_OPTION_ARG_INT64, &opts->max_message_size,
      N_("Largest message relayed (default 65536)"), N_("BYTES") },
    { "max-rate", 0, 0, G_OPTION_ARG_DOUBLE, &opts->max_rate,
      N_("Messages per second per connection, bursts of twice that (default 50; 0: no limit)"), N_("MSGS_PER_S") },
    { "max-clients-per-address", 0, 0, G_OPTION_ARG_INT, &opts->max_clients_per_address,
      N_("Connections per remote address (default 20; 0: no limit)"), N_("N") },
    { "handshake-timeout", 0, 0, G_OPTION_ARG_INT, &opts->handshake_timeout,
      N_("Seconds a connection has to complete its WebSocket handshake (default 10)"), N_("SECONDS") },
    { "print-uri", 0, 0, G_OPTION_ARG_NONE, &opts->print_uri,
      N_("Print the server's URI on stdout once it listens"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("— run the rendezvous (signaling) server"));

  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, error))
    return FALSE;
  if (argc > 1)
    return g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE,
                        _("Unexpected argument “%s”"), argv[1]), FALSE;
  return TRUE;
}

/* Command-line options win; the config file fills in the rest. */
static gboolean
build_options (ServeOptions *opts, HollerRendezvousOptions *options, GError **error)
{
  g_autoptr(HollerConfig) config = holler_config_load (opts->config, error);
  gint64 port, size, clients, handshake;

  if (config == NULL)
    return FALSE;
  if (opts->address == NULL)
    opts->address = holler_config_get_string (config, "serve", "address");
  if (opts->tls_cert == NULL)
    opts->tls_cert = holler_config_get_string (config, "serve", "tls-cert");
  if (opts->tls_key == NULL)
    opts->tls_key = holler_config_get_string (config, "serve", "tls-key");
  if (opts->token_file == NULL)
    opts->token_file = holler_config_get_string (config, "serve", "token-file");
  port = opts->port != UNSET ? opts->port
         : holler_config_get_int (config, "serve", "port", HOLLER_RENDEZVOUS_DEFAULT_PORT);
  size = opts->max_message_size != UNSET ? opts->max_message_size
         : holler_config_get_int (config, "serve", "max-message-size", HOLLER_RENDEZVOUS_DEFAULT_MAX_MESSAGE_SIZE);
  clients = opts->max_clients_per_address != UNSET ? opts->max_clients_per_address
            : holler_config_get_int (config, "serve", "max-clients-per-address",
                                     HOLLER_RENDEZVOUS_DEFAULT_MAX_CLIENTS_PER_ADDRESS);
  handshake = opts->handshake_timeout != UNSET ? opts->handshake_timeout
              : holler_config_get_int (config, "serve", "handshake-timeout",
                                       HOLLER_RENDEZVOUS_DEFAULT_HANDSHAKE_TIMEOUT);
  if (opts->max_rate == UNSET)
    opts->max_rate = holler_config_get_double (config, "serve", "max-rate", HOLLER_RENDEZVOUS_DEFAULT_MAX_RATE);
  if (port < 0 || port > G_MAXUINT16)
    return g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE,
                        _("--port must be between 0 and 65535")), FALSE;
  if (size <= 0)
    return g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE,
                        _("--max-message-size must be positive")), FALSE;
  if (clients < 0 || clients > G_MAXUINT)
    return g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE,
                        _("--max-clients-per-address must be 0 (no limit) or positive")), FALSE;
  if (handshake < 1 || handshake > 3600)
    return g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE,
                        _("--handshake-timeout must be between 1 and 3600")), FALSE;
  if (opts->address != NULL)
    {
      g_free (options->address);
      options->address = g_strdup (opts->address);
    }
  options->port = port;
  options->tls_cert_file = g_strdup (opts->tls_cert);
  options->tls_key_file = g_strdup (opts->tls_key);
  options->token_file = g_strdup (opts->token_file);
  options->max_message_size = size;
  options->max_messages_per_second = opts->max_rate;
  options->max_clients_per_address = clients;
  options->handshake_timeout_s = handshake;
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
  ServeOptions opts = { .port = UNSET, .max_message_size = UNSET, .max_rate = UNSET,
                        .max_clients_per_address = UNSET, .handshake_timeout = UNSET };
  g_autoptr(HollerRendezvousOptions) options = holler_rendezvous_options_new ();
  g_autoptr(HollerRendezvous) rendezvous = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  if (!parse_args (argc, argv, &opts, &error) || !build_options (&opts, options, &error))
    {
      fprintf (stderr, "holler serve: %s\n", error->message);
      fprintf (stderr, "%s\n", _("Try “holler serve --help”."));
      serve_options_clear (&opts);
      return EXIT_USAGE;
    }
  serve_options_clear (&opts);
  rendezvous = holler_rendezvous_new (options, &error);
  if (rendezvous == NULL)
    {
      fprintf (stderr, "holler serve: %s\n", error->message);
      return EXIT_USAGE;
    }
  raise_fd_limit ();
  status = run (rendezvous, opts.print_uri);
  return status;
}
