/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sip: and sips: backend (docs/sip.md): sofia-sip's nua on our
 * GMainContext (su_glib), media off (the SDP is ours). It registers our
 * account with digest authentication and maps SIP to HollerMessages: our
 * offer is an INVITE, our answer its 200, our bye a BYE, CANCEL or a
 * refusal; responses and requests from the network come back as ringing,
 * answer, bye and error messages from the peer. SIP peers do not trickle:
 * our offer and answer wait for ICE gathering (holler-sip-dialog.c). */
#define G_LOG_DOMAIN "holler-signaling"

#include "config.h"
#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>

#define NUA_MAGIC_T struct _HollerSignalingSip
#define NUA_HMAGIC_T struct _HollerSipDialog
#include <sofia-sip/su_glib.h>
#include <sofia-sip/su_log.h>
#include <sofia-sip/su_tag.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/msg_header.h>

#include "holler-signaling.h"
#include "holler-error.h"
#include "holler-sdp-complete.h"
#include "holler-sip-account.h"
#include "holler-sip-dialog.h"
#include "holler-sip-map.h"
#include "holler-sip-message.h"
#include <sofia-sip/su_uniqueid.h>

/* sofia-sip 1.12.11's library destructor deletes the pthread key of its
 * random source even when that source was never set up, and the key it
 * deletes is then 0: GLib's. A GDBus thread still running at exit then
 * aborts in pthread_setspecific (seen as `holler calls` dying 1 run in 10,
 * in any holler process, SIP or not). Setting the source up at load gives
 * sofia a key of its own to delete. */
__attribute__((constructor)) static void
own_sofia_random_key (void)
{
  (void) su_random64 ();
}

/* How long an offer or answer waits for ICE gathering */
#define GATHER_BOUND_MS 3000
/* Answers to challenges per request: a second challenge means the
 * credentials are wrong (a stale nonce after success resets the count) */
#define MAX_AUTH_TRIES 1
#define REGISTER_EXPIRES "600"
#define RETRY_REGISTER_SECONDS 10

typedef enum {
  SIP_IDLE,
  SIP_REGISTERING,
  SIP_REGISTERED,
  SIP_CLOSING,     /* unregistering and shutting nua down */
  SIP_CLOSED,
} SipState;

struct _HollerSignalingSip
{
  GObject parent_instance;

  HollerSipAccount *account;
  char *registrar;
  su_root_t *root;
  nua_t *nua;
  nua_handle_t *reg;
  SipState state;
  gboolean ever_registered;
  gboolean shutdown_done;     /* nua_r_shutdown came: nua may be destroyed */
  guint reg_auth_tries;
  guint retry_id;
  GHashTable *dialogs;        /* peer → HollerSipDialog */
  GTask *shutdown_task;
};

#define HOLLER_TYPE_SIGNALING_SIP (holler_signaling_sip_get_type ())
G_DECLARE_FINAL_TYPE (HollerSignalingSip, holler_signaling_sip, HOLLER, SIGNALING_SIP, GObject)

static void holler_signaling_sip_iface_init (HollerSignalingInterface *iface);

G_DEFINE_TYPE_WITH_CODE (HollerSignalingSip, holler_signaling_sip, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (HOLLER_TYPE_SIGNALING, holler_signaling_sip_iface_init))

/* --- helpers --- */

static void
notice (HollerSignalingSip *self, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
notice (HollerSignalingSip *self, const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  holler_signaling_emit_notice (HOLLER_SIGNALING (self), text);
}

/* sofia-sip logs to stderr, where our JSON events go: into GLib's debug log */
static void
on_sofia_log (void *stream, char const *format, va_list args)
{
  g_autofree char *text = g_strdup_vprintf (format, args);

  g_debug ("sofia-sip: %s", g_strchomp (text));
}

static void
complete_shutdown (HollerSignalingSip *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->shutdown_task);

  if (task != NULL)
    g_task_return_boolean (task, TRUE);
}

