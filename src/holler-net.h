/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TRUE when @ip (an IPv4 or IPv6 literal) is an address of one of this
 * host's interfaces right now. Used after a network change to tell
 * whether a connection's local address is still there. */
gboolean holler_net_address_is_local (const char *ip);

G_END_DECLS
