/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* holler-message: the wire shapes of docs/signaling.md, round trips for
 * every type, what browsers send, and junk that must fail cleanly. */
#include <string.h>
#include "holler-message.h"
#include "holler-error.h"

#define CANDIDATE "candidate:1 1 UDP 2122252543 192.0.2.1 5555 typ host"

static HollerMessage *
parse_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  HollerMessage *msg = holler_message_parse (text, -1, &error);

  g_assert_no_error (error);
  g_assert_nonnull (msg);
  return msg;
}

/* Parsing must fail with INVALID_MESSAGE; returns the error message. */
static char *
parse_fails (const char *text, gssize length)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HollerMessage) msg = holler_message_parse (text, length, &error);

  g_assert_null (msg);
  g_assert_error (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_MESSAGE);
  g_assert_nonnull (error->message);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  return g_strdup (error->message);
}

static HollerMessage *
round_trip (const HollerMessage *msg)
{
  g_autofree char *json = holler_message_to_json (msg);

  g_assert_nonnull (json);
  g_assert_null (strchr (json, '\n'));
  g_assert_null (strchr (json, '\r'));
  return parse_ok (json);
}

static void
test_type_names (void)
{
  g_assert_cmpstr (holler_message_type_to_string (HOLLER_MESSAGE_OFFER), ==, "offer");
  g_assert_cmpstr (holler_message_type_to_string (HOLLER_MESSAGE_ANSWER), ==, "answer");
  g_assert_cmpstr (holler_message_type_to_string (HOLLER_MESSAGE_CANDIDATE), ==, "candidate");
  g_assert_cmpstr (holler_message_type_to_string (HOLLER_MESSAGE_END_OF_CANDIDATES), ==, "end-of-candidates");
  g_assert_cmpstr (holler_message_type_to_string (HOLLER_MESSAGE_BYE), ==, "bye");
  g_assert_cmpstr (holler_message_type_to_string (HOLLER_MESSAGE_RINGING), ==, "ringing");
  g_assert_cmpstr (holler_message_type_to_string (HOLLER_MESSAGE_ERROR), ==, "error");
  g_assert_cmpstr (holler_message_type_to_string (HOLLER_MESSAGE_REGISTER), ==, "register");
  g_assert_cmpstr (holler_message_type_to_string (HOLLER_MESSAGE_REGISTERED), ==, "registered");
}

/* The rendezvous envelope of docs/signaling.md */
static void
test_rendezvous_messages (void)
{
  g_autoptr(HollerMessage) reg = holler_message_new (HOLLER_MESSAGE_REGISTER);
  g_autoptr(HollerMessage) back = NULL;
  g_autoptr(HollerMessage) err = NULL;
  g_autoptr(HollerMessage) ringing = NULL;
  g_autofree char *json = NULL;

  reg->id = g_strdup ("alice");
  reg->token = g_strdup ("s3cret");
  json = holler_message_to_json (reg);
  g_assert_cmpstr (json, ==, "{\"type\":\"register\",\"id\":\"alice\",\"token\":\"s3cret\"}");
  back = round_trip (reg);
  g_assert_cmpint (back->type, ==, HOLLER_MESSAGE_REGISTER);
  g_assert_cmpstr (back->id, ==, "alice");
  g_assert_cmpstr (back->token, ==, "s3cret");

  err = parse_ok ("{\"type\":\"error\",\"code\":\"peer-offline\",\"message\":\"bob is not online\",\"to\":\"bob\"}");
  g_assert_cmpint (err->type, ==, HOLLER_MESSAGE_ERROR);
  g_assert_cmpstr (err->code, ==, "peer-offline");
  g_assert_cmpstr (err->text, ==, "bob is not online");
  g_assert_cmpstr (err->to, ==, "bob");

  ringing = parse_ok ("{\"type\":\"ringing\",\"from\":\"bob\",\"to\":\"alice\"}");
  g_assert_cmpint (ringing->type, ==, HOLLER_MESSAGE_RINGING);
  g_assert_cmpstr (ringing->from, ==, "bob");

  g_free (parse_fails ("{\"type\":\"error\",\"message\":\"no code\"}", -1));
  g_free (parse_fails ("{\"type\":\"register\"}", -1));
  g_free (parse_fails ("{\"type\":\"register\",\"id\":7}", -1));
  g_free (parse_fails ("{\"type\":\"registered\",\"id\":null}", -1));
}

