/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the sip: backend reads from parsed SIP messages: the SDP body, the
 * caller, a Warning, the digest challenge. */
#define G_LOG_DOMAIN "holler-signaling"

#include "config.h"
#include <string.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/msg_header.h>
#include "holler-sip-message.h"

#define MAX_CALLER_LENGTH 256

char *
holler_sip_message_body (const sip_t *sip)
{
  if (sip == NULL || sip->sip_payload == NULL || sip->sip_payload->pl_data == NULL)
    return NULL;
  return g_strndup (sip->sip_payload->pl_data, sip->sip_payload->pl_len);
}

char *
holler_sip_message_caller (const sip_t *sip)
{
  const url_t *url = sip && sip->sip_from ? sip->sip_from->a_url : NULL;
  g_autofree char *name = NULL;

  if (url == NULL || url->url_host == NULL)
    return g_strdup ("sip:anonymous@invalid");
  name = g_strdup_printf ("%s:%s%s%s", url->url_type == url_sips ? "sips" : "sip",
                          url->url_user ? url->url_user : "", url->url_user ? "@" : "", url->url_host);
  if (strlen (name) > MAX_CALLER_LENGTH)
    name[MAX_CALLER_LENGTH] = '\0';
  return g_strcanon (g_steal_pointer (&name),
                     "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!~*'()%&=+$,:@[]",
                     '_');
}

const char *
holler_sip_message_warning (const sip_t *sip)
{
  return sip && sip->sip_warning ? sip->sip_warning->w_text : NULL;
}

char *
holler_sip_message_credentials (const sip_t *sip, const char *user, const char *password)
{
  const msg_auth_t *auth;
  const char *realm;

  if (sip == NULL || password == NULL)
    return NULL;
  auth = sip->sip_www_authenticate ? sip->sip_www_authenticate : sip->sip_proxy_authenticate;
  if (auth == NULL || auth->au_scheme == NULL)
    return NULL;
  realm = msg_params_find (auth->au_params, "realm=");
  if (realm == NULL)
    return NULL;
  return g_strdup_printf ("%s:%s:%s:%s", auth->au_scheme, realm, user, password);
}
