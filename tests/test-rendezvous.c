/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* HollerRendezvous in this process on 127.0.0.1, port 0, and libsoup
 * WebSocket clients in the same main loop: every rule and error code of
 * docs/signaling.md ("The WebSocket rendezvous protocol"). Every wait is
 * bounded. */
#include <string.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <json-glib/json-glib.h>
#include "server/holler-rendezvous.h"
#include "holler-error.h"

#define WAIT_MS 5000
#define QUIET_MS 300

typedef struct {
  SoupWebsocketConnection *conn;
  GError *error;
  GQueue messages;     /* JsonObject * */
  gboolean closed;
  gushort close_code;
} Client;

typedef struct {
  HollerRendezvous *server;
  SoupSession *session;
  char *uri;
  char *dir;
  GPtrArray *clients;
} Fixture;

static gboolean
on_wait_expired (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main context until @cond holds, at most @ms; TRUE if it holds */
#define WAIT_FOR_MS(cond, ms) ({                                              \
      gboolean expired_ = FALSE;                                              \
      guint id_ = g_timeout_add ((ms), on_wait_expired, &expired_);           \
      while (!(cond) && !expired_)                                            \
        g_main_context_iteration (NULL, TRUE);                                \
      if (!expired_)                                                          \
        g_source_remove (id_);                                                \
      (cond); })
#define WAIT_FOR(cond) g_assert_true (WAIT_FOR_MS (cond, WAIT_MS))

static void
spin (guint ms)
{
  WAIT_FOR_MS (FALSE, ms);
}

static void
client_free (Client *c)
{
  if (c->conn != NULL)
    {
      g_signal_handlers_disconnect_by_data (c->conn, c);
      if (soup_websocket_connection_get_state (c->conn) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (c->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_object_unref (c->conn);
    }
  g_clear_error (&c->error);
  g_queue_clear_full (&c->messages, (GDestroyNotify) json_object_unref);
  g_free (c);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("holler-rendezvous-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->session = soup_session_new_with_options ("max-conns", 100, "max-conns-per-host", 100, NULL);
  f->clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
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
      WAIT_FOR_MS (holler_rendezvous_get_n_clients (f->server) == 0, WAIT_MS);
      g_clear_object (&f->server);
    }
  g_clear_object (&f->session);
  /* let the closing handshakes and stream closes finish */
  spin (50);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      g_remove (path);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->uri);
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

static void
on_message (SoupWebsocketConnection *conn, gint kind, GBytes *message, gpointer user_data)
{
  Client *c = user_data;
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize length;
  const char *data = g_bytes_get_data (message, &length);

  g_assert_cmpint (kind, ==, SOUP_WEBSOCKET_DATA_TEXT);
  g_assert_true (json_parser_load_from_data (parser, data, length, NULL));
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  g_queue_push_tail (&c->messages, json_object_ref (json_node_get_object (json_parser_get_root (parser))));
}

static void
on_closed (SoupWebsocketConnection *conn, gpointer user_data)
{
  Client *c = user_data;

  c->closed = TRUE;
  c->close_code = soup_websocket_connection_get_close_code (conn);
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Client *c = user_data;

  c->conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &c->error);
  if (c->conn == NULL)
    return;
  g_signal_connect (c->conn, "message", G_CALLBACK (on_message), c);
  g_signal_connect (c->conn, "closed", G_CALLBACK (on_closed), c);
}

static gboolean
on_accept_certificate (SoupMessage *msg, GTlsCertificate *certificate, GTlsCertificateFlags errors,
                       gpointer user_data)
{
  return TRUE;   /* the test's own self-signed certificate */
}

static Client *
client_connect (Fixture *f)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", f->uri);
  Client *c = g_new0 (Client, 1);

  g_signal_connect (msg, "accept-certificate", G_CALLBACK (on_accept_certificate), NULL);
  g_ptr_array_add (f->clients, c);
  soup_session_websocket_connect_async (f->session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL, on_connected, c);
  WAIT_FOR (c->conn != NULL || c->error != NULL);
  g_assert_no_error (c->error);
  return c;
}

