/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* D-Bus objects for the answering service and its calls. */
#define G_LOG_DOMAIN "holler-daemon"

#include "config.h"
#include <glib/gi18n.h>
#include "holler-service-bus.h"
#include "holler-dbus-generated.h"
#include "holler-error.h"

/* How often an active call sends us its statistics */
#define STATS_INTERVAL_MS 1000

typedef struct {
  HollerServiceBus *bus;       /* unowned */
  guint number;
  HollerCall *call;            /* its events update the object below */
  HollerDBusObjectSkeleton *object;
  HollerDBusCall *iface;
  HollerIcePair pair;
  gboolean have_pair;
  HollerMediaStats stats;      /* from the last "stats" event */
  gboolean have_stats;
  double bitrate_kbps;         /* received, over the last interval; < 0 until known */
} CallObject;

struct _HollerServiceBus
{
  GObject parent_instance;

  HollerDaemon *daemon;
  HollerDBusService *service;
  GDBusObjectManagerServer *manager;
  GHashTable *calls;           /* number → CallObject */
  gboolean exported;
};

G_DEFINE_TYPE (HollerServiceBus, holler_service_bus, G_TYPE_OBJECT)

static void
call_object_free (CallObject *co)
{
  g_signal_handlers_disconnect_by_data (co->call, co);
  holler_call_set_stats_interval (co->call, 0);
  g_object_unref (co->call);
  g_signal_handlers_disconnect_by_data (co->iface, co);
  g_object_unref (co->iface);
  g_object_unref (co->object);
  g_free (co);
}

static char *
call_path (guint number)
{
  return g_strdup_printf (HOLLER_SERVICE_PATH "/Call/%u", number);
}

static void
update_call_list (HollerServiceBus *self)
{
  g_autoptr(GPtrArray) list = holler_daemon_list (self->daemon);
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < list->len; i++)
    g_ptr_array_add (paths, call_path (((HollerDaemonCall *) g_ptr_array_index (list, i))->number));
  g_ptr_array_add (paths, NULL);
  holler_dbus_service_set_calls (self->service, (const char * const *) paths->pdata);
}

static void
add_media_stats (GVariantBuilder *b, const HollerMediaStats *stats, double bitrate_kbps)
{
  guint64 expected = stats->packets_received + MAX (stats->packets_lost, 0);

  g_variant_builder_add (b, "{sv}", "packets-sent", g_variant_new_uint64 (stats->packets_sent));
  g_variant_builder_add (b, "{sv}", "packets-received", g_variant_new_uint64 (stats->packets_received));
  g_variant_builder_add (b, "{sv}", "packets-lost", g_variant_new_int64 (stats->packets_lost));
  g_variant_builder_add (b, "{sv}", "loss-percent",
                         g_variant_new_double (expected ? 100.0 * MAX (stats->packets_lost, 0) / expected : 0));
  g_variant_builder_add (b, "{sv}", "jitter-ms", g_variant_new_double (stats->jitter_ms));
  g_variant_builder_add (b, "{sv}", "jitter-buffer-ms", g_variant_new_uint32 (stats->jitter_buffer_ms));
  /* what the peer's RTCP reports say about our stream, once it sent one */
  if (stats->have_remote_report)
    {
      g_variant_builder_add (b, "{sv}", "remote-fraction-lost", g_variant_new_double (stats->remote_fraction_lost));
      g_variant_builder_add (b, "{sv}", "remote-packets-lost", g_variant_new_int64 (stats->remote_packets_lost));
    }
  if (stats->have_remote_report && stats->rtt_ms >= 0)
    g_variant_builder_add (b, "{sv}", "rtt-ms", g_variant_new_double (stats->rtt_ms));
  if (bitrate_kbps >= 0)
    g_variant_builder_add (b, "{sv}", "bitrate-kbps", g_variant_new_double (bitrate_kbps));
}

/* The Stats property from the last pair and the last counters */
static void
update_stats (CallObject *co)
{
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  if (co->have_pair)
    {
      g_autofree char *type = g_strdup_printf ("%s/%s", co->pair.local_type, co->pair.remote_type);

      g_variant_builder_add (&b, "{sv}", "pair-type", g_variant_new_string (type));
      g_variant_builder_add (&b, "{sv}", "local-address", g_variant_new_string (co->pair.local_address));
      g_variant_builder_add (&b, "{sv}", "remote-address", g_variant_new_string (co->pair.remote_address));
    }
  if (co->have_stats)
    add_media_stats (&b, &co->stats, co->bitrate_kbps);
  holler_dbus_call_set_stats (co->iface, g_variant_builder_end (&b));
}

