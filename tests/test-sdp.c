/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>
#include "holler-sdp.h"
#include "holler-error.h"

#define FP "0E:2F:BC:A0:38:69:AB:55:D9:A1:E0:BC:E8:6B:54:ED:CC:19:C9:B8:6E:BB:BA:0F:F1:59:DE:8E:C6:BD:62:D6"

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
  g_ptr_array_add (d->candidates, g_strdup ("candidate:1 1 UDP 2122252543 127.0.0.1 5555 typ host"));
  d->end_of_candidates = TRUE;
  return d;
}

static void
assert_same (const HollerSdpDescription *a, const HollerSdpDescription *b)
{
  g_assert_cmpstr (a->ice_ufrag, ==, b->ice_ufrag);
  g_assert_cmpstr (a->ice_pwd, ==, b->ice_pwd);
  g_assert_cmpstr (a->fingerprint_alg, ==, b->fingerprint_alg);
  g_assert_cmpstr (a->fingerprint, ==, b->fingerprint);
  g_assert_cmpint (a->setup, ==, b->setup);
  g_assert_cmpstr (a->mid, ==, b->mid);
  g_assert_cmpuint (a->opus_pt, ==, b->opus_pt);
  g_assert_cmpint (a->ice_trickle, ==, b->ice_trickle);
  g_assert_cmpint (a->rtcp_mux, ==, b->rtcp_mux);
  g_assert_cmpuint (a->ssrc, ==, b->ssrc);
  g_assert_cmpstr (a->cname, ==, b->cname);
  g_assert_cmpuint (a->candidates->len, ==, b->candidates->len);
  for (guint i = 0; i < a->candidates->len; i++)
    g_assert_cmpstr (g_ptr_array_index (a->candidates, i), ==, g_ptr_array_index (b->candidates, i));
  g_assert_cmpint (a->end_of_candidates, ==, b->end_of_candidates);
  g_assert_cmpuint (a->session_id, ==, b->session_id);
}

