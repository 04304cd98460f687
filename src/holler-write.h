/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* write(2) until all of @data is out, across short writes and EINTR.
 * FALSE with errno set on failure (ENOSPC when the file system took
 * nothing). Plain fds, not GOutputStream: the recorder calls it on a
 * GStreamer streaming thread per Ogg page, and both callers need errno
 * (a full disk is reported as such). */
gboolean holler_write_all (int fd, const void *data, gsize len);

G_END_DECLS
