/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * webrtcbin-pairs: N webrtcbin calls in one process, both ends of each, for
 * bench/percall-memory (the webrtcbin side of holler-pairs). Every peer is
 * its own pipeline with webrtcbin-peer.c's settings:
 *
 *   audiotestsrc → Opus (48 kHz, 20 ms, in-band FEC, 32 kb/s) → RTP PT 111 → webrtcbin (latency=60, max-bundle)
 *   webrtcbin → rtpopusdepay → opusdec (PLC, FEC) → S16LE 48 kHz mono → identity (buffer count) → fakesink
 *
 * The two ends of a pair hand each other offer, answer and candidates
 * directly (no signaling channel). Each libnice agent: upnp=FALSE,
 * ice-tcp=FALSE, gathering only on 127.0.0.1.
 *
 *   webrtcbin-pairs --pairs N [--duration S] [--connect-timeout S]
 *
 * Prints "READY {json}" on stdout once every one of the 2N peers has decoded
 * audio, then runs until SIGTERM/SIGINT or --duration seconds after that and
 * prints "DONE {json}" (decoded 20 ms buffers per peer: min and total).
 */
#define G_LOG_DOMAIN "webrtcbin-pairs"

#include <signal.h>
#include <stdio.h>
#include <glib-unix.h>
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#define GST_USE_UNSTABLE_API
#include <gst/webrtc/webrtc.h>
#include <nice/agent.h>

#include "webrtcbin-common.h"
#define READY_BUFFERS 5

typedef struct _Peer Peer;
struct _Peer {
  guint index;
  gboolean outgoing;
  GstElement *pipeline;
  GstElement *webrtc;
  Peer *remote;
  gint decoded;       /* decoded buffers (atomic) */
  gint failed;        /* atomic */
  guint bus_watch;
};

typedef struct {
  GMainLoop *loop;
  Peer *peers;
  guint n_peers;
  guint pairs;
  double duration;
  gint64 start_time;
  gboolean ready;
  gboolean failed;
} App;

static App app;

static GstPadProbeReturn
on_decoded (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Peer *self = user_data;

  g_atomic_int_inc (&self->decoded);
  return GST_PAD_PROBE_OK;
}

static void
on_pad_added (GstElement *webrtc, GstPad *pad, gpointer user_data)
{
  Peer *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *desc = NULL;
  g_autoptr(GstPad) sinkpad = NULL, probe_pad = NULL;
  g_autoptr(GstElement) meter = NULL;
  GstElement *bin;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  desc = bench_webrtc_receive_description ("fakesink sync=false");
  bin = gst_parse_bin_from_description (desc, TRUE, &error);
  if (bin == NULL)
    {
      g_printerr ("webrtcbin-pairs: receive chain: %s\n", error->message);
      g_atomic_int_set (&self->failed, 1);
      return;
    }
  gst_bin_add (GST_BIN (self->pipeline), bin);
  meter = gst_bin_get_by_name (GST_BIN (bin), "meter");
  probe_pad = gst_element_get_static_pad (meter, "src");
  gst_pad_add_probe (probe_pad, GST_PAD_PROBE_TYPE_BUFFER, on_decoded, self, NULL);
  gst_element_sync_state_with_parent (bin);
  sinkpad = gst_element_get_static_pad (bin, "sink");
  if (gst_pad_link (pad, sinkpad) != GST_PAD_LINK_OK)
    {
      g_printerr ("webrtcbin-pairs: peer %u: could not link the received stream\n", self->index);
      g_atomic_int_set (&self->failed, 1);
    }
}

/* ---- offer / answer, handed over directly ---- */

