/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libsoup/soup.h>
#include "holler-guard-stream.h"

G_BEGIN_DECLS

/* The accept loop of `holler serve`, ours rather than libsoup's: libsoup
 * 3.2.3's listener removes its accept source for good on the first failed
 * accept (EMFILE: the server never accepts again) and never unrefs the
 * GSocket it accepted (one leaked per connection). This one backs off and
 * retries on any accept error, caps connections per address before any
 * byte is read (upgraded or not), gives each connection
 * @handshake_timeout_s to complete its TLS and HTTP/WebSocket handshake,
 * wraps it in a HollerGuardStream and hands it to @server with
 * soup_server_accept_iostream(). Everything runs on the thread-default
 * main context of the thread that creates it. */
#define HOLLER_TYPE_RENDEZVOUS_LISTENER (holler_rendezvous_listener_get_type ())
G_DECLARE_FINAL_TYPE (HollerRendezvousListener, holler_rendezvous_listener, HOLLER, RENDEZVOUS_LISTENER, GObject)

typedef struct {
  GTlsCertificate *certificate;   /* NULL: plain ws:// */
  guint max_per_address;          /* 0: no limit; refused at accept above it */
  guint handshake_timeout_s;
  guint64 max_message;            /* total payload of a fragmented message */
  guint64 max_http;               /* bytes of one HTTP request head */
  gboolean quiet;
} HollerRendezvousListenerLimits;

/* Starts accepting on @socket (listening, owned by the listener from now) */
HollerRendezvousListener *holler_rendezvous_listener_new     (SoupServer                           *server,
                                                              GSocket                              *socket,
                                                              const HollerRendezvousListenerLimits *limits);
/* The connection whose remote address is @remote (as libsoup reports it
 * for a message) was upgraded to a WebSocket: its handshake timer stops and
 * its guard reads frames. The guard is returned (borrowed), or NULL. */
HollerGuardStream        *holler_rendezvous_listener_claim   (HollerRendezvousListener             *self,
                                                              GSocketAddress                       *remote);
/* Stops accepting and ends every connection not yet upgraded */
void                      holler_rendezvous_listener_stop    (HollerRendezvousListener             *self);
/* Connections accepted and not yet closed, upgraded or not */
guint                     holler_rendezvous_listener_get_n_connections (HollerRendezvousListener *self);

G_END_DECLS
