/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a call writes out for people and tools: the selected pair and the
 * final statistics as reporter events (human lines or --json fields), and
 * the SRTP key log. */
#define G_LOG_DOMAIN "holler-call"

#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <glib/gi18n.h>
#include "holler-call-report.h"

void
holler_call_report_pair (HollerReporter *reporter, const char *label, const HollerIcePair *pair)
{
  JsonObject *fields = json_object_new ();

  json_object_set_string_member (fields, "local_type", pair->local_type);
  json_object_set_string_member (fields, "local_address", pair->local_address);
  json_object_set_string_member (fields, "remote_type", pair->remote_type);
  json_object_set_string_member (fields, "remote_address", pair->remote_address);
  json_object_set_string_member (fields, "transport", pair->transport);
  if (pair->relay_transport[0] != '\0')
    json_object_set_string_member (fields, "relay_transport", pair->relay_transport);
  holler_reporter_emit (reporter, label, "selected-pair", fields,
                        _("Selected pair: %s %s ↔ %s %s (%s)"), pair->local_type, pair->local_address,
                        pair->remote_type, pair->remote_address, pair->transport);
}

/* What the peer's RTCP reports say about our stream; null when it sent
 * none (a peer without RTCP) or, for the RTT, none after our first SR. */
static void
report_rtcp (JsonObject *fields, const HollerMediaStats *stats)
{
  if (stats->have_remote_report && stats->rtt_ms >= 0)
    json_object_set_double_member (fields, "rtt_ms", stats->rtt_ms);
  else
    json_object_set_null_member (fields, "rtt_ms");
  if (stats->have_remote_report)
    {
      json_object_set_double_member (fields, "remote_fraction_lost", stats->remote_fraction_lost);
      json_object_set_int_member (fields, "remote_packets_lost", stats->remote_packets_lost);
    }
  else
    {
      json_object_set_null_member (fields, "remote_fraction_lost");
      json_object_set_null_member (fields, "remote_packets_lost");
    }
  json_object_set_int_member (fields, "rtcp_sent", (gint64) stats->rtcp_sent);
  json_object_set_int_member (fields, "rtcp_received", (gint64) stats->rtcp_received);
  json_object_set_int_member (fields, "rtcp_malformed", (gint64) stats->rtcp_malformed);
}

void
holler_call_report_recording_failed (HollerReporter *reporter, const char *label, const GError *error)
{
  JsonObject *fields = json_object_new ();

  json_object_set_string_member (fields, "recording_error", error->message);
  holler_reporter_emit (reporter, label, "warning", fields,
                        _("%s; the call goes on without recording"), error->message);
}

void
holler_call_report_stats (HollerReporter *reporter, const char *label, const HollerMediaStats *stats,
                          const HollerSrtpStats *srtp)
{
  JsonObject *fields = json_object_new ();

  json_object_set_int_member (fields, "packets_sent", stats->packets_sent);
  json_object_set_int_member (fields, "bytes_sent", stats->bytes_sent);
  json_object_set_int_member (fields, "packets_received", stats->packets_received);
  json_object_set_int_member (fields, "bytes_received", stats->bytes_received);
  json_object_set_int_member (fields, "packets_lost", stats->packets_lost);
  json_object_set_double_member (fields, "jitter_ms", stats->jitter_ms);
  json_object_set_int_member (fields, "jitter_buffer_ms", stats->jitter_buffer_ms);
  json_object_set_int_member (fields, "packets_concealed", (gint64) stats->packets_concealed);
  json_object_set_int_member (fields, "srtp_auth_failures", srtp->auth_failures);
  json_object_set_int_member (fields, "srtp_replays", srtp->replays);
  json_object_set_double_member (fields, "received_tone_hz", stats->tone_hz);
  json_object_set_double_member (fields, "received_level_db", stats->level_db);
  report_rtcp (fields, stats);
  holler_reporter_emit (reporter, label, "stats", fields,
                        _("Sent %" PRIu64 " packets (%" PRIu64 " bytes), received %"
                          PRIu64 " (%" PRIu64 " bytes), lost %" PRId64
                          ", jitter %.2f ms, received tone %.0f Hz at %.1f dBFS"),
                        stats->packets_sent, stats->bytes_sent, stats->packets_received, stats->bytes_received,
                        stats->packets_lost, stats->jitter_ms, stats->tone_hz, stats->level_db);
}

void
holler_call_write_keylog (const char *path, const char *label, const HollerSrtpKeys *keys)
{
  g_autofree char *local = NULL, *remote = NULL;
  FILE *f;

  if (path == NULL)
    return;
  f = fopen (path, "a");
  if (f == NULL)
    {
      g_warning (_("Cannot write the key log %s"), path);
      return;
    }
  local = g_malloc0 (keys->key_len * 2 + 1);
  remote = g_malloc0 (keys->key_len * 2 + 1);
  for (guint i = 0; i < keys->key_len; i++)
    {
      g_snprintf (local + 2 * i, 3, "%02x", keys->local[i]);
      g_snprintf (remote + 2 * i, 3, "%02x", keys->remote[i]);
    }
  fprintf (f, "SRTP %s %s %s %s\n", label, holler_srtp_profile_name (keys->profile), local, remote);
  fclose (f);
}
