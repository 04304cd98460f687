/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One ICE stream with one component (BUNDLE + rtcp-mux), over libnice. */
#define G_LOG_DOMAIN "holler-ice"

#include "config.h"
#include <string.h>
#include <glib/gi18n.h>
#include <gio/gio.h>
#include <nice/agent.h>
#include <nice/interfaces.h>
#include "holler-ice.h"
#include "holler-ice-servers.h"
#include "holler-error.h"
#include "holler-net.h"

#define COMPONENT_ID 1
/* After a restart the peer may send on the old session a little longer
 * (until its own new session connects): keep receiving there this long. */
#define OLD_SESSION_GRACE_MS 2000
/* Network monitor events come in bursts (an address and its routes). */
#define NETWORK_SETTLE_MS 300

enum { SIGNAL_LOCAL_CANDIDATE, SIGNAL_GATHERING_DONE, SIGNAL_CONNECTED, SIGNAL_FAILED, SIGNAL_WARNING,
       SIGNAL_NETWORK_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

struct _HollerIce
{
  GObject parent_instance;

  GMainContext *context;
  NiceAgent *agent;
  guint stream_id;          /* carries media; read by streaming threads (atomic) */
  guint new_stream_id;      /* an ICE restart's session until it connects, else 0 */
  gboolean connected;       /* the newest session */
  gboolean failed;
  gboolean closed;
  GArray *gathered;         /* guint: streams whose gathering finished */
  GArray *doomed;           /* guint: old streams to remove once gathering ends */
  GArray *retiring;         /* guint: replaced streams still received on for a while */
  guint retire_id;
  guint restarts;

  GNetworkMonitor *monitor;
  guint settle_id;

  HollerIceReceiveFunc receive_func;
  gpointer receive_data;

  GMutex pair_lock;   /* selected pair is read from other threads for stats */
  HollerIcePair pair;
  gboolean have_pair;
  char pair_base_ip[NICE_ADDRESS_STRING_LEN];  /* our local IP under the pair; "" for relay */

