/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Why a stream of our own under libsoup: libsoup 3.2.3 gives a server no
 * hook between the socket and its WebSocket framing, and its only bound is
 * per frame. Reading through this filter lets the server refuse a message
 * whose fragments add up past the limit before libsoup buffers them. Bytes
 * read from the socket but not yet allowed to pass (after the end of a
 * request head, so libsoup never reads past an upgrade request) wait in a
 * small buffer of ours. */
#define G_LOG_DOMAIN "holler-serve"

#include "config.h"
#include <inttypes.h>
#include <string.h>
#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include "holler-guard-input.h"
#include "holler-ws-limit.h"

#define BUFFER_SIZE 16384

struct _HollerGuardInput
{
  GFilterInputStream parent_instance;

  HollerWsLimit limit;
  guint8 buffer[BUFFER_SIZE];
  gsize start;          /* read from the base, not yet passed: [start, end) */
  gsize end;
  GError *error;        /* a bound was crossed: every later read fails */
  HollerGuardQueue *queue;
};

static void holler_guard_input_pollable_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HollerGuardInput, holler_guard_input, G_TYPE_FILTER_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      holler_guard_input_pollable_init))

static GInputStream *
base_stream (HollerGuardInput *self)
{
  return g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (self));
}

static void
set_refused (HollerGuardInput *self, HollerWsLimitResult result)
{
  if (result == HOLLER_WS_LIMIT_TOO_BIG)
    self->error = g_error_new (SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_CLOSE_TOO_BIG,
                               _("A fragmented message over %" PRIu64 " bytes"),
                               self->limit.max_message);
  else
    self->error = g_error_new (G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                               _("An HTTP request head over %" PRIu64 " bytes"),
                               self->limit.max_http);
}

/* How many of the buffered bytes (at most @count) the scanner lets pass */
static gssize
pass_buffered (HollerGuardInput *self, gsize count, GError **error)
{
  gsize consumed;
  HollerWsLimitResult result;

  result = holler_ws_limit_scan (&self->limit, self->buffer + self->start,
                                 MIN (count, self->end - self->start), &consumed);
  if (result == HOLLER_WS_LIMIT_TOO_BIG || result == HOLLER_WS_LIMIT_HTTP_TOO_BIG)
    {
      set_refused (self, result);
      self->start = self->end = 0;
      if (consumed == 0)
        {
          g_propagate_error (error, g_error_copy (self->error));
          return -1;
        }
    }
  else
    self->start += consumed;
  if (self->queue != NULL)
    self->queue->pong_bytes = self->limit.pong_bytes;
  return (gssize) consumed;
}

static gssize
guard_read (HollerGuardInput *self, void *buffer, gsize count, gboolean blocking,
            GCancellable *cancellable, GError **error)
{
  gsize from;
  gssize n;

  if (self->error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->error));
      return -1;
    }
  if (count == 0)
    return 0;
  if (self->limit.websocket && self->queue != NULL && holler_guard_queue_is_over (self->queue, 0))
    {
      self->error = g_error_new (G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                                 _("slow-reader: %" PRIu64 " bytes not yet sent, the limit is %"
                                   PRIu64), holler_guard_queue_get_queued (self->queue),
                                 self->queue->limit);
      g_propagate_error (error, g_error_copy (self->error));
      return -1;
    }
  if (self->start == self->end)
    {
      n = g_pollable_stream_read (base_stream (self), self->buffer, MIN (count, BUFFER_SIZE),
                                  blocking, cancellable, error);
      if (n <= 0)
        return n;
      self->start = 0;
      self->end = n;
    }
  from = self->start;
  n = pass_buffered (self, count, error);
  if (n > 0)
    memcpy (buffer, self->buffer + from, n);
  return n;
}

static gssize
holler_guard_input_read (GInputStream *stream, void *buffer, gsize count,
                         GCancellable *cancellable, GError **error)
{
  return guard_read (HOLLER_GUARD_INPUT (stream), buffer, count, TRUE, cancellable, error);
}

static gboolean
holler_guard_input_can_poll (GPollableInputStream *stream)
{
  GInputStream *base = base_stream (HOLLER_GUARD_INPUT (stream));

  return G_IS_POLLABLE_INPUT_STREAM (base) && g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (base));
}

static gboolean
holler_guard_input_is_readable (GPollableInputStream *stream)
{
  HollerGuardInput *self = HOLLER_GUARD_INPUT (stream);

  return self->error != NULL || self->start < self->end
         || g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (base_stream (self)));
}

static GSource *
holler_guard_input_create_source (GPollableInputStream *stream, GCancellable *cancellable)
{
  HollerGuardInput *self = HOLLER_GUARD_INPUT (stream);
  g_autoptr(GSource) child = NULL;

  /* buffered bytes (or an error) are ready now */
  if (self->error != NULL || self->start < self->end)
    child = g_timeout_source_new (0);
  else
    child = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (base_stream (self)), NULL);
  return g_pollable_source_new_full (stream, child, cancellable);
}

static gssize
holler_guard_input_read_nonblocking (GPollableInputStream *stream, void *buffer, gsize count, GError **error)
{
  return guard_read (HOLLER_GUARD_INPUT (stream), buffer, count, FALSE, NULL, error);
}

static void
holler_guard_input_pollable_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = holler_guard_input_can_poll;
  iface->is_readable = holler_guard_input_is_readable;
  iface->create_source = holler_guard_input_create_source;
  iface->read_nonblocking = holler_guard_input_read_nonblocking;
}

static void
holler_guard_input_finalize (GObject *object)
{
  HollerGuardInput *self = HOLLER_GUARD_INPUT (object);

  g_clear_error (&self->error);
  g_clear_pointer (&self->queue, g_rc_box_release);
  G_OBJECT_CLASS (holler_guard_input_parent_class)->finalize (object);
}

static void
holler_guard_input_class_init (HollerGuardInputClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *input_class = G_INPUT_STREAM_CLASS (klass);

  object_class->finalize = holler_guard_input_finalize;
  input_class->read_fn = holler_guard_input_read;
}

static void
holler_guard_input_init (HollerGuardInput *self)
{
}

GInputStream *
holler_guard_input_new (GInputStream *base, guint64 max_message, guint64 max_http, HollerGuardQueue *queue)
{
  HollerGuardInput *self = g_object_new (HOLLER_TYPE_GUARD_INPUT, "base-stream", base,
                                         "close-base-stream", FALSE, NULL);

  holler_ws_limit_init (&self->limit, max_message, max_http);
  self->queue = queue != NULL ? g_rc_box_acquire (queue) : NULL;
  return G_INPUT_STREAM (self);
}

void
holler_guard_input_start_websocket (HollerGuardInput *self)
{
  g_return_if_fail (HOLLER_IS_GUARD_INPUT (self));
  holler_ws_limit_start_websocket (&self->limit);
}

gboolean
holler_guard_input_get_refused (HollerGuardInput *self)
{
  g_return_val_if_fail (HOLLER_IS_GUARD_INPUT (self), FALSE);
  return self->error != NULL;
}
