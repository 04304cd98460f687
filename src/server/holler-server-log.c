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

void
holler_log_throttle_init (HollerLogThrottle *self, gboolean quiet)
{
  *self = (HollerLogThrottle) { .quiet = quiet };
}

static void
flush_suppressed (HollerLogThrottle *self)
{
  if (self->suppressed > 0)
    holler_server_log (self->quiet, "%s (and %u more)", self->last, self->suppressed - 1);
  self->suppressed = 0;
  g_clear_pointer (&self->last, g_free);
  self->window_us = g_get_monotonic_time ();
}

static gboolean
on_flush (gpointer user_data)
{
  HollerLogThrottle *self = user_data;

  g_clear_pointer (&self->flush, g_source_unref);
  flush_suppressed (self);
  return G_SOURCE_REMOVE;
}

void
holler_log_throttle_log (HollerLogThrottle *self, const char *format, ...)
{
  g_autofree char *text = NULL;
  gint64 now = g_get_monotonic_time ();
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  if (self->flush == NULL && (self->window_us == 0 || now - self->window_us >= G_USEC_PER_SEC))
    {
      holler_server_log (self->quiet, "%s", text);
      self->window_us = now;
      return;
    }
  self->suppressed++;
  g_free (self->last);
  self->last = g_steal_pointer (&text);
  if (self->flush == NULL)
    {
      self->flush = g_timeout_source_new ((guint) MAX (1, (self->window_us + G_USEC_PER_SEC - now) / 1000));
      g_source_set_callback (self->flush, on_flush, self, NULL);
      g_source_attach (self->flush, g_main_context_get_thread_default ());
    }
}

void
holler_log_throttle_clear (HollerLogThrottle *self)
{
  if (self->flush != NULL)
    {
      g_source_destroy (self->flush);
      g_clear_pointer (&self->flush, g_source_unref);
    }
  flush_suppressed (self);
}
