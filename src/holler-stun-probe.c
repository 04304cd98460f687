/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which STUN/TURN servers answer: one Binding request per UDP server
 * (libnice's STUN library builds and checks the messages), one TCP
 * connection per TURN server over TCP or TLS, all at once. */
#define G_LOG_DOMAIN "holler-ice"

#include "config.h"
#include <string.h>
#include <gio/gio.h>
#include <stun/usages/bind.h>
#include "holler-stun-probe.h"

/* RFC 8489's RTO is 500 ms for the Internet at large; a probe that must
 * not hold up a call starts lower and doubles (sends at 0, 100, 300,
 * 700 ms, … until the probe's time is up). */
#define FIRST_RTO_MS 100
#define REQUEST_MAX 256

enum { SIGNAL_SERVER_DONE, N_SIGNALS };
static guint signals[N_SIGNALS];

typedef struct {
  HollerStunProbe *probe;     /* not a reference: targets live in the probe */
  guint index;
  const HollerIceServer *server;
  HollerStunProbeStatus status;
  gint64 rtt;
  GCancellable *cancellable;  /* name lookup, TCP connection */
  GSocket *socket;            /* UDP */
  GSource *read_source;
  GSource *resend_source;
  guint rto_ms;
  StunAgent agent;
  guint8 request[REQUEST_MAX];
  gsize request_len;
} Target;

struct _HollerStunProbe
{
  GObject parent_instance;

  GPtrArray *servers;         /* HollerIceServer */
  guint timeout_ms;
  Target *targets;
  guint remaining;
  gint64 started;
  GMainContext *context;
  GTask *task;
  GSource *deadline_source;
  GSource *cancel_source;
};

G_DEFINE_TYPE (HollerStunProbe, holler_stun_probe, G_TYPE_OBJECT)

static GSource *
attach (GSource *source, GMainContext *context, GSourceFunc func, gpointer data)
{
  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, context);
  return source;
}

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
target_stop (Target *t)
{
  clear_source (&t->read_source);
  clear_source (&t->resend_source);
  if (t->cancellable != NULL)
    g_cancellable_cancel (t->cancellable);
  g_clear_object (&t->cancellable);
  if (t->socket != NULL)
    g_socket_close (t->socket, NULL);
  g_clear_object (&t->socket);
}

static void
complete (HollerStunProbe *self, GError *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->task);

  clear_source (&self->deadline_source);
  clear_source (&self->cancel_source);
  for (guint i = 0; i < self->servers->len; i++)
    target_stop (&self->targets[i]);
  if (task == NULL)
    return;
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
target_done (Target *t, HollerStunProbeStatus status)
{
  HollerStunProbe *self = t->probe;

  if (t->status != HOLLER_STUN_PROBE_PENDING || self->task == NULL)
    return;
  t->status = status;
  if (status == HOLLER_STUN_PROBE_ANSWERED)
    t->rtt = g_get_monotonic_time () - self->started;
  target_stop (t);
  g_debug ("probe: %s:%u %s", t->server->host, t->server->port, holler_stun_probe_status_name (status));
  g_object_ref (self);
  g_signal_emit (self, signals[SIGNAL_SERVER_DONE], 0, t->index);
  if (--self->remaining == 0)
    complete (self, NULL);
  g_object_unref (self);
}

static gboolean
on_resend (gpointer user_data)
{
  Target *t = user_data;

  g_autoptr(GError) error = NULL;

  /* an ICMP error from an earlier request may be reported here; anything
   * else (a full buffer) is what the next retransmission is for */
  if (g_socket_send (t->socket, (const char *) t->request, t->request_len, NULL, &error) < 0
      && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    {
      target_done (t, HOLLER_STUN_PROBE_REFUSED);
      return G_SOURCE_REMOVE;
    }
  t->rto_ms *= 2;
  clear_source (&t->resend_source);
  t->resend_source = attach (g_timeout_source_new (t->rto_ms), t->probe->context, on_resend, t);
  return G_SOURCE_REMOVE;
}

static gboolean
on_readable (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  Target *t = user_data;
  guint8 buf[1500];

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive (socket, (char *) buf, sizeof buf, NULL, &error);
      StunMessage msg;

      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
        {
          target_done (t, HOLLER_STUN_PROBE_REFUSED);
          return G_SOURCE_REMOVE;
        }
      if (n < 0)
        return G_SOURCE_CONTINUE;   /* would block, or a transient error */
      /* any response to our transaction (success or error) shows the
       * server is there */
      if (stun_agent_validate (&t->agent, &msg, buf, n, NULL, NULL) == STUN_VALIDATION_SUCCESS)
        {
          target_done (t, HOLLER_STUN_PROBE_ANSWERED);
          return G_SOURCE_REMOVE;
        }
    }
}

