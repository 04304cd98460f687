/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The audio path: capture → Opus → RTP handed to the call for SRTP and ICE,
 * and decrypted RTP → jitter buffer → Opus decoder (FEC, PLC) → output.
 * Two pipelines, because the send side runs on its source's clock and the
 * receive side is driven by the network. */
#define G_LOG_DOMAIN "holler-media"

#include "config.h"
#include <string.h>
#include <math.h>
#include <glib/gi18n.h>
#include <gst/gst.h>
#include <gst/app/gstappsrc.h>
#include <gst/app/gstappsink.h>
#include "holler-media.h"
#include "holler-media-feed.h"
#include "holler-media-private.h"
#include "holler-tone.h"
#include "holler-error.h"
#include "holler-devices.h"
#include "holler-dtmf.h"
#include "holler-rtcp.h"
#include "holler-opus-adapt.h"

#define SAMPLE_RATE 48000
#define ANALYSIS_WINDOW 4800       /* 100 ms analysed every second */
#define RTP_BUF_SIZE 1500
#define STOP_TIMEOUT_MS 2000

enum { SIGNAL_FIRST_AUDIO, SIGNAL_LEVEL, SIGNAL_ERROR, SIGNAL_RECORDING_FAILED, SIGNAL_ENCODER_ADAPTED,
       N_SIGNALS };
static guint signals[N_SIGNALS];

/* Mean square of 16-bit samples over a short window, for the live meters */
typedef struct {
  guint64 sum_squares;         /* integer: no conversion per sample */
  guint count;
} HollerLevelWindow;

#define LEVEL_WINDOW (SAMPLE_RATE / 10)

struct _HollerMedia
{
  GObject parent_instance;

  GMainContext *context;
  GstElement *send_pipeline;
  GstElement *recv_pipeline;
  HollerRtpReceiver *receiver;  /* received RTP into the jitter buffer */
  HollerRecorder *recorder;     /* ogg: output, or NULL */
  GstElement *volume;
  GstElement *pcmin;           /* feed mode: the send side's raw audio input */
  HollerMediaFeed *feed;
  GBytes *prompt;              /* a greeting encoded once, sent as it is; or NULL */
  HollerDtmfSender *dtmf;      /* NULL when the peer has no telephone-event */
  HollerRtcp *rtcp;            /* set by holler_media_set_stream(); NULL: no RTCP */
  GstElement *encoder;         /* opusenc; NULL when sending an Ogg Opus file as it is */
  HollerOpusAdapt adapt;       /* its loss settings, from the peer's reports */
  guint send_bus_watch;
  guint recv_bus_watch;
  gboolean started;
  gboolean stopping;
  GTask *stop_task;
  guint stop_timeout_id;

  gboolean echo_cancel;         /* webrtcdsp on the input */
  char *probe_name;             /* the webrtcechoprobe's, with echo_cancel */
  gboolean echo_probe;          /* webrtcechoprobe on the output: what the speaker plays */

  HollerMediaRtpFunc rtp_func;
  gpointer rtp_data;

  GMutex lock;                 /* guards the fields below */
  HollerMediaStats stats;
  gint16 window[ANALYSIS_WINDOW];
  gsize window_fill;
  gsize samples_since_analysis;
  HollerLevelWindow input_meter;
  HollerLevelWindow output_meter;
};

G_DEFINE_TYPE (HollerMedia, holler_media, G_TYPE_OBJECT)

/* webrtcdsp finds its probe by name among all probes in the process */
static gint probe_serial;

typedef struct {
  HollerMedia *self;
  guint signal_id;
  double a, b;
  GError *error;
} Emission;

static gboolean
emit_on_main (gpointer data)
{
  Emission *e = data;

  if (e->signal_id == signals[SIGNAL_LEVEL])
    g_signal_emit (e->self, e->signal_id, 0, e->a, e->b);
  else if (e->signal_id == signals[SIGNAL_ERROR] || e->signal_id == signals[SIGNAL_RECORDING_FAILED])
    g_signal_emit (e->self, e->signal_id, 0, e->error);
  else
    g_signal_emit (e->self, e->signal_id, 0);
  return G_SOURCE_REMOVE;
}

static void
emission_free (gpointer data)
{
  Emission *e = data;

  g_object_unref (e->self);
  g_clear_error (&e->error);
  g_free (e);
}

