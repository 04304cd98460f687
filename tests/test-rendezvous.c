/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* HollerRendezvous in this process on 127.0.0.1, port 0, and libsoup
 * WebSocket clients in the same main loop: every rule and error code of
 * docs/signaling.md ("The WebSocket rendezvous protocol"). Every wait is
 * bounded. */
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <json-glib/json-glib.h>
#include "server/holler-rendezvous.h"
#include "holler-error.h"
#include "holler-test-ws.h"


typedef struct {
  HollerRendezvous *server;
  SoupSession *session;
  char *uri;
  char *dir;
  GPtrArray *clients;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("holler-rendezvous-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->session = soup_session_new_with_options ("max-conns", 100, "max-conns-per-host", 100, NULL);
  f->clients = g_ptr_array_new_with_free_func ((GDestroyNotify) holler_test_ws_free);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);
  const char *name;

  g_ptr_array_unref (f->clients);
  if (f->server != NULL)
    {
      holler_rendezvous_stop (f->server);
      HOLLER_TEST_WAIT_FOR_MS (holler_rendezvous_get_n_clients (f->server) == 0, HOLLER_TEST_WAIT_MS);
      g_clear_object (&f->server);
    }
  g_clear_object (&f->session);
  /* let the closing handshakes and stream closes finish */
  holler_test_spin (50);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      g_remove (path);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->uri);
}

static HollerTestWs *
client_connect (Fixture *f)
{
  HollerTestWs *c = holler_test_ws_connect (f->session, f->uri);

  g_ptr_array_add (f->clients, c);
  return c;
}

static HollerRendezvousOptions *
test_options (void)
{
  HollerRendezvousOptions *options = holler_rendezvous_options_new ();

  options->port = 0;
  return options;
}

static void
start_server (Fixture *f, const HollerRendezvousOptions *options)
{
  g_autoptr(GError) error = NULL;

  f->server = holler_rendezvous_new (options, &error);
  g_assert_no_error (error);
  holler_rendezvous_start (f->server, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (holler_rendezvous_get_port (f->server), >, 0);
  f->uri = holler_rendezvous_get_uri (f->server);
}

static void
start_default_server (Fixture *f)
{
  g_autoptr(HollerRendezvousOptions) options = test_options ();

  start_server (f, options);
}

static HollerTestWs *
registered_client (Fixture *f, const char *id)
{
  HollerTestWs *c = client_connect (f);

  holler_test_ws_register (c, id, NULL);
  return c;
}

/* alice → bob arrives with from=alice */
static void
assert_relays (HollerTestWs *from, const char *from_id, HollerTestWs *to, const char *to_id)
{
  g_autofree char *text = g_strdup_printf ("{\"type\":\"bye\",\"to\":\"%s\",\"reason\":\"hangup\"}", to_id);
  g_autoptr(JsonObject) got = NULL;

  holler_test_ws_send (from, text);
  got = holler_test_ws_next (to);
  holler_test_assert_member (got, "type", "bye");
  holler_test_assert_member (got, "from", from_id);
  holler_test_assert_member (got, "reason", "hangup");
}

static void
test_relay (Fixture *f, gconstpointer data)
{
  HollerTestWs *alice, *bob;
  g_autoptr(JsonObject) offer = NULL;

  start_default_server (f);
  g_assert_true (g_str_has_prefix (f->uri, "ws://127.0.0.1:"));
  alice = registered_client (f, "alice");
  bob = registered_client (f, "bob");
  g_assert_cmpuint (holler_rendezvous_get_n_clients (f->server), ==, 2);

  /* a forged from is replaced; other fields pass unchanged */
  holler_test_ws_send (alice, "{\"type\":\"offer\",\"to\":\"bob\",\"from\":\"mallory\",\"sdp\":\"v=0\\r\\n\","
                      "\"extra\":{\"n\":[1,2,3]}}");
  offer = holler_test_ws_next (bob);
  holler_test_assert_member (offer, "type", "offer");
  holler_test_assert_member (offer, "from", "alice");
  holler_test_assert_member (offer, "to", "bob");
  holler_test_assert_member (offer, "sdp", "v=0\r\n");
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (json_object_get_object_member (offer, "extra"), "n")), ==, 3);
  holler_test_ws_assert_nothing (alice);

  /* in order per sender, any type but register */
  for (int i = 0; i < 20; i++)
    {
      g_autofree char *text = g_strdup_printf ("{\"type\":\"candidate\",\"to\":\"alice\",\"candidate\":\"c%d\"}", i);

      holler_test_ws_send (bob, text);
    }
  for (int i = 0; i < 20; i++)
    {
      g_autoptr(JsonObject) got = holler_test_ws_next (alice);
      g_autofree char *want = g_strdup_printf ("c%d", i);

      holler_test_assert_member (got, "from", "bob");
      holler_test_assert_member (got, "candidate", want);
    }
  holler_test_ws_send (bob, "{\"type\":\"ringing\",\"to\":\"alice\"}");
  {
    g_autoptr(JsonObject) ringing = holler_test_ws_next (alice);

    holler_test_assert_member (ringing, "type", "ringing");
    holler_test_assert_member (ringing, "from", "bob");
  }
}

