/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The receive side's front: decrypted RTP into the jitter buffer, the
 * receive statistics (RFC 3550 loss and jitter) and the adaptive jitter
 * buffer (holler-jitter.h) that follows them. Main context only. */
#define G_LOG_DOMAIN "holler-media"

#include "config.h"
#include <math.h>
#include "holler-media-private.h"
#include "holler-jitter.h"

#define SAMPLE_RATE 48000
#define JITTER_CHECK_US (500 * 1000)

struct _HollerRtpReceiver
{
  GstElement *pipeline;        /* borrowed: the media's receive pipeline */
  GstElement *jitterbuffer;
  GstPad *pad;                 /* ours, linked to the jitter buffer's sink */
  guint opus_pt;

  guint64 packets;
  guint64 bytes;
  gboolean have_seq;
  guint16 max_seq;
  guint32 cycles;
  guint32 base_seq;
  gboolean have_transit;
  gint64 last_transit;
  double jitter;               /* in RTP timestamp units */

  HollerJitterControl control;
  gint64 next_check;
};

/* Answers the jitter buffer's upstream queries as a live source would: no
 * latency of our own. Without it the latency query fails, the sinks get
 * none, and a clock-synced sink (pulsesink) drops every buffer as late. */
static gboolean
pad_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  if (GST_QUERY_TYPE (query) == GST_QUERY_LATENCY)
    {
      gst_query_set_latency (query, TRUE, 0, 0);
      return TRUE;
    }
  return gst_pad_query_default (pad, parent, query);
}

/* The receive pipeline starts at the jitter buffer. An appsrc in front of
 * it would add a thread and a hand-over per packet (main loop → appsrc's
 * queue → its streaming thread → jitter buffer); the jitter buffer's chain
 * only stores the packet and wakes its own thread, so the main context
 * calls it directly through a pad of our own. */
HollerRtpReceiver *
holler_rtp_receiver_new (GstElement *pipeline, GstElement *jitterbuffer, guint opus_pt)
{
  HollerRtpReceiver *r = g_new0 (HollerRtpReceiver, 1);
  g_autoptr(GstPad) sink = gst_element_get_static_pad (jitterbuffer, "sink");

  r->pipeline = pipeline;
  r->jitterbuffer = gst_object_ref (jitterbuffer);
  r->opus_pt = opus_pt;
  r->pad = gst_pad_new ("rtpin", GST_PAD_SRC);
  gst_pad_set_query_function (r->pad, pad_query);
  if (sink == NULL || gst_pad_link (r->pad, sink) != GST_PAD_LINK_OK)
    {
      holler_rtp_receiver_free (r);
      return NULL;
    }
  holler_rtp_receiver_set_bounds (r, HOLLER_JITTER_MIN_MS, HOLLER_JITTER_MAX_MS);
  return r;
}

void
holler_rtp_receiver_free (HollerRtpReceiver *r)
{
  g_autoptr(GstPad) peer = NULL;

  if (r == NULL)
    return;
  peer = gst_pad_get_peer (r->pad);
  gst_pad_set_active (r->pad, FALSE);
  if (peer != NULL)
    gst_pad_unlink (r->pad, peer);
  gst_object_unref (r->pad);
  gst_object_unref (r->jitterbuffer);
  g_free (r);
}

void
holler_rtp_receiver_set_bounds (HollerRtpReceiver *r, guint min_ms, guint max_ms)
{
  holler_jitter_control_init (&r->control, min_ms, max_ms, g_get_monotonic_time ());
  g_object_set (r->jitterbuffer, "latency", r->control.latency_ms, NULL);
}

/* After the pipeline is playing: the events an appsrc would send first.
 * sprop-stereo=0 gets mono straight from the decoder: without it Opus RTP
 * counts as stereo (RFC 7587), opusdec decodes two channels and
 * audioconvert mixes them down again, every packet; we play mono anyway,
 * and libopus downmixes a stereo stream itself. */
void
holler_rtp_receiver_start (HollerRtpReceiver *r)
{
  g_autofree char *stream_id = g_strdup_printf ("holler-rtp-%p", (void *) r);
  g_autoptr(GstCaps) caps = gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "audio",
                                                 "clock-rate", G_TYPE_INT, SAMPLE_RATE,
                                                 "encoding-name", G_TYPE_STRING, "OPUS",
                                                 "payload", G_TYPE_INT, (int) r->opus_pt,
                                                 "sprop-stereo", G_TYPE_STRING, "0", NULL);
  GstSegment segment;

  r->next_check = g_get_monotonic_time () + JITTER_CHECK_US;
  gst_pad_set_active (r->pad, TRUE);
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_pad_push_event (r->pad, gst_event_new_stream_start (stream_id));
  gst_pad_push_event (r->pad, gst_event_new_caps (caps));
  gst_pad_push_event (r->pad, gst_event_new_segment (&segment));
}