  gboolean relay_only;
  HollerIceServers *servers;
  GCancellable *cancellable;  /* waiting for the STUN probe */
  gboolean waiting_for_servers;
};

G_DEFINE_TYPE (HollerIce, holler_ice, G_TYPE_OBJECT)

static const char *
candidate_type_name (NiceCandidateType type)
{
  switch (type)
    {
    case NICE_CANDIDATE_TYPE_HOST: return "host";
    case NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE: return "srflx";
    case NICE_CANDIDATE_TYPE_PEER_REFLEXIVE: return "prflx";
    case NICE_CANDIDATE_TYPE_RELAYED: return "relay";
    default: return "unknown";
    }
}

static void fail (HollerIce *self, const char *message);

static void
format_address (const NiceAddress *addr, char *out, gsize out_len)
{
  char ip[NICE_ADDRESS_STRING_LEN];

  nice_address_to_string (addr, ip);
  if (nice_address_ip_version (addr) == 6)
    g_snprintf (out, out_len, "[%s]:%u", ip, nice_address_get_port (addr));
  else
    g_snprintf (out, out_len, "%s:%u", ip, nice_address_get_port (addr));
}

static void
warn (HollerIce *self, const char *text)
{
  g_signal_emit (self, signals[SIGNAL_WARNING], 0, text);
}

static void
on_servers_warning (HollerIceServers *servers, const char *text, gpointer user_data)
{
  warn (user_data, text);
}

static guint
newest_stream (HollerIce *self)
{
  return self->new_stream_id != 0 ? self->new_stream_id : self->stream_id;
}

static gboolean
array_has (GArray *array, guint id)
{
  for (guint i = 0; i < array->len; i++)
    if (g_array_index (array, guint, i) == id)
      return TRUE;
  return FALSE;
}

/* libnice 0.1.21 can crash (a NULL dereference in a socket callback)
 * when a stream is removed while STUN discovery is still pending; such a
 * stream is removed when its gathering ends (or with the agent). */
static void
remove_stream (HollerIce *self, guint id)
{
  nice_agent_attach_recv (self->agent, id, COMPONENT_ID, self->context, NULL, NULL);
  if (array_has (self->gathered, id))
    nice_agent_remove_stream (self->agent, id);
  else
    g_array_append_val (self->doomed, id);
}

static gboolean
on_retire (gpointer user_data)
{
  HollerIce *self = user_data;

  self->retire_id = 0;
  for (guint i = 0; i < self->retiring->len; i++)
    remove_stream (self, g_array_index (self->retiring, guint, i));
  g_array_set_size (self->retiring, 0);
  return G_SOURCE_REMOVE;
}

static void
retire_stream (HollerIce *self, guint id)
{
  g_array_append_val (self->retiring, id);
  if (self->retire_id == 0)
    self->retire_id = g_timeout_add (OLD_SESSION_GRACE_MS, on_retire, self);
}

static void
on_new_candidate (NiceAgent *agent, NiceCandidate *candidate, gpointer user_data)
{
  HollerIce *self = user_data;
  g_autofree char *sdp = NULL;

  g_debug ("stream %u: new %s candidate", candidate->stream_id, candidate_type_name (candidate->type));
  if (candidate->stream_id != newest_stream (self))
    return;
  if (self->closed)
    return;
  holler_ice_servers_note_candidate (self->servers, candidate);
  /* --relay-only: never tell the peer our own addresses. */
  if (self->relay_only && candidate->type != NICE_CANDIDATE_TYPE_RELAYED)
    return;
  sdp = nice_agent_generate_local_candidate_sdp (agent, candidate);
  if (sdp == NULL)
    return;
  g_signal_emit (self, signals[SIGNAL_LOCAL_CANDIDATE], 0,
                 g_str_has_prefix (sdp, "a=") ? sdp + 2 : sdp);
}

static void
on_gathering_done (NiceAgent *agent, guint stream_id, gpointer user_data)
{
  HollerIce *self = user_data;
  gboolean any_relay;

  g_debug ("stream %u: gathering done", stream_id);
  g_array_append_val (self->gathered, stream_id);
  if (array_has (self->doomed, stream_id))
    {
      nice_agent_remove_stream (agent, stream_id);
      return;
    }
  if (stream_id != newest_stream (self))
    return;
  if (self->closed)
    return;
  any_relay = holler_ice_servers_check_relays (self->servers);
  g_signal_emit (self, signals[SIGNAL_GATHERING_DONE], 0);
  /* Nothing could ever connect: say so now, not at the connect timeout. */
  if (self->relay_only && !any_relay)
    {
      warn (self, _("Relay only, but no TURN server gave a relay candidate: the call cannot connect"));
      fail (self, _("ICE failed: relay only, and no TURN server gave a relay candidate"));
    }
}

static void
on_selected_pair (NiceAgent *agent, guint stream_id, guint component_id,
                  NiceCandidate *local, NiceCandidate *remote, gpointer user_data)
{
  HollerIce *self = user_data;

  if (stream_id != newest_stream (self))
    return;
  g_mutex_lock (&self->pair_lock);
  g_strlcpy (self->pair.local_type, candidate_type_name (local->type), sizeof self->pair.local_type);
  g_strlcpy (self->pair.remote_type, candidate_type_name (remote->type), sizeof self->pair.remote_type);
  format_address (&local->addr, self->pair.local_address, sizeof self->pair.local_address);
  format_address (&remote->addr, self->pair.remote_address, sizeof self->pair.remote_address);
  g_strlcpy (self->pair.transport, local->transport == NICE_CANDIDATE_TRANSPORT_UDP ? "udp" : "tcp",
             sizeof self->pair.transport);
  self->pair.relay_transport[0] = '\0';
  if (local->type == NICE_CANDIDATE_TYPE_RELAYED)
    g_strlcpy (self->pair.relay_transport, holler_ice_servers_relay_transport (self->servers, local),
               sizeof self->pair.relay_transport);
  self->have_pair = TRUE;
  g_mutex_unlock (&self->pair_lock);
  self->pair_base_ip[0] = '\0';
  if (local->type != NICE_CANDIDATE_TYPE_RELAYED)
    nice_address_to_string (local->type == NICE_CANDIDATE_TYPE_HOST ? &local->addr : &local->base_addr,
                            self->pair_base_ip);
}

static void
fail (HollerIce *self, const char *message)
{
  g_autoptr(GError) error = NULL;

  if (self->failed || self->closed)
    return;
  self->failed = TRUE;
  error = g_error_new_literal (HOLLER_ERROR, HOLLER_ERROR_ICE_FAILED, message);
  g_signal_emit (self, signals[SIGNAL_FAILED], 0, error);
}

static void
on_component_state_changed (NiceAgent *agent, guint stream_id, guint component_id,
                            guint state, gpointer user_data)
{
  HollerIce *self = user_data;

  gboolean up = state == NICE_COMPONENT_STATE_CONNECTED || state == NICE_COMPONENT_STATE_READY;

  g_debug ("stream %u: component state %s", stream_id, nice_component_state_to_string (state));
  if (self->closed)
    return;
  if (stream_id == self->new_stream_id && up)
    {
      /* The restarted session works: media moves to it, the old one goes. */
      guint old = self->stream_id;

      g_atomic_int_set (&self->stream_id, self->new_stream_id);
      self->new_stream_id = 0;
      retire_stream (self, old);
    }
  if (stream_id != newest_stream (self))
    return;   /* an old session, or the one a restart replaces */
  if (up && !self->connected)
    {
      self->connected = TRUE;
      g_signal_emit (self, signals[SIGNAL_CONNECTED], 0);
    }
  else if (state == NICE_COMPONENT_STATE_FAILED)
    {
      /* After connecting, FAILED with consent freshness on means the peer
       * stopped answering consent checks (RFC 7675). */
      fail (self, self->connected ? _("Connection lost: the peer stopped answering consent checks")
              : self->restarts > 0 ? _("ICE restart failed: no candidate pair worked")
              : _("ICE failed: no candidate pair worked"));
    }
}

static gboolean
on_network_settled (gpointer user_data)
{
  HollerIce *self = user_data;

  self->settle_id = 0;
  if (!self->closed)
    g_signal_emit (self, signals[SIGNAL_NETWORK_CHANGED], 0);
  return G_SOURCE_REMOVE;
}

static void
on_network_changed (GNetworkMonitor *monitor, gboolean available, gpointer user_data)
{
  HollerIce *self = user_data;

  g_clear_handle_id (&self->settle_id, g_source_remove);
  self->settle_id = g_timeout_add (NETWORK_SETTLE_MS, on_network_settled, self);
}

static void
on_receive (NiceAgent *agent, guint stream_id, guint component_id,
            guint len, gchar *buf, gpointer user_data)
{
  HollerIce *self = user_data;

  if (self->receive_func != NULL && len > 0)
    self->receive_func ((const guint8 *) buf, len, self->receive_data);
}

static void
on_agent_closed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_debug ("agent closed (TURN allocations released)");
}