/* Gone for good: tell the owner once. */
static void
fail (HollerSignalingSip *self, GError *error)
{
  g_autoptr(GError) owned = error;

  if (self->state == SIP_CLOSED || self->state == SIP_CLOSING)
    return;
  self->state = SIP_CLOSING;
  g_clear_handle_id (&self->retry_id, g_source_remove);
  nua_shutdown (self->nua);
  holler_signaling_emit_closed (HOLLER_SIGNALING (self), owned);
}

static void
emit (HollerSignalingSip *self, HollerMessage *msg)
{
  g_autoptr(HollerMessage) owned = msg;

  if (owned != NULL)
    holler_signaling_emit_message (HOLLER_SIGNALING (self), owned);
}

static HollerMessage *
message_from (HollerMessageType type, const char *peer)
{
  HollerMessage *msg = holler_message_new (type);

  msg->from = g_strdup (peer);
  return msg;
}

static gboolean
authenticate (HollerSignalingSip *self, nua_handle_t *nh, const sip_t *sip, guint *tries)
{
  g_autofree char *auth = NULL;

  if (++*tries > MAX_AUTH_TRIES
      || (auth = holler_sip_message_credentials (sip, self->account->user, self->account->password)) == NULL)
    return FALSE;
  nua_authenticate (nh, NUTAG_AUTH (auth), TAG_END ());
  memset (auth, 0, strlen (auth));
  return TRUE;
}

/* --- dialogs --- */

static void
send_invite (HollerSignalingSip *self, HollerSipDialog *dialog, const char *sdp)
{
  if (dialog->nh == NULL)
    {
      dialog->nh = nua_handle (self->nua, dialog, SIPTAG_TO_STR (dialog->target), TAG_END ());
      dialog->state = HOLLER_SIP_DIALOG_INVITING;
    }
  nua_invite (dialog->nh, SIPTAG_CONTENT_TYPE_STR ("application/sdp"), SIPTAG_PAYLOAD_STR (sdp), TAG_END ());
}

static void
on_description_ready (HollerSipDialog *dialog, HollerMessageType type, const char *sdp, gpointer user_data)
{
  HollerSignalingSip *self = user_data;

  if (type == HOLLER_MESSAGE_ANSWER)
    {
      nua_respond (dialog->nh, SIP_200_OK, SIPTAG_CONTENT_TYPE_STR ("application/sdp"),
                   SIPTAG_PAYLOAD_STR (sdp), TAG_END ());
      dialog->reinvite_pending = FALSE;
      dialog->state = HOLLER_SIP_DIALOG_ESTABLISHED;
    }
  else if (self->state == SIP_REGISTERED || dialog->nh != NULL)
    send_invite (self, dialog, sdp);
  else
    {
      g_free (dialog->queued_sdp);
      dialog->queued_sdp = g_strdup (sdp);   /* sent once registered */
    }
}

/* The one dialog an event is about, by its handle */
static void
forget_dialog (HollerSignalingSip *self, HollerSipDialog *dialog)
{
  nua_handle_t *nh = dialog->nh;

  g_hash_table_remove (self->dialogs, dialog->peer);
  if (nh != NULL)
    {
      nua_handle_bind (nh, NULL);
      nua_handle_destroy (nh);
    }
}

static void
end_dialog (HollerSignalingSip *self, HollerSipDialog *dialog, const char *reason)
{
  const char *phrase;
  int status;

  holler_sip_dialog_drop_held (dialog);
  switch (dialog->state)
    {
    case HOLLER_SIP_DIALOG_NEW:
      forget_dialog (self, dialog);
      return;
    case HOLLER_SIP_DIALOG_INVITING:
      nua_cancel (dialog->nh, TAG_END ());
      break;
    case HOLLER_SIP_DIALOG_INCOMING:
      status = holler_sip_map_refusal (reason, &phrase);
      nua_respond (dialog->nh, status, phrase, TAG_END ());
      break;
    case HOLLER_SIP_DIALOG_ESTABLISHED:
      nua_bye (dialog->nh, TAG_END ());
      break;
    case HOLLER_SIP_DIALOG_ENDING:
      return;
    }
  dialog->state = HOLLER_SIP_DIALOG_ENDING;
}

