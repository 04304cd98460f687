/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the known-peers file (holler_known_peers_parse()).
 * Whatever it accepts must write back to text that parses to the same
 * list, and every peer it holds must be a valid id with a canonical
 * fingerprint; whatever it refuses must say which line, in UTF-8. */
#include <string.h>
#include "fuzz-common.h"
#include "holler-known-peers.h"
#include "holler-error.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_glib ();
  return 0;
}

static void
check_peers (const HollerKnownPeers *peers)
{
  for (guint i = 0; i < holler_known_peers_get_n (peers); i++)
    {
      const HollerKnownPeer *peer = holler_known_peers_get (peers, i);
      g_autofree char *fp = holler_known_peers_normalize_fingerprint (peer->fingerprint);

      FUZZ_CHECK (holler_known_peers_id_is_valid (peer->id), "bad id kept: %s", peer->id);
      FUZZ_CHECK (fp != NULL && g_str_equal (fp, peer->fingerprint), "fingerprint not canonical");
      FUZZ_CHECK (holler_known_peers_lookup (peers, peer->id) == peer, "lookup of %s", peer->id);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HollerKnownPeers) peers = holler_known_peers_parse ((const char *) data, size, &error);
  g_autoptr(HollerKnownPeers) again = NULL;
  g_autofree char *text = NULL;
  g_autofree char *text2 = NULL;

  if (peers == NULL)
    {
      FUZZ_CHECK (g_error_matches (error, HOLLER_ERROR, HOLLER_ERROR_KNOWN_PEERS), "error %s",
                  error ? error->message : "(none)");
      FUZZ_CHECK (strstr (error->message, "line") != NULL || size > HOLLER_KNOWN_PEERS_MAX_SIZE,
                  "no line named: %s", error->message);
      fuzz_check_error_utf8 ("holler_known_peers_parse", error);
      return 0;
    }
  FUZZ_CHECK (error == NULL, "success with an error set");
  check_peers (peers);
  text = holler_known_peers_to_string (peers);
  again = holler_known_peers_parse (text, strlen (text), &error);
  FUZZ_CHECK (again != NULL, "written text does not parse: %s", error ? error->message : "?");
  FUZZ_CHECK (holler_known_peers_get_n (again) == holler_known_peers_get_n (peers), "peer count changed");
  text2 = holler_known_peers_to_string (again);
  FUZZ_CHECK (g_str_equal (text, text2), "writing is not stable");
  /* change it as a call and holler peers do */
  if (holler_known_peers_get_n (peers) > 0)
    {
      g_autofree char *id = g_strdup (holler_known_peers_get (peers, 0)->id);

      FUZZ_CHECK (holler_known_peers_set (peers, id, holler_known_peers_get (peers, 0)->fingerprint, TRUE, NULL),
                  "set of a parsed peer failed");
      FUZZ_CHECK (holler_known_peers_remove (peers, id), "remove of a parsed peer failed");
      FUZZ_CHECK (holler_known_peers_lookup (peers, id) == NULL, "removed peer still there");
    }
  return 0;
}