/* @timed: the packet's RTP timestamp is its sampling time. Not for
 * telephone-events, whose packets all carry their event's start (RFC 4733
 * §2.3.1): they count for loss but not for jitter. */
static void
update_stats (HollerRtpReceiver *r, const guint8 *data, gsize len, gboolean timed)
{
  guint16 seq = (data[2] << 8) | data[3];
  guint32 ts = ((guint32) data[4] << 24) | (data[5] << 16) | (data[6] << 8) | data[7];
  gint64 arrival = g_get_monotonic_time () * (SAMPLE_RATE / 1000) / 1000;
  gint64 transit = arrival - (gint64) ts;

  if (!r->have_seq)
    {
      r->have_seq = TRUE;
      r->max_seq = seq;
      r->base_seq = seq;
    }
  else if ((guint16) (seq - r->max_seq) < 0x8000)
    {
      if (seq < r->max_seq)
        r->cycles += 0x10000;   /* wrapped */
      r->max_seq = seq;
    }
  r->packets++;
  r->bytes += len;

  /* RFC 3550 A.8 */
  if (timed && r->have_transit)
    {
      gint64 d = transit - r->last_transit;
      r->jitter += (fabs ((double) d) - r->jitter) / 16.0;
    }
  if (timed)
    {
      r->have_transit = TRUE;
      r->last_transit = transit;
    }
}

/* Every 0.5 s of received audio: let the jitter buffer follow the path.
 * "late" counts packets that came after their play-out deadline; lost ones
 * that never came are the FEC's and PLC's business. */
static void
adapt_jitter_buffer (HollerRtpReceiver *r)
{
  g_autoptr(GstStructure) jb = NULL;
  gint64 now = g_get_monotonic_time ();
  guint64 late = 0;

  if (now < r->next_check || r->control.min_ms == r->control.max_ms)
    return;
  r->next_check = now + JITTER_CHECK_US;
  g_object_get (r->jitterbuffer, "stats", &jb, NULL);
  if (jb == NULL || !gst_structure_get_uint64 (jb, "num-late", &late))
    return;
  if (!holler_jitter_control_update (&r->control, r->jitter / (SAMPLE_RATE / 1000.0), late, now))
    return;
  g_debug ("jitter buffer %u ms (jitter %.1f ms, %" G_GUINT64_FORMAT " late)",
           r->control.latency_ms, r->jitter / (SAMPLE_RATE / 1000.0), late);
  g_object_set (r->jitterbuffer, "latency", r->control.latency_ms, NULL);
}

void
holler_rtp_receiver_count (HollerRtpReceiver *r, const guint8 *data, gsize len)
{
  update_stats (r, data, len, FALSE);
}

void
holler_rtp_receiver_push (HollerRtpReceiver *r, const guint8 *data, gsize len)
{
  GstBuffer *buffer = gst_buffer_new_memdup (data, len);
  GstClock *clock = gst_element_get_clock (r->pipeline);

  update_stats (r, data, len, TRUE);
  adapt_jitter_buffer (r);
  /* the arrival time, in the pipeline's running time, is what the jitter
   * buffer schedules by (appsrc's do-timestamp did the same) */
  if (clock != NULL)
    {
      GstClockTime now = gst_clock_get_time (clock);
      GstClockTime base = gst_element_get_base_time (r->pipeline);

      GST_BUFFER_DTS (buffer) = GST_BUFFER_PTS (buffer) = now > base ? now - base : 0;
      gst_object_unref (clock);
    }
  gst_pad_push (r->pad, buffer);
}

void
holler_rtp_receiver_end (HollerRtpReceiver *r)
{
  gst_pad_push_event (r->pad, gst_event_new_eos ());
}

void
holler_rtp_receiver_get_stats (HollerRtpReceiver *r, HollerMediaStats *stats)
{
  g_autoptr(GstStructure) jb = NULL;
  guint64 lost = 0, late = 0;
  guint64 expected = (guint64) r->cycles + r->max_seq - r->base_seq + 1;

  stats->packets_received = r->packets;
  stats->bytes_received = r->bytes;
  stats->packets_lost = r->have_seq ? (gint64) expected - (gint64) r->packets : 0;
  stats->jitter_ms = r->jitter / (SAMPLE_RATE / 1000.0);
  stats->jitter_buffer_ms = r->control.latency_ms;
  /* what the decoder had to conceal: never arrived, or arrived too late */
  g_object_get (r->jitterbuffer, "stats", &jb, NULL);
  if (jb != NULL && gst_structure_get_uint64 (jb, "num-lost", &lost) && gst_structure_get_uint64 (jb, "num-late", &late))
    stats->packets_concealed = lost + late;
}
