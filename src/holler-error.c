/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "holler-error.h"

G_DEFINE_QUARK (holler-error-quark, holler_error)
