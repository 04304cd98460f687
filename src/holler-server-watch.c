/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which configured STUN/TURN servers answer, once per process: probes
 * when first asked, again on network changes and when stale. */
#define G_LOG_DOMAIN "holler-ice"

#include "config.h"
#include <gio/gio.h>
#include "holler-server-watch.h"

/* A server silent this long counts as dead (until the next probe). */
#define PROBE_TIMEOUT_MS 1500
#define PROBE_MAX_AGE_US (60 * G_USEC_PER_SEC)
/* Network monitor events come in bursts (an address and its routes). */
#define NETWORK_SETTLE_MS 300

struct _HollerServerWatch
{
  GObject parent_instance;

  GPtrArray *servers;       /* HollerIceServer: the STUN servers, then the TURN servers, of each kind
                             * only when several are configured */
  guint n_stun;             /* probed STUN servers (0 or all configured) */
  guint n_turn;
  HollerStunProbeStatus *status;  /* last known, per entry of servers */
  HollerStunProbe *probe;   /* the running probe, else NULL */
  GCancellable *cancellable;
  gint64 probe_started;
  gint64 probe_ended;       /* 0: never */
  gboolean probe_again;     /* the network changed during the probe */
  GList *waiters;           /* GTask */
  guint wait_id;
  GNetworkMonitor *monitor;
  guint settle_id;
};

G_DEFINE_TYPE (HollerServerWatch, holler_server_watch, G_TYPE_OBJECT)

static GHashTable *watches;   /* the process's watches: URIs → HollerServerWatch */

static void start_probe (HollerServerWatch *self);

static gboolean
stun_answered (HollerServerWatch *self)
{
  for (guint i = 0; i < self->n_stun; i++)
    if (self->status[i] == HOLLER_STUN_PROBE_ANSWERED)
      return TRUE;
  return FALSE;
}

static void
wake_waiters (HollerServerWatch *self)
{
  GList *waiters = g_steal_pointer (&self->waiters);

  g_clear_handle_id (&self->wait_id, g_source_remove);
  for (GList *l = waiters; l != NULL; l = l->next)
    g_task_return_boolean (l->data, TRUE);
  g_list_free_full (waiters, g_object_unref);
}

static void
on_server_done (HollerStunProbe *probe, guint index, gpointer user_data)
{
  HollerServerWatch *self = user_data;
  const HollerIceServer *server = g_ptr_array_index (self->servers, index);

  if (probe != self->probe)
    return;
  self->status[index] = holler_stun_probe_get_status (probe, index);
  g_debug ("%s server %s:%u %s after %" G_GINT64_FORMAT " ms", index < self->n_stun ? "STUN" : "TURN",
           server->host, server->port, holler_stun_probe_status_name (self->status[index]),
           (g_get_monotonic_time () - self->probe_started) / 1000);
  if (index < self->n_stun && self->status[index] == HOLLER_STUN_PROBE_ANSWERED)
    wake_waiters (self);
}

static void
on_probe_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HollerServerWatch) self = user_data;
  g_autoptr(GError) error = NULL;

  holler_stun_probe_run_finish (HOLLER_STUN_PROBE (source), result, &error);
  if (source != (GObject *) self->probe)
    return;   /* replaced by a newer probe */
  g_clear_object (&self->probe);
  self->probe_ended = g_get_monotonic_time ();
  wake_waiters (self);
  if (self->probe_again)
    {
      g_debug ("the network changed while probing: probing again");
      self->probe_again = FALSE;
      start_probe (self);
    }
}

static void
start_probe (HollerServerWatch *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->probe);
  self->cancellable = g_cancellable_new ();
  self->probe = holler_stun_probe_new (self->servers, PROBE_TIMEOUT_MS);
  g_signal_connect_object (self->probe, "server-done", G_CALLBACK (on_server_done), self, 0);
  self->probe_started = g_get_monotonic_time ();
  g_debug ("probing %u STUN and %u TURN servers", self->n_stun, self->n_turn);
  holler_stun_probe_run_async (self->probe, self->cancellable, on_probe_done, g_object_ref (self));
}

static gboolean
on_network_settled (gpointer user_data)
{
  HollerServerWatch *self = user_data;

  self->settle_id = 0;
  /* The last results stand until the new probe says otherwise: most
   * changes (an IPv6 address leaving its tentative state, a route) do not
   * change which servers answer, and a call should not wait for them. */
  if (self->probe != NULL)
    {
      /* let it finish (a fresh lab settles for seconds: restarting at
       * every change would never conclude), then ask again */
      self->probe_again = TRUE;
      return G_SOURCE_REMOVE;
    }
  g_debug ("network changed: probing again");
  start_probe (self);
  return G_SOURCE_REMOVE;
}

static void
on_network_changed (GNetworkMonitor *monitor, gboolean available, gpointer user_data)
{
  HollerServerWatch *self = user_data;

  g_clear_handle_id (&self->settle_id, g_source_remove);
  self->settle_id = g_timeout_add (NETWORK_SETTLE_MS, on_network_settled, self);
}

