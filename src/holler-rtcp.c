/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* RTCP for a call's audio stream with GStreamer's rtpsession: Sender and
 * Receiver Reports at the RFC 3550 interval (5 s minimum, the first after
 * about half that), SDES CNAME, BYE at hang-up, and the peer's reports
 * parsed into RTT (from LSR/DLSR) and loss.
 *
 * rtpsession sits in a small pipeline of its own, beside the data path
 * rather than in it: the send and receive pipelines are separate (each
 * has its own clock) and rtpsession is one element, so it is handed a copy
 * of every RTP packet we send (from the send streaming thread) and receive
 * (from the main context) through pads of our own, and its RTP outputs end
 * in fakesinks. Copying 50 small packets a second each way costs nothing
 * next to the Opus codec. Received RTCP goes through holler_rtcp_parse()
 * first, so a malformed packet is dropped and counted before rtpsession
 * reads it. The RTCP rtpsession makes arrives on its own thread at a sink
 * pad of ours and goes to the send function (SRTCP and ICE). */
#define G_LOG_DOMAIN "holler-rtcp"

#include "config.h"
#include <string.h>
#include <glib/gi18n.h>
#include <gst/rtp/rtp.h>
#include "holler-rtcp.h"
#include "holler-error.h"

#define CLOCK_RATE 48000
#define MAX_RTCP 1500
/* room after an RTCP packet for the SRTCP index and tag (holler-srtp.h) */
#define RTCP_TRAILER 148

struct _HollerRtcp
{
  GstElement *pipeline;
  GstElement *session;
  GstPad *send_rtp;            /* ours, into send_rtp_sink */
  GstPad *recv_rtp;            /* ours, into recv_rtp_sink */
  GstPad *recv_rtcp;           /* ours, into recv_rtcp_sink */
  GstPad *rtcp_out;            /* ours, from send_rtcp_src */
  guint32 ssrc;
  gint started;                /* atomics: read on the send streaming thread */
  gint bye;

  HollerRtcpSendFunc send_func;
  gpointer user_data;
  HollerRtcpReportFunc report_func;
  gpointer report_data;

  gint sent;                   /* atomics: the RTCP thread counts these */
  guint64 received;
  guint64 malformed;
};

/* Every payload type we receive has a 48 kHz clock: Opus and
 * telephone-event/48000. */
static GstCaps *
on_request_pt_map (GstElement *session, guint pt, gpointer user_data)
{
  return gst_caps_new_simple ("application/x-rtp", "clock-rate", G_TYPE_INT, CLOCK_RATE, NULL);
}

/* The RTCP thread: one compound packet, to SRTCP and the network. */
static GstFlowReturn
on_rtcp_out (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  HollerRtcp *self = gst_pad_get_element_private (pad);
  guint8 packet[MAX_RTCP + RTCP_TRAILER];
  gsize len = gst_buffer_get_size (buffer);

  if (len <= MAX_RTCP)
    {
      gst_buffer_extract (buffer, 0, packet, len);
      g_atomic_int_inc (&self->sent);
      self->send_func (packet, len, sizeof packet, self->user_data);
    }
  gst_buffer_unref (buffer);
  return GST_FLOW_OK;
}

static gboolean
on_rtcp_out_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  gst_event_unref (event);
  return TRUE;
}

static GstPad *
link_source_pad (HollerRtcp *self, const char *name, const char *request)
{
  GstPad *pad = gst_pad_new (name, GST_PAD_SRC);
  g_autoptr(GstPad) sink = gst_element_request_pad_simple (self->session, request);

  if (sink == NULL || gst_pad_link (pad, sink) != GST_PAD_LINK_OK)
    g_clear_object (&pad);
  return pad;
}

/* An RTP output of rtpsession that nobody needs: the packets were copies. */
static gboolean
discard_output (HollerRtcp *self, const char *pad_name)
{
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);

  if (sink == NULL)
    return FALSE;
  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add (GST_BIN (self->pipeline), sink);
  return gst_element_link_pads (self->session, pad_name, sink, "sink");
}