static void
emit_later (HollerMedia *self, guint signal_id, double a, double b, GError *error)
{
  Emission *e = g_new0 (Emission, 1);

  e->self = g_object_ref (self);
  e->signal_id = signal_id;
  e->a = a;
  e->b = b;
  e->error = error;
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, emit_on_main, e, emission_free);
}

static GstFlowReturn
on_rtp_sample (GstAppSink *sink, gpointer user_data)
{
  HollerMedia *self = user_data;
  g_autoptr(GstSample) sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buffer = sample ? gst_sample_get_buffer (sample) : NULL;
  guint8 packet[RTP_BUF_SIZE];
  gsize len;

  if (buffer == NULL)
    return GST_FLOW_OK;
  len = gst_buffer_get_size (buffer);
  if (len > RTP_BUF_SIZE - 160)
    return GST_FLOW_OK;   /* cannot happen with 20 ms Opus frames; never overflow */
  gst_buffer_extract (buffer, 0, packet, len);

  g_mutex_lock (&self->lock);
  self->stats.packets_sent++;
  self->stats.bytes_sent += len;
  g_mutex_unlock (&self->lock);

  if (self->rtcp != NULL)
    holler_rtcp_sent_rtp (self->rtcp, packet, len);
  if (self->rtp_func != NULL)
    self->rtp_func (packet, len, sizeof packet, self->rtp_data);
  return GST_FLOW_OK;
}

/* Feed mode: raw audio from the feed's step (or, for echo, the decoded
 * remote audio) into the send pipeline; appsrc stamps it on arrival. */
static void
push_pcm (GstBuffer *buffer, gpointer user_data)
{
  HollerMedia *self = user_data;

  gst_app_src_push_buffer (GST_APP_SRC (self->pcmin), gst_buffer_copy (buffer));
}

/* Streaming thread: the recording stopped; the call goes on. */
static void
on_recording_failed (GError *error, gpointer user_data)
{
  HollerMedia *self = user_data;

  emit_later (self, signals[SIGNAL_RECORDING_FAILED], 0, 0, error);
}

static void
on_feed_error (HollerMediaFeed *feed, GError *error, gpointer user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_ERROR], 0, error);
}

/* Adds S16LE samples to @meter; when a window is full, stores its RMS in
 * @level_db. Called with the lock held. */
static void
level_window_add (HollerLevelWindow *meter, const guint8 *data, gsize size, double *level_db)
{
  for (gsize i = 0; i + 1 < size; i += 2)
    {
      gint16 s;

      memcpy (&s, data + i, 2);
      meter->sum_squares += (guint64) ((gint32) s * s);
      if (++meter->count == LEVEL_WINDOW)
        {
          double ms = (double) meter->sum_squares / (LEVEL_WINDOW * 32768.0 * 32768.0);

          *level_db = ms > 0 ? MAX (10 * log10 (ms), HOLLER_MEDIA_LEVEL_SILENT) : HOLLER_MEDIA_LEVEL_SILENT;
          meter->sum_squares = 0;
          meter->count = 0;
        }
    }
}

/* Runs on the send streaming thread for every buffer that goes to the
 * encoder (after the mute volume: what the peer hears). opusenc only
 * takes S16LE, so that is the format here. */
static GstPadProbeReturn
on_sent_audio (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  HollerMedia *self = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;

  if (buffer == NULL || !gst_buffer_map (buffer, &map, GST_MAP_READ))
    return GST_PAD_PROBE_OK;
  g_mutex_lock (&self->lock);
  level_window_add (&self->input_meter, map.data, map.size, &self->stats.input_level_db);
  g_mutex_unlock (&self->lock);
  gst_buffer_unmap (buffer, &map);
  return GST_PAD_PROBE_OK;
}