/* --- what the call sends --- */

static gboolean
send_offer (HollerSignalingSip *self, const HollerMessage *msg, GError **error)
{
  HollerSipDialog *dialog = g_hash_table_lookup (self->dialogs, msg->to);
  g_autofree char *target = NULL;

  if (dialog != NULL && dialog->state != HOLLER_SIP_DIALOG_ESTABLISHED)
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_SIGNALING, _("A call with %s is already under way"),
                   msg->to);
      return FALSE;
    }
  if (dialog == NULL)
    {
      target = holler_sip_account_resolve (self->account, msg->to, error);
      if (target == NULL)
        return FALSE;
      dialog = holler_sip_dialog_new (msg->to, TRUE);
      dialog->target = g_steal_pointer (&target);
      g_hash_table_insert (self->dialogs, dialog->peer, dialog);
    }
  /* a first INVITE or a re-INVITE (ICE restart): complete either way */
  holler_sip_dialog_hold (dialog, msg, GATHER_BOUND_MS, on_description_ready, self);
  return TRUE;
}

static gboolean
holler_signaling_sip_send (HollerSignaling *signaling, const HollerMessage *msg, GError **error)
{
  HollerSignalingSip *self = HOLLER_SIGNALING_SIP (signaling);
  HollerSipDialog *dialog;

  if (self->state == SIP_CLOSED || self->state == SIP_CLOSING)
    {
      g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_SIGNALING, _("Signaling is closed"));
      return FALSE;
    }
  if (msg->to == NULL)
    {
      g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_SIGNALING,
                           _("A SIP message must name its peer"));
      return FALSE;
    }
  if (msg->type == HOLLER_MESSAGE_OFFER)
    return send_offer (self, msg, error);
  dialog = g_hash_table_lookup (self->dialogs, msg->to);
  if (dialog == NULL)
    return TRUE;   /* a call that SIP has already ended */
  switch (msg->type)
    {
    case HOLLER_MESSAGE_ANSWER:
      if (dialog->state == HOLLER_SIP_DIALOG_INCOMING || dialog->reinvite_pending)
        holler_sip_dialog_hold (dialog, msg, GATHER_BOUND_MS, on_description_ready, self);
      break;
    case HOLLER_MESSAGE_CANDIDATE:
    case HOLLER_MESSAGE_END_OF_CANDIDATES:
      /* into a held description; later ones (trickle) SIP peers do not take */
      holler_sip_dialog_add_candidate (dialog, msg);
      break;
    case HOLLER_MESSAGE_RINGING:
      if (dialog->state == HOLLER_SIP_DIALOG_INCOMING)
        nua_respond (dialog->nh, SIP_180_RINGING, TAG_END ());
      break;
    case HOLLER_MESSAGE_BYE:
      end_dialog (self, dialog, msg->reason);
      break;
    default:
      break;
    }
  return TRUE;
}

/* --- what the network sends --- */

/* 488 with a Warning that says why (RFC 3261 §20.43) */
static void
refuse_unencrypted (HollerSignalingSip *self, nua_handle_t *nh, const char *caller)
{
  nua_respond (nh, SIP_488_NOT_ACCEPTABLE,
               SIPTAG_WARNING_STR ("399 holler \"peer offers no DTLS-SRTP\""), TAG_END ());
  notice (self, _("Refused a call from %s: it offers no DTLS-SRTP (488)"), caller);
}

