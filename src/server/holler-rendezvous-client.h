/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>
#include "holler-guard-stream.h"

G_BEGIN_DECLS

/* One WebSocket connection to the rendezvous server. It enforces the
 * per-connection limits (frame size, rate, JSON well-formedness), answers
 * what it refuses with an error itself, and reports each usable message
 * with the "message" signal (a HollerRendezvousFrame, see
 * holler-rendezvous-frame.h). The
 * server decides what a message means; see docs/signaling.md. */
#define HOLLER_TYPE_RENDEZVOUS_CLIENT (holler_rendezvous_client_get_type ())
G_DECLARE_FINAL_TYPE (HollerRendezvousClient, holler_rendezvous_client, HOLLER, RENDEZVOUS_CLIENT, GObject)

/* @max_rate: messages per second (bursts of twice that); 0 for no limit */
HollerRendezvousClient *holler_rendezvous_client_new (SoupWebsocketConnection *conn,
                                                      const char              *address,
                                                      gsize                    max_message_size,
                                                      double                   max_rate,
                                                      gboolean                 quiet);

/* The connection's streams below libsoup (NULL: not known), and the most
 * that may wait in libsoup's queue for a slow reader: beyond it the client
 * is closed (1008) and the event logged. */
void        holler_rendezvous_client_set_guard   (HollerRendezvousClient *self,
                                                  HollerGuardStream      *guard,
                                                  gsize                   max_queued);
const char *holler_rendezvous_client_get_address (HollerRendezvousClient *self);
/* The registered id, or NULL */
const char *holler_rendezvous_client_get_id      (HollerRendezvousClient *self);
void        holler_rendezvous_client_set_id      (HollerRendezvousClient *self,
                                                  const char             *id);
/* TRUE once holler_rendezvous_client_close() was called or the peer left */
gboolean    holler_rendezvous_client_is_closing  (HollerRendezvousClient *self);

/* Sends @object as one text frame. FALSE (and nothing is sent) when the
 * result would not be valid UTF-8, which json-glib produces from lone
 * surrogate escapes. Nothing is sent on a closing connection. */
gboolean    holler_rendezvous_client_send_object (HollerRendezvousClient *self,
                                                  JsonObject             *object);
/* {"type":"error","code":@code,"message":…[,"to":@to]} */
void        holler_rendezvous_client_send_error  (HollerRendezvousClient *self,
                                                  const char             *code,
                                                  const char             *to,
                                                  const char             *format,
                                                  ...) G_GNUC_PRINTF (4, 5);
/* Starts the closing handshake; "closed" follows. */
void        holler_rendezvous_client_close       (HollerRendezvousClient *self,
                                                  gushort                 code,
                                                  const char             *reason);

G_END_DECLS
