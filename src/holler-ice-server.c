/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* stun:, turn: and turns: URIs (RFC 7064/7065, plus USER:PASS@) and TURN
 * REST credentials: pure functions, checked at option time and used by
 * HollerIce when it configures libnice. */
#define G_LOG_DOMAIN "holler-ice"

#include "config.h"
#include <string.h>
#include <glib/gi18n.h>
#include <gio/gio.h>
#include "holler-ice.h"
#include "holler-error.h"

#define STUN_DEFAULT_PORT 3478
#define TURNS_DEFAULT_PORT 5349

const char *
holler_ice_server_kind_name (HollerIceServerKind kind)
{
  switch (kind)
    {
    case HOLLER_ICE_SERVER_STUN: return "stun";
    case HOLLER_ICE_SERVER_TURN_UDP: return "udp";
    case HOLLER_ICE_SERVER_TURN_TCP: return "tcp";
    case HOLLER_ICE_SERVER_TURN_TLS: return "tls";
    default: return "unknown";
    }
}

void
holler_ice_server_free (HollerIceServer *server)
{
  if (server == NULL)
    return;
  g_free (server->host);
  g_free (server->username);
  g_free (server->password);
  g_free (server);
}

static HollerIceServer *
server_uri_error (GError **error, const char *uri, gboolean turn, const char *why)
{
  g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE, _("Bad %s server URI “%s”: %s (expected %s)"),
               turn ? "TURN" : "STUN", uri, why,
               turn ? "turn:USER:PASS@HOST[:PORT][?transport=udp|tcp] or turns:USER:PASS@HOST[:PORT]"
                    : "stun:HOST[:PORT]");
  return NULL;
}

static gboolean
valid_host_name (const char *host)
{
  if (*host == '\0' || strlen (host) > 253)
    return FALSE;
  for (const char *p = host; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.')
      return FALSE;
  return TRUE;
}

/* "USER:PASS", percent-escapes allowed */
static gboolean
parse_userinfo (HollerIceServer *server, const char *userinfo, gsize len)
{
  const char *colon = memchr (userinfo, ':', len);

  if (colon == NULL || colon == userinfo)
    return FALSE;
  server->username = g_uri_unescape_segment (userinfo, colon, NULL);
  server->password = g_uri_unescape_segment (colon + 1, userinfo + len, NULL);
  return server->username != NULL && server->password != NULL && *server->username != '\0';
}

/* "HOST[:PORT]" or "[V6]:PORT" */
static gboolean
parse_host_port (HollerIceServer *server, const char *hostport, guint default_port, const char **why)
{
  const char *port = NULL;
  guint64 value = default_port;

  if (hostport[0] == '[')
    {
      const char *end = strchr (hostport, ']');

      if (end == NULL || (end[1] != '\0' && end[1] != ':'))
        {
          *why = _("unterminated IPv6 address");
          return FALSE;
        }
      server->host = g_strndup (hostport + 1, end - hostport - 1);
      if (!g_hostname_is_ip_address (server->host) || strchr (server->host, ':') == NULL)
        {
          *why = _("not an IPv6 address in brackets");
          return FALSE;
        }
      port = end[1] == ':' ? end + 2 : NULL;
    }
  else
    {
      const char *colon = strchr (hostport, ':');

      if (colon != NULL && strchr (colon + 1, ':') != NULL)
        {
          *why = _("an IPv6 address needs brackets");
          return FALSE;
        }
      server->host = colon ? g_strndup (hostport, colon - hostport) : g_strdup (hostport);
      if (!valid_host_name (server->host))
        {
          *why = _("bad host");
          return FALSE;
        }
      port = colon ? colon + 1 : NULL;
    }
  if (port != NULL && !g_ascii_string_to_unsigned (port, 10, 1, 65535, &value, NULL))
    {
      *why = _("bad port");
      return FALSE;
    }
  server->port = (guint16) value;
  return TRUE;
}

HollerIceServer *
holler_ice_server_parse (const char *uri, gboolean turn, GError **error)
{
  g_autoptr(HollerIceServer) server = g_new0 (HollerIceServer, 1);
  g_autofree char *hostport = NULL;
  const char *rest, *query, *at, *why = NULL;
  guint default_port = STUN_DEFAULT_PORT;

  if (turn && g_ascii_strncasecmp (uri, "turn:", 5) == 0)
    {
      rest = uri + 5;
      server->kind = HOLLER_ICE_SERVER_TURN_UDP;
    }
  else if (turn && g_ascii_strncasecmp (uri, "turns:", 6) == 0)
    {
      rest = uri + 6;
      server->kind = HOLLER_ICE_SERVER_TURN_TLS;
      default_port = TURNS_DEFAULT_PORT;
    }
  else if (!turn && g_ascii_strncasecmp (uri, "stun:", 5) == 0)
    {
      rest = uri + 5;
      server->kind = HOLLER_ICE_SERVER_STUN;
    }
  else if (!turn && g_ascii_strncasecmp (uri, "stuns:", 6) == 0)
    return server_uri_error (error, uri, turn, _("STUN over TLS is not supported"));
  else
    return server_uri_error (error, uri, turn, _("wrong scheme"));

  query = strchr (rest, '?');
  if (query != NULL)
    {
      if (!turn)
        return server_uri_error (error, uri, turn, _("unexpected “?”"));
      if (g_ascii_strcasecmp (query + 1, "transport=tcp") == 0)
        server->kind = server->kind == HOLLER_ICE_SERVER_TURN_TLS ? HOLLER_ICE_SERVER_TURN_TLS
                                                                  : HOLLER_ICE_SERVER_TURN_TCP;
      else if (g_ascii_strcasecmp (query + 1, "transport=udp") != 0)
        return server_uri_error (error, uri, turn, _("transport must be udp or tcp"));
      else if (server->kind == HOLLER_ICE_SERVER_TURN_TLS)
        return server_uri_error (error, uri, turn, _("turns: runs over TCP (DTLS is not supported)"));
    }
  hostport = query ? g_strndup (rest, query - rest) : g_strdup (rest);
  at = strrchr (hostport, '@');
  if (at != NULL)
    {
      if (!turn)
        return server_uri_error (error, uri, turn, _("a STUN server takes no credentials"));
      if (!parse_userinfo (server, hostport, at - hostport))
        return server_uri_error (error, uri, turn, _("credentials must be USER:PASS"));
    }
  if (!parse_host_port (server, at ? at + 1 : hostport, default_port, &why))
    return server_uri_error (error, uri, turn, why);
  return g_steal_pointer (&server);
}

char *
holler_ice_turn_rest_credentials (const char *secret, const char *id, gint64 expiry_unix_time,
                                  char **password)
{
  char *username = g_strdup_printf ("%" G_GINT64_FORMAT ":%s", expiry_unix_time, id ? id : "holler");
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA1, (const guchar *) secret, strlen (secret));
  guint8 digest[20];
  gsize digest_len = sizeof digest;

  g_hmac_update (hmac, (const guchar *) username, -1);
  g_hmac_get_digest (hmac, digest, &digest_len);
  *password = g_base64_encode (digest, digest_len);
  return username;
}

