/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The answering service's send side: greeting, then the next step. */
#define G_LOG_DOMAIN "holler-media"

#include "config.h"
#include <glib/gi18n.h>
#include <gst/app/gstappsink.h>
#include "holler-media-feed.h"
#include "holler-media-private.h"
#include "holler-error.h"

#define PCM_CAPS "audio/x-raw,format=S16LE,rate=48000,channels=1,layout=interleaved"

enum { SIGNAL_ERROR, N_SIGNALS };
static guint signals[N_SIGNALS];

struct _HollerMediaFeed
{
  GObject parent_instance;

  HollerMediaPcmFunc func;
  gpointer func_data;
  GPtrArray *steps;            /* char *: specs */
  guint current;
  GstElement *pipeline;        /* the current step's, NULL for echo */
  guint bus_watch;
  gint echo;                   /* atomic */
  gboolean stopped;
};

G_DEFINE_TYPE (HollerMediaFeed, holler_media_feed, G_TYPE_OBJECT)

static gboolean play_step (HollerMediaFeed *self, guint index, GError **error);

static GstFlowReturn
on_pcm_sample (GstAppSink *sink, gpointer user_data)
{
  HollerMediaFeed *self = user_data;
  g_autoptr(GstSample) sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buffer = sample ? gst_sample_get_buffer (sample) : NULL;

  if (buffer != NULL)
    self->func (buffer, self->func_data);
  return GST_FLOW_OK;
}

static void
drop_pipeline (HollerMediaFeed *self)
{
  g_clear_handle_id (&self->bus_watch, g_source_remove);
  if (self->pipeline != NULL)
    gst_element_set_state (self->pipeline, GST_STATE_NULL);
  g_clear_object (&self->pipeline);
}

static void
next_step (HollerMediaFeed *self)
{
  g_autoptr(GError) error = NULL;
  guint next = self->current + 1;

  drop_pipeline (self);
  if (self->stopped)
    return;
  /* past the last step: silence */
  if (next >= self->steps->len)
    g_ptr_array_add (self->steps, g_strdup ("silence"));
  if (!play_step (self, next, &error))
    g_signal_emit (self, signals[SIGNAL_ERROR], 0, error);
}

static gboolean
on_bus_message (GstBus *bus, GstMessage *message, gpointer user_data)
{
  HollerMediaFeed *self = user_data;

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_EOS:
      self->bus_watch = 0;
      next_step (self);
      return G_SOURCE_REMOVE;
    case GST_MESSAGE_ERROR:
      {
        g_autoptr(GError) gerror = NULL;
        g_autoptr(GError) error = NULL;

        gst_message_parse_error (message, &gerror, NULL);
        error = g_error_new (HOLLER_ERROR, HOLLER_ERROR_MEDIA, _("Audio input “%s” failed: %s"),
                             (const char *) g_ptr_array_index (self->steps, self->current), gerror->message);
        self->bus_watch = 0;
        drop_pipeline (self);
        g_signal_emit (self, signals[SIGNAL_ERROR], 0, error);
        return G_SOURCE_REMOVE;
      }
    default:
      return G_SOURCE_CONTINUE;
    }
}

static gboolean
play_step (HollerMediaFeed *self, guint index, GError **error)
{
  const char *spec = g_ptr_array_index (self->steps, index);
  g_autofree char *source = NULL;
  g_autofree char *desc = NULL;
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(GstElement) sink = NULL;
  g_autoptr(GstBus) bus = NULL;
  GstAppSinkCallbacks callbacks = { .new_sample = on_pcm_sample };
  gboolean live = TRUE;

  self->current = index;
  g_atomic_int_set (&self->echo, g_str_equal (spec, "echo"));
  g_debug ("feed step %u: %s", index, spec);
  /* Silence is sent as nothing at all, as Opus DTX would (consent checks
   * keep the path open): no pipeline, no encoder, no packets. The echo
   * has no pipeline either: the decoded remote audio is pushed. */
  if (g_str_equal (spec, "echo") || g_str_equal (spec, "silence"))
    return TRUE;
  source = holler_media_input_description (spec, &live);
  desc = g_strdup_printf ("%s ! audioconvert ! audioresample ! " PCM_CAPS " ! appsink name=pcm sync=%s",
                          source, live ? "false" : "true");
  self->pipeline = gst_parse_launch (desc, &parse_error);
  if (self->pipeline == NULL || parse_error != NULL)
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_MEDIA, _("Could not build the audio input “%s”: %s"),
                   spec, parse_error ? parse_error->message : "?");
      return FALSE;
    }
  gst_object_ref_sink (self->pipeline);
  sink = gst_bin_get_by_name (GST_BIN (self->pipeline), "pcm");
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, self, NULL);
  bus = gst_element_get_bus (self->pipeline);
  self->bus_watch = gst_bus_add_watch (bus, on_bus_message, self);
  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_MEDIA, _("Could not start the audio input “%s”"), spec);
      return FALSE;
    }
  return TRUE;
}

static void
holler_media_feed_dispose (GObject *object)
{
  HollerMediaFeed *self = HOLLER_MEDIA_FEED (object);

  holler_media_feed_stop (self);
  G_OBJECT_CLASS (holler_media_feed_parent_class)->dispose (object);
}

static void
holler_media_feed_finalize (GObject *object)
{
  HollerMediaFeed *self = HOLLER_MEDIA_FEED (object);

  g_ptr_array_unref (self->steps);
  G_OBJECT_CLASS (holler_media_feed_parent_class)->finalize (object);
}

static void
holler_media_feed_class_init (HollerMediaFeedClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = holler_media_feed_dispose;
  G_OBJECT_CLASS (klass)->finalize = holler_media_feed_finalize;

  signals[SIGNAL_ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
holler_media_feed_init (HollerMediaFeed *self)
{
  self->steps = g_ptr_array_new_with_free_func (g_free);
}

HollerMediaFeed *
holler_media_feed_new (HollerMediaPcmFunc func, gpointer user_data)
{
  HollerMediaFeed *self = g_object_new (HOLLER_TYPE_MEDIA_FEED, NULL);

  self->func = func;
  self->func_data = user_data;
  return self;
}

void
holler_media_feed_append (HollerMediaFeed *self, const char *spec)
{
  g_ptr_array_add (self->steps, g_strdup (spec));
}

gboolean
holler_media_feed_start (HollerMediaFeed *self, GError **error)
{
  if (self->steps->len == 0)
    g_ptr_array_add (self->steps, g_strdup ("silence"));
  return play_step (self, 0, error);
}

void
holler_media_feed_stop (HollerMediaFeed *self)
{
  self->stopped = TRUE;
  g_atomic_int_set (&self->echo, FALSE);
  drop_pipeline (self);
}

gboolean
holler_media_feed_is_echo (HollerMediaFeed *self)
{
  return g_atomic_int_get (&self->echo);
}
