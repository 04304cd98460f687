/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Our SIP account, from the signaling URI (docs/sip.md):
 * sip:USER@DOMAIN[:PORT][;transport=udp|tcp] or sips:USER@DOMAIN[:PORT].
 * DOMAIN[:PORT] is the registrar and outbound proxy. */
typedef struct {
  char *aor;          /* sip:alice@example.org (no parameters) */
  char *user;         /* alice: also the digest user name */
  char *hostport;     /* example.org[:5060] */
  char *domain;       /* example.org: for bare callee names */
  char *transport;    /* "udp", "tcp", "tls"; NULL: let SIP choose */
  gboolean sips;
  char *password;     /* NULL: no credentials */
} HollerSipAccount;

void holler_sip_account_free (HollerSipAccount *account);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HollerSipAccount, holler_sip_account_free)

/* HOLLER_ERROR_USAGE for a URI that is not a SIP account. */
HollerSipAccount *holler_sip_account_parse (const char *uri, GError **error);
/* The first line of @path; HOLLER_ERROR_CONFIG when it cannot be read or is empty */
gboolean holler_sip_account_read_password (HollerSipAccount *account, const char *path, GError **error);
/* The registrar / proxy URL: sip:DOMAIN[:PORT][;transport=…] */
char *holler_sip_account_registrar (const HollerSipAccount *account);
/* A callee as a SIP URI: "bob" → sip:bob@DOMAIN, "bob@host" → sip:bob@host,
 * sip:/sips: URIs as they are. NULL (HOLLER_ERROR_USAGE) for what cannot
 * be a SIP address (spaces, controls, <>, quotes). */
char *holler_sip_account_resolve (const HollerSipAccount *account, const char *callee, GError **error);

G_END_DECLS
