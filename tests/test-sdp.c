/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* holler-sdp: our offers and answers round-trip, real browser SDP parses
 * and gets an answer mirroring its m-lines, and bad SDP fails cleanly. */
#include <string.h>
#include <gst/sdp/sdp.h>
#include "holler-sdp.h"
#include "holler-error.h"

#define FP "0E:2F:BC:A0:38:69:AB:55:D9:A1:E0:BC:E8:6B:54:ED:CC:19:C9:B8:6E:BB:BA:0F:F1:59:DE:8E:C6:BD:62:D6"
#define CANDIDATE "candidate:1 1 UDP 2122252543 192.0.2.1 5555 typ host"

static HollerSdpDescription *
our_description (HollerDtlsSetup setup)
{
  HollerSdpDescription *d = holler_sdp_description_new ();

  d->session_id = 4611731400430051336ULL;
  d->session_version = 1;
  d->ice_ufrag = g_strdup ("abcd");
  d->ice_pwd = g_strdup ("0123456789abcdefghijkl");
  d->ice_trickle = TRUE;
  d->fingerprint_alg = g_strdup ("sha-256");
  d->fingerprint = g_strdup (FP);
  d->setup = setup;
  d->mid = g_strdup ("0");
  d->opus_pt = 111;
  d->rtcp_mux = TRUE;
  d->ssrc = 12345678;
  d->cname = g_strdup ("holler-test");
  d->msid_stream = g_strdup ("holler");
  d->msid_track = g_strdup ("7f1c0f5e-3b52-4a8e-9d0e-5a1b2c3d4e5f");
  d->mid_ext_id = 4;
  g_ptr_array_add (d->candidates, g_strdup (CANDIDATE));
  d->end_of_candidates = TRUE;
  return d;
}

static void
assert_same (const HollerSdpDescription *a, const HollerSdpDescription *b)
{
  g_assert_cmpuint (a->session_id, ==, b->session_id);
  g_assert_cmpuint (a->session_version, ==, b->session_version);
  g_assert_cmpstr (a->ice_ufrag, ==, b->ice_ufrag);
  g_assert_cmpstr (a->ice_pwd, ==, b->ice_pwd);
  g_assert_cmpint (a->ice_trickle, ==, b->ice_trickle);
  g_assert_cmpstr (a->fingerprint_alg, ==, b->fingerprint_alg);
  g_assert_cmpstr (a->fingerprint, ==, b->fingerprint);
  g_assert_cmpint (a->setup, ==, b->setup);
  g_assert_cmpstr (a->mid, ==, b->mid);
  g_assert_cmpuint (a->opus_pt, ==, b->opus_pt);
  g_assert_cmpuint (a->dtmf_pt, ==, b->dtmf_pt);
  g_assert_cmpint (a->rtcp_mux, ==, b->rtcp_mux);
  g_assert_cmpuint (a->ssrc, ==, b->ssrc);
  g_assert_cmpstr (a->cname, ==, b->cname);
  g_assert_cmpstr (a->msid_stream, ==, b->msid_stream);
  g_assert_cmpstr (a->msid_track, ==, b->msid_track);
  g_assert_cmpuint (a->mid_ext_id, ==, b->mid_ext_id);
  g_assert_cmpuint (a->candidates->len, ==, b->candidates->len);
  for (guint i = 0; i < a->candidates->len; i++)
    g_assert_cmpstr (g_ptr_array_index (a->candidates, i), ==, g_ptr_array_index (b->candidates, i));
  g_assert_cmpint (a->end_of_candidates, ==, b->end_of_candidates);
}

/* Every line ends in CRLF, and nothing else ends a line. */
static void
assert_crlf (const char *text)
{
  g_assert_true (g_str_has_suffix (text, "\r\n"));
  for (const char *p = strchr (text, '\n'); p != NULL; p = strchr (p + 1, '\n'))
    g_assert_true (p > text && p[-1] == '\r');
}

static char *
load_fixture (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fixtures", name, NULL);
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

static char *
replace (const char *text, const char *from, const char *to)
{
  g_auto(GStrv) parts = g_strsplit (text, from, -1);

  g_assert_cmpuint (g_strv_length (parts), >=, 2);
  return g_strjoinv (to, parts);
}

static GstSDPMessage *
gst_parse (const char *text)
{
  GstSDPMessage *msg;

  gst_sdp_message_new (&msg);
  g_assert_cmpint (gst_sdp_message_parse_buffer ((const guint8 *) text, strlen (text), msg), ==, GST_SDP_OK);
  return msg;
}

static void
assert_invalid (const char *text, HollerSdpType type)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HollerSdpDescription) d = holler_sdp_parse (text, type, &error);

  g_test_message ("%s", error ? error->message : "(accepted)");
  g_assert_null (d);
  g_assert_error (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_SDP);
  g_assert_nonnull (error->message);
  g_assert_cmpstr (error->message, !=, "");
}

/* --- our own SDP --- */

static void
test_setup_to_string (void)
{
  g_assert_cmpstr (holler_dtls_setup_to_string (HOLLER_DTLS_SETUP_ACTPASS), ==, "actpass");
  g_assert_cmpstr (holler_dtls_setup_to_string (HOLLER_DTLS_SETUP_ACTIVE), ==, "active");
  g_assert_cmpstr (holler_dtls_setup_to_string (HOLLER_DTLS_SETUP_PASSIVE), ==, "passive");
}

static void
test_offer_text (void)
{
  g_autoptr(HollerSdpDescription) local = our_description (HOLLER_DTLS_SETUP_ACTPASS);
  g_autofree char *text = holler_sdp_build_offer (local);

  /* the whole offer, in the order Chrome writes it */
  g_assert_cmpstr (text, ==,
                   "v=0\r\n"
                   "o=- 4611731400430051336 1 IN IP4 127.0.0.1\r\n"
                   "s=-\r\n"
                   "t=0 0\r\n"
                   "a=group:BUNDLE 0\r\n"
                   "a=msid-semantic: WMS holler\r\n"
                   "m=audio 9 UDP/TLS/RTP/SAVPF 111 101\r\n"
                   "c=IN IP4 0.0.0.0\r\n"
                   "a=rtcp:9 IN IP4 0.0.0.0\r\n"
                   "a=ice-ufrag:abcd\r\n"
                   "a=ice-pwd:0123456789abcdefghijkl\r\n"
                   "a=ice-options:trickle\r\n"
                   "a=fingerprint:sha-256 " FP "\r\n"
                   "a=setup:actpass\r\n"
                   "a=mid:0\r\n"
                   "a=sendrecv\r\n"
                   "a=rtcp-mux\r\n"
                   "a=rtpmap:111 opus/48000/2\r\n"
                   "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
                   "a=rtpmap:101 telephone-event/48000\r\n"
                   "a=fmtp:101 0-15\r\n"
                   "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
                   "a=msid:holler 7f1c0f5e-3b52-4a8e-9d0e-5a1b2c3d4e5f\r\n"
                   "a=ssrc:12345678 cname:holler-test\r\n"
                   "a=ssrc:12345678 msid:holler 7f1c0f5e-3b52-4a8e-9d0e-5a1b2c3d4e5f\r\n"
                   "a=" CANDIDATE "\r\n"
                   "a=end-of-candidates\r\n");
}

