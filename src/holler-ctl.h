/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* holler calls | answer ID | hangup ID | dial PEER: remote control of a
 * running answering service over D-Bus. */
gboolean holler_ctl_handles (const char *command);
int      holler_ctl_main (int argc, char **argv);

G_END_DECLS
