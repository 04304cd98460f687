/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ~/.config/holler/holler.conf (GKeyFile), see data/holler.conf.example.
 * Every group and key is checked on load, so a typo is an error, not a
 * setting silently ignored. Command-line options override it. */
typedef struct _HollerConfig HollerConfig;

/* @path: NULL for the default location, where a missing file is an empty
 * config; an explicit @path must exist. HOLLER_ERROR_CONFIG on errors. */
HollerConfig *holler_config_load (const char *path, GError **error);
HollerConfig *holler_config_new_empty (void);
void          holler_config_free (HollerConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HollerConfig, holler_config_free)

/* The file that was read, or NULL */
const char *holler_config_get_path (HollerConfig *config);
gboolean    holler_config_has_key (HollerConfig *config, const char *group, const char *key);
/* NULL when unset */
char       *holler_config_get_string (HollerConfig *config, const char *group, const char *key);
/* @fallback when unset (values were validated on load) */
gint64      holler_config_get_int    (HollerConfig *config, const char *group, const char *key, gint64 fallback);
double      holler_config_get_double (HollerConfig *config, const char *group, const char *key, double fallback);
gboolean    holler_config_get_boolean (HollerConfig *config, const char *group, const char *key, gboolean fallback);
/* A GKeyFile list ("a;b"); NULL when unset */
char      **holler_config_get_string_list (HollerConfig *config, const char *group, const char *key);

G_END_DECLS
