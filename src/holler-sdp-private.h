/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by holler-sdp.c and holler-sdp-stream.c only. */
#pragma once

#include <gst/sdp/sdp.h>
#include "holler-sdp.h"

G_BEGIN_DECLS

/* Visible ASCII without spaces */
gboolean holler_sdp_is_token (const char *s);

/* holler-sdp-stream.c: the lines that name our RTP stream (a=extmap for
 * the MID header extension, a=msid, a=ssrc with cname and msid) */
void holler_sdp_parse_stream (const GstSDPMedia *media, HollerSdpDescription *d);
void holler_sdp_add_stream  (GstSDPMedia *media, const HollerSdpDescription *local);

G_END_DECLS
