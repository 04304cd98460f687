/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>
#include "holler-message.h"

G_BEGIN_DECLS

#define HOLLER_TYPE_SIGNALING (holler_signaling_get_type ())
G_DECLARE_INTERFACE (HollerSignaling, holler_signaling, HOLLER, SIGNALING, GObject)

/* A way to exchange HollerMessages with a peer. Backends emit
 * "message" for every valid incoming message, "junk" for input they could
 * not parse (the call reports and ignores it) and "closed" once when the
 * channel is gone (error NULL for a clean end of input). */
struct _HollerSignalingInterface
{
  GTypeInterface parent_iface;

  gboolean (*start) (HollerSignaling *self, GError **error);
  gboolean (*send)  (HollerSignaling *self, const HollerMessage *msg, GError **error);
  void     (*close) (HollerSignaling *self);
};

gboolean holler_signaling_start (HollerSignaling *self, GError **error);
gboolean holler_signaling_send  (HollerSignaling *self, const HollerMessage *msg, GError **error);
void     holler_signaling_close (HollerSignaling *self);

/* For backends */
void holler_signaling_emit_message (HollerSignaling *self, const HollerMessage *msg);
void holler_signaling_emit_junk    (HollerSignaling *self, const GError *error);
void holler_signaling_emit_closed  (HollerSignaling *self, const GError *error);

/* The registry: a backend is chosen by the URI's scheme ("stdio:", ...). */
HollerSignaling *holler_signaling_new_for_uri (const char *uri, GError **error);

/* Backends (one file each) */
HollerSignaling *holler_signaling_stdio_new (int in_fd, int out_fd);

/* Two in-process ends connected to each other: what one sends, the other
 * receives on the next main loop iteration. For the demo and tests. */
void holler_signaling_loopback_new_pair (HollerSignaling **a, HollerSignaling **b);

G_END_DECLS
