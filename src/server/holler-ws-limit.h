/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A scanner of the bytes a client sends to `holler serve`, below libsoup:
 * first HTTP request heads, then (once the connection is upgraded) the
 * headers of WebSocket frames. It only reads what it needs to bound what
 * libsoup 3.2 does not: the size of one request head, and the total payload
 * of one fragmented message (libsoup bounds each frame, not the sum of a
 * message's continuation frames). It never unmasks or copies payloads.
 * Pure: no I/O, no allocation; fed by HollerGuardInput. */

typedef enum {
  HOLLER_WS_LIMIT_OK,           /* all bytes may pass */
  HOLLER_WS_LIMIT_HTTP_END,     /* *consumed bytes end a request head: pass them, then stop */
  HOLLER_WS_LIMIT_HTTP_TOO_BIG, /* a request head over max_http: *consumed bytes may pass */
  HOLLER_WS_LIMIT_TOO_BIG,      /* a message over max_message: *consumed bytes may pass */
} HollerWsLimitResult;

typedef struct {
  guint64 max_message;     /* total payload of one (fragmented) data message */
  guint64 max_http;        /* bytes of one HTTP request head */
  gboolean websocket;      /* FALSE: HTTP request heads; TRUE: client frames */
  /* HTTP */
  guint crlf;              /* how much of "\r\n\r\n" the last bytes matched */
  guint64 http_bytes;      /* of the request head in progress */
  /* frames */
  guint8 header[14];       /* the frame header in progress */
  guint header_len;
  guint64 payload_left;    /* of the current frame */
  guint64 message_total;   /* payload of the data message in progress */
  gboolean message_ends;   /* the current frame is a data frame with FIN */
  guint64 pong_bytes;      /* what the pings seen so far make libsoup send back */
} HollerWsLimit;

void                holler_ws_limit_init            (HollerWsLimit *self,
                                                     guint64        max_message,
                                                     guint64        max_http);
/* From now on the bytes are WebSocket frames from a client */
void                holler_ws_limit_start_websocket (HollerWsLimit *self);
/* Scans @data; *@consumed is how many bytes the state advanced over (all
 * of them for OK). The state only moves over consumed bytes: scan the rest
 * again later. After a TOO_BIG result the connection must be dropped. */
HollerWsLimitResult holler_ws_limit_scan            (HollerWsLimit *self,
                                                     const guint8  *data,
                                                     gsize          length,
                                                     gsize         *consumed);

G_END_DECLS