static void
client_send (Client *c, const char *text)
{
  g_assert_cmpint (soup_websocket_connection_get_state (c->conn), ==, SOUP_WEBSOCKET_STATE_OPEN);
  soup_websocket_connection_send_text (c->conn, text);
}

static void
client_send_raw (Client *c, SoupWebsocketDataType type, const char *data, gsize length)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, length);

  soup_websocket_connection_send_message (c->conn, type, bytes);
}

/* The next message received, waiting for it */
static JsonObject *
client_next (Client *c)
{
  WAIT_FOR (!g_queue_is_empty (&c->messages));
  return g_queue_pop_head (&c->messages);
}

static void
assert_nothing_received (Client *c)
{
  spin (QUIET_MS);
  g_assert_cmpuint (g_queue_get_length (&c->messages), ==, 0);
}

static void
assert_member (JsonObject *object, const char *name, const char *value)
{
  g_assert_true (json_object_has_member (object, name));
  g_assert_cmpstr (json_object_get_string_member (object, name), ==, value);
}

/* Checks the next message is an error with @code; @to NULL: no "to" */
#define ANY_TO "*"
static void
expect_error (Client *c, const char *code, const char *to)
{
  g_autoptr(JsonObject) object = client_next (c);

  assert_member (object, "type", "error");
  assert_member (object, "code", code);
  g_assert_true (json_object_has_member (object, "message"));
  g_test_message ("%s: %s", code, json_object_get_string_member (object, "message"));
  if (g_strcmp0 (to, ANY_TO) == 0)
    return;
  if (to != NULL)
    assert_member (object, "to", to);
  else
    g_assert_false (json_object_has_member (object, "to"));
}

static void
expect_closed (Client *c, gushort code)
{
  WAIT_FOR (c->closed);
  g_assert_cmpuint (c->close_code, ==, code);
}

static void
client_register (Client *c, const char *id, const char *token)
{
  g_autofree char *text = token != NULL
                          ? g_strdup_printf ("{\"type\":\"register\",\"id\":\"%s\",\"token\":\"%s\"}", id, token)
                          : g_strdup_printf ("{\"type\":\"register\",\"id\":\"%s\"}", id);
  g_autoptr(JsonObject) reply = NULL;

  client_send (c, text);
  reply = client_next (c);
  assert_member (reply, "type", "registered");
  assert_member (reply, "id", id);
}

static Client *
registered_client (Fixture *f, const char *id)
{
  Client *c = client_connect (f);

  client_register (c, id, NULL);
  return c;
}

/* alice → bob arrives with from=alice */
static void
assert_relays (Client *from, const char *from_id, Client *to, const char *to_id)
{
  g_autofree char *text = g_strdup_printf ("{\"type\":\"bye\",\"to\":\"%s\",\"reason\":\"hangup\"}", to_id);
  g_autoptr(JsonObject) got = NULL;

  client_send (from, text);
  got = client_next (to);
  assert_member (got, "type", "bye");
  assert_member (got, "from", from_id);
  assert_member (got, "reason", "hangup");
}

