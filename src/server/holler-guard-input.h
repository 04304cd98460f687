/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include "holler-guard-queue.h"

G_BEGIN_DECLS

/* The input side of a `holler serve` connection as libsoup reads it: the
 * client's bytes, scanned by HollerWsLimit (holler-ws-limit.h). A read
 * fails once a request head or a fragmented WebSocket message goes over
 * its bound: G_IO_ERROR_MESSAGE_TOO_LARGE for a request head,
 * SOUP_WEBSOCKET_ERROR / SOUP_WEBSOCKET_CLOSE_TOO_BIG for a message (libsoup
 * then emits "error" with it and closes). Once upgraded, a read also
 * fails (G_IO_ERROR_NO_SPACE) while @queue is over its limit, so a client
 * that sends pings and reads nothing cannot grow libsoup's queue of pongs.
 * Pollable, as libsoup needs. */
#define HOLLER_TYPE_GUARD_INPUT (holler_guard_input_get_type ())
G_DECLARE_FINAL_TYPE (HollerGuardInput, holler_guard_input, HOLLER, GUARD_INPUT, GFilterInputStream)

/* @queue: (nullable): shared, a reference is taken */
GInputStream *holler_guard_input_new             (GInputStream     *base,
                                                  guint64           max_message,
                                                  guint64           max_http,
                                                  HollerGuardQueue *queue);
void          holler_guard_input_start_websocket (HollerGuardInput *self);
/* TRUE once a read failed because a bound was crossed */
gboolean      holler_guard_input_get_refused     (HollerGuardInput *self);

G_END_DECLS
