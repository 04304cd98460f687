/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* RTCP packets from the peer, checked and summarised with GstRTCPBuffer:
 * a pure function (no session state) in front of rtpsession, so a
 * malformed packet is dropped and counted before anything else reads it,
 * and so the tests and the fuzzer can reach the parser alone. */
#define G_LOG_DOMAIN "holler-rtcp"

#include "config.h"
#include <string.h>
#include <gst/rtp/rtp.h>
#include "holler-rtcp.h"

#define HEADER 4
#define SENDER_INFO 20   /* NTP, RTP timestamp, packet and octet counts */
#define REPORT_BLOCK 24

void
holler_rtcp_summary_clear (HollerRtcpSummary *summary)
{
  g_clear_pointer (&summary->cname, g_free);
  memset (summary, 0, sizeof *summary);
}

/* The packet's length in bytes as its header says (validated to fit). */
static guint
packet_bytes (GstRTCPPacket *packet)
{
  return (gst_rtcp_packet_get_length (packet) + 1) * 4;
}

/* The first report block, when the packet is long enough to hold it: the
 * count field alone is not checked against the length by the validation. */
static void
take_report_block (GstRTCPPacket *packet, guint fixed, HollerRtcpSummary *s)
{
  guint32 highest_seq, jitter;

  if (s->has_rb || gst_rtcp_packet_get_rb_count (packet) == 0
      || packet_bytes (packet) < fixed + REPORT_BLOCK)
    return;
  gst_rtcp_packet_get_rb (packet, 0, &s->rb_ssrc, &s->rb_fraction_lost, &s->rb_packets_lost,
                          &highest_seq, &jitter, &s->rb_lsr, &s->rb_dlsr);
  s->has_rb = TRUE;
}

static void
take_sender_report (GstRTCPPacket *packet, HollerRtcpSummary *s)
{
  guint32 ssrc;

  if (s->has_sr || packet_bytes (packet) < HEADER + 4 + SENDER_INFO)
    return;
  gst_rtcp_packet_sr_get_sender_info (packet, &ssrc, &s->sr_ntp, &s->sr_rtp, &s->sr_packets, &s->sr_octets);
  if (s->sender_ssrc == 0)
    s->sender_ssrc = ssrc;
  s->has_sr = TRUE;
  take_report_block (packet, HEADER + 4 + SENDER_INFO, s);
}

static void
take_receiver_report (GstRTCPPacket *packet, HollerRtcpSummary *s)
{
  if (packet_bytes (packet) < HEADER + 4)
    return;
  if (s->sender_ssrc == 0)
    s->sender_ssrc = gst_rtcp_packet_rr_get_ssrc (packet);
  take_report_block (packet, HEADER + 4, s);
}

/* GstRTCPBuffer hands out an SDES entry's length as the packet says it,
 * without checking it against the packet (found by fuzz-rtcp): every
 * entry must lie inside its packet, or the whole compound packet is
 * refused, so neither we nor rtpsession read past it. The first CNAME is
 * kept. */
static gboolean
check_sdes (GstRTCPBuffer *rtcp, GstRTCPPacket *packet, HollerRtcpSummary *s)
{
  const guint8 *start = rtcp->map.data + packet->offset;
  const guint8 *end = start + packet_bytes (packet);
  gboolean more_items;

  for (more_items = gst_rtcp_packet_sdes_first_item (packet); more_items;
       more_items = gst_rtcp_packet_sdes_next_item (packet))
    {
      gboolean more_entries;

      for (more_entries = gst_rtcp_packet_sdes_first_entry (packet); more_entries;
           more_entries = gst_rtcp_packet_sdes_next_entry (packet))
        {
          GstRTCPSDESType type;
          guint8 len;
          guint8 *data;

          if (!gst_rtcp_packet_sdes_get_entry (packet, &type, &len, &data))
            continue;
          if (data < start || data + len > end)
            return FALSE;
          if (type == GST_RTCP_SDES_CNAME && len > 0 && s->cname == NULL)
            s->cname = g_strndup ((const char *) data, len);
        }
    }
  return TRUE;
}

gboolean
holler_rtcp_parse (const guint8 *data, gsize len, HollerRtcpSummary *summary)
{
  g_autoptr(GstBuffer) buffer = NULL;
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  GstRTCPPacket packet;
  gboolean more, sane = TRUE;

  memset (summary, 0, sizeof *summary);
  if (data == NULL || len < 8 || len > G_MAXUINT16
      || !gst_rtcp_buffer_validate_data_reduced ((guint8 *) data, (guint) len))
    return FALSE;
  buffer = gst_buffer_new_wrapped_full (GST_MEMORY_FLAG_READONLY, (gpointer) data, len, 0, len, NULL, NULL);
  if (!gst_rtcp_buffer_map (buffer, GST_MAP_READ, &rtcp))
    return FALSE;
  for (more = gst_rtcp_buffer_get_first_packet (&rtcp, &packet); more && sane;
       more = gst_rtcp_packet_move_to_next (&packet))
    {
      summary->n_packets++;
      switch (gst_rtcp_packet_get_type (&packet))
        {
        case GST_RTCP_TYPE_SR: take_sender_report (&packet, summary); break;
        case GST_RTCP_TYPE_RR: take_receiver_report (&packet, summary); break;
        case GST_RTCP_TYPE_SDES: sane = check_sdes (&rtcp, &packet, summary); break;
        case GST_RTCP_TYPE_BYE: summary->has_bye = TRUE; break;
        default: break;
        }
    }
  gst_rtcp_buffer_unmap (&rtcp);
  if (sane && summary->n_packets > 0)
    return TRUE;
  holler_rtcp_summary_clear (summary);
  return FALSE;
}
