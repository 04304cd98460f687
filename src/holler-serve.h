/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* `holler serve`: @argv[0] is "serve". Runs the rendezvous server until
 * SIGINT or SIGTERM. Returns the exit status: 0 after a clean stop, 1 when
 * it cannot listen, 2 for usage and configuration errors. */
int holler_serve_main (int argc, char **argv);

G_END_DECLS