static void
start_udp (Target *t, GSocketAddress *address)
{
  g_autoptr(GError) error = NULL;
  StunMessage msg;

  t->socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_DATAGRAM,
                            G_SOCKET_PROTOCOL_UDP, &error);
  /* a connected UDP socket hears ICMP port unreachable as ECONNREFUSED */
  if (t->socket == NULL || !g_socket_connect (t->socket, address, NULL, &error))
    {
      g_debug ("probe: %s: %s", t->server->host, error->message);
      target_done (t, HOLLER_STUN_PROBE_REFUSED);
      return;
    }
  g_socket_set_blocking (t->socket, FALSE);
  stun_agent_init (&t->agent, STUN_ALL_KNOWN_ATTRIBUTES, STUN_COMPATIBILITY_RFC5389, 0);
  t->request_len = stun_usage_bind_create (&t->agent, &msg, t->request, sizeof t->request);
  t->read_source = g_socket_create_source (t->socket, G_IO_IN, NULL);
  attach (t->read_source, t->probe->context, (GSourceFunc) (void (*) (void)) on_readable, t);
  if (g_socket_send (t->socket, (const char *) t->request, t->request_len, NULL, &error) < 0)
    {
      /* no route, or an ICMP error already queued */
      g_debug ("probe: %s: %s", t->server->host, error->message);
      target_done (t, HOLLER_STUN_PROBE_REFUSED);
      return;
    }
  t->rto_ms = FIRST_RTO_MS;
  t->resend_source = attach (g_timeout_source_new (t->rto_ms), t->probe->context, on_resend, t);
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection =
    g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  Target *t = user_data;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* the probe ended; t may be gone */
  if (connection != NULL)
    g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  else
    g_debug ("probe: %s: %s", t->server->host, error->message);
  target_done (t, connection != NULL ? HOLLER_STUN_PROBE_ANSWERED : HOLLER_STUN_PROBE_REFUSED);
}

static void
start_with_address (Target *t, GInetAddress *ip)
{
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (ip, t->server->port);

  if (t->server->kind == HOLLER_ICE_SERVER_STUN || t->server->kind == HOLLER_ICE_SERVER_TURN_UDP)
    {
      start_udp (t, address);
    }
  else
    {
      g_autoptr(GSocketClient) client = g_socket_client_new ();

      /* TURN over TCP/TLS: an accepted connection is an answer */
      g_socket_client_connect_async (client, G_SOCKET_CONNECTABLE (address), t->cancellable, on_connected, t);
    }
}

static void
on_resolved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  GList *list = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);
  Target *t = user_data;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (list == NULL)
    {
      g_debug ("probe: %s: %s", t->server->host, error->message);
      target_done (t, HOLLER_STUN_PROBE_REFUSED);
      return;
    }
  start_with_address (t, list->data);
  g_resolver_free_addresses (list);
}

static void
target_start (Target *t)
{
  g_autoptr(GInetAddress) ip = g_inet_address_new_from_string (t->server->host);

  t->cancellable = g_cancellable_new ();
  if (ip != NULL)
    {
      start_with_address (t, ip);
    }
  else
    {
      g_autoptr(GResolver) resolver = g_resolver_get_default ();

      g_resolver_lookup_by_name_async (resolver, t->server->host, t->cancellable, on_resolved, t);
    }
}