static void
holler_ice_dispose (GObject *object)
{
  HollerIce *self = HOLLER_ICE (object);

  holler_ice_close (self);
  g_clear_handle_id (&self->settle_id, g_source_remove);
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->monitor);
  /* With TURN: releases the allocations and lets pending STUN work
   * finish; the task keeps the agent alive until then. Without TURN the
   * last unref frees the agent (and its streams' contexts) at once. */
  if (self->agent != NULL && self->servers != NULL && holler_ice_servers_have_turn (self->servers))
    nice_agent_close_async (self->agent, on_agent_closed, NULL);
  g_clear_object (&self->agent);
  G_OBJECT_CLASS (holler_ice_parent_class)->dispose (object);
}

static void
holler_ice_finalize (GObject *object)
{
  HollerIce *self = HOLLER_ICE (object);

  g_mutex_clear (&self->pair_lock);
  g_array_unref (self->gathered);
  g_array_unref (self->doomed);
  g_array_unref (self->retiring);
  g_object_unref (self->cancellable);
  /* in finalize: the agent (kept by its close task) may still signal
   * until our handlers go with the last reference */
  g_clear_object (&self->servers);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (holler_ice_parent_class)->finalize (object);
}

static void
holler_ice_class_init (HollerIceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = holler_ice_dispose;
  object_class->finalize = holler_ice_finalize;

  signals[SIGNAL_LOCAL_CANDIDATE] = g_signal_new ("local-candidate", G_TYPE_FROM_CLASS (klass),
                                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                  G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_GATHERING_DONE] = g_signal_new ("gathering-done", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                 G_TYPE_NONE, 0);
  signals[SIGNAL_CONNECTED] = g_signal_new ("connected", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 0);
  signals[SIGNAL_FAILED] = g_signal_new ("failed", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 1, G_TYPE_ERROR);
  signals[SIGNAL_WARNING] = g_signal_new ("warning", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_NETWORK_CHANGED] = g_signal_new ("network-changed", G_TYPE_FROM_CLASS (klass),
                                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                  G_TYPE_NONE, 0);
}

