/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Why count here: libsoup 3.2.3's SoupWebsocketConnection keeps every frame
 * it could not write yet in a private queue and has no API to tell its
 * size (no buffered-amount), and the socket's own counters (SIOCOUTQ) see
 * only what already left that queue. Every byte libsoup writes passes
 * through this stream, so sent-by-us minus written-here is the queue. */
#define G_LOG_DOMAIN "holler-serve"

#include "config.h"
#include "holler-guard-output.h"

struct _HollerGuardOutput
{
  GFilterOutputStream parent_instance;

  HollerGuardQueue *queue;
};

static void holler_guard_output_pollable_init (GPollableOutputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HollerGuardOutput, holler_guard_output, G_TYPE_FILTER_OUTPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_OUTPUT_STREAM,
                                                      holler_guard_output_pollable_init))

static GOutputStream *
base_stream (gpointer self)
{
  return g_filter_output_stream_get_base_stream (G_FILTER_OUTPUT_STREAM (self));
}

static gssize
count_written (HollerGuardOutput *self, gssize n)
{
  if (n > 0)
    self->queue->written += n;
  return n;
}

static gssize
holler_guard_output_write (GOutputStream *stream, const void *buffer, gsize count,
                           GCancellable *cancellable, GError **error)
{
  return count_written (HOLLER_GUARD_OUTPUT (stream),
                        g_output_stream_write (base_stream (stream), buffer, count, cancellable, error));
}

static gboolean
holler_guard_output_can_poll (GPollableOutputStream *stream)
{
  GOutputStream *base = base_stream (stream);

  return G_IS_POLLABLE_OUTPUT_STREAM (base) && g_pollable_output_stream_can_poll (G_POLLABLE_OUTPUT_STREAM (base));
}

static gboolean
holler_guard_output_is_writable (GPollableOutputStream *stream)
{
  return g_pollable_output_stream_is_writable (G_POLLABLE_OUTPUT_STREAM (base_stream (stream)));
}

static GSource *
holler_guard_output_create_source (GPollableOutputStream *stream, GCancellable *cancellable)
{
  g_autoptr(GSource) child = g_pollable_output_stream_create_source (G_POLLABLE_OUTPUT_STREAM (base_stream (stream)),
                                                                     NULL);

  return g_pollable_source_new_full (stream, child, cancellable);
}

static gssize
holler_guard_output_write_nonblocking (GPollableOutputStream *stream, const void *buffer, gsize count,
                                       GError **error)
{
  return count_written (HOLLER_GUARD_OUTPUT (stream),
                        g_pollable_output_stream_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (base_stream (stream)),
                                                                    buffer, count, NULL, error));
}

static void
holler_guard_output_pollable_init (GPollableOutputStreamInterface *iface)
{
  iface->can_poll = holler_guard_output_can_poll;
  iface->is_writable = holler_guard_output_is_writable;
  iface->create_source = holler_guard_output_create_source;
  iface->write_nonblocking = holler_guard_output_write_nonblocking;
}

static void
holler_guard_output_finalize (GObject *object)
{
  g_clear_pointer (&HOLLER_GUARD_OUTPUT (object)->queue, g_rc_box_release);
  G_OBJECT_CLASS (holler_guard_output_parent_class)->finalize (object);
}

static void
holler_guard_output_class_init (HollerGuardOutputClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = holler_guard_output_finalize;
  G_OUTPUT_STREAM_CLASS (klass)->write_fn = holler_guard_output_write;
}

static void
holler_guard_output_init (HollerGuardOutput *self)
{
}

GOutputStream *
holler_guard_output_new (GOutputStream *base, HollerGuardQueue *queue)
{
  HollerGuardOutput *self = g_object_new (HOLLER_TYPE_GUARD_OUTPUT, "base-stream", base,
                                          "close-base-stream", FALSE, NULL);

  self->queue = g_rc_box_acquire (queue);
  return G_OUTPUT_STREAM (self);
}
