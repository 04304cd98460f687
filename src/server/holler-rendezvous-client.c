/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "holler-serve"

#include "config.h"
#include <inttypes.h>
#include <string.h>
#include <glib/gi18n.h>
#include "holler-rendezvous-client.h"
#include "holler-server-log.h"
#include "holler-rendezvous-frame.h"

/* one rate-limited error to the client and one log line per window */
#define LIMIT_WINDOW_MS 1000

enum {
  SIGNAL_MESSAGE,
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

struct _HollerRendezvousClient
{
  GObject parent_instance;

  SoupWebsocketConnection *conn;
  char *address;
  char *id;
  gsize max_message_size;
  double max_rate;
  gboolean quiet;
  gboolean closing;
  gboolean closed;

  /* token bucket */
  double tokens;
  gint64 refilled_us;
  GSource *limit_window;     /* open after a drop: counts, then logs */
  guint64 n_limited;         /* dropped in the window */

  /* libsoup's outgoing queue (holler-guard-queue.h) */
  HollerGuardStream *guard;
};

G_DEFINE_FINAL_TYPE (HollerRendezvousClient, holler_rendezvous_client, G_TYPE_OBJECT)

static const char *
display_id (HollerRendezvousClient *self)
{
  return self->id != NULL ? self->id : "-";
}

/* TRUE when the message may pass; refills at max_rate, holds 2 × max_rate */
static gboolean
take_token (HollerRendezvousClient *self)
{
  gint64 now = g_get_monotonic_time ();
  double burst = 2 * self->max_rate;

  if (self->max_rate <= 0)
    return TRUE;
  self->tokens = MIN (burst, self->tokens + (now - self->refilled_us) * self->max_rate / G_USEC_PER_SEC);
  self->refilled_us = now;
  if (self->tokens < 1)
    return FALSE;
  self->tokens -= 1;
  return TRUE;
}

static void
log_rate_limited (HollerRendezvousClient *self)
{
  if (self->n_limited > 0)
    holler_server_log (self->quiet, _("rate-limited %s (%s): %" PRIu64 " message(s) dropped"),
                       display_id (self), self->address, self->n_limited);
  self->n_limited = 0;
}

static gboolean
on_limit_window_end (gpointer user_data)
{
  HollerRendezvousClient *self = user_data;

  g_clear_pointer (&self->limit_window, g_source_unref);
  log_rate_limited (self);
  return G_SOURCE_REMOVE;
}

static void
close_limit_window (HollerRendezvousClient *self)
{
  if (self->limit_window == NULL)
    return;
  g_source_destroy (self->limit_window);
  g_clear_pointer (&self->limit_window, g_source_unref);
  log_rate_limited (self);
}

/* One error and one log line per second at most, however fast the flood;
 * the line counts every message dropped in its second (the window opens
 * at the first drop and the line is written when it ends, or when the
 * connection closes) */
static void
report_rate_limited (HollerRendezvousClient *self)
{
  self->n_limited++;
  if (self->limit_window != NULL)
    return;
  holler_rendezvous_client_send_error (self, "rate-limited", NULL,
                                       _("More than %g messages per second: message dropped"),
                                       self->max_rate);
  self->limit_window = g_timeout_source_new (LIMIT_WINDOW_MS);
  g_source_set_callback (self->limit_window, on_limit_window_end, self, NULL);
  g_source_attach (self->limit_window, g_main_context_get_thread_default ());
}

/* Bytes of a server frame (unmasked) carrying @length bytes */
static guint64
frame_bytes (gsize length)
{
  return length + (length < 126 ? 2 : length < 65536 ? 4 : 10);
}

static void
on_message (SoupWebsocketConnection *conn, gint kind, GBytes *message, gpointer user_data)
{
  HollerRendezvousClient *self = user_data;
  g_auto(HollerRendezvousFrame) frame = { 0 };
  gsize length;
  const char *data = g_bytes_get_data (message, &length);

  if (self->closing)
    return;
  if (!take_token (self))
    {
      report_rate_limited (self);
      return;
    }
  switch (holler_rendezvous_frame_parse (data, length, kind == SOUP_WEBSOCKET_DATA_TEXT,
                                         self->max_message_size, &frame))
    {
    case HOLLER_RENDEZVOUS_FRAME_TOO_LARGE:
      holler_server_log (self->quiet, _("too-large %s (%s): %zu bytes"),
                         display_id (self), self->address, length);
      holler_rendezvous_client_send_error (self, "too-large", NULL,
                                           _("Message of %zu bytes; the limit is %zu"),
                                           length, self->max_message_size);
      return;
    case HOLLER_RENDEZVOUS_FRAME_BAD_JSON:
      holler_rendezvous_client_send_error (self, "bad-json", NULL,
                                           _("Not a JSON object with a string “type”: %s"), frame.why);
      return;
    case HOLLER_RENDEZVOUS_FRAME_REGISTER:
    case HOLLER_RENDEZVOUS_FRAME_RELAY:
      g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, &frame);
      return;
    }
}