static void
test_offer_round_trip (void)
{
  g_autoptr(HollerSdpDescription) local = our_description (HOLLER_DTLS_SETUP_ACTPASS);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HollerSdpDescription) back = NULL;

  /* a second candidate of another kind, given without the prefix */
  g_ptr_array_add (local->candidates, g_strdup ("candidate:2 1 TCP 1518280447 2001:db8::1 9 typ host tcptype active"));
  text = holler_sdp_build_offer (local);
  back = holler_sdp_parse (text, HOLLER_SDP_OFFER, &error);
  g_assert_no_error (error);
  assert_crlf (text);
  assert_same (local, back);
  g_assert_cmpuint (back->mline_index, ==, 0);
  g_assert_cmpuint (back->other_media->len, ==, 0);
}

/* Without ssrc, candidates, end-of-candidates or telephone-event, none of
 * their lines. */
static void
test_offer_minimal (void)
{
  g_autoptr(HollerSdpDescription) local = our_description (HOLLER_DTLS_SETUP_ACTPASS);
  g_autofree char *text = NULL;
  g_autoptr(HollerSdpDescription) back = NULL;

  local->ssrc = 0;
  g_clear_pointer (&local->cname, g_free);
  g_clear_pointer (&local->msid_stream, g_free);
  g_clear_pointer (&local->msid_track, g_free);
  local->mid_ext_id = 0;
  g_ptr_array_set_size (local->candidates, 0);
  local->end_of_candidates = FALSE;
  local->opus_pt = 96;
  local->dtmf_pt = 0;
  text = holler_sdp_build_offer (local);
  g_assert_null (strstr (text, "a=ssrc"));
  g_assert_null (strstr (text, "a=msid:"));
  g_assert_null (strstr (text, "a=extmap"));
  g_assert_null (strstr (text, "telephone-event"));
  g_assert_null (strstr (text, "a=candidate"));
  g_assert_null (strstr (text, "a=end-of-candidates"));
  g_assert_nonnull (strstr (text, "m=audio 9 UDP/TLS/RTP/SAVPF 96\r\n"));
  g_assert_nonnull (strstr (text, "a=rtpmap:96 opus/48000/2\r\n"));
  back = holler_sdp_parse (text, HOLLER_SDP_OFFER, NULL);
  g_assert_nonnull (back);
  assert_same (local, back);
}

static void
test_answer_round_trip (gconstpointer data)
{
  HollerDtlsSetup setup = GPOINTER_TO_INT (data);
  g_autoptr(HollerSdpDescription) offer_desc = our_description (HOLLER_DTLS_SETUP_ACTPASS);
  g_autoptr(HollerSdpDescription) answer_desc = our_description (setup);
  g_autofree char *offer = holler_sdp_build_offer (offer_desc);
  g_autoptr(HollerSdpDescription) remote = holler_sdp_parse (offer, HOLLER_SDP_OFFER, NULL);
  g_autofree char *answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HollerSdpDescription) back = NULL;

  g_assert_nonnull (remote);
  answer = holler_sdp_build_answer (answer_desc, remote);
  assert_crlf (answer);
  back = holler_sdp_parse (answer, HOLLER_SDP_ANSWER, &error);
  g_assert_no_error (error);
  assert_same (answer_desc, back);
  g_assert_cmpuint (back->other_media->len, ==, 0);
}

/* --- real browser SDP (see tests/fixtures/README.md) --- */

typedef struct {
  const char *file;
  guint opus_pt;
  const char *ice_ufrag;
  const char *ice_pwd;
  const char *fingerprint;
  guint32 ssrc;
  const char *cname;
  guint n_candidates;
  const char *first_candidate;
  gboolean end_of_candidates;
  guint dtmf_pt;            /* its telephone-event/48000, 0 when it has none */
} BrowserSdp;

static const BrowserSdp chromium_offer = {
  "chromium-offer.sdp", 111, "zPDy", "3pRWFg6lVU+CGQdEix9CPLiT",
  "8A:00:12:E8:56:3B:A4:54:92:7E:9C:28:79:FA:24:4D:D9:40:F0:FE:63:52:91:84:42:BF:07:50:D0:16:39:4A",
  2941114614u, "cvcBDadsZ9fvedRx", 2,
  "candidate:854413916 1 udp 2113937151 8d0bdada-8dbc-434f-8ec3-3a2c5dd8d10b.local 33797 typ host generation 0 network-cost 999",
  FALSE, 110,
};

static const BrowserSdp chromium_offer_raw_ips = {
  "chromium-offer-raw-ips.sdp", 111, "JbaK", "z1e7ArdfssNs8VFuFEyZ5Yyh",
  "9A:AB:93:13:8E:42:FC:4A:24:B5:59:24:3A:DC:86:EA:5E:A0:FD:17:97:A1:E6:FE:29:39:63:1F:34:83:9E:F1",
  1872315308u, "QFYybTIbYfdOL8JU", 2,
  "candidate:911398364 1 udp 2113937151 192.0.2.2 46887 typ host generation 0 network-cost 999",
  FALSE, 110,
};

static const BrowserSdp chromium_offer_no_candidates = {
  "chromium-offer-no-candidates.sdp", 111, "xGbU", "eUIT/+Hp7p9AOmQJbQWeuDJt",
  "F3:0D:88:1B:52:24:71:10:72:D7:91:C4:D5:0E:5D:FD:1E:82:F9:FC:49:E2:EF:F6:00:19:F6:CA:75:E4:49:A6",
  3010563364u, "b1+9ZZVcf00HPZY3", 0, NULL, FALSE, 110,
};

static const BrowserSdp firefox_offer = {
  "firefox-offer.sdp", 109, "5cdadf6b", "a9585d7b4ed3763e2c9c85922c45b647",
  "8C:99:67:45:88:D6:59:84:42:14:07:7D:A7:DF:79:19:8C:C5:1E:A3:85:B0:E7:13:D8:81:B1:44:4A:DF:8D:42",
  277261686u, "{08f20000-b2d9-45b6-a614-feaa03cc5e2d}", 8,
  "candidate:0 1 UDP 2122187007 faa9c36a-e4f9-40f2-a2b8-46fa80515972.local 49910 typ host",
  TRUE,
};

