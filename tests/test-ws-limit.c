/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bounds `holler serve` keeps below libsoup (src/server/holler-ws-limit.c,
 * holler-guard-input.c): HTTP request heads, and the total payload of a
 * fragmented WebSocket message, with control frames between fragments. */
#include <string.h>
#include <libsoup/soup.h>
#include "server/holler-ws-limit.h"
#include "server/holler-guard-input.h"

#define MAX_MESSAGE 1000
#define MAX_HTTP 200

/* A client frame header (masked, key 0) followed by @length zero bytes */
static void
append_frame (GByteArray *out, guint8 opcode, gboolean fin, guint64 length)
{
  guint8 header[14] = { (fin ? 0x80 : 0) | opcode };
  guint n = 2;

  if (length < 126)
    header[1] = 0x80 | length;
  else if (length < 65536)
    {
      header[1] = 0x80 | 126;
      header[2] = length >> 8;
      header[3] = length & 0xff;
      n = 4;
    }
  else
    {
      header[1] = 0x80 | 127;
      for (guint i = 0; i < 8; i++)
        header[2 + i] = (length >> (56 - 8 * i)) & 0xff;
      n = 10;
    }
  n += 4;   /* mask key */
  g_byte_array_append (out, header, n);
  for (guint64 i = 0; i < length; i++)
    g_byte_array_append (out, (const guint8 *) "", 1);
}

/* Feeds @data in pieces of @step bytes (0: at once); returns the first
 * result that is not OK and the total consumed up to it */
static HollerWsLimitResult
feed (HollerWsLimit *limit, const guint8 *data, gsize length, gsize step, gsize *total)
{
  *total = 0;
  while (*total < length)
    {
      gsize piece = step == 0 ? length - *total : MIN (step, length - *total);
      gsize consumed;
      HollerWsLimitResult result = holler_ws_limit_scan (limit, data + *total, piece, &consumed);

      *total += consumed;
      if (result != HOLLER_WS_LIMIT_OK)
        return result;
    }
  return HOLLER_WS_LIMIT_OK;
}

static void
test_http_heads (void)
{
  const char *two = "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /ws HTTP/1.1\r\n\r\n";
  gsize first = strlen ("GET / HTTP/1.1\r\nHost: x\r\n\r\n");

  for (gsize step = 0; step <= 3; step++)
    {
      HollerWsLimit limit;
      gsize total;

      holler_ws_limit_init (&limit, MAX_MESSAGE, MAX_HTTP);
      g_assert_cmpint (feed (&limit, (const guint8 *) two, strlen (two), step, &total), ==, HOLLER_WS_LIMIT_HTTP_END);
      g_assert_cmpuint (total, ==, first);
      g_assert_cmpint (feed (&limit, (const guint8 *) two + first, strlen (two) - first, step, &total), ==,
                       HOLLER_WS_LIMIT_HTTP_END);
      g_assert_cmpuint (total, ==, strlen (two) - first);
    }
}

static void
test_http_too_big (void)
{
  g_autofree char *head = g_strnfill (MAX_HTTP + 10, 'a');
  HollerWsLimit limit;
  gsize total;

  holler_ws_limit_init (&limit, MAX_MESSAGE, MAX_HTTP);
  g_assert_cmpint (feed (&limit, (const guint8 *) head, strlen (head), 7, &total), ==,
                   HOLLER_WS_LIMIT_HTTP_TOO_BIG);
  g_assert_cmpuint (total, ==, MAX_HTTP);
}

static void
test_fragments (void)
{
  for (gsize step = 0; step <= 5; step += 5)
    {
      g_autoptr(GByteArray) ok = g_byte_array_new ();
      g_autoptr(GByteArray) big = g_byte_array_new ();
      HollerWsLimit limit;
      gsize total, before;

      /* two messages of 600 (each under 1000, their sum over), a ping
       * between fragments, an unfragmented 1000 */
      append_frame (ok, 0x1, FALSE, 300);
      append_frame (ok, 0x9, TRUE, 5);
      append_frame (ok, 0x0, TRUE, 300);
      append_frame (ok, 0x2, FALSE, 0);
      append_frame (ok, 0x0, TRUE, 600);
      append_frame (ok, 0x1, TRUE, MAX_MESSAGE);
      holler_ws_limit_init (&limit, MAX_MESSAGE, MAX_HTTP);
      holler_ws_limit_start_websocket (&limit);
      g_assert_cmpint (feed (&limit, ok->data, ok->len, step, &total), ==, HOLLER_WS_LIMIT_OK);
      g_assert_cmpuint (total, ==, ok->len);
      g_assert_cmpuint (limit.pong_bytes, ==, 2 + 5);

      /* 400 + 400 + a 16-bit-length fragment of 300: refused at its header */
      append_frame (big, 0x1, FALSE, 400);
      append_frame (big, 0x0, FALSE, 400);
      before = big->len;
      append_frame (big, 0x0, TRUE, 300);
      holler_ws_limit_init (&limit, MAX_MESSAGE, MAX_HTTP);
      holler_ws_limit_start_websocket (&limit);
      g_assert_cmpint (feed (&limit, big->data, big->len, step, &total), ==, HOLLER_WS_LIMIT_TOO_BIG);
      g_assert_cmpuint (total, ==, before + 2 + 2 + 4);
    }
}

