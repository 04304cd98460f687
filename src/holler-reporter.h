/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Where calls tell the user what happens: human lines on stderr, or with
 * --json one JSON object per line on stderr:
 *   {"event":"state","peer":"caller","t_ms":12.5,...fields}
 * t_ms counts from process start, so a benchmark can read setup times. */
typedef struct _HollerReporter HollerReporter;

HollerReporter *holler_reporter_new   (gboolean json, gint64 start_time);
HollerReporter *holler_reporter_ref   (HollerReporter *self);
void            holler_reporter_unref (HollerReporter *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HollerReporter, holler_reporter_unref)

gboolean holler_reporter_is_json (HollerReporter *self);
double   holler_reporter_elapsed_ms (HollerReporter *self, gint64 monotonic_time);

/* Takes ownership of fields (may be NULL). The human text is printed
 * unless JSON output is on. */
void holler_reporter_emit (HollerReporter *self, const char *who, const char *event,
                           JsonObject *fields, const char *human_format, ...) G_GNUC_PRINTF (5, 6);

/* The parts of holler_reporter_emit(), for encoders of their own (a
 * call's events, holler-call-report.c). emit_json takes @fields (the
 * event's members, "message" included) and prints them after "event",
 * "peer" and "t_ms" (from @time, a monotonic time; 0: now), in JSON mode
 * or not; emit_text prints one line for people, "[who] text". */
void holler_reporter_emit_json (HollerReporter *self, const char *who, const char *event, gint64 time,
                                JsonObject *fields);
void holler_reporter_emit_text (HollerReporter *self, const char *who, const char *text);
/* The start_time given to holler_reporter_new() (or its default) */
gint64 holler_reporter_get_start_time (HollerReporter *self);

/* Something else drawing on stderr (the interactive status line) gets
 * @before called ahead of every line the reporter prints, and @after
 * once the line is out, so it can clear and redraw itself. NULLs unset. */
typedef void (*HollerReporterLineFunc) (gpointer user_data);
void holler_reporter_set_line_hooks (HollerReporter *self, HollerReporterLineFunc before,
                                     HollerReporterLineFunc after, gpointer user_data);

G_END_DECLS