static void
holler_ice_init (HollerIce *self)
{
  g_mutex_init (&self->pair_lock);
  self->gathered = g_array_new (FALSE, FALSE, sizeof (guint));
  self->doomed = g_array_new (FALSE, FALSE, sizeof (guint));
  self->retiring = g_array_new (FALSE, FALSE, sizeof (guint));
  self->cancellable = g_cancellable_new ();
}

static gboolean
add_local_address (NiceAgent *agent, const char *ip)
{
  NiceAddress addr;

  if (!nice_address_set_from_string (&addr, ip))
    return FALSE;
  return nice_agent_add_local_address (agent, &addr);
}

static guint
add_stream (HollerIce *self)
{
  guint id = nice_agent_add_stream (self->agent, 1);

  nice_agent_set_stream_name (self->agent, id, "audio");
  nice_agent_attach_recv (self->agent, id, COMPONENT_ID, self->context, on_receive, self);
  return id;
}

HollerIce *
holler_ice_new (GMainContext *context, gboolean controlling, const HollerIceConfig *config)
{
  HollerIce *self = g_object_new (HOLLER_TYPE_ICE, NULL);

  self->context = g_main_context_ref (context ? context : g_main_context_default ());
  self->agent = nice_agent_new_full (self->context, NICE_COMPATIBILITY_RFC5245,
                                     NICE_AGENT_OPTION_ICE_TRICKLE |
                                     NICE_AGENT_OPTION_CONSENT_FRESHNESS);
  /* UPnP would multicast SSDP discovery to the LAN; ICE-TCP is not used
   * by browsers for audio to a peer like us and doubles the checks. */
  g_object_set (self->agent,
                "upnp", FALSE,
                "ice-tcp", FALSE,
                "controlling-mode", controlling,
                NULL);
  self->servers = holler_ice_servers_new (config);
  g_signal_connect_object (self->servers, "warning", G_CALLBACK (on_servers_warning), self, 0);
  if (config != NULL)
    {
      self->relay_only = config->relay_only;
      /* Only relayed candidates are paired (and we trickle only those). */
      g_object_set (self->agent, "force-relay", self->relay_only, NULL);
    }

  if (config != NULL && config->addresses != NULL && config->addresses[0] != NULL)
    {
      for (gsize i = 0; config->addresses[i] != NULL; i++)
        if (!add_local_address (self->agent, config->addresses[i]))
          g_warning ("Ignoring unusable local address “%s”", config->addresses[i]);
    }
  else if (config != NULL && config->allow_loopback)
    {
      /* libnice leaves loopback out of its default gathering. */
      GList *ips = nice_interfaces_get_local_ips (TRUE);

      for (GList *l = ips; l != NULL; l = l->next)
        add_local_address (self->agent, l->data);
      g_list_free_full (ips, g_free);
    }

  g_signal_connect_object (self->agent, "new-candidate-full", G_CALLBACK (on_new_candidate), self, 0);
  g_signal_connect_object (self->agent, "candidate-gathering-done", G_CALLBACK (on_gathering_done), self, 0);
  g_signal_connect_object (self->agent, "new-selected-pair-full", G_CALLBACK (on_selected_pair), self, 0);
  g_signal_connect_object (self->agent, "component-state-changed",
                           G_CALLBACK (on_component_state_changed), self, 0);

  self->stream_id = add_stream (self);
  /* Netlink: address and route changes, to notice a vanished address */
  self->monitor = g_object_ref (g_network_monitor_get_default ());
  g_signal_connect (self->monitor, "network-changed", G_CALLBACK (on_network_changed), self);
  return self;
}

