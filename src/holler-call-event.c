/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one encoder of a call's events: JSON members and the line for people. */
#define G_LOG_DOMAIN "holler-call"

#include "config.h"
#include <inttypes.h>
#include <glib/gi18n.h>
#include "holler-call-event.h"
#include "holler-call.h"

const char *
holler_call_event_name (const HollerCallEvent *e)
{
  static const char *names[] = {
    [HOLLER_CALL_EVENT_STATE] = "state",
    [HOLLER_CALL_EVENT_RINGING] = "ringing",
    [HOLLER_CALL_EVENT_SELECTED_PAIR] = "selected-pair",
    [HOLLER_CALL_EVENT_DTLS] = "dtls",
    [HOLLER_CALL_EVENT_PEER] = "peer",
    [HOLLER_CALL_EVENT_FIRST_AUDIO] = "first-audio",
    [HOLLER_CALL_EVENT_LEVEL] = "level",
    [HOLLER_CALL_EVENT_ENCODER] = "encoder",
    [HOLLER_CALL_EVENT_DTMF] = "dtmf",
    [HOLLER_CALL_EVENT_DTMF_SENT] = "dtmf-sent",
    [HOLLER_CALL_EVENT_ICE_RESTART] = "ice-restart",
    [HOLLER_CALL_EVENT_WARNING] = "warning",
    [HOLLER_CALL_EVENT_ENDING] = "info",     /* "error" when the call failed */
    [HOLLER_CALL_EVENT_STATS] = "stats",
    [HOLLER_CALL_EVENT_ENDED] = "ended",
  };

  if (e->type == HOLLER_CALL_EVENT_ENDING && e->ending.failed)
    return "error";
  return e->type < G_N_ELEMENTS (names) ? names[e->type] : "unknown";
}

static double
ms_between (gint64 from, gint64 to)
{
  return (to - from) / 1000.0;
}

static void
pair_to_json (JsonObject *o, const HollerIcePair *pair)
{
  json_object_set_string_member (o, "local_type", pair->local_type);
  json_object_set_string_member (o, "local_address", pair->local_address);
  json_object_set_string_member (o, "remote_type", pair->remote_type);
  json_object_set_string_member (o, "remote_address", pair->remote_address);
  json_object_set_string_member (o, "transport", pair->transport);
  if (pair->relay_transport[0] != '\0')
    json_object_set_string_member (o, "relay_transport", pair->relay_transport);
}

/* What the peer's RTCP reports say about our stream; null when it sent
 * none (a peer without RTCP) or, for the RTT, none after our first SR. */
static void
rtcp_to_json (JsonObject *o, const HollerMediaStats *stats)
{
  if (stats->have_remote_report && stats->rtt_ms >= 0)
    json_object_set_double_member (o, "rtt_ms", stats->rtt_ms);
  else
    json_object_set_null_member (o, "rtt_ms");
  if (stats->have_remote_report)
    {
      json_object_set_double_member (o, "remote_fraction_lost", stats->remote_fraction_lost);
      json_object_set_int_member (o, "remote_packets_lost", stats->remote_packets_lost);
    }
  else
    {
      json_object_set_null_member (o, "remote_fraction_lost");
      json_object_set_null_member (o, "remote_packets_lost");
    }
  json_object_set_int_member (o, "rtcp_sent", (gint64) stats->rtcp_sent);
  json_object_set_int_member (o, "rtcp_received", (gint64) stats->rtcp_received);
  json_object_set_int_member (o, "rtcp_malformed", (gint64) stats->rtcp_malformed);
}

static void
stats_to_json (JsonObject *o, const HollerMediaStats *stats, const HollerSrtpStats *srtp)
{
  json_object_set_int_member (o, "packets_sent", stats->packets_sent);
  json_object_set_int_member (o, "bytes_sent", stats->bytes_sent);
  json_object_set_int_member (o, "packets_received", stats->packets_received);
  json_object_set_int_member (o, "bytes_received", stats->bytes_received);
  json_object_set_int_member (o, "packets_lost", stats->packets_lost);
  json_object_set_double_member (o, "jitter_ms", stats->jitter_ms);
  json_object_set_int_member (o, "jitter_buffer_ms", stats->jitter_buffer_ms);
  json_object_set_int_member (o, "packets_concealed", (gint64) stats->packets_concealed);
  json_object_set_int_member (o, "srtp_auth_failures", srtp->auth_failures);
  json_object_set_int_member (o, "srtp_replays", srtp->replays);
  json_object_set_double_member (o, "received_tone_hz", stats->tone_hz);
  json_object_set_double_member (o, "received_level_db", stats->level_db);
  rtcp_to_json (o, stats);
}

