/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "holler"

#include "config.h"
#include <stdio.h>
#include "holler-reporter.h"

struct _HollerReporter
{
  gatomicrefcount ref;
  gboolean json;
  gint64 start_time;
  HollerReporterLineFunc before_line;
  HollerReporterLineFunc after_line;
  gpointer line_data;
};

HollerReporter *
holler_reporter_new (gboolean json, gint64 start_time)
{
  HollerReporter *self = g_new0 (HollerReporter, 1);

  g_atomic_ref_count_init (&self->ref);
  self->json = json;
  self->start_time = start_time ? start_time : g_get_monotonic_time ();
  return self;
}

HollerReporter *
holler_reporter_ref (HollerReporter *self)
{
  g_atomic_ref_count_inc (&self->ref);
  return self;
}

void
holler_reporter_unref (HollerReporter *self)
{
  if (g_atomic_ref_count_dec (&self->ref))
    g_free (self);
}

gboolean
holler_reporter_is_json (HollerReporter *self)
{
  return self->json;
}

double
holler_reporter_elapsed_ms (HollerReporter *self, gint64 monotonic_time)
{
  return (monotonic_time - self->start_time) / 1000.0;
}

void
holler_reporter_set_line_hooks (HollerReporter *self, HollerReporterLineFunc before,
                                HollerReporterLineFunc after, gpointer user_data)
{
  self->before_line = before;
  self->after_line = after;
  self->line_data = user_data;
}

static void
print_line (HollerReporter *self, const char *who, const char *text)
{
  if (self->before_line != NULL)
    self->before_line (self->line_data);
  if (who != NULL)
    fprintf (stderr, "[%s] %s\n", who, text);
  else
    fprintf (stderr, "%s\n", text);
  fflush (stderr);
  if (self->after_line != NULL)
    self->after_line (self->line_data);
}

gint64
holler_reporter_get_start_time (HollerReporter *self)
{
  return self->start_time;
}

void
holler_reporter_emit_json (HollerReporter *self, const char *who, const char *event, gint64 time,
                           JsonObject *fields)
{
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;
  GList *members = json_object_get_members (fields);

  json_object_set_string_member (obj, "event", event);
  if (who != NULL)
    json_object_set_string_member (obj, "peer", who);
  json_object_set_double_member (obj, "t_ms", holler_reporter_elapsed_ms (self, time ? time : g_get_monotonic_time ()));
  for (GList *l = members; l != NULL; l = l->next)
    json_object_set_member (obj, l->data, json_object_dup_member (fields, l->data));
  g_list_free (members);
  json_object_unref (fields);
  json_node_set_object (node, obj);
  text = json_to_string (node, FALSE);
  print_line (self, NULL, text);
}

void
holler_reporter_emit_text (HollerReporter *self, const char *who, const char *text)
{
  print_line (self, who, text);
}

void
holler_reporter_emit (HollerReporter *self, const char *who, const char *event,
                      JsonObject *fields, const char *human_format, ...)
{
  g_autofree char *text = NULL;

  if (human_format != NULL)
    {
      va_list args;

      va_start (args, human_format);
      text = g_strdup_vprintf (human_format, args);
      va_end (args);
    }
  if (self->json)
    {
      if (fields == NULL)
        fields = json_object_new ();
      /* the human text, unless the fields carry their own */
      if (text != NULL && !json_object_has_member (fields, "message"))
        json_object_set_string_member (fields, "message", text);
      holler_reporter_emit_json (self, who, event, 0, g_steal_pointer (&fields));
    }
  else if (text != NULL)
    print_line (self, who, text);
  if (fields != NULL)
    json_object_unref (fields);
}
