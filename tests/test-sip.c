/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The sip: backend's pure parts: SIP responses to messages (docs/sip.md),
 * accounts and callee names, complete descriptions for peers that do not
 * trickle, and the DTLS-SRTP check that refuses plain RTP and SDES. */
#include <string.h>
#include <glib/gstdio.h>
#include "holler-sip-map.h"
#include "holler-sip-account.h"
#include "holler-sdp-complete.h"
#include "holler-sdp.h"
#include "holler-error.h"

#define HOST_CANDIDATE "candidate:1 1 UDP 2122252543 192.0.2.1 5555 typ host"
#define TCP_CANDIDATE "candidate:2 1 TCP 1518280447 192.0.2.1 9 typ host tcptype active"

static HollerMessage *
respond (int status, const char *phrase)
{
  return holler_sip_map_invite_response (status, phrase, NULL, NULL, "bob");
}

static void
test_map_responses (void)
{
  struct { int status; HollerMessageType type; const char *what; } table[] = {
    { 100, HOLLER_MESSAGE_RINGING, NULL }, { 180, HOLLER_MESSAGE_RINGING, NULL },
    { 183, HOLLER_MESSAGE_RINGING, NULL },
    { 486, HOLLER_MESSAGE_BYE, "busy" }, { 600, HOLLER_MESSAGE_BYE, "busy" },
    { 603, HOLLER_MESSAGE_BYE, "rejected" }, { 403, HOLLER_MESSAGE_BYE, "rejected" },
    { 404, HOLLER_MESSAGE_ERROR, "peer-offline" }, { 480, HOLLER_MESSAGE_ERROR, "peer-offline" },
    { 410, HOLLER_MESSAGE_ERROR, "peer-offline" }, { 604, HOLLER_MESSAGE_ERROR, "peer-offline" },
    { 503, HOLLER_MESSAGE_ERROR, "sip-503-service-unavailable" },
    { 488, HOLLER_MESSAGE_ERROR, "sip-488-not-acceptable-here" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
    {
      const char *phrase = table[i].status == 503 ? "Service Unavailable"
                           : table[i].status == 488 ? "Not Acceptable Here" : "Whatever";
      g_autoptr(HollerMessage) msg = respond (table[i].status, phrase);

      g_assert_nonnull (msg);
      g_assert_cmpint (msg->type, ==, table[i].type);
      g_assert_cmpstr (msg->from, ==, "bob");
      if (table[i].type == HOLLER_MESSAGE_BYE)
        g_assert_cmpstr (msg->reason, ==, table[i].what);
      if (table[i].type == HOLLER_MESSAGE_ERROR)
        g_assert_cmpstr (msg->code, ==, table[i].what);
    }
  /* handled inside the backend: authentication, our own CANCEL */
  g_assert_null (respond (401, "Unauthorized"));
  g_assert_null (respond (407, "Proxy Authentication Required"));
  g_assert_null (respond (487, "Request Terminated"));
}

static void
test_map_answer (void)
{
  g_autoptr(HollerMessage) answer = holler_sip_map_invite_response (200, "OK", NULL, "v=0\r\n", "bob");
  g_autoptr(HollerMessage) empty = holler_sip_map_invite_response (200, "OK", NULL, NULL, "bob");
  g_autoptr(HollerMessage) warned = holler_sip_map_invite_response (488, "Not Acceptable Here",
                                                                    "peer offers no DTLS-SRTP", NULL, "bob");

  g_assert_cmpint (answer->type, ==, HOLLER_MESSAGE_ANSWER);
  g_assert_cmpstr (answer->sdp, ==, "v=0\r\n");
  g_assert_cmpint (empty->type, ==, HOLLER_MESSAGE_ERROR);
  g_assert_cmpstr (empty->code, ==, "bad-sdp");
  g_assert_nonnull (strstr (warned->text, "peer offers no DTLS-SRTP"));
  g_assert_nonnull (strstr (warned->text, "488"));
}

/* Whatever a peer puts in the phrase: a bounded reason of [a-z0-9-] */
static void
test_map_reason_hostile (void)
{
  const char *phrases[] = { "", NULL, "   ", "\x01\x02\xff\xfe", "Ünïcödé Ärger",
                            "A very long reason phrase that goes on and on and on and on and on",
                            "--", "\"quoted\"\r\nInjected: header" };

  for (gsize i = 0; i < G_N_ELEMENTS (phrases); i++)
    {
      g_autofree char *reason = holler_sip_map_reason (599, phrases[i]);
      g_autoptr(HollerMessage) msg = holler_sip_map_invite_response (599, phrases[i], phrases[i], NULL, "x");

      g_assert_true (g_str_has_prefix (reason, "sip-599"));
      g_assert_cmpuint (strlen (reason), <=, 40);
      g_assert_cmpuint (strspn (reason, "abcdefghijklmnopqrstuvwxyz0123456789-"), ==, strlen (reason));
      g_assert_false (g_str_has_suffix (reason, "-"));
      g_assert_true (g_utf8_validate (msg->text, -1, NULL));
      g_assert_null (strpbrk (msg->text, "\r\n"));
    }
  {
    g_autofree char *busy = holler_sip_map_reason (486, "Busy Here");

    g_assert_cmpstr (busy, ==, "sip-486-busy-here");
  }
}

static void
test_map_refusal (void)
{
  const char *phrase;

  g_assert_cmpint (holler_sip_map_refusal ("busy", &phrase), ==, 486);
  g_assert_cmpint (holler_sip_map_refusal ("bad-sdp", &phrase), ==, 488);
  g_assert_cmpint (holler_sip_map_refusal ("rejected", &phrase), ==, 603);
  g_assert_cmpstr (phrase, ==, "Decline");
  g_assert_cmpint (holler_sip_map_refusal ("timeout", &phrase), ==, 480);
  g_assert_cmpint (holler_sip_map_refusal (NULL, &phrase), ==, 480);
}

static void
test_account (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HollerSipAccount) a = holler_sip_account_parse ("sip:alice@example.org:5070;transport=TCP", &error);
  g_autoptr(HollerSipAccount) v6 = holler_sip_account_parse ("sip:bob@[2001:db8::1]", &error);
  const char *bad[] = { "sip:example.org", "sip:@example.org", "ws://x", "sip:a b@example.org",
                        "sip:alice@example.org;transport=sctp", "sip:alice@example.org;lr",
                        "sips:alice@example.org;transport=udp", "sip:alice@", "sip:", "sips:",
                        "sips:alice@example.org", "sip:alice@example.org;transport=tls" };
  g_autofree char *registrar = NULL, *bare = NULL, *full = NULL, *at = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (a->aor, ==, "sip:alice@example.org");
  g_assert_cmpstr (a->user, ==, "alice");
  g_assert_cmpstr (a->domain, ==, "example.org");
  g_assert_cmpstr (a->transport, ==, "tcp");
  registrar = holler_sip_account_registrar (a);
  g_assert_cmpstr (registrar, ==, "sip:example.org:5070;transport=tcp");
  g_assert_cmpstr (v6->domain, ==, "[2001:db8::1]");
  bare = holler_sip_account_resolve (a, "bob", &error);
  full = holler_sip_account_resolve (a, "sip:carol@other.org", &error);
  at = holler_sip_account_resolve (a, "dave@other.org", &error);
  g_assert_cmpstr (bare, ==, "sip:bob@example.org");
  g_assert_cmpstr (full, ==, "sip:carol@other.org");
  g_assert_cmpstr (at, ==, "sip:dave@other.org");
  g_assert_null (holler_sip_account_resolve (a, "bob>\r\nVia: x", &error));
  g_assert_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE);
  g_clear_error (&error);
  g_assert_null (holler_sip_account_resolve (a, "a@b@c", NULL));
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_null (holler_sip_account_parse (bad[i], &error));
      g_assert_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE);
      g_clear_error (&error);
    }
}

