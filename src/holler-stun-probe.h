/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include "holler-ice.h"

G_BEGIN_DECLS

#define HOLLER_TYPE_STUN_PROBE (holler_stun_probe_get_type ())
G_DECLARE_FINAL_TYPE (HollerStunProbe, holler_stun_probe, HOLLER, STUN_PROBE, GObject)

typedef enum {
  HOLLER_STUN_PROBE_PENDING,    /* asked, no answer yet */
  HOLLER_STUN_PROBE_ANSWERED,   /* a STUN response came back (TCP/TLS: the connection was accepted) */
  HOLLER_STUN_PROBE_SILENT,     /* no answer within the probe's time */
  HOLLER_STUN_PROBE_REFUSED,    /* port unreachable, connection refused, name not resolved */
} HollerStunProbeStatus;

/* Asks STUN/TURN servers, all at once, whether they answer: a STUN
 * Binding request over UDP (libnice's STUN library; retransmitted with a
 * doubling timeout), a TCP connection for TURN over TCP or TLS. One run
 * per object, on the thread-default GMainContext of the caller of
 * holler_stun_probe_run_async().
 *
 * Signal "server-done" (guint index): server @index answered, or will not
 * (silent, refused); emitted before the run completes. */
HollerStunProbe      *holler_stun_probe_new (GPtrArray *servers, guint timeout_ms);
void                  holler_stun_probe_run_async (HollerStunProbe *self, GCancellable *cancellable,
                                                   GAsyncReadyCallback callback, gpointer user_data);
/* TRUE once every server is done (answered or not); FALSE with
 * G_IO_ERROR_CANCELLED when cancelled. */
gboolean              holler_stun_probe_run_finish (HollerStunProbe *self, GAsyncResult *result,
                                                    GError **error);
guint                 holler_stun_probe_get_n_servers (HollerStunProbe *self);
HollerStunProbeStatus holler_stun_probe_get_status (HollerStunProbe *self, guint index);
/* microseconds from the first request to the answer; 0 unless answered */
gint64                holler_stun_probe_get_rtt (HollerStunProbe *self, guint index);
const char           *holler_stun_probe_status_name (HollerStunProbeStatus status);

G_END_DECLS
