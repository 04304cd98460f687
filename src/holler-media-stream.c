/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Our RTP stream's identity on the send pipeline: the SSRC the SDP
 * announced (a=ssrc), on the payloader and on rtpdtmfmux (which would
 * otherwise pick one of its own), and the MID in the RTP header extension
 * of RFC 8843 when the peer agreed to it (a=extmap). A stack that routes
 * by SSRC or MID finds our packets with either. */
#define G_LOG_DOMAIN "holler-media"

#include "config.h"
#include <glib/gi18n.h>
#include <gst/rtp/rtp.h>
#include "holler-media-private.h"
#include "holler-sdp.h"
#include "holler-error.h"
#include "holler-rtcp.h"
#include "holler-ogg-opus.h"

gboolean
holler_media_stream_configure (GstElement *send_pipeline, guint32 ssrc, const char *mid, guint mid_ext_id,
                               GError **error)
{
  g_autoptr(GstElement) pay = gst_bin_get_by_name (GST_BIN (send_pipeline), "pay");
  g_autoptr(GstElement) mux = gst_bin_get_by_name (GST_BIN (send_pipeline), "dtmfmux");
  g_autoptr(GstRTPHeaderExtension) ext = NULL;

  g_return_val_if_fail (pay != NULL, FALSE);
  if (ssrc != 0)
    {
      g_object_set (pay, "ssrc", ssrc, NULL);
      if (mux != NULL)
        g_object_set (mux, "ssrc", ssrc, NULL);
    }
  if (mid_ext_id == 0 || mid == NULL)
    return TRUE;
  ext = gst_rtp_header_extension_create_from_uri (HOLLER_SDP_MID_EXTENSION);
  if (ext == NULL)
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_MEDIA,
                   _("Missing GStreamer element for the RTP header extension %s (install "
                     "gstreamer1.0-plugins-good)"), HOLLER_SDP_MID_EXTENSION);
      return FALSE;
    }
  gst_rtp_header_extension_set_id (ext, mid_ext_id);
  g_object_set (ext, "mid", mid, NULL);
  /* auto-header-extension would look for extmap-N in downstream caps;
   * our appsink has none, so the payloader is told directly */
  g_signal_emit_by_name (pay, "add-extension", ext);
  return TRUE;
}

void
holler_media_stats_add_rtcp (HollerMediaStats *stats, HollerRtcp *rtcp)
{
  HollerRtcpStats r = { .rtt_ms = -1 };

  if (rtcp != NULL)
    holler_rtcp_get_stats (rtcp, &r);
  stats->have_remote_report = r.have_report;
  stats->rtt_ms = r.rtt_ms;
  stats->remote_fraction_lost = r.fraction_lost;
  stats->remote_packets_lost = r.packets_lost;
  stats->rtcp_sent = r.rtcp_sent;
  stats->rtcp_received = r.rtcp_received;
  stats->rtcp_malformed = r.rtcp_malformed;
}

/* Streaming thread: each packet's time is the sum of the durations before
 * it, from the packets themselves. oggdemux stamps a file's packets from
 * its granule positions, so the first one comes out shortened by the
 * pre-skip and RTP timestamps would overlap by that much. */
static GstPadProbeReturn
on_file_packet (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  guint64 *next = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;
  guint samples = 0;

  if (buffer != NULL && gst_buffer_map (buffer, &map, GST_MAP_READ))
    {
      samples = holler_opus_packet_samples (map.data, map.size);
      gst_buffer_unmap (buffer, &map);
    }
  if (samples == 0)
    return GST_PAD_PROBE_OK;
  buffer = gst_buffer_make_writable (buffer);
  GST_BUFFER_PTS (buffer) = gst_util_uint64_scale (*next, GST_SECOND, 48000);
  GST_BUFFER_DURATION (buffer) = gst_util_uint64_scale (samples, GST_SECOND, 48000);
  *next += samples;
  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  return GST_PAD_PROBE_OK;
}

void
holler_media_stream_stamp_file_packets (GstElement *send_pipeline)
{
  g_autoptr(GstElement) pay = gst_bin_get_by_name (GST_BIN (send_pipeline), "pay");
  g_autoptr(GstPad) sink = gst_element_get_static_pad (pay, "sink");

  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER, on_file_packet, g_new0 (guint64, 1), g_free);
}
