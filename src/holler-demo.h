/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include "holler-reporter.h"

G_BEGIN_DECLS

/* A complete call between two peers in this process on loopback: the
 * caller sends 440 Hz, the callee 880 Hz. Returns the exit status: 0 only if
 * each side decoded the other's tone. */
int holler_demo_run (double duration, HollerReporter *reporter);

G_END_DECLS
