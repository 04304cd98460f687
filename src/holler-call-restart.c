/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "holler-call"

#include "config.h"
#include <glib/gi18n.h>
#include "holler-call-private.h"

/* An ICE restart that has not reconnected by then ends the call. */
#define RESTART_TIMEOUT_S 15

/* --- ICE restart (RFC 8445 §2.4; JSEP re-offer): a new ICE session under
 * the same DTLS association and SRTP keys, so audio resumes without a new
 * handshake. Either side may start one (its address went away, or consent
 * was lost); on glare the controlling side's (the caller's) offer wins. --- */

static void
report_restart (HollerCall *self, const char *phase, const char *why)
{
  HollerCallEvent event = { .type = HOLLER_CALL_EVENT_ICE_RESTART };

  event.ice_restart.done = !g_str_equal (phase, "started");
  event.ice_restart.why = why;
  holler_call_emit (self, &event);
}

static gboolean
on_restart_timeout (gpointer user_data)
{
  HollerCall *self = user_data;
  g_autofree char *message = g_strdup_printf (_("Connection lost: an ICE restart did not reconnect within %d s"),
                                              RESTART_TIMEOUT_S);

  self->restart_timeout_id = 0;
  holler_call_end (self, "connection-lost", TRUE, TRUE, message);
  return G_SOURCE_REMOVE;
}

static void
mark_restarting (HollerCall *self, const char *why)
{
  if (self->restarting)
    return;
  self->restarting = TRUE;
  report_restart (self, "started", why);
  self->restart_timeout_id = g_timeout_add_seconds (RESTART_TIMEOUT_S, on_restart_timeout, self);
}

/* After our new credentials went out, so no candidate overtakes them. */
static void
gather_restart (HollerCall *self)
{
  g_autoptr(GError) error = NULL;

  self->restart_gather_failed = !holler_transport_gather (self->transport, &error);
  if (self->restart_gather_failed)
    holler_call_warn (self, "%s", error->message);
}

void
holler_call_begin_restart (HollerCall *self, const char *why)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HollerSdpDescription) local = NULL;
  g_autoptr(HollerMessage) offer = holler_message_new (HOLLER_MESSAGE_OFFER);

  if (self->state != HOLLER_CALL_STATE_ACTIVE || self->ending)
    return;
  mark_restarting (self, why);
  holler_transport_restart (self->transport);
  /* JSEP: subsequent offers say actpass too; the answerer keeps its role. */
  local = holler_call_local_description (self, HOLLER_DTLS_SETUP_ACTPASS, &error);
  if (local == NULL)
    {
      holler_call_fail (self, error);
      return;
    }
  offer->sdp = holler_sdp_build_offer (local);
  self->restart_offered = TRUE;
  holler_call_send_message (self, offer);
  gather_restart (self);
}

void
holler_call_restart_done (HollerCall *self)
{
  if (!self->restarting)
    return;
  self->restarting = FALSE;
  self->restarts_done++;
  g_clear_handle_id (&self->restart_timeout_id, g_source_remove);
  report_restart (self, "done", NULL);
  holler_call_emit_pair (self);
}

void
holler_call_on_network_changed (HollerTransport *transport, gpointer user_data)
{
  HollerCall *self = user_data;

  if (self->state != HOLLER_CALL_STATE_ACTIVE || self->ending || self->signaling_lost)
    return;
  if (self->restarting && self->restart_gather_failed)
    holler_call_begin_restart (self, _("retrying on the changed network"));
  else if (!self->restarting && !holler_transport_local_address_present (transport))
    holler_call_begin_restart (self, _("the local address in use went away"));
}

/* A later description must keep the DTLS certificate: the SRTP keys come
 * from that handshake. */
static gboolean
same_certificate (HollerCall *self, const HollerSdpDescription *remote)
{
  if (g_ascii_strcasecmp (remote->fingerprint, self->remote->fingerprint) == 0)
    return TRUE;
  holler_call_end (self, "fingerprint-mismatch", TRUE, TRUE,
            _("The peer changed its DTLS fingerprint during the call"));
  return FALSE;
}

static gboolean
credentials_changed (HollerCall *self, const HollerSdpDescription *remote)
{
  return g_strcmp0 (remote->ice_ufrag, self->remote->ice_ufrag) != 0
         || g_strcmp0 (remote->ice_pwd, self->remote->ice_pwd) != 0;
}

static void
take_remote (HollerCall *self, HollerSdpDescription *remote)
{
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->remote, holler_sdp_description_free);
  self->remote = remote;
  if (!holler_transport_set_remote_credentials (self->transport, remote->ice_ufrag, remote->ice_pwd, &error))
    {
      holler_call_fail (self, error);
      return;
    }
  for (guint i = 0; i < remote->candidates->len; i++)
    holler_call_add_remote_candidate (self, g_ptr_array_index (remote->candidates, i));
  if (remote->end_of_candidates)
    holler_transport_remote_gathering_done (self->transport);
}

static void
ignore_description (HollerCall *self, gboolean offer, const GError *error)
{
  holler_call_warn (self, offer ? _("Ignoring the peer's new offer: %s") : _("Ignoring the peer's new answer: %s"),
                    error->message);
}

/* An offer during the call: an ICE restart if its credentials are new,
 * else a renegotiation that changes nothing we use (answered as we are). */
void
holler_call_handle_reoffer (HollerCall *self, const HollerMessage *msg)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HollerSdpDescription) remote = NULL;
  g_autoptr(HollerSdpDescription) local = NULL;
  g_autoptr(HollerMessage) answer = holler_message_new (HOLLER_MESSAGE_ANSWER);
  gboolean fresh;

  if (self->state != HOLLER_CALL_STATE_ACTIVE || self->remote == NULL)
    {
      holler_call_warn (self, _("Ignoring an offer in state %s"), holler_call_state_to_string (self->state));
      return;
    }
  if (self->restart_offered && self->outgoing)
    return;   /* glare: the peer answers our offer instead */
  remote = holler_sdp_parse (msg->sdp, HOLLER_SDP_OFFER, &error);
  if (remote == NULL)
    {
      ignore_description (self, TRUE, error);
      return;
    }
  if (!same_certificate (self, remote))
    return;
  fresh = credentials_changed (self, remote);
  if (fresh)
    {
      mark_restarting (self, _("the peer restarts ICE"));
      /* After glare our own new session answers theirs. */
      fresh = !self->restart_offered;
      if (fresh)
        holler_transport_restart (self->transport);
      self->restart_offered = FALSE;
      take_remote (self, g_steal_pointer (&remote));
    }
  else
    g_clear_pointer (&remote, holler_sdp_description_free);
  local = holler_call_local_description (self, self->dtls_client ? HOLLER_DTLS_SETUP_ACTIVE : HOLLER_DTLS_SETUP_PASSIVE,
                             &error);
  if (local == NULL)
    {
      holler_call_fail (self, error);
      return;
    }
  answer->sdp = holler_sdp_build_answer (local, self->remote);
  holler_call_send_message (self, answer);
  if (fresh)
    gather_restart (self);
}

void
holler_call_handle_restart_answer (HollerCall *self, const HollerMessage *msg)
{
  g_autoptr(GError) error = NULL;
  HollerSdpDescription *remote = holler_sdp_parse (msg->sdp, HOLLER_SDP_ANSWER, &error);

  if (remote == NULL)
    {
      ignore_description (self, FALSE, error);
      return;
    }
  if (!same_certificate (self, remote))
    {
      holler_sdp_description_free (remote);
      return;
    }
  self->restart_offered = FALSE;
  take_remote (self, remote);
}

