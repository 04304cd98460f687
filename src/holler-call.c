/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The call state machine: new → offering/ringing → connecting → active → ended. */
#define G_LOG_DOMAIN "holler-call"

#include "config.h"
#include <string.h>
#include <glib/gi18n.h>
#include "holler-call.h"
#include "holler-call-private.h"
#include "holler-sdp.h"
#include "holler-error.h"
#include "holler-dtmf.h"

#define OPUS_PT 111
#define DTMF_PT 101               /* telephone-event/48000 in our offers */

enum { SIGNAL_STATE_CHANGED, SIGNAL_EVENT, SIGNAL_ENDED, N_SIGNALS };
static guint signals[N_SIGNALS];


G_DEFINE_TYPE (HollerCall, holler_call, G_TYPE_OBJECT)


const char *
holler_call_state_to_string (HollerCallState state)
{
  static const char *names[] = { "new", "offering", "ringing", "connecting", "active", "ended" };

  return state < G_N_ELEMENTS (names) ? names[state] : "unknown";
}

static const char *
reason_for_error (const GError *error)
{
  if (error->domain != HOLLER_ERROR)
    return "error";
  switch (error->code)
    {
    case HOLLER_ERROR_ICE_FAILED: return "ice-failed";
    case HOLLER_ERROR_DTLS_FAILED: return "dtls-failed";
    case HOLLER_ERROR_FINGERPRINT_MISMATCH: return "fingerprint-mismatch";
    case HOLLER_ERROR_TIMEOUT: return "timeout";
    case HOLLER_ERROR_SIGNALING: return "signaling-lost";
    case HOLLER_ERROR_INVALID_SDP: return "bad-sdp";
    case HOLLER_ERROR_MEDIA: return "media-failed";
    case HOLLER_ERROR_SRTP: return "srtp-failed";
    default: return "error";
    }
}

void
holler_call_fail (HollerCall *self, const GError *error)
{
  holler_call_end (self, reason_for_error (error), TRUE, TRUE, error->message);
}

void
holler_call_emit (HollerCall *self, HollerCallEvent *event)
{
  if (event->time == 0)
    event->time = g_get_monotonic_time ();
  g_signal_emit (self, signals[SIGNAL_EVENT], 0, event);
}

void
holler_call_warn (HollerCall *self, const char *format, ...)
{
  g_autofree char *text = NULL;
  HollerCallEvent event = { .type = HOLLER_CALL_EVENT_WARNING };
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  event.warning.message = text;
  holler_call_emit (self, &event);
}

void
holler_call_set_state (HollerCall *self, HollerCallState state)
{
  HollerCallEvent event = { .type = HOLLER_CALL_EVENT_STATE, .state.state = state };

  if (self->state == state)
    return;
  self->state = state;
  holler_call_emit (self, &event);
  g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0, (guint) state);
}

void
holler_call_send_message (HollerCall *self, HollerMessage *msg)
{
  g_autoptr(GError) error = NULL;

  if (self->signaling_lost)
    return;
  if (self->peer != NULL && msg->to == NULL)
    msg->to = g_strdup (self->peer);
  if (!holler_signaling_send (self->signaling, msg, &error))
    g_warning ("%s", error->message);
}

/* --- timers --- */

static gboolean
on_connect_timeout (gpointer user_data)
{
  HollerCall *self = user_data;
  g_autofree char *message = g_strdup_printf (_("The peer said nothing for %g s while connecting"),
                                              self->options->connect_timeout);

  self->connect_timeout_id = 0;
  holler_call_end (self, "timeout", TRUE, TRUE, message);
  return G_SOURCE_REMOVE;
}

void
holler_call_restart_connect_timeout (HollerCall *self)
{
  g_clear_handle_id (&self->connect_timeout_id, g_source_remove);
  if (self->state != HOLLER_CALL_STATE_ACTIVE && !self->ending)
    self->connect_timeout_id = g_timeout_add ((guint) (self->options->connect_timeout * 1000),
                                              on_connect_timeout, self);
}

