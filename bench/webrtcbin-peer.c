/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * webrtcbin-peer: the baseline for bench/run.  The same call as
 * `holler call` / `holler listen --auto-answer` over stdio signaling, built
 * on GStreamer's webrtcbin instead of Holler's own ICE/DTLS/SRTP:
 *
 *   audiotestsrc → Opus (48 kHz, 20 ms, in-band FEC, 32 kb/s) → RTP PT 111 → webrtcbin
 *   webrtcbin → rtpopusdepay → opusdec (PLC, FEC) → S16LE 48 kHz mono → output
 *
 * Signaling: docs/signaling.md, one JSON object per line, ours on stdout,
 * the peer's on stdin.  With --json, events on stderr shaped like Holler's
 * (state, first-audio with since_start_ms, level, ended).
 *
 * Network: webrtcbin's libnice agent is told upnp=FALSE, ice-tcp=FALSE and
 * gathers only the --ice-address addresses (default 127.0.0.1); no STUN or
 * TURN server is configured.
 */
#define G_LOG_DOMAIN "webrtcbin-peer"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#define GST_USE_UNSTABLE_API
#include <gst/webrtc/webrtc.h>
#include <nice/agent.h>

#include "holler-tone.h"

#include "webrtcbin-common.h"
#define ANALYSIS_WINDOW 4800   /* 100 ms analysed once a second, as holler does */

typedef struct {
  gboolean outgoing;
  gboolean json;
  double tone_hz;
  char *input_pipeline;       /* --input pipeline:DESC instead of the tone */
  char *output;               /* file:PATH.wav or null */
  double duration;            /* seconds in the call; 0 = until bye/EOF */
  double connect_timeout;
  char **ice_addresses;
  char *mid;                  /* our m-line's a=mid (webrtcbin says audio0), under lock */

  gint64 start_time;
  GMainLoop *loop;
  GstElement *pipeline;
  GstElement *webrtc;
  GDataInputStream *in;
  GCancellable *cancellable;
  GMutex lock;                /* stdout, stderr, the analysis window */

  gboolean have_remote;
  gboolean connected;
  gboolean ended;
  gboolean failed;
  char *end_reason;
  guint connect_timeout_id;
  guint duration_id;

  gint64 first_audio_time;
  gint16 window[ANALYSIS_WINDOW];
  gsize window_fill;
  gsize samples_since_analysis;
  guint64 samples_received;
} Peer;

static void end_call (Peer *self, const char *reason, gboolean failed, gboolean send_bye);

/* ---- output: signaling lines and events ---- */

static double
elapsed_ms (Peer *self, gint64 t)
{
  return (t - self->start_time) / 1000.0;
}

static void
send_message (Peer *self, JsonObject *obj)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;

  json_node_take_object (node, obj);
  text = json_to_string (node, FALSE);
  g_mutex_lock (&self->lock);
  fprintf (stdout, "%s\n", text);
  fflush (stdout);
  g_mutex_unlock (&self->lock);
}

/* Takes ownership of fields (may be NULL). */
static void
emit_event (Peer *self, const char *event, JsonObject *fields, const char *human)
{
  g_autoptr(JsonObject) obj = fields != NULL ? fields : json_object_new ();

  g_mutex_lock (&self->lock);
  if (self->json)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      g_autofree char *text = NULL;

      json_object_set_string_member (obj, "event", event);
      json_object_set_double_member (obj, "t_ms", elapsed_ms (self, g_get_monotonic_time ()));
      json_node_set_object (node, obj);
      text = json_to_string (node, FALSE);
      fprintf (stderr, "%s\n", text);
    }
  else if (human != NULL)
    fprintf (stderr, "%s\n", human);
  fflush (stderr);
  g_mutex_unlock (&self->lock);
}

static void
emit_state (Peer *self, const char *state)
{
  JsonObject *fields = json_object_new ();
  g_autofree char *human = g_strdup_printf ("State: %s", state);

  json_object_set_string_member (fields, "state", state);
  emit_event (self, "state", fields, human);
}

/* ---- running things on the main thread (webrtcbin calls back on its own) ---- */

typedef struct {
  Peer *self;
  char *reason;
  gboolean failed;
  gboolean send_bye;
} EndRequest;

static gboolean
on_end_request (gpointer data)
{
  EndRequest *req = data;

  end_call (req->self, req->reason, req->failed, req->send_bye);
  g_free (req->reason);
  g_free (req);
  return G_SOURCE_REMOVE;
}

