/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One signaling message, shaped like the browser's RTCSessionDescriptionInit
 * and RTCIceCandidateInit (see docs/signaling.md). */
typedef enum {
  HOLLER_MESSAGE_OFFER,
  HOLLER_MESSAGE_ANSWER,
  HOLLER_MESSAGE_CANDIDATE,
  HOLLER_MESSAGE_END_OF_CANDIDATES,
  HOLLER_MESSAGE_BYE,
  HOLLER_MESSAGE_RINGING,         /* the callee got the offer and rings */
  HOLLER_MESSAGE_ERROR,           /* from a rendezvous server (or a peer): code, text */
  HOLLER_MESSAGE_REGISTER,        /* rendezvous: id, token */
  HOLLER_MESSAGE_REGISTERED,      /* rendezvous: id */
} HollerMessageType;

typedef struct {
  HollerMessageType type;
  char *sdp;              /* offer, answer */
  char *candidate;        /* candidate: "candidate:..." (an "a=" prefix is stripped) */
  char *sdp_mid;          /* candidate, end-of-candidates: may be NULL */
  gint sdp_mline_index;   /* candidate: -1 when absent */
  char *reason;           /* bye: may be NULL */
  char *code;             /* error: machine-readable, e.g. "peer-offline" */
  char *text;             /* error: the "message" member, for people; may be NULL */
  char *id;               /* register, registered */
  char *token;            /* register: may be NULL */
  /* envelope fields used by routed backends; NULL for stdio */
  char *from;
  char *to;
} HollerMessage;

HollerMessage *holler_message_new  (HollerMessageType type);
void           holler_message_free (HollerMessage *msg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HollerMessage, holler_message_free)

const char *holler_message_type_to_string (HollerMessageType type);

/* Parse one JSON object (one line of the stdio protocol). Fails with
 * HOLLER_ERROR_INVALID_MESSAGE and a message saying what is wrong for
 * non-JSON, non-objects, unknown or missing "type", missing or mistyped
 * fields. Never crashes on any input; size is bounded by the caller. */
HollerMessage *holler_message_parse (const char  *text,
                                     gssize       length,
                                     GError     **error);

/* Serialize to one line of compact JSON, no trailing newline. */
char *holler_message_to_json (const HollerMessage *msg);

G_END_DECLS