static gboolean
on_duration_elapsed (gpointer user_data)
{
  HollerCall *self = user_data;

  self->duration_id = 0;
  holler_call_end (self, "hangup", FALSE, TRUE, _("Hanging up: call duration reached"));
  return G_SOURCE_REMOVE;
}

/* --- events from the layers below --- */

/* --dtmf: once, when the call becomes active; a peer without
 * telephone-event gets a warning, and the call goes on. */
static void
send_dtmf_option (HollerCall *self)
{
  g_autoptr(GError) error = NULL;

  if (!holler_call_send_dtmf (self, self->options->dtmf, &error))
    holler_call_warn (self, _("Cannot send DTMF: %s"), error->message);
}

/* The transport has SRTP keys: media starts and the call is active. */
void
holler_call_activate (HollerCall *self)
{
  g_autoptr(GError) error = NULL;

  if (!holler_call_trust_peer (self))
    return;
  if (!holler_call_start_media (self, &error))
    {
      holler_call_fail (self, error);
      return;
    }
  g_clear_handle_id (&self->connect_timeout_id, g_source_remove);
  holler_call_set_state (self, HOLLER_CALL_STATE_ACTIVE);
  holler_call_emit_pair (self);
  if (self->options->dtmf != NULL)
    send_dtmf_option (self);
  if (self->options->duration > 0)
    self->duration_id = g_timeout_add ((guint) (self->options->duration * 1000), on_duration_elapsed, self);
}

/* --- the SDP --- */

HollerSdpDescription *
holler_call_local_description (HollerCall *self, HollerDtlsSetup setup, GError **error)
{
  g_autoptr(HollerSdpDescription) local = holler_sdp_description_new ();
  const char *fingerprint = holler_transport_get_local_fingerprint (self->transport, error);

  if (fingerprint == NULL)
    return NULL;
  holler_transport_get_local_credentials (self->transport, &local->ice_ufrag, &local->ice_pwd);
  local->session_id = self->session_id;
  local->session_version = ++self->session_version;
  local->ice_trickle = TRUE;
  local->fingerprint_alg = g_strdup ("sha-256");
  local->fingerprint = g_strdup (fingerprint);
  local->setup = setup;
  local->mid = g_strdup (self->mid);
  local->opus_pt = self->opus_pt;
  local->dtmf_pt = self->dtmf_pt;
  local->rtcp_mux = TRUE;
  local->ssrc = self->ssrc;
  local->cname = g_strdup (self->cname);
  local->msid_stream = g_strdup ("holler");
  local->msid_track = g_strdup (self->track_id);
  local->mid_ext_id = self->mid_ext_id;
  return g_steal_pointer (&local);
}

/* --- public API --- */

gboolean
holler_call_start (HollerCall *self, GError **error)
{
  g_autoptr(HollerSdpDescription) local = NULL;
  g_autoptr(HollerMessage) offer = holler_message_new (HOLLER_MESSAGE_OFFER);

  g_return_val_if_fail (self->outgoing && self->state == HOLLER_CALL_STATE_NEW, FALSE);
  self->start_time = g_get_monotonic_time ();
  holler_call_create_transport (self);
  local = holler_call_local_description (self, HOLLER_DTLS_SETUP_ACTPASS, error);
  if (local == NULL)
    return FALSE;
  offer->sdp = holler_sdp_build_offer (local);
  holler_call_send_message (self, offer);
  holler_call_set_state (self, HOLLER_CALL_STATE_OFFERING);
  holler_call_restart_connect_timeout (self);
  /* Trickle: candidates follow the offer as they are found. */
  return holler_transport_gather (self->transport, error);
}

