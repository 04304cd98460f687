/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include "holler-option-table.h"
#include "holler-config.h"

G_BEGIN_DECLS

/* The options of one command (holler-option-table.c) into its options
 * struct: defaults first, then the config file, then the command line,
 * which wins. An empty value (--greeting ''), 0 or "auto" where the table
 * says so, and the negations (--no-relay-only) set an option back to its
 * default whatever the config file says. */
typedef struct _HollerOptionParser HollerOptionParser;

/* @options: a HollerCliOptions (call, listen, demo) or a HollerServeCli
 * (serve), zeroed; filled with the table's defaults here */
HollerOptionParser *holler_option_parser_new  (HollerCommand command, gpointer options);
void                holler_option_parser_free (HollerOptionParser *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HollerOptionParser, holler_option_parser_free)

/* Makes the command's entries the context's main group */
void     holler_option_parser_add_to       (HollerOptionParser *self, GOptionContext *context);
/* Whether --NAME (or its negation) was on the command line */
gboolean holler_option_parser_is_set       (HollerOptionParser *self, const char *name);
/* The config file's keys for options the command line left alone */
gboolean holler_option_parser_apply_config (HollerOptionParser *self, HollerConfig *config, GError **error);

/* Frees the strings and lists of @options that the table names */
void     holler_option_table_clear         (HollerCommand command, gpointer options);
void     holler_cli_options_clear          (HollerCliOptions *options);
void     holler_serve_cli_clear            (HollerServeCli *options);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (HollerCliOptions, holler_cli_options_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (HollerServeCli, holler_serve_cli_clear)

G_END_DECLS
