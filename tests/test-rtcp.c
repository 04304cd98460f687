/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* holler-rtcp: SR, RR, SDES and BYE built with GstRTCPBuffer parse to what
 * was put in; malformed RTCP is refused (and, in a running session,
 * dropped and counted) without a crash; rtpsession makes RTCP of its own
 * with our SSRC and CNAME. */
#include <string.h>
#include <gst/gst.h>
#include <gst/rtp/rtp.h>
#include "holler-rtcp.h"

#define OUR_SSRC 0x11223344u
#define PEER_SSRC 0xaabbccddu

typedef struct {
  guint8 data[1500];
  gsize len;
} Packet;

static void
packet_from_buffer (Packet *p, GstBuffer *buffer)
{
  p->len = gst_buffer_get_size (buffer);
  g_assert_cmpuint (p->len, <=, sizeof p->data);
  gst_buffer_extract (buffer, 0, p->data, p->len);
  gst_buffer_unref (buffer);
}

static void
add_report_block (GstRTCPPacket *packet)
{
  /* 25/256 lost, 7 in all, LSR and DLSR of one second (compact NTP) */
  g_assert_true (gst_rtcp_packet_add_rb (packet, OUR_SSRC, 25, 7, 1000, 12, 0x12345678, 65536));
}

static void
add_sdes (GstRTCPBuffer *rtcp, const char *cname)
{
  GstRTCPPacket packet;

  g_assert_true (gst_rtcp_buffer_add_packet (rtcp, GST_RTCP_TYPE_SDES, &packet));
  g_assert_true (gst_rtcp_packet_sdes_add_item (&packet, PEER_SSRC));
  g_assert_true (gst_rtcp_packet_sdes_add_entry (&packet, GST_RTCP_SDES_CNAME, strlen (cname),
                                                 (const guint8 *) cname));
}

/* SR (or RR) + SDES (+ BYE), as a peer sends them */
static void
build (Packet *p, gboolean sender, gboolean bye, const char *cname)
{
  GstBuffer *buffer = gst_rtcp_buffer_new (1400);
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  GstRTCPPacket packet;

  gst_rtcp_buffer_map (buffer, GST_MAP_READWRITE, &rtcp);
  g_assert_true (gst_rtcp_buffer_add_packet (&rtcp, sender ? GST_RTCP_TYPE_SR : GST_RTCP_TYPE_RR, &packet));
  if (sender)
    gst_rtcp_packet_sr_set_sender_info (&packet, PEER_SSRC, G_GUINT64_CONSTANT (0xe000000080000000), 48000,
                                        100, 8000);
  else
    gst_rtcp_packet_rr_set_ssrc (&packet, PEER_SSRC);
  add_report_block (&packet);
  if (cname != NULL)
    add_sdes (&rtcp, cname);
  if (bye)
    {
      g_assert_true (gst_rtcp_buffer_add_packet (&rtcp, GST_RTCP_TYPE_BYE, &packet));
      g_assert_true (gst_rtcp_packet_bye_add_ssrc (&packet, PEER_SSRC));
    }
  gst_rtcp_buffer_unmap (&rtcp);
  packet_from_buffer (p, buffer);
}

static void
assert_report_block (const HollerRtcpSummary *s)
{
  g_assert_true (s->has_rb);
  g_assert_cmpuint (s->rb_ssrc, ==, OUR_SSRC);
  g_assert_cmpuint (s->rb_fraction_lost, ==, 25);
  g_assert_cmpint (s->rb_packets_lost, ==, 7);
  g_assert_cmpuint (s->rb_lsr, ==, 0x12345678);
  g_assert_cmpuint (s->rb_dlsr, ==, 65536);
}

static void
test_sender_report (void)
{
  Packet p;
  HollerRtcpSummary s;

  build (&p, TRUE, FALSE, "cvcBDadsZ9fvedRx");
  g_assert_true (holler_rtcp_parse (p.data, p.len, &s));
  g_assert_cmpuint (s.n_packets, ==, 2);
  g_assert_true (s.has_sr);
  g_assert_cmpuint (s.sender_ssrc, ==, PEER_SSRC);
  g_assert_cmpuint (s.sr_ntp, ==, G_GUINT64_CONSTANT (0xe000000080000000));
  g_assert_cmpuint (s.sr_rtp, ==, 48000);
  g_assert_cmpuint (s.sr_packets, ==, 100);
  g_assert_cmpuint (s.sr_octets, ==, 8000);
  assert_report_block (&s);
  g_assert_cmpstr (s.cname, ==, "cvcBDadsZ9fvedRx");
  g_assert_false (s.has_bye);
  holler_rtcp_summary_clear (&s);
}