static void
on_closed (SoupWebsocketConnection *conn, gpointer user_data)
{
  HollerRendezvousClient *self = g_object_ref (user_data);

  self->closing = TRUE;
  close_limit_window (self);
  if (!self->closed)
    {
      self->closed = TRUE;
      g_signal_emit (self, signals[SIGNAL_CLOSED], 0, (guint) soup_websocket_connection_get_close_code (conn));
    }
  g_object_unref (self);
}

static void
on_error (SoupWebsocketConnection *conn, GError *error, gpointer user_data)
{
  HollerRendezvousClient *self = user_data;

  holler_server_log (self->quiet, _("error %s (%s): %s"), display_id (self), self->address, error->message);
  /* libsoup drops a connection whose frame is over its payload limit
   * without a closing handshake; the close frame written here (at once,
   * when nothing else is queued) tells the peer why: 1009. */
  if (g_error_matches (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_CLOSE_TOO_BIG)
      && soup_websocket_connection_get_state (conn) == SOUP_WEBSOCKET_STATE_OPEN)
    {
      self->closing = TRUE;
      soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_TOO_BIG, "message too big");
    }
}

static void
holler_rendezvous_client_dispose (GObject *object)
{
  HollerRendezvousClient *self = HOLLER_RENDEZVOUS_CLIENT (object);

  close_limit_window (self);
  g_clear_object (&self->guard);
  if (self->conn != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->conn, self);
      if (soup_websocket_connection_get_state (self->conn) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (self->conn, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
      g_clear_object (&self->conn);
    }
  G_OBJECT_CLASS (holler_rendezvous_client_parent_class)->dispose (object);
}

static void
holler_rendezvous_client_finalize (GObject *object)
{
  HollerRendezvousClient *self = HOLLER_RENDEZVOUS_CLIENT (object);

  g_free (self->address);
  g_free (self->id);
  G_OBJECT_CLASS (holler_rendezvous_client_parent_class)->finalize (object);
}

static void
holler_rendezvous_client_class_init (HollerRendezvousClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = holler_rendezvous_client_dispose;
  object_class->finalize = holler_rendezvous_client_finalize;

  /* A usable message: (const HollerRendezvousFrame *, a REGISTER or a
   * RELAY). The frame is only lent to the handlers, which may change its
   * object (the server sets "from"). */
  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_POINTER);
  /* The connection is gone: (close code, 1006 or 0 when none was given) */
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
holler_rendezvous_client_init (HollerRendezvousClient *self)
{
  self->refilled_us = g_get_monotonic_time ();
}

HollerRendezvousClient *
holler_rendezvous_client_new (SoupWebsocketConnection *conn,
                              const char              *address,
                              gsize                    max_message_size,
                              double                   max_rate,
                              gboolean                 quiet)
{
  HollerRendezvousClient *self = g_object_new (HOLLER_TYPE_RENDEZVOUS_CLIENT, NULL);

  g_return_val_if_fail (SOUP_IS_WEBSOCKET_CONNECTION (conn), NULL);

  self->conn = g_object_ref (conn);
  self->address = g_strdup (address);
  self->max_message_size = max_message_size;
  self->max_rate = max_rate;
  self->tokens = 2 * max_rate;
  self->quiet = quiet;
  g_signal_connect (conn, "message", G_CALLBACK (on_message), self);
  g_signal_connect (conn, "closed", G_CALLBACK (on_closed), self);
  g_signal_connect (conn, "error", G_CALLBACK (on_error), self);
  return self;
}

void
holler_rendezvous_client_set_guard (HollerRendezvousClient *self, HollerGuardStream *guard, gsize max_queued)
{
  g_return_if_fail (HOLLER_IS_RENDEZVOUS_CLIENT (self));
  g_set_object (&self->guard, guard);
  if (guard != NULL)
    holler_guard_stream_get_queue (guard)->limit = max_queued;
}

const char *
holler_rendezvous_client_get_address (HollerRendezvousClient *self)
{
  g_return_val_if_fail (HOLLER_IS_RENDEZVOUS_CLIENT (self), NULL);
  return self->address;
}

const char *
holler_rendezvous_client_get_id (HollerRendezvousClient *self)
{
  g_return_val_if_fail (HOLLER_IS_RENDEZVOUS_CLIENT (self), NULL);
  return self->id;
}

void
holler_rendezvous_client_set_id (HollerRendezvousClient *self, const char *id)
{
  g_return_if_fail (HOLLER_IS_RENDEZVOUS_CLIENT (self));
  g_free (self->id);
  self->id = g_strdup (id);
}

gboolean
holler_rendezvous_client_is_closing (HollerRendezvousClient *self)
{
  g_return_val_if_fail (HOLLER_IS_RENDEZVOUS_CLIENT (self), TRUE);
  return self->closing;
}

gboolean
holler_rendezvous_client_send_object (HollerRendezvousClient *self, JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;
  HollerGuardQueue *queue;
  gsize length;

  g_return_val_if_fail (HOLLER_IS_RENDEZVOUS_CLIENT (self), FALSE);

  json_node_set_object (node, object);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, &length);
  if (!g_utf8_validate_len (text, length, NULL))
    return FALSE;
  if (self->closing || soup_websocket_connection_get_state (self->conn) != SOUP_WEBSOCKET_STATE_OPEN)
    return TRUE;
  queue = self->guard != NULL ? holler_guard_stream_get_queue (self->guard) : NULL;
  if (queue != NULL && holler_guard_queue_is_over (queue, frame_bytes (length)))
    {
      holler_server_log (self->quiet, _("slow-reader %s (%s): %" PRIu64 " bytes not yet sent, the limit is %" PRIu64
                                        ": closed"),
                         display_id (self), self->address, holler_guard_queue_get_queued (queue), queue->limit);
      holler_rendezvous_client_close (self, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "too slow");
      /* the close frame waits behind what the reader does not read; its
       * queue is freed now, not after libsoup's 5 s closing timeout */
      holler_guard_stream_abort (self->guard);
      return TRUE;
    }
  if (queue != NULL)
    queue->submitted += frame_bytes (length);
  soup_websocket_connection_send_text (self->conn, text);
  return TRUE;
}

void
holler_rendezvous_client_send_error (HollerRendezvousClient *self,
                                     const char             *code,
                                     const char             *to,
                                     const char             *format,
                                     ...)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autofree char *text = NULL;
  va_list args;

  g_return_if_fail (HOLLER_IS_RENDEZVOUS_CLIENT (self));

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  json_object_set_string_member (object, "type", "error");
  json_object_set_string_member (object, "code", code);
  json_object_set_string_member (object, "message", text);
  if (to != NULL)
    json_object_set_string_member (object, "to", to);
  holler_rendezvous_client_send_object (self, object);
}

void
holler_rendezvous_client_close (HollerRendezvousClient *self, gushort code, const char *reason)
{
  g_return_if_fail (HOLLER_IS_RENDEZVOUS_CLIENT (self));

  if (self->closing)
    return;
  self->closing = TRUE;
  if (soup_websocket_connection_get_state (self->conn) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->conn, code, reason);
}
