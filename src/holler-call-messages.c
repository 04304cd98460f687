/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A call's signaling messages from the peer: answer, candidates, bye,
 * server errors, re-offers (handed to holler-call-restart.c). */
#define G_LOG_DOMAIN "holler-call"

#include "config.h"
#include <glib/gi18n.h>
#include "holler-call-private.h"

static void
handle_answer (HollerCall *self, const HollerMessage *msg)
{
  g_autoptr(GError) error = NULL;

  if (self->restart_offered)
    {
      holler_call_handle_restart_answer (self, msg);
      return;
    }
  if (self->state != HOLLER_CALL_STATE_OFFERING)
    {
      holler_call_warn (self, _("Ignoring an answer in state %s"), holler_call_state_to_string (self->state));
      return;
    }
  self->remote = holler_sdp_parse (msg->sdp, HOLLER_SDP_ANSWER, &error);
  if (self->remote == NULL)
    {
      g_prefix_error (&error, _("The answer is unusable: "));
      holler_call_fail (self, error);
      return;
    }
  /* The answerer's role decides ours: active there means server here. */
  self->dtls_client = self->remote->setup == HOLLER_DTLS_SETUP_PASSIVE;
  self->opus_pt = self->remote->opus_pt;
  self->dtmf_pt = self->remote->dtmf_pt;
  self->mid_ext_id = self->remote->mid_ext_id;
  if (!holler_call_apply_remote (self, &error))
    {
      holler_call_fail (self, error);
      return;
    }
  holler_call_set_state (self, HOLLER_CALL_STATE_CONNECTING);
}

static gboolean
candidate_is_ours (HollerCall *self, const HollerMessage *msg)
{
  if (msg->sdp_mid != NULL)
    return g_strcmp0 (msg->sdp_mid, self->mid) == 0;
  if (msg->sdp_mline_index >= 0)
    return self->remote == NULL || (guint) msg->sdp_mline_index == self->remote->mline_index;
  return TRUE;
}

/* Until the peer's description is in the transport, candidates wait. */
static gboolean
remote_applied (HollerCall *self)
{
  return self->transport != NULL && holler_transport_has_remote_fingerprint (self->transport);
}

static void
handle_candidate (HollerCall *self, const HollerMessage *msg)
{
  if (!candidate_is_ours (self, msg))
    {
      holler_call_warn (self, _("Ignoring a candidate for unknown media “%s”"), msg->sdp_mid ? msg->sdp_mid : "?");
      return;
    }
  if (msg->type == HOLLER_MESSAGE_END_OF_CANDIDATES)
    {
      self->remote_gathering_done = TRUE;
      if (remote_applied (self))
        holler_transport_remote_gathering_done (self->transport);
      return;
    }
  if (!remote_applied (self))
    g_ptr_array_add (self->pending_candidates, g_strdup (msg->candidate));
  else
    holler_call_add_remote_candidate (self, msg->candidate);
}

static void
handle_bye (HollerCall *self, const HollerMessage *msg)
{
  const char *reason = msg->reason ? msg->reason : "hangup";
  g_autofree char *message = g_strdup_printf (_("The peer ended the call (%s)"), reason);
  gboolean ok = g_str_equal (reason, "hangup");
  g_autofree char *safe = g_strcanon (g_strndup (reason, 40), "abcdefghijklmnopqrstuvwxyz-", '-');

  holler_call_end (self, safe, !ok, FALSE, message);
}

/* An error about this call from the rendezvous server, e.g. "peer-offline".
 * The code becomes the end reason, so scripts can act on it. */
static void
handle_error (HollerCall *self, const HollerMessage *msg)
{
  g_autofree char *safe = g_strcanon (g_strndup (msg->code, 40), "abcdefghijklmnopqrstuvwxyz-", '-');
  g_autofree char *message = NULL;

  if (g_str_equal (safe, "peer-offline"))
    message = g_strdup_printf (_("“%s” is not online"), self->peer ? self->peer : "?");
  else
    message = g_strdup_printf (_("The signaling server refused a message: %s (%s)"),
                               msg->text ? msg->text : safe, safe);
  /* Once media flows, a hiccup on the relay does not end the call */
  if (self->state == HOLLER_CALL_STATE_ACTIVE)
    holler_call_warn (self, "%s", message);
  else
    holler_call_end (self, safe, TRUE, FALSE, message);
}

void
holler_call_handle_message (HollerCall *self, const HollerMessage *msg)
{
  if (self->ending)
    return;
  holler_call_restart_connect_timeout (self);
  switch (msg->type)
    {
    case HOLLER_MESSAGE_ANSWER:
      if (self->outgoing || self->restart_offered)
        handle_answer (self, msg);
      else
        holler_call_warn (self, _("Ignoring an answer: we did not make an offer"));
      break;
    case HOLLER_MESSAGE_OFFER:
      holler_call_handle_reoffer (self, msg);
      break;
    case HOLLER_MESSAGE_CANDIDATE:
    case HOLLER_MESSAGE_END_OF_CANDIDATES:
      handle_candidate (self, msg);
      break;
    case HOLLER_MESSAGE_BYE:
      handle_bye (self, msg);
      break;
    case HOLLER_MESSAGE_RINGING:
      if (self->outgoing && self->state == HOLLER_CALL_STATE_OFFERING)
        {
          HollerCallEvent event = { .type = HOLLER_CALL_EVENT_RINGING, .ringing.peer = self->peer };

          holler_call_emit (self, &event);
        }
      break;
    case HOLLER_MESSAGE_ERROR:
      handle_error (self, msg);
      break;
    case HOLLER_MESSAGE_REGISTER:
    case HOLLER_MESSAGE_REGISTERED:
      break;   /* the backend's business */
    }
}