static void
test_receiver_report_bye (void)
{
  Packet p;
  HollerRtcpSummary s;

  build (&p, FALSE, TRUE, "{08f20000-b2d9-45b6-a614-feaa03cc5e2d}");
  g_assert_true (holler_rtcp_parse (p.data, p.len, &s));
  g_assert_cmpuint (s.n_packets, ==, 3);
  g_assert_false (s.has_sr);
  g_assert_cmpuint (s.sender_ssrc, ==, PEER_SSRC);
  assert_report_block (&s);
  g_assert_cmpstr (s.cname, ==, "{08f20000-b2d9-45b6-a614-feaa03cc5e2d}");
  g_assert_true (s.has_bye);
  holler_rtcp_summary_clear (&s);
}

/* RFC 5506: a lone RR (no SDES) is accepted too */
static void
test_reduced_size (void)
{
  Packet p;
  HollerRtcpSummary s;

  build (&p, FALSE, FALSE, NULL);
  g_assert_true (holler_rtcp_parse (p.data, p.len, &s));
  g_assert_cmpuint (s.n_packets, ==, 1);
  assert_report_block (&s);
  g_assert_null (s.cname);
  holler_rtcp_summary_clear (&s);
}

/* Every way to be wrong: refused, or (a count that claims more report
 * blocks than the length holds) read only as far as the length goes. */
static void
test_malformed (void)
{
  Packet good;
  HollerRtcpSummary s;
  guint8 bad[1500];
  /* RR, count 3, but only the sender's SSRC */
  static const guint8 count_lies[] = { 0x83, 201, 0, 1, 0xaa, 0xbb, 0xcc, 0xdd };
  /* RR, then SDES with one item: SSRC, CNAME of 200 bytes in 4 */
  static const guint8 cname_past_end[] = { 0x80, 201, 0, 1, 0xaa, 0xbb, 0xcc, 0xdd,
                                           0x81, 202, 0, 2, 0xaa, 0xbb, 0xcc, 0xdd, 1, 200, 'a', 'b' };

  build (&good, TRUE, TRUE, "cname");
  g_assert_false (holler_rtcp_parse (NULL, 0, &s));
  g_assert_false (holler_rtcp_parse (good.data, 4, &s));
  for (gsize cut = 1; cut < good.len; cut++)
    {
      g_assert_false (holler_rtcp_parse (good.data, good.len - cut, &s) && s.n_packets == 3);
      holler_rtcp_summary_clear (&s);
    }
  memcpy (bad, good.data, good.len);
  bad[0] = (bad[0] & 0x3f) | 0x40;      /* version 1 */
  g_assert_false (holler_rtcp_parse (bad, good.len, &s));
  memcpy (bad, good.data, good.len);
  bad[3] += 5;                          /* a length past the end */
  g_assert_false (holler_rtcp_parse (bad, good.len, &s));
  memcpy (bad, good.data, good.len);
  bad[1] = 96;                          /* RTP, not RTCP */
  g_assert_false (holler_rtcp_parse (bad, good.len, &s));
  g_assert_true (holler_rtcp_parse (count_lies, sizeof count_lies, &s));
  g_assert_false (s.has_rb);
  holler_rtcp_summary_clear (&s);
  /* a CNAME whose length runs past its packet: never read (fuzz-rtcp's
   * first find, in tests/fuzz/regressions/rtcp/, was one GstRTCPBuffer
   * handed out as it was) */
  g_assert_true (!holler_rtcp_parse (cname_past_end, sizeof cname_past_end, &s) || s.cname == NULL);
  holler_rtcp_summary_clear (&s);
}

typedef struct {
  char kind[16];
  guint8 data[1500];
  gsize len;
} FixturePacket;

/* The packets of tests/fixtures/@name: "kind hex" lines, # comments */
static GArray *
read_fixture (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fixtures", name, NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GArray *packets = g_array_new (FALSE, TRUE, sizeof (FixturePacket));

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], " ", 2);
      FixturePacket p = { 0 };

      if (lines[i][0] == '#' || lines[i][0] == '\0')
        continue;
      g_assert_cmpuint (g_strv_length (fields), ==, 2);
      g_strlcpy (p.kind, fields[0], sizeof p.kind);
      p.len = strlen (fields[1]) / 2;
      g_assert_cmpuint (p.len, <=, sizeof p.data);
      for (gsize j = 0; j < p.len; j++)
        p.data[j] = (g_ascii_xdigit_value (fields[1][2 * j]) << 4) | g_ascii_xdigit_value (fields[1][2 * j + 1]);
      g_array_append_val (packets, p);
    }
  return packets;
}

