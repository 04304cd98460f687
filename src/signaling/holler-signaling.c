/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "holler-signaling"

#include "config.h"
#include <string.h>
#include <glib/gi18n.h>
#include "holler-signaling.h"
#include "holler-error.h"

enum { SIGNAL_MESSAGE, SIGNAL_JUNK, SIGNAL_NOTICE, SIGNAL_CLOSED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_INTERFACE (HollerSignaling, holler_signaling, G_TYPE_OBJECT)

static void
default_shutdown_async (HollerSignaling *self, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, default_shutdown_async);
  holler_signaling_close (self);
  g_task_return_boolean (task, TRUE);
}

static gboolean
default_shutdown_finish (HollerSignaling *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
holler_signaling_default_init (HollerSignalingInterface *iface)
{
  iface->shutdown_async = default_shutdown_async;
  iface->shutdown_finish = default_shutdown_finish;
  signals[SIGNAL_NOTICE] = g_signal_new ("notice", G_TYPE_FROM_INTERFACE (iface),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_MESSAGE] = g_signal_new ("message", G_TYPE_FROM_INTERFACE (iface),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SIGNAL_JUNK] = g_signal_new ("junk", G_TYPE_FROM_INTERFACE (iface),
                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                       G_TYPE_NONE, 1, G_TYPE_ERROR);
  signals[SIGNAL_CLOSED] = g_signal_new ("closed", G_TYPE_FROM_INTERFACE (iface),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 1, G_TYPE_ERROR);
}

gboolean
holler_signaling_start (HollerSignaling *self, GError **error)
{
  g_return_val_if_fail (HOLLER_IS_SIGNALING (self), FALSE);
  return HOLLER_SIGNALING_GET_IFACE (self)->start (self, error);
}

gboolean
holler_signaling_send (HollerSignaling *self, const HollerMessage *msg, GError **error)
{
  g_return_val_if_fail (HOLLER_IS_SIGNALING (self), FALSE);
  return HOLLER_SIGNALING_GET_IFACE (self)->send (self, msg, error);
}

void
holler_signaling_close (HollerSignaling *self)
{
  g_return_if_fail (HOLLER_IS_SIGNALING (self));
  HOLLER_SIGNALING_GET_IFACE (self)->close (self);
}

void
holler_signaling_shutdown_async (HollerSignaling *self, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (HOLLER_IS_SIGNALING (self));
  HOLLER_SIGNALING_GET_IFACE (self)->shutdown_async (self, cancellable, callback, user_data);
}

gboolean
holler_signaling_shutdown_finish (HollerSignaling *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (HOLLER_IS_SIGNALING (self), FALSE);
  return HOLLER_SIGNALING_GET_IFACE (self)->shutdown_finish (self, result, error);
}

void
holler_signaling_emit_message (HollerSignaling *self, const HollerMessage *msg)
{
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, msg);
}

void
holler_signaling_emit_junk (HollerSignaling *self, const GError *error)
{
  g_signal_emit (self, signals[SIGNAL_JUNK], 0, error);
}

void
holler_signaling_emit_notice (HollerSignaling *self, const char *text)
{
  g_signal_emit (self, signals[SIGNAL_NOTICE], 0, text);
}

void
holler_signaling_emit_closed (HollerSignaling *self, const GError *error)
{
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0, error);
}

typedef struct {
  const char *scheme;
  gboolean routed;    /* messages name their peer with "to"/"from" */
  HollerSignaling *(*create) (const char *uri, const HollerSignalingParams *params, GError **error);
} HollerSignalingBackend;

static HollerSignaling *
create_stdio (const char *uri, const HollerSignalingParams *params, GError **error)
{
  return holler_signaling_stdio_new (0, 1);
}

/* One line per backend; the scheme is matched case-insensitively. */
static const HollerSignalingBackend backends[] = {
  { "stdio", FALSE, create_stdio },
  { "ws", TRUE, holler_signaling_ws_new },
  { "wss", TRUE, holler_signaling_ws_new },
#if HAVE_SIP
  { "sip", TRUE, holler_signaling_sip_new },
  { "sips", TRUE, holler_signaling_sip_new },
#endif
};

static const HollerSignalingBackend *
find_backend (const char *uri, GError **error)
{
  g_autofree char *scheme = g_uri_parse_scheme (uri);

  if (scheme == NULL && g_str_has_suffix (uri, ":"))
    scheme = g_strndup (uri, strlen (uri) - 1);   /* "stdio:" has no hier part */
  if (scheme == NULL)
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE,
                   _("Not a signaling URI: “%s” (expected e.g. stdio: or ws://HOST:PORT/ws)"), uri);
      return NULL;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (backends); i++)
    if (g_ascii_strcasecmp (scheme, backends[i].scheme) == 0)
      return &backends[i];

  g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE,
               _("No signaling backend for “%s:” URIs"), scheme);
  return NULL;
}

HollerSignaling *
holler_signaling_new_for_uri (const char *uri, const HollerSignalingParams *params, GError **error)
{
  const HollerSignalingParams none = { NULL };
  const HollerSignalingBackend *backend = find_backend (uri, error);

  return backend ? backend->create (uri, params ? params : &none, error) : NULL;
}

gboolean
holler_signaling_uri_is_routed (const char *uri)
{
  const HollerSignalingBackend *backend = find_backend (uri, NULL);

  return backend != NULL && backend->routed;
}
