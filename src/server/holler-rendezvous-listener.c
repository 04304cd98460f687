/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The accept loop of `holler serve` (see holler-rendezvous-listener.h for
 * why it is ours and not libsoup's). */
#define G_LOG_DOMAIN "holler-serve"

#include "config.h"
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <glib/gi18n.h>
#include "holler-rendezvous-listener.h"
#include "holler-server-log.h"

/* connections taken from the backlog per wake-up, so a flood cannot keep
 * the main context from serving the connections it already has */
#define ACCEPT_BATCH 64
#define RETRY_FIRST_MS 50
#define RETRY_MAX_MS 1000
/* a peer that stops acknowledging our data is dropped by TCP after this
 * (libsoup < 3.6 has no pong timeout of its own) */
#define DEAD_PEER_TIMEOUT_MS 30000
/* the guard's link to its record, cleared when the record goes */
#define CONNECTION_KEY "holler-listener-connection"

typedef struct {
  HollerRendezvousListener *listener;   /* borrowed: it owns this record */
  HollerGuardStream *guard;
  GTlsConnection *tls;                  /* NULL for ws:// */
  GSocketAddress *local;
  GSocketAddress *remote;
  char *address;
  GSource *timeout;                     /* handshake timer; NULL once upgraded */
  GCancellable *cancellable;            /* of the TLS handshake */
  gboolean handed_over;                 /* libsoup has it */
} Connection;

struct _HollerRendezvousListener
{
  GObject parent_instance;

  SoupServer *server;
  GSocket *socket;
  HollerRendezvousListenerLimits limits;
  GSource *accept_source;
  GSource *retry_source;
  guint retry_ms;
  GHashTable *connections;   /* guard → Connection (owned) */
  GHashTable *by_remote;     /* remote GSocketAddress → Connection (borrowed) */
  GHashTable *per_address;   /* address string → number of connections */
  HollerLogThrottle accept_log;
  HollerLogThrottle refused_log;
  HollerLogThrottle timeout_log;
};

G_DEFINE_FINAL_TYPE (HollerRendezvousListener, holler_rendezvous_listener, G_TYPE_OBJECT)

static void start_accepting (HollerRendezvousListener *self);

static void
connection_free (Connection *conn)
{
  HollerRendezvousListener *self = conn->listener;
  guint count = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_address, conn->address));

  if (count > 1)
    g_hash_table_replace (self->per_address, g_strdup (conn->address), GUINT_TO_POINTER (count - 1));
  else
    g_hash_table_remove (self->per_address, conn->address);
  g_hash_table_remove (self->by_remote, conn->remote);
  if (conn->timeout != NULL)
    g_source_destroy (conn->timeout);
  g_clear_pointer (&conn->timeout, g_source_unref);
  if (conn->cancellable != NULL)
    g_cancellable_cancel (conn->cancellable);
  g_clear_object (&conn->cancellable);
  g_signal_handlers_disconnect_by_data (conn->guard, conn);
  g_object_set_data (G_OBJECT (conn->guard), CONNECTION_KEY, NULL);
  g_clear_object (&conn->guard);
  g_clear_object (&conn->tls);
  g_clear_object (&conn->local);
  g_clear_object (&conn->remote);
  g_free (conn->address);
  g_free (conn);
}

static void
on_guard_closed (HollerGuardStream *guard, gpointer user_data)
{
  Connection *conn = user_data;

  /* after the upgrade libsoup reports a refused read itself ("error") */
  if (conn->timeout != NULL && holler_guard_stream_get_refused (guard))
    holler_log_throttle_log (&conn->listener->refused_log,
                             _("too-large %s: an HTTP request head over %" PRIu64 " bytes, closed"),
                             conn->address, conn->listener->limits.max_http);
  g_hash_table_remove (conn->listener->connections, guard);
}