static void
test_relay (Fixture *f, gconstpointer data)
{
  Client *alice, *bob;
  g_autoptr(JsonObject) offer = NULL;

  start_default_server (f);
  g_assert_true (g_str_has_prefix (f->uri, "ws://127.0.0.1:"));
  alice = registered_client (f, "alice");
  bob = registered_client (f, "bob");
  g_assert_cmpuint (holler_rendezvous_get_n_clients (f->server), ==, 2);

  /* a forged from is replaced; other fields pass unchanged */
  client_send (alice, "{\"type\":\"offer\",\"to\":\"bob\",\"from\":\"mallory\",\"sdp\":\"v=0\\r\\n\","
                      "\"extra\":{\"n\":[1,2,3]}}");
  offer = client_next (bob);
  assert_member (offer, "type", "offer");
  assert_member (offer, "from", "alice");
  assert_member (offer, "to", "bob");
  assert_member (offer, "sdp", "v=0\r\n");
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (json_object_get_object_member (offer, "extra"), "n")), ==, 3);
  assert_nothing_received (alice);

  /* in order per sender, any type but register */
  for (int i = 0; i < 20; i++)
    {
      g_autofree char *text = g_strdup_printf ("{\"type\":\"candidate\",\"to\":\"alice\",\"candidate\":\"c%d\"}", i);

      client_send (bob, text);
    }
  for (int i = 0; i < 20; i++)
    {
      g_autoptr(JsonObject) got = client_next (alice);
      g_autofree char *want = g_strdup_printf ("c%d", i);

      assert_member (got, "from", "bob");
      assert_member (got, "candidate", want);
    }
  client_send (bob, "{\"type\":\"ringing\",\"to\":\"alice\"}");
  {
    g_autoptr(JsonObject) ringing = client_next (alice);

    assert_member (ringing, "type", "ringing");
    assert_member (ringing, "from", "bob");
  }
}

static void
test_peer_offline (Fixture *f, gconstpointer data)
{
  Client *alice, *bob;

  start_default_server (f);
  alice = registered_client (f, "alice");
  client_send (alice, "{\"type\":\"offer\",\"to\":\"bob\",\"sdp\":\"v=0\"}");
  expect_error (alice, "peer-offline", "bob");
  /* the connection is kept */
  bob = registered_client (f, "bob");
  assert_relays (alice, "alice", bob, "bob");
}

static void
test_bad_message (Fixture *f, gconstpointer data)
{
  Client *alice;

  start_default_server (f);
  alice = registered_client (f, "alice");
  client_send (alice, "{\"type\":\"offer\",\"sdp\":\"v=0\"}");
  expect_error (alice, "bad-message", NULL);
  client_send (alice, "{\"type\":\"offer\",\"to\":42}");
  expect_error (alice, "bad-message", NULL);
  client_send (alice, "{\"type\":\"offer\",\"to\":null}");
  expect_error (alice, "bad-message", NULL);
  assert_relays (alice, "alice", alice, "alice");
}

static void
test_not_registered (Fixture *f, gconstpointer data)
{
  Client *c;

  start_default_server (f);
  c = client_connect (f);
  client_send (c, "{\"type\":\"offer\",\"to\":\"bob\",\"sdp\":\"v=0\"}");
  expect_error (c, "not-registered", "bob");
  client_send (c, "{\"type\":\"bye\"}");
  expect_error (c, "not-registered", NULL);
  client_register (c, "carol", NULL);
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
  Client *c;

  start_default_server (f);
  c = client_connect (f);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_test_message ("register: %s", bad[i]);
      client_send (c, bad[i]);
      expect_error (c, "bad-id", NULL);
    }
  client_send (c, long_register);
  expect_error (c, "bad-id", NULL);
  long_id[64] = '\0';
  client_register (c, long_id, NULL);
  client_register (c, "Az09._-", NULL);
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
  Client *alice, *bob;

  options->token_file = write_file (f, "tokens", "[tokens]\nalice=s3cret\nbob=an0ther\n");
  start_server (f, options);
  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      Client *c = client_connect (f);

      g_test_message ("register: %s", refused[i]);
      client_send (c, refused[i]);
      expect_error (c, "unauthorized", NULL);
      expect_closed (c, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
    }
  alice = client_connect (f);
  client_register (alice, "alice", "s3cret");
  bob = client_connect (f);
  client_register (bob, "bob", "an0ther");
  assert_relays (alice, "alice", bob, "bob");
  WAIT_FOR (holler_rendezvous_get_n_clients (f->server) == 2);
}

