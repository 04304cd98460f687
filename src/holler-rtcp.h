/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <gst/gst.h>

G_BEGIN_DECLS

/* What one compound RTCP packet says (RFC 3550 §6), from
 * holler_rtcp_parse(): pure, for the checks before rtpsession sees a
 * packet, the tests and the fuzzer. */
typedef struct {
  guint n_packets;             /* RTCP packets in the compound packet */
  gboolean has_sr;
  guint32 sender_ssrc;         /* of the first SR or RR */
  guint64 sr_ntp;              /* the SR's NTP timestamp */
  guint32 sr_rtp;
  guint32 sr_packets;
  guint32 sr_octets;
  gboolean has_rb;             /* a report block (the first one) */
  guint32 rb_ssrc;             /* the source it is about */
  guint8 rb_fraction_lost;     /* out of 256 */
  gint32 rb_packets_lost;
  guint32 rb_lsr;
  guint32 rb_dlsr;
  gboolean has_bye;
  char *cname;                 /* the first SDES CNAME, NULL without */
} HollerRtcpSummary;

void holler_rtcp_summary_clear (HollerRtcpSummary *summary);

/* FALSE for anything that is not a valid RTCP packet (compound, or
 * reduced-size as RFC 5506 allows); never reads past @len. */
gboolean holler_rtcp_parse (const guint8 *data, gsize len, HollerRtcpSummary *summary);

/* What the peer reports about our stream, and counts */
typedef struct {
  gboolean have_report;        /* the peer sent a report block about our SSRC */
  double rtt_ms;               /* from LSR/DLSR (RFC 3550 §6.4.1); < 0 when not known */
  double fraction_lost;        /* 0..1, the last report's */
  gint64 packets_lost;         /* cumulative, as the peer counts it */
  guint64 rtcp_sent;
  guint64 rtcp_received;
  guint64 rtcp_malformed;      /* dropped before rtpsession */
} HollerRtcpStats;

/* RTCP for one call's one audio stream, with GStreamer's rtpsession
 * (SR/RR at the RFC 3550 interval, SDES CNAME, BYE, RTT): it sees a copy
 * of every RTP packet sent and received, and the RTCP received; the RTCP
 * it makes goes to @send_func on its own thread. */
typedef struct _HollerRtcp HollerRtcp;

/* @data is writable, @buf_size bytes long (room for the SRTCP trailer) */
typedef void (*HollerRtcpSendFunc) (guint8 *data, gsize len, gsize buf_size, gpointer user_data);

HollerRtcp *holler_rtcp_new  (guint32 ssrc, const char *cname, HollerRtcpSendFunc send_func, gpointer user_data,
                              GError **error);
void        holler_rtcp_free (HollerRtcp *rtcp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HollerRtcp, holler_rtcp_free)

gboolean holler_rtcp_start (HollerRtcp *rtcp, GError **error);
/* any thread: a copy of an RTP packet we send */
void     holler_rtcp_sent_rtp     (HollerRtcp *rtcp, const guint8 *data, gsize len);
/* main context: RTP and RTCP received, after SRTP */
void     holler_rtcp_received_rtp (HollerRtcp *rtcp, const guint8 *data, gsize len);
void     holler_rtcp_received     (HollerRtcp *rtcp, const guint8 *data, gsize len);
/* BYE for our source (sent within a few ms, RFC 3550 §6.3.7) */
void     holler_rtcp_bye          (HollerRtcp *rtcp);
/* Main context: called for each report block the peer sends about our
 * stream, with its fraction lost (0..1) */
typedef void (*HollerRtcpReportFunc) (double fraction_lost, gpointer user_data);
void     holler_rtcp_set_report_func (HollerRtcp *rtcp, HollerRtcpReportFunc func, gpointer user_data);
/* Stops sending and its thread; the statistics stay readable */
void     holler_rtcp_stop         (HollerRtcp *rtcp);
void     holler_rtcp_get_stats    (HollerRtcp *rtcp, HollerRtcpStats *stats);

G_END_DECLS
