/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: one trickled remote ICE candidate line, as it comes
 * from a "candidate" message or an a=candidate SDP attribute, through
 * holler_ice_add_remote_candidate(): our field checks (mDNS, transport,
 * component) and then libnice's nice_agent_parse_remote_candidate_sdp()
 * and nice_agent_set_remote_candidates(). A fresh agent per input (libnice
 * keeps at most 25 remote candidates per component, and inputs must not
 * depend on each other); no gathering, so nothing is sent anywhere. */
#include <string.h>
#include "fuzz-common.h"
#include "holler-ice.h"
#include "holler-error.h"

static GMainContext *context;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_glib ();
  context = g_main_context_new ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *line = NULL;
  g_autoptr(GError) error = NULL;
  HollerIce *ice;
  gboolean added;

  /* the longest candidate a browser sends is under 300 bytes; messages are
   * capped at 64 KiB by the transports */
  if (size > 65536)
    return 0;
  line = fuzz_strndup (data, size);
  /* candidates reach HollerIce only from JSON strings and SDP, both
   * checked to be UTF-8 first: that is the function's precondition */
  if (!g_utf8_validate (line, -1, NULL))
    return 0;
  ice = holler_ice_new (context, TRUE, NULL);
  FUZZ_CHECK (holler_ice_set_remote_credentials (ice, "abcd", "0123456789abcdefghijkl", NULL),
              "credentials refused");
  added = holler_ice_add_remote_candidate (ice, line, &error);
  if (!added)
    {
      FUZZ_CHECK (g_error_matches (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_MESSAGE),
                  "wrong error: %s", error ? error->message : "(none)");
      fuzz_check_error_utf8 ("holler_ice_add_remote_candidate", error);
    }
  else
    {
      FUZZ_CHECK (error == NULL, "success with an error set");
      /* the same line twice is a duplicate, which libnice merges */
      g_clear_error (&error);
      (void) holler_ice_add_remote_candidate (ice, line, &error);
      holler_ice_remote_gathering_done (ice);
    }
  holler_ice_close (ice);
  g_object_unref (ice);
  while (g_main_context_iteration (context, FALSE))
    ;
  return 0;
}
