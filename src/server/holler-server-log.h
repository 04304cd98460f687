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

G_END_DECLS
