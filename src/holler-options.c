/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"
#include <glib/gi18n.h>
#include <gio/gio.h>
#include "holler-options.h"
#include "holler-media.h"
#include "holler-error.h"
#include "holler-ice.h"
#include "holler-dtmf.h"

HollerCallOptions *
holler_call_options_new (void)
{
  HollerCallOptions *o = g_new0 (HollerCallOptions, 1);

  o->connect_timeout = 30;
  return o;
}

HollerCallOptions *
holler_call_options_copy (const HollerCallOptions *options)
{
  HollerCallOptions *o = g_memdup2 (options, sizeof *options);

  o->input = g_strdup (options->input);
  o->greeting = g_strdup (options->greeting);
  o->output = g_strdup (options->output);
  o->ice_addresses = g_strdupv (options->ice_addresses);
  o->keylog = g_strdup (options->keylog);
  o->stun_servers = g_strdupv (options->stun_servers);
  o->turn_servers = g_strdupv (options->turn_servers);
  o->turn_secret = g_strdup (options->turn_secret);
  o->turn_rest_id = g_strdup (options->turn_rest_id);
  o->dtmf = g_strdup (options->dtmf);
  o->known_peers = g_strdup (options->known_peers);
  return o;
}

void
holler_call_options_free (HollerCallOptions *o)
{
  if (o == NULL)
    return;
  g_free (o->input);
  g_free (o->greeting);
  g_free (o->output);
  g_strfreev (o->ice_addresses);
  g_free (o->keylog);
  g_strfreev (o->stun_servers);
  g_strfreev (o->turn_servers);
  g_free (o->turn_secret);
  g_free (o->turn_rest_id);
  g_free (o->dtmf);
  g_free (o->known_peers);
  g_free (o);
}

static gboolean
validate_ice_servers (const HollerCallOptions *o, GError **error)
{
  gsize n_turn = o->turn_servers ? g_strv_length (o->turn_servers) : 0;

  for (gsize i = 0; o->stun_servers != NULL && o->stun_servers[i] != NULL; i++)
    {
      g_autoptr(HollerIceServer) server = holler_ice_server_parse (o->stun_servers[i], FALSE, error);

      if (server == NULL)
        return FALSE;
    }
  for (gsize i = 0; i < n_turn; i++)
    {
      g_autoptr(HollerIceServer) server = holler_ice_server_parse (o->turn_servers[i], TRUE, error);

      if (server == NULL)
        return FALSE;
      if (server->username == NULL && o->turn_secret == NULL)
        {
          g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE,
                       _("TURN server “%s” needs credentials: turn:USER:PASS@HOST or --turn-secret"),
                       o->turn_servers[i]);
          return FALSE;
        }
    }
  if (o->turn_secret != NULL && *o->turn_secret == '\0')
    {
      g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_USAGE, _("The TURN secret is empty"));
      return FALSE;
    }
  if (o->relay_only && n_turn == 0)
    {
      g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_USAGE,
                           _("--relay-only needs a TURN server (--turn)"));
      return FALSE;
    }
  return TRUE;
}

gboolean
holler_call_options_validate (const HollerCallOptions *o, GError **error)
{
  if (o->input != NULL && !holler_media_validate_input (o->input, error))
    return FALSE;
  if (o->greeting != NULL && !holler_media_validate_input (o->greeting, error))
    return FALSE;
  if (o->output != NULL && !holler_media_validate_output (o->output, error))
    return FALSE;
  if (o->duration < 0 || o->duration > 7 * 24 * 3600)
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE, _("Bad duration %g"), o->duration);
      return FALSE;
    }
  if (o->dtmf != NULL && !holler_dtmf_check_digits (o->dtmf, error))
    return FALSE;
  if (o->jitter_buffer_ms != 0 && (o->jitter_buffer_ms < 10 || o->jitter_buffer_ms > 1000))
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE,
                   _("Bad jitter buffer %d ms: expected 10 to 1000, or 0 for adaptive"), o->jitter_buffer_ms);
      return FALSE;
    }
  if (o->connect_timeout <= 0)
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE, _("Bad connect timeout %g"), o->connect_timeout);
      return FALSE;
    }
  for (gsize i = 0; o->ice_addresses != NULL && o->ice_addresses[i] != NULL; i++)
    {
      g_autoptr(GInetAddress) addr = g_inet_address_new_from_string (o->ice_addresses[i]);

      if (addr == NULL)
        {
          g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE,
                       _("Not an IP address: “%s”"), o->ice_addresses[i]);
          return FALSE;
        }
    }
  return validate_ice_servers (o, error);
}
