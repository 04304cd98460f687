/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An offer that is not for a call we have: refused (busy, not allowed,
 * unusable) or taken as a ringing call. */
#define G_LOG_DOMAIN "holler"

#include "config.h"
#include <glib/gi18n.h>
#include "holler-incoming.h"
#include "holler-call-report.h"

static void
send_bye (HollerSignaling *signaling, const char *to, const char *reason)
{
  g_autoptr(HollerMessage) bye = holler_message_new (HOLLER_MESSAGE_BYE);

  bye->reason = g_strdup (reason);
  bye->to = g_strdup (to);
  holler_signaling_send (signaling, bye, NULL);
}

void
holler_incoming_refuse (HollerSignaling *signaling, HollerReporter *reporter, const char *who,
                        const HollerMessage *offer, const char *reason, const char *detail)
{
  const char *from = offer->from;
  JsonObject *fields = json_object_new ();

  send_bye (signaling, from, reason);
  if (from != NULL)
    json_object_set_string_member (fields, "from", from);
  if (g_str_equal (reason, "busy"))
    holler_reporter_emit (reporter, who, "busy", fields, _("Call from %s refused: busy"), from ? from : "?");
  else if (g_str_equal (reason, "rejected"))
    holler_reporter_emit (reporter, who, "rejected", fields,
                          _("Call from %s rejected: not on the allow list"), from ? from : "?");
  else
    {
      json_object_set_string_member (fields, "reason", reason);
      if (from != NULL)
        holler_reporter_emit (reporter, who, "error", fields, _("Rejecting the offer from %s: %s"), from, detail);
      else
        holler_reporter_emit (reporter, who, "error", fields, _("Rejecting the offer: %s"), detail);
    }
}

static void
announce (HollerSignaling *signaling, HollerReporter *reporter, const char *label, const char *from)
{
  JsonObject *fields = json_object_new ();
  g_autoptr(HollerMessage) ringing = NULL;

  if (from == NULL)
    {
      holler_reporter_emit (reporter, label, "incoming", fields, _("Incoming call"));
      return;
    }
  json_object_set_string_member (fields, "from", from);
  holler_reporter_emit (reporter, label, "incoming", fields, _("Incoming call from %s"), from);
  /* a routed backend carries "ringing" to the caller; a pipe has no use for it */
  ringing = holler_message_new (HOLLER_MESSAGE_RINGING);
  ringing->to = g_strdup (from);
  holler_signaling_send (signaling, ringing, NULL);
}

HollerCall *
holler_incoming_take (HollerSignaling *signaling, const HollerMessage *offer,
                      const HollerCallOptions *options, HollerReporter *reporter,
                      const char *who, const char *label,
                      HollerIncomingAdoptFunc adopt, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  HollerCall *call = holler_call_new_incoming (signaling, offer, options, label, &error);

  if (call == NULL)
    {
      holler_incoming_refuse (signaling, reporter, who, offer, "bad-sdp", error->message);
      return NULL;
    }
  holler_call_report_follow (call, reporter);
  if (adopt != NULL)
    adopt (call, user_data);
  holler_call_ring (call);
  announce (signaling, reporter, label, offer->from);
  return call;
}

void
holler_incoming_answer (HollerCall *call, HollerReporter *reporter)
{
  g_autoptr(GError) error = NULL;
  JsonObject *fields;

  if (holler_call_get_state (call) != HOLLER_CALL_STATE_RINGING || holler_call_answer (call, &error))
    return;
  fields = json_object_new ();
  json_object_set_string_member (fields, "message", error->message);
  holler_reporter_emit (reporter, holler_call_get_label (call), "error", fields, "%s", error->message);
  holler_call_hangup (call, "error");
}
