/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "holler-message.h"

G_BEGIN_DECLS

typedef enum {
  HOLLER_SIP_DIALOG_NEW,          /* outgoing: our offer waits for its candidates */
  HOLLER_SIP_DIALOG_INVITING,     /* our INVITE is out, no final response yet */
  HOLLER_SIP_DIALOG_INCOMING,     /* their INVITE, not answered yet */
  HOLLER_SIP_DIALOG_ESTABLISHED,  /* 2xx sent or received */
  HOLLER_SIP_DIALOG_ENDING,       /* BYE, CANCEL or a refusal on its way */
} HollerSipDialogState;

typedef struct _HollerSipDialog HollerSipDialog;

/* The held description is complete: @sdp has every candidate */
typedef void (*HollerSipDialogReady) (HollerSipDialog *dialog, HollerMessageType type, const char *sdp,
                                      gpointer user_data);

/* One SIP call (INVITE dialog) of the sip: backend, known to the call by
 * @peer. Besides its state it holds our offer or answer until ICE
 * gathering is done (or a bound passes): SIP peers want one complete
 * description (docs/sip.md). */
struct _HollerSipDialog
{
  char *peer;                     /* the name in the call's to/from */
  char *target;                   /* outgoing: the callee's SIP URI */
  gpointer nh;                    /* nua_handle_t *, the backend's */
  HollerSipDialogState state;
  gboolean outgoing;
  gboolean ringing_seen;          /* "ringing" went to the call */
  gboolean reinvite_pending;      /* their re-INVITE waits for our answer */
  guint auth_tries;
  char *queued_sdp;               /* our complete offer, waiting for registration */

  HollerMessageType held_type;
  char *held_sdp;                 /* NULL: nothing held */
  GPtrArray *held_candidates;
  guint held_timeout_id;
  HollerSipDialogReady ready;
  gpointer ready_data;
};

HollerSipDialog *holler_sip_dialog_new  (const char *peer, gboolean outgoing);
void             holler_sip_dialog_free (HollerSipDialog *dialog);

/* Holds @msg (offer or answer) until end-of-candidates or @bound_ms, then
 * calls @ready once with the complete description. */
void     holler_sip_dialog_hold (HollerSipDialog *dialog, const HollerMessage *msg, guint bound_ms,
                                 HollerSipDialogReady ready, gpointer user_data);
/* A candidate or end-of-candidates from the call: into the held
 * description; FALSE when nothing is held (the candidate is not needed). */
gboolean holler_sip_dialog_add_candidate (HollerSipDialog *dialog, const HollerMessage *msg);
gboolean holler_sip_dialog_is_holding (HollerSipDialog *dialog);
/* Drops what is held without calling ready */
void     holler_sip_dialog_drop_held (HollerSipDialog *dialog);

G_END_DECLS
