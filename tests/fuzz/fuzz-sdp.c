/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: remote SDP, as an offer and as an answer
 * (holler_sdp_parse), and the answer we build to every offer we accept
 * (holler_sdp_build_answer), which must parse back as an answer with the
 * same m-line layout. */
#include <string.h>
#include "fuzz-common.h"
#include "holler-sdp.h"
#include "holler-error.h"

#define FP "0E:2F:BC:A0:38:69:AB:55:D9:A1:E0:BC:E8:6B:54:ED:CC:19:C9:B8:6E:BB:BA:0F:F1:59:DE:8E:C6:BD:62:D6"

static HollerSdpDescription *local;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_glib ();
  local = holler_sdp_description_new ();
  local->session_id = 4611731400430051336ULL;
  local->session_version = 1;
  local->ice_ufrag = g_strdup ("abcd");
  local->ice_pwd = g_strdup ("0123456789abcdefghijkl");
  local->ice_trickle = TRUE;
  local->fingerprint_alg = g_strdup ("sha-256");
  local->fingerprint = g_strdup (FP);
  local->setup = HOLLER_DTLS_SETUP_ACTIVE;
  local->rtcp_mux = TRUE;
  local->ssrc = 12345678;
  local->cname = g_strdup ("holler-fuzz");
  return 0;
}

static void
check_description (const HollerSdpDescription *d, const GError *error)
{
  FUZZ_CHECK (error == NULL, "success with an error set");
  FUZZ_CHECK (g_error_matches (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_SDP) || error == NULL, "wrong domain");
  FUZZ_CHECK (d->ice_ufrag != NULL && d->ice_pwd != NULL, "no ICE credentials");
  FUZZ_CHECK (d->fingerprint != NULL && d->fingerprint_alg != NULL, "no fingerprint");
  FUZZ_CHECK (d->other_media->len == d->other_media_index->len, "other_media arrays differ");
  FUZZ_CHECK (d->opus_pt <= 127, "opus pt %u", d->opus_pt);
  FUZZ_CHECK (d->dtmf_pt == 0 || (d->dtmf_pt >= 96 && d->dtmf_pt <= 127 && d->dtmf_pt != d->opus_pt),
              "telephone-event pt %u", d->dtmf_pt);
  for (guint i = 0; i < d->other_media_index->len; i++)
    FUZZ_CHECK (g_array_index (d->other_media_index, guint, i) != d->mline_index,
                "audio m-line index %u listed as other media too", d->mline_index);
  for (guint i = 0; i < d->candidates->len; i++)
    FUZZ_CHECK (g_str_has_prefix (g_ptr_array_index (d->candidates, i), "candidate:"), "candidate prefix");
}

static void
check_failure (const GError *error)
{
  FUZZ_CHECK (error != NULL, "failure without an error");
  FUZZ_CHECK (g_error_matches (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_SDP),
              "failure with the wrong error: %s", error->message);
  fuzz_check_error_utf8 ("holler_sdp_parse", error);
}

static void
check_our_answer (const HollerSdpDescription *offer)
{
  g_autofree char *text = holler_sdp_build_answer (local, offer);
  g_autoptr(HollerSdpDescription) answer = NULL;
  g_autoptr(GError) error = NULL;

  FUZZ_CHECK (text != NULL, "no answer built");
  answer = holler_sdp_parse (text, HOLLER_SDP_ANSWER, &error);
  FUZZ_CHECK (answer != NULL, "our answer does not parse: %s\n--- answer ---\n%s",
              error->message, text);
  FUZZ_CHECK (answer->mline_index == offer->mline_index, "audio at %u, offer had %u",
              answer->mline_index, offer->mline_index);
  FUZZ_CHECK (answer->other_media->len == offer->other_media->len, "m-line count differs");
  FUZZ_CHECK (answer->opus_pt == offer->opus_pt, "opus pt %u vs %u", answer->opus_pt, offer->opus_pt);
  FUZZ_CHECK (answer->dtmf_pt == offer->dtmf_pt, "telephone-event pt %u vs %u", answer->dtmf_pt, offer->dtmf_pt);
  FUZZ_CHECK (g_strcmp0 (answer->mid, offer->mid) == 0, "mid %s vs %s", answer->mid, offer->mid);
  FUZZ_CHECK (answer->setup == HOLLER_DTLS_SETUP_ACTIVE, "setup %d", answer->setup);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = fuzz_strndup (data, size);

  for (int t = HOLLER_SDP_OFFER; t <= HOLLER_SDP_ANSWER; t++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HollerSdpDescription) d = holler_sdp_parse (text, t, &error);

      if (d == NULL)
        {
          check_failure (error);
          continue;
        }
      check_description (d, error);
      if (t == HOLLER_SDP_OFFER)
        check_our_answer (d);
      else
        FUZZ_CHECK (d->setup != HOLLER_DTLS_SETUP_ACTPASS, "answer accepted with actpass");
    }
  return 0;
}
