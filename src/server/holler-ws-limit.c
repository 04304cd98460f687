/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Bounds what libsoup 3.2.3 (Debian 12) leaves unbounded on a server
 * connection: a fragmented WebSocket message (its max-incoming-payload-size
 * is per frame; 3.8 added a total) and an HTTP request head. Hand-written
 * rather than moving the server to libwebsockets (see docs/security.md):
 * only the frame header is parsed (RFC 6455 §5.2: FIN, opcode, MASK, 7/16/64
 * bit length, 4-byte mask key), never the payload, so this stays a small
 * state machine that libsoup's own framing still checks behind it. */
#define G_LOG_DOMAIN "holler-serve"

#include "config.h"
#include "holler-ws-limit.h"

#define OPCODE_CONTINUATION 0x0
#define OPCODE_PING 0x9
#define CONTROL_FLAG 0x8
#define PONG_HEADER_BYTES 2   /* a pong's payload is ≤ 125 bytes: 2-byte header */

void
holler_ws_limit_init (HollerWsLimit *self, guint64 max_message, guint64 max_http)
{
  *self = (HollerWsLimit) { .max_message = max_message, .max_http = max_http };
}

void
holler_ws_limit_start_websocket (HollerWsLimit *self)
{
  self->websocket = TRUE;
}

/* "\r\n\r\n" ends a request head; bytes after it belong to what follows
 * (another request, or frames once upgraded) and must not pass yet. */
static HollerWsLimitResult
scan_http (HollerWsLimit *self, const guint8 *data, gsize length, gsize *consumed)
{
  static const char end[] = "\r\n\r\n";

  for (gsize i = 0; i < length; i++)
    {
      if (data[i] == (guint8) end[self->crlf])
        self->crlf++;
      else
        self->crlf = data[i] == '\r' ? 1 : 0;
      if (++self->http_bytes > self->max_http)
        {
          *consumed = i;
          return HOLLER_WS_LIMIT_HTTP_TOO_BIG;
        }
      if (self->crlf == 4)
        {
          self->crlf = 0;
          self->http_bytes = 0;
          *consumed = i + 1;
          return HOLLER_WS_LIMIT_HTTP_END;
        }
    }
  *consumed = length;
  return HOLLER_WS_LIMIT_OK;
}

/* Header length once the first two bytes are known */
static guint
header_size (const guint8 *header)
{
  guint length7 = header[1] & 0x7f;

  return 2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0) + ((header[1] & 0x80) ? 4 : 0);
}

static guint64
payload_length (const guint8 *header)
{
  guint length7 = header[1] & 0x7f;
  guint64 length = 0;

  if (length7 < 126)
    return length7;
  for (guint i = 0; i < (length7 == 126 ? 2u : 8u); i++)
    length = (length << 8) | header[2 + i];
  return length;
}

/* A complete header: FALSE when the message it belongs to is over the limit */
static gboolean
take_header (HollerWsLimit *self)
{
  guint opcode = self->header[0] & 0x0f;
  gboolean fin = (self->header[0] & 0x80) != 0;
  guint64 length = payload_length (self->header);

  self->header_len = 0;
  self->payload_left = length;
  self->message_ends = FALSE;
  if (opcode & CONTROL_FLAG)
    {
      /* control frames may come between fragments and are not part of the
       * message; libsoup answers each ping with a pong it queues */
      if (opcode == OPCODE_PING)
        self->pong_bytes += PONG_HEADER_BYTES + MIN (length, 125);
      return TRUE;
    }
  if (opcode == OPCODE_CONTINUATION)
    self->message_total = length > G_MAXUINT64 - self->message_total ? G_MAXUINT64 : self->message_total + length;
  else
    self->message_total = length;
  if (self->message_total > self->max_message)
    return FALSE;
  self->message_ends = fin;
  if (fin && length == 0)
    self->message_total = 0;
  return TRUE;
}

static HollerWsLimitResult
scan_frames (HollerWsLimit *self, const guint8 *data, gsize length, gsize *consumed)
{
  gsize i = 0;

  while (i < length)
    {
      if (self->payload_left > 0)
        {
          guint64 skip = MIN (self->payload_left, (guint64) (length - i));

          i += skip;
          self->payload_left -= skip;
          if (self->payload_left == 0 && self->message_ends)
            self->message_total = 0;
          continue;
        }
      self->header[self->header_len++] = data[i++];
      if (self->header_len < 2 || self->header_len < header_size (self->header))
        continue;
      if (!take_header (self))
        {
          *consumed = i;
          return HOLLER_WS_LIMIT_TOO_BIG;
        }
    }
  *consumed = length;
  return HOLLER_WS_LIMIT_OK;
}

HollerWsLimitResult
holler_ws_limit_scan (HollerWsLimit *self, const guint8 *data, gsize length, gsize *consumed)
{
  *consumed = 0;
  if (!self->websocket)
    return scan_http (self, data, length, consumed);
  return scan_frames (self, data, length, consumed);
}
