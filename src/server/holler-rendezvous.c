/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The rendezvous server (docs/signaling.md, "The WebSocket rendezvous
 * protocol"): a registry of ids over libsoup 3 WebSockets that relays
 * messages by "to" and sets "from". It never reads SDP or candidates.
 * Per-connection limits live in HollerRendezvousClient. */
#define G_LOG_DOMAIN "holler-serve"

#include "config.h"
#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include "holler-rendezvous.h"
#include "holler-rendezvous-client.h"
#include "holler-rendezvous-frame.h"
#include "holler-rendezvous-listener.h"
#include "holler-rendezvous-tokens.h"
#include "holler-rendezvous-web.h"
#include "holler-server-log.h"
#include "holler-error.h"

#define WS_PATH "/ws"
#define KEEPALIVE_SECONDS 15
#define PONG_TIMEOUT_SECONDS 30
/* frames up to this many times the limit get a too-large error; bigger
 * ones close the connection (1009) before they are buffered whole */
#define HARD_LIMIT_FACTOR 4
/* the kernel caps it at net.core.somaxconn (4096 on Linux ≥ 5.4) */
#define LISTEN_BACKLOG 1024
/* an HTTP request head (the upgrade request, or a GET of the web client) */
#define MAX_REQUEST_HEAD 16384
/* what libsoup may hold for one connection, not yet written to its socket,
 * in units of the message limit (at least 1 MiB): a reader slower than
 * that is closed (HollerRendezvousClient) */
#define QUEUE_LIMIT_FACTOR 16
#define MIN_QUEUE_LIMIT (1024 * 1024)

struct _HollerRendezvous
{
  GObject parent_instance;

  HollerRendezvousOptions *options;
  GHashTable *tokens;          /* id → token; NULL for an open server */
  GTlsCertificate *certificate;
  GInetAddress *address;
  SoupServer *server;
  HollerRendezvousListener *listener;
  guint port;
  gboolean stopped;
  GHashTable *clients;         /* accepted connections (owned set) */
  GHashTable *turned_away;     /* too-many-clients, until closed (owned set) */
  GHashTable *registry;        /* id → client (borrowed from clients) */
  GHashTable *per_address;     /* remote address → number of clients */
};

G_DEFINE_FINAL_TYPE (HollerRendezvous, holler_rendezvous, G_TYPE_OBJECT)

static void
log_event (HollerRendezvous *self, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
log_event (HollerRendezvous *self, const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  holler_server_log (self->options->quiet, "%s", text);
}

static void
send_registered (HollerRendezvousClient *client, const char *id)
{
  g_autoptr(JsonObject) reply = json_object_new ();

  json_object_set_string_member (reply, "type", "registered");
  json_object_set_string_member (reply, "id", id);
  holler_rendezvous_client_send_object (client, reply);
}

static void
replace_client (HollerRendezvous *self, HollerRendezvousClient *old, HollerRendezvousClient *client)
{
  const char *id = holler_rendezvous_client_get_id (old);

  log_event (self, _("replaced %s (%s) by a connection from %s"),
             id, holler_rendezvous_client_get_address (old), holler_rendezvous_client_get_address (client));
  holler_rendezvous_client_send_error (old, "replaced", NULL,
                                       _("Another connection registered as “%s”"), id);
  holler_rendezvous_client_close (old, SOUP_WEBSOCKET_CLOSE_NORMAL, "replaced");
  g_hash_table_remove (self->registry, id);
}

static void
handle_register (HollerRendezvous *self, HollerRendezvousClient *client, const HollerRendezvousFrame *frame)
{
  const char *id = frame->id;
  const char *old_id = holler_rendezvous_client_get_id (client);
  HollerRendezvousClient *old;

  if (!holler_rendezvous_id_is_valid (id))
    {
      holler_rendezvous_client_send_error (client, "bad-id", NULL,
                                           _("An id is 1–%d characters from A–Z a–z 0–9 . _ -"),
                                           HOLLER_RENDEZVOUS_MAX_ID_LENGTH);
      return;
    }
  if (self->tokens != NULL
      && !holler_rendezvous_tokens_check (self->tokens, id, frame->token))
    {
      log_event (self, _("unauthorized %s (%s)"), id, holler_rendezvous_client_get_address (client));
      holler_rendezvous_client_send_error (client, "unauthorized", NULL,
                                           _("Missing or wrong token for “%s”"), id);
      holler_rendezvous_client_close (client, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "unauthorized");
      return;
    }
  /* registering again on the same connection moves it to the new id */
  if (old_id != NULL && g_hash_table_lookup (self->registry, old_id) == client)
    g_hash_table_remove (self->registry, old_id);
  old = g_hash_table_lookup (self->registry, id);
  if (old != NULL)
    replace_client (self, old, client);
  holler_rendezvous_client_set_id (client, id);
  g_hash_table_replace (self->registry, g_strdup (id), client);
  log_event (self, _("register %s (%s)"), id, holler_rendezvous_client_get_address (client));
  send_registered (client, id);
}

static void
handle_relay (HollerRendezvous *self, HollerRendezvousClient *client, const HollerRendezvousFrame *frame)
{
  const char *from = holler_rendezvous_client_get_id (client);
  const char *to = frame->to;
  const char *type = frame->type;
  JsonObject *object = frame->object;
  HollerRendezvousClient *target;

  if (from == NULL)
    {
      holler_rendezvous_client_send_error (client, "not-registered", to,
                                           _("Send “register” before “%s”"), type);
      return;
    }
  if (to == NULL)
    {
      holler_rendezvous_client_send_error (client, "bad-message", NULL,
                                           _("A “%s” to relay needs a string “to”"), type);
      return;
    }
  target = g_hash_table_lookup (self->registry, to);
  if (target == NULL)
    {
      holler_rendezvous_client_send_error (client, "peer-offline", to, _("“%s” is not online"), to);
      return;
    }
  json_object_set_string_member (object, "from", from);
  if (!holler_rendezvous_client_send_object (target, object))
    holler_rendezvous_client_send_error (client, "bad-json", to,
                                         _("Not a JSON object with a string “type”: %s"),
                                         _("a string escape is not valid UTF-8"));
}

static void
on_client_message (HollerRendezvousClient *client, const HollerRendezvousFrame *frame, gpointer user_data)
{
  HollerRendezvous *self = user_data;

  if (frame->kind == HOLLER_RENDEZVOUS_FRAME_REGISTER)
    handle_register (self, client, frame);
  else
    handle_relay (self, client, frame);
}

static void
on_client_closed (HollerRendezvousClient *client, guint code, gpointer user_data)
{
  HollerRendezvous *self = user_data;
  const char *id = holler_rendezvous_client_get_id (client);
  const char *address = holler_rendezvous_client_get_address (client);
  guint count;

  g_signal_handlers_disconnect_by_data (client, self);
  if (g_hash_table_remove (self->turned_away, client))
    return;
  if (id != NULL && g_hash_table_lookup (self->registry, id) == client)
    g_hash_table_remove (self->registry, id);
  count = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_address, address));
  if (count > 1)
    g_hash_table_replace (self->per_address, g_strdup (address), GUINT_TO_POINTER (count - 1));
  else
    g_hash_table_remove (self->per_address, address);
  log_event (self, _("disconnect %s (%s), close code %u, %u client(s) left"),
             id != NULL ? id : "-", address, code, g_hash_table_size (self->clients) - 1);
  g_hash_table_remove (self->clients, client);
}

