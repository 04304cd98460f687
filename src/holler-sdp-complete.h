/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Our offer or answer as one complete description, for peers that do not
 * trickle (SIP): @sdp (from holler_sdp_build_offer/answer, without
 * candidates) with @candidates ("candidate:..." strings) in its audio
 * section, a=end-of-candidates when @end_of_candidates, no
 * a=ice-options:trickle, and the first UDP RTP candidate as the default
 * address (c= and the m= port, RFC 8839 §4.2.1.1) that peers without ICE
 * would use. HOLLER_ERROR_INVALID_SDP when @sdp has no audio line. */
char *holler_sdp_complete (const char *sdp, const char * const *candidates,
                           gboolean end_of_candidates, GError **error);

/* Whether an offer's audio can be DTLS-SRTP: an audio m-line over
 * UDP/TLS/RTP/SAVP(F) (or TCP/TLS/RTP/SAVP(F)) and an a=fingerprint. FALSE
 * for plain RTP/AVP, SDES (RTP/SAVP with a=crypto) and anything that is not
 * SDP: such an offer is refused before any media. */
gboolean holler_sdp_offers_dtls_srtp (const char *sdp);

G_END_DECLS