/* "peer" is the reporter's (who reports: caller, callee, call N), so the
 * peer's own id is "id" */
static void
peer_to_json (JsonObject *o, const HollerCallEvent *e)
{
  json_object_set_string_member (o, "status", e->peer.status);
  if (e->peer.id != NULL)
    json_object_set_string_member (o, "id", e->peer.id);
  json_object_set_string_member (o, "fingerprint", e->peer.fingerprint);
  if (e->peer.pinned != NULL)
    json_object_set_string_member (o, "pinned_fingerprint", e->peer.pinned);
  if (e->peer.sas != NULL)
    json_object_set_string_member (o, "sas", e->peer.sas);
  else
    json_object_set_null_member (o, "sas");
}

static char *
describe_peer (const HollerCallEvent *e)
{
  const char *id = e->peer.id ? e->peer.id : _("the peer");
  const char *sas = e->peer.sas ? e->peer.sas : "?";

  if (g_str_equal (e->peer.status, "changed"))
    return g_strdup_printf (_("WARNING: the key of %s HAS CHANGED (pinned %s, now %s): someone may be in the "
                              "middle of this call. Compare the code %s with theirs; if they really have a "
                              "new key: holler peers forget %s"),
                            id, e->peer.pinned, e->peer.fingerprint, sas, id);
  if (g_str_equal (e->peer.status, "new"))
    return g_strdup_printf (_("New peer %s: its key is pinned now (trust on first use). Compare the code %s "
                              "with theirs, then: holler peers verify %s"), id, sas, id);
  if (g_str_equal (e->peer.status, "verified"))
    return g_strdup_printf (_("Verified peer %s (the key you compared before); code %s"), id, sas);
  if (g_str_equal (e->peer.status, "known"))
    return g_strdup_printf (_("Known peer %s (the same key as before, not yet verified); code %s"), id, sas);
  return g_strdup_printf (_("The peer's key is not checked against known peers (no id, or a call of the demo); code %s"), sas);
}

/* The members of events that carry only a few */
static void
small_to_json (JsonObject *o, const HollerCallEvent *e, gint64 process_start)
{
  char digit[2] = { 0, 0 };

  switch (e->type)
    {
    case HOLLER_CALL_EVENT_STATE:
      json_object_set_string_member (o, "state", holler_call_state_to_string (e->state.state));
      break;
    case HOLLER_CALL_EVENT_DTLS:
      json_object_set_string_member (o, "state", "connected");
      json_object_set_string_member (o, "role", e->dtls.client ? "client" : "server");
      json_object_set_string_member (o, "cipher", e->dtls.cipher);
      json_object_set_string_member (o, "srtp_profile", e->dtls.srtp_profile);
      json_object_set_boolean_member (o, "fingerprint_verified", TRUE);
      break;
    case HOLLER_CALL_EVENT_PEER:
      peer_to_json (o, e);
      break;
    case HOLLER_CALL_EVENT_FIRST_AUDIO:
      json_object_set_double_member (o, "since_start_ms", ms_between (process_start, e->time));
      json_object_set_double_member (o, "since_call_ms", ms_between (e->first_audio.call_start, e->time));
      break;
    case HOLLER_CALL_EVENT_LEVEL:
      json_object_set_double_member (o, "tone_hz", e->level.tone_hz);
      json_object_set_double_member (o, "level_db", e->level.level_db);
      break;
    case HOLLER_CALL_EVENT_ENCODER:
      json_object_set_double_member (o, "remote_fraction_lost", e->encoder.fraction_lost);
      json_object_set_int_member (o, "packet_loss_percentage", e->encoder.loss_percent);
      json_object_set_boolean_member (o, "fec", e->encoder.fec);
      json_object_set_int_member (o, "bitrate", e->encoder.bitrate);
      break;
    case HOLLER_CALL_EVENT_DTMF:
      digit[0] = e->dtmf.digit;
      json_object_set_string_member (o, "digit", digit);
      break;
    case HOLLER_CALL_EVENT_DTMF_SENT:
      json_object_set_string_member (o, "digits", e->dtmf_sent.digits);
      break;
    case HOLLER_CALL_EVENT_ICE_RESTART:
      json_object_set_string_member (o, "phase", e->ice_restart.done ? "done" : "started");
      if (e->ice_restart.why != NULL)
        json_object_set_string_member (o, "why", e->ice_restart.why);
      break;
    default:
      break;
    }
}

