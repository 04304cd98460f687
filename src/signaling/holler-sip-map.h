/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "holler-message.h"

G_BEGIN_DECLS

/* What a response to our INVITE means to the call, as a message from
 * @peer (docs/sip.md): 1xx ringing; 2xx the answer (@sdp, its body, or an
 * error when there is none); 486/600 bye "busy"; 603/403 bye "rejected";
 * 404/410/480/604 error "peer-offline"; any other final response error
 * "sip-CODE-reason-phrase" with the phrase and @warning (its Warning text,
 * may be NULL) in the text. NULL for 401/407 (the backend authenticates)
 * and 487 (the end of a transaction we cancelled). Never fails on any
 * @phrase, @warning or @sdp. */
HollerMessage *holler_sip_map_invite_response (int status, const char *phrase, const char *warning,
                                               const char *sdp, const char *peer);

/* "sip-CODE-words-of-the-phrase": lower case, at most 40 characters of
 * [a-z0-9-], usable as an end reason */
char *holler_sip_map_reason (int status, const char *phrase);

/* The final response that refuses an INVITE we have not answered, for our
 * bye @reason: busy 486, bad-sdp 488, rejected/hangup 603, anything else
 * 480. Its reason phrase in @phrase. */
int holler_sip_map_refusal (const char *reason, const char **phrase);

G_END_DECLS