/* Ends a connection that is not libsoup's (yet) or not upgraded */
static void
end_connection (Connection *conn)
{
  if (conn->handed_over)
    {
      /* libsoup reads EOF (or fails to write) and closes the stream */
      holler_guard_stream_abort (conn->guard);
      return;
    }
  if (conn->cancellable != NULL)
    g_cancellable_cancel (conn->cancellable);
  g_io_stream_close (G_IO_STREAM (conn->guard), NULL, NULL);   /* frees @conn */
}

static gboolean
on_handshake_timeout (gpointer user_data)
{
  Connection *conn = user_data;

  g_clear_pointer (&conn->timeout, g_source_unref);
  holler_log_throttle_log (&conn->listener->timeout_log,
                           _("handshake-timeout %s: no WebSocket handshake within %u s, closed"),
                           conn->address, conn->listener->limits.handshake_timeout_s);
  end_connection (conn);
  return G_SOURCE_REMOVE;
}

static void
hand_over (Connection *conn)
{
  g_autoptr(GError) error = NULL;

  conn->handed_over = TRUE;
  g_clear_object (&conn->cancellable);
  if (!soup_server_accept_iostream (conn->listener->server, G_IO_STREAM (conn->guard),
                                    conn->local, conn->remote, &error))
    {
      holler_server_log (conn->listener->limits.quiet, _("error %s: %s"), conn->address, error->message);
      g_io_stream_close (G_IO_STREAM (conn->guard), NULL, NULL);
    }
}

/* @user_data: a reference to the guard, whose record may be gone (handshake
 * timeout, stop) */
static void
on_tls_handshake (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HollerGuardStream) guard = user_data;
  g_autoptr(GError) error = NULL;
  Connection *conn = g_object_get_data (G_OBJECT (guard), CONNECTION_KEY);
  gboolean ok = g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error);

  if (conn == NULL)
    return;
  if (!ok)
    {
      holler_log_throttle_log (&conn->listener->refused_log, _("tls-failed %s: %s"),
                               conn->address, error->message);
      g_io_stream_close (G_IO_STREAM (conn->guard), NULL, NULL);
      return;
    }
  hand_over (conn);
}

static Connection *
connection_new (HollerRendezvousListener *self, GSocket *socket, GIOStream *base,
                GSocketAddress *local, GSocketAddress *remote, const char *address)
{
  Connection *conn = g_new0 (Connection, 1);
  guint count = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_address, address));

  conn->listener = self;
  conn->guard = holler_guard_stream_new (base, socket, self->limits.max_message, self->limits.max_http);
  conn->tls = G_IS_TLS_CONNECTION (base) ? g_object_ref (G_TLS_CONNECTION (base)) : NULL;
  conn->local = g_object_ref (local);
  conn->remote = g_object_ref (remote);
  conn->address = g_strdup (address);
  conn->timeout = g_timeout_source_new_seconds (self->limits.handshake_timeout_s);
  g_source_set_callback (conn->timeout, on_handshake_timeout, conn, NULL);
  g_source_attach (conn->timeout, g_main_context_get_thread_default ());
  g_signal_connect (conn->guard, "closed", G_CALLBACK (on_guard_closed), conn);
  g_object_set_data (G_OBJECT (conn->guard), CONNECTION_KEY, conn);
  g_hash_table_insert (self->connections, conn->guard, conn);
  g_hash_table_insert (self->by_remote, conn->remote, conn);
  g_hash_table_replace (self->per_address, g_strdup (address), GUINT_TO_POINTER (count + 1));
  return conn;
}

/* The base stream for the guard: the socket, or TLS over it */
static GIOStream *
base_stream (HollerRendezvousListener *self, GSocket *socket, const char *address)
{
  g_autoptr(GSocketConnection) connection = g_socket_connection_factory_create_connection (socket);
  g_autoptr(GError) error = NULL;
  GIOStream *tls;

  if (self->limits.certificate == NULL)
    return G_IO_STREAM (g_steal_pointer (&connection));
  tls = g_tls_server_connection_new (G_IO_STREAM (connection), self->limits.certificate, &error);
  if (tls == NULL)
    {
      holler_server_log (self->limits.quiet, _("tls-failed %s: %s"), address, error->message);
      return NULL;
    }
  g_object_set (tls, "require-close-notify", FALSE, NULL);
  return tls;
}

