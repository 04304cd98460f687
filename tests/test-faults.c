/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fault tests: two holler processes over the stdio relay, media routed
 * through the relay's UDP proxies so the test can drop, replay, forge and
 * flood datagrams. Everything is on 127.0.0.1 and every wait is bounded
 * (the relay kills both peers when its timeout passes). */
#include <string.h>
#include <signal.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include "holler-test-relay.h"
#include "holler-tone.h"

typedef struct {
  char *dir;
  char *caller_wav;
  char *callee_wav;
  HollerTestRelay *relay;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("holler-faults-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->caller_wav = g_build_filename (f->dir, "caller.wav", NULL);
  f->callee_wav = g_build_filename (f->dir, "callee.wav", NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  /* kills any peer still running */
  g_clear_pointer (&f->relay, holler_test_relay_free);
  dir = g_dir_open (f->dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      g_remove (path);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->caller_wav);
  g_free (f->callee_wav);
}

static const char *
holler_bin (void)
{
  const char *bin = g_getenv ("HOLLER_BIN");

  g_assert_nonnull (bin);
  return bin;
}

static void
builder_take (GStrvBuilder *b, char *s)
{
  g_strv_builder_add (b, s);
  g_free (s);
}

static GStrv
peer_argv (const char *command, int hz, const char *wav, double duration, int connect_timeout)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

  g_strv_builder_add_many (b, holler_bin (), command, "--json", "--allow-loopback",
                           "--ice-address", "127.0.0.1", NULL);
  builder_take (b, g_strdup_printf ("--connect-timeout=%d", connect_timeout));
  builder_take (b, g_strdup_printf ("--input=tone:%d", hz));
  builder_take (b, g_strdup_printf ("--output=file:%s", wav));
  if (duration > 0)
    builder_take (b, g_strdup_printf ("--duration=%g", duration));
  if (g_str_equal (command, "listen"))
    g_strv_builder_add (b, "--auto-answer");
  return g_strv_builder_end (b);
}

static HollerTestRelay *
new_relay (Fixture *f, double caller_duration, int connect_timeout)
{
  g_auto(GStrv) caller = peer_argv ("call", 440, f->caller_wav, caller_duration, connect_timeout);
  g_auto(GStrv) callee = peer_argv ("listen", 880, f->callee_wav, 0, connect_timeout);

  f->relay = holler_test_relay_new ((const char * const *) caller, (const char * const *) callee, f->dir);
  holler_test_relay_enable_capture (f->relay);
  return f->relay;
}

static void
dump_logs (HollerTestRelay *relay)
{
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *text = holler_test_relay_stderr (relay, i);
      g_test_message ("--- %s stderr ---\n%s", i == 0 ? "caller" : "callee", text);
    }
}

/* The last event `name` of a peer (a new reference), or NULL */
static JsonObject *
last_event (HollerTestRelay *relay, int peer, const char *name)
{
  g_autofree char *text = holler_test_relay_stderr (relay, peer);
  g_autoptr(GPtrArray) events = holler_test_find_events (text, name);

  return events->len ? json_object_ref (g_ptr_array_index (events, events->len - 1)) : NULL;
}

static const char *
end_reason (HollerTestRelay *relay, int peer)
{
  static char reason[2][64];
  g_autoptr(JsonObject) ended = last_event (relay, peer, "ended");

  g_strlcpy (reason[peer], ended ? json_object_get_string_member (ended, "reason") : "(none)", sizeof reason[peer]);
  return reason[peer];
}

static void
assert_no_audio (const char *path)
{
  g_autofree gint16 *samples = NULL;
  gsize n = 0;
  guint rate;

  if (g_file_test (path, G_FILE_TEST_EXISTS) && holler_wav_read (path, &samples, &n, &rate, NULL))
    g_assert_cmpuint (n, ==, 0);
}

/* --- 1. the peer vanishes mid-call --- */

typedef struct {
  HollerTestRelay *relay;
  gint64 killed_at;
} KillState;

static gboolean
on_kill_tick (gpointer user_data)
{
  KillState *s = user_data;

  /* ~1 s of the caller's SRTP has reached the callee: the call is active */
  if (holler_test_relay_captured (s->relay)->len < 50)
    return G_SOURCE_CONTINUE;
  g_subprocess_send_signal (holler_test_relay_get_process (s->relay, 1), SIGKILL);
  s->killed_at = g_get_monotonic_time ();
  return G_SOURCE_REMOVE;
}

