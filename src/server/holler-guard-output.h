/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include "holler-guard-queue.h"

G_BEGIN_DECLS

/* The output side of a `holler serve` connection as libsoup writes it: a
 * pass-through that counts the bytes the socket (or TLS) accepted in
 * @queue's "written" (holler-guard-queue.h). Pollable, as libsoup needs. */
#define HOLLER_TYPE_GUARD_OUTPUT (holler_guard_output_get_type ())
G_DECLARE_FINAL_TYPE (HollerGuardOutput, holler_guard_output, HOLLER, GUARD_OUTPUT, GFilterOutputStream)

/* @queue: shared, a reference is taken */
GOutputStream *holler_guard_output_new (GOutputStream    *base,
                                        HollerGuardQueue *queue);

G_END_DECLS
