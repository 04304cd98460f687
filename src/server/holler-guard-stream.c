/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "holler-serve"

#include "config.h"
#include "holler-guard-stream.h"
#include "holler-guard-input.h"
#include "holler-guard-output.h"

enum {
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

struct _HollerGuardStream
{
  GIOStream parent_instance;

  GIOStream *base;
  GSocket *socket;
  GInputStream *input;
  GOutputStream *output;
  HollerGuardQueue *queue;
  gboolean closed;
};

G_DEFINE_FINAL_TYPE (HollerGuardStream, holler_guard_stream, G_TYPE_IO_STREAM)

static void
emit_closed (HollerGuardStream *self)
{
  if (self->closed)
    return;
  self->closed = TRUE;
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0);
}

static GInputStream *
holler_guard_stream_get_input_stream (GIOStream *stream)
{
  return HOLLER_GUARD_STREAM (stream)->input;
}

static GOutputStream *
holler_guard_stream_get_output_stream (GIOStream *stream)
{
  return HOLLER_GUARD_STREAM (stream)->output;
}

static gboolean
holler_guard_stream_close (GIOStream *stream, GCancellable *cancellable, GError **error)
{
  HollerGuardStream *self = HOLLER_GUARD_STREAM (stream);
  gboolean ok = g_io_stream_close (self->base, cancellable, error);

  emit_closed (self);
  return ok;
}

static void
on_base_closed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  emit_closed (g_task_get_source_object (task));
  if (g_io_stream_close_finish (G_IO_STREAM (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* GIOStream's default would close our filters in a thread; closing the
 * base is what ends the connection (TLS close_notify, then the socket) */
static void
holler_guard_stream_close_async (GIOStream *stream, int priority, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  HollerGuardStream *self = HOLLER_GUARD_STREAM (stream);
  GTask *task = g_task_new (stream, cancellable, callback, user_data);

  g_task_set_source_tag (task, holler_guard_stream_close_async);
  g_io_stream_close_async (self->base, priority, cancellable, on_base_closed, task);
}

static gboolean
holler_guard_stream_close_finish (GIOStream *stream, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
holler_guard_stream_dispose (GObject *object)
{
  HollerGuardStream *self = HOLLER_GUARD_STREAM (object);

  if (self->base != NULL && !g_io_stream_is_closed (self->base))
    g_io_stream_close (self->base, NULL, NULL);
  emit_closed (self);
  G_OBJECT_CLASS (holler_guard_stream_parent_class)->dispose (object);
}

static void
holler_guard_stream_finalize (GObject *object)
{
  HollerGuardStream *self = HOLLER_GUARD_STREAM (object);

  g_clear_object (&self->input);
  g_clear_object (&self->output);
  g_clear_object (&self->socket);
  g_clear_object (&self->base);
  g_clear_pointer (&self->queue, g_rc_box_release);
  G_OBJECT_CLASS (holler_guard_stream_parent_class)->finalize (object);
}

static void
holler_guard_stream_class_init (HollerGuardStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GIOStreamClass *stream_class = G_IO_STREAM_CLASS (klass);

  object_class->dispose = holler_guard_stream_dispose;
  object_class->finalize = holler_guard_stream_finalize;
  stream_class->get_input_stream = holler_guard_stream_get_input_stream;
  stream_class->get_output_stream = holler_guard_stream_get_output_stream;
  stream_class->close_fn = holler_guard_stream_close;
  stream_class->close_async = holler_guard_stream_close_async;
  stream_class->close_finish = holler_guard_stream_close_finish;

  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
holler_guard_stream_init (HollerGuardStream *self)
{
}

HollerGuardStream *
holler_guard_stream_new (GIOStream *base, GSocket *socket, guint64 max_message, guint64 max_http)
{
  HollerGuardStream *self = g_object_new (HOLLER_TYPE_GUARD_STREAM, NULL);

  g_return_val_if_fail (G_IS_IO_STREAM (base), NULL);

  self->base = g_object_ref (base);
  self->socket = g_object_ref (socket);
  self->queue = g_rc_box_new0 (HollerGuardQueue);
  self->input = holler_guard_input_new (g_io_stream_get_input_stream (base), max_message, max_http, self->queue);
  self->output = holler_guard_output_new (g_io_stream_get_output_stream (base), self->queue);
  return self;
}

void
holler_guard_stream_start_websocket (HollerGuardStream *self)
{
  g_return_if_fail (HOLLER_IS_GUARD_STREAM (self));
  holler_guard_input_start_websocket (HOLLER_GUARD_INPUT (self->input));
}

HollerGuardQueue *
holler_guard_stream_get_queue (HollerGuardStream *self)
{
  g_return_val_if_fail (HOLLER_IS_GUARD_STREAM (self), NULL);
  return self->queue;
}

gboolean
holler_guard_stream_get_refused (HollerGuardStream *self)
{
  g_return_val_if_fail (HOLLER_IS_GUARD_STREAM (self), FALSE);
  return holler_guard_input_get_refused (HOLLER_GUARD_INPUT (self->input));
}

void
holler_guard_stream_abort (HollerGuardStream *self)
{
  g_return_if_fail (HOLLER_IS_GUARD_STREAM (self));
  if (!self->closed)
    g_socket_shutdown (self->socket, TRUE, TRUE, NULL);
}
