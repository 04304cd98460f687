/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The STUN and TURN servers one HollerIce gives to libnice, chosen with
 * the process's knowledge of which ones answer (HollerServerWatch). */
#define G_LOG_DOMAIN "holler-ice"

#include "config.h"
#include <string.h>
#include <glib/gi18n.h>
#include <gio/gio.h>
#include "holler-ice-servers.h"
#include "holler-server-watch.h"

/* Lifetime of TURN REST credentials (coturn checks the expiry in the
 * username at allocation time and on refreshes). */
#define TURN_REST_TTL_S (24 * 3600)
/* libnice's relayed candidates have type preference 30 over UDP and 20
 * over TCP/TLS (the top byte of the priority). */
#define RELAY_UDP_TYPE_PREF 30

enum { SIGNAL_WARNING, N_SIGNALS };
static guint signals[N_SIGNALS];

/* One TURN server given to libnice, to tell whether it gave a candidate. */
typedef struct {
  HollerIceServerKind kind;
  guint index;        /* in the configured list */
  NiceAddress addr;
  char *name;
  gboolean got_relay;
} TurnEntry;

struct _HollerIceServers
{
  GObject parent_instance;

  GPtrArray *stun_servers;  /* HollerIceServer, as configured */
  GPtrArray *turn_servers;  /* HollerIceServer, as configured */
  char *turn_secret;
  char *turn_rest_id;
  GPtrArray *turns;         /* TurnEntry: the TURN servers given to libnice */
  HollerServerWatch *watch; /* NULL: at most one server of each kind */
};

G_DEFINE_TYPE (HollerIceServers, holler_ice_servers, G_TYPE_OBJECT)

static void
turn_entry_free (TurnEntry *entry)
{
  g_free (entry->name);
  g_free (entry);
}

static void
warn (HollerIceServers *self, const char *text)
{
  g_signal_emit (self, signals[SIGNAL_WARNING], 0, text);
}

static HollerStunProbeStatus
status_of (HollerIceServers *self, gboolean turn, guint index)
{
  GPtrArray *configured = turn ? self->turn_servers : self->stun_servers;

  /* with one server there is nothing to choose, so nothing was probed */
  if (self->watch == NULL || configured->len < 2)
    return HOLLER_STUN_PROBE_PENDING;
  return holler_server_watch_get_status (self->watch, turn, index);
}

char *
holler_ice_server_display_name (const HollerIceServer *server)
{
  const char *scheme = server->kind == HOLLER_ICE_SERVER_STUN ? "stun"
                       : server->kind == HOLLER_ICE_SERVER_TURN_TLS ? "turns" : "turn";
  gboolean v6 = strchr (server->host, ':') != NULL;

  return g_strdup_printf ("%s:%s%s%s:%u%s", scheme, v6 ? "[" : "", server->host, v6 ? "]" : "", server->port,
                          server->kind == HOLLER_ICE_SERVER_TURN_UDP ? "?transport=udp"
                          : server->kind == HOLLER_ICE_SERVER_TURN_TCP ? "?transport=tcp" : "");
}

/* libnice wants IP addresses; names are looked up here (blocking, once
 * per call). */
static gboolean
resolve_server (const HollerIceServer *server, NiceAddress *addr, GError **error)
{
  g_autoptr(GResolver) resolver = NULL;
  GList *list;

  if (!nice_address_set_from_string (addr, server->host))
    {
      resolver = g_resolver_get_default ();
      list = g_resolver_lookup_by_name (resolver, server->host, NULL, error);
      if (list == NULL)
        return FALSE;
      g_autofree char *ip = g_inet_address_to_string (list->data);
      g_resolver_free_addresses (list);
      nice_address_set_from_string (addr, ip);
    }
  nice_address_set_port (addr, server->port);
  return TRUE;
}

static NiceRelayType
relay_type (HollerIceServerKind kind)
{
  return kind == HOLLER_ICE_SERVER_TURN_TCP ? NICE_RELAY_TYPE_TURN_TCP
         : kind == HOLLER_ICE_SERVER_TURN_TLS ? NICE_RELAY_TYPE_TURN_TLS : NICE_RELAY_TYPE_TURN_UDP;
}

