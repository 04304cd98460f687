/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Serves the web client (data/web, compiled in as a GResource) from
 * @server: "/" is index.html, other files by name, GET and HEAD only. The
 * WebSocket path keeps its own handler. */
void holler_rendezvous_web_add_handler (SoupServer *server);

G_END_DECLS