/* libsoup 3.6 drops a connection whose pongs stop; before that, TCP does
 * it when our pings stay unacknowledged for the same time (the listener
 * sets TCP_USER_TIMEOUT on every accepted socket). */
static void
set_dead_peer_timeout (SoupWebsocketConnection *conn)
{
#if SOUP_CHECK_VERSION (3, 6, 0)
  soup_websocket_connection_set_keepalive_pong_timeout (conn, PONG_TIMEOUT_SECONDS);
#endif
}

static void
turn_away (HollerRendezvous *self, HollerRendezvousClient *client, const char *address)
{
  g_hash_table_add (self->turned_away, client);
  g_signal_connect (client, "closed", G_CALLBACK (on_client_closed), self);
  log_event (self, _("too-many-clients %s: turned away"), address);
  holler_rendezvous_client_send_error (client, "too-many-clients", NULL,
                                       _("Too many connections from %s (at most %u)"),
                                       address, self->options->max_clients_per_address);
  /* not 1013 (try again later): libsoup 3.2 refuses to send or accept it */
  holler_rendezvous_client_close (client, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "too many clients");
}

static void
on_websocket (SoupServer              *server,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *conn,
              gpointer                 user_data)
{
  HollerRendezvous *self = user_data;
  const HollerRendezvousOptions *options = self->options;
  const char *address = soup_server_message_get_remote_host (msg);
  HollerRendezvousClient *client;
  guint count;

  if (self->stopped)
    return;   /* libsoup drops the connection */
  if (address == NULL)
    address = "?";
  soup_websocket_connection_set_max_incoming_payload_size (conn, (guint64) options->max_message_size * HARD_LIMIT_FACTOR);
#if SOUP_CHECK_VERSION (3, 8, 0)
  /* the payload limit is per frame; this bounds a fragmented message.
   * Below 3.8 HollerGuardInput bounds it (holler-rendezvous-listener.c). */
  soup_websocket_connection_set_max_total_message_size (conn, (guint64) options->max_message_size * HARD_LIMIT_FACTOR);
#endif
  soup_websocket_connection_set_keepalive_interval (conn, KEEPALIVE_SECONDS);
  set_dead_peer_timeout (conn);
  client = holler_rendezvous_client_new (conn, address, options->max_message_size,
                                         options->max_messages_per_second, options->quiet);
  holler_rendezvous_client_set_guard (client,
                                      holler_rendezvous_listener_claim (self->listener,
                                                                        soup_server_message_get_remote_address (msg)),
                                      MAX ((gsize) MIN_QUEUE_LIMIT, QUEUE_LIMIT_FACTOR * options->max_message_size));
  count = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_address, address));
  if (options->max_clients_per_address > 0 && count >= options->max_clients_per_address)
    {
      turn_away (self, client, address);
      return;
    }
  g_hash_table_replace (self->per_address, g_strdup (address), GUINT_TO_POINTER (count + 1));
  g_hash_table_add (self->clients, client);
  g_signal_connect (client, "message", G_CALLBACK (on_client_message), self);
  g_signal_connect (client, "closed", G_CALLBACK (on_client_closed), self);
  log_event (self, _("connect %s (%u client(s))"), address, g_hash_table_size (self->clients));
}

