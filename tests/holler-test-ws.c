/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>
#include "holler-test-ws.h"

static gboolean
on_wait_expired (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

GSource *
holler_test_timeout_new (guint ms, gboolean *expired)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, on_wait_expired, expired, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  return source;
}

void
holler_test_timeout_free (GSource *source)
{
  g_source_destroy (source);
  g_source_unref (source);
}


void
holler_test_spin (guint ms)
{
  HOLLER_TEST_WAIT_FOR_MS (FALSE, ms);
}
void
holler_test_ws_free (HollerTestWs *c)
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
on_message (SoupWebsocketConnection *conn, gint kind, GBytes *message, gpointer user_data)
{
  HollerTestWs *c = user_data;
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
  HollerTestWs *c = user_data;

  c->closed = TRUE;
  c->close_code = soup_websocket_connection_get_close_code (conn);
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  HollerTestWs *c = user_data;

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

HollerTestWs *
holler_test_ws_connect (SoupSession *session, const char *uri)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);
  HollerTestWs *c = g_new0 (HollerTestWs, 1);

  g_signal_connect (msg, "accept-certificate", G_CALLBACK (on_accept_certificate), NULL);
  soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL, on_connected, c);
  HOLLER_TEST_WAIT_FOR (c->conn != NULL || c->error != NULL);
  g_assert_no_error (c->error);
  return c;
}

void
holler_test_ws_send (HollerTestWs *c, const char *text)
{
  g_assert_cmpint (soup_websocket_connection_get_state (c->conn), ==, SOUP_WEBSOCKET_STATE_OPEN);
  soup_websocket_connection_send_text (c->conn, text);
}

void
holler_test_ws_send_raw (HollerTestWs *c, SoupWebsocketDataType type, const char *data, gsize length)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, length);

  soup_websocket_connection_send_message (c->conn, type, bytes);
}

/* The next message received, waiting for it */
JsonObject *
holler_test_ws_next (HollerTestWs *c)
{
  HOLLER_TEST_WAIT_FOR (!g_queue_is_empty (&c->messages));
  return g_queue_pop_head (&c->messages);
}

void
holler_test_ws_assert_nothing (HollerTestWs *c)
{
  holler_test_spin (HOLLER_TEST_QUIET_MS);
  g_assert_cmpuint (g_queue_get_length (&c->messages), ==, 0);
}

void
holler_test_assert_member (JsonObject *object, const char *name, const char *value)
{
  g_assert_true (json_object_has_member (object, name));
  g_assert_cmpstr (json_object_get_string_member (object, name), ==, value);
}

/* Checks the next message is an error with @code; @to NULL: no "to" */
void
holler_test_ws_expect_error (HollerTestWs *c, const char *code, const char *to)
{
  g_autoptr(JsonObject) object = holler_test_ws_next (c);

  holler_test_assert_member (object, "type", "error");
  holler_test_assert_member (object, "code", code);
  g_assert_true (json_object_has_member (object, "message"));
  g_test_message ("%s: %s", code, json_object_get_string_member (object, "message"));
  if (g_strcmp0 (to, HOLLER_TEST_ANY_TO) == 0)
    return;
  if (to != NULL)
    holler_test_assert_member (object, "to", to);
  else
    g_assert_false (json_object_has_member (object, "to"));
}

void
holler_test_ws_expect_closed (HollerTestWs *c, gushort code)
{
  HOLLER_TEST_WAIT_FOR (c->closed);
  g_assert_cmpuint (c->close_code, ==, code);
}

void
holler_test_ws_register (HollerTestWs *c, const char *id, const char *token)
{
  g_autofree char *text = token != NULL
                          ? g_strdup_printf ("{\"type\":\"register\",\"id\":\"%s\",\"token\":\"%s\"}", id, token)
                          : g_strdup_printf ("{\"type\":\"register\",\"id\":\"%s\"}", id);
  g_autoptr(JsonObject) reply = NULL;

  holler_test_ws_send (c, text);
  reply = holler_test_ws_next (c);
  holler_test_assert_member (reply, "type", "registered");
  holler_test_assert_member (reply, "id", id);
}


static gboolean
on_raw_readable (GObject *stream, gpointer user_data)
{
  HollerTestRawWs *raw = user_data;
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
raw_send (HollerTestRawWs *raw, const void *data, gsize length)
{
  g_autoptr(GError) error = NULL;
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (raw->conn));

  g_output_stream_write_all (out, data, length, NULL, NULL, &error);
  g_assert_no_error (error);
}

/* One masked text frame (a zero mask: the payload goes as it is) */
void
holler_test_raw_ws_send_text (HollerTestRawWs *raw, const char *payload, gsize length)
{
  guint8 header[] = { 0x81, 0x80 | length, 0, 0, 0, 0 };

  g_assert_cmpuint (length, <, 126);
  raw_send (raw, header, sizeof header);
  raw_send (raw, payload, length);
}

HollerTestRawWs *
holler_test_raw_ws_connect (guint port)
{
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *request = NULL;
  HollerTestRawWs *raw = g_new0 (HollerTestRawWs, 1);
  const char *end;

  raw->in = g_byte_array_new ();
  raw->conn = g_socket_client_connect_to_host (socket_client, "127.0.0.1", port,
                                               NULL, &error);
  g_assert_no_error (error);
  raw->source = g_pollable_input_stream_create_source (
    G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (G_IO_STREAM (raw->conn))), NULL);
  g_source_set_callback (raw->source, G_SOURCE_FUNC (on_raw_readable), raw, NULL);
  g_source_attach (raw->source, NULL);
  request = g_strdup_printf ("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nUpgrade: websocket\r\n"
                             "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                             "Sec-WebSocket-Version: 13\r\n\r\n", port);
  raw_send (raw, request, strlen (request));
  HOLLER_TEST_WAIT_FOR (raw->in->len > 0 && g_strstr_len ((char *) raw->in->data, raw->in->len, "\r\n\r\n") != NULL);
  g_assert_true (g_str_has_prefix ((char *) raw->in->data, "HTTP/1.1 101"));
  end = g_strstr_len ((char *) raw->in->data, raw->in->len, "\r\n\r\n") + 4;
  g_byte_array_remove_range (raw->in, 0, end - (char *) raw->in->data);
  return raw;
}

/* The next unmasked frame from the server, short ones only */
GBytes *
holler_test_raw_ws_next_frame (HollerTestRawWs *raw, guint8 *opcode)
{
  gsize length;
  GBytes *payload;

  HOLLER_TEST_WAIT_FOR (raw->in->len >= 2 && raw->in->len >= 2u + (raw->in->data[1] & 0x7f));
  g_assert_cmpuint (raw->in->data[1] & 0x7f, <, 126);
  *opcode = raw->in->data[0] & 0x0f;
  length = raw->in->data[1] & 0x7f;
  payload = g_bytes_new (raw->in->data + 2, length);
  g_byte_array_remove_range (raw->in, 0, 2 + length);
  return payload;
}

void
holler_test_raw_ws_free (HollerTestRawWs *raw)
{
  g_source_destroy (raw->source);
  g_source_unref (raw->source);
  g_io_stream_close (G_IO_STREAM (raw->conn), NULL, NULL);
  g_object_unref (raw->conn);
  g_byte_array_unref (raw->in);
  g_free (raw);
}