/* Chromium's own RTCP (tests/fixtures/chromium-rtcp.txt): its SR carries
 * no report block (it sends those in a separate reduced-size RR) */
static void
test_chromium (void)
{
  g_autoptr(GArray) packets = read_fixture ("chromium-rtcp.txt");

  g_assert_cmpuint (packets->len, ==, 2);
  for (guint i = 0; i < packets->len; i++)
    {
      FixturePacket *p = &g_array_index (packets, FixturePacket, i);
      HollerRtcpSummary s;

      g_assert_true (holler_rtcp_parse (p->data, p->len, &s));
      g_assert_cmpuint (s.sender_ssrc, ==, 0xf63749afu);
      if (g_str_equal (p->kind, "sr-sdes"))
        {
          g_assert_true (s.has_sr);
          g_assert_false (s.has_rb);
          g_assert_cmpuint (s.sr_packets, ==, 0x78);
          g_assert_cmpstr (s.cname, ==, "ck/MBwRj9rwJw2Sa");
        }
      else
        {
          g_assert_false (s.has_sr);
          g_assert_true (s.has_rb);
          g_assert_cmpuint (s.rb_ssrc, ==, 0xee2a0f6fu);
          g_assert_cmpuint (s.rb_fraction_lost, ==, 0);
          g_assert_cmpint (s.rb_packets_lost, ==, 0);
          g_assert_cmpuint (s.rb_lsr, ==, 0x837b8912u);
          g_assert_cmpuint (s.rb_dlsr, ==, 0xf6b0u);
          g_assert_null (s.cname);
        }
      holler_rtcp_summary_clear (&s);
    }
}

/* Firefox's own RTCP (tests/fixtures/firefox-rtcp.txt): an RR on its own
 * with the report block about Holler's stream (SSRC 0x236efdd9 in that
 * call), then an SR without report blocks plus SDES; its CNAME is a
 * braced UUID */
static void
test_firefox (void)
{
  g_autoptr(GArray) packets = read_fixture ("firefox-rtcp.txt");

  g_assert_cmpuint (packets->len, ==, 2);
  for (guint i = 0; i < packets->len; i++)
    {
      FixturePacket *p = &g_array_index (packets, FixturePacket, i);
      HollerRtcpSummary s;

      g_assert_true (holler_rtcp_parse (p->data, p->len, &s));
      g_assert_cmpuint (s.n_packets, ==, g_str_equal (p->kind, "rr") ? 1 : 2);
      g_assert_cmpuint (s.sender_ssrc, ==, 0x6a871a69u);
      g_assert_false (s.has_bye);
      if (g_str_equal (p->kind, "sr-sdes"))
        {
          g_assert_true (s.has_sr);
          g_assert_false (s.has_rb);
          g_assert_cmpuint (s.sr_ntp, ==, G_GUINT64_CONSTANT (0xeec18a330824e592));
          g_assert_cmpuint (s.sr_rtp, ==, 0x5da576e5u);
          g_assert_cmpuint (s.sr_packets, ==, 0x6f);
          g_assert_cmpuint (s.sr_octets, ==, 0x22f5);
          g_assert_cmpstr (s.cname, ==, "{5412c1f3-5be8-4ad6-8595-c5583320197a}");
        }
      else
        {
          g_assert_cmpstr (p->kind, ==, "rr");
          g_assert_false (s.has_sr);
          g_assert_true (s.has_rb);
          g_assert_cmpuint (s.rb_ssrc, ==, 0x236efdd9u);
          g_assert_cmpuint (s.rb_fraction_lost, ==, 0);
          g_assert_cmpint (s.rb_packets_lost, ==, 0);
          g_assert_cmpuint (s.rb_lsr, ==, 0x8a326a1du);
          g_assert_cmpuint (s.rb_dlsr, ==, 0x9d87u);
          g_assert_null (s.cname);
        }
      holler_rtcp_summary_clear (&s);
    }
}

/* --- rtpsession --- */

typedef struct {
  GMutex lock;
  GCond cond;
  guint sent;
  HollerRtcpSummary first;
  gboolean bye;
} Sent;