/* Known dead (with several servers of its kind): warns and returns TRUE. */
static gboolean
skip_dead (HollerIceServers *self, gboolean turn, guint index, const char *name)
{
  HollerStunProbeStatus status = status_of (self, turn, index);
  g_autofree char *text = NULL;

  if (status == HOLLER_STUN_PROBE_SILENT)
    text = g_strdup_printf (turn ? _("TURN server %s did not answer: not used")
                                 : _("STUN server %s did not answer: not used"), name);
  else if (status == HOLLER_STUN_PROBE_REFUSED)
    text = g_strdup_printf (turn ? _("TURN server %s is unreachable or refused: not used")
                                 : _("STUN server %s is unreachable or refused: not used"), name);
  if (text != NULL)
    warn (self, text);
  return text != NULL;
}

static void
configure_turn_server (HollerIceServers *self, NiceAgent *agent, guint stream_id, guint index)
{
  const HollerIceServer *server = g_ptr_array_index (self->turn_servers, index);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = holler_ice_server_display_name (server);
  g_autofree char *username = NULL;
  g_autofree char *password = NULL;
  char ip[NICE_ADDRESS_STRING_LEN];
  TurnEntry *entry;
  NiceAddress addr;

  if (skip_dead (self, TRUE, index, name))
    return;
  if (!resolve_server (server, &addr, &error))
    {
      g_autofree char *text = g_strdup_printf (_("TURN server %s: %s"), name, error->message);
      warn (self, text);
      return;
    }
  if (self->turn_secret != NULL)
    username = holler_ice_turn_rest_credentials (self->turn_secret,
                                                 server->username ? server->username : self->turn_rest_id,
                                                 g_get_real_time () / G_USEC_PER_SEC + TURN_REST_TTL_S,
                                                 &password);
  else
    {
      username = g_strdup (server->username);
      password = g_strdup (server->password);
    }
  nice_address_to_string (&addr, ip);
  if (username == NULL
      || !nice_agent_set_relay_info (agent, stream_id, 1, ip, server->port,
                                     username, password, relay_type (server->kind)))
    {
      g_autofree char *text = g_strdup_printf (_("TURN server %s could not be used (no credentials?)"), name);
      warn (self, text);
      return;
    }
  entry = g_new0 (TurnEntry, 1);
  entry->kind = server->kind;
  entry->index = index;
  entry->addr = addr;
  entry->name = g_steal_pointer (&name);
  g_ptr_array_add (self->turns, entry);
}

static gboolean
is_turn_udp_address (HollerIceServers *self, const NiceAddress *addr)
{
  for (guint i = 0; i < self->turns->len; i++)
    {
      TurnEntry *entry = g_ptr_array_index (self->turns, i);

      if (entry->kind == HOLLER_ICE_SERVER_TURN_UDP && nice_address_equal (&entry->addr, addr))
        return TRUE;
    }
  return FALSE;
}

/* Gives STUN server @index to libnice, unless its name does not resolve
 * or it is also a TURN server over UDP (the TURN allocation already gives
 * the server-reflexive candidate, and libnice drops Binding responses
 * from a server it also uses for TURN, which stalls gathering). */
static gboolean
try_stun_server (HollerIceServers *self, NiceAgent *agent, guint index)
{
  const HollerIceServer *server = g_ptr_array_index (self->stun_servers, index);
  g_autofree char *name = holler_ice_server_display_name (server);
  g_autoptr(GError) error = NULL;
  char ip[NICE_ADDRESS_STRING_LEN];
  NiceAddress addr;

  if (!resolve_server (server, &addr, &error))
    {
      g_autofree char *text = g_strdup_printf (_("STUN server %s: %s"), name, error->message);
      warn (self, text);
      return FALSE;
    }
  if (is_turn_udp_address (self, &addr))
    {
      g_debug ("%s is also a TURN server: its allocation gives the reflexive candidate", name);
      return FALSE;
    }
  nice_address_to_string (&addr, ip);
  g_object_set (agent, "stun-server", ip, "stun-server-port", (guint) server->port, NULL);
  g_debug ("STUN server %s (%s), %s", name, ip, holler_stun_probe_status_name (status_of (self, FALSE, index)));
  return TRUE;
}