/* Runs on the receive streaming thread for every decoded buffer. */
static GstPadProbeReturn
on_decoded_audio (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  HollerMedia *self = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;
  gboolean first = FALSE, analyse = FALSE;
  gint16 block[ANALYSIS_WINDOW];

  if (buffer == NULL || !gst_buffer_map (buffer, &map, GST_MAP_READ))
    return GST_PAD_PROBE_OK;

  g_mutex_lock (&self->lock);
  if (self->stats.first_audio_time == 0)
    {
      self->stats.first_audio_time = g_get_monotonic_time ();
      first = TRUE;
    }
  level_window_add (&self->output_meter, map.data, map.size, &self->stats.output_level_db);
  /* the analysis looks at the last ANALYSIS_WINDOW samples of every
   * second: copy only those, not every sample into a ring */
  {
    gsize n = map.size / 2;
    gsize from = SAMPLE_RATE - ANALYSIS_WINDOW;
    gsize skip = self->samples_since_analysis < from ? MIN (n, from - self->samples_since_analysis) : 0;
    gsize take = MIN (n - skip, ANALYSIS_WINDOW - self->window_fill);

    memcpy (self->window + self->window_fill, map.data + 2 * skip, 2 * take);
    self->window_fill += take;
    self->samples_since_analysis += skip + take;
    if (self->window_fill == ANALYSIS_WINDOW)
      {
        memcpy (block, self->window, sizeof block);
        self->window_fill = 0;
        self->samples_since_analysis = n - skip - take;   /* the rest belongs to the next second */
        analyse = TRUE;
      }
  }
  g_mutex_unlock (&self->lock);
  gst_buffer_unmap (buffer, &map);

  if (self->feed != NULL && holler_media_feed_is_echo (self->feed))
    push_pcm (buffer, self);
  if (first)
    emit_later (self, signals[SIGNAL_FIRST_AUDIO], 0, 0, NULL);
  if (analyse)
    {
      double ms = holler_tone_mean_square (block, ANALYSIS_WINDOW);
      double hz = holler_tone_dominant_frequency (block, ANALYSIS_WINDOW, SAMPLE_RATE, 50, 4000);
      double db = ms > 0 ? 10 * log10 (ms) : -120;

      g_mutex_lock (&self->lock);
      self->stats.tone_hz = hz;
      self->stats.level_db = db;
      self->stats.seconds_analysed++;
      g_mutex_unlock (&self->lock);
      emit_later (self, signals[SIGNAL_LEVEL], hz, db, NULL);
    }
  return GST_PAD_PROBE_OK;
}

static void
finish_stop (HollerMedia *self)
{
  g_clear_handle_id (&self->stop_timeout_id, g_source_remove);
  if (self->feed != NULL)
    holler_media_feed_stop (self->feed);
  if (self->send_pipeline)
    gst_element_set_state (self->send_pipeline, GST_STATE_NULL);
  if (self->recv_pipeline)
    gst_element_set_state (self->recv_pipeline, GST_STATE_NULL);
  /* no RTCP after the stop: the call drops SRTP and ICE next */
  if (self->rtcp != NULL)
    holler_rtcp_stop (self->rtcp);
  if (self->stop_task != NULL)
    {
      GTask *task = g_steal_pointer (&self->stop_task);

      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
}

static gboolean
on_bus_message (GstBus *bus, GstMessage *message, gpointer user_data)
{
  HollerMedia *self = user_data;
  gboolean recv = GST_MESSAGE_SRC (message) == GST_OBJECT (self->recv_pipeline)
                  || gst_object_has_as_ancestor (GST_MESSAGE_SRC (message), GST_OBJECT (self->recv_pipeline));

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_ERROR:
      {
        g_autoptr(GError) gerror = NULL;
        g_autofree char *debug = NULL;

        gst_message_parse_error (message, &gerror, &debug);
        g_debug ("pipeline error: %s (%s)", gerror->message, debug ? debug : "");
        if (self->stopping)
          finish_stop (self);
        else
          {
            g_autoptr(GError) error = g_error_new (HOLLER_ERROR, HOLLER_ERROR_MEDIA, _("Audio %s failed: %s"),
                                                   recv ? _("output") : _("input"), gerror->message);
            g_signal_emit (self, signals[SIGNAL_ERROR], 0, error);
          }
        break;
      }
    case GST_MESSAGE_STATE_CHANGED:
      /* digits asked for before the send side played go out now */
      if (GST_MESSAGE_SRC (message) == GST_OBJECT (self->send_pipeline) && self->dtmf != NULL)
        {
          GstState state;

          gst_message_parse_state_changed (message, NULL, &state, NULL);
          if (state == GST_STATE_PLAYING)
            holler_dtmf_sender_start (self->dtmf);
        }
      break;
    case GST_MESSAGE_LATENCY:
      /* the jitter buffer's latency changed: the sinks must wait as long */
      gst_bin_recalculate_latency (GST_BIN (recv ? self->recv_pipeline : self->send_pipeline));
      break;
    case GST_MESSAGE_EOS:
      if (recv && self->stopping)
        finish_stop (self);
      else if (!recv)
        g_info ("input ended");
      break;
    default:
      break;
    }
  return G_SOURCE_CONTINUE;
}

