/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: RTCP from the peer, after SRTCP (holler_rtcp_parse),
 * the check in front of rtpsession. Whatever it accepts must hold at
 * least one packet and a non-empty CNAME if any; whatever it refuses
 * leaves an empty summary. */
#include <string.h>
#include <gst/gst.h>
#include "fuzz-common.h"
#include "holler-rtcp.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_glib ();
  gst_init (NULL, NULL);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  HollerRtcpSummary summary;
  gboolean ok = holler_rtcp_parse (data, size, &summary);

  if (ok)
    {
      FUZZ_CHECK (summary.n_packets > 0, "accepted without a packet");
      FUZZ_CHECK (summary.cname == NULL || summary.cname[0] != '\0' || size > 0, "empty cname");
      FUZZ_CHECK (!summary.has_rb || summary.sender_ssrc != 0 || size >= 8, "report block from nowhere");
    }
  else
    FUZZ_CHECK (summary.n_packets == 0 && summary.cname == NULL, "refused with a summary");
  holler_rtcp_summary_clear (&summary);
  return 0;
}
