/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: one WebSocket frame as the rendezvous server receives
 * it from a client (holler_rendezvous_frame_parse, the function the server
 * itself calls): size limit, JSON checks, register or relay. The first
 * byte picks text/binary and the size limit, the rest is the payload.
 * Invariants: a decision is always one of the four kinds; a refusal says
 * why in UTF-8; an accepted frame has a UTF-8 "type" matching its kind, and
 * its id/token/to are the object's string members. */
#include <string.h>
#include "fuzz-common.h"
#include "server/holler-rendezvous-frame.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_glib ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_auto(HollerRendezvousFrame) frame = { 0 };
  static const gsize limits[] = { 256, 1024, 65536, 4 };
  gboolean is_text;
  gsize limit;
  HollerRendezvousFrameKind kind;

  if (size < 1)
    return 0;
  /* mostly text frames with the default limit: the interesting path */
  is_text = (data[0] & 0x80) == 0;
  limit = limits[(data[0] & 0x60) == 0x60 ? (data[0] & 0x03) : 2];
  kind = holler_rendezvous_frame_parse ((const char *) data + 1, size - 1, is_text, limit, &frame);
  FUZZ_CHECK (kind == frame.kind, "returned %d, frame says %d", kind, frame.kind);
  switch (kind)
    {
    case HOLLER_RENDEZVOUS_FRAME_TOO_LARGE:
      FUZZ_CHECK (size - 1 > limit, "%zu bytes too large for %zu", size - 1, limit);
      FUZZ_CHECK (frame.object == NULL, "object kept");
      break;
    case HOLLER_RENDEZVOUS_FRAME_BAD_JSON:
      FUZZ_CHECK (frame.object == NULL && frame.type == NULL, "object kept");
      FUZZ_CHECK (frame.why != NULL && g_utf8_validate (frame.why, -1, NULL), "no UTF-8 reason");
      break;
    case HOLLER_RENDEZVOUS_FRAME_REGISTER:
    case HOLLER_RENDEZVOUS_FRAME_RELAY:
      FUZZ_CHECK (is_text && size - 1 <= limit, "accepted binary or oversized frame");
      FUZZ_CHECK (frame.object != NULL && frame.type != NULL && frame.why == NULL, "accepted without object");
      FUZZ_CHECK (g_utf8_validate (frame.type, -1, NULL), "type is not UTF-8");
      FUZZ_CHECK ((kind == HOLLER_RENDEZVOUS_FRAME_REGISTER) == (strcmp (frame.type, "register") == 0),
                  "kind %d for type “%s”", kind, frame.type);
      FUZZ_CHECK (frame.type == holler_rendezvous_frame_get_string (frame.object, "type"), "type");
      if (kind == HOLLER_RENDEZVOUS_FRAME_REGISTER)
        {
          FUZZ_CHECK (frame.to == NULL, "register with to");
          FUZZ_CHECK (frame.id == holler_rendezvous_frame_get_string (frame.object, "id"), "id");
          FUZZ_CHECK (frame.token == holler_rendezvous_frame_get_string (frame.object, "token"), "token");
        }
      else
        {
          FUZZ_CHECK (frame.id == NULL && frame.token == NULL, "relay with id");
          FUZZ_CHECK (frame.to == holler_rendezvous_frame_get_string (frame.object, "to"), "to");
          /* the server sets "from" and relays: must not disturb the rest */
          json_object_set_string_member (frame.object, "from", "x");
        }
      break;
    default:
      FUZZ_CHECK (FALSE, "unknown kind %d", kind);
    }
  return 0;
}