static void
test_peer_offline (Fixture *f, gconstpointer data)
{
  HollerTestWs *alice, *bob;

  start_default_server (f);
  alice = registered_client (f, "alice");
  holler_test_ws_send (alice, "{\"type\":\"offer\",\"to\":\"bob\",\"sdp\":\"v=0\"}");
  holler_test_ws_expect_error (alice, "peer-offline", "bob");
  /* the connection is kept */
  bob = registered_client (f, "bob");
  assert_relays (alice, "alice", bob, "bob");
}

static void
test_bad_message (Fixture *f, gconstpointer data)
{
  HollerTestWs *alice;

  start_default_server (f);
  alice = registered_client (f, "alice");
  holler_test_ws_send (alice, "{\"type\":\"offer\",\"sdp\":\"v=0\"}");
  holler_test_ws_expect_error (alice, "bad-message", NULL);
  holler_test_ws_send (alice, "{\"type\":\"offer\",\"to\":42}");
  holler_test_ws_expect_error (alice, "bad-message", NULL);
  holler_test_ws_send (alice, "{\"type\":\"offer\",\"to\":null}");
  holler_test_ws_expect_error (alice, "bad-message", NULL);
  assert_relays (alice, "alice", alice, "alice");
}

static void
test_not_registered (Fixture *f, gconstpointer data)
{
  HollerTestWs *c;

  start_default_server (f);
  c = client_connect (f);
  holler_test_ws_send (c, "{\"type\":\"offer\",\"to\":\"bob\",\"sdp\":\"v=0\"}");
  holler_test_ws_expect_error (c, "not-registered", "bob");
  holler_test_ws_send (c, "{\"type\":\"bye\"}");
  holler_test_ws_expect_error (c, "not-registered", NULL);
  holler_test_ws_register (c, "carol", NULL);
  assert_relays (c, "carol", c, "carol");
}

static void
test_bad_id (Fixture *f, gconstpointer data)
{
  const char *bad[] = {
    "{\"type\":\"register\"}",
    "{\"type\":\"register\",\"id\":\"\"}",
    "{\"type\":\"register\",\"id\":\"a b\"}",
    "{\"type\":\"register\",\"id\":\"a/b\"}",
    "{\"type\":\"register\",\"id\":\"\\u00e9t\\u00e9\"}",
    "{\"type\":\"register\",\"id\":42}",
    "{\"type\":\"register\",\"id\":[\"alice\"]}",
  };
  g_autofree char *long_id = g_strnfill (65, 'x');
  g_autofree char *long_register = g_strdup_printf ("{\"type\":\"register\",\"id\":\"%s\"}", long_id);
  HollerTestWs *c;

  start_default_server (f);
  c = client_connect (f);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_test_message ("register: %s", bad[i]);
      holler_test_ws_send (c, bad[i]);
      holler_test_ws_expect_error (c, "bad-id", NULL);
    }
  holler_test_ws_send (c, long_register);
  holler_test_ws_expect_error (c, "bad-id", NULL);
  long_id[64] = '\0';
  holler_test_ws_register (c, long_id, NULL);
  holler_test_ws_register (c, "Az09._-", NULL);
}