static void
end_call_later (Peer *self, const char *reason, gboolean failed, gboolean send_bye)
{
  EndRequest *req = g_new0 (EndRequest, 1);

  req->self = self;
  req->reason = g_strdup (reason);
  req->failed = failed;
  req->send_bye = send_bye;
  g_idle_add (on_end_request, req);
}

/* ---- the received audio ---- */

static GstPadProbeReturn
on_decoded_audio (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Peer *self = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;
  gboolean first = FALSE, analyse = FALSE;
  gint16 block[ANALYSIS_WINDOW];

  if (buffer == NULL || !gst_buffer_map (buffer, &map, GST_MAP_READ))
    return GST_PAD_PROBE_OK;
  g_mutex_lock (&self->lock);
  if (self->first_audio_time == 0)
    {
      self->first_audio_time = g_get_monotonic_time ();
      first = TRUE;
    }
  for (gsize i = 0; i + 1 < map.size; i += 2)
    {
      gint16 s;

      memcpy (&s, map.data + i, 2);
      self->window[self->window_fill++ % ANALYSIS_WINDOW] = s;
      self->samples_since_analysis++;
      self->samples_received++;
    }
  if (self->samples_since_analysis >= SAMPLE_RATE && self->window_fill >= ANALYSIS_WINDOW)
    {
      gsize start = self->window_fill % ANALYSIS_WINDOW;

      for (gsize i = 0; i < ANALYSIS_WINDOW; i++)
        block[i] = self->window[(start + i) % ANALYSIS_WINDOW];
      self->samples_since_analysis = 0;
      analyse = TRUE;
    }
  g_mutex_unlock (&self->lock);
  gst_buffer_unmap (buffer, &map);

  if (first)
    {
      JsonObject *fields = json_object_new ();
      g_autofree char *human = g_strdup_printf ("First remote audio decoded %.0f ms after start",
                                                elapsed_ms (self, self->first_audio_time));

      json_object_set_double_member (fields, "since_start_ms", elapsed_ms (self, self->first_audio_time));
      emit_event (self, "first-audio", fields, human);
    }
  if (analyse)
    {
      JsonObject *fields = json_object_new ();
      double ms = holler_tone_mean_square (block, ANALYSIS_WINDOW);

      json_object_set_double_member (fields, "tone_hz",
                                     holler_tone_dominant_frequency (block, ANALYSIS_WINDOW, SAMPLE_RATE, 50, 4000));
      json_object_set_double_member (fields, "level_db", ms > 0 ? 10 * log10 (ms) : -120);
      emit_event (self, "level", fields, NULL);
    }
  return GST_PAD_PROBE_OK;
}

/* a path as a gst-launch string: double quotes, \ before " and \ */
static char *
quote_path (const char *path)
{
  GString *s = g_string_new ("\"");

  for (const char *p = path; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (s, '\\');
      g_string_append_c (s, *p);
    }
  g_string_append_c (s, '"');
  return g_string_free (s, FALSE);
}

static char *
output_description (const char *spec)
{
  if (g_str_has_prefix (spec, "file:"))
    {
      g_autofree char *q = quote_path (spec + 5);
      return g_strdup_printf ("wavenc ! filesink location=%s", q);
    }
  return g_strdup ("fakesink sync=false");
}

static void
on_pad_added (GstElement *webrtc, GstPad *pad, gpointer user_data)
{
  Peer *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL, *desc = NULL;
  g_autoptr(GstPad) sinkpad = NULL, probe_pad = NULL;
  g_autoptr(GstElement) meter = NULL;
  GstElement *bin;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  out = output_description (self->output);
  desc = bench_webrtc_receive_description (out);
  bin = gst_parse_bin_from_description (desc, TRUE, &error);
  if (bin == NULL)
    {
      g_printerr ("webrtcbin-peer: receive chain: %s\n", error->message);
      end_call_later (self, "media-failed", TRUE, TRUE);
      return;
    }
  gst_bin_add (GST_BIN (self->pipeline), bin);
  meter = gst_bin_get_by_name (GST_BIN (bin), "meter");
  probe_pad = gst_element_get_static_pad (meter, "src");
  gst_pad_add_probe (probe_pad, GST_PAD_PROBE_TYPE_BUFFER, on_decoded_audio, self, NULL);
  if (!gst_element_sync_state_with_parent (bin))
    {
      /* out of the pipeline, or it would fail the pipeline's way to NULL too */
      gst_element_set_state (bin, GST_STATE_NULL);
      gst_bin_remove (GST_BIN (self->pipeline), bin);
      end_call_later (self, "media-failed", TRUE, TRUE);
      return;
    }
  sinkpad = gst_element_get_static_pad (bin, "sink");
  if (gst_pad_link (pad, sinkpad) != GST_PAD_LINK_OK)
    {
      g_printerr ("webrtcbin-peer: could not link the received stream\n");
      end_call_later (self, "media-failed", TRUE, TRUE);
    }
}

