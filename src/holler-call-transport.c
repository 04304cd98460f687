/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The call's side of its transport (ICE + DTLS + SRTP): creating it,
 * handing it the peer's description and candidates, and turning its
 * signals into call state, signaling messages and reports. */
#define G_LOG_DOMAIN "holler-call"

#include "config.h"
#include <string.h>
#include <glib/gi18n.h>
#include "holler-call-private.h"
#include "holler-call-report.h"

void
holler_call_emit_pair (HollerCall *self)
{
  HollerCallEvent event = { .type = HOLLER_CALL_EVENT_SELECTED_PAIR };

  if (holler_transport_get_selected_pair (self->transport, &event.pair))
    holler_call_emit (self, &event);
}

static void
on_dtls_connected (HollerTransport *transport, gpointer user_data)
{
  HollerCall *self = user_data;
  HollerSrtpKeys keys;
  HollerCallEvent event = { .type = HOLLER_CALL_EVENT_DTLS };

  holler_transport_get_srtp_keys (transport, &keys);
  event.dtls.client = self->dtls_client;
  event.dtls.cipher = holler_transport_get_cipher (transport);
  event.dtls.srtp_profile = holler_srtp_profile_name (keys.profile);
  holler_call_emit (self, &event);
  holler_call_write_keylog (self->options->keylog, self->label, &keys);
  memset (&keys, 0, sizeof keys);
}

/* SRTP keys are installed: media can flow. */
static void
on_transport_ready (HollerTransport *transport, gpointer user_data)
{
  holler_call_activate (user_data);
}

static void
on_dtls_failed (HollerTransport *transport, GError *error, gpointer user_data)
{
  holler_call_fail (user_data, error);
}

/* first: the first pair; later ones come from ICE restarts */
static void
on_selected_pair (HollerTransport *transport, gboolean first, gpointer user_data)
{
  HollerCall *self = user_data;

  if (first)
    holler_call_emit_pair (self);
  else
    holler_call_restart_done (self);
}

static void
on_transport_failed (HollerTransport *transport, GError *error, gpointer user_data)
{
  HollerCall *self = user_data;

  /* Consent lost on a working call: try a new path before giving up. */
  if (self->state == HOLLER_CALL_STATE_ACTIVE && !self->restarting && !self->signaling_lost)
    holler_call_begin_restart (self, error->message);
  else if (self->state == HOLLER_CALL_STATE_ACTIVE)
    holler_call_end (self, "connection-lost", TRUE, TRUE, error->message);
  else
    holler_call_fail (self, error);
}

static void
on_transport_warning (HollerTransport *transport, const char *text, gpointer user_data)
{
  holler_call_warn (user_data, "%s", text);
}

static void
on_local_candidate (HollerTransport *transport, const char *candidate, gpointer user_data)
{
  HollerCall *self = user_data;
  g_autoptr(HollerMessage) msg = holler_message_new (HOLLER_MESSAGE_CANDIDATE);

  msg->candidate = g_strdup (candidate);
  msg->sdp_mid = g_strdup (self->mid);
  msg->sdp_mline_index = self->remote ? (gint) self->remote->mline_index : 0;
  holler_call_send_message (self, msg);
}

static void
on_gathering_done (HollerTransport *transport, gpointer user_data)
{
  HollerCall *self = user_data;
  g_autoptr(HollerMessage) msg = holler_message_new (HOLLER_MESSAGE_END_OF_CANDIDATES);

  msg->sdp_mid = g_strdup (self->mid);
  holler_call_send_message (self, msg);
}

void
holler_call_create_transport (HollerCall *self)
{
  HollerTransportConfig config = {
    .ice = {
      .allow_loopback = self->options->allow_loopback,
      .addresses = (const char * const *) self->options->ice_addresses,
      .stun_servers = (const char * const *) self->options->stun_servers,
      .turn_servers = (const char * const *) self->options->turn_servers,
      .turn_secret = self->options->turn_secret,
      .turn_rest_id = self->options->turn_rest_id,
      .relay_only = self->options->relay_only,
    },
    .dtls_timeout_ms = 0,      /* the transport's 15 s */
  };
  static const struct { const char *signal; GCallback handler; } handlers[] = {
    { "network-changed", G_CALLBACK (holler_call_on_network_changed) },
    { "local-candidate", G_CALLBACK (on_local_candidate) },
    { "gathering-done", G_CALLBACK (on_gathering_done) },
    { "selected-pair", G_CALLBACK (on_selected_pair) },
    { "dtls-connected", G_CALLBACK (on_dtls_connected) },
    { "dtls-failed", G_CALLBACK (on_dtls_failed) },
    { "ready", G_CALLBACK (on_transport_ready) },
    { "failed", G_CALLBACK (on_transport_failed) },
    { "warning", G_CALLBACK (on_transport_warning) },
  };

  self->transport = holler_transport_new (NULL, self->outgoing, &config);
  holler_transport_set_receive_func (self->transport, holler_call_on_packet, self);
  for (gsize i = 0; i < G_N_ELEMENTS (handlers); i++)
    g_signal_connect_object (self->transport, handlers[i].signal, handlers[i].handler, self, 0);
}

void
holler_call_add_remote_candidate (HollerCall *self, const char *candidate)
{
  g_autoptr(GError) error = NULL;

  /* with the text, so a script can tell which candidates a browser sent
   * that we skip (mDNS names, TCP) */
  if (!holler_transport_add_remote_candidate (self->transport, candidate, &error))
    holler_call_warn (self, "%s", error->message);
}

/* Credentials, then every candidate we have so far. */
gboolean
holler_call_apply_remote (HollerCall *self, GError **error)
{
  if (!holler_transport_set_remote_credentials (self->transport, self->remote->ice_ufrag, self->remote->ice_pwd,
                                                error))
    return FALSE;
  if (!holler_transport_set_remote_fingerprint (self->transport, self->dtls_client, self->remote->fingerprint,
                                                error))
    return FALSE;
  for (guint i = 0; i < self->remote->candidates->len; i++)
    holler_call_add_remote_candidate (self, g_ptr_array_index (self->remote->candidates, i));
  for (guint i = 0; i < self->pending_candidates->len; i++)
    holler_call_add_remote_candidate (self, g_ptr_array_index (self->pending_candidates, i));
  g_ptr_array_set_size (self->pending_candidates, 0);
  if (self->remote->end_of_candidates || self->remote_gathering_done)
    holler_transport_remote_gathering_done (self->transport);
  return TRUE;
}
