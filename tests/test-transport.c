/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Two HollerTransports in this process wired back to back on loopback:
 * credentials, candidates and fingerprints handed across directly, no
 * SDP and no signaling. DTLS must verify each side's fingerprint and key
 * SRTP that carries RTP and RTCP both ways; a wrong fingerprint must fail
 * the handshake with the mismatch error and let no packet through. */
#include <string.h>
#include "holler-transport.h"
#include "holler-error.h"

#define TIMEOUT_S 20
#define PACKETS 10
#define RTP_HEADER 12
#define BUF_SIZE (1500 + HOLLER_SRTP_MAX_TRAILER)

typedef struct _Peer Peer;

struct _Peer {
  const char *name;
  HollerTransport *transport;
  Peer *other;
  gboolean first_pair;
  guint later_pairs;          /* "selected-pair" after an ICE restart */
  gboolean dtls_connected;
  gboolean ready;
  GError *error;              /* from "dtls-failed" or "failed" */
  GPtrArray *rtp;             /* GBytes: what arrived, unprotected */
  GPtrArray *rtcp;
};

/* CI sets HOLLER_TEST_SLOWDOWN for slower builds (sanitizers); every bound scales with it */
static double
slowdown (void)
{
  const char *env = g_getenv ("HOLLER_TEST_SLOWDOWN");
  double factor = env != NULL ? g_ascii_strtod (env, NULL) : 1.0;

  return CLAMP (factor, 1.0, 20.0);
}

static void
on_local_candidate (HollerTransport *transport, const char *candidate, gpointer user_data)
{
  Peer *peer = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (holler_transport_add_remote_candidate (peer->other->transport, candidate, &error));
  g_assert_no_error (error);
}

static void
on_gathering_done (HollerTransport *transport, gpointer user_data)
{
  Peer *peer = user_data;

  holler_transport_remote_gathering_done (peer->other->transport);
}

static void
on_selected_pair (HollerTransport *transport, gboolean first, gpointer user_data)
{
  Peer *peer = user_data;

  if (first)
    peer->first_pair = TRUE;
  else
    peer->later_pairs++;
}

static void
on_dtls_connected (HollerTransport *transport, gpointer user_data)
{
  ((Peer *) user_data)->dtls_connected = TRUE;
}

static void
on_ready (HollerTransport *transport, gpointer user_data)
{
  Peer *peer = user_data;

  g_assert_true (peer->dtls_connected);
  peer->ready = TRUE;
}

static void
on_failed (HollerTransport *transport, GError *error, gpointer user_data)
{
  Peer *peer = user_data;

  if (peer->error == NULL)
    peer->error = g_error_copy (error);
}

static void
on_packet (const guint8 *packet, gsize len, gboolean rtcp, gpointer user_data)
{
  Peer *peer = user_data;

  g_ptr_array_add (rtcp ? peer->rtcp : peer->rtp, g_bytes_new (packet, len));
}

static void
peer_init (Peer *peer, const char *name, gboolean controlling, guint dtls_timeout_ms)
{
  const char *loopback[] = { "127.0.0.1", NULL };
  HollerTransportConfig config = {
    .ice = { .allow_loopback = TRUE, .addresses = loopback },
    .dtls_timeout_ms = dtls_timeout_ms,
  };

  peer->name = name;
  peer->transport = holler_transport_new (NULL, controlling, &config);
  peer->rtp = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  peer->rtcp = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  holler_transport_set_receive_func (peer->transport, on_packet, peer);
  g_signal_connect (peer->transport, "local-candidate", G_CALLBACK (on_local_candidate), peer);
  g_signal_connect (peer->transport, "gathering-done", G_CALLBACK (on_gathering_done), peer);
  g_signal_connect (peer->transport, "selected-pair", G_CALLBACK (on_selected_pair), peer);
  g_signal_connect (peer->transport, "dtls-connected", G_CALLBACK (on_dtls_connected), peer);
  g_signal_connect (peer->transport, "ready", G_CALLBACK (on_ready), peer);
  g_signal_connect (peer->transport, "dtls-failed", G_CALLBACK (on_failed), peer);
  g_signal_connect (peer->transport, "failed", G_CALLBACK (on_failed), peer);
}

static void
peer_clear (Peer *peer)
{
  holler_transport_close (peer->transport);
  g_clear_object (&peer->transport);
  g_clear_error (&peer->error);
  g_ptr_array_unref (peer->rtp);
  g_ptr_array_unref (peer->rtcp);
}

/* What the signaling would carry, handed across: ICE credentials, then the
 * DTLS role and the fingerprint the peer "announced" for the other. */
