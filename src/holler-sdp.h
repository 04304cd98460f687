/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* RFC 8843 §15.1: the RTP header extension that carries the MID */
#define HOLLER_SDP_MID_EXTENSION "urn:ietf:params:rtp-hdrext:sdes:mid"
/* the id our offers give it (what Chromium gives it too) */
#define HOLLER_SDP_MID_EXTENSION_ID 4

typedef enum {
  HOLLER_SDP_OFFER,
  HOLLER_SDP_ANSWER,
} HollerSdpType;

typedef enum {
  HOLLER_DTLS_SETUP_ACTPASS,
  HOLLER_DTLS_SETUP_ACTIVE,   /* this side is the DTLS client */
  HOLLER_DTLS_SETUP_PASSIVE,  /* this side is the DTLS server */
} HollerDtlsSetup;

/* An m-line we do not use (video, data channel, a second audio line...).
 * Kept so an answer can reject it in place: an answer must have the same
 * m-lines in the same order as the offer. */
typedef struct {
  char *media;   /* "video", "application", ... */
  char *proto;   /* "UDP/TLS/RTP/SAVPF", "UDP/DTLS/SCTP", ... */
  char *fmt;     /* first format token, e.g. "96" or "webrtc-datachannel" */
  char *mid;     /* may be NULL */
} HollerSdpOtherMedia;

/* The values of one audio session description that Holler uses, for both
 * directions: filled in by holler_sdp_parse() from a remote description, or
 * by the caller before holler_sdp_build_*() for a local one. */
typedef struct {
  guint64 session_id;
  guint64 session_version;

  char *ice_ufrag;
  char *ice_pwd;
  gboolean ice_trickle;         /* a=ice-options contains "trickle" */
  char *fingerprint_alg;        /* lower case, "sha-256" */
  char *fingerprint;            /* upper-case hex pairs separated by ':' */
  HollerDtlsSetup setup;

  char *mid;                    /* mid of the audio m-line ("0" in our offers) */
  guint mline_index;            /* index of the audio m-line among all m-lines */
  guint opus_pt;                /* 111 in our offers; whatever the remote uses otherwise */
  guint dtmf_pt;                /* RFC 4733 telephone-event/48000: 101 in our offers; the
                                 * remote's PT when parsed, 0 when it has none (its /8000
                                 * events are ignored: our audio clock is 48 kHz) */
  gboolean rtcp_mux;
  guint32 ssrc;                 /* the first a=ssrc; 0 when not known */
  char *cname;                  /* its cname; may be NULL */
  char *msid_stream;            /* a=msid (or msid: on a=ssrc): stream id, "-" for none; may be NULL */
  char *msid_track;             /* track id; NULL when there is no msid */
  guint mid_ext_id;             /* a=extmap id (1-14) of the MID header extension, 0 for none */

  /* "candidate:..." strings (no "a=" prefix, no CRLF), in order */
  GPtrArray *candidates;
  gboolean end_of_candidates;

  /* m-lines other than the one audio line we use, in order of appearance;
   * each with its index among all m-lines */
  GPtrArray *other_media;       /* HollerSdpOtherMedia* */
  GArray *other_media_index;    /* guint */
} HollerSdpDescription;

HollerSdpDescription *holler_sdp_description_new  (void);
void                  holler_sdp_description_free (HollerSdpDescription *desc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HollerSdpDescription, holler_sdp_description_free)

const char *holler_dtls_setup_to_string (HollerDtlsSetup setup);

/* Parse remote SDP of the given type. Fails with HOLLER_ERROR_INVALID_SDP
 * (and a message saying what is wrong) when the text is not SDP or lacks
 * what a call needs: an audio m-line with Opus/48000/2 over
 * UDP/TLS/RTP/SAVPF (or SAVP), ICE credentials, a sha-256 fingerprint,
 * an a=setup valid for the type (answers may not say actpass). */
HollerSdpDescription *holler_sdp_parse (const char     *text,
                                        HollerSdpType   type,
                                        GError        **error);

/* Build our offer: one audio m-line, mid from desc->mid, BUNDLE group,
 * rtcp-mux, ice-ufrag/pwd, ice-options:trickle, fingerprint, setup,
 * rtpmap opus/48000/2 with PT desc->opus_pt,
 * fmtp minptime=10;useinbandfec=1, telephone-event/48000 with PT
 * desc->dtmf_pt and fmtp 0-15 unless it is 0, sendrecv, a=extmap for the
 * MID extension when desc->mid_ext_id is set, a=msid when desc->msid_track
 * is set, a=ssrc with cname (and msid) if desc->ssrc is set,
 * and candidates / end-of-candidates if present in desc. */
char *holler_sdp_build_offer (const HollerSdpDescription *local);

/* Build our answer to a parsed remote offer: the same m-lines in the same
 * order; the audio line answered with the offer's mid and Opus PT (and
 * telephone-event/48000 with the offer's PT when it had one, the MID
 * extension with the offer's id when it had one; our own msid and ssrc), every
 * other m-line rejected (port 0) with its mid kept; BUNDLE group listing only
 * the audio mid. local->setup must be ACTIVE or PASSIVE. */
char *holler_sdp_build_answer (const HollerSdpDescription *local,
                               const HollerSdpDescription *remote_offer);

G_END_DECLS
