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

/* A signaling message is a few kB of SDP; a line longer than this is
 * refused as soon as it passes the limit and skipped up to its newline,
 * so memory stays bounded whatever arrives. */
#define MAX_LINE_LENGTH (256 * 1024)
#define READ_CHUNK (64 * 1024)

struct _HollerSignalingStdio
{
  GObject parent_instance;

  int in_fd;
  int out_fd;
  GInputStream *in;
  GOutputStream *out;
  GCancellable *cancellable;
  guint8 *chunk;               /* READ_CHUNK bytes read at a time */
  GByteArray *line;            /* the line so far, at most MAX_LINE_LENGTH bytes */
  gboolean skipping;           /* the current line was refused: drop it up to its newline */
  gboolean closed;
};

#define HOLLER_TYPE_SIGNALING_STDIO (holler_signaling_stdio_get_type ())
G_DECLARE_FINAL_TYPE (HollerSignalingStdio, holler_signaling_stdio, HOLLER, SIGNALING_STDIO, GObject)

static void holler_signaling_stdio_iface_init (HollerSignalingInterface *iface);

G_DEFINE_TYPE_WITH_CODE (HollerSignalingStdio, holler_signaling_stdio, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (HOLLER_TYPE_SIGNALING, holler_signaling_stdio_iface_init))

static void read_next_chunk (HollerSignalingStdio *self);

static void
finish_closed (HollerSignalingStdio *self, const GError *error)
{
  if (self->closed)
    return;
  self->closed = TRUE;
  holler_signaling_emit_closed (HOLLER_SIGNALING (self), error);
}

static gsize
skip_space (const guint8 *p, gsize len, gsize i)
{
  while (i < len && (p[i] == ' ' || p[i] == '\t'))
    i++;
  return i;
}

static gboolean
has_prefix (const guint8 *p, gsize len, gsize i, const char *prefix)
{
  gsize n = strlen (prefix);

  return i + n <= len && memcmp (p + i, prefix, n) == 0;
}

/* Whether the top-level "type" member of the JSON object that starts in
 * @p (the first bytes of a line too long to parse) says offer or answer. */
static gboolean
is_description (const guint8 *p, gsize len)
{
  int depth = 0;

  for (gsize i = 0; i < len; i++)
    {
      gsize start, j;

      if (p[i] == '{' || p[i] == '[')
        depth++;
      else if (p[i] == '}' || p[i] == ']')
        depth--;
      if (p[i] != '"')
        continue;
      for (start = ++i; i < len && p[i] != '"'; i += p[i] == '\\' ? 2 : 1)
        ;
      if (i >= len)
        return FALSE;
      if (depth != 1 || i - start != 4 || memcmp (p + start, "type", 4) != 0)
        continue;
      j = skip_space (p, len, i + 1);
      if (j >= len || p[j] != ':')
        continue;
      j = skip_space (p, len, j + 1);
      return has_prefix (p, len, j, "\"offer\"") || has_prefix (p, len, j, "\"answer\"");
    }
  return FALSE;
}

/* The current line has passed the limit: say so now, drop what we have
 * of it and skip the rest. An offer or answer is refused as bad SDP (its
 * owner hangs up with bye "bad-sdp"); anything else is junk. */
static void
refuse_line (HollerSignalingStdio *self)
{
  g_autoptr(GError) error = NULL;

  if (is_description (self->line->data, self->line->len))
    error = g_error_new (HOLLER_ERROR, HOLLER_ERROR_INVALID_SDP,
                         _("The peer’s session description is too long (over %u bytes)"),
                         (guint) MAX_LINE_LENGTH);
  else
    error = g_error_new (HOLLER_ERROR, HOLLER_ERROR_INVALID_MESSAGE,
                         _("Signaling line too long (over %u bytes)"), (guint) MAX_LINE_LENGTH);
  g_byte_array_set_size (self->line, 0);
  self->skipping = TRUE;
  holler_signaling_emit_junk (HOLLER_SIGNALING (self), error);
}

