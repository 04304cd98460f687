/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "holler"

#include "config.h"
#include <glib/gi18n.h>
#include "holler-runner.h"
#include "holler-error.h"
#include "holler-call-report.h"
#include "holler-incoming.h"

enum { SIGNAL_FINISHED, SIGNAL_INCOMING, SIGNAL_CALL_CREATED, N_SIGNALS };
static guint signals[N_SIGNALS];

struct _HollerRunner
{
  GObject parent_instance;

  HollerSignaling *signaling;
  HollerCallOptions *options;
  HollerReporter *reporter;
  char *label;
  char *peer;            /* outgoing: whom we call, on a routed backend */
  gboolean outgoing;
  HollerCall *call;
  gboolean finished;
  int exit_status;
};

G_DEFINE_TYPE (HollerRunner, holler_runner, G_TYPE_OBJECT)

static void
finish (HollerRunner *self, int status)
{
  if (self->finished)
    return;
  self->finished = TRUE;
  self->exit_status = status;
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0);
}

static void
fail_without_call (HollerRunner *self, const char *reason, const char *message)
{
  JsonObject *fields = json_object_new ();

  json_object_set_string_member (fields, "reason", reason);
  json_object_set_string_member (fields, "message", message);
  holler_reporter_emit (self->reporter, self->label, "error", fields, _("Call failed: %s"), message);
  finish (self, 1);
}

static void
on_call_ended (HollerCall *call, gpointer user_data)
{
  HollerRunner *self = user_data;

  finish (self, holler_call_failed (call) ? 1 : 0);
}

static void
warn (HollerRunner *self, const char *text)
{
  holler_reporter_emit (self->reporter, self->label, "warning", json_object_new (), "%s", text);
}

static void
adopt (HollerCall *call, gpointer user_data)
{
  HollerRunner *self = user_data;

  self->call = g_object_ref (call);
  g_signal_connect_object (call, "ended", G_CALLBACK (on_call_ended), self, 0);
  g_signal_emit (self, signals[SIGNAL_CALL_CREATED], 0, call);
}

static void
accept_offer (HollerRunner *self, const HollerMessage *msg)
{
  g_autoptr(HollerCall) call = holler_incoming_take (self->signaling, msg, self->options, self->reporter,
                                                     self->label, self->label, adopt, self);

  if (call == NULL)
    finish (self, 1);     /* refused as unusable: reported there */
  else if (self->options->auto_answer)
    holler_runner_answer (self);
  else
    g_signal_emit (self, signals[SIGNAL_INCOMING], 0);
}

void
holler_runner_answer (HollerRunner *self)
{
  if (self->call != NULL)
    holler_incoming_answer (self->call, self->reporter);
}

void
holler_runner_reject (HollerRunner *self)
{
  if (self->call != NULL && holler_call_get_state (self->call) == HOLLER_CALL_STATE_RINGING)
    holler_call_hangup (self->call, "rejected");
}

static void
on_message (HollerSignaling *signaling, const HollerMessage *msg, gpointer user_data)
{
  HollerRunner *self = user_data;
  const char *peer = self->call ? holler_call_get_peer (self->call) : self->peer;

  if (self->finished)
    return;
  /* On a routed backend, messages from anyone but our peer are not ours */
  if (msg->from != NULL && peer != NULL && !g_str_equal (msg->from, peer))
    {
      /* one call at a time: a second caller hears busy, like a phone */
      if (msg->type == HOLLER_MESSAGE_OFFER)
        holler_incoming_refuse (self->signaling, self->reporter, self->label, msg, "busy", NULL);
      return;
    }
  if (self->call != NULL)
    {
      holler_call_handle_message (self->call, msg);
      return;
    }
  if (self->outgoing)
    return;
  if (msg->type == HOLLER_MESSAGE_OFFER)
    accept_offer (self, msg);
  else if (msg->type == HOLLER_MESSAGE_BYE)
    warn (self, _("Ignoring a bye: there is no call"));
  else
    {
      g_autofree char *text = g_strdup_printf (_("Ignoring “%s” before any offer"),
                                               holler_message_type_to_string (msg->type));
      warn (self, text);
    }
}

/* The backend saw an offer or answer it could not even read (too long):
 * the peer gets bye "bad-sdp" at once instead of waiting for its timeout. */
static gboolean
refuse_description (HollerRunner *self, const GError *error)
{
  if (self->call == NULL && !self->outgoing)
    {
      g_autoptr(HollerMessage) unread = holler_message_new (HOLLER_MESSAGE_OFFER);

      holler_incoming_refuse (self->signaling, self->reporter, self->label, unread, "bad-sdp", error->message);
      finish (self, 1);
      return TRUE;
    }
  if (self->call != NULL && holler_call_get_state (self->call) == HOLLER_CALL_STATE_OFFERING)
    {
      holler_call_fail (self->call, error);
      return TRUE;
    }
  return FALSE;   /* a call that is not waiting for one: junk */
}