static void
test_password_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HollerSipAccount) a = holler_sip_account_parse ("sip:alice@example.org", NULL);
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "holler-test-sip-pw", NULL);

  g_assert_true (g_file_set_contents (path, "s3cret:with:colons\nsecond line\n", -1, NULL));
  g_assert_true (holler_sip_account_read_password (a, path, &error));
  g_assert_cmpstr (a->password, ==, "s3cret:with:colons");
  g_assert_true (g_file_set_contents (path, "\n", -1, NULL));
  g_assert_false (holler_sip_account_read_password (a, path, &error));
  g_assert_error (error, HOLLER_ERROR, HOLLER_ERROR_CONFIG);
  g_clear_error (&error);
  g_unlink (path);
  g_assert_false (holler_sip_account_read_password (a, path, &error));
  g_assert_error (error, HOLLER_ERROR, HOLLER_ERROR_CONFIG);
}

static char *
our_offer (void)
{
  g_autoptr(HollerSdpDescription) d = holler_sdp_description_new ();

  d->ice_ufrag = g_strdup ("ufrag");
  d->ice_pwd = g_strdup ("passwordpasswordpassword");
  d->ice_trickle = TRUE;
  d->fingerprint_alg = g_strdup ("sha-256");
  d->fingerprint = g_strdup ("AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89");
  d->setup = HOLLER_DTLS_SETUP_ACTPASS;
  d->mid = g_strdup ("0");
  d->opus_pt = 111;
  return holler_sdp_build_offer (d);
}