static void
finish_line (HollerSignalingStdio *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HollerMessage) msg = NULL;
  char *text;

  g_byte_array_append (self->line, (const guint8 *) "", 1);
  text = g_strstrip ((char *) self->line->data);
  if (*text == '\0')
    ;   /* blank lines are allowed between messages */
  else if (!g_utf8_validate (text, -1, NULL))
    {
      error = g_error_new_literal (HOLLER_ERROR, HOLLER_ERROR_INVALID_MESSAGE,
                                   _("Signaling input is not UTF-8"));
      holler_signaling_emit_junk (HOLLER_SIGNALING (self), error);
    }
  else if ((msg = holler_message_parse (text, -1, &error)) == NULL)
    holler_signaling_emit_junk (HOLLER_SIGNALING (self), error);
  else
    holler_signaling_emit_message (HOLLER_SIGNALING (self), msg);
  g_byte_array_set_size (self->line, 0);
}

static gsize
find_newline (const guint8 *data, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (data[i] == '\n' || data[i] == '\r')
      return i;
  return len;
}

/* Splits a chunk into lines (ended by \n, \r or \r\n; the empty line
 * between \r and \n is a blank line, which is allowed). */
static void
take_bytes (HollerSignalingStdio *self, const guint8 *data, gsize len)
{
  while (len > 0 && !self->closed)
    {
      gsize n = find_newline (data, len);

      if (!self->skipping)
        {
          gsize room = MAX_LINE_LENGTH - self->line->len;

          g_byte_array_append (self->line, data, MIN (n, room));
          if (n > room)
            refuse_line (self);
        }
      if (n == len)
        return;
      if (self->skipping)
        self->skipping = FALSE;
      else
        finish_line (self);
      data += n + 1;
      len -= n + 1;
    }
}

static void
on_chunk_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HollerSignalingStdio) self = user_data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->closed)
    return;
  if (n < 0)
    {
      g_autoptr(GError) closed = g_error_new (HOLLER_ERROR, HOLLER_ERROR_SIGNALING,
                                              _("Reading signaling input failed: %s"), error->message);
      finish_closed (self, closed);
      return;
    }
  if (n == 0)
    {
      /* end of input: a last line without its newline still counts */
      if (!self->skipping && self->line->len > 0)
        finish_line (self);
      finish_closed (self, NULL);
      return;
    }
  take_bytes (self, self->chunk, (gsize) n);
  if (!self->closed)
    read_next_chunk (self);
}

static void
read_next_chunk (HollerSignalingStdio *self)
{
  g_input_stream_read_async (self->in, self->chunk, READ_CHUNK, G_PRIORITY_DEFAULT, self->cancellable,
                             on_chunk_read, g_object_ref (self));
}

static gboolean
holler_signaling_stdio_start (HollerSignaling *signaling, GError **error)
{
  HollerSignalingStdio *self = HOLLER_SIGNALING_STDIO (signaling);
  self->in = g_unix_input_stream_new (self->in_fd, FALSE);
  self->out = g_unix_output_stream_new (self->out_fd, FALSE);
  read_next_chunk (self);
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
holler_signaling_stdio_finalize (GObject *object)
{
  HollerSignalingStdio *self = HOLLER_SIGNALING_STDIO (object);

  g_free (self->chunk);
  g_byte_array_unref (self->line);
  G_OBJECT_CLASS (holler_signaling_stdio_parent_class)->finalize (object);
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
  G_OBJECT_CLASS (klass)->finalize = holler_signaling_stdio_finalize;
}

static void
holler_signaling_stdio_init (HollerSignalingStdio *self)
{
  self->cancellable = g_cancellable_new ();
  self->chunk = g_malloc (READ_CHUNK);
  self->line = g_byte_array_new ();
}

HollerSignaling *
holler_signaling_stdio_new (int in_fd, int out_fd)
{
  HollerSignalingStdio *self = g_object_new (HOLLER_TYPE_SIGNALING_STDIO, NULL);

  self->in_fd = in_fd;
  self->out_fd = out_fd;
  return HOLLER_SIGNALING (self);
}