static gboolean
on_deadline (gpointer user_data)
{
  HollerStunProbe *self = user_data;

  g_object_ref (self);
  for (guint i = 0; i < self->servers->len && self->task != NULL; i++)
    target_done (&self->targets[i], HOLLER_STUN_PROBE_SILENT);
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static gboolean
on_cancelled (GCancellable *cancellable, gpointer user_data)
{
  complete (user_data, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Probe cancelled"));
  return G_SOURCE_REMOVE;
}

static void
holler_stun_probe_dispose (GObject *object)
{
  HollerStunProbe *self = HOLLER_STUN_PROBE (object);

  for (guint i = 0; self->targets != NULL && i < self->servers->len; i++)
    target_stop (&self->targets[i]);
  clear_source (&self->deadline_source);
  clear_source (&self->cancel_source);
  G_OBJECT_CLASS (holler_stun_probe_parent_class)->dispose (object);
}

static void
holler_stun_probe_finalize (GObject *object)
{
  HollerStunProbe *self = HOLLER_STUN_PROBE (object);

  g_free (self->targets);
  g_ptr_array_unref (self->servers);
  g_clear_pointer (&self->context, g_main_context_unref);
  G_OBJECT_CLASS (holler_stun_probe_parent_class)->finalize (object);
}

static void
holler_stun_probe_class_init (HollerStunProbeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = holler_stun_probe_dispose;
  object_class->finalize = holler_stun_probe_finalize;
  signals[SIGNAL_SERVER_DONE] = g_signal_new ("server-done", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
holler_stun_probe_init (HollerStunProbe *self)
{
}

/* @servers: HollerIceServer (kept, not copied) */
HollerStunProbe *
holler_stun_probe_new (GPtrArray *servers, guint timeout_ms)
{
  HollerStunProbe *self = g_object_new (HOLLER_TYPE_STUN_PROBE, NULL);

  self->servers = g_ptr_array_ref (servers);
  self->timeout_ms = timeout_ms;
  self->targets = g_new0 (Target, servers->len);
  for (guint i = 0; i < servers->len; i++)
    {
      self->targets[i].probe = self;
      self->targets[i].index = i;
      self->targets[i].server = g_ptr_array_index (servers, i);
    }
  return self;
}

void
holler_stun_probe_run_async (HollerStunProbe *self, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (HOLLER_IS_STUN_PROBE (self));
  g_return_if_fail (self->task == NULL && self->context == NULL);

  self->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->task, holler_stun_probe_run_async);
  self->context = g_main_context_ref_thread_default ();
  self->started = g_get_monotonic_time ();
  self->remaining = self->servers->len;
  if (self->remaining == 0)
    {
      complete (self, NULL);
      return;
    }
  self->deadline_source = attach (g_timeout_source_new (self->timeout_ms), self->context, on_deadline, self);
  if (cancellable != NULL)
    self->cancel_source = attach (g_cancellable_source_new (cancellable), self->context,
                                  (GSourceFunc) (void (*) (void)) on_cancelled, self);
  for (guint i = 0; i < self->servers->len && self->task != NULL; i++)
    target_start (&self->targets[i]);
}

gboolean
holler_stun_probe_run_finish (HollerStunProbe *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

guint
holler_stun_probe_get_n_servers (HollerStunProbe *self)
{
  return self->servers->len;
}

HollerStunProbeStatus
holler_stun_probe_get_status (HollerStunProbe *self, guint index)
{
  g_return_val_if_fail (index < self->servers->len, HOLLER_STUN_PROBE_PENDING);
  return self->targets[index].status;
}

gint64
holler_stun_probe_get_rtt (HollerStunProbe *self, guint index)
{
  g_return_val_if_fail (index < self->servers->len, 0);
  return self->targets[index].rtt;
}

const char *
holler_stun_probe_status_name (HollerStunProbeStatus status)
{
  switch (status)
    {
    case HOLLER_STUN_PROBE_PENDING: return "pending";
    case HOLLER_STUN_PROBE_ANSWERED: return "answered";
    case HOLLER_STUN_PROBE_SILENT: return "silent";
    case HOLLER_STUN_PROBE_REFUSED: return "refused";
    default: return "unknown";
    }
}
