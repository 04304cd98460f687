/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ws:// and wss:// backend: a client of the rendezvous server (`holler
 * serve`, docs/signaling.md). It registers our id, routes by "to"/"from",
 * queues what is sent while it is not registered, and reconnects with
 * backoff when a connection that once worked is lost, so an active call's
 * media (peer to peer) never depends on the server staying up. */
#define G_LOG_DOMAIN "holler-signaling"

#include "config.h"
#include <string.h>
#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include "holler-signaling.h"
#include "holler-error.h"
#include "holler-net.h"

#define KEEPALIVE_SECONDS 15
#define REGISTER_TIMEOUT_SECONDS 10
#define BACKOFF_FIRST_MS 500
#define BACKOFF_MAX_MS 10000
/* A call sends a few dozen messages; this bounds memory during an outage. */
#define MAX_QUEUED 1000
#define MAX_ID_LENGTH 64

typedef enum {
  WS_IDLE,
  WS_CONNECTING,
  WS_REGISTERING,
  WS_REGISTERED,
  WS_WAITING,      /* to reconnect */
  WS_CLOSED,
} WsState;

struct _HollerSignalingWs
{
  GObject parent_instance;

  char *uri;
  char *id;
  char *token;
  SoupSession *session;
  SoupWebsocketConnection *conn;
  GCancellable *cancellable;
  WsState state;
  gboolean ever_registered;
  guint backoff_ms;
  guint timer_id;          /* reconnect or registration timeout */
  GQueue queue;            /* JSON texts waiting for registration */
  GTask *shutdown_task;
  char *local_ip;          /* our end of the current connection */
  GNetworkMonitor *monitor;
};

#define HOLLER_TYPE_SIGNALING_WS (holler_signaling_ws_get_type ())
G_DECLARE_FINAL_TYPE (HollerSignalingWs, holler_signaling_ws, HOLLER, SIGNALING_WS, GObject)

static void holler_signaling_ws_iface_init (HollerSignalingInterface *iface);

G_DEFINE_TYPE_WITH_CODE (HollerSignalingWs, holler_signaling_ws, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (HOLLER_TYPE_SIGNALING, holler_signaling_ws_iface_init))

static void connect_now (HollerSignalingWs *self);

static void
notice (HollerSignalingWs *self, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
notice (HollerSignalingWs *self, const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  holler_signaling_emit_notice (HOLLER_SIGNALING (self), text);
}

static void
drop_connection (HollerSignalingWs *self)
{
  if (self->conn == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->conn, self);
  if (soup_websocket_connection_get_state (self->conn) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_clear_object (&self->conn);
}

static void
complete_shutdown (HollerSignalingWs *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->shutdown_task);

  if (task != NULL)
    g_task_return_boolean (task, TRUE);
}

/* Gone for good: tell the owner once. */
static void
fail (HollerSignalingWs *self, GError *error)
{
  g_autoptr(GError) owned = error;

  if (self->state == WS_CLOSED)
    return;
  self->state = WS_CLOSED;
  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  drop_connection (self);
  g_queue_clear_full (&self->queue, g_free);
  complete_shutdown (self);
  holler_signaling_emit_closed (HOLLER_SIGNALING (self), owned);
}

static gboolean
on_reconnect_timer (gpointer user_data)
{
  HollerSignalingWs *self = user_data;

  self->timer_id = 0;
  connect_now (self);
  return G_SOURCE_REMOVE;
}

/* A connection that once worked is gone: try again, waiting longer each
 * time, with jitter so that clients of a restarted server do not all
 * come back in the same millisecond. */
static void
schedule_reconnect (HollerSignalingWs *self, const char *why)
{
  guint delay;

  drop_connection (self);
  g_clear_handle_id (&self->timer_id, g_source_remove);
  self->state = WS_WAITING;
  delay = self->backoff_ms * g_random_double_range (0.8, 1.2);
  self->backoff_ms = MIN (self->backoff_ms * 2, BACKOFF_MAX_MS);
  notice (self, _("Signaling connection lost (%s); reconnecting in %.1f s"), why, delay / 1000.0);
  self->timer_id = g_timeout_add (delay, on_reconnect_timer, self);
}

static void
lost (HollerSignalingWs *self, const char *why)
{
  if (self->state == WS_CLOSED)
    return;
  if (self->ever_registered)
    schedule_reconnect (self, why);
  else
    fail (self, g_error_new (HOLLER_ERROR, HOLLER_ERROR_SIGNALING,
                             _("Cannot use the signaling server at %s: %s"), self->uri, why));
}

static void
send_text (HollerSignalingWs *self, const char *text)
{
  soup_websocket_connection_send_text (self->conn, text);
}

/* A connection whose local address went away (renumbering, a switch of
 * network) is dead but would take minutes to say so, and what we send on
 * it is lost: reconnect at once. This runs before the ICE layer notices
 * the change (it waits for the burst of events to settle), so a restart
 * offer is queued for the new connection, not lost in the old one. */
static void
on_network_changed (GNetworkMonitor *monitor, gboolean available, gpointer user_data)
{
  HollerSignalingWs *self = user_data;

  if ((self->state != WS_REGISTERING && self->state != WS_REGISTERED) || self->local_ip == NULL
      || holler_net_address_is_local (self->local_ip))
    return;
  self->backoff_ms = BACKOFF_FIRST_MS;
  schedule_reconnect (self, _("our network address changed"));
}

static void
on_network_event (SoupMessage *msg, GSocketClientEvent event, GIOStream *connection, gpointer user_data)
{
  HollerSignalingWs *self = user_data;
  g_autoptr(GSocketAddress) local = NULL;

  if (event != G_SOCKET_CLIENT_CONNECTED || !G_IS_SOCKET_CONNECTION (connection))
    return;
  local = g_socket_connection_get_local_address (G_SOCKET_CONNECTION (connection), NULL);
  g_clear_pointer (&self->local_ip, g_free);
  if (G_IS_INET_SOCKET_ADDRESS (local))
    self->local_ip = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)));
}

static void
on_registered (HollerSignalingWs *self, const HollerMessage *msg)
{
  if (self->state != WS_REGISTERING)
    return;
  g_clear_handle_id (&self->timer_id, g_source_remove);
  self->state = WS_REGISTERED;
  self->backoff_ms = BACKOFF_FIRST_MS;
  if (self->ever_registered)
    notice (self, _("Signaling reconnected: registered again as “%s”"), self->id);
  else
    notice (self, _("Registered as “%s” at %s"), self->id, self->uri);
  self->ever_registered = TRUE;
  while (!g_queue_is_empty (&self->queue))
    {
      g_autofree char *text = g_queue_pop_head (&self->queue);

      send_text (self, text);
    }
}

static gboolean
is_fatal_error (const char *code)
{
  return g_str_equal (code, "unauthorized") || g_str_equal (code, "bad-id")
         || g_str_equal (code, "replaced") || g_str_equal (code, "too-many-clients");
}

static void
on_server_error (HollerSignalingWs *self, HollerMessage *msg)
{
  if (is_fatal_error (msg->code))
    {
      fail (self, g_error_new (HOLLER_ERROR, HOLLER_ERROR_SIGNALING,
                               _("The signaling server refused “%s”: %s (%s)"), self->id,
                               msg->text ? msg->text : msg->code, msg->code));
      return;
    }
  if (msg->to != NULL)
    {
      /* About a message we sent to a peer: route it to that peer's call. */
      g_free (msg->from);
      msg->from = g_strdup (msg->to);
      holler_signaling_emit_message (HOLLER_SIGNALING (self), msg);
      return;
    }
  {
    g_autoptr(GError) error = g_error_new (HOLLER_ERROR, HOLLER_ERROR_INVALID_MESSAGE,
                                           _("The signaling server says: %s (%s)"),
                                           msg->text ? msg->text : "", msg->code);
    holler_signaling_emit_junk (HOLLER_SIGNALING (self), error);
  }
}

static void
on_ws_message (SoupWebsocketConnection *conn, gint type, GBytes *data, gpointer user_data)
{
  HollerSignalingWs *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HollerMessage) msg = NULL;
  gsize size = 0;
  const char *text = g_bytes_get_data (data, &size);

  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      error = g_error_new_literal (HOLLER_ERROR, HOLLER_ERROR_INVALID_MESSAGE,
                                   _("Binary frame from the signaling server"));
      holler_signaling_emit_junk (HOLLER_SIGNALING (self), error);
      return;
    }
  msg = holler_message_parse (text, size, &error);
  if (msg == NULL)
    {
      holler_signaling_emit_junk (HOLLER_SIGNALING (self), error);
      return;
    }
  switch (msg->type)
    {
    case HOLLER_MESSAGE_REGISTERED:
      on_registered (self, msg);
      break;
    case HOLLER_MESSAGE_ERROR:
      on_server_error (self, msg);
      break;
    case HOLLER_MESSAGE_REGISTER:
      break;
    default:
      if (self->state == WS_REGISTERED)
        holler_signaling_emit_message (HOLLER_SIGNALING (self), msg);
    }
}

static void
on_ws_closed (SoupWebsocketConnection *conn, gpointer user_data)
{
  HollerSignalingWs *self = user_data;
  const char *reason = soup_websocket_connection_get_close_data (conn);
  g_autofree char *why = NULL;
  gushort code;

  if (self->shutdown_task != NULL)
    {
      self->state = WS_CLOSED;
      g_clear_object (&self->conn);
      complete_shutdown (self);
      return;
    }
  code = soup_websocket_connection_get_close_code (conn);
  if (reason != NULL && *reason != '\0')
    why = g_strdup_printf (_("closed by the server: %s"), reason);
  else if (code == 0 || code == SOUP_WEBSOCKET_CLOSE_ABNORMAL)
    why = g_strdup (_("the connection dropped"));
  else
    why = g_strdup_printf (_("closed, code %u"), code);
  lost (self, why);
}

static gboolean
on_register_timeout (gpointer user_data)
{
  HollerSignalingWs *self = user_data;

  self->timer_id = 0;
  lost (self, _("no answer to our registration"));
  return G_SOURCE_REMOVE;
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HollerSignalingWs) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HollerMessage) reg = holler_message_new (HOLLER_MESSAGE_REGISTER);
  g_autofree char *text = NULL;
  SoupWebsocketConnection *conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);

  if (conn == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        lost (self, error->message);
      return;
    }
  self->conn = conn;
  soup_websocket_connection_set_keepalive_interval (conn, KEEPALIVE_SECONDS);
  g_signal_connect (conn, "message", G_CALLBACK (on_ws_message), self);
  g_signal_connect (conn, "closed", G_CALLBACK (on_ws_closed), self);
  self->state = WS_REGISTERING;
  reg->id = g_strdup (self->id);
  reg->token = g_strdup (self->token);
  text = holler_message_to_json (reg);
  send_text (self, text);
  self->timer_id = g_timeout_add_seconds (REGISTER_TIMEOUT_SECONDS, on_register_timeout, self);
}

static void
connect_now (HollerSignalingWs *self)
{
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, self->uri);

  self->state = WS_CONNECTING;
  g_signal_connect_object (msg, "network-event", G_CALLBACK (on_network_event), self, 0);
  soup_session_websocket_connect_async (self->session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        self->cancellable, on_connected, g_object_ref (self));
}

static gboolean
holler_signaling_ws_start (HollerSignaling *signaling, GError **error)
{
  HollerSignalingWs *self = HOLLER_SIGNALING_WS (signaling);

  g_return_val_if_fail (self->state == WS_IDLE, FALSE);
  self->monitor = g_object_ref (g_network_monitor_get_default ());
  g_signal_connect (self->monitor, "network-changed", G_CALLBACK (on_network_changed), self);
  connect_now (self);
  return TRUE;
}

static gboolean
holler_signaling_ws_send (HollerSignaling *signaling, const HollerMessage *msg, GError **error)
{
  HollerSignalingWs *self = HOLLER_SIGNALING_WS (signaling);
  g_autofree char *text = NULL;

  if (self->state == WS_CLOSED)
    {
      g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_SIGNALING, _("Signaling is closed"));
      return FALSE;
    }
  if (msg->to == NULL)
    {
      g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_SIGNALING,
                           _("A message to the rendezvous server must name its peer"));
      return FALSE;
    }
  text = holler_message_to_json (msg);
  if (self->state == WS_REGISTERED)
    {
      send_text (self, text);
      return TRUE;
    }
  if (self->queue.length >= MAX_QUEUED)
    {
      g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_SIGNALING,
                           _("Too many signaling messages waiting for the server"));
      return FALSE;
    }
  g_queue_push_tail (&self->queue, g_steal_pointer (&text));
  return TRUE;
}

static void
holler_signaling_ws_close (HollerSignaling *signaling)
{
  HollerSignalingWs *self = HOLLER_SIGNALING_WS (signaling);

  /* closed at our request: no "closed" signal, as with the other backends */
  self->state = WS_CLOSED;
  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  drop_connection (self);
  complete_shutdown (self);
}

/* Sends a close frame after what is already queued on the socket and waits
 * for the server's close, so a last "bye" is not lost when we exit. */
static void
holler_signaling_ws_shutdown_async (HollerSignaling *signaling, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data)
{
  HollerSignalingWs *self = HOLLER_SIGNALING_WS (signaling);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, holler_signaling_ws_shutdown_async);
  if (self->conn == NULL || self->state != WS_REGISTERED || self->shutdown_task != NULL)
    {
      holler_signaling_ws_close (signaling);
      g_task_return_boolean (task, TRUE);
      return;
    }
  self->shutdown_task = g_steal_pointer (&task);
  g_clear_handle_id (&self->timer_id, g_source_remove);
  soup_websocket_connection_close (self->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
}

static gboolean
holler_signaling_ws_shutdown_finish (HollerSignaling *signaling, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
holler_signaling_ws_dispose (GObject *object)
{
  HollerSignalingWs *self = HOLLER_SIGNALING_WS (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->timer_id, g_source_remove);
  drop_connection (self);
  complete_shutdown (self);
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->monitor);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (holler_signaling_ws_parent_class)->dispose (object);
}

static void
holler_signaling_ws_finalize (GObject *object)
{
  HollerSignalingWs *self = HOLLER_SIGNALING_WS (object);

  g_queue_clear_full (&self->queue, g_free);
  g_clear_object (&self->cancellable);
  g_free (self->uri);
  g_free (self->id);
  g_free (self->token);
  g_free (self->local_ip);
  G_OBJECT_CLASS (holler_signaling_ws_parent_class)->finalize (object);
}

static void
holler_signaling_ws_iface_init (HollerSignalingInterface *iface)
{
  iface->start = holler_signaling_ws_start;
  iface->send = holler_signaling_ws_send;
  iface->close = holler_signaling_ws_close;
  iface->shutdown_async = holler_signaling_ws_shutdown_async;
  iface->shutdown_finish = holler_signaling_ws_shutdown_finish;
}

static void
holler_signaling_ws_class_init (HollerSignalingWsClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = holler_signaling_ws_dispose;
  G_OBJECT_CLASS (klass)->finalize = holler_signaling_ws_finalize;
}

static void
holler_signaling_ws_init (HollerSignalingWs *self)
{
  self->cancellable = g_cancellable_new ();
  self->backoff_ms = BACKOFF_FIRST_MS;
  g_queue_init (&self->queue);
}

gboolean
holler_signaling_ws_id_is_valid (const char *id)
{
  gsize n = id ? strlen (id) : 0;

  if (n == 0 || n > MAX_ID_LENGTH)
    return FALSE;
  for (const char *p = id; *p; p++)
    if (!g_ascii_isalnum (*p) && strchr ("._-", *p) == NULL)
      return FALSE;
  return TRUE;
}

/* ws://HOST:PORT with no path means the server's default "/ws". */
static char *
normalize_uri (const char *uri, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_NONE, &local_error);

  if (parsed == NULL || g_uri_get_host (parsed) == NULL || *g_uri_get_host (parsed) == '\0')
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE, _("Bad signaling URI “%s”: %s"), uri,
                   local_error ? local_error->message : _("no host"));
      return NULL;
    }
  if (*g_uri_get_path (parsed) == '\0' || g_str_equal (g_uri_get_path (parsed), "/"))
    {
      g_autoptr(GUri) fixed = g_uri_build (G_URI_FLAGS_NONE, g_uri_get_scheme (parsed), NULL,
                                           g_uri_get_host (parsed), g_uri_get_port (parsed), "/ws",
                                           g_uri_get_query (parsed), NULL);
      return g_uri_to_string (fixed);
    }
  return g_strdup (uri);
}

HollerSignaling *
holler_signaling_ws_new (const char *uri, const HollerSignalingParams *params, GError **error)
{
  g_autoptr(HollerSignalingWs) self = NULL;
  g_autofree char *normalized = NULL;

  if (params->id == NULL)
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE,
                   _("A rendezvous server needs our id: use --id NAME or id= in the config file"));
      return NULL;
    }
  if (!holler_signaling_ws_id_is_valid (params->id))
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE,
                   _("Bad id “%s”: use 1 to %d letters, digits, “.”, “_” or “-”"),
                   params->id, MAX_ID_LENGTH);
      return NULL;
    }
  normalized = normalize_uri (uri, error);
  if (normalized == NULL)
    return NULL;

  self = g_object_new (HOLLER_TYPE_SIGNALING_WS, NULL);
  self->uri = g_steal_pointer (&normalized);
  self->id = g_strdup (params->id);
  self->token = g_strdup (params->token);
  self->session = soup_session_new ();
  if (params->ca_file != NULL)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GTlsDatabase) db = g_tls_file_database_new (params->ca_file, &local_error);

      if (db == NULL)
        {
          g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_CONFIG,
                       _("Cannot read the CA file “%s”: %s"), params->ca_file, local_error->message);
          return NULL;
        }
      soup_session_set_tls_database (self->session, db);
    }
  return HOLLER_SIGNALING (g_steal_pointer (&self));
}
