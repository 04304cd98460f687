/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "holler-config"

#include "config.h"
#include <errno.h>
#include <glib/gi18n.h>
#include "holler-config.h"
#include "holler-error.h"
#include "holler-option-table.h"

struct _HollerConfig
{
  GKeyFile *file;
  char *path;
};

static gboolean
check_value (HollerConfig *self, const HollerOptionSpec *known, GError **error)
{
  g_autoptr(GError) local_error = NULL;

  switch (known->type)
    {
    case HOLLER_OPTION_STRING:
    case HOLLER_OPTION_FILENAME:
      g_free (g_key_file_get_string (self->file, known->group, known->key, &local_error));
      break;
    case HOLLER_OPTION_INT:
    case HOLLER_OPTION_INT64:
      g_key_file_get_int64 (self->file, known->group, known->key, &local_error);
      break;
    case HOLLER_OPTION_DOUBLE:
      g_key_file_get_double (self->file, known->group, known->key, &local_error);
      break;
    case HOLLER_OPTION_BOOLEAN:
      g_key_file_get_boolean (self->file, known->group, known->key, &local_error);
      break;
    case HOLLER_OPTION_STRING_LIST:
      g_strfreev (g_key_file_get_string_list (self->file, known->group, known->key, NULL, &local_error));
      break;
    }
  if (local_error == NULL)
    return TRUE;
  /* GKeyFile quotes the value, UTF-8 or not */
  {
    g_autofree char *why = g_utf8_make_valid (local_error->message, -1);

    g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_CONFIG, _("%s: [%s] %s: %s"),
                 self->path, known->group, known->key, why);
  }
  return FALSE;
}

static gboolean
validate (HollerConfig *self, GError **error)
{
  g_auto(GStrv) groups = g_key_file_get_groups (self->file, NULL);

  for (gsize g = 0; groups[g] != NULL; g++)
    {
      g_auto(GStrv) keys = g_key_file_get_keys (self->file, groups[g], NULL, NULL);

      if (!holler_option_table_has_group (groups[g]))
        {
          /* GKeyFile takes names that are not UTF-8; messages must be */
          g_autofree char *name = g_utf8_make_valid (groups[g], -1);

          g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_CONFIG, _("%s: unknown group [%s]"),
                       self->path, name);
          return FALSE;
        }
      for (gsize k = 0; keys != NULL && keys[k] != NULL; k++)
        {
          const HollerOptionSpec *known = holler_option_table_find_key (groups[g], keys[k]);

          if (known == NULL)
            {
              g_autofree char *key = g_utf8_make_valid (keys[k], -1);

              g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_CONFIG, _("%s: unknown key “%s” in [%s]"),
                           self->path, key, groups[g]);
              return FALSE;
            }
          if (!check_value (self, known, error))
            return FALSE;
        }
    }
  return TRUE;
}

HollerConfig *
holler_config_new_empty (void)
{
  HollerConfig *self = g_new0 (HollerConfig, 1);

  self->file = g_key_file_new ();
  return self;
}

void
holler_config_free (HollerConfig *self)
{
  if (self == NULL)
    return;
  g_key_file_unref (self->file);
  g_free (self->path);
  g_free (self);
}

HollerConfig *
holler_config_load (const char *path, GError **error)
{
  g_autoptr(HollerConfig) self = holler_config_new_empty ();
  g_autoptr(GError) local_error = NULL;
  gboolean explicit_path = path != NULL;

  self->path = explicit_path ? g_strdup (path)
                             : g_build_filename (g_get_user_config_dir (), "holler", "holler.conf", NULL);
  if (!g_key_file_load_from_file (self->file, self->path, G_KEY_FILE_NONE, &local_error))
    {
      if (!explicit_path && g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_clear_pointer (&self->path, g_free);
          return g_steal_pointer (&self);
        }
      /* GKeyFile quotes the offending bytes, UTF-8 or not */
      g_autofree char *why = g_utf8_make_valid (local_error->message, -1);

      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_CONFIG, _("Cannot read the config file %s: %s"),
                   self->path, why);
      return NULL;
    }
  if (!validate (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

const char *
holler_config_get_path (HollerConfig *self)
{
  return self->path;
}

gboolean
holler_config_has_key (HollerConfig *self, const char *group, const char *key)
{
  return g_key_file_has_key (self->file, group, key, NULL);
}

char *
holler_config_get_string (HollerConfig *self, const char *group, const char *key)
{
  return g_key_file_get_string (self->file, group, key, NULL);
}

gint64
holler_config_get_int (HollerConfig *self, const char *group, const char *key, gint64 fallback)
{
  if (!g_key_file_has_key (self->file, group, key, NULL))
    return fallback;
  return g_key_file_get_int64 (self->file, group, key, NULL);
}

double
holler_config_get_double (HollerConfig *self, const char *group, const char *key, double fallback)
{
  if (!g_key_file_has_key (self->file, group, key, NULL))
    return fallback;
  return g_key_file_get_double (self->file, group, key, NULL);
}

gboolean
holler_config_get_boolean (HollerConfig *self, const char *group, const char *key, gboolean fallback)
{
  if (!g_key_file_has_key (self->file, group, key, NULL))
    return fallback;
  return g_key_file_get_boolean (self->file, group, key, NULL);
}

/* "a;b;c" (GKeyFile lists); NULL when unset */
char **
holler_config_get_string_list (HollerConfig *self, const char *group, const char *key)
{
  return g_key_file_get_string_list (self->file, group, key, NULL, NULL);
}