static void
holler_media_dispose (GObject *object)
{
  HollerMedia *self = HOLLER_MEDIA (object);

  g_clear_handle_id (&self->stop_timeout_id, g_source_remove);
  g_clear_handle_id (&self->send_bus_watch, g_source_remove);
  g_clear_handle_id (&self->recv_bus_watch, g_source_remove);
  if (self->feed != NULL)
    holler_media_feed_stop (self->feed);
  g_clear_object (&self->feed);
  g_clear_pointer (&self->prompt, g_bytes_unref);
  g_clear_pointer (&self->dtmf, holler_dtmf_sender_free);
  if (self->send_pipeline)
    gst_element_set_state (self->send_pipeline, GST_STATE_NULL);
  if (self->recv_pipeline)
    gst_element_set_state (self->recv_pipeline, GST_STATE_NULL);
  g_clear_pointer (&self->receiver, holler_rtp_receiver_free);
  g_clear_pointer (&self->recorder, holler_recorder_free);
  g_clear_pointer (&self->rtcp, holler_rtcp_free);
  g_clear_object (&self->volume);
  g_clear_object (&self->encoder);
  g_clear_object (&self->pcmin);
  g_clear_object (&self->send_pipeline);
  g_clear_object (&self->recv_pipeline);
  G_OBJECT_CLASS (holler_media_parent_class)->dispose (object);
}

static void
holler_media_finalize (GObject *object)
{
  HollerMedia *self = HOLLER_MEDIA (object);

  g_mutex_clear (&self->lock);
  g_free (self->probe_name);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (holler_media_parent_class)->finalize (object);
}

static void
holler_media_class_init (HollerMediaClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = holler_media_dispose;
  object_class->finalize = holler_media_finalize;

  signals[SIGNAL_FIRST_AUDIO] = g_signal_new ("first-audio", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 0);
  signals[SIGNAL_LEVEL] = g_signal_new ("level", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 2, G_TYPE_DOUBLE, G_TYPE_DOUBLE);
  signals[SIGNAL_ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 1, G_TYPE_ERROR);
  signals[SIGNAL_RECORDING_FAILED] = g_signal_new ("recording-failed", G_TYPE_FROM_CLASS (klass),
                                                   G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                   G_TYPE_NONE, 1, G_TYPE_ERROR);
  signals[SIGNAL_ENCODER_ADAPTED] = g_signal_new ("encoder-adapted", G_TYPE_FROM_CLASS (klass),
                                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                  G_TYPE_NONE, 4, G_TYPE_DOUBLE, G_TYPE_UINT, G_TYPE_BOOLEAN,
                                                  G_TYPE_UINT);
}

static void
holler_media_init (HollerMedia *self)
{
  g_mutex_init (&self->lock);
  self->stats.input_level_db = HOLLER_MEDIA_LEVEL_SILENT;
  self->stats.output_level_db = HOLLER_MEDIA_LEVEL_SILENT;
  self->context = g_main_context_ref_thread_default ();
  holler_opus_adapt_init (&self->adapt);
}

void
holler_media_set_jitter_buffer (HollerMedia *self, guint min_ms, guint max_ms)
{
  g_return_if_fail (!self->started);
  holler_rtp_receiver_set_bounds (self->receiver, min_ms, max_ms);
}

/* Feed mode (greeting, silence, echo): the send pipeline starts at an
 * appsrc fed by a HollerMediaFeed. */
static gboolean
use_feed (const char *input, const char *greeting)
{
  return greeting != NULL || g_str_equal (input, "silence") || g_str_equal (input, "echo");
}

static void
make_feed (HollerMedia *self, const char *input, const char *greeting)
{
  self->feed = holler_media_feed_new (push_pcm, self);
  if (greeting != NULL)
    holler_media_feed_append (self->feed, greeting);
  holler_media_feed_append (self->feed, input);
  g_signal_connect_object (self->feed, "error", G_CALLBACK (on_feed_error), self, 0);
}

/* A microphone gets echo cancellation and noise suppression; the probe
 * hands webrtcdsp what the speaker plays. The two pipelines have their own
 * clocks, so the canceller finds the delay itself (delay-agnostic).
 * Returns the chain before the encoder, or NULL. */
