/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* holler-ogg-opus.c: the pages it writes, read back by an independent
 * parser (CRC computed bit by bit), their granule positions, the packets
 * in them, gap filling and page ends. */
#include <string.h>
#include <glib.h>
#include "holler-ogg-opus.h"

#define TOC_HYBRID_FB_20MS (15 << 3)   /* config 15: hybrid fullband 20 ms, code 0 */

typedef struct {
  guint8 flags;
  gint64 granule;
  guint32 serial;
  guint32 seq;
  GPtrArray *packets;          /* GBytes */
} Page;

static void
page_free (gpointer data)
{
  Page *p = data;

  g_ptr_array_unref (p->packets);
  g_free (p);
}

static guint32
crc_bitwise (const guint8 *data, gsize len)
{
  guint32 crc = 0;

  for (gsize i = 0; i < len; i++)
    {
      crc ^= (guint32) data[i] << 24;
      for (int b = 0; b < 8; b++)
        crc = (crc & 0x80000000u) ? (crc << 1) ^ 0x04c11db7u : crc << 1;
    }
  return crc;
}

static guint64
get_le (const guint8 *p, int bytes)
{
  guint64 v = 0;

  for (int i = bytes - 1; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

/* Every page of @data; asserts on the framing, the CRC and that no packet
 * continues onto the next page */
static GPtrArray *
parse_pages (const guint8 *data, gsize len)
{
  GPtrArray *pages = g_ptr_array_new_with_free_func (page_free);
  gsize i = 0;

  while (i < len)
    {
      Page *p = g_new0 (Page, 1);
      guint8 copy[65536 + 300];
      guint nseg, body = 0, at;

      g_assert_cmpuint (len - i, >=, 27);
      g_assert_cmpmem (data + i, 4, "OggS", 4);
      g_assert_cmpuint (data[i + 4], ==, 0);
      p->flags = data[i + 5];
      p->granule = (gint64) get_le (data + i + 6, 8);
      p->serial = get_le (data + i + 14, 4);
      p->seq = get_le (data + i + 18, 4);
      nseg = data[i + 26];
      for (guint s = 0; s < nseg; s++)
        body += data[i + 27 + s];
      g_assert_cmpuint (i + 27 + nseg + body, <=, len);
      memcpy (copy, data + i, 27 + nseg + body);
      memset (copy + 22, 0, 4);
      g_assert_cmpuint (crc_bitwise (copy, 27 + nseg + body), ==, get_le (data + i + 22, 4));
      g_assert_false (p->flags & 0x01);                        /* never continued */
      g_assert_true (nseg == 0 || data[i + 27 + nseg - 1] < 255);   /* ends on a packet */
      p->packets = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
      at = i + 27 + nseg;
      for (guint s = 0, start = at, plen = 0; s < nseg; s++)
        {
          plen += data[i + 27 + s];
          if (data[i + 27 + s] < 255)
            {
              g_ptr_array_add (p->packets, g_bytes_new (data + start, plen));
              start += plen;
              plen = 0;
            }
        }
      g_ptr_array_add (pages, p);
      i += 27 + nseg + body;
    }
  return pages;
}

static void
test_packet_samples (void)
{
  guint8 p[3] = { 0 };

  p[0] = TOC_HYBRID_FB_20MS;
  g_assert_cmpuint (holler_opus_packet_samples (p, 1), ==, 960);
  p[0] = (3 << 3) | 1;                 /* SILK 60 ms, code 1: two frames */
  g_assert_cmpuint (holler_opus_packet_samples (p, 3), ==, 5760);
  p[0] = (28 << 3) | 3;                /* CELT 2.5 ms, code 3 */
  p[1] = 48;
  g_assert_cmpuint (holler_opus_packet_samples (p, 2), ==, 5760);
  p[1] = 49;                           /* over 120 ms: invalid */
  g_assert_cmpuint (holler_opus_packet_samples (p, 2), ==, 0);
  g_assert_cmpuint (holler_opus_packet_samples (p, 1), ==, 0);   /* code 3 without its count */
  g_assert_cmpuint (holler_opus_packet_samples (p, 0), ==, 0);
}

/* A packet whose bytes say which one it is */
static GBytes *
numbered_packet (guint n, gsize len)
{
  guint8 *b = g_malloc (len);

  b[0] = TOC_HYBRID_FB_20MS;
  for (gsize i = 1; i < len; i++)
    b[i] = (n + i) & 0xff;
  return g_bytes_new_take (b, len);
}

static GPtrArray *
all_packets (GPtrArray *pages, guint from_page)
{
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = from_page; i < pages->len; i++)
    {
      Page *p = g_ptr_array_index (pages, i);

      for (guint j = 0; j < p->packets->len; j++)
        g_ptr_array_add (out, g_ptr_array_index (p->packets, j));
    }
  return out;
}

/* 100 packets of 20 ms with packets 40 and 41 lost: headers, the packets
 * unchanged, two concealment packets in their place, pages of 0.5 s,
 * granule positions that count every sample, EOS at the end */
static void
test_stream (void)
{
  HollerOggOpus *o = holler_ogg_opus_new (0x1234);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GPtrArray) pages = NULL;
  g_autoptr(GPtrArray) packets = NULL;
  g_autoptr(GPtrArray) sent = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  guint32 ts0 = 0xfffff000;            /* wraps during the stream */
  Page *head, *tags;
  gint64 last_granule = 0;

  for (guint n = 0; n < 100; n++)
    {
      GBytes *b = numbered_packet (n, 60 + n * 3);   /* up to 357 bytes: two segments */

      g_ptr_array_add (sent, b);
      if (n == 40 || n == 41)
        continue;
      g_assert_true (holler_ogg_opus_add (o, g_bytes_get_data (b, NULL), g_bytes_get_size (b),
                                          ts0 + n * 960, n * 20000, out));
    }
  holler_ogg_opus_flush (o, TRUE, out);
  g_assert_cmpuint (holler_ogg_opus_get_samples (o), ==, 100 * 960);
  /* ended: a second stop, or a late packet, writes nothing */
  {
    guint len = out->len;

    holler_ogg_opus_flush (o, TRUE, out);
    g_assert_false (holler_ogg_opus_add (o, g_bytes_get_data (g_ptr_array_index (sent, 0), NULL),
                                         g_bytes_get_size (g_ptr_array_index (sent, 0)), ts0 + 100 * 960,
                                         100 * 20000, out));
    g_assert_cmpuint (out->len, ==, len);
  }

  pages = parse_pages (out->data, out->len);
  g_assert_cmpuint (pages->len, ==, 2 + 4);   /* headers, 4 pages of 0.5 s */
  head = g_ptr_array_index (pages, 0);
  tags = g_ptr_array_index (pages, 1);
  g_assert_cmpuint (head->flags, ==, 0x02);
  g_assert_cmpuint (head->packets->len, ==, 1);
  g_assert_cmpuint (g_bytes_get_size (g_ptr_array_index (head->packets, 0)), ==, 19);
  {
    const guint8 *h = g_bytes_get_data (g_ptr_array_index (head->packets, 0), NULL);

    g_assert_cmpmem (h, 8, "OpusHead", 8);
    g_assert_cmpuint (h[8], ==, 1);      /* version */
    g_assert_cmpuint (h[9], ==, 1);      /* mono: the TOC's stereo bit is clear */
    g_assert_cmpuint (get_le (h + 10, 2), ==, 0);
    g_assert_cmpuint (get_le (h + 12, 4), ==, 48000);
  }
  g_assert_cmpmem (g_bytes_get_data (g_ptr_array_index (tags->packets, 0), NULL), 8, "OpusTags", 8);
  g_assert_cmpint (head->granule, ==, 0);
  g_assert_cmpint (tags->granule, ==, 0);
  for (guint i = 0; i < pages->len; i++)
    {
      Page *p = g_ptr_array_index (pages, i);

      g_assert_cmpuint (p->serial, ==, 0x1234);
      g_assert_cmpuint (p->seq, ==, i);
      if (i >= 2)
        {
          g_assert_cmpint (p->granule, ==, last_granule + 25 * 960);   /* 0.5 s each */
          last_granule = p->granule;
        }
      g_assert_cmpuint (p->flags & 0x04, ==, i == pages->len - 1 ? 0x04 : 0);
    }

  packets = all_packets (pages, 2);
  g_assert_cmpuint (packets->len, ==, 100);
  for (guint n = 0; n < 100; n++)
    {
      GBytes *got = g_ptr_array_index (packets, n);

      if (n == 40 || n == 41)
        {
          /* one empty 20 ms frame of the same configuration */
          g_assert_cmpuint (g_bytes_get_size (got), ==, 1);
          g_assert_cmpuint (((const guint8 *) g_bytes_get_data (got, NULL))[0], ==, TOC_HYBRID_FB_20MS);
        }
      else
        g_assert_true (g_bytes_equal (got, g_ptr_array_index (sent, n)));
    }
  holler_ogg_opus_free (o);
}