static void
test_replaced (Fixture *f, gconstpointer data)
{
  Client *old, *new, *bob;

  start_default_server (f);
  old = registered_client (f, "alice");
  bob = registered_client (f, "bob");
  new = registered_client (f, "alice");
  expect_error (old, "replaced", NULL);
  expect_closed (old, SOUP_WEBSOCKET_CLOSE_NORMAL);
  assert_relays (bob, "bob", new, "alice");
  assert_relays (new, "alice", bob, "bob");
  WAIT_FOR (holler_rendezvous_get_n_clients (f->server) == 2);
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
  Client *alice, *bob;

  options->max_message_size = 1024;
  start_server (f, options);
  alice = registered_client (f, "alice");
  bob = registered_client (f, "bob");
  big = g_strdup_printf ("{\"type\":\"offer\",\"to\":\"bob\",\"sdp\":\"%s\"}", padding);
  client_send (alice, big);
  expect_error (alice, "too-large", NULL);
  assert_nothing_received (bob);
  /* the connection still works, up to the limit itself */
  padding[1024 - strlen ("{\"type\":\"offer\",\"to\":\"bob\",\"sdp\":\"\"}")] = '\0';
  fits = g_strdup_printf ("{\"type\":\"offer\",\"to\":\"bob\",\"sdp\":\"%s\"}", padding);
  g_assert_cmpuint (strlen (fits), ==, 1024);
  client_send (alice, fits);
  {
    g_autoptr(JsonObject) got = client_next (bob);

    assert_member (got, "sdp", padding);
  }
  /* over 4 × the limit: closed with 1009 by the WebSocket layer */
  huge = g_strdup_printf ("{\"type\":\"offer\",\"to\":\"bob\",\"sdp\":\"%s\"}", huge_padding);
  client_send (alice, huge);
  expect_closed (alice, SOUP_WEBSOCKET_CLOSE_TOO_BIG);
  /* others are unaffected */
  assert_nothing_received (bob);
  assert_relays (bob, "bob", bob, "bob");
  WAIT_FOR (holler_rendezvous_get_n_clients (f->server) == 1);
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
  Client *alice, *bob;

  start_default_server (f);
  alice = registered_client (f, "alice");
  bob = registered_client (f, "bob");
  for (gsize i = 0; i < G_N_ELEMENTS (junk); i++)
    {
      g_test_message ("junk %" G_GSIZE_FORMAT, i);
      client_send (alice, junk[i]);
      expect_error (alice, "bad-json", ANY_TO);
    }
  /* nesting: 60 000 levels (under the size limit), and 33 inside an
   * object; 32 pass */
  deep = g_strnfill (60000, '[');
  client_send (alice, deep);
  expect_error (alice, "bad-json", NULL);
  {
    g_autofree char *open = g_strnfill (32, '[');
    g_autofree char *close = g_strnfill (32, ']');

    deep_member = g_strdup_printf ("{\"type\":\"x\",\"to\":\"bob\",\"a\":%s%s}", open, close);
    client_send (alice, deep_member);
    expect_error (alice, "bad-json", NULL);
    open[31] = close[31] = '\0';
    ok_depth = g_strdup_printf ("{\"type\":\"x\",\"to\":\"bob\",\"a\":%s\"[{\"%s}", open, close);
    client_send (alice, ok_depth);
    {
      g_autoptr(JsonObject) got = client_next (bob);

      assert_member (got, "type", "x");
    }
  }
  client_send_raw (alice, SOUP_WEBSOCKET_DATA_TEXT, nul_frame, sizeof nul_frame - 1);
  expect_error (alice, "bad-json", NULL);
  /* a binary frame, even holding a good message */
  client_send_raw (alice, SOUP_WEBSOCKET_DATA_BINARY, "{\"type\":\"bye\",\"to\":\"bob\"}", 25);
  expect_error (alice, "bad-json", NULL);
  client_send_raw (alice, SOUP_WEBSOCKET_DATA_BINARY, "\xff\xfe\x00", 3);
  expect_error (alice, "bad-json", NULL);
  assert_nothing_received (bob);
  assert_relays (alice, "alice", bob, "bob");
}

/* A WebSocket client by hand, for frames libsoup refuses to send */
typedef struct {
  GSocketConnection *conn;
  GByteArray *in;
  GSource *source;
  gboolean eof;
} RawClient;