static void
on_invite (HollerSignalingSip *self, nua_handle_t *nh, HollerSipDialog *dialog, const sip_t *sip)
{
  g_autofree char *sdp = holler_sip_message_body (sip);
  g_autofree char *caller = NULL;
  HollerMessage *offer;

  if (dialog != NULL)   /* a re-INVITE: an ICE restart of the peer */
    {
      if (!holler_sdp_offers_dtls_srtp (sdp))
        {
          nua_respond (nh, SIP_488_NOT_ACCEPTABLE, TAG_END ());
          return;
        }
      dialog->reinvite_pending = TRUE;
      offer = message_from (HOLLER_MESSAGE_OFFER, dialog->peer);
      offer->sdp = g_steal_pointer (&sdp);
      emit (self, offer);
      return;
    }
  caller = holler_sip_message_caller (sip);
  if (!holler_sdp_offers_dtls_srtp (sdp))
    {
      refuse_unencrypted (self, nh, caller);
      return;
    }
  /* a second call from the same address gets a name of its own */
  for (guint n = 2; g_hash_table_contains (self->dialogs, caller); n++)
    {
      g_autofree char *base = g_strdup (caller);

      g_free (caller);
      caller = g_strdup_printf ("%s#%u", base, n);
    }
  dialog = holler_sip_dialog_new (caller, FALSE);
  dialog->nh = nh;
  nua_handle_bind (nh, dialog);
  g_hash_table_insert (self->dialogs, dialog->peer, dialog);
  offer = message_from (HOLLER_MESSAGE_OFFER, caller);
  offer->sdp = g_steal_pointer (&sdp);
  emit (self, offer);
}

static void
on_invite_response (HollerSignalingSip *self, int status, const char *phrase, nua_handle_t *nh,
                    HollerSipDialog *dialog, const sip_t *sip)
{
  g_autofree char *sdp = NULL;
  HollerMessage *msg;
  gboolean reinvite;

  if (dialog == NULL || dialog->state == HOLLER_SIP_DIALOG_ENDING)
    return;
  if ((status == 401 || status == 407) && authenticate (self, nh, sip, &dialog->auth_tries))
    return;
  if (status >= 100 && status < 200)
    {
      if (dialog->ringing_seen)
        return;
      dialog->ringing_seen = TRUE;
    }
  reinvite = dialog->state == HOLLER_SIP_DIALOG_ESTABLISHED;
  sdp = holler_sip_message_body (sip);
  msg = holler_sip_map_invite_response (status, phrase, holler_sip_message_warning (sip),
                                        sdp, dialog->peer);
  if (status >= 200 && status < 300)
    dialog->state = HOLLER_SIP_DIALOG_ESTABLISHED;
  else if (status >= 300 && !reinvite)
    dialog->state = HOLLER_SIP_DIALOG_ENDING;
  if (reinvite && msg != NULL && msg->type != HOLLER_MESSAGE_ANSWER)
    {
      /* a failed re-INVITE does not end the call: the call warns */
      g_clear_pointer (&msg, holler_message_free);
      if (status >= 300)
        {
          msg = holler_message_new (HOLLER_MESSAGE_ERROR);
          msg->from = g_strdup (dialog->peer);
          msg->code = holler_sip_map_reason (status, phrase);
        }
    }
  emit (self, msg);
}

/* BYE, or CANCEL while ringing: the peer hung up */
static void
on_peer_hangup (HollerSignalingSip *self, HollerSipDialog *dialog)
{
  HollerMessage *bye;

  if (dialog == NULL || dialog->state == HOLLER_SIP_DIALOG_ENDING)
    return;
  holler_sip_dialog_drop_held (dialog);
  dialog->state = HOLLER_SIP_DIALOG_ENDING;
  bye = message_from (HOLLER_MESSAGE_BYE, dialog->peer);
  bye->reason = g_strdup ("hangup");
  emit (self, bye);
}

static void
on_call_state (HollerSignalingSip *self, nua_handle_t *nh, HollerSipDialog *dialog, tagi_t tags[])
{
  int state = nua_callstate_init;

  tl_gets (tags, NUTAG_CALLSTATE_REF (state), TAG_END ());
  if (state != nua_callstate_terminated)
    return;
  if (dialog != NULL)
    {
      /* a dialog that ends without BYE or a final response we mapped */
      on_peer_hangup (self, dialog);
      forget_dialog (self, dialog);
    }
  else if (nh != self->reg)
    nua_handle_destroy (nh);
}

