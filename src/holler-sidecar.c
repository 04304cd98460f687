/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "holler-daemon"

#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include "holler-sidecar.h"
#include "holler-write.h"

/* Room set aside for the last version of a sidecar (a few hundred bytes) */
#define RESERVE_SIZE (16 * 1024)

static char *
iso_time (gint64 unix_seconds)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc (unix_seconds);

  return g_date_time_format_iso8601 (t);
}

/* The peer's RTCP reports about our stream; null without any (a peer that
 * sends no RTCP) */
static void
add_rtcp_stats (JsonBuilder *b, const HollerMediaStats *stats)
{
  json_builder_set_member_name (b, "rtt_ms");
  if (stats->have_remote_report && stats->rtt_ms >= 0)
    json_builder_add_double_value (b, stats->rtt_ms);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "remote_fraction_lost");
  if (stats->have_remote_report)
    json_builder_add_double_value (b, stats->remote_fraction_lost);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "remote_packets_lost");
  if (stats->have_remote_report)
    json_builder_add_int_value (b, stats->remote_packets_lost);
  else
    json_builder_add_null_value (b);
}

static void
add_stats (JsonBuilder *b, HollerCall *call)
{
  HollerMediaStats stats = { 0 };
  HollerIcePair pair;

  json_builder_set_member_name (b, "stats");
  json_builder_begin_object (b);
  if (holler_call_get_media_stats (call, &stats))
    {
      json_builder_set_member_name (b, "packets_sent");
      json_builder_add_int_value (b, (gint64) stats.packets_sent);
      json_builder_set_member_name (b, "packets_received");
      json_builder_add_int_value (b, (gint64) stats.packets_received);
      json_builder_set_member_name (b, "packets_lost");
      json_builder_add_int_value (b, stats.packets_lost);
      json_builder_set_member_name (b, "packets_concealed");
      json_builder_add_int_value (b, (gint64) stats.packets_concealed);
      json_builder_set_member_name (b, "jitter_ms");
      json_builder_add_double_value (b, stats.jitter_ms);
      json_builder_set_member_name (b, "jitter_buffer_ms");
      json_builder_add_int_value (b, stats.jitter_buffer_ms);
      json_builder_set_member_name (b, "received_tone_hz");
      json_builder_add_double_value (b, stats.tone_hz);
      add_rtcp_stats (b, &stats);
    }
  if (holler_call_get_selected_pair (call, &pair))
    {
      g_autofree char *type = g_strdup_printf ("%s/%s", pair.local_type, pair.remote_type);

      json_builder_set_member_name (b, "pair");
      json_builder_add_string_value (b, type);
    }
  json_builder_end_object (b);
}

/* DIR/.NAME.json.reserve: hidden, and not matched by *.json */
static char *
reserve_path (const char *sidecar)
{
  g_autofree char *dir = g_path_get_dirname (sidecar);
  g_autofree char *base = g_path_get_basename (sidecar);
  g_autofree char *name = g_strdup_printf (".%s.reserve", base);

  return g_build_filename (dir, name, NULL);
}

/* RESERVE_SIZE bytes really written (so the blocks are the file's); none
 * left behind if the disk cannot take them. */
static void
make_reserve (const char *path)
{
  static const char zeros[4096];
  int fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  gboolean ok = fd >= 0;

  for (gsize done = 0; ok && done < RESERVE_SIZE; done += sizeof zeros)
    ok = holler_write_all (fd, zeros, sizeof zeros);
  if (fd >= 0 && !g_close (fd, NULL))
    ok = FALSE;
  if (fd >= 0 && !ok)
    g_unlink (path);
}

/* The last version goes into the reserve's own blocks (no new space
 * needed), which then replaces the sidecar: a full disk still gets the
 * end of the call written. FALSE (reserve removed) if that fails. */
static gboolean
write_into_reserve (const char *reserve, const char *sidecar, const char *text, gsize len)
{
  int fd = len <= RESERVE_SIZE ? g_open (reserve, O_WRONLY | O_CLOEXEC, 0) : -1;
  gboolean ok = fd >= 0;

  if (fd < 0)
    return FALSE;
  ok = lseek (fd, 0, SEEK_SET) == 0 && holler_write_all (fd, text, len) && ftruncate (fd, (off_t) len) == 0
       && fsync (fd) == 0;
  if (!g_close (fd, NULL))
    ok = FALSE;
  if (ok && g_rename (reserve, sidecar) == 0)
    return TRUE;
  g_unlink (reserve);
  return FALSE;
}

static char *
sidecar_text (const HollerDaemonCall *dc, gboolean ended)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *start = iso_time (dc->start_unix);
  g_autofree char *recording = g_path_get_basename (dc->recording);
  const char *peer = holler_call_get_peer (dc->call);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "caller");
  json_builder_add_string_value (b, dc->outgoing ? NULL : peer);
  json_builder_set_member_name (b, "peer");
  json_builder_add_string_value (b, peer);
  json_builder_set_member_name (b, "direction");
  json_builder_add_string_value (b, dc->outgoing ? "outgoing" : "incoming");
  json_builder_set_member_name (b, "recording");
  json_builder_add_string_value (b, recording);
  if (dc->recording_error != NULL)
    {
      json_builder_set_member_name (b, "recording_error");
      json_builder_add_string_value (b, dc->recording_error);
    }
  json_builder_set_member_name (b, "start");
  json_builder_add_string_value (b, start);
  if (ended)
    {
      gint64 now = g_get_real_time () / G_USEC_PER_SEC;
      g_autofree char *end = iso_time (now);

      json_builder_set_member_name (b, "end");
      json_builder_add_string_value (b, end);
      json_builder_set_member_name (b, "duration_s");
      json_builder_add_int_value (b, now - dc->start_unix);
      json_builder_set_member_name (b, "end_reason");
      json_builder_add_string_value (b, holler_call_get_end_reason (dc->call));
      json_builder_set_member_name (b, "failed");
      json_builder_add_boolean_value (b, holler_call_failed (dc->call));
    }
  add_stats (b, dc->call);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  return json_generator_to_data (gen, NULL);
}

/* Every version replaces the last one whole (a new file renamed over it),
 * so a failed write leaves the last good one. While the call runs, a
 * reserve file next to it holds room for the final version. */
gboolean
holler_sidecar_write (const HollerDaemonCall *dc, gboolean ended, GError **error)
{
  g_autofree char *text = sidecar_text (dc, ended);
  g_autofree char *reserve = reserve_path (dc->sidecar);
  gboolean ok;

  if (ended && write_into_reserve (reserve, dc->sidecar, text, strlen (text)))
    return TRUE;
  ok = g_file_set_contents (dc->sidecar, text, -1, error);
  if (ended)
    g_unlink (reserve);
  else if (!g_file_test (reserve, G_FILE_TEST_EXISTS))
    make_reserve (reserve);
  return ok;
}
