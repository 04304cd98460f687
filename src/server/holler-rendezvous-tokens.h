/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HOLLER_RENDEZVOUS_MAX_ID_LENGTH 64

/* 1–64 characters from A–Z a–z 0–9 . _ - */
gboolean    holler_rendezvous_id_is_valid (const char *id);

/* Reads a token file (GKeyFile, group [tokens], id=token) into a table
 * id → token. HOLLER_ERROR_CONFIG naming the file and the entry at fault. */
GHashTable *holler_rendezvous_tokens_load  (const char  *path,
                                            GError     **error);

/* TRUE when @token is @id's token. Takes the same time whatever the
 * mismatch (wrong length, unknown id, first or last byte). */
gboolean    holler_rendezvous_tokens_check (GHashTable  *tokens,
                                            const char  *id,
                                            const char  *token);

G_END_DECLS