static const BrowserSdp firefox_offer_no_candidates = {
  "firefox-offer-no-candidates.sdp", 109, "73328069", "541bebe83b10edc7dd7520078b7734d7",
  "B5:F0:88:76:2E:7F:1D:01:E5:47:BF:B9:B0:1D:6B:EF:98:7B:EC:35:B3:C9:0E:9E:8C:BB:9A:BC:CE:B9:51:50",
  133107518u, "{f620b811-dc66-4052-961a-b47529511830}", 0, NULL, FALSE,
};

static const BrowserSdp chromium_answer = {
  "chromium-answer.sdp", 111, "i6Xn", "A01xcke5dIKR8cm4rq0bHKM6",
  "EE:DB:83:1C:C5:FA:14:5E:DB:65:29:BA:3D:DA:B4:0E:AC:3F:56:A8:AB:42:6F:94:9C:2B:77:25:B0:7A:4C:79",
  0, NULL, 2,
  "candidate:3148548300 1 udp 2113937151 8d0bdada-8dbc-434f-8ec3-3a2c5dd8d10b.local 56640 typ host generation 0 network-cost 999",
  FALSE,
};

static const BrowserSdp firefox_answer = {
  "firefox-answer.sdp", 111, "b3ca5a84", "a61f6b2b5d6e5f96655471ecbbabff41",
  "EB:C5:C9:D0:64:17:0D:A9:C0:6F:C2:00:31:4F:B6:50:17:76:C0:12:C5:07:D1:33:6D:07:28:D3:AF:EF:D7:6C",
  3289747994u, "{83309c26-3962-46b7-a265-43bd9dd39c86}", 4,
  "candidate:0 1 UDP 2122187007 60baaca3-ebc2-414a-a848-938d33f2b66e.local 49776 typ host",
  TRUE,
};

static void
assert_browser_values (const HollerSdpDescription *d, const BrowserSdp *expected)
{
  g_assert_cmpuint (d->mline_index, ==, 0);
  g_assert_cmpstr (d->mid, ==, "0");
  g_assert_cmpuint (d->opus_pt, ==, expected->opus_pt);
  g_assert_cmpstr (d->ice_ufrag, ==, expected->ice_ufrag);
  g_assert_cmpstr (d->ice_pwd, ==, expected->ice_pwd);
  g_assert_true (d->ice_trickle);
  g_assert_cmpstr (d->fingerprint_alg, ==, "sha-256");
  g_assert_cmpstr (d->fingerprint, ==, expected->fingerprint);
  g_assert_true (d->rtcp_mux);
  g_assert_cmpuint (d->ssrc, ==, expected->ssrc);
  g_assert_cmpstr (d->cname, ==, expected->cname);
  g_assert_cmpuint (d->candidates->len, ==, expected->n_candidates);
  if (expected->first_candidate != NULL)
    g_assert_cmpstr (g_ptr_array_index (d->candidates, 0), ==, expected->first_candidate);
  g_assert_cmpint (d->end_of_candidates, ==, expected->end_of_candidates);
  g_assert_cmpuint (d->dtmf_pt, ==, expected->dtmf_pt);
  g_assert_cmpuint (d->session_id, !=, 0);
}

/* The answer has the offer's m-lines in the same order with the same media,
 * proto and mid; the audio line accepted with the offer's Opus PT, every
 * other line rejected with port 0. */
static void
assert_mirrors (const char *offer, const char *answer, const HollerSdpDescription *remote)
{
  g_autoptr(GstSDPMessage) o = gst_parse (offer);
  g_autoptr(GstSDPMessage) a = gst_parse (answer);
  g_autofree char *pt = g_strdup_printf ("%u", remote->opus_pt);
  g_autofree char *bundle = g_strdup_printf ("BUNDLE %s", remote->mid);

  g_assert_cmpuint (gst_sdp_message_medias_len (a), ==, gst_sdp_message_medias_len (o));
  for (guint i = 0; i < gst_sdp_message_medias_len (o); i++)
    {
      const GstSDPMedia *om = gst_sdp_message_get_media (o, i);
      const GstSDPMedia *am = gst_sdp_message_get_media (a, i);

      g_assert_cmpstr (gst_sdp_media_get_media (am), ==, gst_sdp_media_get_media (om));
      g_assert_cmpstr (gst_sdp_media_get_proto (am), ==, gst_sdp_media_get_proto (om));
      g_assert_cmpstr (gst_sdp_media_get_attribute_val (am, "mid"), ==, gst_sdp_media_get_attribute_val (om, "mid"));
      g_assert_cmpuint (gst_sdp_media_connections_len (am), ==, 1);
      if (i == remote->mline_index)
        {
          g_assert_cmpuint (gst_sdp_media_get_port (am), ==, 9);
          g_assert_cmpstr (gst_sdp_media_get_format (am, 0), ==, pt);
          /* telephone-event/48000 after Opus when the offer had it */
          g_assert_cmpuint (gst_sdp_media_formats_len (am), ==, remote->dtmf_pt != 0 ? 2 : 1);
          if (remote->dtmf_pt != 0)
            {
              g_autofree char *dtmf = g_strdup_printf ("%u", remote->dtmf_pt);
              g_assert_cmpstr (gst_sdp_media_get_format (am, 1), ==, dtmf);
            }
        }
      else
        {
          g_assert_cmpuint (gst_sdp_media_formats_len (am), ==, 1);
          g_assert_cmpuint (gst_sdp_media_get_port (am), ==, 0);
          g_assert_cmpstr (gst_sdp_media_get_format (am, 0), ==, gst_sdp_media_get_format (om, 0));
        }
    }
  g_assert_cmpstr (gst_sdp_message_get_attribute_val (a, "group"), ==, bundle);
}

