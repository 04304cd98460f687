/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What one call is asked to do; filled from the command line. */
typedef struct {
  char *input;              /* tone:HZ | file:PATH | [raw:]default | [raw:]device:NAME | pipeline:DESC | silence | echo */
  char *greeting;           /* an input spec (file:PATH) played before the input, or NULL */
  char *output;             /* file:PATH.wav | ogg:PATH.ogg | null | default | device:NAME */
  double duration;          /* seconds in the active state before hanging up; 0 = until the peer hangs up */
  gboolean allow_loopback;
  char **ice_addresses;     /* only gather on these local addresses */
  gboolean auto_answer;
  double connect_timeout;   /* seconds of peer silence before connecting that fail the call */
  char *keylog;             /* append exported SRTP keys here (debugging, tests) */
  char **stun_servers;      /* "stun:HOST[:PORT]" */
  char **turn_servers;      /* "turn[s]:[USER:PASS@]HOST[:PORT][?transport=udp|tcp]" */
  char *turn_secret;        /* TURN REST shared secret (time-limited credentials) */
  char *turn_rest_id;       /* user part of TURN REST usernames (our id; NULL: "holler") */
  gboolean relay_only;      /* only relayed candidates */
  char *dtmf;               /* DTMF digits sent once the call is active, or NULL */
  int jitter_buffer_ms;     /* a fixed receive jitter buffer; 0 = adaptive (holler-jitter.h) */
  char *known_peers;        /* the known-peers file (holler-known-peers.h); NULL: peers are not pinned */
  gboolean strict_peers;    /* a known peer's changed key ends the call (peer-key-changed) */
} HollerCallOptions;

HollerCallOptions *holler_call_options_new  (void);
HollerCallOptions *holler_call_options_copy (const HollerCallOptions *options);
void               holler_call_options_free (HollerCallOptions *options);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HollerCallOptions, holler_call_options_free)

/* Checks values after parsing; HOLLER_ERROR_USAGE on bad ones. */
gboolean holler_call_options_validate (const HollerCallOptions *options, GError **error);

G_END_DECLS
