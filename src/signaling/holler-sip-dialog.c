/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One SIP call of the sip: backend and the description it holds until
 * ICE gathering is done: SIP peers do not trickle. */
#define G_LOG_DOMAIN "holler-signaling"

#include "config.h"
#include "holler-sip-dialog.h"
#include "holler-sdp-complete.h"

/* A call gathers a few candidates per interface; this bounds the rest */
#define MAX_HELD_CANDIDATES 64

HollerSipDialog *
holler_sip_dialog_new (const char *peer, gboolean outgoing)
{
  HollerSipDialog *dialog = g_new0 (HollerSipDialog, 1);

  dialog->peer = g_strdup (peer);
  dialog->outgoing = outgoing;
  dialog->state = outgoing ? HOLLER_SIP_DIALOG_NEW : HOLLER_SIP_DIALOG_INCOMING;
  dialog->held_candidates = g_ptr_array_new_with_free_func (g_free);
  return dialog;
}

void
holler_sip_dialog_drop_held (HollerSipDialog *dialog)
{
  g_clear_handle_id (&dialog->held_timeout_id, g_source_remove);
  g_clear_pointer (&dialog->held_sdp, g_free);
  g_ptr_array_set_size (dialog->held_candidates, 0);
}

void
holler_sip_dialog_free (HollerSipDialog *dialog)
{
  if (dialog == NULL)
    return;
  holler_sip_dialog_drop_held (dialog);
  g_ptr_array_unref (dialog->held_candidates);
  g_free (dialog->peer);
  g_free (dialog->target);
  g_free (dialog->queued_sdp);
  g_free (dialog);
}

static void
release (HollerSipDialog *dialog, gboolean end_of_candidates)
{
  g_autofree char *sdp = g_steal_pointer (&dialog->held_sdp);
  g_autofree char *complete = NULL;
  g_autoptr(GError) error = NULL;

  g_clear_handle_id (&dialog->held_timeout_id, g_source_remove);
  g_ptr_array_add (dialog->held_candidates, NULL);
  complete = holler_sdp_complete (sdp, (const char * const *) dialog->held_candidates->pdata,
                                  end_of_candidates, &error);
  g_ptr_array_set_size (dialog->held_candidates, 0);
  if (complete == NULL)
    g_warning ("%s", error->message);
  dialog->ready (dialog, dialog->held_type, complete ? complete : sdp, dialog->ready_data);
}

/* Gathering takes too long (a STUN or TURN server that does not answer):
 * send what we have; ICE finds the rest as peer-reflexive candidates. */
static gboolean
on_held_timeout (gpointer user_data)
{
  HollerSipDialog *dialog = user_data;

  dialog->held_timeout_id = 0;
  release (dialog, FALSE);
  return G_SOURCE_REMOVE;
}

void
holler_sip_dialog_hold (HollerSipDialog *dialog, const HollerMessage *msg, guint bound_ms,
                        HollerSipDialogReady ready, gpointer user_data)
{
  holler_sip_dialog_drop_held (dialog);
  dialog->held_type = msg->type;
  dialog->held_sdp = g_strdup (msg->sdp);
  dialog->ready = ready;
  dialog->ready_data = user_data;
  dialog->held_timeout_id = g_timeout_add (bound_ms, on_held_timeout, dialog);
}

gboolean
holler_sip_dialog_is_holding (HollerSipDialog *dialog)
{
  return dialog->held_sdp != NULL;
}

gboolean
holler_sip_dialog_add_candidate (HollerSipDialog *dialog, const HollerMessage *msg)
{
  if (dialog->held_sdp == NULL)
    return FALSE;
  if (msg->type == HOLLER_MESSAGE_END_OF_CANDIDATES)
    release (dialog, TRUE);
  else if (msg->candidate != NULL && *msg->candidate != '\0'
           && dialog->held_candidates->len < MAX_HELD_CANDIDATES)
    g_ptr_array_add (dialog->held_candidates, g_strdup (msg->candidate));
  return TRUE;
}