static void
accept_one (HollerRendezvousListener *self, GSocket *socket)
{
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (socket, NULL);
  g_autoptr(GSocketAddress) remote = g_socket_get_remote_address (socket, NULL);
  g_autoptr(GIOStream) base = NULL;
  g_autofree char *address = NULL;
  Connection *conn;
  guint count;

  if (local == NULL || !G_IS_INET_SOCKET_ADDRESS (remote))
    return;   /* gone already; the socket is closed with its last reference */
  address = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
  count = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_address, address));
  /* one over the limit still gets in, to be told why over the WebSocket */
  if (self->limits.max_per_address > 0 && count > self->limits.max_per_address)
    {
      holler_log_throttle_log (&self->refused_log, _("too-many-clients %s: refused at accept (%u open)"),
                               address, count);
      g_socket_close (socket, NULL);
      return;
    }
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  g_socket_set_option (socket, IPPROTO_TCP, TCP_USER_TIMEOUT, DEAD_PEER_TIMEOUT_MS, NULL);
  base = base_stream (self, socket, address);
  if (base == NULL)
    return;
  conn = connection_new (self, socket, base, local, remote, address);
  if (conn->tls == NULL)
    {
      hand_over (conn);
      return;
    }
  conn->cancellable = g_cancellable_new ();
  g_tls_connection_handshake_async (conn->tls, G_PRIORITY_DEFAULT, conn->cancellable, on_tls_handshake,
                                    g_object_ref (conn->guard));
}

static gboolean
on_retry (gpointer user_data)
{
  HollerRendezvousListener *self = user_data;

  g_clear_pointer (&self->retry_source, g_source_unref);
  start_accepting (self);
  return G_SOURCE_REMOVE;
}

/* EMFILE, ENFILE, ENOBUFS…: stop watching the socket (it would wake us at
 * once again) and look again a little later; what is queued stays in the
 * backlog meanwhile */
static void
pause_accepting (HollerRendezvousListener *self, const GError *error)
{
  self->retry_ms = self->retry_ms == 0 ? RETRY_FIRST_MS : MIN (2 * self->retry_ms, RETRY_MAX_MS);
  holler_log_throttle_log (&self->accept_log, _("accept failed: %s; retrying in %u ms (%u connection(s) open)"),
                           error->message, self->retry_ms, g_hash_table_size (self->connections));
  if (self->accept_source != NULL)
    g_source_destroy (self->accept_source);
  g_clear_pointer (&self->accept_source, g_source_unref);
  self->retry_source = g_timeout_source_new (self->retry_ms);
  g_source_set_callback (self->retry_source, on_retry, self, NULL);
  g_source_attach (self->retry_source, g_main_context_get_thread_default ());
}

static gboolean
on_incoming (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  HollerRendezvousListener *self = user_data;

  for (guint i = 0; i < ACCEPT_BATCH; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) client = g_socket_accept (self->socket, NULL, &error);

      if (client == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;
      if (client == NULL)
        {
          pause_accepting (self, error);
          return G_SOURCE_REMOVE;
        }
      self->retry_ms = 0;
      accept_one (self, client);
    }
  return G_SOURCE_CONTINUE;
}

static void
start_accepting (HollerRendezvousListener *self)
{
  self->accept_source = g_socket_create_source (self->socket, G_IO_IN, NULL);
  g_source_set_callback (self->accept_source, G_SOURCE_FUNC (on_incoming), self, NULL);
  g_source_attach (self->accept_source, g_main_context_get_thread_default ());
}

