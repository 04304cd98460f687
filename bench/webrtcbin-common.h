/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What webrtcbin-peer and webrtcbin-pairs share: the same media settings
 * as src/holler-media.c and the same ICE restrictions. */
#pragma once

#include <gst/gst.h>

#define OPUS_PT 111
#define SAMPLE_RATE 48000

/* webrtcbin named "webrtc" fed by @source (a gst-launch fragment) through
 * the Opus encoder at holler's settings: 48 kHz mono, 32 kb/s, 20 ms
 * frames, in-band FEC, PT 111; jitter buffer 60 ms, max-bundle. */
char *bench_webrtc_send_description (const char *source);
/* Depayloader, Opus decoder (PLC, FEC), S16LE 48 kHz mono, an identity
 * named "meter" and then @sink. */
char *bench_webrtc_receive_description (const char *sink);
/* Only @addresses (NULL-terminated), no UPnP, no ICE-TCP: webrtcbin
 * creates its libnice agent with the element, so call this before anything
 * gathers. */
gboolean bench_webrtc_restrict_ice (GstElement *webrtc, const char *const *addresses, GError **error);
/* Tells the transceiver its codec up front, so webrtcbin can offer or
 * answer before the first buffer has given its sink pad caps. */
gboolean bench_webrtc_set_codec_preferences (GstElement *webrtc, GError **error);