gboolean
holler_call_answer (HollerCall *self, GError **error)
{
  g_autoptr(HollerSdpDescription) local = NULL;
  g_autoptr(HollerMessage) answer = holler_message_new (HOLLER_MESSAGE_ANSWER);
  HollerDtlsSetup setup;

  g_return_val_if_fail (!self->outgoing && self->state == HOLLER_CALL_STATE_RINGING, FALSE);
  /* Browsers answer actpass with active; we do the same. */
  setup = self->remote->setup == HOLLER_DTLS_SETUP_ACTIVE ? HOLLER_DTLS_SETUP_PASSIVE : HOLLER_DTLS_SETUP_ACTIVE;
  self->dtls_client = setup == HOLLER_DTLS_SETUP_ACTIVE;
  holler_call_create_transport (self);
  if (!holler_call_apply_remote (self, error))
    return FALSE;
  local = holler_call_local_description (self, setup, error);
  if (local == NULL)
    return FALSE;
  answer->sdp = holler_sdp_build_answer (local, self->remote);
  holler_call_send_message (self, answer);
  holler_call_set_state (self, HOLLER_CALL_STATE_CONNECTING);
  holler_call_restart_connect_timeout (self);
  return holler_transport_gather (self->transport, error);
}

void
holler_call_signaling_closed (HollerCall *self, const GError *error)
{
  self->signaling_lost = TRUE;
  /* Media runs peer to peer: an active call survives losing signaling. */
  if (self->state != HOLLER_CALL_STATE_ACTIVE && !self->ending)
    holler_call_end (self, "signaling-lost", TRUE, FALSE,
              error ? error->message : _("The signaling channel closed before the call connected"));
}

void
holler_call_hangup (HollerCall *self, const char *reason)
{
  holler_call_end (self, reason ? reason : "hangup", FALSE, TRUE, NULL);
}

/* --- ending --- */

void
holler_call_emit_stats (HollerCall *self, gboolean final)
{
  HollerCallEvent event = { .type = HOLLER_CALL_EVENT_STATS, .stats.final = final, .stats.rx_kbps = -1 };
  guint64 bytes;

  if (self->media != NULL)
    holler_media_get_stats (self->media, &event.stats.media);
  if (self->transport != NULL)
    holler_transport_get_srtp_stats (self->transport, &event.stats.srtp);
  event.time = g_get_monotonic_time ();
  bytes = event.stats.media.bytes_received;
  if (self->stats_time != 0 && event.time > self->stats_time && bytes >= self->stats_bytes)
    event.stats.rx_kbps = (bytes - self->stats_bytes) * 8.0 * 1000.0 / (double) (event.time - self->stats_time);
  self->stats_bytes = bytes;
  self->stats_time = event.time;
  holler_call_emit (self, &event);
}

static void
finish_end (HollerCall *self)
{
  HollerCallEvent event = { .type = HOLLER_CALL_EVENT_ENDED };

  if (self->transport != NULL)
    holler_transport_close (self->transport);
  holler_call_set_state (self, HOLLER_CALL_STATE_ENDED);
  event.ended.reason = self->end_reason;
  event.ended.failed = self->failed;
  holler_call_emit (self, &event);
  g_signal_emit (self, signals[SIGNAL_ENDED], 0);
}

static void
on_media_stopped (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HollerCall) self = user_data;

  holler_media_stop_finish (HOLLER_MEDIA (source), result, NULL);
  finish_end (self);
}

static gboolean
on_idle_finish (gpointer user_data)
{
  finish_end (user_data);
  return G_SOURCE_REMOVE;
}

void
holler_call_end (HollerCall *self, const char *reason, gboolean failed, gboolean send_bye, const char *message)
{
  if (self->ending)
    return;
  self->ending = TRUE;
  self->end_reason = g_strdup (reason);
  self->failed = failed;
  g_clear_handle_id (&self->connect_timeout_id, g_source_remove);
  g_clear_handle_id (&self->duration_id, g_source_remove);
  g_clear_handle_id (&self->restart_timeout_id, g_source_remove);

  if (message != NULL)
    {
      HollerCallEvent event = { .type = HOLLER_CALL_EVENT_ENDING };

      event.ending.reason = reason;
      event.ending.message = message;
      event.ending.failed = failed;
      holler_call_emit (self, &event);
    }
  if (send_bye)
    {
      g_autoptr(HollerMessage) bye = holler_message_new (HOLLER_MESSAGE_BYE);

      bye->reason = g_strdup (reason);
      holler_call_send_message (self, bye);
    }
  if (self->transport != NULL)
    holler_transport_shutdown (self->transport);
  g_clear_handle_id (&self->stats_id, g_source_remove);
  holler_call_emit_stats (self, TRUE);

  if (self->media != NULL)
    holler_media_stop_async (self->media, NULL, on_media_stopped, g_object_ref (self));
  else   /* finish on the next iteration: callers never see "ended" re-entrantly */
    g_idle_add_full (G_PRIORITY_DEFAULT, on_idle_finish, g_object_ref (self), g_object_unref);
}