static void
test_browser_offer (gconstpointer data)
{
  const BrowserSdp *expected = data;
  g_autofree char *offer = load_fixture (expected->file);
  g_autoptr(GError) error = NULL;
  g_autoptr(HollerSdpDescription) remote = holler_sdp_parse (offer, HOLLER_SDP_OFFER, &error);
  g_autoptr(HollerSdpDescription) local = our_description (HOLLER_DTLS_SETUP_ACTIVE);
  g_autoptr(HollerSdpDescription) back = NULL;
  g_autofree char *answer = NULL;
  const HollerSdpOtherMedia *video, *data_channel;

  g_assert_no_error (error);
  assert_browser_values (remote, expected);
  g_assert_cmpint (remote->setup, ==, HOLLER_DTLS_SETUP_ACTPASS);
  /* audio, video, data channel */
  g_assert_cmpuint (remote->other_media->len, ==, 2);
  g_assert_cmpuint (remote->other_media_index->len, ==, 2);
  video = g_ptr_array_index (remote->other_media, 0);
  data_channel = g_ptr_array_index (remote->other_media, 1);
  g_assert_cmpstr (video->media, ==, "video");
  g_assert_cmpstr (video->proto, ==, "UDP/TLS/RTP/SAVPF");
  g_assert_cmpstr (video->mid, ==, "1");
  g_assert_cmpuint (g_array_index (remote->other_media_index, guint, 0), ==, 1);
  g_assert_cmpstr (data_channel->media, ==, "application");
  g_assert_cmpstr (data_channel->proto, ==, "UDP/DTLS/SCTP");
  g_assert_cmpstr (data_channel->fmt, ==, "webrtc-datachannel");
  g_assert_cmpstr (data_channel->mid, ==, "2");
  g_assert_cmpuint (g_array_index (remote->other_media_index, guint, 1), ==, 2);

  answer = holler_sdp_build_answer (local, remote);
  g_test_message ("%s", answer);
  assert_crlf (answer);
  assert_mirrors (offer, answer, remote);
  g_assert_null (strstr (answer, "a=setup:actpass"));

  back = holler_sdp_parse (answer, HOLLER_SDP_ANSWER, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->setup, ==, HOLLER_DTLS_SETUP_ACTIVE);
  g_assert_cmpstr (back->mid, ==, remote->mid);
  g_assert_cmpuint (back->opus_pt, ==, remote->opus_pt);
  g_assert_cmpuint (back->dtmf_pt, ==, remote->dtmf_pt);
  g_assert_cmpstr (back->ice_ufrag, ==, local->ice_ufrag);
  g_assert_cmpstr (back->fingerprint, ==, local->fingerprint);
  g_assert_cmpuint (back->other_media->len, ==, 2);
}

/* A browser's answer to our offer. */
static void
test_browser_answer (gconstpointer data)
{
  const BrowserSdp *expected = data;
  g_autofree char *answer = load_fixture (expected->file);
  g_autoptr(GError) error = NULL;
  g_autoptr(HollerSdpDescription) remote = holler_sdp_parse (answer, HOLLER_SDP_ANSWER, &error);

  g_assert_no_error (error);
  assert_browser_values (remote, expected);
  g_assert_cmpint (remote->setup, ==, HOLLER_DTLS_SETUP_ACTIVE);
  g_assert_cmpuint (remote->other_media->len, ==, 0);
}

/* Firefox's TCP and mDNS candidates come through untouched. */
static void
test_firefox_candidates (void)
{
  g_autofree char *offer = load_fixture ("firefox-offer.sdp");
  g_autoptr(HollerSdpDescription) remote = holler_sdp_parse (offer, HOLLER_SDP_OFFER, NULL);

  g_assert_nonnull (remote);
  g_assert_cmpstr (g_ptr_array_index (remote->candidates, 2), ==,
                   "candidate:2 1 TCP 2105458943 faa9c36a-e4f9-40f2-a2b8-46fa80515972.local 9 typ host tcptype active");
}

