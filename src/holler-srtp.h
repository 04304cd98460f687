/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include "holler-dtls.h"

G_BEGIN_DECLS

/* Room to leave after an RTP packet for the SRTP/SRTCP trailer. */
#define HOLLER_SRTP_MAX_TRAILER 148

typedef struct _HollerSrtp HollerSrtp;

typedef struct {
  guint64 protected_packets;
  guint64 unprotected_packets;
  guint64 auth_failures;      /* forged or corrupted packets dropped */
  guint64 replays;            /* replayed packets dropped */
} HollerSrtpStats;

gboolean    holler_srtp_gcm_supported (void);
const char *holler_srtp_profile_name  (HollerSrtpProfile profile);

/* Three libsrtp sessions, so none needs a lock: one to send RTP (used by
 * the send streaming thread), one to send RTCP (rtpsession's thread; the
 * same keys: SRTCP derives its own from them, RFC 3711 §4.3, and keeps its
 * own index) and one to receive both (used on the main context). */
HollerSrtp *holler_srtp_new  (const HollerSrtpKeys *keys, GError **error);
void        holler_srtp_free (HollerSrtp *srtp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HollerSrtp, holler_srtp_free)

/* In place; buf must have HOLLER_SRTP_MAX_TRAILER bytes free after *len. */
gboolean holler_srtp_protect     (HollerSrtp *srtp, guint8 *buf, int *len, gboolean rtcp);
/* In place; FALSE (and counted) for packets that fail authentication or replay. */
gboolean holler_srtp_unprotect   (HollerSrtp *srtp, guint8 *buf, int *len, gboolean rtcp);
void     holler_srtp_get_stats   (HollerSrtp *srtp, HollerSrtpStats *stats);

G_END_DECLS