/* Exactly the lines of docs/signaling.md: other stacks parse them. */
static void
test_wire_format (void)
{
  g_autoptr(HollerMessage) offer = holler_message_new (HOLLER_MESSAGE_OFFER);
  g_autoptr(HollerMessage) cand = holler_message_new (HOLLER_MESSAGE_CANDIDATE);
  g_autoptr(HollerMessage) eoc = holler_message_new (HOLLER_MESSAGE_END_OF_CANDIDATES);
  g_autoptr(HollerMessage) bye = holler_message_new (HOLLER_MESSAGE_BYE);
  g_autofree char *offer_json = NULL, *cand_json = NULL, *eoc_json = NULL, *bye_json = NULL;

  offer->sdp = g_strdup ("v=0\r\ns=-\r\n");
  offer_json = holler_message_to_json (offer);
  g_assert_cmpstr (offer_json, ==, "{\"type\":\"offer\",\"sdp\":\"v=0\\r\\ns=-\\r\\n\"}");

  cand->candidate = g_strdup (CANDIDATE);
  cand->sdp_mid = g_strdup ("0");
  cand->sdp_mline_index = 0;
  cand_json = holler_message_to_json (cand);
  g_assert_cmpstr (cand_json, ==,
                   "{\"type\":\"candidate\",\"candidate\":\"" CANDIDATE "\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}");

  eoc_json = holler_message_to_json (eoc);
  g_assert_cmpstr (eoc_json, ==, "{\"type\":\"end-of-candidates\"}");

  bye->reason = g_strdup ("hangup");
  bye->to = g_strdup ("bob");
  bye_json = holler_message_to_json (bye);
  g_assert_cmpstr (bye_json, ==, "{\"type\":\"bye\",\"reason\":\"hangup\",\"to\":\"bob\"}");
}

static void
test_round_trips (void)
{
  g_autoptr(HollerMessage) offer = holler_message_new (HOLLER_MESSAGE_OFFER);
  g_autoptr(HollerMessage) answer = holler_message_new (HOLLER_MESSAGE_ANSWER);
  g_autoptr(HollerMessage) cand = holler_message_new (HOLLER_MESSAGE_CANDIDATE);
  g_autoptr(HollerMessage) bare = holler_message_new (HOLLER_MESSAGE_CANDIDATE);
  g_autoptr(HollerMessage) eoc = holler_message_new (HOLLER_MESSAGE_END_OF_CANDIDATES);
  g_autoptr(HollerMessage) bye = holler_message_new (HOLLER_MESSAGE_BYE);
  g_autoptr(HollerMessage) b1 = NULL, b2 = NULL, b3 = NULL, b4 = NULL, b5 = NULL, b6 = NULL;

  offer->sdp = g_strdup ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=\"quoted\" \\ back\tslash é ☎\r\n");
  offer->from = g_strdup ("alice");
  offer->to = g_strdup ("bob");
  b1 = round_trip (offer);
  g_assert_cmpint (b1->type, ==, HOLLER_MESSAGE_OFFER);
  g_assert_cmpstr (b1->sdp, ==, offer->sdp);
  g_assert_cmpstr (b1->from, ==, "alice");
  g_assert_cmpstr (b1->to, ==, "bob");
  g_assert_null (b1->candidate);
  g_assert_null (b1->reason);

  answer->sdp = g_strdup ("v=0\r\n");
  b2 = round_trip (answer);
  g_assert_cmpint (b2->type, ==, HOLLER_MESSAGE_ANSWER);
  g_assert_cmpstr (b2->sdp, ==, "v=0\r\n");
  g_assert_null (b2->from);
  g_assert_null (b2->to);

  cand->candidate = g_strdup (CANDIDATE);
  cand->sdp_mid = g_strdup ("audio");
  cand->sdp_mline_index = 3;
  b3 = round_trip (cand);
  g_assert_cmpint (b3->type, ==, HOLLER_MESSAGE_CANDIDATE);
  g_assert_cmpstr (b3->candidate, ==, CANDIDATE);
  g_assert_cmpstr (b3->sdp_mid, ==, "audio");
  g_assert_cmpint (b3->sdp_mline_index, ==, 3);

  /* neither sdpMid nor sdpMLineIndex: both stay absent */
  bare->candidate = g_strdup (CANDIDATE);
  b4 = round_trip (bare);
  g_assert_null (b4->sdp_mid);
  g_assert_cmpint (b4->sdp_mline_index, ==, -1);

  eoc->sdp_mid = g_strdup ("0");
  b5 = round_trip (eoc);
  g_assert_cmpint (b5->type, ==, HOLLER_MESSAGE_END_OF_CANDIDATES);
  g_assert_cmpstr (b5->sdp_mid, ==, "0");
  g_assert_null (b5->candidate);

  bye->reason = g_strdup ("fingerprint-mismatch");
  b6 = round_trip (bye);
  g_assert_cmpint (b6->type, ==, HOLLER_MESSAGE_BYE);
  g_assert_cmpstr (b6->reason, ==, "fingerprint-mismatch");
}

