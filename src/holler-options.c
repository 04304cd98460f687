/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"
#include <glib/gi18n.h>
#include <gio/gio.h>
#include "holler-options.h"
#include "holler-media.h"
#include "holler-error.h"

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
  o->output = g_strdup (options->output);
  o->ice_addresses = g_strdupv (options->ice_addresses);
  o->keylog = g_strdup (options->keylog);
  return o;
}

void
holler_call_options_free (HollerCallOptions *o)
{
  if (o == NULL)
    return;
  g_free (o->input);
  g_free (o->output);
  g_strfreev (o->ice_addresses);
  g_free (o->keylog);
  g_free (o);
}

gboolean
holler_call_options_validate (const HollerCallOptions *o, GError **error)
{
  if (o->input != NULL && !holler_media_validate_input (o->input, error))
    return FALSE;
  if (o->output != NULL && !holler_media_validate_output (o->output, error))
    return FALSE;
  if (o->duration < 0 || o->duration > 7 * 24 * 3600)
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE, _("Bad duration %g"), o->duration);
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
  return TRUE;
}
