/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The SIP account named by --signaling sip:USER@DOMAIN, its password file
 * and how callee names become SIP URIs. */
#define G_LOG_DOMAIN "holler-signaling"

#include "config.h"
#include <string.h>
#include <glib/gi18n.h>
#include "holler-sip-account.h"
#include "holler-error.h"

void
holler_sip_account_free (HollerSipAccount *account)
{
  if (account == NULL)
    return;
  g_free (account->aor);
  g_free (account->user);
  g_free (account->hostport);
  g_free (account->domain);
  g_free (account->transport);
  if (account->password != NULL)
    memset (account->password, 0, strlen (account->password));
  g_free (account->password);
  g_free (account);
}

/* Letters, digits and the unreserved and user-part marks of RFC 3261 §25.1 */
static gboolean
is_sip_token (const char *s, const char *extra)
{
  if (s == NULL || *s == '\0' || strlen (s) > 256)
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isalnum (*s) && strchr ("-_.!~*'()%&=+$,;?/", *s) == NULL && strchr (extra, *s) == NULL)
      return FALSE;
  return TRUE;
}

static gboolean
usage (GError **error, const char *uri, const char *why)
{
  g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE,
               _("Bad SIP account “%s”: %s (expected sip:USER@DOMAIN[;transport=udp|tcp])"), uri, why);
  return FALSE;
}

static gboolean
parse_params (HollerSipAccount *account, const char *uri, char **params, GError **error)
{
  for (gsize i = 0; params[i] != NULL; i++)
    {
      if (g_ascii_strncasecmp (params[i], "transport=", 10) != 0)
        return usage (error, uri, _("unknown parameter"));
      g_free (account->transport);   /* the last of repeated ones counts */
      account->transport = g_ascii_strdown (params[i] + 10, -1);
      if (!g_str_equal (account->transport, "udp") && !g_str_equal (account->transport, "tcp")
          && !g_str_equal (account->transport, "tls"))
        return usage (error, uri, _("transport must be udp, tcp or tls"));
    }
  if (account->sips && account->transport != NULL && !g_str_equal (account->transport, "tls"))
    return usage (error, uri, _("sips: needs TLS"));
  /* sofia-sip would connect without checking the registrar's certificate
   * until we configure that: refuse rather than pretend */
  if (account->sips || g_strcmp0 (account->transport, "tls") == 0)
    return usage (error, uri, _("TLS (sips:) is not supported yet"));
  return TRUE;
}

HollerSipAccount *
holler_sip_account_parse (const char *uri, GError **error)
{
  g_autoptr(HollerSipAccount) account = g_new0 (HollerSipAccount, 1);
  g_auto(GStrv) params = NULL;
  const char *rest, *at;
  char *colon, *bracket;

  account->sips = g_ascii_strncasecmp (uri, "sips:", 5) == 0;
  if (!account->sips && g_ascii_strncasecmp (uri, "sip:", 4) != 0)
    return usage (error, uri, _("not a sip: or sips: URI")), NULL;
  rest = uri + (account->sips ? 5 : 4);
  params = g_strsplit (rest, ";", -1);
  at = params[0] != NULL ? strchr (params[0], '@') : NULL;   /* "sip:" alone splits to nothing */
  if (at == NULL || at == params[0])
    return usage (error, uri, _("no user")), NULL;
  account->user = g_strndup (params[0], at - params[0]);
  account->hostport = g_strdup (at + 1);
  if (!is_sip_token (account->user, "") || !is_sip_token (account->hostport, ":[]")
      || strpbrk (account->hostport, ";?/") != NULL)
    return usage (error, uri, _("bad user or domain")), NULL;
  account->domain = g_strdup (account->hostport);
  /* strip a port, not the colons of an IPv6 reference */
  colon = strrchr (account->domain, ':');
  bracket = strchr (account->domain, ']');
  if (colon != NULL && (bracket == NULL || bracket < colon))
    *colon = '\0';
  if (!parse_params (account, uri, params + 1, error))
    return NULL;
  account->aor = g_strdup_printf ("%s:%s@%s", account->sips ? "sips" : "sip", account->user, account->domain);
  return g_steal_pointer (&account);
}

gboolean
holler_sip_account_read_password (HollerSipAccount *account, const char *path, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  char *newline;

  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_CONFIG, _("Cannot read the password file: %s"),
                   local_error->message);
      return FALSE;
    }
  newline = strpbrk (contents, "\r\n");
  if (newline != NULL)
    *newline = '\0';
  if (*contents == '\0' || !g_utf8_validate (contents, -1, NULL))
    {
      memset (contents, 0, length);
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_CONFIG,
                   _("The password file “%s” holds no password on its first line"), path);
      return FALSE;
    }
  account->password = g_strdup (contents);
  memset (contents, 0, length);
  return TRUE;
}

char *
holler_sip_account_registrar (const HollerSipAccount *account)
{
  return g_strdup_printf ("%s:%s%s%s", account->sips ? "sips" : "sip", account->hostport,
                          account->transport ? ";transport=" : "",
                          account->transport ? account->transport : "");
}

char *
holler_sip_account_resolve (const HollerSipAccount *account, const char *callee, GError **error)
{
  const char *address = callee;
  const char *scheme = account->sips ? "sips" : "sip";

  if (g_ascii_strncasecmp (callee, "sips:", 5) == 0)
    scheme = "sips", address = callee + 5;
  else if (g_ascii_strncasecmp (callee, "sip:", 4) == 0)
    scheme = "sip", address = callee + 4;
  if (!is_sip_token (address, "@:[]") || strpbrk (address, ";?/") != NULL || *address == '@'
      || strchr (address, '@') != strrchr (address, '@'))
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE, _("Not a SIP address: “%s”"), callee);
      return NULL;
    }
  if (strchr (address, '@') != NULL)
    return g_strdup_printf ("%s:%s", scheme, address);
  return g_strdup_printf ("%s:%s@%s", scheme, address, account->domain);
}