/* A 30 ms gap after 20 ms packets: one 20 ms concealment packet of the
 * same mode, one 10 ms CELT one; a jump backwards or of hours is not
 * filled */
static void
test_gaps (void)
{
  HollerOggOpus *o = holler_ogg_opus_new (1);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GPtrArray) pages = NULL;
  g_autoptr(GPtrArray) packets = NULL;
  guint8 stereo = TOC_HYBRID_FB_20MS | 0x04;
  const guint8 *h;

  holler_ogg_opus_add (o, &stereo, 1, 1000, 0, out);
  holler_ogg_opus_add (o, &stereo, 1, 1000 + 960 + 1440, 0, out);
  holler_ogg_opus_add (o, &stereo, 1, 1000, 0, out);                    /* backwards */
  holler_ogg_opus_add (o, &stereo, 1, 1000 + 48000 * 3600, 0, out);     /* an hour on */
  g_assert_false (holler_ogg_opus_add (o, (const guint8 *) "", 0, 0, 0, out));
  holler_ogg_opus_flush (o, FALSE, out);
  pages = parse_pages (out->data, out->len);
  h = g_bytes_get_data (g_ptr_array_index (((Page *) g_ptr_array_index (pages, 0))->packets, 0), NULL);
  g_assert_cmpuint (h[9], ==, 2);      /* stereo */
  packets = all_packets (pages, 2);
  g_assert_cmpuint (packets->len, ==, 6);
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (g_ptr_array_index (packets, 1), NULL))[0], ==, stereo);
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (g_ptr_array_index (packets, 2), NULL))[0], ==,
                    (30 << 3) | 0x04);
  g_assert_cmpint (((Page *) g_ptr_array_index (pages, pages->len - 1))->granule, ==, 960 * 5 + 480);
  holler_ogg_opus_free (o);
}

