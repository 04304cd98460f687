/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "holler-serve"

#include "config.h"
#include <stdio.h>
#include "holler-server-log.h"

void
holler_server_log (gboolean quiet, const char *format, ...)
{
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *stamp = NULL;
  g_autofree char *text = NULL;
  va_list args;

  if (quiet)
    return;
  now = g_date_time_new_now_local ();
  stamp = g_date_time_format (now, "%Y-%m-%d %H:%M:%S");
  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  /* one fprintf per line, so lines from several threads never mix */
  fprintf (stderr, "%s.%03d %s\n", stamp, g_date_time_get_microsecond (now) / 1000, text);
}
