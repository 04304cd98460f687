/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>
#include "holler-ice.h"
#include "holler-dtls.h"
#include "holler-srtp.h"

G_BEGIN_DECLS

#define HOLLER_TYPE_TRANSPORT (holler_transport_get_type ())
G_DECLARE_FINAL_TYPE (HollerTransport, holler_transport, HOLLER, TRANSPORT, GObject)

typedef struct {
  HollerIceConfig ice;         /* borrowed for holler_transport_new() only */
  guint dtls_timeout_ms;       /* the handshake after ICE connects; 0: 15 s */
} HollerTransportConfig;

/* Called on the main context with each SRTP or SRTCP packet that
 * authenticated, already unprotected (rtcp: an RTCP packet, rtcp-mux). */
typedef void (*HollerTransportReceiveFunc) (const guint8 *packet, gsize len, gboolean rtcp,
                                            gpointer user_data);

/* One call's secure media path (RFC 8827): an ICE stream with one
 * component, DTLS over its selected pair bound to the peer's SDP
 * fingerprint, and SRTP keyed from that handshake. Packets arriving on
 * the component are demultiplexed by their first byte (RFC 7983); DTLS
 * the ICE layer could not send yet (no selected pair) waits for the first
 * pair. The transport knows nothing of SDP or signaling: its owner passes
 * credentials, candidates, the fingerprint and the role in and out.
 *
 * Signals (all on the main context):
 *   "local-candidate" (const char *candidate)   "candidate:..." to trickle
 *   "gathering-done"  ()
 *   "selected-pair"   (gboolean first)  ICE has a working pair: the first
 *                     time (DTLS starts now), then once after each restart
 *   "dtls-connected"  ()   handshake done and the peer's certificate
 *                     matches its fingerprint; SRTP is installed next
 *   "dtls-failed"     (GError *error)  HOLLER_ERROR_FINGERPRINT_MISMATCH,
 *                     HOLLER_ERROR_DTLS_FAILED (including the timeout), or
 *                     HOLLER_ERROR_SRTP when its keys cannot be installed
 *   "ready"           ()   SRTP keys installed: media may flow both ways
 *   "failed"          (GError *error)  HOLLER_ERROR_ICE_FAILED: no pair
 *                     worked, or consent was lost on the working one
 *   "network-changed" ()   local addresses or routes changed (settled)
 *   "warning"         (const char *text)  worth telling the user
 */
HollerTransport *holler_transport_new (GMainContext *context, gboolean controlling,
                                       const HollerTransportConfig *config);

/* --- what the peer needs from us --- */
gboolean    holler_transport_gather (HollerTransport *self, GError **error);
void        holler_transport_get_local_credentials (HollerTransport *self, char **ufrag, char **pwd);
/* "sha-256" of the per-process certificate, "AB:CD:…" */
const char *holler_transport_get_local_fingerprint (HollerTransport *self, GError **error);

/* --- what we learn from the peer --- */
gboolean holler_transport_set_remote_credentials (HollerTransport *self, const char *ufrag,
                                                  const char *pwd, GError **error);
/* Once: our DTLS role and the certificate fingerprint the peer announced.
 * The handshake starts when ICE has a pair. */
gboolean holler_transport_set_remote_fingerprint (HollerTransport *self, gboolean dtls_client,
                                                  const char *fingerprint, GError **error);
gboolean holler_transport_has_remote_fingerprint (HollerTransport *self);
/* Unusable candidates (mDNS names, TCP) are reported through @error. */
gboolean holler_transport_add_remote_candidate (HollerTransport *self, const char *candidate,
                                                GError **error);
void     holler_transport_remote_gathering_done (HollerTransport *self);

/* --- media --- */
void     holler_transport_set_receive_func (HollerTransport *self, HollerTransportReceiveFunc func,
                                            gpointer user_data);
/* Any thread (GStreamer's streaming threads): protects RTP or RTCP in
 * place (buf_size leaves room for the trailer) and sends it. FALSE before
 * "ready" or when the packet could not be protected or sent. Senders
 * must stop before the transport is dropped. */
gboolean holler_transport_send (HollerTransport *self, guint8 *buf, gsize len, gsize buf_size);

/* --- what it is doing --- */
gboolean    holler_transport_get_selected_pair (HollerTransport *self, HollerIcePair *pair);
gboolean    holler_transport_get_srtp_keys (HollerTransport *self, HollerSrtpKeys *keys);
const char *holler_transport_get_cipher (HollerTransport *self);
/* Once DTLS connected: the peer certificate's fingerprint, and the short
 * authentication string (holler_dtls_get_sas(); free it) */
const char *holler_transport_get_peer_fingerprint (HollerTransport *self);
char       *holler_transport_get_sas (HollerTransport *self);
void        holler_transport_get_srtp_stats (HollerTransport *self, HollerSrtpStats *stats);
/* FALSE when the local address under the selected pair has vanished. */
gboolean    holler_transport_local_address_present (HollerTransport *self);

/* ICE restart (RFC 8445 §2.4): new credentials and candidates, the same
 * DTLS association and SRTP keys; media stays on the old pair until the
 * new one works. Send the new credentials, then gather. */
void     holler_transport_restart (HollerTransport *self);

/* Sends DTLS close_notify and drops whatever arrives from now on. */
void     holler_transport_shutdown (HollerTransport *self);
/* Closes ICE (TURN allocations are released). */
void     holler_transport_close (HollerTransport *self);

G_END_DECLS
