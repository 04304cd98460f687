/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>
#include "holler-message.h"
#include "holler-error.h"

static HollerMessage *
round_trip (const HollerMessage *msg)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = holler_message_to_json (msg);
  HollerMessage *back;

  g_assert_null (strchr (json, '\n'));
  back = holler_message_parse (json, -1, &error);
  g_assert_no_error (error);
  return back;
}

static void
test_round_trips (void)
{
  g_autoptr(HollerMessage) offer = holler_message_new (HOLLER_MESSAGE_OFFER);
  g_autoptr(HollerMessage) cand = holler_message_new (HOLLER_MESSAGE_CANDIDATE);
  g_autoptr(HollerMessage) eoc = holler_message_new (HOLLER_MESSAGE_END_OF_CANDIDATES);
  g_autoptr(HollerMessage) bye = holler_message_new (HOLLER_MESSAGE_BYE);
  g_autoptr(HollerMessage) b1 = NULL, b2 = NULL, b3 = NULL, b4 = NULL;

  offer->sdp = g_strdup ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n\"quoted\"\r\n");
  offer->from = g_strdup ("alice");
  b1 = round_trip (offer);
  g_assert_cmpint (b1->type, ==, HOLLER_MESSAGE_OFFER);
  g_assert_cmpstr (b1->sdp, ==, offer->sdp);
  g_assert_cmpstr (b1->from, ==, "alice");

  cand->candidate = g_strdup ("candidate:1 1 UDP 2122252543 192.0.2.1 5555 typ host");
  cand->sdp_mid = g_strdup ("0");
  cand->sdp_mline_index = 0;
  b2 = round_trip (cand);
  g_assert_cmpint (b2->type, ==, HOLLER_MESSAGE_CANDIDATE);
  g_assert_cmpstr (b2->candidate, ==, cand->candidate);
  g_assert_cmpstr (b2->sdp_mid, ==, "0");
  g_assert_cmpint (b2->sdp_mline_index, ==, 0);

  eoc->sdp_mid = g_strdup ("0");
  b3 = round_trip (eoc);
  g_assert_cmpint (b3->type, ==, HOLLER_MESSAGE_END_OF_CANDIDATES);

  bye->reason = g_strdup ("fingerprint-mismatch");
  b4 = round_trip (bye);
  g_assert_cmpint (b4->type, ==, HOLLER_MESSAGE_BYE);
  g_assert_cmpstr (b4->reason, ==, "fingerprint-mismatch");
}

static void
test_browser_shapes (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HollerMessage) a = holler_message_parse (
    "{\"type\":\"candidate\",\"candidate\":\"a=candidate:2 1 udp 1 10.0.0.1 9 typ host generation 0 ufrag x\","
    "\"sdpMid\":\"0\",\"sdpMLineIndex\":0,\"usernameFragment\":\"x\"}", -1, &error);
  g_autoptr(HollerMessage) b = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (a->candidate, ==, "candidate:2 1 udp 1 10.0.0.1 9 typ host generation 0 ufrag x");
  /* the browser's final null candidate */
  b = holler_message_parse ("{\"type\":\"candidate\",\"candidate\":\"\",\"sdpMid\":\"0\"}", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (b->type, ==, HOLLER_MESSAGE_END_OF_CANDIDATES);
}

static void
test_junk (void)
{
  const char *junk[] = {
    "", "   ", "not json", "[1,2]", "42", "null", "\"offer\"", "{}", "{\"type\":7}",
    "{\"type\":\"dance\"}", "{\"type\":\"offer\"}", "{\"type\":\"offer\",\"sdp\":5}",
    "{\"type\":\"answer\",\"sdp\":{}}", "{\"type\":\"candidate\"}",
    "{\"type\":\"candidate\",\"candidate\":\"c\",\"sdpMLineIndex\":-1}",
    "{\"type\":\"candidate\",\"candidate\":\"c\",\"sdpMLineIndex\":\"0\"}",
    "{\"type\":\"candidate\",\"candidate\":\"c\",\"sdpMLineIndex\":1e300}",
    "{\"type\":\"candidate\",\"candidate\":\"c\",\"sdpMid\":[]}",
    "{\"type\":\"bye\",\"reason\":false}", "{\"type\":\"bye\",\"to\":1}",
    "{\"type\":\"offer\",\"sdp\":\"v=0\"", "\xff\xfe\xfd",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (junk); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HollerMessage) msg = holler_message_parse (junk[i], -1, &error);

      g_autofree char *shown = g_strescape (junk[i], NULL);

      g_test_message ("%s -> %s", shown, error ? error->message : "(accepted)");
      g_assert_null (msg);
      g_assert_error (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_MESSAGE);
    }
}

static void
test_embedded_nul (void)
{
  g_autoptr(GError) error = NULL;
  const char text[] = "{\"type\":\"bye\"}\0garbage";
  g_autoptr(HollerMessage) msg = holler_message_parse (text, sizeof text - 1, &error);

  g_assert_null (msg);
  g_assert_error (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_MESSAGE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/message/round-trips", test_round_trips);
  g_test_add_func ("/message/browser-shapes", test_browser_shapes);
  g_test_add_func ("/message/junk", test_junk);
  g_test_add_func ("/message/embedded-nul", test_embedded_nul);
  return g_test_run ();
}
