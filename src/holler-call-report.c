/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A call's events written out for people and tools (human lines or --json
 * objects, through the reporter), and the SRTP key log. */
#define G_LOG_DOMAIN "holler-call"

#include "config.h"
#include <stdio.h>
#include <glib/gi18n.h>
#include "holler-call-report.h"

static void
report_event (HollerReporter *reporter, const char *label, const HollerCallEvent *event)
{
  if (event->type == HOLLER_CALL_EVENT_STATS && !event->stats.final)
    return;
  if (holler_reporter_is_json (reporter))
    holler_reporter_emit_json (reporter, label, holler_call_event_name (event), event->time,
                               holler_call_event_to_json (event, holler_reporter_get_start_time (reporter)));
  else
    {
      g_autofree char *text = holler_call_event_describe (event, holler_reporter_get_start_time (reporter));

      if (text != NULL)
        holler_reporter_emit_text (reporter, label, text);
    }
}

static void
on_event (HollerCall *call, const HollerCallEvent *event, gpointer user_data)
{
  report_event (user_data, holler_call_get_label (call), event);
}

static void
drop_reporter (gpointer data, GClosure *closure)
{
  holler_reporter_unref (data);
}

void
holler_call_report_follow (HollerCall *call, HollerReporter *reporter)
{
  g_signal_connect_data (call, "event", G_CALLBACK (on_event), holler_reporter_ref (reporter),
                         drop_reporter, 0);
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
