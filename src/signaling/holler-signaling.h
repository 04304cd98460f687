/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include "holler-message.h"

G_BEGIN_DECLS

#define HOLLER_TYPE_SIGNALING (holler_signaling_get_type ())
G_DECLARE_INTERFACE (HollerSignaling, holler_signaling, HOLLER, SIGNALING, GObject)

/* A way to exchange HollerMessages with peers. Backends emit
 * "message" for every valid incoming message, "junk" for input they could
 * not parse (the call reports and ignores it), "notice" (a translated
 * string) for changes a person wants to know about (registered,
 * reconnecting) and "closed" once when the channel is gone for good (error
 * NULL for a clean end). A routed backend sets "from" on what it receives
 * and routes what it sends by "to". Messages sent before the backend is
 * ready are queued by it. "junk" with HOLLER_ERROR_INVALID_SDP is an offer
 * or answer that could not be read (e.g. over the size limit): the owner
 * refuses it with bye "bad-sdp" as it would an unusable SDP. */
struct _HollerSignalingInterface
{
  GTypeInterface parent_iface;

  gboolean (*start) (HollerSignaling *self, GError **error);
  gboolean (*send)  (HollerSignaling *self, const HollerMessage *msg, GError **error);
  void     (*close) (HollerSignaling *self);
  /* Optional: close after what is queued has left; default close(). */
  void     (*shutdown_async)  (HollerSignaling *self, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*shutdown_finish) (HollerSignaling *self, GAsyncResult *result, GError **error);
};

/* What a routed backend needs to know about us; NULL members are unset. */
typedef struct {
  const char *id;        /* our name on a rendezvous server */
  const char *token;     /* its access token for that id */
  const char *ca_file;   /* PEM file of CA certificates trusted for wss:// */
  const char *password_file;  /* sip: the account's password on its first line */
} HollerSignalingParams;

gboolean holler_signaling_start (HollerSignaling *self, GError **error);
gboolean holler_signaling_send  (HollerSignaling *self, const HollerMessage *msg, GError **error);
void     holler_signaling_close (HollerSignaling *self);
void     holler_signaling_shutdown_async  (HollerSignaling *self, GCancellable *cancellable,
                                           GAsyncReadyCallback callback, gpointer user_data);
gboolean holler_signaling_shutdown_finish (HollerSignaling *self, GAsyncResult *result, GError **error);

/* For backends */
void holler_signaling_emit_message (HollerSignaling *self, const HollerMessage *msg);
void holler_signaling_emit_junk    (HollerSignaling *self, const GError *error);
void holler_signaling_emit_notice  (HollerSignaling *self, const char *text);
void holler_signaling_emit_closed  (HollerSignaling *self, const GError *error);

/* The registry: a backend is chosen by the URI's scheme ("stdio:", "ws:",
 * ...). HOLLER_ERROR_USAGE for unknown schemes and missing parameters. */
HollerSignaling *holler_signaling_new_for_uri (const char *uri, const HollerSignalingParams *params,
                                               GError **error);
/* Whether messages on this URI are routed by peer id (a callee is named) */
gboolean holler_signaling_uri_is_routed (const char *uri);

/* Backends (one file each) */
HollerSignaling *holler_signaling_stdio_new (int in_fd, int out_fd);
HollerSignaling *holler_signaling_ws_new (const char *uri, const HollerSignalingParams *params,
                                          GError **error);
/* sip:USER@DOMAIN[;transport=udp|tcp] and sips: (docs/sip.md); only when
 * built with sofia-sip (HAVE_SIP) */
HollerSignaling *holler_signaling_sip_new (const char *uri, const HollerSignalingParams *params,
                                           GError **error);
/* 1 to 64 of A-Z a-z 0-9 . _ - (docs/signaling.md) */
gboolean holler_signaling_ws_id_is_valid (const char *id);

/* Two in-process ends connected to each other: what one sends, the other
 * receives on the next main loop iteration. For the demo and tests. */
void holler_signaling_loopback_new_pair (HollerSignaling **a, HollerSignaling **b);

G_END_DECLS