/* --- GObject --- */

static void
holler_call_dispose (GObject *object)
{
  HollerCall *self = HOLLER_CALL (object);

  g_clear_handle_id (&self->connect_timeout_id, g_source_remove);
  g_clear_handle_id (&self->duration_id, g_source_remove);
  g_clear_handle_id (&self->restart_timeout_id, g_source_remove);
  g_clear_handle_id (&self->stats_id, g_source_remove);
  /* Stop the sender before dropping what it uses. */
  g_clear_object (&self->media);
  if (self->transport != NULL)
    holler_transport_close (self->transport);
  g_clear_object (&self->transport);
  g_clear_object (&self->signaling);
  G_OBJECT_CLASS (holler_call_parent_class)->dispose (object);
}

static void
holler_call_finalize (GObject *object)
{
  HollerCall *self = HOLLER_CALL (object);

  g_free (self->label);
  g_free (self->peer);
  g_free (self->mid);
  g_free (self->cname);
  g_free (self->track_id);
  g_free (self->end_reason);
  g_clear_pointer (&self->remote, holler_sdp_description_free);
  g_ptr_array_unref (self->pending_candidates);
  g_string_free (self->dtmf_received, TRUE);
  holler_call_options_free (self->options);
  G_OBJECT_CLASS (holler_call_parent_class)->finalize (object);
}