/* soup_server_listen() keeps GLib's backlog of 10: hundreds of clients
 * connecting at once would wait for SYN retransmissions (1 s, 3 s, 7 s…) */
static GSocket *
listen_socket (GSocketAddress *address, GError **error)
{
  g_autoptr(GSocket) socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, error);

  if (socket == NULL || !g_socket_bind (socket, address, TRUE, error))
    return NULL;
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  if (!g_socket_listen (socket, error))
    return NULL;
  return g_steal_pointer (&socket);
}

static gboolean
load_options (HollerRendezvous *self, GError **error)
{
  const HollerRendezvousOptions *options = self->options;
  g_autoptr(GError) local_error = NULL;

  self->address = g_inet_address_new_from_string (options->address != NULL ? options->address : "");
  if (self->address == NULL)
    return g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_CONFIG,
                        _("“%s” is not an IP address"), options->address != NULL ? options->address : ""), FALSE;
  if (options->port > G_MAXUINT16)
    return g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_CONFIG,
                        _("Port %u is out of range (0–65535)"), options->port), FALSE;
  if (options->max_message_size < 256 || options->max_message_size > 64 * 1024 * 1024)
    return g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_CONFIG,
                        _("The message size limit must be between 256 bytes and 64 MiB")), FALSE;
  if (!(options->max_messages_per_second >= 0))
    return g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_CONFIG,
                        _("The message rate limit must be 0 (none) or positive")), FALSE;
  if (options->handshake_timeout_s < 1 || options->handshake_timeout_s > 3600)
    return g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_CONFIG,
                        _("The handshake timeout must be between 1 and 3600 seconds")), FALSE;
  if (options->tls_key_file != NULL && options->tls_cert_file == NULL)
    return g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_CONFIG,
                        _("A TLS key needs a TLS certificate (--tls-cert)")), FALSE;
  if (options->tls_cert_file != NULL)
    {
      self->certificate = options->tls_key_file != NULL
                          ? g_tls_certificate_new_from_files (options->tls_cert_file, options->tls_key_file, &local_error)
                          : g_tls_certificate_new_from_file (options->tls_cert_file, &local_error);
      if (self->certificate == NULL)
        return g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_CONFIG,
                            _("Cannot load the TLS certificate %s (key %s): %s"), options->tls_cert_file,
                            options->tls_key_file != NULL ? options->tls_key_file : options->tls_cert_file,
                            local_error->message), FALSE;
    }
  if (options->token_file != NULL)
    {
      self->tokens = holler_rendezvous_tokens_load (options->token_file, error);
      if (self->tokens == NULL)
        return FALSE;
    }
  return TRUE;
}

