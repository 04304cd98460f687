/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <sofia-sip/sip.h>

G_BEGIN_DECLS

/* What the sip: backend reads from SIP messages sofia-sip has parsed.
 * Every function takes NULL for a missing message. */

/* The body as a string, or NULL */
char       *holler_sip_message_body (const sip_t *sip);
/* sip:user@host of the From header, printable and bounded: the caller's
 * name for people and for the call's "from" */
char       *holler_sip_message_caller (const sip_t *sip);
/* The first Warning's text, or NULL */
const char *holler_sip_message_warning (const sip_t *sip);
/* "Digest:\"realm\":user:password" answering the message's challenge, for
 * nua_authenticate(); NULL without a challenge or a password */
char       *holler_sip_message_credentials (const sip_t *sip, const char *user, const char *password);

G_END_DECLS