static void
on_junk (HollerSignaling *signaling, const GError *error, gpointer user_data)
{
  HollerRunner *self = user_data;
  JsonObject *fields;

  if (self->finished)
    return;
  if (g_error_matches (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_SDP) && refuse_description (self, error))
    return;
  fields = json_object_new ();

  json_object_set_string_member (fields, "message", error->message);
  holler_reporter_emit (self->reporter, self->label, "signaling-junk", fields,
                        _("Ignoring bad signaling input: %s"), error->message);
}

static void
on_notice (HollerSignaling *signaling, const char *text, gpointer user_data)
{
  HollerRunner *self = user_data;
  JsonObject *fields = json_object_new ();

  json_object_set_string_member (fields, "message", text);
  holler_reporter_emit (self->reporter, self->label, "signaling", fields, "%s", text);
}

static void
on_closed (HollerSignaling *signaling, const GError *error, gpointer user_data)
{
  HollerRunner *self = user_data;

  if (self->finished)
    return;
  if (self->call != NULL)
    holler_call_signaling_closed (self->call, error);
  else
    fail_without_call (self, "signaling-lost",
                       error ? error->message : _("The signaling channel closed before any call"));
}

static void
holler_runner_dispose (GObject *object)
{
  HollerRunner *self = HOLLER_RUNNER (object);

  if (self->signaling != NULL)
    g_signal_handlers_disconnect_by_data (self->signaling, self);
  g_clear_object (&self->call);
  g_clear_object (&self->signaling);
  G_OBJECT_CLASS (holler_runner_parent_class)->dispose (object);
}

static void
holler_runner_finalize (GObject *object)
{
  HollerRunner *self = HOLLER_RUNNER (object);

  holler_call_options_free (self->options);
  holler_reporter_unref (self->reporter);
  g_free (self->label);
  g_free (self->peer);
  G_OBJECT_CLASS (holler_runner_parent_class)->finalize (object);
}

static void
holler_runner_class_init (HollerRunnerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = holler_runner_dispose;
  G_OBJECT_CLASS (klass)->finalize = holler_runner_finalize;

  signals[SIGNAL_CALL_CREATED] = g_signal_new ("call-created", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 1, HOLLER_TYPE_CALL);
  signals[SIGNAL_INCOMING] = g_signal_new ("incoming", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 0);
  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 0);
}

static void
holler_runner_init (HollerRunner *self)
{
  self->exit_status = 1;
}

HollerRunner *
holler_runner_new (HollerSignaling *signaling, const HollerCallOptions *options,
                   HollerReporter *reporter, const char *label, gboolean outgoing, const char *peer)
{
  HollerRunner *self = g_object_new (HOLLER_TYPE_RUNNER, NULL);

  self->signaling = g_object_ref (signaling);
  self->options = holler_call_options_copy (options);
  self->reporter = holler_reporter_ref (reporter);
  self->label = g_strdup (label);
  self->outgoing = outgoing;
  self->peer = g_strdup (peer);
  g_signal_connect (signaling, "message", G_CALLBACK (on_message), self);
  g_signal_connect (signaling, "notice", G_CALLBACK (on_notice), self);
  g_signal_connect (signaling, "junk", G_CALLBACK (on_junk), self);
  g_signal_connect (signaling, "closed", G_CALLBACK (on_closed), self);
  return self;
}

gboolean
holler_runner_start (HollerRunner *self, GError **error)
{
  if (!holler_signaling_start (self->signaling, error))
    return FALSE;
  if (!self->outgoing)
    {
      holler_reporter_emit (self->reporter, self->label, "listening", json_object_new (),
                            _("Waiting for a call"));
      return TRUE;
    }
  self->call = holler_call_new_outgoing (self->signaling, self->peer, self->options, self->label);
  holler_call_report_follow (self->call, self->reporter);
  g_signal_emit (self, signals[SIGNAL_CALL_CREATED], 0, self->call);
  if (self->peer != NULL)
    {
      JsonObject *fields = json_object_new ();

      json_object_set_string_member (fields, "to", self->peer);
      holler_reporter_emit (self->reporter, self->label, "calling", fields, _("Calling %s"), self->peer);
    }
  g_signal_connect_object (self->call, "ended", G_CALLBACK (on_call_ended), self, 0);
  return holler_call_start (self->call, error);
}

void
holler_runner_stop (HollerRunner *self)
{
  if (self->call != NULL && holler_call_get_state (self->call) != HOLLER_CALL_STATE_ENDED)
    holler_call_hangup (self->call, "hangup");
  else if (self->call == NULL)
    finish (self, 0);
}

int
holler_runner_get_exit_status (HollerRunner *self)
{
  return self->exit_status;
}

HollerCall *
holler_runner_get_call (HollerRunner *self)
{
  return self->call;
}

gboolean
holler_runner_is_finished (HollerRunner *self)
{
  return self->finished;
}