static char *
plan_echo_cancel (HollerMedia *self, const char *input, const char *output)
{
  self->echo_cancel = holler_media_input_is_device (input) && holler_media_echo_cancel_available ();
  self->echo_probe = self->echo_cancel && holler_media_input_is_device (output);
  if (!self->echo_cancel)
    return NULL;
  self->probe_name = g_strdup_printf ("holler-echo-probe-%u", (guint) g_atomic_int_add (&probe_serial, 1));
  return g_strdup_printf ("audioconvert ! audio/x-raw,format=S16LE,rate=48000,channels=1 "
                          "! webrtcdsp name=dsp probe=%s echo-cancel=%s noise-suppression=true "
                          "gain-control=false delay-agnostic=true ! audioconvert ! ",
                          self->probe_name, self->echo_probe ? "true" : "false");
}

static GstElement *
parse_pipeline (const char *desc, const char *what, GError **error)
{
  g_autoptr(GError) parse_error = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &parse_error);

  if (pipeline == NULL || parse_error != NULL)
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_MEDIA, what, parse_error ? parse_error->message : "?");
      g_clear_object (&pipeline);
      return NULL;
    }
  return gst_object_ref_sink (pipeline);
}

static gboolean
build_pipelines (HollerMedia *self, const char *input, const char *output, guint opus_pt, guint dtmf_pt,
                 GError **error)
{
  g_autofree char *dsp = plan_echo_cancel (self, input, output);
  g_autofree char *send_desc = self->prompt != NULL
    ? holler_media_send_packets_description ("appsrc name=oggin format=bytes caps=application/ogg", opus_pt,
                                             dtmf_pt)
    : holler_media_send_description (input, self->feed != NULL, dsp, opus_pt, dtmf_pt);
  g_autofree char *recv_desc = holler_media_receive_description (output,
                                                                 self->echo_probe ? self->probe_name : NULL);
  const char *device_in = g_str_has_prefix (input, "raw:") ? input + 4 : input;

  self->send_pipeline = parse_pipeline (send_desc, _("Could not build the audio input: %s"), error);
  if (self->send_pipeline == NULL)
    return FALSE;
  self->recv_pipeline = parse_pipeline (recv_desc, _("Could not build the audio output: %s"), error);
  if (self->recv_pipeline == NULL)
    return FALSE;
  /* device:NAME has no description: its element is made from its GstDevice */
  if (self->feed == NULL && g_str_has_prefix (device_in, "device:")
      && !holler_media_add_device_element (self->send_pipeline, HOLLER_DEVICE_INPUT, device_in + 7, "capture",
                                           error))
    return FALSE;
  if (g_str_has_prefix (output, "device:")
      && !holler_media_add_device_element (self->recv_pipeline, HOLLER_DEVICE_OUTPUT, output + 7,
                                           self->echo_probe ? self->probe_name : "meter", error))
    return FALSE;
  return TRUE;
}

/* The encoded packets to the call; the level of what we send; DTMF */
static void
wire_send_side (HollerMedia *self, guint dtmf_pt)
{
  GstBin *bin = GST_BIN (self->send_pipeline);
  g_autoptr(GstElement) sink = gst_bin_get_by_name (bin, "rtpout");
  GstAppSinkCallbacks callbacks = { .new_sample = on_rtp_sample };

  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, self, NULL);
  self->encoder = gst_bin_get_by_name (bin, "enc");
  if (self->encoder == NULL)
    holler_media_stream_stamp_file_packets (self->send_pipeline);
  if (self->prompt != NULL)
    holler_media_prompt_push (self->send_pipeline, self->prompt);
  self->volume = gst_bin_get_by_name (bin, "mute");
  if (self->volume != NULL)
    {
      g_autoptr(GstPad) sent = gst_element_get_static_pad (self->volume, "src");

      gst_pad_add_probe (sent, GST_PAD_PROBE_TYPE_BUFFER, on_sent_audio, self, NULL);
    }
  self->pcmin = gst_bin_get_by_name (bin, "pcmin");
  if (dtmf_pt != 0)
    {
      g_autoptr(GstElement) dtmfsrc = gst_bin_get_by_name (bin, "dtmfsrc");

      /* a live source has a streaming thread of its own: most calls send
       * no digit, so it stays in NULL until the first one (holler-dtmf.c) */
      gst_element_set_locked_state (dtmfsrc, TRUE);
      self->dtmf = holler_dtmf_sender_new (dtmfsrc);
    }
}

