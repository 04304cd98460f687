/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the media files only. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The gst-launch description of an input spec's source; @live is FALSE
 * for files, which must be paced by their sink. */
char *holler_media_input_description (const char *spec, gboolean *live);
/* The description of an output spec's sink; NULL for device:NAME, whose
 * element is made from its GstDevice. */
char *holler_media_output_description (const char *spec);
/* @path double-quoted for a gst-launch description */
char *holler_media_quote_path (const char *path);

G_END_DECLS