static void
test_huge_lengths (void)
{
  g_autoptr(GByteArray) frames = g_byte_array_new ();
  HollerWsLimit limit;
  gsize total;

  /* a 64-bit length near the top must not wrap the message total */
  append_frame (frames, 0x1, FALSE, 10);
  g_byte_array_append (frames, (const guint8 *) "\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\0\0\0\0", 14);
  holler_ws_limit_init (&limit, G_MAXUINT64 - 5, MAX_HTTP);
  holler_ws_limit_start_websocket (&limit);
  g_assert_cmpint (feed (&limit, frames->data, frames->len, 0, &total), ==, HOLLER_WS_LIMIT_TOO_BIG);
}

/* The stream libsoup reads: passes a request head and stops at its end,
 * then fails with libsoup's own too-big error */
static void
test_guard_input (void)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(GInputStream) memory = NULL;
  g_autoptr(GInputStream) guard = NULL;
  g_autoptr(GError) error = NULL;
  const char *head = "GET /ws HTTP/1.1\r\n\r\n";
  guint8 buffer[4096];
  gssize n;

  g_byte_array_append (bytes, (const guint8 *) head, strlen (head));
  append_frame (bytes, 0x1, FALSE, 800);
  append_frame (bytes, 0x0, FALSE, 800);
  memory = g_memory_input_stream_new_from_data (g_memdup2 (bytes->data, bytes->len), bytes->len, g_free);
  guard = holler_guard_input_new (memory, MAX_MESSAGE, MAX_HTTP, NULL);
  g_assert_true (g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (guard)));
  n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (guard), buffer, sizeof buffer, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, strlen (head));
  holler_guard_input_start_websocket (HOLLER_GUARD_INPUT (guard));
  g_assert_true (g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (guard)));
  n = g_input_stream_read (guard, buffer, sizeof buffer, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 8 + 800 + 8);   /* the first fragment and the second's header */
  n = g_input_stream_read (guard, buffer, sizeof buffer, NULL, &error);
  g_assert_cmpint (n, ==, -1);
  g_assert_error (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_CLOSE_TOO_BIG);
  g_assert_true (holler_guard_input_get_refused (HOLLER_GUARD_INPUT (guard)));
}

/* A client that pings and reads nothing: once the pongs libsoup owes (and
 * what the server sent) pass the queue limit, reads fail */
static void
test_guard_queue (void)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(GInputStream) memory = NULL;
  g_autoptr(GInputStream) guard = NULL;
  g_autoptr(GError) error = NULL;
  HollerGuardQueue *queue = g_rc_box_new0 (HollerGuardQueue);
  guint8 buffer[64];
  gssize n;

  queue->limit = 3 * 127;
  for (guint i = 0; i < 10; i++)
    append_frame (bytes, 0x9, TRUE, 125);
  memory = g_memory_input_stream_new_from_data (g_memdup2 (bytes->data, bytes->len), bytes->len, g_free);
  guard = holler_guard_input_new (memory, MAX_MESSAGE, MAX_HTTP, queue);
  holler_guard_input_start_websocket (HOLLER_GUARD_INPUT (guard));
  /* three pings (131 bytes each) pass, their pongs fill the queue */
  while ((n = g_input_stream_read (guard, buffer, sizeof buffer, NULL, &error)) > 0)
    ;
  g_assert_cmpint (n, ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
  g_assert_cmpuint (queue->pong_bytes, >, queue->limit);
  g_assert_cmpuint (queue->pong_bytes, <=, queue->limit + 127);
  /* once written, the pongs no longer count */
  queue->written = queue->pong_bytes;
  g_assert_false (holler_guard_queue_is_over (queue, 0));
  g_rc_box_release (queue);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ws-limit/http-heads", test_http_heads);
  g_test_add_func ("/ws-limit/http-too-big", test_http_too_big);
  g_test_add_func ("/ws-limit/fragments", test_fragments);
  g_test_add_func ("/ws-limit/huge-lengths", test_huge_lengths);
  g_test_add_func ("/ws-limit/guard-input", test_guard_input);
  g_test_add_func ("/ws-limit/guard-queue", test_guard_queue);
  return g_test_run ();
}
