/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Ogg Opus (RFC 7845) from Opus packets as they were received: no
 * decoding, no encoding. Pure: bytes in, whole Ogg pages out. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A page is ended once it holds this much audio (48 kHz samples), or its
 * first packet came this long ago: a killed process loses at most that. */
#define HOLLER_OGG_OPUS_PAGE_SAMPLES 24000
#define HOLLER_OGG_OPUS_PAGE_US (500 * 1000)
/* A jump in the RTP timestamps longer than this is not filled (a broken
 * or restarted sender); the recording goes on without the gap. */
#define HOLLER_OGG_OPUS_MAX_GAP_SAMPLES (48000 * 300)

/* Samples at 48 kHz in one Opus packet, from its TOC byte (RFC 6716
 * §3.1); 0 if it is not a valid packet. */
guint holler_opus_packet_samples (const guint8 *packet, gsize len);

typedef struct _HollerOggOpus HollerOggOpus;

HollerOggOpus *holler_ogg_opus_new  (guint32 serial);
void           holler_ogg_opus_free (HollerOggOpus *o);

/* One received packet whose first sample has RTP timestamp @rtp_ts
 * (48 kHz clock). The first packet writes the headers first (OpusHead
 * with its channel count, OpusTags). A forward gap in the timestamps
 * (loss, the sender's DTX, a telephone-event that replaced audio) is
 * filled with packets of zero-length frames, which ask the player's
 * decoder for concealment (RFC 7845 §4.1). Whole pages that are done are
 * appended to @out. @now_us: a monotonic time, for the page age. FALSE:
 * not an Opus packet, dropped. */
gboolean holler_ogg_opus_add   (HollerOggOpus *o, const guint8 *packet, gsize len, guint32 rtp_ts,
                                gint64 now_us, GByteArray *out);
/* Ends the page being built if its first packet is HOLLER_OGG_OPUS_PAGE_US
 * old (for a caller that goes quiet) */
void     holler_ogg_opus_tick  (HollerOggOpus *o, gint64 now_us, GByteArray *out);
/* Ends the page being built, with the end-of-stream flag when @eos (an
 * empty page if none is being built); after that nothing is added */
void     holler_ogg_opus_flush (HollerOggOpus *o, gboolean eos, GByteArray *out);
/* Samples written so far (the last granule position) */
guint64  holler_ogg_opus_get_samples (HollerOggOpus *o);

G_END_DECLS