static char *
write_file (Fixture *f, const char *name, const char *text)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (f->dir, name, NULL);

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

static void
test_tokens (Fixture *f, gconstpointer data)
{
  g_autoptr(HollerRendezvousOptions) options = test_options ();
  const char *refused[] = {
    "{\"type\":\"register\",\"id\":\"alice\",\"token\":\"s3cret!\"}",
    "{\"type\":\"register\",\"id\":\"alice\",\"token\":\"s3cre\"}",
    "{\"type\":\"register\",\"id\":\"alice\",\"token\":\"\"}",
    "{\"type\":\"register\",\"id\":\"alice\",\"token\":1}",
    "{\"type\":\"register\",\"id\":\"alice\"}",
    "{\"type\":\"register\",\"id\":\"carol\",\"token\":\"s3cret\"}",
    "{\"type\":\"register\",\"id\":\"carol\"}",
  };
  HollerTestWs *alice, *bob;

  options->token_file = write_file (f, "tokens", "[tokens]\nalice=s3cret\nbob=an0ther\n");
  start_server (f, options);
  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      HollerTestWs *c = client_connect (f);

      g_test_message ("register: %s", refused[i]);
      holler_test_ws_send (c, refused[i]);
      holler_test_ws_expect_error (c, "unauthorized", NULL);
      holler_test_ws_expect_closed (c, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
    }
  alice = client_connect (f);
  holler_test_ws_register (alice, "alice", "s3cret");
  bob = client_connect (f);
  holler_test_ws_register (bob, "bob", "an0ther");
  assert_relays (alice, "alice", bob, "bob");
  HOLLER_TEST_WAIT_FOR (holler_rendezvous_get_n_clients (f->server) == 2);
}

static void
test_replaced (Fixture *f, gconstpointer data)
{
  HollerTestWs *old, *new, *bob;

  start_default_server (f);
  old = registered_client (f, "alice");
  bob = registered_client (f, "bob");
  new = registered_client (f, "alice");
  holler_test_ws_expect_error (old, "replaced", NULL);
  holler_test_ws_expect_closed (old, SOUP_WEBSOCKET_CLOSE_NORMAL);
  assert_relays (bob, "bob", new, "alice");
  assert_relays (new, "alice", bob, "bob");
  HOLLER_TEST_WAIT_FOR (holler_rendezvous_get_n_clients (f->server) == 2);
  /* the old connection's close did not unregister the new one */
  assert_relays (bob, "bob", new, "alice");
}

static void
test_too_large (Fixture *f, gconstpointer data)
{
  g_autoptr(HollerRendezvousOptions) options = test_options ();
  g_autofree char *padding = g_strnfill (1500, 'x');
  g_autofree char *big = NULL;
  g_autofree char *huge = NULL;
  g_autofree char *fits = NULL;
  g_autofree char *huge_padding = g_strnfill (5000, 'x');
  HollerTestWs *alice, *bob;

  options->max_message_size = 1024;
  start_server (f, options);
  alice = registered_client (f, "alice");
  bob = registered_client (f, "bob");
  big = g_strdup_printf ("{\"type\":\"offer\",\"to\":\"bob\",\"sdp\":\"%s\"}", padding);
  holler_test_ws_send (alice, big);
  holler_test_ws_expect_error (alice, "too-large", NULL);
  holler_test_ws_assert_nothing (bob);
  /* the connection still works, up to the limit itself */
  padding[1024 - strlen ("{\"type\":\"offer\",\"to\":\"bob\",\"sdp\":\"\"}")] = '\0';
  fits = g_strdup_printf ("{\"type\":\"offer\",\"to\":\"bob\",\"sdp\":\"%s\"}", padding);
  g_assert_cmpuint (strlen (fits), ==, 1024);
  holler_test_ws_send (alice, fits);
  {
    g_autoptr(JsonObject) got = holler_test_ws_next (bob);

    holler_test_assert_member (got, "sdp", padding);
  }
  /* over 4 × the limit: closed with 1009 by the WebSocket layer */
  huge = g_strdup_printf ("{\"type\":\"offer\",\"to\":\"bob\",\"sdp\":\"%s\"}", huge_padding);
  holler_test_ws_send (alice, huge);
  holler_test_ws_expect_closed (alice, SOUP_WEBSOCKET_CLOSE_TOO_BIG);
  /* others are unaffected */
  holler_test_ws_assert_nothing (bob);
  assert_relays (bob, "bob", bob, "bob");
  HOLLER_TEST_WAIT_FOR (holler_rendezvous_get_n_clients (f->server) == 1);
}