static void
on_state (CallObject *co, guint state)
{
  const char *name = holler_call_state_to_string (state);

  if (g_strcmp0 (holler_dbus_call_get_state (co->iface), name) == 0)
    return;
  /* a client reading EndReason on StateChanged("ended") finds it set */
  if (holler_call_get_end_reason (co->call) != NULL)
    holler_dbus_call_set_end_reason (co->iface, holler_call_get_end_reason (co->call));
  holler_dbus_call_set_state (co->iface, name);
  /* PropertiesChanged first (it waits for an idle otherwise, and an ended
   * call's object is gone by then), so the signals agree */
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (co->iface));
  holler_dbus_call_emit_state_changed (co->iface, name);
}

/* What the call tells, pushed to D-Bus as it happens (no polling) */
static void
on_call_event (HollerCall *call, const HollerCallEvent *event, gpointer user_data)
{
  CallObject *co = user_data;
  char digit[2] = { 0, 0 };

  switch (event->type)
    {
    case HOLLER_CALL_EVENT_STATE:
      on_state (co, event->state.state);
      break;
    case HOLLER_CALL_EVENT_SELECTED_PAIR:
      co->pair = event->pair;
      co->have_pair = TRUE;
      update_stats (co);
      break;
    case HOLLER_CALL_EVENT_STATS:
      co->stats = event->stats.media;
      co->have_stats = TRUE;
      co->bitrate_kbps = event->stats.rx_kbps;
      update_stats (co);
      break;
    case HOLLER_CALL_EVENT_PEER:
      holler_dbus_call_set_peer_status (co->iface, event->peer.status);
      holler_dbus_call_set_peer_fingerprint (co->iface, event->peer.fingerprint);
      holler_dbus_call_set_sas (co->iface, event->peer.sas ? event->peer.sas : "");
      break;
    case HOLLER_CALL_EVENT_DTMF:
      digit[0] = event->dtmf.digit;
      holler_dbus_call_set_dtmf_received (co->iface, holler_call_get_dtmf_received (call));
      holler_dbus_call_emit_dtmf (co->iface, digit);
      break;
    case HOLLER_CALL_EVENT_ICE_RESTART:
      holler_dbus_call_set_ice_restarts (co->iface, holler_call_get_ice_restarts (call));
      holler_dbus_call_emit_ice_restart (co->iface, event->ice_restart.done ? "done" : "started",
                                         event->ice_restart.why ? event->ice_restart.why : "");
      break;
    case HOLLER_CALL_EVENT_WARNING:
      if (event->warning.recording_error != NULL)
        holler_dbus_call_set_recording_error (co->iface, event->warning.recording_error);
      holler_dbus_call_emit_warning (co->iface, event->warning.message);
      break;
    case HOLLER_CALL_EVENT_ENDING:
      holler_dbus_call_set_end_reason (co->iface, event->ending.reason);
      break;
    case HOLLER_CALL_EVENT_ENDED:
      holler_dbus_call_set_end_reason (co->iface, event->ended.reason);
      break;
    default:
      break;
    }
}

/* --- methods of a call --- */

static const HollerDaemonCall *
lookup_or_fail (CallObject *co, GDBusMethodInvocation *invocation)
{
  const HollerDaemonCall *dc = holler_daemon_lookup (co->bus->daemon, co->number);

  if (dc == NULL)
    g_dbus_method_invocation_return_error (invocation, HOLLER_ERROR, HOLLER_ERROR_USAGE,
                                           _("Call %u has ended"), co->number);
  return dc;
}

static gboolean
on_handle_answer (HollerDBusCall *iface, GDBusMethodInvocation *invocation, gpointer user_data)
{
  const HollerDaemonCall *dc = lookup_or_fail (user_data, invocation);
  g_autoptr(GError) error = NULL;

  if (dc == NULL)
    return TRUE;
  if (holler_call_get_state (dc->call) != HOLLER_CALL_STATE_RINGING)
    g_dbus_method_invocation_return_error (invocation, HOLLER_ERROR, HOLLER_ERROR_USAGE,
                                           _("Call %u is not ringing"), dc->number);
  else if (!holler_call_answer (dc->call, &error))
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    holler_dbus_call_complete_answer (iface, invocation);
  return TRUE;
}

