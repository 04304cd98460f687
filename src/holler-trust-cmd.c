/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* holler identity: what peers see of us; holler peers: whom we know
 * (docs/security.md). */
#define G_LOG_DOMAIN "holler"

#include "config.h"
#include <stdio.h>
#include <glib/gi18n.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include "holler-trust-cmd.h"
#include "holler-identity.h"
#include "holler-known-peers.h"

#define EXIT_USAGE 2

int
holler_identity_main (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *short_form = NULL;
  EVP_PKEY *key = NULL;
  X509 *cert = NULL;
  gboolean service = FALSE, created;
  GOptionEntry entries[] = {
    { "service", 0, 0, G_OPTION_ARG_NONE, &service, N_("The answering service’s identity"), NULL },
    { NULL }
  };

  g_option_context_set_summary (context, _("Show our identity: the fingerprint of the certificate peers "
                                           "see (made on first use) and a short form to compare."));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "holler identity: %s\n", error->message);
      return EXIT_USAGE;
    }
  if (argc > 1)
    {
      fprintf (stderr, _("holler %s: unexpected argument “%s”\n"), "identity", argv[1]);
      return EXIT_USAGE;
    }
  path = holler_identity_default_path (service);
  if (!holler_identity_load (path, &key, &cert, &created, &error))
    {
      fprintf (stderr, "holler: %s\n", error->message);
      return EXIT_USAGE;
    }
  fingerprint = holler_identity_fingerprint (cert);
  EVP_PKEY_free (key);
  X509_free (cert);
  if (fingerprint == NULL)
    return EXIT_USAGE;
  short_form = holler_identity_short_fingerprint (fingerprint);
  if (created)
    fprintf (stderr, _("Made a new identity in %s\n"), path);
  printf ("sha-256 %s\n%s\n", fingerprint, short_form);
  return 0;
}

static int
peers_list (const HollerKnownPeers *peers)
{
  for (guint i = 0; i < holler_known_peers_get_n (peers); i++)
    {
      const HollerKnownPeer *peer = holler_known_peers_get (peers, i);

      printf ("%s sha-256 %s%s\n", peer->id, peer->fingerprint, peer->verified ? " verified" : "");
    }
  return 0;
}

/* forget, trust and verify: the file changed under its lock */
static int
peers_change (const char *path, HollerKnownPeers *peers, char **args, int n_args)
{
  g_autoptr(GError) error = NULL;
  const char *what = args[0];
  g_autofree char *fingerprint = NULL;
  const HollerKnownPeer *peer;

  /* trust ID FINGERPRINT, or as the file and `holler identity` write it:
   * trust ID sha-256 FINGERPRINT */
  if (g_str_equal (what, "trust") && n_args == 4 && g_ascii_strcasecmp (args[2], "sha-256") == 0)
    fingerprint = g_strdup (args[3]);
  else if (g_str_equal (what, "trust") && n_args == 3)
    fingerprint = g_strdup (args[2]);
  if (g_str_equal (what, "trust") ? fingerprint == NULL : n_args != 2)
    {
      fprintf (stderr, "%s\n", _("Usage: holler peers list | forget ID | trust ID FINGERPRINT | verify ID"));
      return EXIT_USAGE;
    }
  peer = holler_known_peers_lookup (peers, args[1]);
  if (g_str_equal (what, "forget") && !holler_known_peers_remove (peers, args[1]))
    {
      fprintf (stderr, _("holler peers: “%s” is not a known peer\n"), args[1]);
      return 1;
    }
  if (g_str_equal (what, "verify") && peer == NULL)
    {
      fprintf (stderr, _("holler peers: “%s” is not a known peer: call it first, or trust its fingerprint\n"),
               args[1]);
      return 1;
    }
  if ((g_str_equal (what, "verify")
       && !holler_known_peers_set (peers, args[1], peer->fingerprint, TRUE, &error))
      || (g_str_equal (what, "trust") && !holler_known_peers_set (peers, args[1], fingerprint, TRUE, &error))
      || !holler_known_peers_save (peers, path, &error))
    {
      fprintf (stderr, "holler peers: %s\n", error->message);
      return EXIT_USAGE;
    }
  return 0;
}

int
holler_peers_main (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("list | forget ID | trust ID FINGERPRINT | verify ID"));
  g_autoptr(GError) error = NULL;
  g_autoptr(HollerKnownPeers) peers = NULL;
  g_autofree char *path = holler_known_peers_default_path ();
  const char *what;
  int lock, status;

  g_option_context_set_summary (context, _("The known peers: the fingerprint pinned for each peer id on "
                                           "the first call (trust on first use)."));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "holler peers: %s\n", error->message);
      return EXIT_USAGE;
    }
  what = argc > 1 ? argv[1] : "list";
  if (!g_str_equal (what, "list") && !g_str_equal (what, "forget") && !g_str_equal (what, "trust")
      && !g_str_equal (what, "verify"))
    {
      fprintf (stderr, "%s\n", _("Usage: holler peers list | forget ID | trust ID FINGERPRINT | verify ID"));
      return EXIT_USAGE;
    }
  /* a reader sees a whole file (writers rename): only changes lock */
  lock = g_str_equal (what, "list") ? -1 : holler_known_peers_lock (path, &error);
  if ((lock < 0 && error != NULL) || (peers = holler_known_peers_load (path, &error)) == NULL)
    {
      holler_known_peers_unlock (lock);
      fprintf (stderr, "holler peers: %s\n", error->message);
      return EXIT_USAGE;
    }
  if (g_str_equal (what, "list") && argc > 2)
    {
      fprintf (stderr, "%s\n", _("Usage: holler peers list | forget ID | trust ID FINGERPRINT | verify ID"));
      status = EXIT_USAGE;
    }
  else if (g_str_equal (what, "list"))
    status = peers_list (peers);
  else
    status = peers_change (path, peers, argv + 1, argc - 1);
  holler_known_peers_unlock (lock);
  return status;
}