static void
holler_rendezvous_dispose (GObject *object)
{
  HollerRendezvous *self = HOLLER_RENDEZVOUS (object);
  GHashTable *sets[] = { self->clients, self->turned_away };

  for (guint i = 0; i < G_N_ELEMENTS (sets); i++)
    {
      GHashTableIter iter;
      gpointer client;

      if (sets[i] == NULL)
        continue;
      g_hash_table_iter_init (&iter, sets[i]);
      while (g_hash_table_iter_next (&iter, &client, NULL))
        g_signal_handlers_disconnect_by_data (client, self);
    }
  if (self->listener != NULL)
    holler_rendezvous_listener_stop (self->listener);
  g_clear_object (&self->listener);
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_clear_pointer (&self->registry, g_hash_table_unref);
  g_clear_pointer (&self->clients, g_hash_table_unref);
  g_clear_pointer (&self->turned_away, g_hash_table_unref);
  G_OBJECT_CLASS (holler_rendezvous_parent_class)->dispose (object);
}

static void
holler_rendezvous_finalize (GObject *object)
{
  HollerRendezvous *self = HOLLER_RENDEZVOUS (object);

  g_clear_pointer (&self->per_address, g_hash_table_unref);
  g_clear_pointer (&self->tokens, g_hash_table_unref);
  g_clear_object (&self->certificate);
  g_clear_object (&self->address);
  holler_rendezvous_options_free (self->options);
  G_OBJECT_CLASS (holler_rendezvous_parent_class)->finalize (object);
}

static void
holler_rendezvous_class_init (HollerRendezvousClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = holler_rendezvous_dispose;
  object_class->finalize = holler_rendezvous_finalize;
}

static void
holler_rendezvous_init (HollerRendezvous *self)
{
  self->clients = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, NULL);
  self->turned_away = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, NULL);
  self->registry = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->per_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

HollerRendezvousOptions *
holler_rendezvous_options_new (void)
{
  HollerRendezvousOptions *options = g_new0 (HollerRendezvousOptions, 1);

  options->address = g_strdup (HOLLER_RENDEZVOUS_DEFAULT_ADDRESS);
  options->port = HOLLER_RENDEZVOUS_DEFAULT_PORT;
  options->max_message_size = HOLLER_RENDEZVOUS_DEFAULT_MAX_MESSAGE_SIZE;
  options->max_messages_per_second = HOLLER_RENDEZVOUS_DEFAULT_MAX_RATE;
  options->max_clients_per_address = HOLLER_RENDEZVOUS_DEFAULT_MAX_CLIENTS_PER_ADDRESS;
  options->handshake_timeout_s = HOLLER_RENDEZVOUS_DEFAULT_HANDSHAKE_TIMEOUT;
  return options;
}

HollerRendezvousOptions *
holler_rendezvous_options_copy (const HollerRendezvousOptions *options)
{
  HollerRendezvousOptions *copy = g_memdup2 (options, sizeof *options);

  copy->address = g_strdup (options->address);
  copy->tls_cert_file = g_strdup (options->tls_cert_file);
  copy->tls_key_file = g_strdup (options->tls_key_file);
  copy->token_file = g_strdup (options->token_file);
  return copy;
}

void
holler_rendezvous_options_free (HollerRendezvousOptions *options)
{
  if (options == NULL)
    return;
  g_free (options->address);
  g_free (options->tls_cert_file);
  g_free (options->tls_key_file);
  g_free (options->token_file);
  g_free (options);
}