/* Minimal messages, and fields that do not belong to the type */
static void
test_minimal (void)
{
  g_autoptr(HollerMessage) eoc = parse_ok ("{\"type\":\"end-of-candidates\"}");
  g_autoptr(HollerMessage) bye = parse_ok ("{\"type\":\"bye\"}");
  g_autoptr(HollerMessage) stray = holler_message_new (HOLLER_MESSAGE_BYE);
  g_autofree char *stray_json = NULL;

  g_assert_cmpint (eoc->type, ==, HOLLER_MESSAGE_END_OF_CANDIDATES);
  g_assert_null (eoc->sdp_mid);
  g_assert_cmpint (eoc->sdp_mline_index, ==, -1);
  g_assert_cmpint (bye->type, ==, HOLLER_MESSAGE_BYE);
  g_assert_null (bye->reason);

  /* only the type's own fields go on the wire */
  stray->sdp = g_strdup ("v=0\r\n");
  stray->candidate = g_strdup (CANDIDATE);
  stray_json = holler_message_to_json (stray);
  g_assert_cmpstr (stray_json, ==, "{\"type\":\"bye\"}");
}

static void
test_browser_shapes (void)
{
  /* JSON.stringify of an RTCIceCandidate with a type added */
  g_autoptr(HollerMessage) a = parse_ok (
    "{\"type\":\"candidate\",\"candidate\":\"a=candidate:2 1 udp 1 10.0.0.1 9 typ host generation 0 ufrag x\","
    "\"sdpMid\":\"0\",\"sdpMLineIndex\":0,\"usernameFragment\":\"x\",\"extra\":{\"nested\":[1,2,{}]}}");
  /* the last icecandidate event: empty candidate */
  g_autoptr(HollerMessage) b = parse_ok (
    "{\"type\":\"candidate\",\"candidate\":\"\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0,\"usernameFragment\":null}");
  g_autoptr(HollerMessage) c = parse_ok ("{\"type\":\"candidate\",\"candidate\":\"a=\"}");
  /* nulls for absent optional fields, keys in another order */
  g_autoptr(HollerMessage) d = parse_ok (
    "{\"sdpMLineIndex\":null,\"sdpMid\":null,\"candidate\":\"" CANDIDATE "\",\"type\":\"candidate\"}");
  /* JSON.stringify (desc, null, 2), with \u escapes */
  g_autoptr(HollerMessage) e = parse_ok ("{\n  \"type\": \"offer\",\n  \"sdp\": \"v=0\\r\\ns=\\u00e9\\ud83d\\ude00\\r\\n\"\r\n}\r\n");

  g_assert_cmpint (a->type, ==, HOLLER_MESSAGE_CANDIDATE);
  g_assert_cmpstr (a->candidate, ==, "candidate:2 1 udp 1 10.0.0.1 9 typ host generation 0 ufrag x");
  g_assert_cmpint (a->sdp_mline_index, ==, 0);

  g_assert_cmpint (b->type, ==, HOLLER_MESSAGE_END_OF_CANDIDATES);
  g_assert_null (b->candidate);
  g_assert_cmpstr (b->sdp_mid, ==, "0");

  g_assert_cmpint (c->type, ==, HOLLER_MESSAGE_END_OF_CANDIDATES);

  g_assert_cmpint (d->type, ==, HOLLER_MESSAGE_CANDIDATE);
  g_assert_null (d->sdp_mid);
  g_assert_cmpint (d->sdp_mline_index, ==, -1);

  g_assert_cmpint (e->type, ==, HOLLER_MESSAGE_OFFER);
  g_assert_cmpstr (e->sdp, ==, "v=0\r\ns=é😀\r\n");
}