/* ---- offer / answer ---- */

static void
send_description (Peer *self, GstWebRTCSessionDescription *desc)
{
  JsonObject *obj = json_object_new ();
  g_autofree char *sdp = gst_sdp_message_as_text (desc->sdp);

  json_object_set_string_member (obj, "type", desc->type == GST_WEBRTC_SDP_TYPE_OFFER ? "offer" : "answer");
  json_object_set_string_member (obj, "sdp", sdp);
  send_message (self, obj);
}

static void
on_description_created (GstPromise *promise, gpointer user_data)
{
  Peer *self = user_data;
  const GstStructure *reply;
  GstWebRTCSessionDescription *desc = NULL;
  const char *field = self->outgoing ? "offer" : "answer";

  if (gst_promise_wait (promise) != GST_PROMISE_RESULT_REPLIED
      || (reply = gst_promise_get_reply (promise)) == NULL
      || !gst_structure_has_field (reply, field))
    {
      g_printerr ("webrtcbin-peer: could not create the %s\n", field);
      gst_promise_unref (promise);
      end_call_later (self, "media-failed", TRUE, TRUE);
      return;
    }
  gst_structure_get (reply, field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc, NULL);
  gst_promise_unref (promise);
  if (gst_sdp_message_medias_len (desc->sdp) > 0)
    {
      const char *mid = gst_sdp_media_get_attribute_val (gst_sdp_message_get_media (desc->sdp, 0), "mid");

      g_mutex_lock (&self->lock);
      g_free (self->mid);
      self->mid = g_strdup (mid != NULL ? mid : "0");
      g_mutex_unlock (&self->lock);
    }
  /* the description goes out before webrtcbin can report a candidate */
  send_description (self, desc);
  g_signal_emit_by_name (self->webrtc, "set-local-description", desc, NULL);
  gst_webrtc_session_description_free (desc);
}

static void
on_negotiation_needed (GstElement *webrtc, gpointer user_data)
{
  Peer *self = user_data;

  if (!self->outgoing)
    return;   /* the callee answers the offer it gets */
  emit_state (self, "offering");
  g_signal_emit_by_name (webrtc, "create-offer", NULL,
                         gst_promise_new_with_change_func (on_description_created, self, NULL));
}

static void
on_remote_description_set (GstPromise *promise, gpointer user_data)
{
  Peer *self = user_data;

  gst_promise_unref (promise);
  if (!self->outgoing)
    g_signal_emit_by_name (self->webrtc, "create-answer", NULL,
                           gst_promise_new_with_change_func (on_description_created, self, NULL));
}

static void
set_remote_description (Peer *self, GstWebRTCSDPType type, const char *text)
{
  GstSDPMessage *sdp = NULL;
  GstWebRTCSessionDescription *desc;

  if (gst_sdp_message_new_from_text (text, &sdp) != GST_SDP_OK)
    {
      end_call (self, "bad-sdp", TRUE, TRUE);
      return;
    }
  desc = gst_webrtc_session_description_new (type, sdp);
  self->have_remote = TRUE;
  if (!self->outgoing)
    emit_state (self, "connecting");
  g_signal_emit_by_name (self->webrtc, "set-remote-description", desc,
                         gst_promise_new_with_change_func (on_remote_description_set, self, NULL));
  gst_webrtc_session_description_free (desc);
}

/* ---- candidates ---- */

static void
on_ice_candidate (GstElement *webrtc, guint mline, const char *candidate, gpointer user_data)
{
  Peer *self = user_data;
  JsonObject *obj = json_object_new ();

  if (g_str_has_prefix (candidate, "a="))
    candidate += 2;
  json_object_set_string_member (obj, "type", "candidate");
  json_object_set_string_member (obj, "candidate", candidate);
  g_mutex_lock (&self->lock);
  json_object_set_string_member (obj, "sdpMid", self->mid != NULL ? self->mid : "0");
  g_mutex_unlock (&self->lock);
  json_object_set_int_member (obj, "sdpMLineIndex", mline);
  send_message (self, obj);
}