/* Received RTP into the jitter buffer; the recording (ogg:) from its
 * output; the decoded audio's meters and analysis */
static gboolean
wire_receive_side (HollerMedia *self, const char *output, guint opus_pt, GError **error)
{
  GstBin *bin = GST_BIN (self->recv_pipeline);
  g_autoptr(GstElement) jitterbuffer = gst_bin_get_by_name (bin, "jbuf");
  g_autoptr(GstElement) meter = gst_bin_get_by_name (bin, "meter");

  self->receiver = holler_rtp_receiver_new (self->recv_pipeline, jitterbuffer, opus_pt);
  if (self->receiver == NULL)
    {
      g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_MEDIA, _("Could not build the audio output"));
      return FALSE;
    }
  if (g_str_has_prefix (output, "ogg:"))
    {
      g_autoptr(GstPad) played = gst_element_get_static_pad (jitterbuffer, "src");

      self->recorder = holler_recorder_new (played, opus_pt, output + 4, on_recording_failed, self);
    }
  if (meter != NULL)
    {
      g_autoptr(GstPad) pad = gst_element_get_static_pad (meter, "src");

      gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_decoded_audio, self, NULL);
    }
  return TRUE;
}

static void
watch_buses (HollerMedia *self)
{
  g_autoptr(GstBus) send_bus = gst_element_get_bus (self->send_pipeline);
  g_autoptr(GstBus) recv_bus = gst_element_get_bus (self->recv_pipeline);

  self->send_bus_watch = gst_bus_add_watch (send_bus, on_bus_message, self);
  self->recv_bus_watch = gst_bus_add_watch (recv_bus, on_bus_message, self);
}

HollerMedia *
holler_media_new (const char *input, const char *greeting, const char *output, guint opus_pt,
                  guint dtmf_pt, HollerMediaRtpFunc rtp_func, gpointer user_data, GError **error)
{
  g_autoptr(HollerMedia) self = NULL;
  g_autofree char *opus_greeting = NULL;

  if (!holler_media_check_plugins (error))
    return NULL;
  self = g_object_new (HOLLER_TYPE_MEDIA, NULL);
  self->rtp_func = rtp_func;
  self->rtp_data = user_data;
  opus_greeting = holler_media_prompt_plan (&input, &greeting, &self->prompt);
  if (self->prompt == NULL && use_feed (input, greeting))
    make_feed (self, input, greeting);
  if (!build_pipelines (self, input, output, opus_pt, dtmf_pt, error))
    return NULL;
  wire_send_side (self, dtmf_pt);
  if (!wire_receive_side (self, output, opus_pt, error))
    return NULL;
  watch_buses (self);
  return g_steal_pointer (&self);
}

/* Main context: the peer reported on our stream; the encoder follows
 * (the rule is in holler-opus-adapt.h). */
static void
on_loss_report (double fraction_lost, gpointer user_data)
{
  HollerMedia *self = user_data;

  if (self->encoder == NULL || self->stopping || !holler_opus_adapt_report (&self->adapt, fraction_lost))
    return;
  g_object_set (self->encoder, "packet-loss-percentage", (int) self->adapt.loss_percent,
                "inband-fec", self->adapt.fec, "bitrate", (int) self->adapt.bitrate, NULL);
  g_signal_emit (self, signals[SIGNAL_ENCODER_ADAPTED], 0, fraction_lost, self->adapt.loss_percent,
                 self->adapt.fec, self->adapt.bitrate);
}

gboolean
holler_media_set_stream (HollerMedia *self, guint32 ssrc, const char *cname, const char *mid, guint mid_ext_id,
                         GError **error)
{
  g_return_val_if_fail (!self->started && self->rtcp == NULL, FALSE);
  if (!holler_media_stream_configure (self->send_pipeline, ssrc, mid, mid_ext_id, error))
    return FALSE;
  /* its RTCP goes out the way our RTP does: rtp_func tells them apart */
  self->rtcp = holler_rtcp_new (ssrc, cname, self->rtp_func, self->rtp_data, error);
  if (self->rtcp == NULL)
    return FALSE;
  holler_rtcp_set_report_func (self->rtcp, on_loss_report, self);
  return TRUE;
}

