/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GOptionEntries and config keys from the option table: every option is
 * a callback that parses its value, stores it in the command's options
 * struct and notes that the command line set it, so the config file
 * fills in only what the command line left alone. */
#define G_LOG_DOMAIN "holler-options"

#include "config.h"
#include <errno.h>
#include <glib/gi18n.h>
#include "holler-option-parser.h"
#include "holler-error.h"

/* GLib's own messages for bad numbers, in GLib's translations */
#define GLIB_TEXT(text) g_dgettext ("glib20", text)

struct _HollerOptionParser
{
  HollerCommand command;
  gpointer options;
  const HollerOptionSpec *specs;
  gsize n_specs;
  gboolean *seen;          /* by index in specs */
  GArray *entries;         /* GOptionEntry, NULL-terminated */
};

static gpointer
field_of (gpointer options, const HollerOptionSpec *spec)
{
  return (guint8 *) options + spec->offset;
}

static gboolean
takes (HollerCommand command, const HollerOptionSpec *spec)
{
  return (spec->commands & command) != 0;
}

/* The spec behind "--name", "--negation" or "-x" */
static const HollerOptionSpec *
find_option (HollerOptionParser *self, const char *option_name, gboolean *negated)
{
  gboolean is_long = g_str_has_prefix (option_name, "--");

  *negated = FALSE;
  for (gsize i = 0; i < self->n_specs; i++)
    {
      const HollerOptionSpec *spec = &self->specs[i];

      if (!takes (self->command, spec))
        continue;
      if (is_long && g_str_equal (option_name + 2, spec->name))
        return spec;
      if (is_long && spec->negation != NULL && g_str_equal (option_name + 2, spec->negation))
        return (*negated = TRUE), spec;
      if (!is_long && spec->short_name != 0 && option_name[1] == spec->short_name && option_name[2] == '\0')
        return spec;
    }
  return NULL;
}

static gboolean
parse_integer (const char *value, const char *option_name, gint64 min, gint64 max, gint64 *out,
               GError **error)
{
  char *end;

  errno = 0;
  *out = g_ascii_strtoll (value, &end, 0);
  if (*value == '\0' || *end != '\0')
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   GLIB_TEXT ("Cannot parse integer value “%s” for %s"), value, option_name);
      return FALSE;
    }
  if (errno == ERANGE || *out < min || *out > max)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   GLIB_TEXT ("Integer value “%s” for %s out of range"), value, option_name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_double (const char *value, const char *option_name, double *out, GError **error)
{
  char *end;

  errno = 0;
  *out = g_strtod (value, &end);
  if (*value == '\0' || *end != '\0')
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   GLIB_TEXT ("Cannot parse double value “%s” for %s"), value, option_name);
      return FALSE;
    }
  if (errno == ERANGE)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   GLIB_TEXT ("Double value “%s” for %s out of range"), value, option_name);
      return FALSE;
    }
  return TRUE;
}

static void
append_to_list (char ***list, const char *value, gboolean empty_is_default)
{
  guint n = *list != NULL ? g_strv_length (*list) : 0;

  /* an empty value empties the list: back to the default, none */
  if (*value == '\0' && empty_is_default)
    {
      g_clear_pointer (list, g_strfreev);
      return;
    }
  *list = g_renew (char *, *list, n + 2);
  (*list)[n] = g_strdup (value);
  (*list)[n + 1] = NULL;
}

static gboolean
is_default_word (const HollerOptionSpec *spec, const char *value)
{
  return (spec->flags & HOLLER_OPTION_FLAG_ZERO_IS_DEFAULT) && g_ascii_strcasecmp (value, "auto") == 0;
}

