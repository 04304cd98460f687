/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define HOLLER_TYPE_ICE (holler_ice_get_type ())
G_DECLARE_FINAL_TYPE (HollerIce, holler_ice, HOLLER, ICE, GObject)

/* Where ICE may gather host candidates. */
typedef struct {
  gboolean allow_loopback;     /* include loopback interfaces */
  const char * const *addresses;  /* NULL-terminated; when set, only these local addresses */
} HollerIceConfig;

typedef struct {
  char local_type[8];          /* "host", "srflx", "prflx", "relay" */
  char local_address[64];      /* "IP:port" ("[v6]:port" for IPv6) */
  char remote_type[8];
  char remote_address[64];
  char transport[4];           /* "udp" */
} HollerIcePair;

/* Called on the main context for every datagram that arrives. */
typedef void (*HollerIceReceiveFunc) (const guint8 *data, gsize len, gpointer user_data);

/* Signals:
 *   "local-candidate" (const char *candidate)  "candidate:..." for trickling
 *   "gathering-done"  ()
 *   "connected"       ()   once: a pair succeeded and data can be sent
 *   "failed"          (GError *error)   ICE failed, or consent was lost
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

G_END_DECLS