/* --- registration --- */

static void register_now (HollerSignalingSip *self);

static gboolean
on_retry_register (gpointer user_data)
{
  HollerSignalingSip *self = user_data;

  self->retry_id = 0;
  register_now (self);
  return G_SOURCE_REMOVE;
}

static void
send_queued_invites (HollerSignalingSip *self)
{
  GHashTableIter iter;
  HollerSipDialog *dialog;

  g_hash_table_iter_init (&iter, self->dialogs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &dialog))
    if (dialog->queued_sdp != NULL)
      {
        g_autofree char *sdp = g_steal_pointer (&dialog->queued_sdp);

        send_invite (self, dialog, sdp);
      }
}

static void
on_registered (HollerSignalingSip *self, const sip_t *sip)
{
  gboolean first = !self->ever_registered;

  self->reg_auth_tries = 0;
  if (self->state == SIP_REGISTERED)
    return;   /* a refresh */
  self->state = SIP_REGISTERED;
  self->ever_registered = TRUE;
  if (first)
    notice (self, _("Registered as %s at %s"), self->account->aor, self->registrar);
  else
    notice (self, _("Registered again as %s"), self->account->aor);
  send_queued_invites (self);
}

static void
on_register_response (HollerSignalingSip *self, int status, const char *phrase, nua_handle_t *nh,
                      const sip_t *sip)
{
  if (self->state == SIP_CLOSING || self->state == SIP_CLOSED || status < 200)
    return;
  if (status < 300)
    {
      on_registered (self, sip);
      return;
    }
  if ((status == 401 || status == 407) && authenticate (self, nh, sip, &self->reg_auth_tries))
    return;
  self->reg_auth_tries = 0;
  /* sofia-sip's own answer when nothing answers (or the registrar's) */
  if (!self->ever_registered && (status == 408 || status == 503))
    {
      fail (self, g_error_new (HOLLER_ERROR, HOLLER_ERROR_SIGNALING,
                               _("Cannot reach the registrar %s: %d %s"), self->registrar, status, phrase));
      return;
    }
  if (!self->ever_registered)
    {
      /* 904: sofia-sip found our credentials already refused */
      const char *hint = (status == 401 || status == 407 || status == 403 || status == 904)
                         ? (self->account->password ? _(" (wrong user name or password?)")
                                                    : _(" (no password: use --password-file)"))
                         : "";
      fail (self, g_error_new (HOLLER_ERROR, HOLLER_ERROR_SIGNALING,
                               _("The registrar %s refused %s: %d %s%s"), self->registrar,
                               self->account->aor, status, phrase, hint));
      return;
    }
  /* a refresh failed: calls go on; try again a little later */
  self->state = SIP_REGISTERING;
  notice (self, _("Registration lost (%d %s); trying again in %d s"), status, phrase, RETRY_REGISTER_SECONDS);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  self->retry_id = g_timeout_add_seconds (RETRY_REGISTER_SECONDS, on_retry_register, self);
}

static void
register_now (HollerSignalingSip *self)
{
  self->state = SIP_REGISTERING;
  self->reg_auth_tries = 0;
  nua_register (self->reg, NUTAG_M_USERNAME (self->account->user), SIPTAG_EXPIRES_STR (REGISTER_EXPIRES),
                TAG_END ());
}

/* Unregistered (or given up on): now the rest of the stack */
static void
on_unregistered (HollerSignalingSip *self, int status, nua_handle_t *nh, const sip_t *sip)
{
  if ((status == 401 || status == 407) && authenticate (self, nh, sip, &self->reg_auth_tries))
    return;
  if (status >= 200)
    nua_shutdown (self->nua);
}

