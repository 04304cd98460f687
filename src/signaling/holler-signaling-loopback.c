/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Two in-process signaling ends wired to each other, for the demo and for
 * tests that run both peers in one process. Messages go through JSON and
 * back so the same code paths run as with a real backend. */
#define G_LOG_DOMAIN "holler-signaling"

#include "config.h"
#include "holler-signaling.h"
#include "holler-error.h"

struct _HollerSignalingLoopback
{
  GObject parent_instance;

  GWeakRef peer;
  gboolean started;
  gboolean closed;
  GQueue pending;   /* JSON strings received before start() */
};

#define HOLLER_TYPE_SIGNALING_LOOPBACK (holler_signaling_loopback_get_type ())
G_DECLARE_FINAL_TYPE (HollerSignalingLoopback, holler_signaling_loopback, HOLLER, SIGNALING_LOOPBACK, GObject)

static void holler_signaling_loopback_iface_init (HollerSignalingInterface *iface);

G_DEFINE_TYPE_WITH_CODE (HollerSignalingLoopback, holler_signaling_loopback, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (HOLLER_TYPE_SIGNALING, holler_signaling_loopback_iface_init))

typedef struct {
  HollerSignalingLoopback *to;
  char *json;   /* NULL: the sender closed */
} Delivery;

static void
deliver_now (HollerSignalingLoopback *self, const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HollerMessage) msg = NULL;

  if (self->closed)
    return;
  if (json == NULL)
    {
      self->closed = TRUE;
      holler_signaling_emit_closed (HOLLER_SIGNALING (self), NULL);
      return;
    }
  msg = holler_message_parse (json, -1, &error);
  if (msg == NULL)
    holler_signaling_emit_junk (HOLLER_SIGNALING (self), error);
  else
    holler_signaling_emit_message (HOLLER_SIGNALING (self), msg);
}

static gboolean
on_delivery (gpointer user_data)
{
  Delivery *d = user_data;

  if (!d->to->started)
    g_queue_push_tail (&d->to->pending, g_steal_pointer (&d->json));
  else
    deliver_now (d->to, d->json);
  return G_SOURCE_REMOVE;
}

static void
delivery_free (gpointer data)
{
  Delivery *d = data;

  g_object_unref (d->to);
  g_free (d->json);
  g_free (d);
}

static void
post (HollerSignalingLoopback *self, char *json)
{
  g_autoptr(HollerSignalingLoopback) peer = g_weak_ref_get (&self->peer);
  Delivery *d;

  if (peer == NULL)
    {
      g_free (json);
      return;
    }
  d = g_new0 (Delivery, 1);
  d->to = g_steal_pointer (&peer);
  d->json = json;
  g_idle_add_full (G_PRIORITY_DEFAULT, on_delivery, d, delivery_free);
}

static gboolean
holler_signaling_loopback_start (HollerSignaling *signaling, GError **error)
{
  HollerSignalingLoopback *self = HOLLER_SIGNALING_LOOPBACK (signaling);
  char *json;

  self->started = TRUE;
  while ((json = g_queue_pop_head (&self->pending)) != NULL)
    {
      deliver_now (self, json);
      g_free (json);
    }
  return TRUE;
}

static gboolean
holler_signaling_loopback_send (HollerSignaling *signaling, const HollerMessage *msg, GError **error)
{
  HollerSignalingLoopback *self = HOLLER_SIGNALING_LOOPBACK (signaling);

  if (self->closed)
    {
      g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_SIGNALING, "Signaling is closed");
      return FALSE;
    }
  post (self, holler_message_to_json (msg));
  return TRUE;
}

static void
holler_signaling_loopback_close (HollerSignaling *signaling)
{
  HollerSignalingLoopback *self = HOLLER_SIGNALING_LOOPBACK (signaling);

  if (self->closed)
    return;
  self->closed = TRUE;
  post (self, NULL);
}

static void
holler_signaling_loopback_finalize (GObject *object)
{
  HollerSignalingLoopback *self = HOLLER_SIGNALING_LOOPBACK (object);

  g_weak_ref_clear (&self->peer);
  g_queue_clear_full (&self->pending, g_free);
  G_OBJECT_CLASS (holler_signaling_loopback_parent_class)->finalize (object);
}

static void
holler_signaling_loopback_iface_init (HollerSignalingInterface *iface)
{
  iface->start = holler_signaling_loopback_start;
  iface->send = holler_signaling_loopback_send;
  iface->close = holler_signaling_loopback_close;
}

static void
holler_signaling_loopback_class_init (HollerSignalingLoopbackClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = holler_signaling_loopback_finalize;
}

static void
holler_signaling_loopback_init (HollerSignalingLoopback *self)
{
  g_weak_ref_init (&self->peer, NULL);
  g_queue_init (&self->pending);
}

void
holler_signaling_loopback_new_pair (HollerSignaling **a, HollerSignaling **b)
{
  HollerSignalingLoopback *x = g_object_new (HOLLER_TYPE_SIGNALING_LOOPBACK, NULL);
  HollerSignalingLoopback *y = g_object_new (HOLLER_TYPE_SIGNALING_LOOPBACK, NULL);

  g_weak_ref_set (&x->peer, y);
  g_weak_ref_set (&y->peer, x);
  *a = HOLLER_SIGNALING (x);
  *b = HOLLER_SIGNALING (y);
}