static void
test_malformed (Fixture *f, gconstpointer data)
{
  const char *junk[] = {
    "not json",
    "",
    "[1,2]",
    "\"offer\"",
    "42",
    "null",
    "{}",
    "{\"type\":5,\"to\":\"bob\"}",
    "{\"type\":null}",
    "{\"type\":\"offer\",\"to\":\"bob\"",
    "{\"type\":\"offer\",\"to\":\"bob\"}}",
    "{\"type\":\"offer\",\"to\":\"bob\"} {\"type\":\"offer\"}",
    "{\"type\":\"offer\",\"to\":\"bob\"}x",
    "{'type':'offer','to':'bob'}",
    "{\"type\":\"offer\",\"to\":\"bob\"} // comment",
    "{\"type\":\"offer\",/* comment */\"to\":\"bob\"}",
    "{\"type\":\"register\",\"id\":\"alice\\u0000x\"}",
    "{\"type\":\"offer\",\"to\":\"bob\",\"sdp\":\"\\ud800\"}",
  };
  g_autofree char *deep = NULL;
  g_autofree char *deep_member = NULL;
  g_autofree char *ok_depth = NULL;
  static const char nul_frame[] = "{\"type\":\"offer\",\"to\":\"bob\"}\0x";
  HollerTestWs *alice, *bob;

  start_default_server (f);
  alice = registered_client (f, "alice");
  bob = registered_client (f, "bob");
  for (gsize i = 0; i < G_N_ELEMENTS (junk); i++)
    {
      g_test_message ("junk %" G_GSIZE_FORMAT, i);
      holler_test_ws_send (alice, junk[i]);
      holler_test_ws_expect_error (alice, "bad-json", HOLLER_TEST_ANY_TO);
    }
  /* nesting: 60 000 levels (under the size limit), and 33 inside an
   * object; 32 pass */
  deep = g_strnfill (60000, '[');
  holler_test_ws_send (alice, deep);
  holler_test_ws_expect_error (alice, "bad-json", NULL);
  {
    g_autofree char *open = g_strnfill (32, '[');
    g_autofree char *close = g_strnfill (32, ']');

    deep_member = g_strdup_printf ("{\"type\":\"x\",\"to\":\"bob\",\"a\":%s%s}", open, close);
    holler_test_ws_send (alice, deep_member);
    holler_test_ws_expect_error (alice, "bad-json", NULL);
    open[31] = close[31] = '\0';
    ok_depth = g_strdup_printf ("{\"type\":\"x\",\"to\":\"bob\",\"a\":%s\"[{\"%s}", open, close);
    holler_test_ws_send (alice, ok_depth);
    {
      g_autoptr(JsonObject) got = holler_test_ws_next (bob);

      holler_test_assert_member (got, "type", "x");
    }
  }
  holler_test_ws_send_raw (alice, SOUP_WEBSOCKET_DATA_TEXT, nul_frame, sizeof nul_frame - 1);
  holler_test_ws_expect_error (alice, "bad-json", NULL);
  /* a binary frame, even holding a good message */
  holler_test_ws_send_raw (alice, SOUP_WEBSOCKET_DATA_BINARY, "{\"type\":\"bye\",\"to\":\"bob\"}", 25);
  holler_test_ws_expect_error (alice, "bad-json", NULL);
  holler_test_ws_send_raw (alice, SOUP_WEBSOCKET_DATA_BINARY, "\xff\xfe\x00", 3);
  holler_test_ws_expect_error (alice, "bad-json", NULL);
  holler_test_ws_assert_nothing (bob);
  assert_relays (alice, "alice", bob, "bob");
}