/* Some tools hand over SDP with bare LF line ends. */
static void
test_lf_line_endings (void)
{
  g_autofree char *offer = load_fixture ("chromium-offer.sdp");
  g_autofree char *lf = replace (offer, "\r\n", "\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(HollerSdpDescription) remote = holler_sdp_parse (lf, HOLLER_SDP_OFFER, &error);

  g_assert_no_error (error);
  assert_browser_values (remote, &chromium_offer);
}

/* --- edge cases that must still work --- */

/* Audio lines we cannot use are skipped: the first is rejected (port 0),
 * the second has no Opus; the third is ours, and the answer keeps all. */
static void
test_audio_selection (void)
{
  g_autoptr(HollerSdpDescription) local = our_description (HOLLER_DTLS_SETUP_ACTPASS);
  g_autofree char *ours = holler_sdp_build_offer (local);
  const char *m = strstr (ours, "m=audio");
  g_autofree char *session = g_strndup (ours, m - ours);
  g_autofree char *rejected = replace (m, "m=audio 9", "m=audio 0");
  g_autofree char *pcmu = replace (m, "opus/48000/2", "PCMU/8000");
  g_autofree char *no_opus = replace (pcmu, "a=mid:0", "a=mid:b");
  g_autofree char *offer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HollerSdpDescription) remote = NULL;
  g_autoptr(HollerSdpDescription) answerer = our_description (HOLLER_DTLS_SETUP_PASSIVE);
  g_autofree char *answer = NULL;
  g_autofree char *rejected_a = replace (rejected, "a=mid:0", "a=mid:a");

  offer = g_strconcat (session, rejected_a, no_opus, m, NULL);
  remote = holler_sdp_parse (offer, HOLLER_SDP_OFFER, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (remote->mline_index, ==, 2);
  g_assert_cmpstr (remote->mid, ==, "0");
  g_assert_cmpuint (remote->other_media->len, ==, 2);
  g_assert_cmpuint (g_array_index (remote->other_media_index, guint, 0), ==, 0);
  g_assert_cmpuint (g_array_index (remote->other_media_index, guint, 1), ==, 1);
  answer = holler_sdp_build_answer (answerer, remote);
  assert_mirrors (offer, answer, remote);
}

/* Credentials and fingerprint may sit at session level (RFC 8839, 8122);
 * media-level values win when both are present. */
static void
test_session_level (void)
{
  g_autoptr(HollerSdpDescription) local = our_description (HOLLER_DTLS_SETUP_ACTPASS);
  g_autofree char *ours = holler_sdp_build_offer (local);
  g_autofree char *moved = NULL;
  g_autofree char *both = NULL;
  g_autoptr(HollerSdpDescription) d1 = NULL;
  g_autoptr(HollerSdpDescription) d2 = NULL;
  g_autofree char *tmp = NULL;

  tmp = replace (ours, "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijkl\r\n", "");
  moved = replace (tmp, "t=0 0\r\n", "t=0 0\r\na=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijkl\r\n");
  d1 = holler_sdp_parse (moved, HOLLER_SDP_OFFER, NULL);
  g_assert_nonnull (d1);
  assert_same (local, d1);

  both = replace (ours, "t=0 0\r\n", "t=0 0\r\na=ice-ufrag:sess\r\na=ice-pwd:sessionsessionsession1\r\n"
                  "a=fingerprint:sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33\r\n");
  d2 = holler_sdp_parse (both, HOLLER_SDP_OFFER, NULL);
  g_assert_nonnull (d2);
  assert_same (local, d2);
}

static void
test_fingerprint_forms (void)
{
  g_autoptr(HollerSdpDescription) local = our_description (HOLLER_DTLS_SETUP_ACTPASS);
  g_autofree char *ours = holler_sdp_build_offer (local);
  g_autofree char *lower_fp = g_ascii_strdown (FP, -1);
  g_autofree char *lower = replace (ours, "sha-256 " FP, lower_fp);
  g_autofree char *lower_ok = replace (lower, "a=fingerprint:", "a=fingerprint:SHA-256 ");
  g_autofree char *several = replace (ours, "a=fingerprint:sha-256",
                                      "a=fingerprint:sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33\r\n"
                                      "a=fingerprint:sha-256");
  g_autoptr(HollerSdpDescription) d1 = holler_sdp_parse (lower_ok, HOLLER_SDP_OFFER, NULL);
  g_autoptr(HollerSdpDescription) d2 = holler_sdp_parse (several, HOLLER_SDP_OFFER, NULL);

  /* "SHA-256 0e:2f:…" is normalised to "sha-256 0E:2F:…" */
  g_assert_nonnull (d1);
  g_assert_cmpstr (d1->fingerprint_alg, ==, "sha-256");
  g_assert_cmpstr (d1->fingerprint, ==, FP);
  /* a sha-1 line before the sha-256 one does not hide it */
  g_assert_nonnull (d2);
  g_assert_cmpstr (d2->fingerprint, ==, FP);
}

static void
test_setup_rules (void)
{
  g_autoptr(HollerSdpDescription) local = our_description (HOLLER_DTLS_SETUP_ACTPASS);
  g_autofree char *ours = holler_sdp_build_offer (local);
  g_autofree char *no_setup = replace (ours, "a=setup:actpass\r\n", "");
  g_autofree char *active = replace (ours, "a=setup:actpass", "a=setup:active");
  g_autofree char *passive = replace (ours, "a=setup:actpass", "a=setup:passive");
  g_autoptr(HollerSdpDescription) d1 = NULL;
  g_autoptr(HollerSdpDescription) d2 = NULL;
  g_autoptr(HollerSdpDescription) d3 = NULL;

  /* an answer must choose a role */
  assert_invalid (ours, HOLLER_SDP_ANSWER);
  assert_invalid (no_setup, HOLLER_SDP_ANSWER);
  /* an offer without a=setup is taken as actpass */
  d1 = holler_sdp_parse (no_setup, HOLLER_SDP_OFFER, NULL);
  g_assert_nonnull (d1);
  g_assert_cmpint (d1->setup, ==, HOLLER_DTLS_SETUP_ACTPASS);
  d2 = holler_sdp_parse (active, HOLLER_SDP_ANSWER, NULL);
  g_assert_nonnull (d2);
  g_assert_cmpint (d2->setup, ==, HOLLER_DTLS_SETUP_ACTIVE);
  d3 = holler_sdp_parse (passive, HOLLER_SDP_OFFER, NULL);
  g_assert_nonnull (d3);
  g_assert_cmpint (d3->setup, ==, HOLLER_DTLS_SETUP_PASSIVE);
}

/* An offer without mids (pre-BUNDLE) gets an answer without them. */
static void
test_answer_without_mid (void)
{
  g_autoptr(HollerSdpDescription) local = our_description (HOLLER_DTLS_SETUP_ACTPASS);
  g_autofree char *ours = holler_sdp_build_offer (local);
  g_autofree char *tmp = replace (ours, "a=mid:0\r\n", "");
  g_autofree char *offer = replace (tmp, "a=group:BUNDLE 0\r\n", "");
  g_autoptr(HollerSdpDescription) remote = holler_sdp_parse (offer, HOLLER_SDP_OFFER, NULL);
  g_autoptr(HollerSdpDescription) answerer = our_description (HOLLER_DTLS_SETUP_ACTIVE);
  g_autofree char *answer = NULL;
  g_autoptr(HollerSdpDescription) back = NULL;

  g_assert_nonnull (remote);
  g_assert_null (remote->mid);
  answer = holler_sdp_build_answer (answerer, remote);
  g_assert_null (strstr (answer, "a=mid"));
  g_assert_null (strstr (answer, "a=group"));
  back = holler_sdp_parse (answer, HOLLER_SDP_ANSWER, NULL);
  g_assert_nonnull (back);
}

/* --- bad input --- */

typedef enum { LITERAL, OURS, CHROMIUM } Base;

typedef struct {
  const char *name;
  HollerSdpType type;
  Base base;
  const char *from;   /* LITERAL: the text; else replaced by to, or where to cut if to is NULL */
  const char *to;
} BadSdp;

static const BadSdp bad_sdp[] = {
  { "empty", HOLLER_SDP_OFFER, LITERAL, "", NULL },
  { "junk", HOLLER_SDP_OFFER, LITERAL, "hello world, this is not SDP", NULL },
  { "json", HOLLER_SDP_OFFER, LITERAL, "{\"type\":\"offer\",\"sdp\":\"v=0\"}", NULL },
  { "binary", HOLLER_SDP_OFFER, LITERAL, "\x89PNG\r\n\x1a\n\x01\x02\xff\xfe", NULL },
  { "binary-after-v", HOLLER_SDP_OFFER, LITERAL, "v=0\r\n\xff\xfe\x01\x02\r\n", NULL },
  { "control-chars", HOLLER_SDP_OFFER, OURS, "a=mid:0", "a=mid:0\x1b[2J" },
  { "v-only", HOLLER_SDP_OFFER, LITERAL, "v=0\r\n", NULL },
  { "no-m-lines", HOLLER_SDP_OFFER, LITERAL, "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", NULL },
  { "no-v-line", HOLLER_SDP_OFFER, OURS, "v=0\r\n", "" },
  { "v=1", HOLLER_SDP_OFFER, OURS, "v=0", "v=1" },
  { "truncated-chromium", HOLLER_SDP_OFFER, CHROMIUM, "a=fingerprint", NULL },
  { "truncated-chromium-m-line", HOLLER_SDP_OFFER, CHROMIUM, "UDP/TLS/RTP/SAVPF 111 63", NULL },
  { "missing-ufrag", HOLLER_SDP_OFFER, OURS, "a=ice-ufrag:abcd\r\n", "" },
  { "missing-pwd", HOLLER_SDP_OFFER, OURS, "a=ice-pwd:0123456789abcdefghijkl\r\n", "" },
  { "empty-ufrag", HOLLER_SDP_OFFER, OURS, "a=ice-ufrag:abcd", "a=ice-ufrag:" },
  { "colon-in-ufrag", HOLLER_SDP_OFFER, OURS, "a=ice-ufrag:abcd", "a=ice-ufrag:ab:cd" },
  { "missing-fingerprint", HOLLER_SDP_OFFER, OURS, "a=fingerprint:sha-256 " FP "\r\n", "" },
  { "sha-1-fingerprint", HOLLER_SDP_OFFER, OURS, "a=fingerprint:sha-256 " FP,
    "a=fingerprint:sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33" },
  { "fingerprint-without-hash", HOLLER_SDP_OFFER, OURS, "a=fingerprint:sha-256 ", "a=fingerprint:" },
  { "bad-hex-fingerprint", HOLLER_SDP_OFFER, OURS, "0E:2F:BC", "0E:2F:BZ" },
  { "misplaced-colon-fingerprint", HOLLER_SDP_OFFER, OURS, "0E:2F:BC:", "0E2F:BC::" },
  { "short-fingerprint", HOLLER_SDP_OFFER, OURS, "0E:2F:BC:", "" },
  { "long-fingerprint", HOLLER_SDP_OFFER, OURS, "0E:2F:BC:", "0E:2F:BC:0E:" },
  { "video-only", HOLLER_SDP_OFFER, OURS, "m=audio", "m=video" },
  { "opus-port-0", HOLLER_SDP_OFFER, OURS, "m=audio 9", "m=audio 0" },
  { "no-opus", HOLLER_SDP_OFFER, OURS, "opus/48000/2", "PCMU/8000" },
  { "opus-mono", HOLLER_SDP_OFFER, OURS, "opus/48000/2", "opus/48000" },
  { "opus-pt-not-offered", HOLLER_SDP_OFFER, OURS, "a=rtpmap:111", "a=rtpmap:112" },
  { "plain-rtp", HOLLER_SDP_OFFER, OURS, "UDP/TLS/RTP/SAVPF", "RTP/AVP" },
  { "m-line-without-format", HOLLER_SDP_OFFER, OURS, "a=end-of-candidates\r\n",
    "a=end-of-candidates\r\nm=video 9 UDP/TLS/RTP/SAVPF\r\n" },
  { "bad-setup", HOLLER_SDP_OFFER, OURS, "a=setup:actpass", "a=setup:sideways" },
  { "answer-with-actpass", HOLLER_SDP_ANSWER, OURS, NULL, NULL },
  { "answer-without-setup", HOLLER_SDP_ANSWER, OURS, "a=setup:actpass\r\n", "" },
  { "chromium-offer-as-answer", HOLLER_SDP_ANSWER, CHROMIUM, NULL, NULL },
};

static char *
make_bad (const BadSdp *bad, const char *ours, const char *chromium)
{
  const char *base = bad->base == OURS ? ours : chromium;

  if (bad->base == LITERAL)
    return g_strdup (bad->from);
  if (bad->from == NULL)
    return g_strdup (base);
  if (bad->to == NULL)
    return g_strndup (base, strstr (base, bad->from) - base);
  return replace (base, bad->from, bad->to);
}

static void
test_malformed (void)
{
  g_autoptr(HollerSdpDescription) local = our_description (HOLLER_DTLS_SETUP_ACTPASS);
  g_autofree char *ours = holler_sdp_build_offer (local);
  g_autofree char *chromium = load_fixture ("chromium-offer.sdp");

  for (gsize i = 0; i < G_N_ELEMENTS (bad_sdp); i++)
    {
      g_autofree char *text = make_bad (&bad_sdp[i], ours, chromium);
      g_autoptr(GError) error = NULL;
      g_autoptr(HollerSdpDescription) d = holler_sdp_parse (text, bad_sdp[i].type, &error);

      g_test_message ("%s: %s", bad_sdp[i].name, error ? error->message : "(accepted)");
      g_assert_null (d);
      g_assert_error (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_SDP);
    }
  assert_invalid (NULL, HOLLER_SDP_OFFER);
}

/* A huge line (under the total limit), and a huge SDP of ordinary lines,
 * are refused before parsing. */
static void
test_huge (void)
{
  g_autoptr(HollerSdpDescription) local = our_description (HOLLER_DTLS_SETUP_ACTPASS);
  g_autofree char *ours = holler_sdp_build_offer (local);
  g_autofree char *padding = g_strnfill (100000, 'x');
  g_autofree char *line = g_strdup_printf ("a=mid:0\r\na=x-huge:%s", padding);
  g_autofree char *huge_line = replace (ours, "a=mid:0", line);
  g_autoptr(GString) many = g_string_new (ours);

  assert_invalid (huge_line, HOLLER_SDP_OFFER);
  for (guint i = 0; i < 20000; i++)
    g_string_append (many, "a=x-filler:0123456789\r\n");
  assert_invalid (many->str, HOLLER_SDP_OFFER);
}

/* Cut and bit-flipped browser SDP: any outcome but a crash or a result
 * without an error or an error of another kind. */
static void
test_mutations (void)
{
  g_autofree char *chromium = load_fixture ("chromium-offer.sdp");
  g_autofree char *firefox = load_fixture ("firefox-offer.sdp");
  const char *sources[] = { chromium, firefox };

  for (gsize s = 0; s < G_N_ELEMENTS (sources); s++)
    {
      gsize length = strlen (sources[s]);

      for (gsize cut = 0; cut < length; cut += 7)
        {
          g_autofree char *text = g_strndup (sources[s], cut);
          g_autoptr(GError) error = NULL;
          g_autoptr(HollerSdpDescription) d = holler_sdp_parse (text, HOLLER_SDP_OFFER, &error);

          g_assert_true ((d == NULL) == (error != NULL));
          if (error != NULL)
            g_assert_error (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_SDP);
        }
      for (guint round = 0; round < 2000; round++)
        {
          g_autofree char *text = g_strdup (sources[s]);
          g_autoptr(GError) error = NULL;
          g_autoptr(HollerSdpDescription) d = NULL;

          for (guint flips = 0; flips < 4; flips++)
            {
              gsize at = g_test_rand_int_range (0, (gint32) length);
              text[at] = (char) g_test_rand_int_range (1, 256);
            }
          d = holler_sdp_parse (text, HOLLER_SDP_OFFER, &error);
          g_assert_true ((d == NULL) == (error != NULL));
          if (error != NULL)
            g_assert_error (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_SDP);
        }
    }
}

/* --- RFC 4733 telephone-event --- */

static void
test_dtmf_offer (void)
{
  g_autoptr(HollerSdpDescription) local = our_description (HOLLER_DTLS_SETUP_ACTPASS);
  g_autofree char *text = holler_sdp_build_offer (local);
  g_autoptr(HollerSdpDescription) back = NULL;

  /* after Opus, in the m= line and as rtpmap/fmtp */
  g_assert_nonnull (strstr (text, "m=audio 9 UDP/TLS/RTP/SAVPF 111 101\r\n"));
  g_assert_nonnull (strstr (text, "a=rtpmap:111 opus/48000/2\r\n"));
  g_assert_nonnull (strstr (text, "a=rtpmap:101 telephone-event/48000\r\n"));
  g_assert_nonnull (strstr (text, "a=fmtp:101 0-15\r\n"));
  g_assert_true (strstr (text, "a=rtpmap:111") < strstr (text, "a=rtpmap:101"));
  back = holler_sdp_parse (text, HOLLER_SDP_OFFER, NULL);
  g_assert_nonnull (back);
  g_assert_cmpuint (back->dtmf_pt, ==, 101);

  /* 0: none at all */
  g_clear_pointer (&text, g_free);
  g_clear_pointer (&back, holler_sdp_description_free);
  local->dtmf_pt = 0;
  text = holler_sdp_build_offer (local);
  g_assert_null (strstr (text, "telephone-event"));
  g_assert_nonnull (strstr (text, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"));
  back = holler_sdp_parse (text, HOLLER_SDP_OFFER, NULL);
  g_assert_nonnull (back);
  g_assert_cmpuint (back->dtmf_pt, ==, 0);
}

/* Replaces the first @from in @text by @to. */
static char *
replace_once (const char *text, const char *from, const char *to)
{
  const char *at = strstr (text, from);

  g_assert_nonnull (at);
  return g_strdup_printf ("%.*s%s%s", (int) (at - text), text, to, at + strlen (from));
}

static guint
answer_dtmf_pt (const char *offer, char **answer_out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HollerSdpDescription) remote = holler_sdp_parse (offer, HOLLER_SDP_OFFER, &error);
  g_autoptr(HollerSdpDescription) local = our_description (HOLLER_DTLS_SETUP_ACTIVE);
  g_autoptr(HollerSdpDescription) back = NULL;
  g_autofree char *answer = NULL;

  g_assert_no_error (error);
  answer = holler_sdp_build_answer (local, remote);
  back = holler_sdp_parse (answer, HOLLER_SDP_ANSWER, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->dtmf_pt, ==, remote->dtmf_pt);
  *answer_out = g_steal_pointer (&answer);
  return remote->dtmf_pt;
}

/* The answer carries telephone-event only when the offer had a /48000 one,
 * and then with the offer's PT. */
static void
test_dtmf_answer (void)
{
  g_autofree char *chromium = load_fixture ("chromium-offer.sdp");
  g_autofree char *firefox = load_fixture ("firefox-offer.sdp");
  g_autofree char *only_8000 = NULL;
  g_autofree char *answer = NULL;

  /* Chromium: 110 telephone-event/48000 and 126 telephone-event/8000 */
  g_assert_cmpuint (answer_dtmf_pt (chromium, &answer), ==, 110);
  g_assert_nonnull (strstr (answer, "a=rtpmap:110 telephone-event/48000\r\n"));
  g_assert_nonnull (strstr (answer, "a=fmtp:110 0-15\r\n"));
  g_assert_null (strstr (answer, "126"));
  g_assert_null (strstr (answer, "/8000"));
  g_clear_pointer (&answer, g_free);

  /* Firefox offers only 101 telephone-event/8000: no DTMF in the answer */
  g_assert_cmpuint (answer_dtmf_pt (firefox, &answer), ==, 0);
  g_assert_null (strstr (answer, "telephone-event"));
  g_clear_pointer (&answer, g_free);

  /* Chromium's /48000 line turned into /8000: none either */
  only_8000 = replace_once (chromium, "110 telephone-event/48000", "110 telephone-event/8000");
  g_assert_cmpuint (answer_dtmf_pt (only_8000, &answer), ==, 0);
  g_assert_null (strstr (answer, "telephone-event"));
}

/* A telephone-event rtpmap whose PT is not in the m= line, or is the Opus
 * PT, or not dynamic, is not one. */
static void
test_dtmf_parse_rules (void)
{
  g_autoptr(HollerSdpDescription) local = our_description (HOLLER_DTLS_SETUP_ACTPASS);
  g_autofree char *text = holler_sdp_build_offer (local);
  struct { const char *from, *to; guint expected; } cases[] = {
    { " 111 101\r\n", " 111\r\n", 0 },                                        /* not listed */
    { "a=rtpmap:101 telephone-event/48000", "a=rtpmap:101 TELEPHONE-EVENT/48000", 101 },
    { "a=rtpmap:101 telephone-event/48000", "a=rtpmap:101 telephone-event/16000", 0 },
    { "a=rtpmap:101 telephone-event/48000", "a=rtpmap:111 telephone-event/48000", 0 },
    { "a=rtpmap:101 telephone-event/48000", "a=rtpmap:101 telephone-event/48000/1", 101 },
    { "a=rtpmap:101 telephone-event/48000", "a=rtpmap:101x telephone-event/48000", 0 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *changed = replace_once (text, cases[i].from, cases[i].to);
      g_autoptr(GError) error = NULL;
      g_autoptr(HollerSdpDescription) d = holler_sdp_parse (changed, HOLLER_SDP_OFFER, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (d->dtmf_pt, ==, cases[i].expected);
      g_assert_cmpuint (d->opus_pt, ==, 111);
    }
}

/* --- the stream's identity: a=ssrc, a=msid, a=extmap --- */

typedef struct {
  const char *file;
  guint mid_ext_id;
  const char *msid_stream;
  const char *msid_track;
} BrowserStream;

static const BrowserStream browser_streams[] = {
  { "chromium-offer.sdp", 4, "-", "c356a2b1-c7df-437a-a970-59c4387db013" },
  { "firefox-offer.sdp", 3, "-", "{d2b344e7-6396-4740-8956-3afd84896a1a}" },
};

/* A browser's offer names its stream and offers the MID extension among
 * others; our answer carries only the MID extension, with its id, and our
 * own ssrc, cname and msid. */
static void
test_stream_browser (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (browser_streams); i++)
    {
      const BrowserStream *expected = &browser_streams[i];
      g_autofree char *offer = load_fixture (expected->file);
      g_autoptr(HollerSdpDescription) remote = holler_sdp_parse (offer, HOLLER_SDP_OFFER, NULL);
      g_autoptr(HollerSdpDescription) local = our_description (HOLLER_DTLS_SETUP_ACTIVE);
      g_autoptr(HollerSdpDescription) back = NULL;
      g_autofree char *answer = NULL;
      g_autofree char *extmap = NULL;

      g_assert_nonnull (remote);
      g_assert_cmpuint (remote->mid_ext_id, ==, expected->mid_ext_id);
      g_assert_cmpstr (remote->msid_stream, ==, expected->msid_stream);
      g_assert_cmpstr (remote->msid_track, ==, expected->msid_track);
      local->mid_ext_id = 9;   /* the offer's id wins */
      answer = holler_sdp_build_answer (local, remote);
      extmap = g_strdup_printf ("a=extmap:%u " HOLLER_SDP_MID_EXTENSION "\r\n", expected->mid_ext_id);
      g_assert_nonnull (strstr (answer, extmap));
      /* exactly one extmap line: nothing we do not support is answered */
      g_assert_null (strstr (strstr (answer, "a=extmap") + 1, "a=extmap"));
      g_assert_nonnull (strstr (answer, "a=ssrc:12345678 cname:holler-test\r\n"));
      back = holler_sdp_parse (answer, HOLLER_SDP_ANSWER, NULL);
      g_assert_nonnull (back);
      g_assert_cmpuint (back->mid_ext_id, ==, expected->mid_ext_id);
      g_assert_cmpuint (back->ssrc, ==, 12345678);
      g_assert_cmpstr (back->cname, ==, "holler-test");
      g_assert_cmpstr (back->msid_stream, ==, local->msid_stream);
      g_assert_cmpstr (back->msid_track, ==, local->msid_track);
    }
}

/* An offer without the MID extension gets an answer without it. */
static void
test_stream_no_extension (void)
{
  g_autoptr(HollerSdpDescription) offerer = our_description (HOLLER_DTLS_SETUP_ACTPASS);
  g_autoptr(HollerSdpDescription) local = our_description (HOLLER_DTLS_SETUP_ACTIVE);
  g_autoptr(HollerSdpDescription) remote = NULL;
  g_autofree char *offer = NULL;
  g_autofree char *answer = NULL;

  offerer->mid_ext_id = 0;
  offer = holler_sdp_build_offer (offerer);
  remote = holler_sdp_parse (offer, HOLLER_SDP_OFFER, NULL);
  g_assert_nonnull (remote);
  g_assert_cmpuint (remote->mid_ext_id, ==, 0);
  answer = holler_sdp_build_answer (local, remote);
  g_assert_null (strstr (answer, "a=extmap"));
}

/* Unknown, malformed, out-of-range or inactive extmap lines and malformed
 * msid/ssrc attributes are ignored, never fatal; the msid on a=ssrc serves
 * when there is no media-level a=msid. */
static void
test_stream_lenient (void)
{
  g_autoptr(HollerSdpDescription) offerer = our_description (HOLLER_DTLS_SETUP_ACTPASS);
  g_autofree char *offer = NULL;
  static const struct { const char *lines; guint ext_id; const char *track; } cases[] = {
    { "a=extmap:1 urn:example:unknown\r\na=extmap:7 urn:ietf:params:rtp-hdrext:sdes:mid\r\n", 7, NULL },
    { "a=extmap:0 urn:ietf:params:rtp-hdrext:sdes:mid\r\n", 0, NULL },
    { "a=extmap:15 urn:ietf:params:rtp-hdrext:sdes:mid\r\n", 0, NULL },
    { "a=extmap:x urn:ietf:params:rtp-hdrext:sdes:mid\r\n", 0, NULL },
    { "a=extmap:5/inactive urn:ietf:params:rtp-hdrext:sdes:mid\r\n", 0, NULL },
    { "a=extmap:5/sendrecv urn:ietf:params:rtp-hdrext:sdes:mid attr\r\n", 5, NULL },
    { "a=extmap:\r\na=extmap:3\r\na=msid:\r\na=msid:onlyone\r\na=ssrc:1 msid:a\r\n", 0, NULL },
    { "a=ssrc:99 cname:x\r\na=ssrc:99 msid:s t\r\n", 0, "t" },
  };

  offerer->mid_ext_id = 0;
  g_clear_pointer (&offerer->msid_stream, g_free);
  g_clear_pointer (&offerer->msid_track, g_free);
  offerer->ssrc = 0;
  offer = holler_sdp_build_offer (offerer);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = replace (offer, "a=rtcp-mux\r\n", "");
      g_autofree char *with = g_strconcat (text, "a=rtcp-mux\r\n", cases[i].lines, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(HollerSdpDescription) d = holler_sdp_parse (with, HOLLER_SDP_OFFER, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (d->mid_ext_id, ==, cases[i].ext_id);
      g_assert_cmpstr (d->msid_track, ==, cases[i].track);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sdp/setup-to-string", test_setup_to_string);
  g_test_add_func ("/sdp/offer/text", test_offer_text);
  g_test_add_func ("/sdp/offer/round-trip", test_offer_round_trip);
  g_test_add_func ("/sdp/offer/minimal", test_offer_minimal);
  g_test_add_data_func ("/sdp/answer/round-trip-active", GINT_TO_POINTER (HOLLER_DTLS_SETUP_ACTIVE), test_answer_round_trip);
  g_test_add_data_func ("/sdp/answer/round-trip-passive", GINT_TO_POINTER (HOLLER_DTLS_SETUP_PASSIVE), test_answer_round_trip);
  g_test_add_func ("/sdp/answer/without-mid", test_answer_without_mid);
  g_test_add_func ("/sdp/stream/browser", test_stream_browser);
  g_test_add_func ("/sdp/stream/no-extension", test_stream_no_extension);
  g_test_add_func ("/sdp/stream/lenient", test_stream_lenient);
  g_test_add_func ("/sdp/dtmf/offer", test_dtmf_offer);
  g_test_add_func ("/sdp/dtmf/answer", test_dtmf_answer);
  g_test_add_func ("/sdp/dtmf/parse-rules", test_dtmf_parse_rules);
  g_test_add_data_func ("/sdp/browser/chromium-offer", &chromium_offer, test_browser_offer);
  g_test_add_data_func ("/sdp/browser/chromium-offer-raw-ips", &chromium_offer_raw_ips, test_browser_offer);
  g_test_add_data_func ("/sdp/browser/chromium-offer-no-candidates", &chromium_offer_no_candidates, test_browser_offer);
  g_test_add_data_func ("/sdp/browser/firefox-offer", &firefox_offer, test_browser_offer);
  g_test_add_data_func ("/sdp/browser/firefox-offer-no-candidates", &firefox_offer_no_candidates, test_browser_offer);
  g_test_add_data_func ("/sdp/browser/chromium-answer", &chromium_answer, test_browser_answer);
  g_test_add_data_func ("/sdp/browser/firefox-answer", &firefox_answer, test_browser_answer);
  g_test_add_func ("/sdp/browser/firefox-candidates", test_firefox_candidates);
  g_test_add_func ("/sdp/browser/lf-line-endings", test_lf_line_endings);
  g_test_add_func ("/sdp/parse/audio-selection", test_audio_selection);
  g_test_add_func ("/sdp/parse/session-level", test_session_level);
  g_test_add_func ("/sdp/parse/fingerprint-forms", test_fingerprint_forms);
  g_test_add_func ("/sdp/parse/setup-rules", test_setup_rules);
  g_test_add_func ("/sdp/bad/malformed", test_malformed);
  g_test_add_func ("/sdp/bad/huge", test_huge);
  g_test_add_func ("/sdp/bad/mutations", test_mutations);
  return g_test_run ();
}