static void
on_shutdown (HollerSignalingSip *self, int status)
{
  if (status < 200)
    return;
  self->shutdown_done = TRUE;
  self->state = SIP_CLOSED;
  complete_shutdown (self);
}

/* --- the nua event callback --- */

static void
on_nua_event (nua_event_t event, int status, char const *phrase, nua_t *nua, HollerSignalingSip *self,
              nua_handle_t *nh, HollerSipDialog *dialog, sip_t const *sip, tagi_t tags[])
{
  g_autoptr(HollerSignalingSip) hold = g_object_ref (self);   /* a handler may drop the last ref */

  g_debug ("nua %s %d %s", nua_event_name (event), status, phrase ? phrase : "");
  switch (event)
    {
    case nua_r_register:
      on_register_response (self, status, phrase, nh, sip);
      break;
    case nua_r_unregister:
      on_unregistered (self, status, nh, sip);
      break;
    case nua_i_invite:
      if (self->state == SIP_CLOSING || self->state == SIP_CLOSED)
        nua_respond (nh, SIP_480_TEMPORARILY_UNAVAILABLE, TAG_END ());
      else
        on_invite (self, nh, dialog, sip);
      break;
    case nua_r_invite:
      on_invite_response (self, status, phrase, nh, dialog, sip);
      break;
    case nua_i_cancel:
    case nua_i_bye:
      on_peer_hangup (self, dialog);
      break;
    case nua_i_state:
      on_call_state (self, nh, dialog, tags);
      break;
    case nua_r_shutdown:
      on_shutdown (self, status);
      break;
    default:
      break;
    }
}

/* --- HollerSignaling --- */

static gboolean
holler_signaling_sip_start (HollerSignaling *signaling, GError **error)
{
  HollerSignalingSip *self = HOLLER_SIGNALING_SIP (signaling);

  g_return_val_if_fail (self->state == SIP_IDLE, FALSE);
  self->root = su_glib_root_create (NULL);
  if (self->root == NULL)
    {
      g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_SIGNALING, _("Cannot start sofia-sip"));
      return FALSE;
    }
  g_source_attach (su_glib_root_gsource (self->root), g_main_context_get_thread_default ());
  self->nua = nua_create (self->root, on_nua_event, self,
                          NUTAG_URL (self->account->sips ? NULL : "sip:*:*"),
                          TAG_IF (self->account->sips, NUTAG_SIPS_URL ("sips:*:*")),
                          NUTAG_PROXY (self->registrar),
                          NUTAG_REGISTRAR (self->registrar),
                          SIPTAG_FROM_STR (self->account->aor),
                          NUTAG_MEDIA_ENABLE (0),
                          NUTAG_AUTOALERT (0),
                          NUTAG_AUTOANSWER (0),
                          NUTAG_ENABLEMESSAGE (0),
                          NUTAG_SESSION_TIMER (0),
                          NUTAG_ALLOW ("INVITE, ACK, BYE, CANCEL, OPTIONS, INFO"),
                          SIPTAG_USER_AGENT_STR ("holler/" PACKAGE_VERSION),
                          TAG_END ());
  if (self->nua == NULL)
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_SIGNALING,
                   _("Cannot open SIP sockets for %s (is the SIP port in use?)"), self->account->aor);
      return FALSE;
    }
  self->reg = nua_handle (self->nua, NULL, SIPTAG_TO_STR (self->account->aor), TAG_END ());
  register_now (self);
  return TRUE;
}

static void
stop_dialogs (HollerSignalingSip *self)
{
  GHashTableIter iter;
  HollerSipDialog *dialog;

  g_hash_table_iter_init (&iter, self->dialogs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &dialog))
    holler_sip_dialog_drop_held (dialog);
}

