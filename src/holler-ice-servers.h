/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <nice/agent.h>
#include "holler-ice.h"

G_BEGIN_DECLS

#define HOLLER_TYPE_ICE_SERVERS (holler_ice_servers_get_type ())
G_DECLARE_FINAL_TYPE (HollerIceServers, holler_ice_servers, HOLLER, ICE_SERVERS, GObject)

/* The STUN and TURN servers of one HollerIce: which ones libnice gets
 * and which TURN servers gave relay candidates.
 *
 * libnice takes one STUN server per agent. With several configured, the
 * process's HollerServerWatch says which answer: the first (in configured
 * order) that answered is used; servers known to be dead are skipped and
 * reported. Every TURN server is given to libnice, except (with several)
 * those known to be dead.
 *
 * Signal "warning" (const char *text): a server that is dead, refused, or
 * gave no relay candidate. */
HollerIceServers *holler_ice_servers_new (const HollerIceConfig *config);

/* TRUE when the choice should wait for the probe (several STUN servers, a
 * probe running): call holler_ice_servers_wait_async() before _apply(). */
gboolean    holler_ice_servers_must_wait (HollerIceServers *self);
void        holler_ice_servers_wait_async (HollerIceServers *self, GCancellable *cancellable,
                                           GAsyncReadyCallback callback, gpointer user_data);
gboolean    holler_ice_servers_wait_finish (HollerIceServers *self, GAsyncResult *result, GError **error);

/* Gives the TURN servers (for @stream_id) and the STUN server to libnice;
 * call before gathering. Names are looked up here (blocking). */
void        holler_ice_servers_apply (HollerIceServers *self, NiceAgent *agent, guint stream_id);
/* A new local candidate of the newest stream (relays are counted). */
void        holler_ice_servers_note_candidate (HollerIceServers *self, const NiceCandidate *candidate);
/* When gathering ends: warns about every TURN server that gave no relay
 * candidate; TRUE if any did. */
gboolean    holler_ice_servers_check_relays (HollerIceServers *self);
/* "udp", "tcp" or "tls": how a local relayed candidate reaches its server */
const char *holler_ice_servers_relay_transport (HollerIceServers *self, const NiceCandidate *candidate);
/* Whether TURN servers were given to libnice (allocations to release) */
gboolean    holler_ice_servers_have_turn (HollerIceServers *self);
/* An ICE restart: the next _apply() starts afresh. */
void        holler_ice_servers_reset (HollerIceServers *self);
/* The URI without credentials, for messages */
char       *holler_ice_server_display_name (const HollerIceServer *server);

G_END_DECLS