static void
introduce (Peer *peer, gboolean dtls_client, const char *their_fingerprint)
{
  g_autofree char *ufrag = NULL, *pwd = NULL;
  g_autoptr(GError) error = NULL;

  holler_transport_get_local_credentials (peer->other->transport, &ufrag, &pwd);
  g_assert_true (holler_transport_set_remote_credentials (peer->transport, ufrag, pwd, &error));
  g_assert_no_error (error);
  g_assert_true (holler_transport_set_remote_fingerprint (peer->transport, dtls_client, their_fingerprint,
                                                          &error));
  g_assert_no_error (error);
}

static const char *
local_fingerprint (Peer *peer)
{
  g_autoptr(GError) error = NULL;
  const char *fingerprint = holler_transport_get_local_fingerprint (peer->transport, &error);

  g_assert_no_error (error);
  g_assert_nonnull (fingerprint);
  g_assert_cmpuint (strlen (fingerprint), ==, 32 * 3 - 1);   /* sha-256 as "AB:CD:…" */
  return fingerprint;
}

/* The same fingerprint with its last hex digit changed */
static char *
wrong_fingerprint (const char *fingerprint)
{
  char *wrong = g_strdup (fingerprint);
  char *last = wrong + strlen (wrong) - 1;

  *last = *last == '0' ? '1' : '0';
  return wrong;
}

static gboolean
on_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

typedef gboolean (*Condition) (Peer *a, Peer *b);

static void
wait_for (Peer *a, Peer *b, Condition done, const char *what)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add ((guint) (TIMEOUT_S * 1000 * slowdown ()), on_timeout, &timed_out);

  while (!done (a, b) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("timed out waiting for %s", what);
  g_source_remove (id);
}

static void
connect_peers (Peer *a, Peer *b, const char *a_sees_b, const char *b_sees_a)
{
  g_autoptr(GError) error = NULL;

  a->other = b;
  b->other = a;
  introduce (a, TRUE, a_sees_b);    /* a is the DTLS client, b the server */
  introduce (b, FALSE, b_sees_a);
  g_assert_true (holler_transport_gather (a->transport, &error));
  g_assert_no_error (error);
  g_assert_true (holler_transport_gather (b->transport, &error));
  g_assert_no_error (error);
}

/* An RTP packet (PT 111) or an RTCP APP packet (PT 204) with a payload
 * that names its sender and sequence number. */
static gsize
make_packet (guint8 *buf, gboolean rtcp, guint32 ssrc, guint seq, const char *from)
{
  g_autofree char *payload = g_strdup_printf ("%s %s %u", from, rtcp ? "rtcp" : "rtp", seq);
  gsize len = RTP_HEADER + ((strlen (payload) + 3) / 4) * 4;

  memset (buf, 0, BUF_SIZE);
  if (rtcp)
    {
      buf[0] = 0x80;
      buf[1] = 204;
      buf[2] = ((len / 4 - 1) >> 8) & 0xff;
      buf[3] = (len / 4 - 1) & 0xff;
      buf[4] = ssrc >> 24; buf[5] = ssrc >> 16; buf[6] = ssrc >> 8; buf[7] = ssrc;
      memcpy (buf + 8, "HOLR", 4);
    }
  else
    {
      buf[0] = 0x80;
      buf[1] = 111;
      buf[2] = seq >> 8; buf[3] = seq & 0xff;
      buf[4] = 0; buf[5] = 0; buf[6] = (seq * 960) >> 8; buf[7] = (seq * 960) & 0xff;
      buf[8] = ssrc >> 24; buf[9] = ssrc >> 16; buf[10] = ssrc >> 8; buf[11] = ssrc;
    }
  memcpy (buf + RTP_HEADER, payload, strlen (payload));
  return len;
}

/* Sends PACKETS RTP and PACKETS RTCP packets from @from; returns copies
 * of what was sent, before protection. */
static GPtrArray *
send_packets (Peer *from, guint32 ssrc, gboolean rtcp, guint first_seq)
{
  GPtrArray *sent = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (guint i = 0; i < PACKETS; i++)
    {
      guint8 buf[BUF_SIZE];
      gsize len = make_packet (buf, rtcp, ssrc, first_seq + i, from->name);

      g_ptr_array_add (sent, g_bytes_new (buf, len));
      g_assert_true (holler_transport_send (from->transport, buf, len, sizeof buf));
      /* protected in place: what went out is not what we wrote */
      g_assert_false (memcmp (buf + RTP_HEADER, g_bytes_get_data (g_ptr_array_index (sent, i), NULL),
                              len - RTP_HEADER) == 0);
    }
  return sent;
}

static gboolean
both_ready (Peer *a, Peer *b)
{
  return (a->ready && b->ready) || a->error != NULL || b->error != NULL;
}

