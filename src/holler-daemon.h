/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>
#include "holler-call.h"
#include "holler-reporter.h"

G_BEGIN_DECLS

#define HOLLER_TYPE_DAEMON (holler_daemon_get_type ())
G_DECLARE_FINAL_TYPE (HollerDaemon, holler_daemon, HOLLER, DAEMON, GObject)

/* What the answering service does with callers. */
typedef struct {
  gboolean auto_answer;
  double answer_delay;       /* seconds before answering */
  guint max_calls;           /* concurrent calls; callers beyond are told busy */
  char **allow;              /* callers let in: ID, FINGERPRINT or ID=FINGERPRINT; NULL: everyone */
  char *record_dir;          /* one Ogg Opus file + JSON sidecar per call, or NULL */
} HollerDaemonPolicy;

/* One call of the service, as its D-Bus object shows it. */
typedef struct {
  guint number;              /* 1, 2, …: the object path's last element */
  HollerCall *call;
  gboolean outgoing;
  gint64 start_unix;         /* seconds */
  char *recording;           /* NULL without a record dir */
  char *sidecar;
  char *recording_error;     /* why the recording stopped early, or NULL */
} HollerDaemonCall;

/* A long-running peer on a routed signaling backend: any number of calls
 * at once, each with its own HollerCall, under the policy above.
 *
 * Signals:
 *   "call-added"   (gpointer HollerDaemonCall *)   follow it with the
 *                                      call's own "event" signal
 *   "call-removed" (guint number)                  ended and written
 *   "finished"     ()   after holler_daemon_stop() every call has ended,
 *                       or signaling is gone for good
 */
/* The allow entries' form (holler_daemon_check_allow: HOLLER_ERROR_USAGE) */
gboolean holler_daemon_check_allow (char **allow, GError **error);

HollerDaemon *holler_daemon_new (HollerSignaling *signaling, const HollerCallOptions *options,
                                 const HollerDaemonPolicy *policy, HollerReporter *reporter,
                                 const char *id);
gboolean      holler_daemon_start (HollerDaemon *self, GError **error);
/* Ends every call (bye sent, recordings closed), then "finished". */
void          holler_daemon_stop  (HollerDaemon *self);
/* Places a call; NULL with HOLLER_ERROR_USAGE for a bad id or one
 * already in a call with us. */
const HollerDaemonCall *holler_daemon_place_call (HollerDaemon *self, const char *peer, GError **error);
const HollerDaemonCall *holler_daemon_lookup (HollerDaemon *self, guint number);
/* The calls not yet ended, oldest first (HollerDaemonCall *). */
GPtrArray    *holler_daemon_list (HollerDaemon *self);
const char   *holler_daemon_get_id (HollerDaemon *self);
guint         holler_daemon_get_max_calls (HollerDaemon *self);
/* 0, or 1 when signaling failed for good */
int           holler_daemon_get_exit_status (HollerDaemon *self);

G_END_DECLS
