/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* holler identity: what peers see of us (docs/security.md). */
#define G_LOG_DOMAIN "holler"

#include "config.h"
#include <stdio.h>
#include <glib/gi18n.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include "holler-trust-cmd.h"
#include "holler-identity.h"

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
