/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: one signaling message (holler_message_parse), as it
 * arrives on stdin or in a WebSocket frame, including the rendezvous
 * envelope (register, registered, error, ringing, from/to). Whatever parse
 * accepts must serialize (holler_message_to_json) to strict JSON that
 * parses again to the same message. */
#include <string.h>
#include "fuzz-common.h"
#include "holler-message.h"
#include "holler-error.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_glib ();
  return 0;
}

static void
check_same_string (const char *field, const char *a, const char *b)
{
  FUZZ_CHECK (g_strcmp0 (a, b) == 0, "%s changed in the round trip: “%s” → “%s”", field,
              a ? a : "(null)", b ? b : "(null)");
}

static void
check_round_trip (const HollerMessage *msg)
{
  g_autofree char *json = holler_message_to_json (msg);
  g_autoptr(HollerMessage) again = NULL;
  g_autoptr(GError) error = NULL;

  FUZZ_CHECK (json != NULL, "to_json returned NULL");
  FUZZ_CHECK (strchr (json, '\n') == NULL && strchr (json, '\r') == NULL, "to_json is not one line: %s", json);
  again = holler_message_parse (json, -1, &error);
  FUZZ_CHECK (again != NULL, "our own JSON does not parse: %s\n%s", error->message, json);
  /* a candidate must not change type in a round trip (a finding, now fixed) */
  FUZZ_CHECK (again->type == msg->type, "type %d → %d (%s)", msg->type, again->type, json);
  check_same_string ("from", msg->from, again->from);
  check_same_string ("to", msg->to, again->to);
  switch (msg->type)
    {
    case HOLLER_MESSAGE_OFFER:
    case HOLLER_MESSAGE_ANSWER:
      check_same_string ("sdp", msg->sdp, again->sdp);
      break;
    case HOLLER_MESSAGE_CANDIDATE:
      check_same_string ("candidate", msg->candidate, again->candidate);
      check_same_string ("sdpMid", msg->sdp_mid, again->sdp_mid);
      FUZZ_CHECK (again->sdp_mline_index == msg->sdp_mline_index, "sdpMLineIndex %d → %d",
                  msg->sdp_mline_index, again->sdp_mline_index);
      break;
    case HOLLER_MESSAGE_END_OF_CANDIDATES:
      /* to_json leaves sdpMLineIndex out of end-of-candidates */
      check_same_string ("sdpMid", msg->sdp_mid, again->sdp_mid);
      break;
    case HOLLER_MESSAGE_BYE:
      check_same_string ("reason", msg->reason, again->reason);
      break;
    case HOLLER_MESSAGE_RINGING:
      break;
    case HOLLER_MESSAGE_ERROR:
      check_same_string ("code", msg->code, again->code);
      check_same_string ("message", msg->text, again->text);
      break;
    case HOLLER_MESSAGE_REGISTER:
      check_same_string ("id", msg->id, again->id);
      check_same_string ("token", msg->token, again->token);
      break;
    case HOLLER_MESSAGE_REGISTERED:
      check_same_string ("id", msg->id, again->id);
      break;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(HollerMessage) msg = NULL;
  g_autoptr(GError) error = NULL;

  /* The length-taking form, as the WebSocket backend calls it: embedded
   * NULs and no terminator are its job to handle. */
  msg = holler_message_parse ((const char *) data, (gssize) size, &error);
  if (msg == NULL)
    {
      FUZZ_CHECK (error != NULL, "failure without an error");
      FUZZ_CHECK (g_error_matches (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_MESSAGE),
                  "wrong error: %s", error->message);
      fuzz_check_error_utf8 ("holler_message_parse", error);
      return 0;
    }
  FUZZ_CHECK (error == NULL, "success with an error set");
  FUZZ_CHECK (holler_message_type_to_string (msg->type) != NULL, "type name");
  if (msg->type == HOLLER_MESSAGE_CANDIDATE)
    FUZZ_CHECK (msg->candidate != NULL && msg->candidate[0] != '\0', "empty candidate kept");
  check_round_trip (msg);
  return 0;
}