/* Unregister, then shut nua down (it ends any call left with BYE or CANCEL) */
static void
begin_close (HollerSignalingSip *self)
{
  SipState was = self->state;

  g_clear_handle_id (&self->retry_id, g_source_remove);
  stop_dialogs (self);
  if (self->nua == NULL || was == SIP_CLOSED || was == SIP_CLOSING)
    {
      if (self->nua == NULL)
        self->state = SIP_CLOSED;
      return;
    }
  self->state = SIP_CLOSING;
  if (was == SIP_REGISTERED)
    {
      self->reg_auth_tries = 0;
      nua_unregister (self->reg, TAG_END ());
    }
  else
    nua_shutdown (self->nua);
}

static void
holler_signaling_sip_close (HollerSignaling *signaling)
{
  begin_close (HOLLER_SIGNALING_SIP (signaling));
}

/* Waits for the unregistration and the BYEs to leave */
static void
holler_signaling_sip_shutdown_async (HollerSignaling *signaling, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  HollerSignalingSip *self = HOLLER_SIGNALING_SIP (signaling);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, holler_signaling_sip_shutdown_async);
  begin_close (self);
  if (self->state == SIP_CLOSED || self->shutdown_task != NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  self->shutdown_task = g_steal_pointer (&task);
}

static gboolean
holler_signaling_sip_shutdown_finish (HollerSignaling *signaling, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- GObject --- */

static void
holler_signaling_sip_dispose (GObject *object)
{
  HollerSignalingSip *self = HOLLER_SIGNALING_SIP (object);

  g_clear_handle_id (&self->retry_id, g_source_remove);
  complete_shutdown (self);
  if (self->dialogs != NULL)
    stop_dialogs (self);
  G_OBJECT_CLASS (holler_signaling_sip_parent_class)->dispose (object);
}

static void
holler_signaling_sip_finalize (GObject *object)
{
  HollerSignalingSip *self = HOLLER_SIGNALING_SIP (object);

  g_hash_table_unref (self->dialogs);
  /* nua can only be destroyed once shut down (we exit without waiting for
   * a registrar that does not answer): otherwise it stays, detached from
   * the main context so that nothing of it runs with us gone */
  if (self->nua != NULL && self->shutdown_done)
    {
      nua_destroy (self->nua);
      su_root_destroy (self->root);
    }
  else if (self->root != NULL && self->nua == NULL)
    su_root_destroy (self->root);
  else if (self->root != NULL)
    g_source_destroy (su_glib_root_gsource (self->root));
  holler_sip_account_free (self->account);
  g_free (self->registrar);
  su_deinit ();
  G_OBJECT_CLASS (holler_signaling_sip_parent_class)->finalize (object);
}

static void
holler_signaling_sip_iface_init (HollerSignalingInterface *iface)
{
  iface->start = holler_signaling_sip_start;
  iface->send = holler_signaling_sip_send;
  iface->close = holler_signaling_sip_close;
  iface->shutdown_async = holler_signaling_sip_shutdown_async;
  iface->shutdown_finish = holler_signaling_sip_shutdown_finish;
}

static void
holler_signaling_sip_class_init (HollerSignalingSipClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = holler_signaling_sip_dispose;
  G_OBJECT_CLASS (klass)->finalize = holler_signaling_sip_finalize;
}

static void
holler_signaling_sip_init (HollerSignalingSip *self)
{
  su_init ();
  su_log_redirect (su_log_default, on_sofia_log, NULL);
  self->dialogs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) holler_sip_dialog_free);
}

HollerSignaling *
holler_signaling_sip_new (const char *uri, const HollerSignalingParams *params, GError **error)
{
  g_autoptr(HollerSipAccount) account = holler_sip_account_parse (uri, error);
  HollerSignalingSip *self;

  if (account == NULL)
    return NULL;
  if (params->password_file != NULL
      && !holler_sip_account_read_password (account, params->password_file, error))
    return NULL;
  self = g_object_new (HOLLER_TYPE_SIGNALING_SIP, NULL);
  self->registrar = holler_sip_account_registrar (account);
  self->account = g_steal_pointer (&account);
  return HOLLER_SIGNALING (self);
}