/* RFC 6455 §8.1: a text frame that is not UTF-8 fails the connection
 * (1007, by libsoup); the server goes on serving everyone else. */
static void
test_invalid_utf8 (Fixture *f, gconstpointer data)
{
  static const char good[] = "{\"type\":\"register\",\"id\":\"alice\"}";
  static const char bad[] = "{\"type\":\"offer\",\"to\":\"bob\",\"sdp\":\"\xc3\x28\"}";
  g_autoptr(GBytes) registered = NULL;
  g_autoptr(GBytes) close = NULL;
  HollerTestRawWs *raw;
  HollerTestWs *alice, *bob;
  guint8 opcode;
  const guint8 *code;

  start_default_server (f);
  bob = registered_client (f, "bob");
  raw = holler_test_raw_ws_connect (holler_rendezvous_get_port (f->server));
  holler_test_raw_ws_send_text (raw, good, sizeof good - 1);
  registered = holler_test_raw_ws_next_frame (raw, &opcode);
  g_assert_cmpuint (opcode, ==, 1);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (registered, NULL), g_bytes_get_size (registered), "registered"));
  holler_test_raw_ws_send_text (raw, bad, sizeof bad - 1);
  close = holler_test_raw_ws_next_frame (raw, &opcode);
  g_assert_cmpuint (opcode, ==, 8);
  g_assert_cmpuint (g_bytes_get_size (close), >=, 2);
  code = g_bytes_get_data (close, NULL);
  g_assert_cmpuint (code[0] << 8 | code[1], ==, SOUP_WEBSOCKET_CLOSE_BAD_DATA);
  HOLLER_TEST_WAIT_FOR (raw->eof);
  holler_test_raw_ws_free (raw);
  holler_test_ws_assert_nothing (bob);
  HOLLER_TEST_WAIT_FOR (holler_rendezvous_get_n_clients (f->server) == 1);
  alice = registered_client (f, "alice");
  assert_relays (alice, "alice", bob, "bob");
}

static void
test_rate_limit (Fixture *f, gconstpointer data)
{
  g_autoptr(HollerRendezvousOptions) options = test_options ();
  HollerTestWs *alice, *bob;
  guint relayed = 0, limited = 0;
  gint64 start_us;
  double elapsed_s;

  options->max_messages_per_second = 10;
  start_server (f, options);
  alice = registered_client (f, "alice");   /* 1 of the burst of 20 */
  bob = registered_client (f, "bob");
  start_us = g_get_monotonic_time ();
  for (int i = 0; i < 60; i++)
    holler_test_ws_send (alice, "{\"type\":\"candidate\",\"to\":\"bob\",\"candidate\":\"\"}");
  HOLLER_TEST_WAIT_FOR (g_queue_get_length (&alice->messages) >= 1);
  holler_test_spin (HOLLER_TEST_QUIET_MS);
  elapsed_s = (g_get_monotonic_time () - start_us) / (double) G_USEC_PER_SEC;
  while (!g_queue_is_empty (&bob->messages))
    {
      json_object_unref (g_queue_pop_head (&bob->messages));
      relayed++;
    }
  while (!g_queue_is_empty (&alice->messages))
    {
      g_autoptr(JsonObject) error = g_queue_pop_head (&alice->messages);

      holler_test_assert_member (error, "code", "rate-limited");
      limited++;
    }
  /* the burst (20, less the register), plus what refilled meanwhile (an
   * upper bound: the wait above counts too) */
  g_test_message ("relayed %u of 60, %u error(s) in %.3f s", relayed, limited, elapsed_s);
  g_assert_cmpuint (relayed, >=, 19);
  g_assert_cmpuint (relayed, <=, 19 + 10 * elapsed_s + 1);
  /* one error per second, not one per dropped message */
  g_assert_cmpuint (limited, >=, 1);
  g_assert_cmpuint (limited, <=, 1 + (guint) elapsed_s);
  /* the bucket refills: 10 per second */
  holler_test_spin (1100);
  assert_relays (alice, "alice", bob, "bob");
  assert_relays (alice, "alice", bob, "bob");
}