/* Servers that did not answer while a later one did */
static void
warn_passed_over (HollerIceServers *self, guint chosen)
{
  g_autofree char *chosen_name = holler_ice_server_display_name (g_ptr_array_index (self->stun_servers, chosen));

  if (status_of (self, FALSE, chosen) != HOLLER_STUN_PROBE_ANSWERED)
    return;
  for (guint i = 0; i < chosen; i++)
    if (status_of (self, FALSE, i) == HOLLER_STUN_PROBE_PENDING)
      {
        g_autofree char *name = holler_ice_server_display_name (g_ptr_array_index (self->stun_servers, i));
        g_autofree char *text = g_strdup_printf (_("STUN server %s has not answered: using %s"),
                                                 name, chosen_name);
        warn (self, text);
      }
}

/* libnice takes one STUN server: the first that answered the probe, else
 * the first whose state is unknown (libnice asks it longer than the probe
 * does); servers known to be dead are reported and skipped. */
static void
configure_stun_server (HollerIceServers *self, NiceAgent *agent)
{
  static const HollerStunProbeStatus preference[] = { HOLLER_STUN_PROBE_ANSWERED, HOLLER_STUN_PROBE_PENDING };
  guint dead = 0;

  for (guint i = 0; i < self->stun_servers->len; i++)
    {
      g_autofree char *name = holler_ice_server_display_name (g_ptr_array_index (self->stun_servers, i));

      dead += skip_dead (self, FALSE, i, name);
    }
  for (guint p = 0; p < G_N_ELEMENTS (preference); p++)
    for (guint i = 0; i < self->stun_servers->len; i++)
      if (status_of (self, FALSE, i) == preference[p] && try_stun_server (self, agent, i))
        {
          warn_passed_over (self, i);
          return;
        }
  if (dead > 0 && dead == self->stun_servers->len)
    warn (self, _("No STUN server answered: no server-reflexive candidates"));
}

static gboolean
relay_over_udp (const NiceCandidate *candidate)
{
  return (candidate->priority >> 24) == RELAY_UDP_TYPE_PREF;
}

static void
holler_ice_servers_finalize (GObject *object)
{
  HollerIceServers *self = HOLLER_ICE_SERVERS (object);

  g_ptr_array_unref (self->stun_servers);
  g_ptr_array_unref (self->turn_servers);
  g_ptr_array_unref (self->turns);
  g_free (self->turn_secret);
  g_free (self->turn_rest_id);
  g_clear_object (&self->watch);
  G_OBJECT_CLASS (holler_ice_servers_parent_class)->finalize (object);
}