/* Packets of 255 and 510 bytes take a 0 lacing value after their full
 * segments; a page never holds more than 255 segments; a page whose first
 * packet waited 0.5 s is ended by the clock; a stop after that writes an
 * empty page with the end-of-stream flag */
static void
test_lacing_and_clock (void)
{
  HollerOggOpus *o = holler_ogg_opus_new (1);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GPtrArray) pages = NULL;
  g_autoptr(GPtrArray) packets = NULL;
  g_autoptr(GBytes) big = numbered_packet (7, 255 * 100);   /* 101 segments */
  g_autoptr(GBytes) b255 = numbered_packet (1, 255);
  g_autoptr(GBytes) b510 = numbered_packet (2, 510);
  guint before;

  holler_ogg_opus_add (o, g_bytes_get_data (b255, NULL), 255, 0, 0, out);
  holler_ogg_opus_add (o, g_bytes_get_data (b510, NULL), 510, 960, 0, out);
  for (guint n = 0; n < 3; n++)        /* the third does not fit on the page */
    holler_ogg_opus_add (o, g_bytes_get_data (big, NULL), g_bytes_get_size (big), 960 * (2 + n), 0, out);
  before = out->len;
  holler_ogg_opus_tick (o, HOLLER_OGG_OPUS_PAGE_US - 1, out);
  g_assert_cmpuint (out->len, ==, before);
  holler_ogg_opus_tick (o, HOLLER_OGG_OPUS_PAGE_US, out);
  g_assert_cmpuint (out->len, >, before);
  pages = parse_pages (out->data, out->len);
  g_assert_cmpuint (pages->len, ==, 4);
  g_assert_cmpuint (((Page *) g_ptr_array_index (pages, 2))->packets->len, ==, 4);
  g_assert_cmpint (((Page *) g_ptr_array_index (pages, 2))->granule, ==, 4 * 960);
  g_assert_cmpint (((Page *) g_ptr_array_index (pages, 3))->granule, ==, 5 * 960);
  packets = all_packets (pages, 2);
  g_assert_true (g_bytes_equal (g_ptr_array_index (packets, 0), b255));
  g_assert_true (g_bytes_equal (g_ptr_array_index (packets, 1), b510));
  for (guint n = 2; n < 5; n++)
    g_assert_true (g_bytes_equal (g_ptr_array_index (packets, n), big));

  /* the stop right after the clock ended a page: an empty EOS page */
  holler_ogg_opus_flush (o, TRUE, out);
  g_clear_pointer (&pages, g_ptr_array_unref);
  pages = parse_pages (out->data, out->len);
  g_assert_cmpuint (pages->len, ==, 5);
  g_assert_cmpuint (((Page *) g_ptr_array_index (pages, 4))->flags, ==, 0x04);
  g_assert_cmpint (((Page *) g_ptr_array_index (pages, 4))->granule, ==, -1);
  g_assert_cmpuint (((Page *) g_ptr_array_index (pages, 4))->packets->len, ==, 0);
  holler_ogg_opus_free (o);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ogg-opus/packet-samples", test_packet_samples);
  g_test_add_func ("/ogg-opus/stream", test_stream);
  g_test_add_func ("/ogg-opus/gaps", test_gaps);
  g_test_add_func ("/ogg-opus/lacing-and-clock", test_lacing_and_clock);
  return g_test_run ();
}
