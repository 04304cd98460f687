/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* stdio: backend: one JSON message per line, the peer's on stdin, ours on
 * stdout. Everything human goes to stderr elsewhere. */
#define G_LOG_DOMAIN "holler-signaling"

#include "config.h"
#include <string.h>
#include <glib/gi18n.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>
#include "holler-signaling.h"
#include "holler-error.h"

/* A signaling message is a few kB of SDP; anything this long is junk. */
#define MAX_LINE_LENGTH (256 * 1024)

struct _HollerSignalingStdio
{
  GObject parent_instance;

  int in_fd;
  int out_fd;
  GDataInputStream *in;
  GOutputStream *out;
  GCancellable *cancellable;
  gboolean closed;
};

#define HOLLER_TYPE_SIGNALING_STDIO (holler_signaling_stdio_get_type ())
G_DECLARE_FINAL_TYPE (HollerSignalingStdio, holler_signaling_stdio, HOLLER, SIGNALING_STDIO, GObject)

static void holler_signaling_stdio_iface_init (HollerSignalingInterface *iface);

G_DEFINE_TYPE_WITH_CODE (HollerSignalingStdio, holler_signaling_stdio, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (HOLLER_TYPE_SIGNALING, holler_signaling_stdio_iface_init))

static void read_next_line (HollerSignalingStdio *self);

static void
finish_closed (HollerSignalingStdio *self, const GError *error)
{
  if (self->closed)
    return;
  self->closed = TRUE;
  holler_signaling_emit_closed (HOLLER_SIGNALING (self), error);
}

static void
on_line_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HollerSignalingStdio) self = user_data;
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source),
                                                                    result, &length, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->closed)
    return;

  if (error != NULL && g_error_matches (error, G_CONVERT_ERROR, G_CONVERT_ERROR_ILLEGAL_SEQUENCE))
    {
      g_autoptr(GError) junk = g_error_new (HOLLER_ERROR, HOLLER_ERROR_INVALID_MESSAGE,
                                            _("Signaling input is not UTF-8: %s"), error->message);
      holler_signaling_emit_junk (HOLLER_SIGNALING (self), junk);
      read_next_line (self);
      return;
    }
  if (error != NULL)
    {
      g_autoptr(GError) closed = g_error_new (HOLLER_ERROR, HOLLER_ERROR_SIGNALING,
                                              _("Reading signaling input failed: %s"), error->message);
      finish_closed (self, closed);
      return;
    }
  if (line == NULL)
    {
      finish_closed (self, NULL);   /* end of input */
      return;
    }

  g_strstrip (line);
  if (*line == '\0')
    ;   /* blank lines are allowed between messages */
  else if (length > MAX_LINE_LENGTH)
    {
      g_autoptr(GError) junk = g_error_new (HOLLER_ERROR, HOLLER_ERROR_INVALID_MESSAGE,
                                            _("Signaling line too long (%zu bytes)"),
                                            length);
      holler_signaling_emit_junk (HOLLER_SIGNALING (self), junk);
    }
  else
    {
      g_autoptr(GError) parse_error = NULL;
      g_autoptr(HollerMessage) msg = holler_message_parse (line, -1, &parse_error);

      if (msg == NULL)
        holler_signaling_emit_junk (HOLLER_SIGNALING (self), parse_error);
      else
        holler_signaling_emit_message (HOLLER_SIGNALING (self), msg);
    }

  if (!self->closed)
    read_next_line (self);
}

static void
read_next_line (HollerSignalingStdio *self)
{
  g_data_input_stream_read_line_async (self->in, G_PRIORITY_DEFAULT, self->cancellable,
                                       on_line_read, g_object_ref (self));
}

static gboolean
holler_signaling_stdio_start (HollerSignaling *signaling, GError **error)
{
  HollerSignalingStdio *self = HOLLER_SIGNALING_STDIO (signaling);
  g_autoptr(GInputStream) base = g_unix_input_stream_new (self->in_fd, FALSE);

  self->in = g_data_input_stream_new (base);
  g_data_input_stream_set_newline_type (self->in, G_DATA_STREAM_NEWLINE_TYPE_ANY);
  self->out = g_unix_output_stream_new (self->out_fd, FALSE);
  read_next_line (self);
  return TRUE;
}

static gboolean
holler_signaling_stdio_send (HollerSignaling *signaling, const HollerMessage *msg, GError **error)
{
  HollerSignalingStdio *self = HOLLER_SIGNALING_STDIO (signaling);
  g_autofree char *json = holler_message_to_json (msg);
  g_autofree char *line = g_strconcat (json, "\n", NULL);
  g_autoptr(GError) local_error = NULL;

  if (self->out == NULL)
    {
      g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_SIGNALING, _("Signaling is not started"));
      return FALSE;
    }
  /* A line is small and the reader is a pipe: a blocking write keeps the
   * messages in order and is over in microseconds. */
  if (!g_output_stream_write_all (self->out, line, strlen (line), NULL, NULL, &local_error))
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_SIGNALING,
                   _("Writing signaling output failed: %s"), local_error->message);
      return FALSE;
    }
  return TRUE;
}

static void
holler_signaling_stdio_close (HollerSignaling *signaling)
{
  HollerSignalingStdio *self = HOLLER_SIGNALING_STDIO (signaling);

  self->closed = TRUE;
  g_cancellable_cancel (self->cancellable);
}

static void
holler_signaling_stdio_dispose (GObject *object)
{
  HollerSignalingStdio *self = HOLLER_SIGNALING_STDIO (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->in);
  g_clear_object (&self->out);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (holler_signaling_stdio_parent_class)->dispose (object);
}

static void
holler_signaling_stdio_iface_init (HollerSignalingInterface *iface)
{
  iface->start = holler_signaling_stdio_start;
  iface->send = holler_signaling_stdio_send;
  iface->close = holler_signaling_stdio_close;
}

static void
holler_signaling_stdio_class_init (HollerSignalingStdioClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = holler_signaling_stdio_dispose;
}

static void
holler_signaling_stdio_init (HollerSignalingStdio *self)
{
  self->cancellable = g_cancellable_new ();
}

HollerSignaling *
holler_signaling_stdio_new (int in_fd, int out_fd)
{
  HollerSignalingStdio *self = g_object_new (HOLLER_TYPE_SIGNALING_STDIO, NULL);

  self->in_fd = in_fd;
  self->out_fd = out_fd;
  return HOLLER_SIGNALING (self);
}