JsonObject *
holler_call_event_to_json (const HollerCallEvent *e, gint64 process_start)
{
  JsonObject *o = json_object_new ();
  g_autofree char *text = NULL;

  switch (e->type)
    {
    case HOLLER_CALL_EVENT_SELECTED_PAIR:
      pair_to_json (o, &e->pair);
      break;
    case HOLLER_CALL_EVENT_STATS:
      stats_to_json (o, &e->stats.media, &e->stats.srtp);
      if (!e->stats.final)
        json_object_set_boolean_member (o, "final", FALSE);
      break;
    case HOLLER_CALL_EVENT_WARNING:
      if (e->warning.recording_error != NULL)
        json_object_set_string_member (o, "recording_error", e->warning.recording_error);
      break;
    case HOLLER_CALL_EVENT_ENDING:
      json_object_set_string_member (o, "reason", e->ending.reason);
      break;
    case HOLLER_CALL_EVENT_ENDED:
      json_object_set_string_member (o, "reason", e->ended.reason);
      json_object_set_boolean_member (o, "failed", e->ended.failed);
      break;
    default:
      small_to_json (o, e, process_start);
      break;
    }
  /* every event people see carries its text, so a script can log it */
  text = holler_call_event_describe (e, process_start);
  if (text != NULL)
    json_object_set_string_member (o, "message", text);
  return o;
}

static char *
describe_stats (const HollerMediaStats *stats)
{
  return g_strdup_printf (_("Sent %" PRIu64 " packets (%" PRIu64 " bytes), received %"
                            PRIu64 " (%" PRIu64 " bytes), lost %" PRId64
                            ", jitter %.2f ms, received tone %.0f Hz at %.1f dBFS"),
                          stats->packets_sent, stats->bytes_sent, stats->packets_received, stats->bytes_received,
                          stats->packets_lost, stats->jitter_ms, stats->tone_hz, stats->level_db);
}

static char *
describe_media (const HollerCallEvent *e, gint64 process_start)
{
  switch (e->type)
    {
    case HOLLER_CALL_EVENT_FIRST_AUDIO:
      return g_strdup_printf (_("First remote audio decoded %.0f ms after start"),
                              ms_between (process_start, e->time));
    case HOLLER_CALL_EVENT_ENCODER:
      return g_strdup_printf (_("The peer reports %.1f%% loss: Opus set for %u%% loss, FEC %s, %u kbit/s"),
                              e->encoder.fraction_lost * 100, e->encoder.loss_percent,
                              e->encoder.fec ? _("on") : _("off"), e->encoder.bitrate / 1000);
    case HOLLER_CALL_EVENT_DTMF:
      {
        char digit[2] = { e->dtmf.digit, 0 };

        return g_strdup_printf (_("Received DTMF %s"), digit);
      }
    case HOLLER_CALL_EVENT_DTMF_SENT:
      return g_strdup_printf (_("Sending DTMF %s"), e->dtmf_sent.digits);
    case HOLLER_CALL_EVENT_STATS:
      return e->stats.final ? describe_stats (&e->stats.media) : NULL;
    default:
      return NULL;
    }
}

char *
holler_call_event_describe (const HollerCallEvent *e, gint64 process_start)
{
  switch (e->type)
    {
    case HOLLER_CALL_EVENT_STATE:
      return g_strdup_printf (_("Call state: %s"), holler_call_state_to_string (e->state.state));
    case HOLLER_CALL_EVENT_RINGING:
      return g_strdup_printf (_("Ringing at %s…"), e->ringing.peer ? e->ringing.peer : _("the peer"));
    case HOLLER_CALL_EVENT_SELECTED_PAIR:
      return g_strdup_printf (_("Selected pair: %s %s ↔ %s %s (%s)"), e->pair.local_type,
                              e->pair.local_address, e->pair.remote_type, e->pair.remote_address,
                              e->pair.transport);
    case HOLLER_CALL_EVENT_DTLS:
      return g_strdup_printf (_("DTLS connected as %s (%s, %s); peer certificate matches its fingerprint"),
                              e->dtls.client ? "client" : "server", e->dtls.cipher, e->dtls.srtp_profile);
    case HOLLER_CALL_EVENT_PEER:
      return describe_peer (e);
    case HOLLER_CALL_EVENT_ICE_RESTART:
      return e->ice_restart.done ? g_strdup (_("ICE restart done: audio continues on the new path"))
                                 : g_strdup_printf (_("Restarting ICE: %s"), e->ice_restart.why);
    case HOLLER_CALL_EVENT_WARNING:
      if (e->warning.recording_error != NULL)
        return g_strdup_printf (_("%s; the call goes on without recording"), e->warning.recording_error);
      return g_strdup (e->warning.message);
    case HOLLER_CALL_EVENT_ENDING:
      return g_strdup (e->ending.message);
    case HOLLER_CALL_EVENT_ENDED:
      return g_strdup_printf (e->ended.failed ? _("Call failed: %s") : _("Call ended: %s"), e->ended.reason);
    default:
      return describe_media (e, process_start);
    }
}
