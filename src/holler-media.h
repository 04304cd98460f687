/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>
#include <gio/gio.h>

G_BEGIN_DECLS

#define HOLLER_TYPE_MEDIA (holler_media_get_type ())
G_DECLARE_FINAL_TYPE (HollerMedia, holler_media, HOLLER, MEDIA, GObject)

typedef struct {
  guint64 packets_sent;
  guint64 bytes_sent;          /* RTP bytes before protection */
  guint64 packets_received;
  guint64 bytes_received;      /* RTP bytes after unprotection */
  gint64  packets_lost;        /* RFC 3550: expected - received */
  guint64 packets_concealed;   /* lost or too late for the jitter buffer: played as concealment */
  double  jitter_ms;           /* RFC 3550 interarrival jitter */
  guint   jitter_buffer_ms;    /* how long the jitter buffer holds packets now (adaptive) */
  double  tone_hz;             /* dominant frequency of the last analysed second, 0 if silent */
  double  level_db;            /* RMS level of the last analysed second, dBFS */
  guint   seconds_analysed;
  gint64  first_audio_time;    /* g_get_monotonic_time() of the first decoded audio, 0 if none */
  double  input_level_db;      /* RMS of the last 100 ms we sent (after mute, before the encoder),
                                * dBFS; HOLLER_MEDIA_LEVEL_SILENT before any */
  double  output_level_db;     /* RMS of the last 100 ms of decoded received audio, dBFS */
  /* RTCP: what the peer reports about our stream (RFC 3550 report blocks) */
  gboolean have_remote_report; /* FALSE until the peer sent one (or if it sends no RTCP) */
  double  rtt_ms;              /* round-trip time from LSR/DLSR, < 0 when not known */
  double  remote_fraction_lost;/* 0..1, the peer's last report */
  gint64  remote_packets_lost; /* cumulative, as the peer counts it */
  guint64 rtcp_sent;
  guint64 rtcp_received;
  guint64 rtcp_malformed;      /* dropped unread */
} HollerMediaStats;

/* The level reported for digital silence and before any audio, dBFS */
#define HOLLER_MEDIA_LEVEL_SILENT (-120.0)

/* Called on a GStreamer streaming thread with one RTP packet in a writable
 * buffer of buf_size bytes (room for the SRTP trailer). */
typedef void (*HollerMediaRtpFunc) (guint8 *buf, gsize len, gsize buf_size, gpointer user_data);

/* Check a --input / --output value without building anything (exit 2 paths). */
gboolean holler_media_validate_input  (const char *spec, GError **error);
gboolean holler_media_validate_output (const char *spec, GError **error);
/* "default" or "device:NAME": a microphone, which gets echo cancellation and
 * noise suppression (webrtcdsp) when those elements are installed; the
 * "raw:" prefix ("raw:default", "raw:device:NAME") leaves them out. */
gboolean holler_media_input_is_device (const char *spec);
gboolean holler_media_echo_cancel_available (void);
/* Check that the GStreamer elements we need are installed. */
gboolean holler_media_check_plugins   (GError **error);

/* Signals (all on the main context):
 *   "first-audio" ()                      the first decoded remote audio
 *   "level"       (double tone_hz, double level_db)  once a second
 *   "error"       (GError *error)
 *   "recording-failed" (GError *error)  an ogg: output could not be
 *                     written (disk full, …): recording stopped, audio
 *                     goes on
 *   "encoder-adapted" (double fraction_lost, guint loss_percent, gboolean fec, guint bitrate)
 *                 the peer's reported loss changed the Opus encoder's settings
 *                 (holler-opus-adapt.h)
 */
/* @input: tone:HZ, file:PATH, pipeline:DESC, default, silence or echo
 * (the decoded remote audio sent back); @greeting: a file played first,
 * or NULL; @output: file:PATH.wav, ogg:PATH.ogg (Ogg Opus), null, default */
/* @dtmf_pt: the negotiated telephone-event/48000 PT, 0 for none (then
 * holler_media_send_dtmf() fails) */
HollerMedia *holler_media_new (const char *input, const char *greeting, const char *output, guint opus_pt,
                               guint dtmf_pt, HollerMediaRtpFunc rtp_func, gpointer user_data,
                               GError **error);
/* Before start: the jitter buffer's bounds (holler-jitter.h); min == max
 * fixes it. Default: adaptive from HOLLER_JITTER_MIN_MS. */
void     holler_media_set_jitter_buffer (HollerMedia *self, guint min_ms, guint max_ms);
/* Before start: send as @ssrc (0: a random one) and, when @mid_ext_id is
 * not 0, with @mid in the RFC 8843 header extension of that id; and RTCP
 * (holler-rtcp.h) for it with @cname, handed to the RTP function (tell
 * RTCP apart by its packet type, 192-223). Without it: no RTCP. */
gboolean holler_media_set_stream (HollerMedia *self, guint32 ssrc, const char *cname, const char *mid,
                                  guint mid_ext_id, GError **error);
gboolean holler_media_start (HollerMedia *self, GError **error);
/* Decrypted RTP from the network, on the main context. */
void     holler_media_push_rtp (HollerMedia *self, const guint8 *data, gsize len);
/* Decrypted RTCP from the network, on the main context; malformed packets
 * are dropped and counted. */
void     holler_media_push_rtcp (HollerMedia *self, const guint8 *data, gsize len);
/* A received packet that is not audio (telephone-event): counted in the
 * receive statistics (loss, jitter), not decoded. */
void     holler_media_count_rtp (HollerMedia *self, const guint8 *data, gsize len);
/* Queues RFC 4733 telephone-events for @digits (0-9 * # A-D), sent in the
 * audio's RTP stream one after another (see holler-dtmf.h for the timing);
 * HOLLER_ERROR_MEDIA when no telephone-event PT was given, USAGE for bad
 * digits. Main context. */
gboolean holler_media_send_dtmf (HollerMedia *self, const char *digits, GError **error);
void     holler_media_set_muted (HollerMedia *self, gboolean muted);
/* Main context (the receive statistics are kept there). */
void     holler_media_get_stats (HollerMedia *self, HollerMediaStats *stats);
/* Ends the streams so files are finalised (WAV header sizes written). */
void     holler_media_stop_async  (HollerMedia *self, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
gboolean holler_media_stop_finish (HollerMedia *self, GAsyncResult *result, GError **error);

G_END_DECLS
