/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Ogg Opus pages (RFC 3533, RFC 7845) around received Opus packets. A
 * packet never spans two pages, so every page ends on a packet and its
 * granule position is the sample count through that packet (pre-skip 0:
 * the stream starts with the caller's first received packet).
 *
 * Written here rather than with rtpopusdepay ! oggmux: RFC 7845 wants the
 * packets of a stream contiguous, so a gap from loss or DTX must become
 * empty frames the player conceals, while oggmux writes only the packets
 * it is given (a gap stays a jump in the granule position). It also keeps
 * each page whole and written as soon as it ends, which the crash and
 * full-disk handling in holler-media-record.c relies on. */
#define G_LOG_DOMAIN "holler-media"

#include "config.h"
#include <string.h>
#include "holler-ogg-opus.h"

#define MAX_SEGMENTS 255
#define FLAG_BOS 0x02
#define FLAG_EOS 0x04
#define STEREO_BIT 0x04
#define CELT_FB_2_5MS 28          /* configs 28..31: CELT fullband, 2.5/5/10/20 ms */

struct _HollerOggOpus
{
  guint32 serial;
  guint32 page_seq;
  gboolean started;            /* headers written */
  gboolean ended;              /* the end-of-stream page written: nothing more */
  guint64 granule;             /* samples through the last packet added */
  guint32 next_ts;             /* the RTP timestamp expected next */
  guint8 last_toc;

  /* the page being built */
  guint8 lacing[MAX_SEGMENTS];
  guint segments;
  GByteArray *body;
  guint page_samples;
  gint64 page_since_us;
};

static guint32 crc_table[256];

static gpointer
init_crc_table (gpointer data)
{
  /* Ogg's CRC-32: polynomial 0x04c11db7, MSB first, no reflection, initial 0 */
  for (guint32 i = 0; i < 256; i++)
    {
      guint32 r = i << 24;

      for (int j = 0; j < 8; j++)
        r = (r & 0x80000000u) ? (r << 1) ^ 0x04c11db7u : r << 1;
      crc_table[i] = r;
    }
  return NULL;
}

static guint32
ogg_crc (const guint8 *data, gsize len, guint32 crc)
{
  for (gsize i = 0; i < len; i++)
    crc = (crc << 8) ^ crc_table[((crc >> 24) ^ data[i]) & 0xff];
  return crc;
}

static void
put_le (guint8 *p, guint64 v, int bytes)
{
  for (int i = 0; i < bytes; i++)
    p[i] = (v >> (8 * i)) & 0xff;
}

/* 48 kHz samples per frame of TOC configuration @config */
static guint
frame_samples (guint config)
{
  static const guint silk[] = { 480, 960, 1920, 2880 };
  static const guint celt[] = { 120, 240, 480, 960 };

  if (config < 12)
    return silk[config % 4];
  if (config < 16)
    return config % 2 ? 960 : 480;
  return celt[config % 4];
}

guint
holler_opus_packet_samples (const guint8 *packet, gsize len)
{
  guint frames;
  guint samples;

  if (len < 1)
    return 0;
  switch (packet[0] & 3)
    {
    case 0:
      frames = 1;
      break;
    case 3:
      if (len < 2)
        return 0;
      frames = packet[1] & 0x3f;
      break;
    default:
      frames = 2;
      break;
    }
  samples = frames * frame_samples (packet[0] >> 3);
  return frames > 0 && samples <= 5760 ? samples : 0;   /* at most 120 ms */
}

/* Ends the page being built: header, segment table, body, CRC */
static void
write_page (HollerOggOpus *o, guint8 flags, GByteArray *out)
{
  guint8 header[27] = { 'O', 'g', 'g', 'S', 0 };
  guint start = out->len;
  guint32 crc;

  header[5] = flags;
  /* -1: no packet ends on this (empty, end-of-stream) page */
  put_le (header + 6, o->segments > 0 ? o->granule : G_MAXUINT64, 8);
  put_le (header + 14, o->serial, 4);
  put_le (header + 18, o->page_seq++, 4);
  header[26] = o->segments;
  g_byte_array_append (out, header, sizeof header);
  g_byte_array_append (out, o->lacing, o->segments);
  g_byte_array_append (out, o->body->data, o->body->len);
  crc = ogg_crc (out->data + start, out->len - start, 0);
  put_le (out->data + start + 22, crc, 4);
  o->segments = 0;
  o->page_samples = 0;
  g_byte_array_set_size (o->body, 0);
}

static void
append_packet (HollerOggOpus *o, const guint8 *packet, gsize len, guint samples, gint64 now_us,
               GByteArray *out)
{
  guint need = len / 255 + 1;

  /* a page ends when the next packet would not fit or would make it longer
   * than 0.5 s: so a page is only ended once the following packet is
   * known, and the stop always finds a page to mark as the last */
  if (o->segments > 0 && (o->segments + need > MAX_SEGMENTS
                          || o->page_samples + samples > HOLLER_OGG_OPUS_PAGE_SAMPLES))
    write_page (o, 0, out);
  if (o->segments == 0)
    o->page_since_us = now_us;
  for (guint i = 0; i + 1 < need; i++)
    o->lacing[o->segments++] = 255;
  o->lacing[o->segments++] = len % 255;
  g_byte_array_append (o->body, packet, len);
  o->granule += samples;
  o->page_samples += samples;
}

/* The identification and comment headers, each on a page of its own */
static void
write_headers (HollerOggOpus *o, guint channels, GByteArray *out)
{
  static const char vendor[] = "Holler " PACKAGE_VERSION;
  guint8 head[19] = { 'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1 };
  g_autoptr(GByteArray) tags = g_byte_array_new ();
  guint8 n[4];

  head[9] = channels;
  put_le (head + 10, 0, 2);          /* pre-skip */
  put_le (head + 12, 48000, 4);      /* input sample rate (informational) */
  put_le (head + 16, 0, 2);          /* output gain */
  head[18] = 0;                      /* channel mapping family 0: mono or stereo */
  append_packet (o, head, sizeof head, 0, 0, out);
  write_page (o, FLAG_BOS, out);

  g_byte_array_append (tags, (const guint8 *) "OpusTags", 8);
  put_le (n, strlen (vendor), 4);
  g_byte_array_append (tags, n, 4);
  g_byte_array_append (tags, (const guint8 *) vendor, strlen (vendor));
  put_le (n, 0, 4);                  /* no user comments */
  g_byte_array_append (tags, n, 4);
  append_packet (o, tags->data, tags->len, 0, 0, out);
  write_page (o, 0, out);
}

/* @gap samples of concealment: packets of the last packet's mode and
 * frame size whose one frame is empty, then CELT frames for a rest that is
 * a multiple of 2.5 ms (a shorter rest cannot come from packet loss). */
static void
fill_gap (HollerOggOpus *o, guint32 gap, gint64 now_us, GByteArray *out)
{
  guint8 toc = o->last_toc & ~3;     /* code 0: one frame, here of length 0 */
  guint frame = frame_samples (toc >> 3);

  for (; gap >= frame; gap -= frame)
    append_packet (o, &toc, 1, frame, now_us, out);
  for (int c = 2; c >= 0 && gap > 0; c--)
    {
      guint8 celt = ((CELT_FB_2_5MS + c) << 3) | (o->last_toc & STEREO_BIT);

      for (; gap >= frame_samples (CELT_FB_2_5MS + c); gap -= frame_samples (CELT_FB_2_5MS + c))
        append_packet (o, &celt, 1, frame_samples (CELT_FB_2_5MS + c), now_us, out);
    }
}

HollerOggOpus *
holler_ogg_opus_new (guint32 serial)
{
  static GOnce once = G_ONCE_INIT;
  HollerOggOpus *o = g_new0 (HollerOggOpus, 1);

  g_once (&once, init_crc_table, NULL);
  o->serial = serial;
  o->body = g_byte_array_new ();
  return o;
}

void
holler_ogg_opus_free (HollerOggOpus *o)
{
  if (o == NULL)
    return;
  g_byte_array_unref (o->body);
  g_free (o);
}

gboolean
holler_ogg_opus_add (HollerOggOpus *o, const guint8 *packet, gsize len, guint32 rtp_ts, gint64 now_us,
                     GByteArray *out)
{
  guint samples = holler_opus_packet_samples (packet, len);
  guint32 gap;

  if (samples == 0 || len > 255 * (MAX_SEGMENTS - 1) || o->ended)
    return FALSE;
  if (!o->started)
    {
      write_headers (o, (packet[0] & STEREO_BIT) ? 2 : 1, out);
      o->started = TRUE;
      o->next_ts = rtp_ts;
    }
  holler_ogg_opus_tick (o, now_us, out);
  gap = rtp_ts - o->next_ts;
  if (gap > 0 && gap <= HOLLER_OGG_OPUS_MAX_GAP_SAMPLES)
    fill_gap (o, gap, now_us, out);
  else if (gap != 0)
    g_debug ("RTP timestamps jumped by %d samples: recorded without a gap", (gint32) gap);
  append_packet (o, packet, len, samples, now_us, out);
  o->next_ts = rtp_ts + samples;
  o->last_toc = packet[0];
  return TRUE;
}

void
holler_ogg_opus_tick (HollerOggOpus *o, gint64 now_us, GByteArray *out)
{
  if (o->segments > 0 && now_us - o->page_since_us >= HOLLER_OGG_OPUS_PAGE_US)
    write_page (o, 0, out);
}

void
holler_ogg_opus_flush (HollerOggOpus *o, gboolean eos, GByteArray *out)
{
  /* the clock ended the last page just before the stop: an empty page
   * carries the end-of-stream flag */
  if (o->ended)
    return;
  if (o->segments > 0 || (eos && o->started))
    write_page (o, eos ? FLAG_EOS : 0, out);
  o->ended = eos;
}

guint64
holler_ogg_opus_get_samples (HollerOggOpus *o)
{
  return o->granule;
}