static void
test_complete (void)
{
  g_autofree char *offer = our_offer ();
  const char *candidates[] = { TCP_CANDIDATE, HOST_CANDIDATE, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *complete = holler_sdp_complete (offer, candidates, TRUE, &error);
  g_autoptr(HollerSdpDescription) parsed = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (strstr (offer, "a=ice-options:trickle"));
  g_assert_null (strstr (complete, "trickle"));
  g_assert_nonnull (strstr (complete, "a=end-of-candidates"));
  /* the first UDP candidate is the default address */
  g_assert_nonnull (strstr (complete, "m=audio 5555 UDP/TLS/RTP/SAVPF"));
  g_assert_nonnull (strstr (complete, "c=IN IP4 192.0.2.1"));
  g_assert_nonnull (strstr (complete, "a=rtcp:5555 IN IP4 192.0.2.1"));
  parsed = holler_sdp_parse (complete, HOLLER_SDP_OFFER, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (parsed->candidates->len, ==, 2);
  g_assert_true (parsed->end_of_candidates);
  g_assert_false (parsed->ice_trickle);
  g_assert_null (holler_sdp_complete ("not sdp", candidates, TRUE, &error));
  g_assert_error (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_SDP);
}

static void
test_offers_dtls (void)
{
  g_autofree char *offer = our_offer ();

  g_assert_true (holler_sdp_offers_dtls_srtp (offer));
  g_assert_false (holler_sdp_offers_dtls_srtp (NULL));
  g_assert_false (holler_sdp_offers_dtls_srtp (""));
  g_assert_false (holler_sdp_offers_dtls_srtp ("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n"
                                               "m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"));
  g_assert_false (holler_sdp_offers_dtls_srtp ("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n"
                                               "m=audio 4000 RTP/SAVP 111\r\n"
                                               "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAAA\r\n"));
  /* the right profile but no fingerprint: no DTLS either */
  g_assert_false (holler_sdp_offers_dtls_srtp ("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n"
                                               "m=audio 4000 UDP/TLS/RTP/SAVPF 111\r\n"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sip/map/responses", test_map_responses);
  g_test_add_func ("/sip/map/answer", test_map_answer);
  g_test_add_func ("/sip/map/reason-hostile", test_map_reason_hostile);
  g_test_add_func ("/sip/map/refusal", test_map_refusal);
  g_test_add_func ("/sip/account", test_account);
  g_test_add_func ("/sip/password-file", test_password_file);
  g_test_add_func ("/sip/complete", test_complete);
  g_test_add_func ("/sip/offers-dtls", test_offers_dtls);
  return g_test_run ();
}
