/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by holler-call.c (the state machine), holler-call-messages.c
 * (what the peer sends), holler-call-restart.c (ICE restarts and
 * re-offers), holler-call-transport.c (ICE + DTLS + SRTP) and
 * holler-call-media.c (the media object) only. */
#pragma once

#include "holler-call.h"
#include "holler-sdp.h"
#include "holler-transport.h"
#include "holler-dtmf.h"
#include "holler-call-event.h"

G_BEGIN_DECLS

struct _HollerCall
{
  GObject parent_instance;

  char *label;
  char *peer;                     /* the peer's id on a routed backend; NULL on stdio */
  gboolean outgoing;
  HollerCallState state;
  HollerCallOptions *options;
  HollerSignaling *signaling;
  gboolean signaling_lost;

  HollerSdpDescription *remote;   /* the peer's offer or answer */
  GPtrArray *pending_candidates;  /* arrived before we could use them */
  gboolean remote_gathering_done;
  char *mid;
  guint opus_pt;
  guint dtmf_pt;                  /* negotiated telephone-event/48000 PT, 0 for none */
  guint32 ssrc;                   /* our RTP stream, signalled in a=ssrc (RFC 5576) */
  char *cname;                    /* our RTCP CNAME, random per call */
  char *track_id;                 /* our a=msid track id, random per call */
  guint mid_ext_id;               /* the MID header extension's id (RFC 8843), 0: not negotiated */
  HollerDtmfReceiver dtmf_receiver;
  GString *dtmf_received;         /* the last digits received */
  gboolean dtls_client;

  HollerTransport *transport;     /* ICE + DTLS + SRTP, from the start or the answer on */
  guint64 session_id;             /* our SDP o= line; the version counts offers and answers */
  guint64 session_version;
  gboolean restarting;            /* an ICE restart is under way (RFC 8445 §2.4) */
  gboolean restart_offered;       /* we sent a restart offer and await the answer */
  gboolean restart_gather_failed; /* no local address yet: retry on the next network change */
  guint restart_timeout_id;
  guint restarts_done;
  gboolean muted;
  HollerMedia *media;
  gint64 start_time;

  guint connect_timeout_id;
  guint duration_id;
  guint stats_id;                 /* periodic "stats" events, when asked for */
  guint64 stats_bytes;            /* bytes received at the last "stats" event */
  gint64 stats_time;              /* and when; 0: none yet */
  gboolean ending;
  char *end_reason;
  gboolean failed;
};

/* holler-call.c */
/* Tells the front ends: the "event" signal; sets @event->time if 0 */
void holler_call_emit (HollerCall *self, HollerCallEvent *event);
void holler_call_warn (HollerCall *self, const char *format, ...) G_GNUC_PRINTF (2, 3);
void holler_call_emit_stats (HollerCall *self, gboolean final);
void holler_call_send_message (HollerCall *self, HollerMessage *msg);
void holler_call_end (HollerCall *self, const char *reason, gboolean failed, gboolean send_bye,
                      const char *message);
HollerSdpDescription *holler_call_local_description (HollerCall *self, HollerDtlsSetup setup, GError **error);
void holler_call_set_state (HollerCall *self, HollerCallState state);
void holler_call_restart_connect_timeout (HollerCall *self);
/* the transport has SRTP keys: start media, become active */
void holler_call_activate (HollerCall *self);

/* holler-call-transport.c */
void holler_call_create_transport (HollerCall *self);
/* the peer's credentials, DTLS role and fingerprint, and every candidate so far */
gboolean holler_call_apply_remote (HollerCall *self, GError **error);
void holler_call_add_remote_candidate (HollerCall *self, const char *candidate);
void holler_call_emit_pair (HollerCall *self);

/* holler-call-media.c */
void holler_call_on_packet (const guint8 *packet, gsize len, gboolean rtcp, gpointer user_data);
gboolean holler_call_start_media (HollerCall *self, GError **error);

/* holler-call-trust.c: after DTLS, before media; FALSE when it ended the call */
gboolean holler_call_trust_peer (HollerCall *self);

/* holler-call-restart.c */
void holler_call_begin_restart (HollerCall *self, const char *why);
void holler_call_restart_done (HollerCall *self);
void holler_call_on_network_changed (HollerTransport *transport, gpointer user_data);
void holler_call_handle_reoffer (HollerCall *self, const HollerMessage *msg);
void holler_call_handle_restart_answer (HollerCall *self, const HollerMessage *msg);

G_END_DECLS