gboolean
holler_media_start (HollerMedia *self, GError **error)
{
  if (self->started)
    return TRUE;
  if (gst_element_set_state (self->recv_pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE
      || gst_element_set_state (self->send_pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_MEDIA,
                           _("Could not start audio (is the audio device available?)"));
      return FALSE;
    }
  holler_rtp_receiver_start (self->receiver);
  if (self->recorder != NULL)
    {
      GError *open_error = holler_recorder_take_open_error (self->recorder);

      if (open_error != NULL)
        emit_later (self, signals[SIGNAL_RECORDING_FAILED], 0, 0, open_error);
    }
  if (self->rtcp != NULL && !holler_rtcp_start (self->rtcp, error))
    return FALSE;
  if (self->feed != NULL && !holler_media_feed_start (self->feed, error))
    return FALSE;
  self->started = TRUE;
  return TRUE;
}

void
holler_media_count_rtp (HollerMedia *self, const guint8 *data, gsize len)
{
  if (!self->started || self->stopping || len < 12 || (data[0] >> 6) != 2)
    return;
  holler_rtp_receiver_count (self->receiver, data, len);
  if (self->rtcp != NULL)
    holler_rtcp_received_rtp (self->rtcp, data, len);
}

gboolean
holler_media_send_dtmf (HollerMedia *self, const char *digits, GError **error)
{
  if (self->dtmf == NULL)
    {
      g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_MEDIA,
                           _("DTMF was not negotiated: the peer offers no telephone-event/48000"));
      return FALSE;
    }
  if (!holler_dtmf_check_digits (digits, error))
    return FALSE;
  if (!self->started || self->stopping)
    {
      g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_MEDIA, _("No audio is being sent"));
      return FALSE;
    }
  holler_dtmf_sender_queue (self->dtmf, digits);
  return TRUE;
}

void
holler_media_push_rtp (HollerMedia *self, const guint8 *data, gsize len)
{
  if (!self->started || self->stopping || len < 12 || (data[0] >> 6) != 2)
    return;
  holler_rtp_receiver_push (self->receiver, data, len);
  if (self->rtcp != NULL)
    holler_rtcp_received_rtp (self->rtcp, data, len);
}

void
holler_media_push_rtcp (HollerMedia *self, const guint8 *data, gsize len)
{
  if (self->started && !self->stopping && self->rtcp != NULL)
    holler_rtcp_received (self->rtcp, data, len);
}

void
holler_media_set_muted (HollerMedia *self, gboolean muted)
{
  if (self->volume != NULL)   /* opus: input: nothing to mute before the encoder */
    g_object_set (self->volume, "mute", muted, NULL);
}

void
holler_media_get_stats (HollerMedia *self, HollerMediaStats *stats)
{
  g_mutex_lock (&self->lock);
  *stats = self->stats;
  g_mutex_unlock (&self->lock);
  if (self->receiver != NULL)
    holler_rtp_receiver_get_stats (self->receiver, stats);
  holler_media_stats_add_rtcp (stats, self->rtcp);
}

static gboolean
on_stop_timeout (gpointer user_data)
{
  HollerMedia *self = user_data;

  self->stop_timeout_id = 0;
  g_debug ("output did not drain in time; stopping anyway");
  finish_stop (self);
  return G_SOURCE_REMOVE;
}

void
holler_media_stop_async (HollerMedia *self, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, holler_media_stop_async);
  if (!self->started || self->stopping)
    {
      if (self->stopping && self->stop_task != NULL)
        {
          g_task_return_boolean (task, TRUE);   /* already on its way */
          g_object_unref (task);
          return;
        }
      self->stopping = TRUE;
      self->stop_task = task;
      finish_stop (self);
      return;
    }
  self->stopping = TRUE;
  self->stop_task = task;
  if (self->feed != NULL)
    holler_media_feed_stop (self->feed);
  g_clear_pointer (&self->dtmf, holler_dtmf_sender_free);
  gst_element_set_state (self->send_pipeline, GST_STATE_NULL);
  if (self->rtcp != NULL)
    holler_rtcp_bye (self->rtcp);
  /* EOS through the receive side makes wavenc write the final sizes. */
  holler_rtp_receiver_end (self->receiver);
  self->stop_timeout_id = g_timeout_add (STOP_TIMEOUT_MS, on_stop_timeout, self);
}

gboolean
holler_media_stop_finish (HollerMedia *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