static void
on_gathering_state (GObject *webrtc, GParamSpec *pspec, gpointer user_data)
{
  Peer *self = user_data;
  GstWebRTCICEGatheringState state;

  g_object_get (webrtc, "ice-gathering-state", &state, NULL);
  if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
    {
      JsonObject *obj = json_object_new ();

      json_object_set_string_member (obj, "type", "end-of-candidates");
      g_mutex_lock (&self->lock);
      json_object_set_string_member (obj, "sdpMid", self->mid != NULL ? self->mid : "0");
      g_mutex_unlock (&self->lock);
      send_message (self, obj);
    }
}

static gboolean
on_connected_main (gpointer user_data);

static gboolean
on_duration_elapsed (gpointer user_data)
{
  Peer *self = user_data;

  self->duration_id = 0;
  end_call (self, "hangup", FALSE, TRUE);
  return G_SOURCE_REMOVE;
}

static gboolean
on_connected_main (gpointer user_data)
{
  Peer *self = user_data;

  if (self->connected || self->ended)
    return G_SOURCE_REMOVE;
  self->connected = TRUE;
  g_clear_handle_id (&self->connect_timeout_id, g_source_remove);
  emit_state (self, "active");
  if (self->duration > 0)
    self->duration_id = g_timeout_add ((guint) (self->duration * 1000), on_duration_elapsed, self);
  return G_SOURCE_REMOVE;
}

static void
on_connection_state (GObject *webrtc, GParamSpec *pspec, gpointer user_data)
{
  Peer *self = user_data;
  GstWebRTCPeerConnectionState state;

  g_object_get (webrtc, "connection-state", &state, NULL);
  if (state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED)
    g_idle_add (on_connected_main, self);
  else if (state == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED)
    end_call_later (self, "ice-failed", TRUE, TRUE);
}

/* ---- the peer's messages ---- */

static void
handle_message (Peer *self, const char *line)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *obj;
  const char *type;

  if (*line == '\0')
    return;
  if (!json_parser_load_from_data (parser, line, -1, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_printerr ("webrtcbin-peer: ignoring a line that is not a JSON object\n");
      return;
    }
  obj = json_node_get_object (json_parser_get_root (parser));
  type = json_object_get_string_member_with_default (obj, "type", "");
  if (g_str_equal (type, "offer") && !self->outgoing && !self->have_remote)
    set_remote_description (self, GST_WEBRTC_SDP_TYPE_OFFER,
                            json_object_get_string_member_with_default (obj, "sdp", ""));
  else if (g_str_equal (type, "answer") && self->outgoing && !self->have_remote)
    set_remote_description (self, GST_WEBRTC_SDP_TYPE_ANSWER,
                            json_object_get_string_member_with_default (obj, "sdp", ""));
  else if (g_str_equal (type, "candidate"))
    {
      const char *cand = json_object_get_string_member_with_default (obj, "candidate", "");
      gint64 mline = json_object_get_int_member_with_default (obj, "sdpMLineIndex", 0);

      if (*cand != '\0' && mline >= 0)
        g_signal_emit_by_name (self->webrtc, "add-ice-candidate", (guint) mline, cand);
    }
  else if (g_str_equal (type, "end-of-candidates"))
    ;   /* webrtcbin 1.22 has no way to be told; checks simply run out */
  else if (g_str_equal (type, "bye"))
    {
      const char *reason = json_object_get_string_member_with_default (obj, "reason", "hangup");

      end_call (self, reason, !g_str_equal (reason, "hangup"), FALSE);
    }
  else
    g_printerr ("webrtcbin-peer: ignoring a “%s” message\n", type);
}

static void
on_line (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Peer *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                                    NULL, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (line == NULL)
    {
      if (error != NULL)
        g_printerr ("webrtcbin-peer: stdin: %s\n", error->message);
      if (!self->ended)
        end_call (self, self->connected ? "hangup" : "signaling-closed", !self->connected, FALSE);
      return;
    }
  handle_message (self, line);
  if (!self->ended)
    g_data_input_stream_read_line_async (self->in, G_PRIORITY_DEFAULT, self->cancellable, on_line, self);
}

/* ---- start and end ---- */

