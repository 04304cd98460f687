/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What libsoup holds for one connection and has not written to its socket
 * yet (libsoup 3.2.3 has no API for it): what the server handed it, plus
 * the pongs it owes for the pings it read, less what the socket took. A
 * g_rc_box shared by the guard stream and its two halves, so that either
 * half may outlive the other. */
typedef struct {
  guint64 submitted;   /* frames the server handed libsoup */
  guint64 pong_bytes;  /* pongs libsoup owes for pings read */
  guint64 written;     /* bytes the socket (or TLS) took */
  guint64 limit;       /* 0: none */
} HollerGuardQueue;

static inline guint64
holler_guard_queue_get_queued (const HollerGuardQueue *queue)
{
  guint64 handed = queue->submitted + queue->pong_bytes;

  return handed > queue->written ? handed - queue->written : 0;
}

static inline gboolean
holler_guard_queue_is_over (const HollerGuardQueue *queue, guint64 more)
{
  return queue->limit > 0 && holler_guard_queue_get_queued (queue) + more > queue->limit;
}

G_END_DECLS