static void
test_junk (void)
{
  const char *junk[] = {
    /* not JSON, or not strict JSON */
    "", "   ", "\n", "not json", "{", "}", "{]", "{\"type\":\"offer\",\"sdp\":\"v=0\"", "\xff\xfe\xfd",
    "\xef\xbb\xbf{\"type\":\"bye\"}", "{'type':'bye'}", "{\"type\":\"bye\"} // comment",
    "/* c */ {\"type\":\"bye\"}", "var x = {\"type\":\"bye\"}", "{\"type\":\"bye\",}",
    "{\"type\":\"bye\"}{\"type\":\"bye\"}", "{\"type\":\"bye\"} []", "{\"type\":\"bye\"};",
    "{\"type\":\"bye\",\"reason\":\"a\tb\"}", "{\"type\":\"bye\",\"reason\":\"a\\u0000b\"}",
    "{\"type\":\"bye\",\"reason\":\"\\ud800\"}", "{\"type\":\"bye\",\"reason\":\"a\\ud800b\"}",
    "{\"type\":\"bye\",\"reason\":\"\\udfff\"}",
    "{\"type\":\"bye\",\"reason\":\"\xc3\"}", "{\"type\":\"bye\",\"n\":NaN}",
    /* not an object */
    "[1,2]", "42", "null", "true", "\"offer\"", "[{\"type\":\"bye\"}]",
    /* no usable type */
    "{}", "{\"type\":7}", "{\"type\":null}", "{\"type\":[\"offer\"]}", "{\"type\":\"\"}",
    "{\"type\":\"dance\"}", "{\"type\":\"OFFER\",\"sdp\":\"v=0\"}", "{\"Type\":\"bye\"}",
    /* missing or mistyped fields */
    "{\"type\":\"offer\"}", "{\"type\":\"offer\",\"sdp\":null}", "{\"type\":\"offer\",\"sdp\":5}",
    "{\"type\":\"answer\",\"sdp\":{}}", "{\"type\":\"answer\",\"sdp\":[\"v=0\"]}",
    "{\"type\":\"candidate\"}", "{\"type\":\"candidate\",\"candidate\":null}",
    "{\"type\":\"candidate\",\"candidate\":true}",
    "{\"type\":\"candidate\",\"candidate\":\"c\",\"sdpMLineIndex\":-1}",
    "{\"type\":\"candidate\",\"candidate\":\"c\",\"sdpMLineIndex\":\"0\"}",
    "{\"type\":\"candidate\",\"candidate\":\"c\",\"sdpMLineIndex\":0.5}",
    "{\"type\":\"candidate\",\"candidate\":\"c\",\"sdpMLineIndex\":1e300}",
    "{\"type\":\"candidate\",\"candidate\":\"c\",\"sdpMLineIndex\":2147483648}",
    "{\"type\":\"candidate\",\"candidate\":\"c\",\"sdpMLineIndex\":9223372036854775808}",
    "{\"type\":\"candidate\",\"candidate\":\"c\",\"sdpMLineIndex\":99999999999999999999999999}",
    "{\"type\":\"candidate\",\"candidate\":\"c\",\"sdpMLineIndex\":[0]}",
    "{\"type\":\"candidate\",\"candidate\":\"c\",\"sdpMid\":[]}",
    "{\"type\":\"candidate\",\"candidate\":\"c\",\"sdpMid\":0}",
    "{\"type\":\"end-of-candidates\",\"sdpMid\":false}",
    "{\"type\":\"end-of-candidates\",\"sdpMLineIndex\":-3}",
    "{\"type\":\"bye\",\"reason\":false}", "{\"type\":\"bye\",\"to\":1}", "{\"type\":\"bye\",\"from\":{}}",
    /* nesting: a little is fine in ignored fields, this is not */
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]",
    "{\"type\":\"bye\",\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (junk); i++)
    {
      g_autofree char *shown = g_strescape (junk[i], NULL);
      g_autofree char *message = NULL;

      g_test_message ("%s", shown);
      message = parse_fails (junk[i], -1);
      g_test_message ("  -> %s", message);
    }
}

/* The errors say what is wrong, without passing a peer's control
 * characters on to a terminal. */