static gboolean
on_connect_timeout (gpointer user_data)
{
  Peer *self = user_data;

  self->connect_timeout_id = 0;
  end_call (self, "timeout", TRUE, TRUE);
  return G_SOURCE_REMOVE;
}

static gboolean
on_signal (gpointer user_data)
{
  end_call (user_data, "hangup", FALSE, TRUE);
  return G_SOURCE_CONTINUE;
}

static void
end_call (Peer *self, const char *reason, gboolean failed, gboolean send_bye)
{
  JsonObject *fields;
  g_autofree char *human = NULL;

  if (self->ended)
    return;
  self->ended = TRUE;
  self->failed = failed;
  self->end_reason = g_strdup (reason);
  g_clear_handle_id (&self->connect_timeout_id, g_source_remove);
  g_clear_handle_id (&self->duration_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  if (send_bye)
    {
      JsonObject *obj = json_object_new ();

      json_object_set_string_member (obj, "type", "bye");
      json_object_set_string_member (obj, "reason", reason);
      send_message (self, obj);
    }
  emit_state (self, "ended");
  fields = json_object_new ();
  json_object_set_string_member (fields, "reason", reason);
  json_object_set_boolean_member (fields, "failed", failed);
  g_mutex_lock (&self->lock);
  json_object_set_int_member (fields, "samples_received", (gint64) self->samples_received);
  g_mutex_unlock (&self->lock);
  human = g_strdup_printf (failed ? "Call failed: %s" : "Call ended: %s", reason);
  emit_event (self, "ended", fields, human);
  g_main_loop_quit (self->loop);
}

static gboolean
build_pipeline (Peer *self, GError **error)
{
  g_autofree char *desc = NULL, *source = NULL;

  /* the same source and encoder settings as holler-media.c */
  if (self->input_pipeline != NULL)
    source = g_strdup (self->input_pipeline);
  else
    source = g_strdup_printf ("audiotestsrc is-live=true wave=sine freq=%.3f volume=0.5 samplesperbuffer=960",
                              self->tone_hz);
  desc = bench_webrtc_send_description (source);
  self->pipeline = gst_parse_launch (desc, error);
  if (self->pipeline == NULL)
    return FALSE;
  self->webrtc = gst_bin_get_by_name (GST_BIN (self->pipeline), "webrtc");
  if (!bench_webrtc_restrict_ice (self->webrtc, (const char *const *) self->ice_addresses, error) || !bench_webrtc_set_codec_preferences (self->webrtc, error))
    return FALSE;
  g_signal_connect (self->webrtc, "on-negotiation-needed", G_CALLBACK (on_negotiation_needed), self);
  g_signal_connect (self->webrtc, "on-ice-candidate", G_CALLBACK (on_ice_candidate), self);
  g_signal_connect (self->webrtc, "notify::ice-gathering-state", G_CALLBACK (on_gathering_state), self);
  g_signal_connect (self->webrtc, "notify::connection-state", G_CALLBACK (on_connection_state), self);
  g_signal_connect (self->webrtc, "pad-added", G_CALLBACK (on_pad_added), self);
  return TRUE;
}

static gboolean
on_bus_message (GstBus *bus, GstMessage *message, gpointer user_data)
{
  Peer *self = user_data;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *debug = NULL;

      gst_message_parse_error (message, &error, &debug);
      g_printerr ("webrtcbin-peer: %s (%s)\n", error->message, debug ? debug : "");
      end_call (self, "media-failed", TRUE, TRUE);
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
parse_args (Peer *self, int *argc, char ***argv, GError **error)
{
  g_autofree char *input = NULL;
  gboolean auto_answer = FALSE, allow_loopback = FALSE;
  GOptionEntry entries[] = {
    { "input", 0, 0, G_OPTION_ARG_STRING, &input, "What to send: tone:HZ (440 calling, 880 listening) or "
      "pipeline:GST-LAUNCH", "SPEC" },
    { "output", 0, 0, G_OPTION_ARG_STRING, &self->output, "file:PATH.wav or null (null)", "SPEC" },
    { "duration", 0, 0, G_OPTION_ARG_DOUBLE, &self->duration, "Hang up this long after connecting", "S" },
    { "connect-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &self->connect_timeout, "Fail when not connected in S (30)", "S" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &self->json, "JSON events on stderr", NULL },
    { "ice-address", 0, 0, G_OPTION_ARG_STRING_ARRAY, &self->ice_addresses,
      "Gather only on this address (repeatable; default 127.0.0.1)", "IP" },
    { "auto-answer", 0, 0, G_OPTION_ARG_NONE, &auto_answer, "(listen) accepted; the peer always answers", NULL },
    { "allow-loopback", 0, 0, G_OPTION_ARG_NONE, &allow_loopback, "Accepted for holler compatibility", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("call|listen");

  self->connect_timeout = 30;
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;
  if (*argc != 2 || (!g_str_equal ((*argv)[1], "call") && !g_str_equal ((*argv)[1], "listen")))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "expected call or listen");
      return FALSE;
    }
  self->outgoing = g_str_equal ((*argv)[1], "call");
  self->tone_hz = self->outgoing ? 440 : 880;
  if (input != NULL && g_str_has_prefix (input, "pipeline:"))
    self->input_pipeline = g_strdup (input + 9);
  else if (input != NULL)
    {
      char *end = NULL;

      if (!g_str_has_prefix (input, "tone:")
          || (self->tone_hz = g_ascii_strtod (input + 5, &end)) < 20 || end == input + 5 || *end != '\0')
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--input: tone:HZ or pipeline:GST-LAUNCH");
          return FALSE;
        }
    }
  if (self->output == NULL)
    self->output = g_strdup ("null");
  else if (!g_str_equal (self->output, "null") && !g_str_has_prefix (self->output, "file:"))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--output: file:PATH.wav or null");
      return FALSE;
    }
  else if (g_str_has_prefix (self->output, "file:"))
    {
      g_autofree char *dir = g_path_get_dirname (self->output + 5);

      if (self->output[5] == '\0' || !g_file_test (dir, G_FILE_TEST_IS_DIR))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--output: no such directory %s", dir);
          return FALSE;
        }
    }
  if (self->ice_addresses == NULL)
    {
      self->ice_addresses = g_new0 (char *, 2);
      self->ice_addresses[0] = g_strdup ("127.0.0.1");
    }
  return TRUE;
}

