/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the media files only. */
#pragma once

#include <glib.h>
#include <gst/gst.h>
#include "holler-media.h"
#include "holler-devices.h"

G_BEGIN_DECLS

/* The gst-launch description of an input spec's source; @live is FALSE
 * for files, which must be paced by their sink. */
char *holler_media_input_description (const char *spec, gboolean *live);
/* The description of an output spec's sink; NULL for device:NAME, whose
 * element is made from its GstDevice. */
char *holler_media_output_description (const char *spec);
/* Puts the element of a device:NAME spec into @pipeline, linked before
 * (an input) or after (an output) the element called @anchor. */
gboolean holler_media_add_device_element (GstElement *pipeline, HollerDeviceKind kind, const char *name,
                                          const char *anchor, GError **error);
/* TRUE if @path starts as an Ogg Opus file does (its packets can be sent
 * as they are, like an opus: input) */
gboolean holler_media_file_is_ogg_opus (const char *path);
/* @path double-quoted for a gst-launch description */
char *holler_media_quote_path (const char *path);

/* holler-media-receive.c: received RTP into the jitter buffer, receive
 * statistics and the adaptive jitter buffer; main context only. */
typedef struct _HollerRtpReceiver HollerRtpReceiver;

/* NULL if @jitterbuffer's sink cannot be linked; @pipeline is borrowed */
HollerRtpReceiver *holler_rtp_receiver_new (GstElement *pipeline, GstElement *jitterbuffer, guint opus_pt);
void holler_rtp_receiver_free       (HollerRtpReceiver *r);
/* Before start; min == max fixes the jitter buffer */
void holler_rtp_receiver_set_bounds (HollerRtpReceiver *r, guint min_ms, guint max_ms);
/* Once the pipeline plays */
void holler_rtp_receiver_start      (HollerRtpReceiver *r);
/* Audio: counted and pushed. Telephone-events: counted only. */
void holler_rtp_receiver_push       (HollerRtpReceiver *r, const guint8 *data, gsize len);
void holler_rtp_receiver_count      (HollerRtpReceiver *r, const guint8 *data, gsize len);
void holler_rtp_receiver_end        (HollerRtpReceiver *r);
/* Fills the receive fields of @stats (packets and bytes received, lost,
 * concealed, jitter, the jitter buffer's length) */
void holler_rtp_receiver_get_stats  (HollerRtpReceiver *r, HollerMediaStats *stats);

/* holler-media-record.c: an ogg: recording of the received Opus packets
 * as they are; a failed write stops the recording, never the pipeline. */
typedef struct _HollerRecorder HollerRecorder;

/* Called once, on a streaming thread, with the error (owned by the callee) */
typedef void (*HollerRecorderFailedFunc) (GError *error, gpointer user_data);

/* Records the packets of PT @opus_pt that leave @rtp_pad (the jitter
 * buffer's source pad; borrowed). Creates @path at once; if that fails the
 * recorder drops everything and holler_recorder_take_open_error() says
 * why. */
HollerRecorder *holler_recorder_new (GstPad *rtp_pad, guint opus_pt, const char *path,
                                     HollerRecorderFailedFunc func, gpointer user_data);
GError *holler_recorder_take_open_error (HollerRecorder *r);
/* Once the pipeline is in NULL */
void    holler_recorder_free (HollerRecorder *r);

/* holler-media-prompt.c: @path's audio as Ogg Opus, encoded once per
 * process on a thread of its own; NULL while that runs (the first call
 * starts it) or if it cannot be done. */
GBytes *holler_media_prompt_lookup (const char *path);
/* The answering service's usual call, a greeting followed by silence,
 * needs no encoder: an Ogg Opus greeting is sent from its file (*@input
 * becomes opus:PATH, returned to be freed), any other one from its
 * encoding once per process (*@prompt, when ready). *@greeting is then
 * NULL. Otherwise nothing changes. */
char *holler_media_prompt_plan (const char **input, const char **greeting, GBytes **prompt);
/* The Ogg Opus bytes of @prompt into the appsrc "oggin" of a send
 * pipeline made by holler_media_send_packets_description() */
void  holler_media_prompt_push (GstElement *send_pipeline, GBytes *prompt);

/* holler-media-spec.c: the gst-launch descriptions of a call's two
 * pipelines. The send side ends in an appsink "rtpout" (with "pay", and
 * "dtmfsrc" when @dtmf_pt is not 0; "pcmin" when @feed, "mute" and "enc"
 * unless the input is opus:); the receive side starts at the jitter buffer
 * "jbuf" and has "meter" after the decoder unless @output is discard.
 * @probe_name: the webrtcechoprobe's name, NULL for none; @dsp: the
 * echo-cancelling chain before the encoder, or NULL. */
char *holler_media_send_description (const char *input, gboolean feed, const char *dsp, guint opus_pt,
                                     guint dtmf_pt);
char *holler_media_receive_description (const char *output, const char *probe_name);
/* A send pipeline without an encoder: the Opus packets of the Ogg Opus
 * bytes from @source (a gst-launch source description) */
char *holler_media_send_packets_description (const char *source, guint opus_pt, guint dtmf_pt);

/* holler-media-stream.c: the payloader (named "pay") and rtpdtmfmux send
 * as @ssrc (0: their own), with the MID header extension as @mid_ext_id
 * when it is not 0. Before the pipeline plays. */
gboolean holler_media_stream_configure (GstElement *send_pipeline, guint32 ssrc, const char *mid,
                                        guint mid_ext_id, GError **error);

/* holler-media-stream.c: an Ogg Opus file's packets (opus: input, no
 * encoder) stamped with their own durations on the way to the payloader */
void holler_media_stream_stamp_file_packets (GstElement *send_pipeline);

/* holler-media-stream.c: the RTCP fields of @stats from @rtcp (may be
 * NULL: nothing known) */
struct _HollerRtcp;
void holler_media_stats_add_rtcp (HollerMediaStats *stats, struct _HollerRtcp *rtcp);

G_END_DECLS