static void on_remote_description_set (GstPromise *promise, gpointer user_data);

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
      g_printerr ("webrtcbin-pairs: peer %u: could not create the %s\n", self->index, field);
      gst_promise_unref (promise);
      g_atomic_int_set (&self->failed, 1);
      return;
    }
  gst_structure_get (reply, field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc, NULL);
  gst_promise_unref (promise);
  /* to the other end first, as webrtcbin-peer sends it before any candidate */
  g_signal_emit_by_name (self->remote->webrtc, "set-remote-description", desc,
                         gst_promise_new_with_change_func (on_remote_description_set, self->remote, NULL));
  g_signal_emit_by_name (self->webrtc, "set-local-description", desc, NULL);
  gst_webrtc_session_description_free (desc);
}

static void
on_negotiation_needed (GstElement *webrtc, gpointer user_data)
{
  Peer *self = user_data;

  if (!self->outgoing)
    return;
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
on_ice_candidate (GstElement *webrtc, guint mline, const char *candidate, gpointer user_data)
{
  Peer *self = user_data;

  g_signal_emit_by_name (self->remote->webrtc, "add-ice-candidate", mline, candidate);
}

static void
on_connection_state (GObject *webrtc, GParamSpec *pspec, gpointer user_data)
{
  Peer *self = user_data;
  GstWebRTCPeerConnectionState state;

  g_object_get (webrtc, "connection-state", &state, NULL);
  if (state == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED)
    {
      g_printerr ("webrtcbin-pairs: peer %u: connection failed\n", self->index);
      g_atomic_int_set (&self->failed, 1);
    }
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
      g_printerr ("webrtcbin-pairs: peer %u: %s (%s)\n", self->index, error->message, debug ? debug : "");
      g_atomic_int_set (&self->failed, 1);
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
build_peer (Peer *self, GError **error)
{
  static const char *const loopback[] = { "127.0.0.1", NULL };
  g_autofree char *desc = NULL, *source = NULL;
  g_autoptr(GstBus) bus = NULL;

  source = g_strdup_printf ("audiotestsrc is-live=true wave=sine freq=%d volume=0.5 samplesperbuffer=960",
                            self->outgoing ? 440 : 880);
  desc = bench_webrtc_send_description (source);
  self->pipeline = gst_parse_launch (desc, error);
  if (self->pipeline == NULL)
    return FALSE;
  self->webrtc = gst_bin_get_by_name (GST_BIN (self->pipeline), "webrtc");
  if (!bench_webrtc_restrict_ice (self->webrtc, loopback, error) || !bench_webrtc_set_codec_preferences (self->webrtc, error))
    return FALSE;
  g_signal_connect (self->webrtc, "on-negotiation-needed", G_CALLBACK (on_negotiation_needed), self);
  g_signal_connect (self->webrtc, "on-ice-candidate", G_CALLBACK (on_ice_candidate), self);
  g_signal_connect (self->webrtc, "notify::connection-state", G_CALLBACK (on_connection_state), self);
  g_signal_connect (self->webrtc, "pad-added", G_CALLBACK (on_pad_added), self);
  bus = gst_element_get_bus (self->pipeline);
  self->bus_watch = gst_bus_add_watch (bus, on_bus_message, self);
  return TRUE;
}

/* ---- the run ---- */

static gboolean
on_stop (gpointer user_data)
{
  g_main_loop_quit (app.loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_signal (gpointer user_data)
{
  g_main_loop_quit (app.loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_poll (gpointer user_data)
{
  guint decoding = 0;

  for (guint i = 0; i < app.n_peers; i++)
    {
      if (g_atomic_int_get (&app.peers[i].failed))
        {
          app.failed = TRUE;
          g_main_loop_quit (app.loop);
          return G_SOURCE_REMOVE;
        }
      if (g_atomic_int_get (&app.peers[i].decoded) >= READY_BUFFERS)
        decoding++;
    }
  if (app.ready || decoding < app.n_peers)
    return G_SOURCE_CONTINUE;
  app.ready = TRUE;
  printf ("READY {\"pairs\": %u, \"peers\": %u, \"setup_s\": %.3f}\n", app.pairs, app.n_peers,
          (g_get_monotonic_time () - app.start_time) / 1e6);
  fflush (stdout);
  if (app.duration > 0)
    g_timeout_add ((guint) (app.duration * 1000), on_stop, NULL);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_connect_timeout (gpointer user_data)
{
  if (!app.ready)
    {
      g_printerr ("webrtcbin-pairs: not every peer decoded audio in time\n");
      app.failed = TRUE;
      g_main_loop_quit (app.loop);
    }
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  int pairs = 1;
  double duration = 0, connect_timeout = 60;
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  GOptionEntry entries[] = {
    { "pairs", 0, 0, G_OPTION_ARG_INT, &pairs, "number of caller+callee pairs (1)", "N" },
    { "duration", 0, 0, G_OPTION_ARG_DOUBLE, &duration, "stop S after all decode (0: at SIGTERM)", "S" },
    { "connect-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &connect_timeout, "for all pairs (60)", "S" },
    { NULL }
  };
  guint sigint, sigterm, poll_id, decoding = 0;
  gint64 min_decoded = G_MAXINT64, total_decoded = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error) || pairs < 1 || duration < 0)
    {
      g_printerr ("webrtcbin-pairs: %s\n", error ? error->message : "bad --pairs or --duration");
      return 2;
    }
  signal (SIGPIPE, SIG_IGN);
  gst_init (NULL, NULL);
  app.loop = g_main_loop_new (NULL, FALSE);
  app.pairs = (guint) pairs;
  app.n_peers = 2 * (guint) pairs;
  app.peers = g_new0 (Peer, app.n_peers);
  app.duration = duration;
  app.start_time = g_get_monotonic_time ();
  for (guint i = 0; i < app.n_peers; i++)
    {
      Peer *peer = &app.peers[i];

      peer->index = i;
      peer->outgoing = i % 2 == 0;
      peer->remote = &app.peers[i ^ 1];
    }
  for (guint i = 0; i < app.n_peers; i++)
    if (!build_peer (&app.peers[i], &error))
      {
        g_printerr ("webrtcbin-pairs: peer %u: %s\n", i, error->message);
        return 1;
      }
  /* the callee first, so it is playing when the offer arrives */
  for (guint i = 0; i < app.n_peers; i++)
    if (gst_element_set_state (app.peers[i ^ 1].pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
      {
        g_printerr ("webrtcbin-pairs: peer %u: could not start\n", i ^ 1);
        return 1;
      }
  sigint = g_unix_signal_add (SIGINT, on_signal, NULL);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, NULL);
  poll_id = g_timeout_add (100, on_poll, NULL);
  g_timeout_add ((guint) (connect_timeout * 1000), on_connect_timeout, NULL);
  g_main_loop_run (app.loop);

  for (guint i = 0; i < app.n_peers; i++)
    {
      gint64 d = g_atomic_int_get (&app.peers[i].decoded);

      min_decoded = MIN (min_decoded, d);
      total_decoded += d;
      if (d >= READY_BUFFERS)
        decoding++;
    }
  printf ("DONE {\"pairs\": %u, \"peers\": %u, \"decoding\": %u, \"min_buffers_decoded\": %" G_GINT64_FORMAT
          ", \"total_buffers_decoded\": %" G_GINT64_FORMAT "}\n",
          app.pairs, app.n_peers, decoding, min_decoded, total_decoded);
  fflush (stdout);
  g_source_remove (poll_id);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  for (guint i = 0; i < app.n_peers; i++)
    gst_element_set_state (app.peers[i].pipeline, GST_STATE_NULL);
  for (guint i = 0; i < app.n_peers; i++)
    {
      g_source_remove (app.peers[i].bus_watch);
      gst_clear_object (&app.peers[i].webrtc);
      gst_clear_object (&app.peers[i].pipeline);
    }
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_main_loop_unref (app.loop);
  g_free (app.peers);
  return !app.failed && app.ready ? 0 : 1;
}