int
main (int argc, char **argv)
{
  Peer peer = { 0 };
  Peer *self = &peer;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stdin_stream = NULL;
  g_autoptr(GstBus) bus = NULL;
  guint bus_watch, sigint, sigterm;

  self->start_time = g_get_monotonic_time ();
  g_mutex_init (&self->lock);
  signal (SIGPIPE, SIG_IGN);
  if (!parse_args (self, &argc, &argv, &error))
    {
      g_printerr ("webrtcbin-peer: %s\n", error->message);
      return 2;
    }
  gst_init (NULL, NULL);
  self->loop = g_main_loop_new (NULL, FALSE);
  self->cancellable = g_cancellable_new ();
  if (!build_pipeline (self, &error))
    {
      g_printerr ("webrtcbin-peer: %s\n", error->message);
      return 1;
    }
  bus = gst_element_get_bus (self->pipeline);
  bus_watch = gst_bus_add_watch (bus, on_bus_message, self);
  sigint = g_unix_signal_add (SIGINT, on_signal, self);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, self);

  stdin_stream = g_unix_input_stream_new (0, FALSE);
  self->in = g_data_input_stream_new (stdin_stream);
  g_data_input_stream_set_newline_type (self->in, G_DATA_STREAM_NEWLINE_TYPE_LF);
  g_data_input_stream_read_line_async (self->in, G_PRIORITY_DEFAULT, self->cancellable, on_line, self);
  self->connect_timeout_id = g_timeout_add ((guint) (self->connect_timeout * 1000), on_connect_timeout, self);

  emit_state (self, "new");
  if (!self->outgoing)
    emit_state (self, "ringing");
  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    end_call (self, "media-failed", TRUE, TRUE);
  else
    g_main_loop_run (self->loop);

  gst_element_set_state (self->pipeline, GST_STATE_NULL);
  g_source_remove (bus_watch);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_clear_object (&self->in);
  g_clear_object (&self->cancellable);
  gst_clear_object (&self->webrtc);
  gst_clear_object (&self->pipeline);
  g_main_loop_unref (self->loop);
  /* the idle sources queued by webrtcbin's threads may still point here */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_strfreev (self->ice_addresses);
  g_free (self->output);
  g_free (self->input_pipeline);
  g_free (self->mid);
  g_free (self->end_reason);
  g_mutex_clear (&self->lock);
  return self->failed ? 1 : 0;
}