static gboolean
on_handle_hangup (HollerDBusCall *iface, GDBusMethodInvocation *invocation, gpointer user_data)
{
  const HollerDaemonCall *dc = lookup_or_fail (user_data, invocation);

  if (dc == NULL)
    return TRUE;
  holler_call_hangup (dc->call, holler_call_get_state (dc->call) == HOLLER_CALL_STATE_RINGING
                                  ? "rejected" : "hangup");
  holler_dbus_call_complete_hangup (iface, invocation);
  return TRUE;
}

static gboolean
on_handle_set_muted (HollerDBusCall *iface, GDBusMethodInvocation *invocation, gboolean muted,
                     gpointer user_data)
{
  const HollerDaemonCall *dc = lookup_or_fail (user_data, invocation);

  if (dc == NULL)
    return TRUE;
  holler_call_set_muted (dc->call, muted);
  holler_dbus_call_set_muted (iface, muted);
  holler_dbus_call_complete_set_muted (iface, invocation);
  return TRUE;
}

static gboolean
on_handle_send_dtmf (HollerDBusCall *iface, GDBusMethodInvocation *invocation, const char *digits,
                     gpointer user_data)
{
  const HollerDaemonCall *dc = lookup_or_fail (user_data, invocation);
  g_autoptr(GError) error = NULL;

  if (dc == NULL)
    return TRUE;
  if (!holler_call_send_dtmf (dc->call, digits, &error))
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    holler_dbus_call_complete_send_dtmf (iface, invocation);
  return TRUE;
}

static gboolean
on_handle_restart_ice (HollerDBusCall *iface, GDBusMethodInvocation *invocation, gpointer user_data)
{
  const HollerDaemonCall *dc = lookup_or_fail (user_data, invocation);

  if (dc == NULL)
    return TRUE;
  if (holler_call_get_state (dc->call) != HOLLER_CALL_STATE_ACTIVE)
    g_dbus_method_invocation_return_error (invocation, HOLLER_ERROR, HOLLER_ERROR_USAGE,
                                           _("Call %u is not active"), dc->number);
  else
    {
      holler_call_restart_ice (dc->call);
      holler_dbus_call_complete_restart_ice (iface, invocation);
    }
  return TRUE;
}

/* --- the daemon's calls come and go --- */

static void
on_call_added (HollerDaemon *daemon, gpointer data, gpointer user_data)
{
  HollerServiceBus *self = user_data;
  const HollerDaemonCall *dc = data;
  g_autofree char *path = call_path (dc->number);
  CallObject *co = g_new0 (CallObject, 1);
  const char *peer = holler_call_get_peer (dc->call);

  co->bus = self;
  co->number = dc->number;
  co->call = g_object_ref (dc->call);
  co->bitrate_kbps = -1;
  co->object = holler_dbus_object_skeleton_new (path);
  co->iface = holler_dbus_call_skeleton_new ();
  holler_dbus_call_set_number (co->iface, dc->number);
  holler_dbus_call_set_state (co->iface, holler_call_state_to_string (holler_call_get_state (dc->call)));
  holler_dbus_call_set_peer (co->iface, peer ? peer : "");
  holler_dbus_call_set_direction (co->iface, dc->outgoing ? "outgoing" : "incoming");
  holler_dbus_call_set_start_time (co->iface, dc->start_unix);
  holler_dbus_call_set_recording (co->iface, dc->recording ? dc->recording : "");
  holler_dbus_call_set_end_reason (co->iface, "");
  holler_dbus_call_set_recording_error (co->iface, dc->recording_error ? dc->recording_error : "");
  holler_dbus_call_set_stats (co->iface, g_variant_new ("a{sv}", NULL));
  holler_dbus_call_set_dtmf_received (co->iface, "");
  holler_dbus_call_set_peer_status (co->iface, "");
  holler_dbus_call_set_peer_fingerprint (co->iface, "");
  holler_dbus_call_set_sas (co->iface, "");
  holler_dbus_call_set_ice_restarts (co->iface, 0);
  g_signal_connect (dc->call, "event", G_CALLBACK (on_call_event), co);
  holler_call_set_stats_interval (dc->call, STATS_INTERVAL_MS);
  g_signal_connect (co->iface, "handle-answer", G_CALLBACK (on_handle_answer), co);
  g_signal_connect (co->iface, "handle-hangup", G_CALLBACK (on_handle_hangup), co);
  g_signal_connect (co->iface, "handle-set-muted", G_CALLBACK (on_handle_set_muted), co);
  g_signal_connect (co->iface, "handle-send-dtmf", G_CALLBACK (on_handle_send_dtmf), co);
  g_signal_connect (co->iface, "handle-restart-ice", G_CALLBACK (on_handle_restart_ice), co);
  holler_dbus_object_skeleton_set_call (co->object, co->iface);
  g_hash_table_insert (self->calls, GUINT_TO_POINTER (dc->number), co);
  g_dbus_object_manager_server_export (self->manager, G_DBUS_OBJECT_SKELETON (co->object));
  update_call_list (self);
  holler_dbus_service_emit_call_added (self->service, path);
}