static gboolean
all_received (Peer *a, Peer *b)
{
  return a->rtp->len >= PACKETS && a->rtcp->len >= PACKETS && b->rtp->len >= PACKETS
         && b->rtcp->len >= PACKETS;
}

static void
assert_same (GPtrArray *sent, GPtrArray *received)
{
  g_assert_cmpuint (received->len, ==, sent->len);
  for (guint i = 0; i < sent->len; i++)
    g_assert_true (g_bytes_equal (g_ptr_array_index (sent, i), g_ptr_array_index (received, i)));
}

/* PACKETS RTP and RTCP packets each way, each arriving as it was sent */
static void
exchange (Peer *a, Peer *b, guint first_seq)
{
  g_autoptr(GPtrArray) a_rtp = send_packets (a, 0x11111111, FALSE, first_seq);
  g_autoptr(GPtrArray) a_rtcp = send_packets (a, 0x11111111, TRUE, first_seq);
  g_autoptr(GPtrArray) b_rtp = send_packets (b, 0x22222222, FALSE, first_seq);
  g_autoptr(GPtrArray) b_rtcp = send_packets (b, 0x22222222, TRUE, first_seq);

  g_ptr_array_set_size (a->rtp, 0);
  g_ptr_array_set_size (a->rtcp, 0);
  g_ptr_array_set_size (b->rtp, 0);
  g_ptr_array_set_size (b->rtcp, 0);
  wait_for (a, b, all_received, "every packet both ways");
  assert_same (a_rtp, b->rtp);
  assert_same (a_rtcp, b->rtcp);
  assert_same (b_rtp, a->rtp);
  assert_same (b_rtcp, a->rtcp);
}

static void
assert_keys_match (Peer *a, Peer *b)
{
  HollerSrtpKeys ka, kb;

  g_assert_true (holler_transport_get_srtp_keys (a->transport, &ka));
  g_assert_true (holler_transport_get_srtp_keys (b->transport, &kb));
  g_assert_cmpuint (ka.profile, ==, kb.profile);
  g_assert_cmpuint (ka.key_len, ==, kb.key_len);
  g_assert_cmpmem (ka.local, ka.key_len, kb.remote, kb.key_len);
  g_assert_cmpmem (ka.remote, ka.key_len, kb.local, kb.key_len);
  g_assert_false (memcmp (ka.local, ka.remote, ka.key_len) == 0);
}

static void
assert_loopback_pair (Peer *peer)
{
  HollerIcePair pair;

  g_assert_true (peer->first_pair);
  g_assert_true (holler_transport_get_selected_pair (peer->transport, &pair));
  g_assert_cmpstr (pair.local_type, ==, "host");
  g_assert_true (g_str_has_prefix (pair.local_address, "127.0.0.1:"));
  g_assert_true (g_str_has_prefix (pair.remote_address, "127.0.0.1:"));
}

static void
test_srtp_both_ways (void)
{
  Peer a = { 0 }, b = { 0 };
  HollerSrtpStats stats;

  peer_init (&a, "alice", TRUE, 0);
  peer_init (&b, "bob", FALSE, 0);
  connect_peers (&a, &b, local_fingerprint (&b), local_fingerprint (&a));
  wait_for (&a, &b, both_ready, "DTLS and SRTP on both sides");
  g_assert_no_error (a.error);
  g_assert_no_error (b.error);
  /* "dtls-connected" is the fingerprint check passed on each side */
  g_assert_true (a.dtls_connected && b.dtls_connected);
  assert_loopback_pair (&a);
  assert_loopback_pair (&b);
  assert_keys_match (&a, &b);
  g_assert_nonnull (holler_transport_get_cipher (a.transport));

  exchange (&a, &b, 1);

  holler_transport_get_srtp_stats (a.transport, &stats);
  g_assert_cmpuint (stats.protected_packets, ==, 2 * PACKETS);
  g_assert_cmpuint (stats.unprotected_packets, ==, 2 * PACKETS);
  g_assert_cmpuint (stats.auth_failures, ==, 0);
  peer_clear (&a);
  peer_clear (&b);
}

static gboolean
both_restarted (Peer *a, Peer *b)
{
  return (a->later_pairs > 0 && b->later_pairs > 0) || a->error != NULL || b->error != NULL;
}

/* New ICE credentials and candidates on both sides (as a re-offer and
 * its answer would carry them): the same DTLS keys go on over the new
 * pair, with no second handshake. */