static void
test_error_messages (void)
{
  g_autofree char *unknown = parse_fails ("{\"type\":\"dance\"}", -1);
  g_autofree char *no_type = parse_fails ("{\"sdp\":\"v=0\"}", -1);
  g_autofree char *no_sdp = parse_fails ("{\"type\":\"answer\"}", -1);
  g_autofree char *bad_index = parse_fails ("{\"type\":\"candidate\",\"candidate\":\"c\",\"sdpMLineIndex\":\"1\"}", -1);
  g_autofree char *bad_to = parse_fails ("{\"type\":\"bye\",\"to\":[]}", -1);
  g_autofree char *escape = parse_fails ("{\"type\":\"\\u001b[2Jx\\u0085\"}", -1);
  g_autofree char *long_type = g_strdup_printf ("{\"type\":\"%0500d\"}", 7);
  g_autofree char *long_message = parse_fails (long_type, -1);
  g_autofree char *not_object = parse_fails ("[]", -1);
  g_autofree char *not_json = parse_fails ("hello", -1);
  g_autofree char *lone_high = parse_fails ("{\"type\":\"bye\",\"reason\":\"a\\ud800b\"}", -1);
  g_autofree char *lone_low = parse_fails ("{\"type\":\"bye\",\"reason\":\"\\udfff\\ud800\"}", -1);
  g_autofree char *high_high = parse_fails ("{\"type\":\"bye\",\"reason\":\"\\ud800\\ud800\"}", -1);

  g_assert_nonnull (strstr (unknown, "dance"));
  g_assert_nonnull (strstr (no_type, "type"));
  g_assert_nonnull (strstr (no_sdp, "sdp"));
  g_assert_nonnull (strstr (bad_index, "sdpMLineIndex"));
  g_assert_nonnull (strstr (bad_to, "to"));
  g_assert_null (strchr (escape, '\x1b'));
  g_assert_null (strstr (escape, "\xc2\x85"));
  g_assert_nonnull (strstr (escape, "\\u001b[2Jx"));
  g_assert_cmpuint (strlen (long_message), <, 200);
  g_assert_nonnull (strstr (not_object, "object"));
  g_assert_nonnull (strstr (not_json, "JSON"));
  /* json-glib itself calls these an "unterminated string constant" */
  g_assert_nonnull (strstr (lone_high, "surrogate"));
  g_assert_nonnull (strstr (lone_high, "\\ud800"));
  g_assert_nonnull (strstr (lone_low, "\\udfff"));
  g_assert_nonnull (strstr (high_high, "surrogate"));
}

/* json-glib recurses per level: a 256 KiB line must not blow the stack,
 * and quotes must not hide brackets from the depth check. */
static void
test_deep_nesting (void)
{
  const gsize depth = 200000;
  g_autoptr(GString) arrays = g_string_new (NULL);
  g_autoptr(GString) objects = g_string_new ("{\"type\":\"bye\",\"x\":");
  g_autoptr(GString) quoted = g_string_new ("{\"type\":\"bye\",\"a\":\"\\\"\",\"b\":");
  g_autoptr(GString) single = g_string_new ("{'a':'\"','b':");
  g_autofree char *m1 = NULL, *m2 = NULL, *m3 = NULL, *m4 = NULL;

  for (gsize i = 0; i < depth; i++)
    {
      g_string_append_c (arrays, '[');
      g_string_append (objects, "{\"x\":");
      g_string_append_c (quoted, '[');
      g_string_append_c (single, '[');
    }
  for (gsize i = 0; i < depth; i++)
    {
      g_string_append_c (arrays, ']');
      g_string_append_c (objects, '}');
      g_string_append_c (quoted, ']');
      g_string_append_c (single, ']');
    }
  g_string_append_c (objects, '}');
  g_string_append (quoted, "}");
  g_string_append (single, ",'c':'\"'}");

  m1 = parse_fails (arrays->str, arrays->len);
  m2 = parse_fails (objects->str, objects->len);
  m3 = parse_fails (quoted->str, quoted->len);
  m4 = parse_fails (single->str, single->len);
  g_assert_nonnull (strstr (m1, "deep"));
  g_assert_nonnull (strstr (m2, "deep"));
  g_assert_nonnull (strstr (m3, "deep"));
  g_assert_nonnull (strstr (m4, "JSON"));
}

static void
test_length (void)
{
  const char nul[] = "{\"type\":\"bye\"}\0garbage";
  const char nul_inside[] = "{\"type\":\"bye\",\"reason\":\"a\0b\"}";
  const char text[] = "{\"type\":\"bye\"}{\"type\":\"offer\"}";
  g_autofree char *m1 = parse_fails (nul, sizeof nul - 1);
  g_autofree char *m2 = parse_fails (nul_inside, sizeof nul_inside - 1);
  g_autoptr(GError) error = NULL;
  /* only the first 14 bytes are the message */
  g_autoptr(HollerMessage) msg = holler_message_parse (text, 14, &error);

  g_assert_no_error (error);
  g_assert_cmpint (msg->type, ==, HOLLER_MESSAGE_BYE);
  g_assert_nonnull (strstr (m1, "NUL"));
  g_assert_nonnull (strstr (m2, "NUL"));
}

