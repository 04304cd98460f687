/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One ICE stream with one component (BUNDLE + rtcp-mux), over libnice. */
#define G_LOG_DOMAIN "holler-ice"

#include "config.h"
#include <string.h>
#include <glib/gi18n.h>
#include <nice/agent.h>
#include <nice/interfaces.h>
#include "holler-ice.h"
#include "holler-error.h"

#define COMPONENT_ID 1

enum { SIGNAL_LOCAL_CANDIDATE, SIGNAL_GATHERING_DONE, SIGNAL_CONNECTED, SIGNAL_FAILED, N_SIGNALS };
static guint signals[N_SIGNALS];

struct _HollerIce
{
  GObject parent_instance;

  GMainContext *context;
  NiceAgent *agent;
  guint stream_id;
  gboolean connected;
  gboolean failed;
  gboolean closed;

  HollerIceReceiveFunc receive_func;
  gpointer receive_data;

  GMutex pair_lock;   /* selected pair is read from other threads for stats */
  HollerIcePair pair;
  gboolean have_pair;
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
on_new_candidate (NiceAgent *agent, NiceCandidate *candidate, gpointer user_data)
{
  HollerIce *self = user_data;
  g_autofree char *sdp = nice_agent_generate_local_candidate_sdp (agent, candidate);

  if (sdp == NULL)
    return;
  g_signal_emit (self, signals[SIGNAL_LOCAL_CANDIDATE], 0,
                 g_str_has_prefix (sdp, "a=") ? sdp + 2 : sdp);
}

static void
on_gathering_done (NiceAgent *agent, guint stream_id, gpointer user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_GATHERING_DONE], 0);
}

static void
on_selected_pair (NiceAgent *agent, guint stream_id, guint component_id,
                  NiceCandidate *local, NiceCandidate *remote, gpointer user_data)
{
  HollerIce *self = user_data;

  g_mutex_lock (&self->pair_lock);
  g_strlcpy (self->pair.local_type, candidate_type_name (local->type), sizeof self->pair.local_type);
  g_strlcpy (self->pair.remote_type, candidate_type_name (remote->type), sizeof self->pair.remote_type);
  format_address (&local->addr, self->pair.local_address, sizeof self->pair.local_address);
  format_address (&remote->addr, self->pair.remote_address, sizeof self->pair.remote_address);
  g_strlcpy (self->pair.transport, local->transport == NICE_CANDIDATE_TRANSPORT_UDP ? "udp" : "tcp",
             sizeof self->pair.transport);
  self->have_pair = TRUE;
  g_mutex_unlock (&self->pair_lock);
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

  g_debug ("component state %s", nice_component_state_to_string (state));
  if ((state == NICE_COMPONENT_STATE_CONNECTED || state == NICE_COMPONENT_STATE_READY)
      && !self->connected)
    {
      self->connected = TRUE;
      g_signal_emit (self, signals[SIGNAL_CONNECTED], 0);
    }
  else if (state == NICE_COMPONENT_STATE_FAILED)
    {
      /* After connecting, FAILED with consent freshness on means the peer
       * stopped answering consent checks (RFC 7675). */
      fail (self, self->connected ? _("Connection lost: the peer stopped answering consent checks")
                                  : _("ICE failed: no candidate pair worked"));
    }
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
holler_ice_dispose (GObject *object)
{
  HollerIce *self = HOLLER_ICE (object);

  holler_ice_close (self);
  g_clear_object (&self->agent);
  G_OBJECT_CLASS (holler_ice_parent_class)->dispose (object);
}

static void
holler_ice_finalize (GObject *object)
{
  HollerIce *self = HOLLER_ICE (object);

  g_mutex_clear (&self->pair_lock);
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
}

static void
holler_ice_init (HollerIce *self)
{
  g_mutex_init (&self->pair_lock);
}

static gboolean
add_local_address (NiceAgent *agent, const char *ip)
{
  NiceAddress addr;

  if (!nice_address_set_from_string (&addr, ip))
    return FALSE;
  return nice_agent_add_local_address (agent, &addr);
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

  self->stream_id = nice_agent_add_stream (self->agent, 1);
  nice_agent_set_stream_name (self->agent, self->stream_id, "audio");
  nice_agent_attach_recv (self->agent, self->stream_id, COMPONENT_ID, self->context, on_receive, self);
  return self;
}

gboolean
holler_ice_gather (HollerIce *self, GError **error)
{
  if (!nice_agent_gather_candidates (self->agent, self->stream_id))
    {
      g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_ICE_FAILED,
                           _("Could not gather ICE candidates (no usable local address?)"));
      return FALSE;
    }
  return TRUE;
}

void
holler_ice_get_local_credentials (HollerIce *self, char **ufrag, char **pwd)
{
  nice_agent_get_local_credentials (self->agent, self->stream_id, ufrag, pwd);
}

gboolean
holler_ice_set_remote_credentials (HollerIce *self, const char *ufrag, const char *pwd, GError **error)
{
  if (!nice_agent_set_remote_credentials (self->agent, self->stream_id, ufrag, pwd))
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

  cand = nice_agent_parse_remote_candidate_sdp (self->agent, self->stream_id, line);
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
  added = nice_agent_set_remote_candidates (self->agent, self->stream_id, COMPONENT_ID, list);
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
  nice_agent_peer_candidate_gathering_done (self->agent, self->stream_id);
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
  return nice_agent_send (self->agent, self->stream_id, COMPONENT_ID, len, (const gchar *) data) == (gint) len;
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
  nice_agent_attach_recv (self->agent, self->stream_id, COMPONENT_ID, self->context, NULL, NULL);
  nice_agent_remove_stream (self->agent, self->stream_id);
}
