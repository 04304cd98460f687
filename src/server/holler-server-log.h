/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One human-readable line on stderr for a server event, prefixed with the
 * local time to the millisecond: "2025-06-01 12:34:56.789 connect 127.0.0.1".
 * Nothing is printed when @quiet is set. */
void holler_server_log (gboolean    quiet,
                        const char *format,
                        ...) G_GNUC_PRINTF (2, 3);

/* At most one line a second for one kind of event however fast it comes
 * (a flood must not turn into a disk-filling log): the first is printed at
 * once, the ones after it within the second are counted and printed as
 * one line when the second is over: "<the last one> (and N more)". */
typedef struct {
  gboolean quiet;
  gint64 window_us;     /* when the last line was printed */
  guint suppressed;
  char *last;           /* the last suppressed line */
  GSource *flush;
} HollerLogThrottle;

void holler_log_throttle_init  (HollerLogThrottle *self,
                                gboolean           quiet);
void holler_log_throttle_log   (HollerLogThrottle *self,
                                const char        *format,
                                ...) G_GNUC_PRINTF (2, 3);
/* Prints what is pending and stops the timer */
void holler_log_throttle_clear (HollerLogThrottle *self);

G_END_DECLS