static void
test_offer_round_trip (void)
{
  g_autoptr(HollerSdpDescription) local = our_description (HOLLER_DTLS_SETUP_ACTPASS);
  g_autofree char *text = holler_sdp_build_offer (local);
  g_autoptr(GError) error = NULL;
  g_autoptr(HollerSdpDescription) back = holler_sdp_parse (text, HOLLER_SDP_OFFER, &error);

  g_test_message ("%s", text);
  g_assert_no_error (error);
  assert_same (local, back);
  /* what a browser needs to see */
  g_assert_nonnull (strstr (text, "a=group:BUNDLE 0\r\n"));
  g_assert_nonnull (strstr (text, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"));
  g_assert_nonnull (strstr (text, "a=rtpmap:111 opus/48000/2\r\n"));
  g_assert_nonnull (strstr (text, "a=fmtp:111 minptime=10;useinbandfec=1\r\n"));
  g_assert_nonnull (strstr (text, "a=setup:actpass\r\n"));
  g_assert_nonnull (strstr (text, "a=ice-options:trickle\r\n"));
  g_assert_nonnull (strstr (text, "a=fingerprint:sha-256 " FP "\r\n"));
}

static void
test_answer_round_trip (void)
{
  g_autoptr(HollerSdpDescription) offer_desc = our_description (HOLLER_DTLS_SETUP_ACTPASS);
  g_autoptr(HollerSdpDescription) answer_desc = our_description (HOLLER_DTLS_SETUP_ACTIVE);
  g_autofree char *offer = holler_sdp_build_offer (offer_desc);
  g_autoptr(HollerSdpDescription) remote = holler_sdp_parse (offer, HOLLER_SDP_OFFER, NULL);
  g_autofree char *answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HollerSdpDescription) back = NULL;

  g_assert_nonnull (remote);
  answer = holler_sdp_build_answer (answer_desc, remote);
  back = holler_sdp_parse (answer, HOLLER_SDP_ANSWER, &error);
  g_assert_no_error (error);
  assert_same (answer_desc, back);
}

static char *
load_fixture (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fixtures", name, NULL);
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

/* A browser's offer gets an answer with its m-lines mirrored. */
static void
check_browser_offer (const char *fixture, guint expected_pt, const char *expected_fp_prefix)
{
  g_autofree char *offer = load_fixture (fixture);
  g_autoptr(GError) error = NULL;
  g_autoptr(HollerSdpDescription) remote = holler_sdp_parse (offer, HOLLER_SDP_OFFER, &error);
  g_autoptr(HollerSdpDescription) local = our_description (HOLLER_DTLS_SETUP_ACTIVE);
  g_autoptr(HollerSdpDescription) back = NULL;
  g_autofree char *answer = NULL;
  g_auto(GStrv) lines = NULL;
  guint m_lines = 0, rejected = 0;

  g_assert_no_error (error);
  g_assert_cmpuint (remote->opus_pt, ==, expected_pt);
  g_assert_cmpstr (remote->mid, ==, "0");
  g_assert_cmpuint (remote->mline_index, ==, 0);
  g_assert_cmpint (remote->setup, ==, HOLLER_DTLS_SETUP_ACTPASS);
  g_assert_true (remote->ice_trickle);
  g_assert_true (remote->rtcp_mux);
  g_assert_true (g_str_has_prefix (remote->fingerprint, expected_fp_prefix));
  g_assert_cmpuint (remote->other_media->len, ==, 2);   /* video and data channel */
  g_assert_nonnull (remote->ice_ufrag);
  g_assert_cmpuint (remote->ssrc, !=, 0);

  answer = holler_sdp_build_answer (local, remote);
  g_test_message ("%s", answer);
  back = holler_sdp_parse (answer, HOLLER_SDP_ANSWER, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->opus_pt, ==, expected_pt);
  g_assert_cmpint (back->setup, ==, HOLLER_DTLS_SETUP_ACTIVE);
  lines = g_strsplit (answer, "\r\n", -1);
  for (gsize i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "m="))
      {
        m_lines++;
        if (strstr (lines[i], " 0 ") == lines[i] + strcspn (lines[i], " "))
          rejected++;
      }
  g_assert_cmpuint (m_lines, ==, 3);
  g_assert_cmpuint (rejected, ==, 2);
  g_assert_nonnull (strstr (answer, "a=mid:1\r\n"));
  g_assert_nonnull (strstr (answer, "a=mid:2\r\n"));
  g_assert_nonnull (strstr (answer, "a=group:BUNDLE 0\r\n"));
}

static void
test_chromium_offer (void)
{
  check_browser_offer ("chromium-offer.sdp", 111, "F3:0D:88");
}

static void
test_firefox_offer (void)
{
  check_browser_offer ("firefox-offer.sdp", 109, "B5:F0:88");
}

static char *
replace (const char *text, const char *from, const char *to)
{
  g_auto(GStrv) parts = g_strsplit (text, from, -1);

  g_assert_cmpuint (g_strv_length (parts), >=, 2);
  return g_strjoinv (to, parts);
}

static void
test_malformed (void)
{
  g_autofree char *chromium = load_fixture ("chromium-offer.sdp");
  g_autoptr(HollerSdpDescription) local = our_description (HOLLER_DTLS_SETUP_ACTPASS);
  g_autofree char *ours = holler_sdp_build_offer (local);
  g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) huge = g_string_new ("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=x:");

  for (int i = 0; i < 200000; i++)
    g_string_append_c (huge, 'x');
  g_string_append (huge, "\r\n");

  g_ptr_array_add (cases, g_strdup (""));
  g_ptr_array_add (cases, g_strdup ("hello world"));
  g_ptr_array_add (cases, g_strdup ("v=0\r\n\xff\xfe\x00\x01"));
  g_ptr_array_add (cases, g_strndup (chromium, strstr (chromium, "a=fingerprint") - chromium));   /* truncated */
  g_ptr_array_add (cases, replace (ours, "a=ice-ufrag:abcd\r\n", ""));
  g_ptr_array_add (cases, replace (ours, "a=fingerprint:sha-256 " FP "\r\n", ""));
  g_ptr_array_add (cases, replace (ours, "a=fingerprint:sha-256 ", "a=fingerprint:sha-1 "));
  g_ptr_array_add (cases, replace (ours, "0E:2F:BC", "0E:2F:BZ"));
  g_ptr_array_add (cases, replace (ours, "0E:2F:BC:", "0E2F:BC:"));
  g_ptr_array_add (cases, replace (ours, "m=audio", "m=video"));
  g_ptr_array_add (cases, replace (ours, "m=audio 9", "m=audio 0"));
  g_ptr_array_add (cases, replace (ours, "opus/48000/2", "PCMU/8000"));
  g_ptr_array_add (cases, replace (ours, "UDP/TLS/RTP/SAVPF", "RTP/AVP"));
  g_ptr_array_add (cases, replace (ours, "a=setup:actpass", "a=setup:sideways"));
  g_ptr_array_add (cases, g_strdup ("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"));
  g_ptr_array_add (cases, g_string_free (g_steal_pointer (&huge), FALSE));

  for (guint i = 0; i < cases->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HollerSdpDescription) d = holler_sdp_parse (g_ptr_array_index (cases, i), HOLLER_SDP_OFFER, &error);

      g_test_message ("case %u: %s", i, error ? error->message : "(accepted)");
      g_assert_null (d);
      g_assert_error (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_SDP);
    }
}

static void
test_answer_rules (void)
{
  g_autoptr(HollerSdpDescription) local = our_description (HOLLER_DTLS_SETUP_ACTPASS);
  g_autofree char *ours = holler_sdp_build_offer (local);
  g_autofree char *no_setup = replace (ours, "a=setup:actpass\r\n", "");
  g_autoptr(GError) error = NULL;
  g_autoptr(HollerSdpDescription) d = NULL;

  /* an answer must choose a role */
  d = holler_sdp_parse (ours, HOLLER_SDP_ANSWER, &error);
  g_assert_null (d);
  g_assert_error (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_SDP);
  g_clear_error (&error);
  d = holler_sdp_parse (no_setup, HOLLER_SDP_ANSWER, &error);
  g_assert_error (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_SDP);
  g_clear_error (&error);
  /* an offer without a=setup is taken as actpass */
  d = holler_sdp_parse (no_setup, HOLLER_SDP_OFFER, &error);
  g_assert_no_error (error);
  g_assert_cmpint (d->setup, ==, HOLLER_DTLS_SETUP_ACTPASS);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sdp/offer-round-trip", test_offer_round_trip);
  g_test_add_func ("/sdp/answer-round-trip", test_answer_round_trip);
  g_test_add_func ("/sdp/chromium-offer", test_chromium_offer);
  g_test_add_func ("/sdp/firefox-offer", test_firefox_offer);
  g_test_add_func ("/sdp/malformed", test_malformed);
  g_test_add_func ("/sdp/answer-rules", test_answer_rules);
  return g_test_run ();
}
