/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define HOLLER_TYPE_MEDIA_FEED (holler_media_feed_get_type ())
G_DECLARE_FINAL_TYPE (HollerMediaFeed, holler_media_feed, HOLLER, MEDIA_FEED, GObject)

/* Called on a streaming thread with one buffer of S16LE, 48 kHz, mono
 * audio; the callee takes its own reference if it keeps it. */
typedef void (*HollerMediaPcmFunc) (GstBuffer *buffer, gpointer user_data);

/* What an answering service sends: a sequence of sources played one after
 * the other (a greeting, then a file, a tone, silence (no packets at all), or the caller's own
 * voice: "echo"). Each source but echo is a small pipeline ending in an
 * appsink; its buffers go to @func, which feeds the send pipeline. The
 * last step runs until stopped (a file that ends is followed by silence).
 *
 * Signals (main context): "error" (GError *error) */
HollerMediaFeed *holler_media_feed_new (HollerMediaPcmFunc func, gpointer user_data);
/* @spec: an input spec (tone:HZ, file:PATH, pipeline:DESC, default), or
 * "silence" or "echo". */
void     holler_media_feed_append (HollerMediaFeed *self, const char *spec);
gboolean holler_media_feed_start  (HollerMediaFeed *self, GError **error);
void     holler_media_feed_stop   (HollerMediaFeed *self);
/* Thread-safe: whether the step now playing is "echo". */
gboolean holler_media_feed_is_echo (HollerMediaFeed *self);

G_END_DECLS