static void
holler_rendezvous_listener_dispose (GObject *object)
{
  HollerRendezvousListener *self = HOLLER_RENDEZVOUS_LISTENER (object);

  holler_rendezvous_listener_stop (self);
  if (self->connections != NULL)
    g_hash_table_remove_all (self->connections);
  holler_log_throttle_clear (&self->accept_log);
  holler_log_throttle_clear (&self->refused_log);
  holler_log_throttle_clear (&self->timeout_log);
  g_clear_object (&self->server);
  G_OBJECT_CLASS (holler_rendezvous_listener_parent_class)->dispose (object);
}

static void
holler_rendezvous_listener_finalize (GObject *object)
{
  HollerRendezvousListener *self = HOLLER_RENDEZVOUS_LISTENER (object);

  g_clear_pointer (&self->connections, g_hash_table_unref);
  g_clear_pointer (&self->by_remote, g_hash_table_unref);
  g_clear_pointer (&self->per_address, g_hash_table_unref);
  g_clear_object (&self->limits.certificate);
  g_clear_object (&self->socket);
  G_OBJECT_CLASS (holler_rendezvous_listener_parent_class)->finalize (object);
}

static void
holler_rendezvous_listener_class_init (HollerRendezvousListenerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = holler_rendezvous_listener_dispose;
  object_class->finalize = holler_rendezvous_listener_finalize;
}

static void
holler_rendezvous_listener_init (HollerRendezvousListener *self)
{
  self->connections = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, (GDestroyNotify) connection_free);
  self->by_remote = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->per_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

HollerRendezvousListener *
holler_rendezvous_listener_new (SoupServer *server, GSocket *socket, const HollerRendezvousListenerLimits *limits)
{
  HollerRendezvousListener *self = g_object_new (HOLLER_TYPE_RENDEZVOUS_LISTENER, NULL);

  self->server = g_object_ref (server);
  self->socket = g_object_ref (socket);
  self->limits = *limits;
  if (limits->certificate != NULL)
    g_object_ref (limits->certificate);
  holler_log_throttle_init (&self->accept_log, limits->quiet);
  holler_log_throttle_init (&self->refused_log, limits->quiet);
  holler_log_throttle_init (&self->timeout_log, limits->quiet);
  g_socket_set_blocking (socket, FALSE);
  start_accepting (self);
  return self;
}

HollerGuardStream *
holler_rendezvous_listener_claim (HollerRendezvousListener *self, GSocketAddress *remote)
{
  Connection *conn;

  g_return_val_if_fail (HOLLER_IS_RENDEZVOUS_LISTENER (self), NULL);

  conn = remote != NULL ? g_hash_table_lookup (self->by_remote, remote) : NULL;
  if (conn == NULL)
    return NULL;
  if (conn->timeout != NULL)
    g_source_destroy (conn->timeout);
  g_clear_pointer (&conn->timeout, g_source_unref);
  holler_guard_stream_start_websocket (conn->guard);
  return conn->guard;
}

void
holler_rendezvous_listener_stop (HollerRendezvousListener *self)
{
  g_autoptr(GPtrArray) pending = g_ptr_array_new ();
  GHashTableIter iter;
  Connection *conn;

  g_return_if_fail (HOLLER_IS_RENDEZVOUS_LISTENER (self));

  if (self->accept_source != NULL)
    g_source_destroy (self->accept_source);
  g_clear_pointer (&self->accept_source, g_source_unref);
  if (self->retry_source != NULL)
    g_source_destroy (self->retry_source);
  g_clear_pointer (&self->retry_source, g_source_unref);
  if (self->socket != NULL)
    g_socket_close (self->socket, NULL);
  if (self->connections == NULL)
    return;
  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &conn))
    if (conn->timeout != NULL)
      g_ptr_array_add (pending, conn);
  /* closing may free the records: the list is taken first */
  for (guint i = 0; i < pending->len; i++)
    end_connection (pending->pdata[i]);
}

guint
holler_rendezvous_listener_get_n_connections (HollerRendezvousListener *self)
{
  g_return_val_if_fail (HOLLER_IS_RENDEZVOUS_LISTENER (self), 0);
  return g_hash_table_size (self->connections);
}