static void
on_call_removed (HollerDaemon *daemon, guint number, gpointer user_data)
{
  HollerServiceBus *self = user_data;
  g_autofree char *path = call_path (number);

  if (!g_hash_table_contains (self->calls, GUINT_TO_POINTER (number)))
    return;
  g_dbus_object_manager_server_unexport (self->manager, path);
  g_hash_table_remove (self->calls, GUINT_TO_POINTER (number));
  update_call_list (self);
  holler_dbus_service_emit_call_removed (self->service, path);
}

/* --- methods of the service --- */

static gboolean
on_handle_call (HollerDBusService *iface, GDBusMethodInvocation *invocation, const char *peer,
                gpointer user_data)
{
  HollerServiceBus *self = user_data;
  g_autoptr(GError) error = NULL;
  const HollerDaemonCall *dc = holler_daemon_place_call (self->daemon, peer, &error);
  g_autofree char *path = NULL;

  if (dc == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return TRUE;
    }
  path = call_path (dc->number);
  holler_dbus_service_complete_call (iface, invocation, path);
  return TRUE;
}

static gboolean
on_handle_list_calls (HollerDBusService *iface, GDBusMethodInvocation *invocation, gpointer user_data)
{
  HollerServiceBus *self = user_data;

  update_call_list (self);
  holler_dbus_service_complete_list_calls (iface, invocation, holler_dbus_service_get_calls (iface));
  return TRUE;
}

/* --- GObject --- */

static void
holler_service_bus_dispose (GObject *object)
{
  HollerServiceBus *self = HOLLER_SERVICE_BUS (object);

  holler_service_bus_unexport (self);
  if (self->daemon != NULL)
    g_signal_handlers_disconnect_by_data (self->daemon, self);
  g_clear_object (&self->daemon);
  g_clear_pointer (&self->calls, g_hash_table_unref);
  g_clear_object (&self->manager);
  if (self->service != NULL)
    g_signal_handlers_disconnect_by_data (self->service, self);
  g_clear_object (&self->service);
  G_OBJECT_CLASS (holler_service_bus_parent_class)->dispose (object);
}

static void
holler_service_bus_class_init (HollerServiceBusClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = holler_service_bus_dispose;
}

static void
holler_service_bus_init (HollerServiceBus *self)
{
  self->calls = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) call_object_free);
}

HollerServiceBus *
holler_service_bus_new (HollerDaemon *daemon)
{
  HollerServiceBus *self = g_object_new (HOLLER_TYPE_SERVICE_BUS, NULL);

  self->daemon = g_object_ref (daemon);
  self->service = holler_dbus_service_skeleton_new ();
  holler_dbus_service_set_id (self->service, holler_daemon_get_id (daemon));
  holler_dbus_service_set_max_calls (self->service, holler_daemon_get_max_calls (daemon));
  g_signal_connect (self->service, "handle-call", G_CALLBACK (on_handle_call), self);
  g_signal_connect (self->service, "handle-list-calls", G_CALLBACK (on_handle_list_calls), self);
  self->manager = g_dbus_object_manager_server_new (HOLLER_SERVICE_PATH);
  g_signal_connect (daemon, "call-added", G_CALLBACK (on_call_added), self);
  g_signal_connect (daemon, "call-removed", G_CALLBACK (on_call_removed), self);
  update_call_list (self);
  return self;
}

gboolean
holler_service_bus_export (HollerServiceBus *self, GDBusConnection *connection, GError **error)
{
  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->service), connection,
                                         HOLLER_SERVICE_PATH, error))
    return FALSE;
  g_dbus_object_manager_server_set_connection (self->manager, connection);
  self->exported = TRUE;
  return TRUE;
}

void
holler_service_bus_unexport (HollerServiceBus *self)
{
  if (!self->exported)
    return;
  self->exported = FALSE;
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->service));
  g_dbus_object_manager_server_set_connection (self->manager, NULL);
}