static gboolean
on_raw_readable (GObject *stream, gpointer user_data)
{
  RawClient *raw = user_data;
  g_autoptr(GError) error = NULL;
  guint8 buffer[4096];
  gssize n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (stream), buffer,
                                                       sizeof buffer, NULL, &error);

  if (n > 0)
    g_byte_array_append (raw->in, buffer, n);
  else if (n == 0 || !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    raw->eof = TRUE;   /* end or reset */
  return raw->eof ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static void
raw_send (RawClient *raw, const void *data, gsize length)
{
  g_autoptr(GError) error = NULL;
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (raw->conn));

  g_output_stream_write_all (out, data, length, NULL, NULL, &error);
  g_assert_no_error (error);
}

/* One masked text frame (a zero mask: the payload goes as it is) */
static void
raw_send_text (RawClient *raw, const char *payload, gsize length)
{
  guint8 header[] = { 0x81, 0x80 | length, 0, 0, 0, 0 };

  g_assert_cmpuint (length, <, 126);
  raw_send (raw, header, sizeof header);
  raw_send (raw, payload, length);
}

static RawClient *
raw_connect (Fixture *f)
{
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *request = NULL;
  RawClient *raw = g_new0 (RawClient, 1);
  const char *end;

  raw->in = g_byte_array_new ();
  raw->conn = g_socket_client_connect_to_host (socket_client, "127.0.0.1", holler_rendezvous_get_port (f->server),
                                               NULL, &error);
  g_assert_no_error (error);
  raw->source = g_pollable_input_stream_create_source (
    G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (G_IO_STREAM (raw->conn))), NULL);
  g_source_set_callback (raw->source, G_SOURCE_FUNC (on_raw_readable), raw, NULL);
  g_source_attach (raw->source, NULL);
  request = g_strdup_printf ("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nUpgrade: websocket\r\n"
                             "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                             "Sec-WebSocket-Version: 13\r\n\r\n", holler_rendezvous_get_port (f->server));
  raw_send (raw, request, strlen (request));
  WAIT_FOR (raw->in->len > 0 && g_strstr_len ((char *) raw->in->data, raw->in->len, "\r\n\r\n") != NULL);
  g_assert_true (g_str_has_prefix ((char *) raw->in->data, "HTTP/1.1 101"));
  end = g_strstr_len ((char *) raw->in->data, raw->in->len, "\r\n\r\n") + 4;
  g_byte_array_remove_range (raw->in, 0, end - (char *) raw->in->data);
  return raw;
}

/* The next unmasked frame from the server, short ones only */
static GBytes *
raw_next_frame (RawClient *raw, guint8 *opcode)
{
  gsize length;
  GBytes *payload;

  WAIT_FOR (raw->in->len >= 2 && raw->in->len >= 2u + (raw->in->data[1] & 0x7f));
  g_assert_cmpuint (raw->in->data[1] & 0x7f, <, 126);
  *opcode = raw->in->data[0] & 0x0f;
  length = raw->in->data[1] & 0x7f;
  payload = g_bytes_new (raw->in->data + 2, length);
  g_byte_array_remove_range (raw->in, 0, 2 + length);
  return payload;
}

static void
raw_free (RawClient *raw)
{
  g_source_destroy (raw->source);
  g_source_unref (raw->source);
  g_io_stream_close (G_IO_STREAM (raw->conn), NULL, NULL);
  g_object_unref (raw->conn);
  g_byte_array_unref (raw->in);
  g_free (raw);
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
  RawClient *raw;
  Client *alice, *bob;
  guint8 opcode;
  const guint8 *code;

  start_default_server (f);
  bob = registered_client (f, "bob");
  raw = raw_connect (f);
  raw_send_text (raw, good, sizeof good - 1);
  registered = raw_next_frame (raw, &opcode);
  g_assert_cmpuint (opcode, ==, 1);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (registered, NULL), g_bytes_get_size (registered), "registered"));
  raw_send_text (raw, bad, sizeof bad - 1);
  close = raw_next_frame (raw, &opcode);
  g_assert_cmpuint (opcode, ==, 8);
  g_assert_cmpuint (g_bytes_get_size (close), >=, 2);
  code = g_bytes_get_data (close, NULL);
  g_assert_cmpuint (code[0] << 8 | code[1], ==, SOUP_WEBSOCKET_CLOSE_BAD_DATA);
  WAIT_FOR (raw->eof);
  raw_free (raw);
  assert_nothing_received (bob);
  WAIT_FOR (holler_rendezvous_get_n_clients (f->server) == 1);
  alice = registered_client (f, "alice");
  assert_relays (alice, "alice", bob, "bob");
}