static void
holler_ice_servers_class_init (HollerIceServersClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = holler_ice_servers_finalize;
  signals[SIGNAL_WARNING] = g_signal_new ("warning", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
holler_ice_servers_init (HollerIceServers *self)
{
  self->turns = g_ptr_array_new_with_free_func ((GDestroyNotify) turn_entry_free);
}

static GPtrArray *
parse_servers (const char * const *uris, gboolean turn)
{
  GPtrArray *servers = g_ptr_array_new_with_free_func ((GDestroyNotify) holler_ice_server_free);

  for (gsize i = 0; uris != NULL && uris[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      HollerIceServer *server = holler_ice_server_parse (uris[i], turn, &error);

      /* Options were validated; anything left is a programming error. */
      if (server == NULL)
        g_warning ("%s", error->message);
      else
        g_ptr_array_add (servers, server);
    }
  return servers;
}

HollerIceServers *
holler_ice_servers_new (const HollerIceConfig *config)
{
  HollerIceServers *self = g_object_new (HOLLER_TYPE_ICE_SERVERS, NULL);

  self->stun_servers = parse_servers (config ? config->stun_servers : NULL, FALSE);
  self->turn_servers = parse_servers (config ? config->turn_servers : NULL, TRUE);
  if (config != NULL)
    {
      self->turn_secret = g_strdup (config->turn_secret);
      self->turn_rest_id = g_strdup (config->turn_rest_id);
      self->watch = holler_server_watch_get (config->stun_servers, config->turn_servers);
    }
  return self;
}

gboolean
holler_ice_servers_must_wait (HollerIceServers *self)
{
  return self->watch != NULL && self->stun_servers->len > 1 && holler_server_watch_is_probing (self->watch);
}

static void
on_watch_waited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (holler_server_watch_wait_finish (HOLLER_SERVER_WATCH (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

void
holler_ice_servers_wait_async (HollerIceServers *self, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, holler_ice_servers_wait_async);
  if (self->watch == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  holler_server_watch_wait_async (self->watch, cancellable, on_watch_waited, g_steal_pointer (&task));
}

gboolean
holler_ice_servers_wait_finish (HollerIceServers *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
holler_ice_servers_apply (HollerIceServers *self, NiceAgent *agent, guint stream_id)
{
  for (guint i = 0; i < self->turn_servers->len; i++)
    configure_turn_server (self, agent, stream_id, i);
  configure_stun_server (self, agent);
}

/* libnice's copies of candidates do not say which TURN server a relayed
 * one came from, only (by its priority) whether it runs over UDP or a
 * stream (TCP/TLS); so a relay candidate counts for every configured
 * server of its class. */
void
holler_ice_servers_note_candidate (HollerIceServers *self, const NiceCandidate *candidate)
{
  if (candidate->type != NICE_CANDIDATE_TYPE_RELAYED)
    return;
  for (guint i = 0; i < self->turns->len; i++)
    {
      TurnEntry *entry = g_ptr_array_index (self->turns, i);

      if ((entry->kind == HOLLER_ICE_SERVER_TURN_UDP) == relay_over_udp (candidate))
        entry->got_relay = TRUE;
    }
}

gboolean
holler_ice_servers_check_relays (HollerIceServers *self)
{
  gboolean any_relay = FALSE;

  for (guint i = 0; i < self->turns->len; i++)
    {
      TurnEntry *entry = g_ptr_array_index (self->turns, i);
      HollerStunProbeStatus status = status_of (self, TRUE, entry->index);
      g_autofree char *text = NULL;

      any_relay |= entry->got_relay;
      /* a relay of its class may have come from another server: the
       * probe tells a dead one apart */
      if (status == HOLLER_STUN_PROBE_SILENT || status == HOLLER_STUN_PROBE_REFUSED)
        text = g_strdup_printf (_("TURN server %s gave no relay candidate (it did not answer)"), entry->name);
      else if (!entry->got_relay)
        text = g_strdup_printf (_("TURN server %s gave no relay candidate (unreachable or refused credentials)"),
                                entry->name);
      if (text != NULL)
        warn (self, text);
    }
  return any_relay;
}

const char *
holler_ice_servers_relay_transport (HollerIceServers *self, const NiceCandidate *candidate)
{
  gboolean tls = FALSE, tcp = FALSE;

  if (relay_over_udp (candidate))
    return "udp";
  for (guint i = 0; i < self->turns->len; i++)
    {
      TurnEntry *entry = g_ptr_array_index (self->turns, i);

      tls |= entry->kind == HOLLER_ICE_SERVER_TURN_TLS;
      tcp |= entry->kind == HOLLER_ICE_SERVER_TURN_TCP;
    }
  return tls && !tcp ? "tls" : "tcp";
}

gboolean
holler_ice_servers_have_turn (HollerIceServers *self)
{
  return self->turns->len > 0;
}

void
holler_ice_servers_reset (HollerIceServers *self)
{
  g_ptr_array_set_size (self->turns, 0);
}