/* @value as typed for a number, string or list option */
static gboolean
store (gpointer options, const HollerOptionSpec *spec, const char *value, const char *option_name,
       GError **error)
{
  gpointer field = field_of (options, spec);
  gint64 number;
  double real;

  gboolean zero_is_default = (spec->flags & HOLLER_OPTION_FLAG_ZERO_IS_DEFAULT)
                             && g_strcmp0 (value, spec->default_value) != 0;

  if (is_default_word (spec, value))
    value = spec->default_value;
  switch (spec->type)
    {
    case HOLLER_OPTION_STRING:
    case HOLLER_OPTION_FILENAME:
      /* an empty value is the default, over the config file's key */
      g_free (*(char **) field);
      *(char **) field = g_strdup (*value != '\0' || spec->key == NULL ? value : spec->default_value);
      return TRUE;
    case HOLLER_OPTION_STRING_LIST:
      append_to_list (field, value, spec->key != NULL);
      return TRUE;
    case HOLLER_OPTION_INT:
    case HOLLER_OPTION_INT64:
      if (spec->type == HOLLER_OPTION_INT
          ? !parse_integer (value, option_name, G_MININT, G_MAXINT, &number, error)
          : !parse_integer (value, option_name, G_MININT64, G_MAXINT64, &number, error))
        return FALSE;
      if (number == 0 && zero_is_default)
        return store (options, spec, spec->default_value, option_name, error);
      if (spec->type == HOLLER_OPTION_INT)
        *(int *) field = (int) number;
      else
        *(gint64 *) field = number;
      return TRUE;
    case HOLLER_OPTION_DOUBLE:
      if (!parse_double (value, option_name, &real, error))
        return FALSE;
      if (real == 0 && zero_is_default)
        return store (options, spec, spec->default_value, option_name, error);
      *(double *) field = real;
      return TRUE;
    case HOLLER_OPTION_BOOLEAN:
    default:
      g_return_val_if_reached (FALSE);
    }
}

static gboolean
on_option (const char *option_name, const char *value, gpointer user_data, GError **error)
{
  HollerOptionParser *self = user_data;
  gboolean negated;
  const HollerOptionSpec *spec = find_option (self, option_name, &negated);

  g_return_val_if_fail (spec != NULL, FALSE);
  self->seen[spec - self->specs] = TRUE;
  if (spec->type == HOLLER_OPTION_BOOLEAN)
    {
      *(gboolean *) field_of (self->options, spec) = !negated;
      return TRUE;
    }
  return store (self->options, spec, value, option_name, error);
}

static void
add_entry (GArray *entries, const HollerOptionSpec *spec, const char *name, char short_name, const char *help)
{
  GOptionEntry entry = { name, short_name, 0, G_OPTION_ARG_CALLBACK, (gpointer) on_option, help,
                         spec->arg_description };

  if (spec->type == HOLLER_OPTION_BOOLEAN)
    entry.flags |= G_OPTION_FLAG_NO_ARG;
  if (spec->type == HOLLER_OPTION_FILENAME)
    entry.flags |= G_OPTION_FLAG_FILENAME;
  g_array_append_val (entries, entry);
}

HollerOptionParser *
holler_option_parser_new (HollerCommand command, gpointer options)
{
  HollerOptionParser *self = g_new0 (HollerOptionParser, 1);
  GOptionEntry end = { NULL };

  self->command = command;
  self->options = options;
  self->specs = holler_option_table_get (&self->n_specs);
  self->seen = g_new0 (gboolean, self->n_specs);
  self->entries = g_array_new (FALSE, TRUE, sizeof (GOptionEntry));
  for (gsize i = 0; i < self->n_specs; i++)
    {
      const HollerOptionSpec *spec = &self->specs[i];

      if (!takes (command, spec))
        continue;
      add_entry (self->entries, spec, spec->name, spec->short_name, spec->help);
      if (spec->negation != NULL)
        add_entry (self->entries, spec, spec->negation, 0, spec->negation_help);
      /* the table's defaults are numbers and strings it can parse */
      if (spec->default_value != NULL && !store (options, spec, spec->default_value, spec->name, NULL))
        g_critical ("Bad default “%s” for --%s", spec->default_value, spec->name);
    }
  g_array_append_val (self->entries, end);
  return self;
}

void
holler_option_parser_free (HollerOptionParser *self)
{
  if (self == NULL)
    return;
  g_free (self->seen);
  g_array_unref (self->entries);
  g_free (self);
}

void
holler_option_parser_add_to (HollerOptionParser *self, GOptionContext *context)
{
  GOptionGroup *group = g_option_group_new (NULL, NULL, NULL, self, NULL);

  g_option_group_add_entries (group, (const GOptionEntry *) self->entries->data);
  g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);
  g_option_context_set_main_group (context, group);
}