HollerRendezvous *
holler_rendezvous_new (const HollerRendezvousOptions *options, GError **error)
{
  g_autoptr(HollerRendezvous) self = g_object_new (HOLLER_TYPE_RENDEZVOUS, NULL);

  g_return_val_if_fail (options != NULL, NULL);

  self->options = holler_rendezvous_options_copy (options);
  if (!load_options (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

static void
start_listener (HollerRendezvous *self, GSocket *socket)
{
  const HollerRendezvousOptions *options = self->options;
  HollerRendezvousListenerLimits limits = {
    .certificate = self->certificate,
    .max_per_address = options->max_clients_per_address,
    .handshake_timeout_s = options->handshake_timeout_s,
    .max_message = (guint64) options->max_message_size * HARD_LIMIT_FACTOR,
    .max_http = MAX_REQUEST_HEAD,
    .quiet = options->quiet,
  };
  g_autoptr(GSocketAddress) bound = g_socket_get_local_address (socket, NULL);

  self->listener = holler_rendezvous_listener_new (self->server, socket, &limits);
  self->port = bound != NULL ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)) : 0;
}

gboolean
holler_rendezvous_start (HollerRendezvous *self, GError **error)
{
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autofree char *uri = NULL;

  g_return_val_if_fail (HOLLER_IS_RENDEZVOUS (self), FALSE);
  g_return_val_if_fail (self->server == NULL, FALSE);

  address = g_inet_socket_address_new (self->address, self->options->port);
  socket = listen_socket (address, error);
  if (socket == NULL)
    {
      g_prefix_error (error, _("Cannot listen on %s port %u: "), self->options->address, self->options->port);
      return FALSE;
    }
  self->server = soup_server_new ("server-header", "holler ", NULL);
  /* permessage-deflate would let a small frame inflate far past the limit */
  soup_server_remove_websocket_extension (self->server, SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE);
  soup_server_add_websocket_handler (self->server, WS_PATH, NULL, NULL, on_websocket, self, NULL);
  /* the web client at / (every other path but WS_PATH) */
  holler_rendezvous_web_add_handler (self->server);
  /* our accept loop hands connections (TLS done) to libsoup: see
   * holler-rendezvous-listener.h */
  start_listener (self, socket);
  uri = holler_rendezvous_get_uri (self);
  log_event (self, _("listening on %s"), uri);
  if (self->tokens == NULL)
    log_event (self, _("warning: no token file: the server is open, anyone can register any id"));
  return TRUE;
}

guint
holler_rendezvous_get_port (HollerRendezvous *self)
{
  g_return_val_if_fail (HOLLER_IS_RENDEZVOUS (self), 0);
  return self->port;
}

char *
holler_rendezvous_get_uri (HollerRendezvous *self)
{
  g_autofree char *host = NULL;
  gboolean ipv6;

  g_return_val_if_fail (HOLLER_IS_RENDEZVOUS (self), NULL);

  if (self->server == NULL)
    return NULL;
  host = g_inet_address_to_string (self->address);
  ipv6 = g_inet_address_get_family (self->address) == G_SOCKET_FAMILY_IPV6;
  return g_strdup_printf ("%s://%s%s%s:%u%s", self->certificate != NULL ? "wss" : "ws",
                          ipv6 ? "[" : "", host, ipv6 ? "]" : "", self->port, WS_PATH);
}

void
holler_rendezvous_stop (HollerRendezvous *self)
{
  GHashTableIter iter;
  gpointer client;

  g_return_if_fail (HOLLER_IS_RENDEZVOUS (self));

  if (self->stopped || self->server == NULL)
    return;
  self->stopped = TRUE;
  log_event (self, _("stopping: closing %u connection(s)"), g_hash_table_size (self->clients));
  holler_rendezvous_listener_stop (self->listener);
  soup_server_disconnect (self->server);
  g_hash_table_iter_init (&iter, self->clients);
  while (g_hash_table_iter_next (&iter, &client, NULL))
    holler_rendezvous_client_close (client, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "server stopping");
}

guint
holler_rendezvous_get_n_clients (HollerRendezvous *self)
{
  g_return_val_if_fail (HOLLER_IS_RENDEZVOUS (self), 0);
  return g_hash_table_size (self->clients);
}
