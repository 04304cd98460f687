/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Strict JSON only, before json-glib sees @text: no NUL (raw or \u0000),
 * no control characters in strings, at most 32 levels of nesting, nothing
 * after the top-level value, none of json-glib's extensions (comments,
 * single quotes). HOLLER_ERROR_INVALID_MESSAGE saying what and where. */
gboolean holler_json_check_strict (const char *text, gsize length, GError **error);

/* Sets HOLLER_ERROR_INVALID_MESSAGE with the formatted text; FALSE */
gboolean holler_json_invalid (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

G_END_DECLS