/* Random damage to valid messages: each parse either succeeds or fails
 * with INVALID_MESSAGE, and whatever parses serializes and parses again.
 * Run with --seed to repeat a failure. */
static void
test_mutations (void)
{
  const char *seeds[] = {
    "{\"type\":\"offer\",\"sdp\":\"v=0\\r\\no=- 1 1 IN IP4 127.0.0.1\\r\\n\",\"from\":\"a\",\"to\":\"b\"}",
    "{\"type\":\"candidate\",\"candidate\":\"" CANDIDATE "\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}",
    "{\"type\":\"end-of-candidates\",\"sdpMid\":\"0\"}",
    "{\"type\":\"bye\",\"reason\":\"hangup\",\"x\":[1,{\"y\":null},true,-2.5e3]}",
  };
  const char alphabet[] = "{}[]\":,\\u0aZ \n\x01\xc3\xa9\xff";

  for (guint round = 0; round < 20000; round++)
    {
      const char *seed = seeds[g_test_rand_int_range (0, G_N_ELEMENTS (seeds))];
      g_autoptr(GString) text = g_string_new (seed);
      g_autoptr(GError) error = NULL;
      g_autoptr(HollerMessage) msg = NULL;
      guint edits = g_test_rand_int_range (1, 5);

      for (guint e = 0; e < edits && text->len > 0; e++)
        {
          gsize at = g_test_rand_int_range (0, text->len);
          char c = g_test_rand_bit () ? alphabet[g_test_rand_int_range (0, sizeof alphabet - 1)]
                                      : (char) g_test_rand_int_range (0, 256);

          switch (g_test_rand_int_range (0, 4))
            {
            case 0: text->str[at] = c; break;
            case 1: g_string_insert_c (text, at, c); break;
            case 2: g_string_erase (text, at, 1); break;
            default: g_string_truncate (text, at); break;
            }
        }
      msg = holler_message_parse (text->str, text->len, &error);
      if (msg == NULL)
        {
          g_assert_error (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_MESSAGE);
        }
      else
        {
          g_autofree char *json = holler_message_to_json (msg);
          g_autoptr(HollerMessage) again = NULL;

          g_assert_no_error (error);
          g_assert_true (g_utf8_validate (json, -1, NULL));
          again = parse_ok (json);
          g_assert_cmpint (again->type, ==, msg->type);
        }
    }
}

/* What we send is strict JSON on one line, whatever the fields hold:
 * control characters escaped (json-glib 1.6 forgets U+001F), invalid
 * UTF-8 repaired. */
static void
test_escaping (void)
{
  g_autoptr(HollerMessage) controls = holler_message_new (HOLLER_MESSAGE_BYE);
  g_autoptr(HollerMessage) bad_utf8 = holler_message_new (HOLLER_MESSAGE_BYE);
  g_autoptr(HollerMessage) back = NULL, back_utf8 = NULL;
  g_autofree char *json = NULL;
  char reason[0x21] = { 0 };

  for (int c = 1; c < 0x20; c++)
    reason[c - 1] = (char) c;
  reason[0x1f] = 0x7f;
  controls->reason = g_strdup (reason);
  json = holler_message_to_json (controls);
  for (const char *p = json; *p != '\0'; p++)
    g_assert_cmpint ((guchar) *p, >=, 0x20);
  g_assert_nonnull (strstr (json, "\\u001f"));
  back = round_trip (controls);
  g_assert_cmpstr (back->reason, ==, reason);

  bad_utf8->reason = g_strdup ("bad\xc3");
  back_utf8 = round_trip (bad_utf8);
  g_assert_true (g_str_has_prefix (back_utf8->reason, "bad"));
  g_assert_true (g_utf8_validate (back_utf8->reason, -1, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/message/type-names", test_type_names);
  g_test_add_func ("/message/rendezvous", test_rendezvous_messages);
  g_test_add_func ("/message/wire-format", test_wire_format);
  g_test_add_func ("/message/round-trips", test_round_trips);
  g_test_add_func ("/message/minimal", test_minimal);
  g_test_add_func ("/message/browser-shapes", test_browser_shapes);
  g_test_add_func ("/message/junk", test_junk);
  g_test_add_func ("/message/error-messages", test_error_messages);
  g_test_add_func ("/message/deep-nesting", test_deep_nesting);
  g_test_add_func ("/message/length", test_length);
  g_test_add_func ("/message/mutations", test_mutations);
  g_test_add_func ("/message/escaping", test_escaping);
  return g_test_run ();
}