static void
holler_call_class_init (HollerCallClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = holler_call_dispose;
  object_class->finalize = holler_call_finalize;

  signals[SIGNAL_STATE_CHANGED] = g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass),
                                                G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[SIGNAL_ENDED] = g_signal_new ("ended", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 0);
  signals[SIGNAL_EVENT] = g_signal_new ("event", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static guint32
random_ssrc (void)
{
  guint32 ssrc;

  while ((ssrc = g_random_int ()) == 0)
    ;
  return ssrc;
}

/* 16 characters as browsers make them: unique enough per call, and no
 * address or name of this host in it (RFC 7022) */
static char *
random_cname (void)
{
  static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char cname[17];

  for (gsize i = 0; i < 16; i++)
    cname[i] = chars[g_random_int_range (0, 64)];
  cname[16] = '\0';
  return g_strdup (cname);
}

static void
holler_call_init (HollerCall *self)
{
  self->pending_candidates = g_ptr_array_new_with_free_func (g_free);
  self->opus_pt = OPUS_PT;
  self->dtmf_pt = DTMF_PT;
  self->dtmf_received = g_string_new (NULL);
  self->mid = g_strdup ("0");
  self->ssrc = random_ssrc ();
  self->cname = random_cname ();
  self->track_id = g_uuid_string_random ();
  self->mid_ext_id = HOLLER_SDP_MID_EXTENSION_ID;
  self->session_id = g_random_int () | ((guint64) (g_random_int () & 0x7fffffff) << 32);
}

static HollerCall *
call_new (HollerSignaling *signaling, const HollerCallOptions *options,
          const char *label, const char *peer, gboolean outgoing)
{
  HollerCall *self = g_object_new (HOLLER_TYPE_CALL, NULL);

  self->peer = g_strdup (peer);
  self->signaling = g_object_ref (signaling);
  self->options = holler_call_options_copy (options);
  self->label = g_strdup (label);
  self->outgoing = outgoing;
  return self;
}

HollerCall *
holler_call_new_outgoing (HollerSignaling *signaling, const char *peer, const HollerCallOptions *options,
                          const char *label)
{
  return call_new (signaling, options, label, peer, TRUE);
}

HollerCall *
holler_call_new_incoming (HollerSignaling *signaling, const HollerMessage *offer,
                          const HollerCallOptions *options, const char *label, GError **error)
{
  g_autoptr(HollerCall) self = call_new (signaling, options, label, offer->from, FALSE);

  self->start_time = g_get_monotonic_time ();
  self->remote = holler_sdp_parse (offer->sdp, HOLLER_SDP_OFFER, error);
  if (self->remote == NULL)
    return NULL;
  g_free (self->mid);
  self->mid = g_strdup (self->remote->mid ? self->remote->mid : "0");
  self->opus_pt = self->remote->opus_pt;
  self->dtmf_pt = self->remote->dtmf_pt;
  self->mid_ext_id = self->remote->mid_ext_id;
  return g_steal_pointer (&self);
}

void
holler_call_ring (HollerCall *self)
{
  g_return_if_fail (!self->outgoing && self->state == HOLLER_CALL_STATE_NEW);
  holler_call_set_state (self, HOLLER_CALL_STATE_RINGING);
  holler_call_restart_connect_timeout (self);
}

HollerCallState
holler_call_get_state (HollerCall *self)
{
  return self->state;
}

const char *
holler_call_get_end_reason (HollerCall *self)
{
  return self->end_reason;
}

gboolean
holler_call_failed (HollerCall *self)
{
  return self->failed;
}

gboolean
holler_call_get_media_stats (HollerCall *self, HollerMediaStats *stats)
{
  if (self->media == NULL)
    return FALSE;
  holler_media_get_stats (self->media, stats);
  return TRUE;
}

gboolean
holler_call_get_selected_pair (HollerCall *self, HollerIcePair *pair)
{
  return self->transport != NULL && holler_transport_get_selected_pair (self->transport, pair);
}

const char *
holler_call_get_peer (HollerCall *self)
{
  return self->peer;
}

void
holler_call_restart_ice (HollerCall *self)
{
  if (!self->restarting)
    holler_call_begin_restart (self, _("requested"));
}

void
holler_call_set_muted (HollerCall *self, gboolean muted)
{
  self->muted = muted;
  if (self->media != NULL)
    holler_media_set_muted (self->media, muted);
}

gboolean
holler_call_get_muted (HollerCall *self)
{
  return self->muted;
}

static gboolean
on_stats_tick (gpointer user_data)
{
  HollerCall *self = user_data;

  if (self->state == HOLLER_CALL_STATE_ACTIVE && !self->ending)
    holler_call_emit_stats (self, FALSE);
  return G_SOURCE_CONTINUE;
}

void
holler_call_set_stats_interval (HollerCall *self, guint interval_ms)
{
  g_clear_handle_id (&self->stats_id, g_source_remove);
  if (interval_ms > 0 && !self->ending)
    self->stats_id = g_timeout_add (interval_ms, on_stats_tick, self);
}

guint
holler_call_get_ice_restarts (HollerCall *self)
{
  return self->restarts_done;
}

const char *
holler_call_get_label (HollerCall *self)
{
  return self->label;
}

gboolean
holler_call_send_dtmf (HollerCall *self, const char *digits, GError **error)
{
  HollerCallEvent event = { .type = HOLLER_CALL_EVENT_DTMF_SENT, .dtmf_sent.digits = digits };

  g_return_val_if_fail (HOLLER_IS_CALL (self), FALSE);
  if (!holler_dtmf_check_digits (digits, error))
    return FALSE;
  if (self->state != HOLLER_CALL_STATE_ACTIVE || self->ending || self->media == NULL)
    {
      g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_FAILED, _("DTMF needs an active call"));
      return FALSE;
    }
  if (self->dtmf_pt == 0)
    {
      g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_MEDIA,
                           _("The peer did not negotiate DTMF (no telephone-event/48000 in its SDP)"));
      return FALSE;
    }
  if (!holler_media_send_dtmf (self->media, digits, error))
    return FALSE;
  holler_call_emit (self, &event);
  return TRUE;
}

const char *
holler_call_get_dtmf_received (HollerCall *self)
{
  return self->dtmf_received->str;
}