static gboolean
start_gathering (HollerIce *self, GError **error)
{
  /* Servers are looked up and given to libnice here, once the caller
   * listens to our "warning" signal. */
  holler_ice_servers_apply (self->servers, self->agent, newest_stream (self));
  if (!nice_agent_gather_candidates (self->agent, newest_stream (self)))
    {
      g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_ICE_FAILED,
                           _("Could not gather ICE candidates (no usable local address?)"));
      return FALSE;
    }
  return TRUE;
}

static void
on_servers_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  HollerIce *self = user_data;
  g_autoptr(GError) error = NULL;

  /* cancelled (and self perhaps gone) when the HollerIce was closed */
  if (!holler_ice_servers_wait_finish (HOLLER_ICE_SERVERS (source), result, &error))
    return;
  self->waiting_for_servers = FALSE;
  g_debug ("STUN probe waited for: gathering");
  if (!start_gathering (self, &error))
    fail (self, error->message);
}

gboolean
holler_ice_gather (HollerIce *self, GError **error)
{
  /* Several STUN servers and a probe still running (the process has just
   * started, or the network changed): libnice takes one STUN server and
   * reads it when gathering starts, so gathering waits for the first
   * answer (bounded, HOLLER_SERVER_WATCH_WAIT_MS from the probe's start). */
  if (self->waiting_for_servers)
    return TRUE;   /* a restart while waiting: the newest stream gathers then */
  if (holler_ice_servers_must_wait (self->servers))
    {
      g_debug ("waiting for the STUN probe");
      self->waiting_for_servers = TRUE;
      holler_ice_servers_wait_async (self->servers, self->cancellable, on_servers_ready, self);
      return TRUE;
    }
  return start_gathering (self, error);
}

void
holler_ice_get_local_credentials (HollerIce *self, char **ufrag, char **pwd)
{
  nice_agent_get_local_credentials (self->agent, newest_stream (self), ufrag, pwd);
}

gboolean
holler_ice_set_remote_credentials (HollerIce *self, const char *ufrag, const char *pwd, GError **error)
{
  if (!nice_agent_set_remote_credentials (self->agent, newest_stream (self), ufrag, pwd))
    {
      g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_SDP,
                           _("The peer's ICE credentials were refused"));
      return FALSE;
    }
  return TRUE;
}

