/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The peer's DTLS certificate against the known peers, after the
 * handshake and before any media (docs/security.md): the first call with
 * an id pins its fingerprint (trust on first use), later calls compare.
 * A changed key is reported loudly and, with strict_peers, ends the call
 * with peer-key-changed before a single packet is decoded. The short
 * authentication string goes out with the result, for the people to read
 * to each other. */
#define G_LOG_DOMAIN "holler-call"

#include "config.h"
#include <glib/gi18n.h>
#include "holler-call-private.h"
#include "holler-known-peers.h"
#include "holler-error.h"

/* Looks the peer up and pins it when new; returns the status. *pinned:
 * the fingerprint known before, when it differs. */
static const char *
check_known_peers (HollerCall *self, const char *fingerprint, char **pinned, GError **error)
{
  const char *path = self->options->known_peers;
  g_autoptr(HollerKnownPeers) peers = NULL;
  const HollerKnownPeer *known;
  const char *status = "unchecked";
  int lock;

  if (self->peer == NULL || path == NULL)
    return status;
  if (!holler_known_peers_id_is_valid (self->peer))
    return status;
  lock = holler_known_peers_lock (path, error);
  if (lock < 0)
    return status;
  peers = holler_known_peers_load (path, error);
  known = peers ? holler_known_peers_lookup (peers, self->peer) : NULL;
  if (peers != NULL && known == NULL)
    {
      if (holler_known_peers_set (peers, self->peer, fingerprint, FALSE, error)
          && holler_known_peers_save (peers, path, error))
        status = "new";
    }
  else if (known != NULL && g_ascii_strcasecmp (known->fingerprint, fingerprint) == 0)
    status = known->verified ? "verified" : "known";
  else if (known != NULL)
    {
      *pinned = g_strdup (known->fingerprint);
      status = "changed";
    }
  holler_known_peers_unlock (lock);
  return status;
}

gboolean
holler_call_trust_peer (HollerCall *self)
{
  const char *fingerprint = holler_transport_get_peer_fingerprint (self->transport);
  g_autofree char *sas = holler_transport_get_sas (self->transport);
  g_autofree char *pinned = NULL;
  g_autoptr(GError) error = NULL;
  HollerCallEvent event = { .type = HOLLER_CALL_EVENT_PEER };

  event.peer.status = check_known_peers (self, fingerprint, &pinned, &error);
  event.peer.id = self->peer;
  event.peer.fingerprint = fingerprint;
  event.peer.pinned = pinned;
  event.peer.sas = sas;
  if (error != NULL)
    holler_call_warn (self, _("Cannot check the peer against the known peers: %s"), error->message);
  holler_call_emit (self, &event);
  if (self->options->strict_peers && g_str_equal (event.peer.status, "changed"))
    {
      g_autofree char *message =
        g_strdup_printf (_("The key of %s is not the one known for it: ending the call before any audio "
                           "(--strict-peers)"), self->peer);

      holler_call_end (self, "peer-key-changed", TRUE, TRUE, message);
      return FALSE;
    }
  return TRUE;
}
