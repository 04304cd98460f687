/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* holler identity [--service]: our fingerprint, long and short */
int holler_identity_main (int argc, char **argv);
/* holler peers list | forget ID | trust ID FINGERPRINT | verify ID */
int holler_peers_main (int argc, char **argv);

G_END_DECLS