static gboolean
on_wait_over (gpointer user_data)
{
  HollerServerWatch *self = user_data;

  self->wait_id = 0;
  wake_waiters (self);
  return G_SOURCE_REMOVE;
}

static void
holler_server_watch_dispose (GObject *object)
{
  HollerServerWatch *self = HOLLER_SERVER_WATCH (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->probe);
  wake_waiters (self);
  g_clear_handle_id (&self->settle_id, g_source_remove);
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->monitor);
  G_OBJECT_CLASS (holler_server_watch_parent_class)->dispose (object);
}

static void
holler_server_watch_finalize (GObject *object)
{
  HollerServerWatch *self = HOLLER_SERVER_WATCH (object);

  g_ptr_array_unref (self->servers);
  g_free (self->status);
  G_OBJECT_CLASS (holler_server_watch_parent_class)->finalize (object);
}

static void
holler_server_watch_class_init (HollerServerWatchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = holler_server_watch_dispose;
  object_class->finalize = holler_server_watch_finalize;
}

static void
holler_server_watch_init (HollerServerWatch *self)
{
  self->servers = g_ptr_array_new_with_free_func ((GDestroyNotify) holler_ice_server_free);
}

static guint
add_servers (GPtrArray *servers, const char * const *uris, gboolean turn)
{
  guint n = uris != NULL ? g_strv_length ((char **) uris) : 0;
  guint added = 0;

  for (guint i = 0; n > 1 && i < n; i++)
    {
      /* options were checked: a URI that does not parse is never used */
      HollerIceServer *server = holler_ice_server_parse (uris[i], turn, NULL);

      if (server == NULL)
        return added;
      g_ptr_array_add (servers, server);
      added++;
    }
  return added;
}

static char *
watch_key (const char * const *stun_uris, const char * const *turn_uris)
{
  g_autofree char *stun = stun_uris ? g_strjoinv ("\n", (char **) stun_uris) : g_strdup ("");
  g_autofree char *turn = turn_uris ? g_strjoinv ("\n", (char **) turn_uris) : g_strdup ("");

  return g_strconcat (stun, "\x1f", turn, NULL);
}

HollerServerWatch *
holler_server_watch_get (const char * const *stun_uris, const char * const *turn_uris)
{
  g_autofree char *key = watch_key (stun_uris, turn_uris);
  HollerServerWatch *self;

  if (watches == NULL)
    watches = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self = g_hash_table_lookup (watches, key);
  if (self != NULL)
    {
      if (self->probe == NULL && g_get_monotonic_time () - self->probe_ended > PROBE_MAX_AGE_US)
        start_probe (self);
      return g_object_ref (self);
    }
  self = g_object_new (HOLLER_TYPE_SERVER_WATCH, NULL);
  self->n_stun = add_servers (self->servers, stun_uris, FALSE);
  self->n_turn = add_servers (self->servers, turn_uris, TRUE);
  if (self->servers->len == 0)
    {
      g_object_unref (self);
      return NULL;
    }
  self->status = g_new0 (HollerStunProbeStatus, self->servers->len);
  self->monitor = g_object_ref (g_network_monitor_get_default ());
  g_signal_connect (self->monitor, "network-changed", G_CALLBACK (on_network_changed), self);
  g_hash_table_insert (watches, g_steal_pointer (&key), g_object_ref (self));
  start_probe (self);
  return self;
}

void
holler_server_watch_prepare (const char * const *stun_uris, const char * const *turn_uris)
{
  g_autoptr(HollerServerWatch) self = holler_server_watch_get (stun_uris, turn_uris);
}

gboolean
holler_server_watch_is_probing (HollerServerWatch *self)
{
  return self->probe != NULL;
}

void
holler_server_watch_wait_async (HollerServerWatch *self, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  gint64 left_ms = (self->probe_started - g_get_monotonic_time ()) / 1000 + HOLLER_SERVER_WATCH_WAIT_MS;

  g_task_set_source_tag (task, holler_server_watch_wait_async);
  /* completing now still takes a main loop iteration, at a priority below
   * the sockets': answers that arrived meanwhile are read first */
  g_task_set_priority (task, G_PRIORITY_DEFAULT_IDLE);
  if (self->probe == NULL || stun_answered (self) || left_ms <= 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  self->waiters = g_list_prepend (self->waiters, g_steal_pointer (&task));
  if (self->wait_id == 0)
    self->wait_id = g_timeout_add ((guint) left_ms, on_wait_over, self);
}

gboolean
holler_server_watch_wait_finish (HollerServerWatch *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

HollerStunProbeStatus
holler_server_watch_get_status (HollerServerWatch *self, gboolean turn, guint index)
{
  guint n = turn ? self->n_turn : self->n_stun;

  if (index >= n)
    return HOLLER_STUN_PROBE_PENDING;
  return self->status[turn ? self->n_stun + index : index];
}