static void
test_too_many_clients (Fixture *f, gconstpointer data)
{
  g_autoptr(HollerRendezvousOptions) options = test_options ();
  HollerTestWs *first, *third, *fourth;

  options->max_clients_per_address = 2;
  start_server (f, options);
  first = registered_client (f, "a");
  registered_client (f, "b");
  third = client_connect (f);
  holler_test_ws_expect_error (third, "too-many-clients", NULL);
  holler_test_ws_expect_closed (third, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  g_assert_cmpuint (holler_rendezvous_get_n_clients (f->server), ==, 2);
  /* a place freed is a place taken */
  soup_websocket_connection_close (first->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  HOLLER_TEST_WAIT_FOR (holler_rendezvous_get_n_clients (f->server) == 1);
  fourth = client_connect (f);
  holler_test_ws_register (fourth, "a", NULL);
}

static void
test_stop (Fixture *f, gconstpointer data)
{
  HollerTestWs *alice, *bob;

  start_default_server (f);
  alice = registered_client (f, "alice");
  bob = client_connect (f);
  HOLLER_TEST_WAIT_FOR (holler_rendezvous_get_n_clients (f->server) == 2);
  holler_rendezvous_stop (f->server);
  holler_test_ws_expect_closed (alice, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  holler_test_ws_expect_closed (bob, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  HOLLER_TEST_WAIT_FOR (holler_rendezvous_get_n_clients (f->server) == 0);
  holler_rendezvous_stop (f->server);   /* twice is fine */
}

/* Everything on a context pushed as thread-default, as when the server
 * shares a thread with calls that run their own context */
static void
test_thread_default_context (Fixture *f, gconstpointer data)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  HollerTestWs *alice, *bob;

  g_main_context_push_thread_default (context);
  g_clear_object (&f->session);
  f->session = soup_session_new_with_options ("max-conns", 100, "max-conns-per-host", 100, NULL);
  start_default_server (f);
  alice = registered_client (f, "alice");
  bob = registered_client (f, "bob");
  assert_relays (alice, "alice", bob, "bob");
  /* nothing of it is on the global default context */
  g_assert_false (g_main_context_pending (g_main_context_default ()));
  holler_rendezvous_stop (f->server);
  holler_test_ws_expect_closed (alice, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  HOLLER_TEST_WAIT_FOR (holler_rendezvous_get_n_clients (f->server) == 0);
  g_ptr_array_set_size (f->clients, 0);
  g_clear_object (&f->server);
  g_clear_object (&f->session);
  holler_test_spin (50);
  g_main_context_pop_thread_default (context);
}

static gboolean
make_certificate (Fixture *f, char **cert, char **key)
{
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autoptr(GError) error = NULL;
  int status;

  if (openssl == NULL)
    return FALSE;
  *cert = g_build_filename (f->dir, "cert.pem", NULL);
  *key = g_build_filename (f->dir, "key.pem", NULL);
  {
    const char *argv[] = { openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                           "-nodes", "-subj", "/CN=localhost", "-days", "1", "-keyout", *key, "-out", *cert,
                           NULL };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                  NULL, NULL, NULL, NULL, &status, &error);
  }
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return TRUE;
}

static void
run_wss (Fixture *f)
{
  g_autoptr(HollerRendezvousOptions) options = test_options ();
  HollerTestWs *alice, *bob;

  if (!make_certificate (f, &options->tls_cert_file, &options->tls_key_file))
    {
      g_test_skip ("openssl not found");
      return;
    }
  start_server (f, options);
  g_assert_true (g_str_has_prefix (f->uri, "wss://127.0.0.1:"));
  alice = registered_client (f, "alice");
  bob = registered_client (f, "bob");
  assert_relays (alice, "alice", bob, "bob");
  assert_relays (bob, "bob", alice, "alice");
}

/* In a child process: glib-networking's GnuTLS threads keep dynamic TLS
 * blocks that GCC 12's LeakSanitizer crashes on ("Tracer caught signal
 * 11") when it scans threads at exit. Under ASan the child skips that
 * scan; everything else in it is still checked. */
static void
test_wss (Fixture *f, gconstpointer data)
{
  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }
  run_wss (f);
#ifdef __SANITIZE_ADDRESS__
  fixture_teardown (f, NULL);
  _exit (0);
#endif
}

static void
assert_config_error (const HollerRendezvousOptions *options, const char *expected_part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HollerRendezvous) server = holler_rendezvous_new (options, &error);

  g_assert_null (server);
  g_assert_error (error, HOLLER_ERROR, HOLLER_ERROR_CONFIG);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, expected_part));
}