gboolean
holler_ice_add_remote_candidate (HollerIce *self, const char *candidate, GError **error)
{
  g_autofree char *line = g_str_has_prefix (candidate, "a=") ? g_strdup (candidate)
                                                            : g_strconcat ("a=", candidate, NULL);
  g_auto(GStrv) fields = g_strsplit (candidate, " ", 8);
  NiceCandidate *cand;
  GSList *list;
  int added;

  /* candidate:<foundation> <component> <transport> <prio> <address> <port> typ <type> */
  if (g_strv_length (fields) >= 5 && g_str_has_suffix (fields[4], ".local"))
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_MESSAGE,
                   _("Skipping mDNS candidate %s (not resolved)"), fields[4]);
      return FALSE;
    }
  if (g_strv_length (fields) >= 3 && g_ascii_strcasecmp (fields[2], "udp") != 0)
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_MESSAGE,
                   _("Skipping %s candidate (only UDP is used)"), fields[2]);
      return FALSE;
    }

  cand = nice_agent_parse_remote_candidate_sdp (self->agent, newest_stream (self), line);
  if (cand == NULL)
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_MESSAGE,
                   _("Not a valid ICE candidate: “%s”"), candidate);
      return FALSE;
    }
  if (cand->component_id != COMPONENT_ID)
    {
      nice_candidate_free (cand);
      g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_MESSAGE,
                           _("Skipping RTCP component candidate (rtcp-mux is used)"));
      return FALSE;
    }
  list = g_slist_append (NULL, cand);
  added = nice_agent_set_remote_candidates (self->agent, newest_stream (self), COMPONENT_ID, list);
  g_slist_free_full (list, (GDestroyNotify) nice_candidate_free);
  if (added < 1)
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_MESSAGE,
                   _("ICE candidate not accepted: “%s”"), candidate);
      return FALSE;
    }
  return TRUE;
}

void
holler_ice_remote_gathering_done (HollerIce *self)
{
  nice_agent_peer_candidate_gathering_done (self->agent, newest_stream (self));
}

void
holler_ice_set_receive_func (HollerIce *self, HollerIceReceiveFunc func, gpointer user_data)
{
  self->receive_func = func;
  self->receive_data = user_data;
}

gboolean
holler_ice_send (HollerIce *self, const guint8 *data, gsize len)
{
  if (self->closed || self->agent == NULL)
    return FALSE;
  return nice_agent_send (self->agent, g_atomic_int_get (&self->stream_id), COMPONENT_ID, len,
                          (const gchar *) data) == (gint) len;
}

gboolean
holler_ice_get_selected_pair (HollerIce *self, HollerIcePair *pair)
{
  gboolean have;

  g_mutex_lock (&self->pair_lock);
  have = self->have_pair;
  if (have)
    *pair = self->pair;
  g_mutex_unlock (&self->pair_lock);
  return have;
}

void
holler_ice_close (HollerIce *self)
{
  if (self->closed || self->agent == NULL)
    return;
  self->closed = TRUE;
  self->receive_func = NULL;
  g_cancellable_cancel (self->cancellable);
  if (self->new_stream_id != 0)
    remove_stream (self, self->new_stream_id);
  remove_stream (self, self->stream_id);
  g_clear_handle_id (&self->retire_id, g_source_remove);
  on_retire (self);
}

void
holler_ice_restart (HollerIce *self)
{
  g_return_if_fail (!self->closed);
  /* A second restart before the first connected replaces it. */
  if (self->new_stream_id != 0)
    remove_stream (self, self->new_stream_id);
  self->new_stream_id = add_stream (self);
  self->restarts++;
  self->connected = FALSE;
  self->failed = FALSE;
  holler_ice_servers_reset (self->servers);
  g_debug ("ICE restart %u: stream %u replaces %u", self->restarts, self->new_stream_id, self->stream_id);
}

gboolean
holler_ice_is_restarting (HollerIce *self)
{
  return self->new_stream_id != 0;
}

gboolean
holler_ice_local_address_present (HollerIce *self)
{
  /* no pair yet, or a relay: consent checks watch those */
  return self->pair_base_ip[0] == '\0' || holler_net_address_is_local (self->pair_base_ip);
}
