/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The output side of a `holler serve` connection as libsoup writes it: a
 * pass-through that counts the bytes the socket (or TLS) accepted. What
 * the server handed libsoup minus this count is what libsoup still holds
 * in its queue (see HollerRendezvousClient). Pollable, as libsoup needs. */
#define HOLLER_TYPE_GUARD_OUTPUT (holler_guard_output_get_type ())
G_DECLARE_FINAL_TYPE (HollerGuardOutput, holler_guard_output, HOLLER, GUARD_OUTPUT, GFilterOutputStream)

GOutputStream *holler_guard_output_new         (GOutputStream     *base);
guint64        holler_guard_output_get_written (HollerGuardOutput *self);

G_END_DECLS
