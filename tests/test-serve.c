/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `holler serve` as a process: --print-uri, a client through it, a clean
 * stop on SIGTERM (exit 0, clients closed with 1001), exit 2 for usage and
 * configuration errors, 1 for a port in use. Every wait is bounded. */
#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#define WAIT_MS 10000
#define ARGS(...) ((const char * const []) { __VA_ARGS__, NULL })

typedef struct {
  GSubprocess *proc;
  char *uri;
  char *err;
  gboolean exited;
  gboolean stdout_done;
  gboolean stderr_done;
} Serve;

static gboolean
on_wait_expired (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

#define WAIT_FOR(cond) G_STMT_START {                                         \
      gboolean expired_ = FALSE;                                              \
      guint id_ = g_timeout_add (WAIT_MS, on_wait_expired, &expired_);        \
      while (!(cond) && !expired_)                                            \
        g_main_context_iteration (NULL, TRUE);                                \
      if (!expired_)                                                          \
        g_source_remove (id_);                                                \
      g_assert_true (cond);                                                   \
    } G_STMT_END

static void
on_uri (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Serve *s = user_data;

  s->uri = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL, NULL);
  s->stdout_done = TRUE;
}

static void
on_stderr (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Serve *s = user_data;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, NULL);

  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      s->stderr_done = TRUE;
      return;
    }
  {
    g_autofree char *more = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
    char *joined = g_strconcat (s->err, more, NULL);

    g_free (s->err);
    s->err = joined;
  }
  g_input_stream_read_bytes_async (G_INPUT_STREAM (source), 4096, G_PRIORITY_DEFAULT, NULL, on_stderr, s);
}

static void
on_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  ((Serve *) user_data)->exited = TRUE;
}

/* holler serve @args (NULL-terminated) */
static Serve *
serve_start (const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  Serve *s = g_new0 (Serve, 1);
  const char *bin = g_getenv ("HOLLER_BIN");

  g_assert_nonnull (bin);
  g_ptr_array_add (argv, (char *) bin);
  g_ptr_array_add (argv, "serve");
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  s->err = g_strdup ("");
  s->proc = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (s->proc));
  g_data_input_stream_read_line_async (out, G_PRIORITY_DEFAULT, NULL, on_uri, s);
  g_input_stream_read_bytes_async (g_subprocess_get_stderr_pipe (s->proc), 4096, G_PRIORITY_DEFAULT, NULL,
                                   on_stderr, s);
  g_subprocess_wait_async (s->proc, NULL, on_exited, s);
  return s;
}

/* Waits for the exit and all output; the exit status */
static int
serve_finish (Serve *s)
{
  int status;

  WAIT_FOR (s->exited && s->stdout_done && s->stderr_done);
  g_test_message ("serve stderr:\n%s", s->err);
  g_assert_true (g_subprocess_get_if_exited (s->proc));
  status = g_subprocess_get_exit_status (s->proc);
  g_object_unref (s->proc);
  g_free (s->uri);
  g_free (s->err);
  g_free (s);
  return status;
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SoupWebsocketConnection **conn = user_data;

  *conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, NULL);
  g_assert_nonnull (*conn);
}

static void
on_message (SoupWebsocketConnection *conn, gint kind, GBytes *message, gpointer user_data)
{
  char **text = user_data;

  g_free (*text);
  *text = g_strndup (g_bytes_get_data (message, NULL), g_bytes_get_size (message));
}

static void
on_closed (SoupWebsocketConnection *conn, gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
}

static void
test_run_and_stop (void)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(SoupWebsocketConnection) conn = NULL;
  g_autofree char *reply = NULL;
  gboolean closed = FALSE;
  Serve *s = serve_start (ARGS ("--port", "0", "--print-uri"));

  WAIT_FOR (s->stdout_done);
  g_assert_nonnull (s->uri);
  g_assert_true (g_str_has_prefix (s->uri, "ws://127.0.0.1:"));
  g_assert_true (g_str_has_suffix (s->uri, "/ws"));
  msg = soup_message_new ("GET", s->uri);
  soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL, on_connected, &conn);
  WAIT_FOR (conn != NULL);
  g_signal_connect (conn, "message", G_CALLBACK (on_message), &reply);
  g_signal_connect (conn, "closed", G_CALLBACK (on_closed), &closed);
  soup_websocket_connection_send_text (conn, "{\"type\":\"register\",\"id\":\"alice\"}");
  WAIT_FOR (reply != NULL);
  g_assert_cmpstr (reply, ==, "{\"type\":\"registered\",\"id\":\"alice\"}");

  g_subprocess_send_signal (s->proc, SIGTERM);
  WAIT_FOR (closed);
  g_assert_cmpuint (soup_websocket_connection_get_close_code (conn), ==, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  WAIT_FOR (s->stderr_done);
  g_assert_nonnull (strstr (s->err, "the server is open"));
  g_assert_nonnull (strstr (s->err, "register alice (127.0.0.1)"));
  g_assert_nonnull (strstr (s->err, "disconnect alice (127.0.0.1), close code 1001"));
  g_assert_cmpint (serve_finish (s), ==, 0);
}

static void
check_usage_error (const char *expected, const char * const *args)
{
  Serve *s = serve_start (args);

  WAIT_FOR (s->stderr_done);
  g_assert_nonnull (strstr (s->err, expected));
  g_assert_cmpint (serve_finish (s), ==, 2);
}

static void
test_usage_errors (void)
{
  g_autofree char *dir = g_dir_make_tmp ("holler-serve-XXXXXX", NULL);
  g_autofree char *tokens = g_build_filename (dir, "tokens", NULL);

  g_assert_true (g_file_set_contents (tokens, "[tokens]\nnot valid=x\n", -1, NULL));
  check_usage_error ("Unknown option --bogus", ARGS ("--bogus"));
  check_usage_error ("--port must be between 0 and 65535", ARGS ("--port", "70000"));
  check_usage_error ("Unexpected argument", ARGS ("--port", "0", "extra"));
  check_usage_error ("not a valid id", ARGS ("--port", "0", "--token-file", tokens));
  check_usage_error ("not an IP address", ARGS ("--address", "example.org"));
  check_usage_error ("Cannot load the TLS certificate", ARGS ("--tls-cert", tokens));
  g_remove (tokens);
  g_rmdir (dir);
}

static void
test_port_in_use (void)
{
  Serve *first = serve_start (ARGS ("--port", "0", "--print-uri"));
  Serve *second;
  const char *port;

  WAIT_FOR (first->stdout_done);
  g_assert_nonnull (first->uri);
  port = strrchr (first->uri, ':') + 1;
  {
    g_autofree char *number = g_strndup (port, strcspn (port, "/"));

    second = serve_start (ARGS ("--port", number));
  }
  WAIT_FOR (second->stderr_done);
  g_assert_nonnull (strstr (second->err, "Cannot listen on 127.0.0.1 port"));
  g_assert_cmpint (serve_finish (second), ==, 1);
  g_subprocess_send_signal (first->proc, SIGINT);
  g_assert_cmpint (serve_finish (first), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/serve/run-and-stop", test_run_and_stop);
  g_test_add_func ("/serve/usage-errors", test_usage_errors);
  g_test_add_func ("/serve/port-in-use", test_port_in_use);
  return g_test_run ();
}
