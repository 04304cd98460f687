/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define HOLLER_TYPE_ICE (holler_ice_get_type ())
G_DECLARE_FINAL_TYPE (HollerIce, holler_ice, HOLLER, ICE, GObject)

/* Where ICE may gather host candidates, and which servers help it. */
typedef struct {
  gboolean allow_loopback;     /* include loopback interfaces */
  const char * const *addresses;  /* NULL-terminated; when set, only these local addresses */
  const char * const *stun_servers;  /* NULL-terminated "stun:HOST[:PORT]" (libnice uses one:
                                      * the first that answers, see HollerIceServers) */
  const char * const *turn_servers;  /* NULL-terminated "turn[s]:[USER:PASS@]HOST[:PORT][?transport=udp|tcp]" */
  const char *turn_secret;     /* TURN REST shared secret: time-limited credentials */
  const char *turn_rest_id;    /* user part of REST usernames (NULL: "holler") */
  gboolean relay_only;         /* only relayed candidates (hides our addresses) */
} HollerIceConfig;

typedef enum {
  HOLLER_ICE_SERVER_STUN,
  HOLLER_ICE_SERVER_TURN_UDP,
  HOLLER_ICE_SERVER_TURN_TCP,
  HOLLER_ICE_SERVER_TURN_TLS,
} HollerIceServerKind;

/* A parsed stun:, turn: or turns: URI (RFC 7064/7065, plus USER:PASS@). */
typedef struct {
  HollerIceServerKind kind;
  char *host;                  /* name or IP literal, without brackets */
  guint16 port;
  char *username;              /* NULL when the URI has none */
  char *password;
} HollerIceServer;

/* HOLLER_ERROR_USAGE on a malformed URI or one of the wrong scheme
 * (@turn: TRUE for turn:/turns:, FALSE for stun:). */
HollerIceServer *holler_ice_server_parse (const char *uri, gboolean turn, GError **error);
void             holler_ice_server_free  (HollerIceServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HollerIceServer, holler_ice_server_free)
const char      *holler_ice_server_kind_name (HollerIceServerKind kind);

/* TURN REST credentials (as coturn's --use-auth-secret expects): returns
 * the username "<expiry>:<id>" and sets @password to
 * base64(HMAC-SHA1(secret, username)). */
char *holler_ice_turn_rest_credentials (const char *secret, const char *id,
                                        gint64 expiry_unix_time, char **password);

typedef struct {
  char local_type[8];          /* "host", "srflx", "prflx", "relay" */
  char local_address[64];      /* "IP:port" ("[v6]:port" for IPv6) */
  char remote_type[8];
  char remote_address[64];
  char transport[4];           /* "udp" */
  char relay_transport[4];     /* local relay candidate: "udp", "tcp" or "tls" to the TURN server; else "" */
} HollerIcePair;

/* Called on the main context for every datagram that arrives. */
typedef void (*HollerIceReceiveFunc) (const guint8 *data, gsize len, gpointer user_data);

/* Signals:
 *   "local-candidate" (const char *candidate)  "candidate:..." for trickling
 *   "gathering-done"  ()
 *   "connected"       ()   once per ICE session (the first, then after each
 *                          restart): a pair succeeded and data can be sent
 *   "failed"          (GError *error)   the newest session failed, or
 *                          consent was lost on it
 *   "network-changed" ()   local addresses or routes changed (settled)
 *   "warning"         (const char *text)  something worth telling the user
 *                     (a TURN server that gave no relay candidate, …)
 */
HollerIce *holler_ice_new (GMainContext *context, gboolean controlling,
                           const HollerIceConfig *config);

gboolean holler_ice_gather (HollerIce *self, GError **error);
void     holler_ice_get_local_credentials (HollerIce *self, char **ufrag, char **pwd);
gboolean holler_ice_set_remote_credentials (HollerIce *self, const char *ufrag,
                                            const char *pwd, GError **error);
/* Accepts "candidate:..." or "a=candidate:..."; unusable candidates (mDNS
 * names, TCP) are skipped and reported through @error with FALSE. */
gboolean holler_ice_add_remote_candidate (HollerIce *self, const char *candidate, GError **error);
void     holler_ice_remote_gathering_done (HollerIce *self);

void     holler_ice_set_receive_func (HollerIce *self, HollerIceReceiveFunc func, gpointer user_data);
/* Thread-safe: GStreamer streaming threads send media with it. */
gboolean holler_ice_send (HollerIce *self, const guint8 *data, gsize len);
gboolean holler_ice_get_selected_pair (HollerIce *self, HollerIcePair *pair);
void     holler_ice_close (HollerIce *self);

/* ICE restart (RFC 8445 §2.4): a new session with new credentials and
 * freshly gathered candidates, in a new libnice stream. Media stays on the
 * old session until the new one connects ("make before break"); from now
 * on credentials and candidates refer to the new one. Gather with
 * holler_ice_gather() once the new credentials are on their way. */
void     holler_ice_restart (HollerIce *self);
gboolean holler_ice_is_restarting (HollerIce *self);
/* FALSE when the local address under the selected pair has vanished
 * (interface down, address removed or renumbered). */
gboolean holler_ice_local_address_present (HollerIce *self);

G_END_DECLS
