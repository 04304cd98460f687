/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include "holler-stun-probe.h"

G_BEGIN_DECLS

#define HOLLER_TYPE_SERVER_WATCH (holler_server_watch_get_type ())
G_DECLARE_FINAL_TYPE (HollerServerWatch, holler_server_watch, HOLLER, SERVER_WATCH, GObject)

/* How long a call may wait, from the start of a probe, for the first
 * STUN server to answer (when several are configured). */
#define HOLLER_SERVER_WATCH_WAIT_MS 100

/* Which of the configured STUN and TURN servers answer, known once per
 * process and shared by its calls (the answering service probes when it
 * starts, not when a call comes in). Only kinds with several servers are
 * probed: with one there is nothing to choose. Probes again when the
 * network changes and, at a call's request, when the last probe is more
 * than a minute old; the last results stand until the new probe has its
 * own.
 *
 * Returns a new reference to the process's watch for these URIs (the
 * first call starts its probe), or NULL when there is nothing to probe. */
HollerServerWatch    *holler_server_watch_get (const char * const *stun_uris, const char * const *turn_uris);

/* The same, when the caller only wants the probe to start early. */
void                  holler_server_watch_prepare (const char * const *stun_uris,
                                                   const char * const *turn_uris);

/* Whether a probe is running (holler_server_watch_wait_async() then
 * waits for it). */
gboolean              holler_server_watch_is_probing (HollerServerWatch *self);
/* Completes when a STUN server has answered, when the probe ends, or
 * HOLLER_SERVER_WATCH_WAIT_MS after the probe started, whichever comes
 * first; never before answers already received have been read. */
void                  holler_server_watch_wait_async (HollerServerWatch *self, GCancellable *cancellable,
                                                      GAsyncReadyCallback callback, gpointer user_data);
gboolean              holler_server_watch_wait_finish (HollerServerWatch *self, GAsyncResult *result,
                                                       GError **error);
/* The last known status of the @index-th STUN (@turn FALSE) or TURN
 * server, as configured; PENDING while unknown or not probed. */
HollerStunProbeStatus holler_server_watch_get_status (HollerServerWatch *self, gboolean turn, guint index);

G_END_DECLS