static gboolean
build (HollerRtcp *self, const char *cname)
{
  g_autoptr(GstStructure) sdes = gst_structure_new ("application/x-rtp-source-sdes",
                                                    "cname", G_TYPE_STRING, cname, NULL);
  g_autoptr(GstPad) rtcp_src = NULL;

  self->pipeline = gst_object_ref_sink (gst_pipeline_new ("holler-rtcp"));
  self->session = gst_element_factory_make ("rtpsession", NULL);
  if (self->session == NULL)
    return FALSE;
  gst_bin_add (GST_BIN (self->pipeline), self->session);
  /* one signalled source: no need to wait for two packets in sequence
   * before counting it (the cumulative loss would start off by one) */
  g_object_set (self->session, "sdes", sdes, "probation", 0, NULL);
  g_signal_connect (self->session, "request-pt-map", G_CALLBACK (on_request_pt_map), self);
  self->send_rtp = link_source_pad (self, "rtp-sent", "send_rtp_sink");
  self->recv_rtp = link_source_pad (self, "rtp-received", "recv_rtp_sink");
  self->recv_rtcp = link_source_pad (self, "rtcp-received", "recv_rtcp_sink");
  if (self->send_rtp == NULL || self->recv_rtp == NULL || self->recv_rtcp == NULL
      || !discard_output (self, "send_rtp_src") || !discard_output (self, "recv_rtp_src"))
    return FALSE;
  self->rtcp_out = gst_pad_new ("rtcp-out", GST_PAD_SINK);
  gst_pad_set_element_private (self->rtcp_out, self);
  gst_pad_set_chain_function (self->rtcp_out, on_rtcp_out);
  gst_pad_set_event_function (self->rtcp_out, on_rtcp_out_event);
  rtcp_src = gst_element_request_pad_simple (self->session, "send_rtcp_src");
  return rtcp_src != NULL && gst_pad_link (rtcp_src, self->rtcp_out) == GST_PAD_LINK_OK;
}

HollerRtcp *
holler_rtcp_new (guint32 ssrc, const char *cname, HollerRtcpSendFunc send_func, gpointer user_data,
                 GError **error)
{
  g_autoptr(HollerRtcp) self = g_new0 (HollerRtcp, 1);

  self->ssrc = ssrc;
  self->send_func = send_func;
  self->user_data = user_data;
  if (!build (self, cname != NULL ? cname : "holler"))
    {
      g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_MEDIA,
                           _("Could not set up RTCP (is gstreamer1.0-plugins-good installed?)"));
      return NULL;
    }
  return g_steal_pointer (&self);
}

static void
release_pad (GstPad **pad)
{
  if (*pad == NULL)
    return;
  gst_pad_set_active (*pad, FALSE);
  gst_clear_object (pad);
}

void
holler_rtcp_free (HollerRtcp *self)
{
  if (self == NULL)
    return;
  if (self->pipeline != NULL)
    gst_element_set_state (self->pipeline, GST_STATE_NULL);
  release_pad (&self->send_rtp);
  release_pad (&self->recv_rtp);
  release_pad (&self->recv_rtcp);
  release_pad (&self->rtcp_out);
  gst_clear_object (&self->pipeline);
  g_free (self);
}

static void
start_stream (GstPad *pad, const char *id, GstCaps *caps)
{
  g_autofree char *stream_id = g_strdup_printf ("holler-rtcp-%s-%p", id, (void *) pad);
  GstSegment segment;

  gst_pad_set_active (pad, TRUE);
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_pad_push_event (pad, gst_event_new_stream_start (stream_id));
  gst_pad_push_event (pad, gst_event_new_caps (caps));
  gst_pad_push_event (pad, gst_event_new_segment (&segment));
}

gboolean
holler_rtcp_start (HollerRtcp *self, GError **error)
{
  g_autoptr(GstCaps) sent = gst_caps_new_simple ("application/x-rtp", "clock-rate", G_TYPE_INT, CLOCK_RATE,
                                                 "ssrc", G_TYPE_UINT, self->ssrc, NULL);
  g_autoptr(GstCaps) received = gst_caps_new_simple ("application/x-rtp", "clock-rate", G_TYPE_INT, CLOCK_RATE,
                                                     NULL);
  g_autoptr(GstCaps) rtcp = gst_caps_new_empty_simple ("application/x-rtcp");

  gst_pad_set_active (self->rtcp_out, TRUE);
  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_MEDIA, _("Could not start RTCP"));
      return FALSE;
    }
  start_stream (self->send_rtp, "sent", sent);
  start_stream (self->recv_rtp, "received", received);
  start_stream (self->recv_rtcp, "rtcp", rtcp);
  g_atomic_int_set (&self->started, TRUE);
  return TRUE;
}

/* A copy of @data stamped with the arrival time in this pipeline's running
 * time, which rtpsession reads for jitter and for the SR's timestamps. */
static GstBuffer *
stamped_copy (HollerRtcp *self, const guint8 *data, gsize len)
{
  GstBuffer *buffer = gst_buffer_new_memdup (data, len);
  GstClock *clock = gst_element_get_clock (self->pipeline);

  if (clock != NULL)
    {
      GstClockTime now = gst_clock_get_time (clock);
      GstClockTime base = gst_element_get_base_time (self->pipeline);

      GST_BUFFER_DTS (buffer) = GST_BUFFER_PTS (buffer) = now > base ? now - base : 0;
      gst_object_unref (clock);
    }
  return buffer;
}

void
holler_rtcp_sent_rtp (HollerRtcp *self, const guint8 *data, gsize len)
{
  if (g_atomic_int_get (&self->started) && !g_atomic_int_get (&self->bye))
    gst_pad_push (self->send_rtp, stamped_copy (self, data, len));
}