gboolean
holler_option_parser_is_set (HollerOptionParser *self, const char *name)
{
  for (gsize i = 0; i < self->n_specs; i++)
    if (takes (self->command, &self->specs[i]) && g_str_equal (self->specs[i].name, name))
      return self->seen[i];
  return FALSE;
}

static gboolean
read_number_key (gpointer options, const HollerOptionSpec *spec, HollerConfig *config, GError **error)
{
  gpointer field = field_of (options, spec);
  gint64 number;
  double real;

  if (spec->type == HOLLER_OPTION_DOUBLE)
    {
      real = holler_config_get_double (config, spec->group, spec->key, 0);
      if (real == 0 && (spec->flags & HOLLER_OPTION_FLAG_ZERO_IS_DEFAULT))
        return TRUE;
      *(double *) field = real;
      return TRUE;
    }
  number = holler_config_get_int (config, spec->group, spec->key, 0);
  if (number == 0 && (spec->flags & HOLLER_OPTION_FLAG_ZERO_IS_DEFAULT))
    return TRUE;
  if (spec->type == HOLLER_OPTION_INT64)
    {
      *(gint64 *) field = number;
      return TRUE;
    }
  if (number < G_MININT || number > G_MAXINT)
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_CONFIG, _("%s: [%s] %s: out of range"),
                   holler_config_get_path (config), spec->group, spec->key);
      return FALSE;
    }
  *(int *) field = (int) number;
  return TRUE;
}

static gboolean
read_key (gpointer options, const HollerOptionSpec *spec, HollerConfig *config, GError **error)
{
  gpointer field = field_of (options, spec);
  gboolean yes;

  switch (spec->type)
    {
    case HOLLER_OPTION_STRING:
    case HOLLER_OPTION_FILENAME:
      g_free (*(char **) field);
      *(char **) field = holler_config_get_string (config, spec->group, spec->key);
      return TRUE;
    case HOLLER_OPTION_STRING_LIST:
      g_strfreev (*(char ***) field);
      *(char ***) field = holler_config_get_string_list (config, spec->group, spec->key);
      return TRUE;
    case HOLLER_OPTION_BOOLEAN:
      yes = holler_config_get_boolean (config, spec->group, spec->key, FALSE);
      *(gboolean *) field = (spec->flags & HOLLER_OPTION_FLAG_INVERTED_KEY) ? !yes : yes;
      return TRUE;
    case HOLLER_OPTION_INT:
    case HOLLER_OPTION_INT64:
    case HOLLER_OPTION_DOUBLE:
    default:
      return read_number_key (options, spec, config, error);
    }
}

gboolean
holler_option_parser_apply_config (HollerOptionParser *self, HollerConfig *config, GError **error)
{
  for (gsize i = 0; i < self->n_specs; i++)
    {
      const HollerOptionSpec *spec = &self->specs[i];

      if (!takes (self->command, spec) || spec->key == NULL || self->seen[i])
        continue;
      if (spec->alternative != NULL && holler_option_parser_is_set (self, spec->alternative))
        continue;
      if (!holler_config_has_key (config, spec->group, spec->key))
        continue;
      if (!read_key (self->options, spec, config, error))
        return FALSE;
    }
  return TRUE;
}

void
holler_option_table_clear (HollerCommand command, gpointer options)
{
  gsize n_specs;
  const HollerOptionSpec *specs = holler_option_table_get (&n_specs);

  for (gsize i = 0; i < n_specs; i++)
    {
      gpointer field = field_of (options, &specs[i]);

      if (!takes (command, &specs[i]))
        continue;
      if (specs[i].type == HOLLER_OPTION_STRING || specs[i].type == HOLLER_OPTION_FILENAME)
        g_clear_pointer ((char **) field, g_free);
      else if (specs[i].type == HOLLER_OPTION_STRING_LIST)
        g_clear_pointer ((char ***) field, g_strfreev);
    }
}

void
holler_cli_options_clear (HollerCliOptions *options)
{
  holler_option_table_clear (HOLLER_COMMAND_CALL | HOLLER_COMMAND_LISTEN | HOLLER_COMMAND_DEMO, options);
}

void
holler_serve_cli_clear (HollerServeCli *options)
{
  holler_option_table_clear (HOLLER_COMMAND_SERVE, options);
}
