/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "holler-serve"

#include "config.h"
#include <string.h>
#include <glib/gi18n.h>
#include "holler-rendezvous-tokens.h"
#include "holler-error.h"

#define TOKENS_GROUP "tokens"
#define DIGEST_LENGTH 32

gboolean
holler_rendezvous_id_is_valid (const char *id)
{
  gsize length;

  if (id == NULL)
    return FALSE;
  length = strlen (id);
  if (length == 0 || length > HOLLER_RENDEZVOUS_MAX_ID_LENGTH)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isalnum (id[i]) && strchr ("._-", id[i]) == NULL)
      return FALSE;
  return TRUE;
}

GHashTable *
holler_rendezvous_tokens_load (const char *path, GError **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GHashTable) tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) keys = NULL;

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, &local_error))
    {
      /* GKeyFile quotes the offending bytes, UTF-8 or not */
      g_autofree char *why = g_utf8_make_valid (local_error->message, -1);

      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_CONFIG,
                   _("Cannot read the token file %s: %s"), path, why);
      return NULL;
    }
  keys = g_key_file_get_keys (file, TOKENS_GROUP, NULL, NULL);
  if (keys == NULL || keys[0] == NULL)
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_CONFIG,
                   _("Token file %s: no [%s] group with id=token lines"), path, TOKENS_GROUP);
      return NULL;
    }
  for (gsize i = 0; keys[i] != NULL; i++)
    {
      g_autofree char *token = g_key_file_get_string (file, TOKENS_GROUP, keys[i], NULL);

      if (!holler_rendezvous_id_is_valid (keys[i]))
        {
          g_autofree char *id = g_utf8_make_valid (keys[i], -1);

          g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_CONFIG,
                       _("Token file %s: “%s” is not a valid id (1–64 characters from A–Z a–z 0–9 . _ -)"),
                       path, id);
          return NULL;
        }
      if (token == NULL || token[0] == '\0')
        {
          g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_CONFIG,
                       _("Token file %s: empty token for “%s”"), path, keys[i]);
          return NULL;
        }
      g_hash_table_replace (tokens, g_strdup (keys[i]), g_steal_pointer (&token));
    }
  return g_steal_pointer (&tokens);
}

static void
digest (const char *text, guint8 out[DIGEST_LENGTH])
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize length = DIGEST_LENGTH;

  g_checksum_update (checksum, (const guchar *) text, -1);
  g_checksum_get_digest (checksum, out, &length);
}

gboolean
holler_rendezvous_tokens_check (GHashTable *tokens, const char *id, const char *token)
{
  const char *expected = id != NULL ? g_hash_table_lookup (tokens, id) : NULL;
  guint8 want[DIGEST_LENGTH], got[DIGEST_LENGTH];
  guint8 difference = 0;

  /* compare digests, so the time depends on neither length nor content;
   * an unknown id is compared against a dummy to take as long */
  digest (expected != NULL ? expected : "", want);
  digest (token != NULL ? token : "", got);
  for (gsize i = 0; i < DIGEST_LENGTH; i++)
    difference |= want[i] ^ got[i];
  return expected != NULL && token != NULL && difference == 0;
}