static void
test_config_errors (Fixture *f, gconstpointer data)
{
  const struct { const char *text; const char *part; } token_files[] = {
    { "[tokens]\n", "no [tokens] group" },
    { "[other]\nalice=x\n", "no [tokens] group" },
    { "[tokens]\nbad id=x\n", "“bad id” is not a valid id" },
    { "[tokens]\nalice=\n", "empty token for “alice”" },
    { "not a key file\n", "Cannot read the token file" },
  };
  g_autoptr(HollerRendezvousOptions) options = test_options ();

  for (gsize i = 0; i < G_N_ELEMENTS (token_files); i++)
    {
      g_autofree char *name = g_strdup_printf ("tokens%" G_GSIZE_FORMAT, i);

      g_free (options->token_file);
      options->token_file = write_file (f, name, token_files[i].text);
      assert_config_error (options, token_files[i].part);
    }
  g_free (options->token_file);
  options->token_file = g_build_filename (f->dir, "missing", NULL);
  assert_config_error (options, "missing");
  g_clear_pointer (&options->token_file, g_free);

  options->tls_cert_file = write_file (f, "cert.pem", "not a certificate");
  assert_config_error (options, "Cannot load the TLS certificate");
  g_clear_pointer (&options->tls_cert_file, g_free);
  options->tls_key_file = g_strdup ("key.pem");
  assert_config_error (options, "needs a TLS certificate");
  g_clear_pointer (&options->tls_key_file, g_free);

  g_free (options->address);
  options->address = g_strdup ("localhost");
  assert_config_error (options, "not an IP address");
  g_free (options->address);
  options->address = g_strdup ("127.0.0.1");
  options->max_message_size = 10;
  assert_config_error (options, "message size");
}

static void
test_port_in_use (Fixture *f, gconstpointer data)
{
  g_autoptr(HollerRendezvousOptions) options = test_options ();
  g_autoptr(HollerRendezvous) second = NULL;
  g_autoptr(GError) error = NULL;

  start_server (f, options);
  options->port = holler_rendezvous_get_port (f->server);
  second = holler_rendezvous_new (options, &error);
  g_assert_no_error (error);
  g_assert_false (holler_rendezvous_start (second, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_assert_null (holler_rendezvous_get_uri (second));
}

static void
on_log_ignore (const char *domain, GLogLevelFlags level, const char *message, gpointer user_data)
{
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* libsoup's frame by frame debug output */
  g_log_set_handler ("libsoup", G_LOG_LEVEL_DEBUG, on_log_ignore, NULL);
  g_log_set_handler ("GLib-GIO", G_LOG_LEVEL_DEBUG, on_log_ignore, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/rendezvous/relay", test_relay);
  ADD ("/rendezvous/peer-offline", test_peer_offline);
  ADD ("/rendezvous/bad-message", test_bad_message);
  ADD ("/rendezvous/not-registered", test_not_registered);
  ADD ("/rendezvous/bad-id", test_bad_id);
  ADD ("/rendezvous/tokens", test_tokens);
  ADD ("/rendezvous/replaced", test_replaced);
  ADD ("/rendezvous/too-large", test_too_large);
  ADD ("/rendezvous/malformed", test_malformed);
  ADD ("/rendezvous/invalid-utf8", test_invalid_utf8);
  ADD ("/rendezvous/rate-limit", test_rate_limit);
  ADD ("/rendezvous/too-many-clients", test_too_many_clients);
  ADD ("/rendezvous/stop", test_stop);
  ADD ("/rendezvous/thread-default-context", test_thread_default_context);
  ADD ("/rendezvous/wss", test_wss);
  ADD ("/rendezvous/config-errors", test_config_errors);
  ADD ("/rendezvous/port-in-use", test_port_in_use);
#undef ADD
  return g_test_run ();
}