void
holler_rtcp_received_rtp (HollerRtcp *self, const guint8 *data, gsize len)
{
  if (g_atomic_int_get (&self->started))
    gst_pad_push (self->recv_rtp, stamped_copy (self, data, len));
}

void
holler_rtcp_received (HollerRtcp *self, const guint8 *data, gsize len)
{
  HollerRtcpSummary summary;

  if (!g_atomic_int_get (&self->started))
    return;
  if (!holler_rtcp_parse (data, len, &summary))
    {
      self->malformed++;
      g_debug ("dropped a malformed RTCP packet (%zu bytes)", len);
      return;
    }
  self->received++;
  /* G_MESSAGES_DEBUG=holler-rtcp: the packets as they came (how the test
   * fixtures of other stacks' RTCP were captured) */
  if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    {
      g_autoptr(GString) hex = g_string_new (NULL);

      for (gsize i = 0; i < len; i++)
        g_string_append_printf (hex, "%02x", data[i]);
      g_debug ("received RTCP (%s): %s", summary.cname ? summary.cname : "no cname", hex->str);
    }
  gst_pad_push (self->recv_rtcp, stamped_copy (self, data, len));
  if (summary.has_rb && summary.rb_ssrc == self->ssrc && self->report_func != NULL)
    self->report_func (summary.rb_fraction_lost / 256.0, self->report_data);
  holler_rtcp_summary_clear (&summary);
}

void
holler_rtcp_set_report_func (HollerRtcp *self, HollerRtcpReportFunc func, gpointer user_data)
{
  self->report_func = func;
  self->report_data = user_data;
}

/* rtpsession sends BYE for its sources when their stream ends, at once
 * in a session this small (RFC 3550 §6.3.7). After the send pipeline
 * stopped: nothing pushes on the pad meanwhile. */
void
holler_rtcp_bye (HollerRtcp *self)
{
  if (!g_atomic_int_get (&self->started) || g_atomic_int_get (&self->bye))
    return;
  g_atomic_int_set (&self->bye, TRUE);
  gst_pad_push_event (self->send_rtp, gst_event_new_eos ());
}

void
holler_rtcp_stop (HollerRtcp *self)
{
  g_atomic_int_set (&self->started, FALSE);
  gst_element_set_state (self->pipeline, GST_STATE_NULL);
}

/* The report blocks the peer sent about our SSRC are kept on the peer's
 * source (the RTCP's sender) in rtpsession. */
static gboolean
read_report (GstStructure *source, guint32 ssrc, HollerRtcpStats *stats)
{
  gboolean internal = TRUE, have_rb = FALSE;
  guint rb_ssrc = 0, fraction = 0, rtt = 0;
  gint lost = 0;

  gst_structure_get_boolean (source, "internal", &internal);
  gst_structure_get_boolean (source, "have-rb", &have_rb);
  if (internal || !have_rb || !gst_structure_get_uint (source, "rb-ssrc", &rb_ssrc) || rb_ssrc != ssrc)
    return FALSE;
  gst_structure_get_uint (source, "rb-fractionlost", &fraction);
  gst_structure_get_int (source, "rb-packetslost", &lost);
  gst_structure_get_uint (source, "rb-round-trip", &rtt);
  stats->have_report = TRUE;
  stats->fraction_lost = fraction / 256.0;
  stats->packets_lost = lost;
  /* compact NTP: 1/65536 s; 0 means the peer had no SR of ours yet */
  stats->rtt_ms = rtt > 0 ? rtt * 1000.0 / 65536.0 : -1;
  return TRUE;
}

void
holler_rtcp_get_stats (HollerRtcp *self, HollerRtcpStats *stats)
{
  g_autoptr(GstStructure) session_stats = NULL;
  const GValue *sources;

  memset (stats, 0, sizeof *stats);
  stats->rtt_ms = -1;
  stats->rtcp_sent = (guint) g_atomic_int_get (&self->sent);
  stats->rtcp_received = self->received;
  stats->rtcp_malformed = self->malformed;
  if (self->session == NULL)
    return;
  g_object_get (self->session, "stats", &session_stats, NULL);
  sources = session_stats ? gst_structure_get_value (session_stats, "source-stats") : NULL;
  if (sources == NULL)
    return;
  /* rtpsession hands its sources over as a GValueArray */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  {
    GValueArray *array = G_VALUE_HOLDS (sources, g_value_array_get_type ())
                         ? g_value_get_boxed (sources) : NULL;

    for (guint i = 0; array != NULL && i < array->n_values; i++)
      {
        GstStructure *source = g_value_get_boxed (g_value_array_get_nth (array, i));

        if (source != NULL && read_report (source, self->ssrc, stats))
          break;
      }
  }
  G_GNUC_END_IGNORE_DEPRECATIONS
}