static void
on_send (guint8 *data, gsize len, gsize buf_size, gpointer user_data)
{
  Sent *sent = user_data;

  g_assert_cmpuint (buf_size, >=, len + 16);
  g_mutex_lock (&sent->lock);
  if (sent->sent++ == 0)
    g_assert_true (holler_rtcp_parse (data, len, &sent->first));
  else
    {
      HollerRtcpSummary s;

      g_assert_true (holler_rtcp_parse (data, len, &s));
      sent->bye |= s.has_bye;
      holler_rtcp_summary_clear (&s);
    }
  g_cond_signal (&sent->cond);
  g_mutex_unlock (&sent->lock);
}

static void
rtp_packet (guint8 *p, guint16 seq, guint32 ssrc)
{
  memset (p, 0, 172);
  p[0] = 0x80;
  p[1] = 111;
  p[2] = seq >> 8;
  p[3] = seq & 0xff;
  p[4] = (seq * 960) >> 24;
  p[5] = (seq * 960) >> 16;
  p[6] = (seq * 960) >> 8;
  p[7] = (seq * 960) & 0xff;
  p[8] = ssrc >> 24;
  p[9] = ssrc >> 16;
  p[10] = ssrc >> 8;
  p[11] = ssrc & 0xff;
}

/* Our first report: an SR from our SSRC with our CNAME, about the peer's
 * stream; the peer's malformed RTCP is dropped and counted, its good RTCP
 * counted as received; a BYE when our stream ends. */
static void
test_session (void)
{
  g_autoptr(GError) error = NULL;
  Sent sent = { 0 };
  g_autoptr(HollerRtcp) rtcp = holler_rtcp_new (OUR_SSRC, "holler-test", on_send, &sent, &error);
  HollerRtcpStats stats;
  guint8 rtp[172];
  static const guint8 junk[] = { 0x80, 200, 0, 40, 1, 2, 3, 4 };
  Packet good;
  gint64 deadline;

  g_assert_no_error (error);
  g_assert_true (holler_rtcp_start (rtcp, &error));
  g_assert_no_error (error);
  for (guint16 seq = 0; seq < 50; seq++)
    {
      rtp_packet (rtp, seq, OUR_SSRC);
      holler_rtcp_sent_rtp (rtcp, rtp, sizeof rtp);
      rtp_packet (rtp, 1000 + seq, PEER_SSRC);
      holler_rtcp_received_rtp (rtcp, rtp, sizeof rtp);
    }
  holler_rtcp_received (rtcp, junk, sizeof junk);
  build (&good, FALSE, FALSE, "peer");
  holler_rtcp_received (rtcp, good.data, good.len);
  holler_rtcp_get_stats (rtcp, &stats);
  g_assert_cmpuint (stats.rtcp_malformed, ==, 1);
  g_assert_cmpuint (stats.rtcp_received, ==, 1);

  /* RFC 3550: the first report within 0.5-1.5 times half the 5 s minimum */
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  g_mutex_lock (&sent.lock);
  while (sent.sent == 0)
    g_assert_true (g_cond_wait_until (&sent.cond, &sent.lock, deadline));
  g_mutex_unlock (&sent.lock);
  g_assert_true (sent.first.has_sr);
  g_assert_cmpuint (sent.first.sender_ssrc, ==, OUR_SSRC);
  g_assert_cmpstr (sent.first.cname, ==, "holler-test");
  g_assert_true (sent.first.has_rb);
  g_assert_cmpuint (sent.first.rb_ssrc, ==, PEER_SSRC);

  /* hang-up: a BYE, at once in a session this small (RFC 3550 §6.3.7) */
  holler_rtcp_bye (rtcp);
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  g_mutex_lock (&sent.lock);
  while (!sent.bye)
    g_assert_true (g_cond_wait_until (&sent.cond, &sent.lock, deadline));
  g_mutex_unlock (&sent.lock);
  holler_rtcp_stop (rtcp);
  holler_rtcp_summary_clear (&sent.first);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rtcp/parse/sender-report", test_sender_report);
  g_test_add_func ("/rtcp/parse/receiver-report-bye", test_receiver_report_bye);
  g_test_add_func ("/rtcp/parse/reduced-size", test_reduced_size);
  g_test_add_func ("/rtcp/parse/malformed", test_malformed);
  g_test_add_func ("/rtcp/parse/chromium", test_chromium);
  g_test_add_func ("/rtcp/parse/firefox", test_firefox);
  g_test_add_func ("/rtcp/session/reports-and-bye", test_session);
  return g_test_run ();
}
