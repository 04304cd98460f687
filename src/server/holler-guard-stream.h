/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include "holler-guard-queue.h"

G_BEGIN_DECLS

/* One accepted `holler serve` connection as handed to libsoup
 * (soup_server_accept_iostream): the socket connection (or TLS over it)
 * read through HollerGuardInput and written through HollerGuardOutput.
 * "closed" is emitted once, when libsoup (or anyone) closes the stream or
 * the last reference goes; the descriptor is closed with it. */
#define HOLLER_TYPE_GUARD_STREAM (holler_guard_stream_get_type ())
G_DECLARE_FINAL_TYPE (HollerGuardStream, holler_guard_stream, HOLLER, GUARD_STREAM, GIOStream)

HollerGuardStream *holler_guard_stream_new             (GIOStream         *base,
                                                        GSocket           *socket,
                                                        guint64            max_message,
                                                        guint64            max_http);
/* The connection was upgraded: the client's bytes are WebSocket frames */
void               holler_guard_stream_start_websocket (HollerGuardStream *self);
/* libsoup's unsent queue for this connection: the server adds what it
 * sends to "submitted" and sets the limit (borrowed, lives as long as
 * @self) */
HollerGuardQueue  *holler_guard_stream_get_queue       (HollerGuardStream *self);
/* TRUE once a read failed because a bound was crossed (HollerGuardInput) */
gboolean           holler_guard_stream_get_refused     (HollerGuardStream *self);
/* Ends the connection from below: both directions of the socket are shut
 * down, so whoever reads or writes it (libsoup, a TLS handshake) fails and
 * closes the stream. */
void               holler_guard_stream_abort           (HollerGuardStream *self);

G_END_DECLS