static void
test_rate_limit (Fixture *f, gconstpointer data)
{
  g_autoptr(HollerRendezvousOptions) options = test_options ();
  Client *alice, *bob;
  guint relayed = 0, limited = 0;

  options->max_messages_per_second = 10;
  start_server (f, options);
  alice = registered_client (f, "alice");   /* 1 of the burst of 20 */
  bob = registered_client (f, "bob");
  for (int i = 0; i < 60; i++)
    client_send (alice, "{\"type\":\"candidate\",\"to\":\"bob\",\"candidate\":\"\"}");
  WAIT_FOR (g_queue_get_length (&alice->messages) >= 1);
  spin (QUIET_MS);
  while (!g_queue_is_empty (&bob->messages))
    {
      json_object_unref (g_queue_pop_head (&bob->messages));
      relayed++;
    }
  while (!g_queue_is_empty (&alice->messages))
    {
      g_autoptr(JsonObject) error = g_queue_pop_head (&alice->messages);

      assert_member (error, "code", "rate-limited");
      limited++;
    }
  /* the burst (20, less the register), plus what refilled meanwhile */
  g_test_message ("relayed %u of 60, %u error(s)", relayed, limited);
  g_assert_cmpuint (relayed, >=, 19);
  g_assert_cmpuint (relayed, <=, 19 + 5);
  /* one error per second, not one per dropped message */
  g_assert_cmpuint (limited, ==, 1);
  /* the bucket refills: 10 per second */
  spin (1100);
  assert_relays (alice, "alice", bob, "bob");
  assert_relays (alice, "alice", bob, "bob");
}

static void
test_too_many_clients (Fixture *f, gconstpointer data)
{
  g_autoptr(HollerRendezvousOptions) options = test_options ();
  Client *first, *third, *fourth;

  options->max_clients_per_address = 2;
  start_server (f, options);
  first = registered_client (f, "a");
  registered_client (f, "b");
  third = client_connect (f);
  expect_error (third, "too-many-clients", NULL);
  expect_closed (third, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  g_assert_cmpuint (holler_rendezvous_get_n_clients (f->server), ==, 2);
  /* a place freed is a place taken */
  soup_websocket_connection_close (first->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  WAIT_FOR (holler_rendezvous_get_n_clients (f->server) == 1);
  fourth = client_connect (f);
  client_register (fourth, "a", NULL);
}

static void
test_stop (Fixture *f, gconstpointer data)
{
  Client *alice, *bob;

  start_default_server (f);
  alice = registered_client (f, "alice");
  bob = client_connect (f);
  WAIT_FOR (holler_rendezvous_get_n_clients (f->server) == 2);
  holler_rendezvous_stop (f->server);
  expect_closed (alice, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  expect_closed (bob, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  WAIT_FOR (holler_rendezvous_get_n_clients (f->server) == 0);
  holler_rendezvous_stop (f->server);   /* twice is fine */
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
test_wss (Fixture *f, gconstpointer data)
{
  g_autoptr(HollerRendezvousOptions) options = test_options ();
  Client *alice, *bob;

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
  ADD ("/rendezvous/wss", test_wss);
  ADD ("/rendezvous/config-errors", test_config_errors);
  ADD ("/rendezvous/port-in-use", test_port_in_use);
#undef ADD
  return g_test_run ();
}