static void
on_caller_exit (GObject *source, GAsyncResult *result, gpointer user_data)
{
  gint64 *exited_at = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *exited_at = g_get_monotonic_time ();
}

static gboolean
on_give_up (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_peer_vanishes (Fixture *f, gconstpointer data)
{
  HollerTestRelay *relay = new_relay (f, 120, 15);
  KillState s = { relay, 0 };
  gint64 exited_at = 0;
  guint tick = g_timeout_add (20, on_kill_tick, &s);
  g_autoptr(JsonObject) ended = NULL;
  double lost_after;
  gboolean give_up = FALSE;
  guint give_up_id;

  g_subprocess_wait_async (holler_test_relay_get_process (relay, 0), NULL, on_caller_exit, &exited_at);
  g_assert_true (holler_test_relay_run (relay, 75));
  /* the relay's own wait for the caller may have quit its loop before our
   * callback ran: let it run, for 2 s at most */
  give_up_id = g_timeout_add_seconds (2, on_give_up, &give_up);
  while (exited_at == 0 && !give_up)
    g_main_context_iteration (NULL, TRUE);
  if (!give_up)
    g_source_remove (give_up_id);
  dump_logs (relay);
  if (s.killed_at == 0)
    g_source_remove (tick);
  g_assert_cmpint (s.killed_at, >, 0);
  g_assert_cmpint (exited_at, >, 0);
  lost_after = (exited_at - s.killed_at) / (double) G_USEC_PER_SEC;
  g_test_message ("caller ended %.1f s after the callee was killed", lost_after);
  /* killed, not exited */
  g_assert_cmpint (holler_test_relay_exit_status (relay, 1), ==, -1);
  g_assert_cmpint (holler_test_relay_exit_status (relay, 0), ==, 1);
  ended = last_event (relay, 0, "ended");
  g_assert_nonnull (ended);
  g_assert_cmpstr (json_object_get_string_member (ended, "reason"), ==, "connection-lost");
  g_assert_true (json_object_get_boolean_member (ended, "failed"));
  g_assert_cmpfloat (lost_after, <, 30.0);
}

/* --- 2. replayed and forged SRTP --- */

#define N_REPLAYS 60
#define N_FORGED 60

typedef struct {
  HollerTestRelay *relay;
  guint replayed, forged;
} ReplayState;

static gboolean
on_replay_tick (gpointer user_data)
{
  ReplayState *s = user_data;
  GPtrArray *captured = holler_test_relay_captured (s->relay);
  guint8 buf[1500];
  gsize len;
  const guint8 *last;
  guint16 seq;

  /* start after ~1 s of media, and only with RTP (not RTCP) to work on */
  if (captured->len < 50)
    return G_SOURCE_CONTINUE;
  last = g_bytes_get_data (g_ptr_array_index (captured, captured->len - 1), &len);
  if (len > sizeof buf || len < 40 || (last[1] >= 192 && last[1] <= 223))
    return G_SOURCE_CONTINUE;

  /* replays: packets the callee already received, resent unchanged */
  for (guint i = 0; i < 4 && s->replayed < N_REPLAYS; i++)
    {
      gsize plen;
      /* recent ones, surely received with keys in place and still in
       * the replay window */
      guint k = captured->len - 1 - g_random_int_range (0, 40);
      const guint8 *p = g_bytes_get_data (g_ptr_array_index (captured, k), &plen);

      if (p[1] >= 192 && p[1] <= 223)
        continue;
      if (holler_test_relay_send_to_callee (s->relay, p, plen))
        s->replayed++;
    }

  /* forgeries, with sequence numbers ahead of the stream so they are not
   * caught as replays: (a) the last packet with one bit of its tag
   * flipped, (b) the caller's header with random bytes after it */
  for (guint i = 0; i < 4 && s->forged < N_FORGED; i++)
    {
      memcpy (buf, last, len);
      seq = (buf[2] << 8 | buf[3]) + 200 + s->forged;
      buf[2] = seq >> 8;
      buf[3] = seq & 0xff;
      if (s->forged % 2 == 0)
        buf[len - 1] ^= 0x01;
      else
        for (gsize j = 12; j < len; j++)
          buf[j] = g_random_int_range (0, 256);
      if (holler_test_relay_send_to_callee (s->relay, buf, len))
        s->forged++;
    }
  return s->replayed < N_REPLAYS || s->forged < N_FORGED ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void
test_srtp_replay_forgery (Fixture *f, gconstpointer data)
{
  HollerTestRelay *relay = new_relay (f, 5, 15);
  ReplayState s = { relay, 0, 0 };
  guint tick = g_timeout_add (50, on_replay_tick, &s);
  g_autoptr(JsonObject) stats = NULL;
  gint64 replays, failures;
  double share, seconds;

  g_assert_true (holler_test_relay_run (relay, 60));
  dump_logs (relay);
  if (s.replayed < N_REPLAYS || s.forged < N_FORGED)
    g_source_remove (tick);
  g_test_message ("sent %u replays and %u forgeries", s.replayed, s.forged);
  g_assert_cmpuint (s.replayed, ==, N_REPLAYS);
  g_assert_cmpuint (s.forged, ==, N_FORGED);
  g_assert_cmpint (holler_test_relay_exit_status (relay, 0), ==, 0);
  g_assert_cmpint (holler_test_relay_exit_status (relay, 1), ==, 0);

  stats = last_event (relay, 1, "stats");
  g_assert_nonnull (stats);
  replays = json_object_get_int_member (stats, "srtp_replays");
  failures = json_object_get_int_member (stats, "srtp_auth_failures");
  g_test_message ("callee counted %" G_GINT64_FORMAT " replays, %" G_GINT64_FORMAT " auth failures",
                  replays, failures);
  /* loopback UDP loses nothing: every one is counted, in the right bin */
  g_assert_cmpint (replays, >=, N_REPLAYS);
  g_assert_cmpint (failures, >=, N_FORGED);

  /* not played: the recording is the caller's tone throughout */
  share = holler_test_tone_share (f->callee_wav, 440, 2, 2, &seconds);
  g_test_message ("callee.wav: %.2f s, 440 Hz in %.0f%% of blocks", seconds, share * 100);
  g_assert_cmpfloat (seconds, >, 3.0);
  g_assert_cmpfloat (share, >, 0.9);
}

/* --- 3. a DTLS handshake that never completes --- */

static gboolean
drop_caller_dtls (gboolean from_caller, const guint8 *data, gsize len, gpointer user_data)
{
  if (from_caller && len > 0 && data[0] >= 20 && data[0] <= 63)
    {
      *(guint *) user_data += 1;
      return FALSE;
    }
  return TRUE;
}

static void
test_dtls_never_completes (Fixture *f, gconstpointer data)
{
  /* a connect timeout (no signaling for N s) longer than the DTLS one, so
   * the handshake timeout is what ends the call */
  HollerTestRelay *relay = new_relay (f, 30, 40);
  guint dropped = 0;
  gint64 start = g_get_monotonic_time ();
  double elapsed;

  holler_test_relay_set_filter (relay, drop_caller_dtls, &dropped);
  g_assert_true (holler_test_relay_run (relay, 60));
  elapsed = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  dump_logs (relay);
  g_test_message ("dropped %u DTLS datagrams; both ended after %.1f s", dropped, elapsed);
  g_assert_cmpuint (dropped, >, 0);
  g_assert_cmpint (holler_test_relay_exit_status (relay, 0), ==, 1);
  g_assert_cmpint (holler_test_relay_exit_status (relay, 1), ==, 1);
  g_assert_cmpstr (end_reason (relay, 0), ==, "dtls-failed");
  g_assert_cmpstr (end_reason (relay, 1), ==, "dtls-failed");
  /* the 15 s handshake timeout, plus start-up and ICE */
  g_assert_cmpfloat (elapsed, <, 15.0 + 7.0);
  g_assert_cmpuint (holler_test_relay_captured (relay)->len, ==, 0);
  assert_no_audio (f->caller_wav);
  assert_no_audio (f->callee_wav);
}

/* --- 4. a junk UDP flood at the callee's media port --- */

#define FLOOD_TICK_MS 10
#define FLOOD_PER_TICK 20       /* 2000 datagrams/s */
#define FLOOD_TICKS 300         /* 3 s */

typedef struct {
  HollerTestRelay *relay;
  GSocket *socket;
  guint ticks;
  guint sent, sent_as_peer, stun;
  gint64 started, stopped;
} FloodState;

/* A Binding request with a USERNAME nobody uses and a random
 * MESSAGE-INTEGRITY: libnice must answer 401 or ignore it. */
static gsize
bad_binding_request (guint8 *buf)
{
  static const char user[] = "nobody:nothing!!";   /* 16 bytes, no padding */
  gsize off = 20;

  buf[0] = 0x00; buf[1] = 0x01;
  buf[4] = 0x21; buf[5] = 0x12; buf[6] = 0xa4; buf[7] = 0x42;
  for (int i = 8; i < 20; i++)
    buf[i] = g_random_int_range (0, 256);
  buf[off++] = 0x00; buf[off++] = 0x06; buf[off++] = 0; buf[off++] = sizeof user - 1;
  memcpy (buf + off, user, sizeof user - 1);
  off += sizeof user - 1;
  buf[off++] = 0x00; buf[off++] = 0x08; buf[off++] = 0; buf[off++] = 20;
  for (int i = 0; i < 20; i++)
    buf[off++] = g_random_int_range (0, 256);
  buf[2] = (off - 20) >> 8;
  buf[3] = (off - 20) & 0xff;
  return off;
}

static gboolean
on_flood_tick (gpointer user_data)
{
  FloodState *s = user_data;
  GInetSocketAddress *target = holler_test_relay_candidate_address (s->relay, 1);
  guint8 buf[512];

  if (s->started == 0)
    {
      /* start once ~0.5 s of the caller's media has reached the callee */
      if (target == NULL || holler_test_relay_captured (s->relay)->len < 25)
        return G_SOURCE_CONTINUE;
      s->started = g_get_monotonic_time ();
    }
  for (guint i = 0; i < FLOOD_PER_TICK; i++)
    {
      gsize len;

      if (i % 4 == 0)
        {
          len = bad_binding_request (buf);
          s->stun++;
        }
      else
        {
          len = g_random_int_range (1, sizeof buf);
          for (gsize j = 0; j < len; j++)
            buf[j] = g_random_int_range (0, 256);
        }
      /* most straight at the port from a stranger's address; some from
       * the address the caller's media comes from (through the proxy), so
       * that they pass libnice and reach holler's own demultiplexing */
      if (i % 4 == 1)
        {
          if (holler_test_relay_send_to_callee (s->relay, buf, len))
            s->sent_as_peer++;
        }
      else if (g_socket_send_to (s->socket, G_SOCKET_ADDRESS (target), (char *) buf, len, NULL, NULL)
               == (gssize) len)
        s->sent++;
    }
  if (++s->ticks < FLOOD_TICKS)
    return G_SOURCE_CONTINUE;
  s->stopped = g_get_monotonic_time ();
  return G_SOURCE_REMOVE;
}

static void
test_junk_flood (Fixture *f, gconstpointer data)
{
  HollerTestRelay *relay = new_relay (f, 5, 15);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  FloodState s = { relay, NULL };
  guint tick;
  double share, seconds, flood_s;
  g_autoptr(JsonObject) stats = NULL;

  s.socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  g_assert_true (g_socket_bind (s.socket, any, FALSE, NULL));
  g_socket_set_blocking (s.socket, FALSE);
  tick = g_timeout_add (FLOOD_TICK_MS, on_flood_tick, &s);
  g_assert_true (holler_test_relay_run (relay, 60));
  dump_logs (relay);
  if (s.stopped == 0)
    g_source_remove (tick);
  g_clear_object (&s.socket);
  g_assert_cmpint (s.started, >, 0);
  g_assert_cmpint (s.stopped, >, 0);
  flood_s = (s.stopped - s.started) / (double) G_USEC_PER_SEC;
  g_test_message ("flooded %u datagrams (%u bad STUN requests) and %u more as the peer in %.1f s",
                  s.sent, s.stun, s.sent_as_peer, flood_s);
  g_assert_cmpuint (s.sent + s.sent_as_peer, >=, FLOOD_TICKS * FLOOD_PER_TICK * 9 / 10);
  g_assert_cmpint (holler_test_relay_exit_status (relay, 0), ==, 0);
  g_assert_cmpint (holler_test_relay_exit_status (relay, 1), ==, 0);
  stats = last_event (relay, 1, "stats");
  g_assert_nonnull (stats);
  g_test_message ("callee: %" G_GINT64_FORMAT " packets received, %" G_GINT64_FORMAT " SRTP auth failures",
                  json_object_get_int_member (stats, "packets_received"),
                  json_object_get_int_member (stats, "srtp_auth_failures"));
  /* the junk sent as the peer did reach holler's demultiplexing */
  g_assert_cmpint (json_object_get_int_member (stats, "srtp_auth_failures"), >, 0);
  /* The recording spans ~0.5 s before the flood to ~1 s after it: the
   * flood covers most of it, and the tone must stay in > 90 % of blocks. */
  share = holler_test_tone_share (f->callee_wav, 440, 2, 2, &seconds);
  g_test_message ("callee.wav: %.2f s, 440 Hz in %.0f%% of blocks", seconds, share * 100);
  g_assert_cmpfloat (seconds, >, 3.5);
  g_assert_cmpfloat (share, >, 0.9);
}

/* --- 5. a peer that sends no RTCP --- */

/* which directions lose their RTCP */
#define DROP_TO_CALLEE 1        /* the caller's RTCP never reaches the callee */
#define DROP_TO_CALLER 2        /* the callee's RTCP never reaches the caller */
/* RTCP packets seen (passed or dropped) each way before the caller hangs
 * up: the third report is ≥ 2 intervals after the first (RFC 3550 §6.2),
 * so the one each side sent after receiving the other's SR is among them */
#define RTCP_BEFORE_HANGUP 3

typedef struct {
  HollerTestRelay *relay;
  guint drop;
  guint seen[2], dropped[2];    /* [0] caller → callee, [1] callee → caller */
  gboolean hung_up;
} RtcpDropState;

/* CI sets HOLLER_TEST_SLOWDOWN for slower builds (sanitizers) */
static double
slowdown (void)
{
  const char *s = g_getenv ("HOLLER_TEST_SLOWDOWN");
  double f = s ? g_ascii_strtod (s, NULL) : 1;

  return f >= 1 ? f : 1;
}

/* After rtcp-mux, SRTCP keeps the RTCP header in clear: an RTP/RTCP first
 * byte (RFC 7983) and a packet type of 192-223 (RFC 5761 §4) */
static gboolean
is_rtcp (const guint8 *data, gsize len)
{
  return len >= 8 && data[0] >= 128 && data[0] <= 191 && data[1] >= 192 && data[1] <= 223;
}

static gboolean
drop_rtcp (gboolean from_caller, const guint8 *data, gsize len, gpointer user_data)
{
  RtcpDropState *s = user_data;
  guint dir = from_caller ? 0 : 1;

  if (!is_rtcp (data, len))
    return TRUE;
  s->seen[dir]++;
  if ((s->drop & (from_caller ? DROP_TO_CALLEE : DROP_TO_CALLER)) == 0)
    return TRUE;
  s->dropped[dir]++;
  return FALSE;
}

/* Hang up (SIGINT: a normal hang-up with a BYE) once each side has sent
 * its reports, whether they were let through or not */
static gboolean
on_rtcp_tick (gpointer user_data)
{
  RtcpDropState *s = user_data;

  if (s->seen[0] < RTCP_BEFORE_HANGUP || s->seen[1] < RTCP_BEFORE_HANGUP)
    return G_SOURCE_CONTINUE;
  g_subprocess_send_signal (holler_test_relay_get_process (s->relay, 0), SIGINT);
  s->hung_up = TRUE;
  return G_SOURCE_REMOVE;
}

/* The RTCP fields of a peer's final stats: with @reports_expected the
 * peer's reports about our stream arrived (fraction lost known, and an RTT
 * when @rtt_expected), otherwise none did and all of it is null. */
static void
assert_rtcp_stats (HollerTestRelay *relay, int peer, gboolean reports_expected, gboolean rtt_expected)
{
  g_autoptr(JsonObject) stats = last_event (relay, peer, "stats");
  JsonNode *rtt;
  gint64 received;
  char rtt_text[32] = "null";

  g_assert_nonnull (stats);
  rtt = json_object_get_member (stats, "rtt_ms");
  received = json_object_get_int_member (stats, "rtcp_received");
  g_assert_nonnull (rtt);
  if (!JSON_NODE_HOLDS_NULL (rtt))
    g_snprintf (rtt_text, sizeof rtt_text, "%.2f", json_node_get_double (rtt));
  g_test_message ("%s: rtt_ms %s, rtcp_sent %" G_GINT64_FORMAT ", rtcp_received %" G_GINT64_FORMAT
                  ", remote_fraction_lost %s", peer == 0 ? "caller" : "callee", rtt_text,
                  json_object_get_int_member (stats, "rtcp_sent"), received,
                  json_object_get_null_member (stats, "remote_fraction_lost") ? "null" : "set");
  g_assert_cmpint (json_object_get_int_member (stats, "rtcp_sent"), >=, RTCP_BEFORE_HANGUP);
  g_assert_cmpint (json_object_get_int_member (stats, "rtcp_malformed"), ==, 0);
  if (!reports_expected)
    {
      g_assert_cmpint (received, ==, 0);
      g_assert_true (JSON_NODE_HOLDS_NULL (rtt));
      g_assert_true (json_object_get_null_member (stats, "remote_fraction_lost"));
      g_assert_true (json_object_get_null_member (stats, "remote_packets_lost"));
      return;
    }
  g_assert_cmpint (received, >=, RTCP_BEFORE_HANGUP - 1);
  g_assert_false (json_object_get_null_member (stats, "remote_fraction_lost"));
  g_assert_cmpint (json_object_get_int_member (stats, "remote_packets_lost"), ==, 0);
  g_assert_true (JSON_NODE_HOLDS_NULL (rtt) != rtt_expected);
  if (rtt_expected)
    g_assert_cmpfloat (json_node_get_double (rtt), <, 1000.0 * slowdown ());
}

static void
assert_tone (const char *path, double hz)
{
  double seconds, share = holler_test_tone_share (path, hz, 2, 2, &seconds);

  g_test_message ("%s: %.2f s, %.0f Hz in %.0f%% of blocks", path, seconds, hz, share * 100);
  g_assert_cmpfloat (seconds, >, 3.0);
  g_assert_cmpfloat (share, >, 0.9);
}

static void
test_rtcp_dropped (Fixture *f, gconstpointer data)
{
  RtcpDropState s = { new_relay (f, 120, 15), GPOINTER_TO_UINT (data) };
  gboolean to_callee = (s.drop & DROP_TO_CALLEE) == 0, to_caller = (s.drop & DROP_TO_CALLER) == 0;
  guint tick;

  holler_test_relay_set_filter (s.relay, drop_rtcp, &s);
  tick = g_timeout_add (50, on_rtcp_tick, &s);
  g_assert_true (holler_test_relay_run (s.relay, (guint) (60 * slowdown ())));
  dump_logs (s.relay);
  if (!s.hung_up)
    g_source_remove (tick);
  g_test_message ("RTCP caller to callee: %u (%u dropped), callee to caller: %u (%u dropped)",
                  s.seen[0], s.dropped[0], s.seen[1], s.dropped[1]);
  g_assert_true (s.hung_up);
  g_assert_cmpuint (s.dropped[0], ==, to_callee ? 0 : s.seen[0]);
  g_assert_cmpuint (s.dropped[1], ==, to_caller ? 0 : s.seen[1]);
  g_assert_cmpint (holler_test_relay_exit_status (s.relay, 0), ==, 0);
  g_assert_cmpint (holler_test_relay_exit_status (s.relay, 1), ==, 0);
  g_assert_cmpstr (end_reason (s.relay, 0), ==, "hangup");
  g_assert_cmpstr (end_reason (s.relay, 1), ==, "hangup");
  assert_tone (f->callee_wav, 440);
  assert_tone (f->caller_wav, 880);
  /* an RTT (RFC 3550 §6.4.1) needs our SR to reach the peer and its
   * report about it to come back: RTCP both ways */
  assert_rtcp_stats (s.relay, 0, to_caller, to_caller && to_callee);
  assert_rtcp_stats (s.relay, 1, to_callee, to_caller && to_callee);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/faults/peer-vanishes", Fixture, NULL, fixture_setup, test_peer_vanishes, fixture_teardown);
  g_test_add ("/faults/srtp-replay-forgery", Fixture, NULL, fixture_setup, test_srtp_replay_forgery, fixture_teardown);
  g_test_add ("/faults/dtls-never-completes", Fixture, NULL, fixture_setup, test_dtls_never_completes, fixture_teardown);
  g_test_add ("/faults/junk-flood", Fixture, NULL, fixture_setup, test_junk_flood, fixture_teardown);
  g_test_add ("/faults/rtcp/none-dropped", Fixture, GUINT_TO_POINTER (0), fixture_setup,
              test_rtcp_dropped, fixture_teardown);
  g_test_add ("/faults/rtcp/dropped-to-caller", Fixture, GUINT_TO_POINTER (DROP_TO_CALLER), fixture_setup,
              test_rtcp_dropped, fixture_teardown);
  g_test_add ("/faults/rtcp/dropped-both-ways", Fixture, GUINT_TO_POINTER (DROP_TO_CALLER | DROP_TO_CALLEE),
              fixture_setup, test_rtcp_dropped, fixture_teardown);
  return g_test_run ();
}