static void
test_ice_restart (void)
{
  Peer a = { 0 }, b = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *ufrag = NULL, *pwd = NULL;
  HollerSrtpStats stats;
  HollerIcePair before, after;

  peer_init (&a, "alice", TRUE, 0);
  peer_init (&b, "bob", FALSE, 0);
  connect_peers (&a, &b, local_fingerprint (&b), local_fingerprint (&a));
  wait_for (&a, &b, both_ready, "DTLS and SRTP on both sides");
  exchange (&a, &b, 1);
  g_assert_true (holler_transport_get_selected_pair (a.transport, &before));

  holler_transport_restart (a.transport);
  holler_transport_restart (b.transport);
  holler_transport_get_local_credentials (b.transport, &ufrag, &pwd);
  g_assert_true (holler_transport_set_remote_credentials (a.transport, ufrag, pwd, &error));
  g_clear_pointer (&ufrag, g_free);
  g_clear_pointer (&pwd, g_free);
  holler_transport_get_local_credentials (a.transport, &ufrag, &pwd);
  g_assert_true (holler_transport_set_remote_credentials (b.transport, ufrag, pwd, &error));
  g_assert_true (holler_transport_gather (a.transport, &error));
  g_assert_true (holler_transport_gather (b.transport, &error));
  g_assert_no_error (error);
  wait_for (&a, &b, both_restarted, "the restarted sessions to connect");
  g_assert_no_error (a.error);
  g_assert_no_error (b.error);
  g_assert_cmpuint (a.later_pairs, ==, 1);
  g_assert_cmpuint (b.later_pairs, ==, 1);
  /* a new libnice stream: new sockets, so new ports on both ends */
  g_assert_true (holler_transport_get_selected_pair (a.transport, &after));
  g_assert_cmpstr (after.local_address, !=, before.local_address);
  g_assert_cmpstr (after.remote_address, !=, before.remote_address);

  exchange (&a, &b, 1 + PACKETS);
  holler_transport_get_srtp_stats (b.transport, &stats);
  g_assert_cmpuint (stats.unprotected_packets, ==, 4 * PACKETS);
  g_assert_cmpuint (stats.auth_failures + stats.replays, ==, 0);
  peer_clear (&a);
  peer_clear (&b);
}

static gboolean
both_failed (Peer *a, Peer *b)
{
  return a->error != NULL && b->error != NULL;
}

/* @wrong_at_client: the DTLS client holds the wrong fingerprint (it
 * rejects the server's certificate), else the server does. */
static void
run_mismatch (gboolean wrong_at_client)
{
  Peer a = { 0 }, b = { 0 };
  g_autofree char *wrong = NULL;
  Peer *deceived;
  guint8 buf[BUF_SIZE];
  gsize len;

  /* Bounded, so a side that never hears the rejection fails too */
  peer_init (&a, "alice", TRUE, (guint) (5000 * slowdown ()));
  peer_init (&b, "bob", FALSE, (guint) (5000 * slowdown ()));
  if (wrong_at_client)
    {
      wrong = wrong_fingerprint (local_fingerprint (&b));
      connect_peers (&a, &b, wrong, local_fingerprint (&a));
    }
  else
    {
      wrong = wrong_fingerprint (local_fingerprint (&a));
      connect_peers (&a, &b, local_fingerprint (&b), wrong);
    }
  deceived = wrong_at_client ? &a : &b;
  wait_for (&a, &b, both_failed, "the handshake to fail on both sides");
  g_assert_error (deceived->error, HOLLER_ERROR, HOLLER_ERROR_FINGERPRINT_MISMATCH);
  /* the other side hears it as a bad_certificate alert */
  g_assert_error (deceived->other->error, HOLLER_ERROR, HOLLER_ERROR_FINGERPRINT_MISMATCH);
  g_assert_true (deceived->first_pair);   /* ICE worked; only DTLS refused */
  g_assert_false (a.dtls_connected || b.dtls_connected);
  g_assert_false (a.ready || b.ready);

  /* No keys, so nothing can be sent or delivered */
  len = make_packet (buf, FALSE, 0x33333333, 1, "alice");
  g_assert_false (holler_transport_send (a.transport, buf, len, sizeof buf));
  len = make_packet (buf, FALSE, 0x44444444, 1, "bob");
  g_assert_false (holler_transport_send (b.transport, buf, len, sizeof buf));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (a.rtp->len + a.rtcp->len + b.rtp->len + b.rtcp->len, ==, 0);
  peer_clear (&a);
  peer_clear (&b);
}

static void
test_mismatch_at_client (void)
{
  run_mismatch (TRUE);
}

static void
test_mismatch_at_server (void)
{
  run_mismatch (FALSE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/transport/srtp-both-ways", test_srtp_both_ways);
  g_test_add_func ("/transport/ice-restart", test_ice_restart);
  g_test_add_func ("/transport/fingerprint-mismatch/client", test_mismatch_at_client);
  g_test_add_func ("/transport/fingerprint-mismatch/server", test_mismatch_at_server);
  return g_test_run ();
}
