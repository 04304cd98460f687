/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the bytes a client sends to `holler serve`, as the
 * server's guard below libsoup scans them (holler_ws_limit_scan,
 * src/server/holler-ws-limit.c): HTTP request heads, then WebSocket frame
 * headers. The first byte picks the limits, where the upgrade happens and
 * the piece size; the rest is the stream.
 * Invariants: consumed never exceeds what was offered; OK consumes all of
 * it; HTTP_END ends right after "\r\n\r\n"; feeding the stream in pieces
 * gives the same results at the same offsets as feeding it at once; the
 * guard stream (HollerGuardInput) over the same bytes passes exactly the
 * bytes the scanner allowed, then fails with the matching error. */
#include <string.h>
#include <libsoup/soup.h>
#include "fuzz-common.h"
#include "server/holler-ws-limit.h"
#include "server/holler-guard-input.h"

#define MAX_EVENTS 4096

typedef struct {
  HollerWsLimitResult result;
  gsize offset;          /* absolute, after the consumed bytes */
} Event;

/* Scans @data in pieces of @step (0: at once), switching to frames at the
 * first HTTP_END at or after @upgrade_at; records each non-OK result */
static guint
scan_all (const guint8 *data, gsize size, gsize step, gsize upgrade_at, guint64 max_message,
          guint64 max_http, Event *events, gboolean *refused)
{
  HollerWsLimit limit;
  gsize offset = 0;
  guint n = 0;

  holler_ws_limit_init (&limit, max_message, max_http);
  *refused = FALSE;
  while (offset < size && n < MAX_EVENTS)
    {
      gsize piece = step == 0 ? size - offset : MIN (step, size - offset);
      gsize consumed;
      HollerWsLimitResult result = holler_ws_limit_scan (&limit, data + offset, piece, &consumed);

      FUZZ_CHECK (consumed <= piece, "consumed %zu of %zu", consumed, piece);
      FUZZ_CHECK (result != HOLLER_WS_LIMIT_OK || consumed == piece, "OK but consumed %zu of %zu", consumed, piece);
      offset += consumed;
      if (result == HOLLER_WS_LIMIT_OK)
        continue;
      events[n++] = (Event) { result, offset };
      if (result == HOLLER_WS_LIMIT_HTTP_END)
        {
          FUZZ_CHECK (offset >= 4 && memcmp (data + offset - 4, "\r\n\r\n", 4) == 0, "HTTP_END at %zu", offset);
          if (offset >= upgrade_at)
            holler_ws_limit_start_websocket (&limit);
          continue;
        }
      *refused = TRUE;
      break;
    }
  return n;
}

static gboolean
is_upgrade (const Event *events, guint n_events, gsize offset, gsize upgrade_at)
{
  for (guint i = 0; i < n_events; i++)
    if (events[i].result == HOLLER_WS_LIMIT_HTTP_END && events[i].offset == offset)
      return offset >= upgrade_at;
  return FALSE;
}

/* The guard stream passes exactly @allowed bytes, then fails (or ends);
 * its reads stop at the ends of request heads, where it is upgraded as the
 * scanner was */
static void
check_guard (const guint8 *data, gsize size, guint64 max_message, guint64 max_http, gsize upgrade_at,
             const Event *events, guint n_events, gsize allowed, gboolean refused)
{
  g_autoptr(GInputStream) memory = g_memory_input_stream_new_from_data (data, size, NULL);
  g_autoptr(GInputStream) guard = holler_guard_input_new (memory, max_message, max_http, NULL);
  g_autoptr(GError) error = NULL;
  guint8 buffer[512];
  gsize passed = 0;
  gssize n;

  while ((n = g_input_stream_read (guard, buffer, sizeof buffer, NULL, &error)) > 0)
    {
      FUZZ_CHECK (memcmp (buffer, data + passed, n) == 0, "guard changed bytes at %zu", passed);
      passed += n;
      if (is_upgrade (events, n_events, passed, upgrade_at))
        holler_guard_input_start_websocket (HOLLER_GUARD_INPUT (guard));
    }
  FUZZ_CHECK (passed == allowed, "guard passed %zu, scanner allowed %zu", passed, allowed);
  FUZZ_CHECK ((n < 0) == refused, "guard %s, scanner %s", n < 0 ? "failed" : "ended",
              refused ? "refused" : "did not");
  if (n < 0)
    FUZZ_CHECK (g_error_matches (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_CLOSE_TOO_BIG)
                || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE), "unexpected error");
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_glib ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static Event whole[MAX_EVENTS], pieces[MAX_EVENTS];
  static const guint64 messages[] = { 0, 10, 1000, 262144 };
  gboolean refused_whole, refused_pieces;
  guint64 max_message, max_http;
  gsize step, upgrade_at;
  guint n_whole, n_pieces;

  if (size < 1)
    return 0;
  max_message = messages[data[0] & 0x03];
  max_http = (data[0] & 0x04) ? 64 : 16384;
  step = 1 + ((data[0] >> 3) & 0x07);
  upgrade_at = (data[0] & 0x40) ? 0 : size / 2;
  data++;
  size--;
  n_whole = scan_all (data, size, 0, upgrade_at, max_message, max_http, whole, &refused_whole);
  n_pieces = scan_all (data, size, step, upgrade_at, max_message, max_http, pieces, &refused_pieces);
  FUZZ_CHECK (n_whole == n_pieces && refused_whole == refused_pieces, "%u events at once, %u in pieces of %zu",
              n_whole, n_pieces, step);
  for (guint i = 0; i < n_whole; i++)
    FUZZ_CHECK (whole[i].result == pieces[i].result && whole[i].offset == pieces[i].offset,
                "event %u: %d at %zu at once, %d at %zu in pieces", i, whole[i].result, whole[i].offset,
                pieces[i].result, pieces[i].offset);
  if (n_whole < MAX_EVENTS)
    check_guard (data, size, max_message, max_http, upgrade_at, whole, n_whole,
                 refused_whole ? whole[n_whole - 1].offset : size, refused_whole);
  return 0;
}
