/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>
#include <stdlib.h>
#include <signal.h>
#include <json-glib/json-glib.h>
#include "holler-test-relay.h"
#include "holler-tone.h"

typedef struct {
  GSocket *socket;
  GSocketAddress *inside;    /* the real candidate */
  GSocketAddress *outside;   /* whoever talks to it from the other peer */
  GSource *source;
  HollerTestRelay *relay;
  int owner;                 /* peer whose candidate this is */
} Proxy;

struct _HollerTestRelay
{
  GSubprocess *proc[2];
  GDataInputStream *out[2];
  GOutputStream *in[2];
  char *stderr_path[2];
  gboolean exited[2];
  int status[2];
  GPtrArray *inject[2];
  HollerTestRewrite rewrite;
  gpointer rewrite_data;
  gboolean capture;
  GPtrArray *proxies;
  GPtrArray *captured;
  HollerTestFilter filter;
  gpointer filter_data;
  GSocket *route_socket;          /* how caller media last reached the callee */
  GSocketAddress *route_address;
  GMainLoop *loop;
  GCancellable *cancellable;
};

static gboolean
addr_equal (GSocketAddress *a, GSocketAddress *b)
{
  GInetSocketAddress *x = G_INET_SOCKET_ADDRESS (a), *y = G_INET_SOCKET_ADDRESS (b);

  return g_inet_socket_address_get_port (x) == g_inet_socket_address_get_port (y)
         && g_inet_address_equal (g_inet_socket_address_get_address (x), g_inet_socket_address_get_address (y));
}

static gboolean
on_proxy_readable (GSocket *socket, GIOCondition cond, gpointer user_data)
{
  Proxy *p = user_data;
  guint8 buf[2048];
  GSocketAddress *from = NULL;
  gssize n = g_socket_receive_from (socket, &from, (char *) buf, sizeof buf, NULL, NULL);

  if (n <= 0)
    {
      g_clear_object (&from);
      return G_SOURCE_CONTINUE;
    }
  {
  gboolean from_inside = addr_equal (from, p->inside);
  /* the caller's packets: out of its own candidate's proxy, or into the callee's */
  gboolean from_caller = from_inside == (p->owner == 0);

  if (p->relay->filter != NULL && !p->relay->filter (from_caller, buf, n, p->relay->filter_data))
    {
      g_object_unref (from);
      return G_SOURCE_CONTINUE;
    }
  if (from_caller && buf[0] >= 128 && buf[0] <= 191)
    {
      GSocketAddress *to = from_inside ? p->outside : p->inside;

      g_ptr_array_add (p->relay->captured, g_bytes_new (buf, n));
      if (to != NULL && to != p->relay->route_address)
        {
          g_set_object (&p->relay->route_socket, socket);
          g_set_object (&p->relay->route_address, to);
        }
    }
  if (from_inside)
    {
      if (p->outside != NULL)
        g_socket_send_to (socket, p->outside, (char *) buf, n, NULL, NULL);
    }
  else
    {
      g_clear_object (&p->outside);
      p->outside = g_object_ref (from);
      g_socket_send_to (socket, p->inside, (char *) buf, n, NULL, NULL);
    }
  }
  g_object_unref (from);
  return G_SOURCE_CONTINUE;
}

static void
proxy_free (gpointer data)
{
  Proxy *p = data;

  g_source_destroy (p->source);
  g_source_unref (p->source);
  g_clear_object (&p->socket);
  g_clear_object (&p->inside);
  g_clear_object (&p->outside);
  g_free (p);
}

/* candidate:F C udp PRIO ADDR PORT typ ... → same with a proxy's port */
static char *
proxy_candidate (HollerTestRelay *relay, int owner, const char *candidate)
{
  g_auto(GStrv) f = g_strsplit (candidate, " ", -1);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) bind = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) local = NULL;
  Proxy *p;

  if (g_strv_length (f) < 8 || g_ascii_strcasecmp (f[2], "udp") != 0)
    return g_strdup (candidate);
  p = g_new0 (Proxy, 1);
  p->relay = relay;
  p->owner = owner;
  p->inside = g_inet_socket_address_new_from_string (f[4], atoi (f[5]));
  p->socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  g_assert_nonnull (p->inside);
  g_assert_true (g_socket_bind (p->socket, bind, FALSE, NULL));
  g_socket_set_blocking (p->socket, FALSE);
  p->source = g_socket_create_source (p->socket, G_IO_IN, NULL);
  g_source_set_callback (p->source, (GSourceFunc) (void (*) (void)) on_proxy_readable, p, NULL);
  g_source_attach (p->source, NULL);
  g_ptr_array_add (relay->proxies, p);
  local = g_socket_get_local_address (p->socket, NULL);
  g_free (f[4]);
  f[4] = g_strdup ("127.0.0.1");
  g_free (f[5]);
  f[5] = g_strdup_printf ("%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)));
  return g_strjoinv (" ", f);
}

static char *
capture_rewrite (HollerTestRelay *relay, int from, const char *line)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonGenerator) gen = NULL;
  JsonObject *obj;
  g_autofree char *cand = NULL;

  if (!json_parser_load_from_data (parser, line, -1, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return g_strdup (line);
  obj = json_node_get_object (json_parser_get_root (parser));
  if (g_strcmp0 (json_object_get_string_member_with_default (obj, "type", ""), "candidate") != 0)
    return g_strdup (line);
  cand = proxy_candidate (relay, from, json_object_get_string_member (obj, "candidate"));
  json_object_set_string_member (obj, "candidate", cand);
  gen = json_generator_new ();
  json_generator_set_root (gen, json_parser_get_root (parser));
  return json_generator_to_data (gen, NULL);
}

static void read_next (HollerTestRelay *relay, int from);

static void
on_line (GObject *source, GAsyncResult *result, gpointer user_data)
{
  HollerTestRelay *relay = user_data;
  int from = G_DATA_INPUT_STREAM (source) == relay->out[0] ? 0 : 1;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result, NULL, &error);
  g_autofree char *passed = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (line == NULL)
    {
      /* the peer's output ended: end the other's input as a pipe would */
      g_output_stream_close (relay->in[1 - from], NULL, NULL);
      return;
    }
  passed = relay->rewrite ? relay->rewrite (from, line, relay->rewrite_data) : g_strdup (line);
  if (passed != NULL && relay->capture)
    {
      char *c = capture_rewrite (relay, from, passed);
      g_free (passed);
      passed = c;
    }
  if (passed != NULL && !g_output_stream_is_closed (relay->in[1 - from]))
    {
      g_output_stream_write_all (relay->in[1 - from], passed, strlen (passed), NULL, NULL, NULL);
      g_output_stream_write_all (relay->in[1 - from], "\n", 1, NULL, NULL, NULL);
    }
  read_next (relay, from);
}

static void
read_next (HollerTestRelay *relay, int from)
{
  g_data_input_stream_read_line_async (relay->out[from], G_PRIORITY_DEFAULT, relay->cancellable, on_line, relay);
}

static void
on_peer_exit (GObject *source, GAsyncResult *result, gpointer user_data)
{
  HollerTestRelay *relay = user_data;
  int i = G_SUBPROCESS (source) == relay->proc[0] ? 0 : 1;

  if (!g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL))
    return;
  relay->exited[i] = TRUE;
  relay->status[i] = g_subprocess_get_if_exited (G_SUBPROCESS (source))
                     ? g_subprocess_get_exit_status (G_SUBPROCESS (source)) : -1;
  if (relay->exited[0] && relay->exited[1])
    g_main_loop_quit (relay->loop);
}

static GSubprocess *
spawn (HollerTestRelay *relay, int i, const char * const *argv, const char *workdir)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GError) error = NULL;
  GSubprocess *proc;

  relay->stderr_path[i] = g_build_filename (workdir, i == 0 ? "caller.log" : "callee.log", NULL);
  g_subprocess_launcher_set_stderr_file_path (launcher, relay->stderr_path[i]);
  proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  return proc;
}

HollerTestRelay *
holler_test_relay_new (const char * const *caller_argv, const char * const *callee_argv, const char *workdir)
{
  HollerTestRelay *relay = g_new0 (HollerTestRelay, 1);
  const char * const *argvs[2] = { caller_argv, callee_argv };

  /* A peer that has exited (both do on a fingerprint mismatch) may still be
   * sent the other's last message: a failed write, not a dead test. */
  signal (SIGPIPE, SIG_IGN);
  relay->loop = g_main_loop_new (NULL, FALSE);
  relay->cancellable = g_cancellable_new ();
  relay->proxies = g_ptr_array_new_with_free_func (proxy_free);
  relay->captured = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  for (int i = 0; i < 2; i++)
    {
      relay->inject[i] = g_ptr_array_new_with_free_func (g_free);
      relay->proc[i] = spawn (relay, i, argvs[i], workdir);
    }
  return relay;
}

void
holler_test_relay_set_rewrite (HollerTestRelay *relay, HollerTestRewrite func, gpointer user_data)
{
  relay->rewrite = func;
  relay->rewrite_data = user_data;
}

void
holler_test_relay_enable_capture (HollerTestRelay *relay)
{
  relay->capture = TRUE;
}

void
holler_test_relay_inject (HollerTestRelay *relay, int to, const char *line)
{
  g_ptr_array_add (relay->inject[to], g_strdup (line));
}

static gboolean
on_timeout (gpointer user_data)
{
  HollerTestRelay *relay = user_data;

  for (int i = 0; i < 2; i++)
    if (!relay->exited[i])
      g_subprocess_force_exit (relay->proc[i]);
  return G_SOURCE_REMOVE;
}

gboolean
holler_test_relay_run (HollerTestRelay *relay, guint timeout_s)
{
  guint timeout_id;
  gboolean timed_out;

  for (int i = 0; i < 2; i++)
    {
      relay->out[i] = g_data_input_stream_new (g_subprocess_get_stdout_pipe (relay->proc[i]));
      relay->in[i] = g_object_ref (g_subprocess_get_stdin_pipe (relay->proc[i]));
      for (guint j = 0; j < relay->inject[i]->len; j++)
        {
          const char *line = g_ptr_array_index (relay->inject[i], j);
          g_output_stream_write_all (relay->in[i], line, strlen (line), NULL, NULL, NULL);
          g_output_stream_write_all (relay->in[i], "\n", 1, NULL, NULL, NULL);
        }
    }
  for (int i = 0; i < 2; i++)
    {
      read_next (relay, i);
      g_subprocess_wait_async (relay->proc[i], NULL, on_peer_exit, relay);
    }
  timeout_id = g_timeout_add_seconds (timeout_s, on_timeout, relay);
  g_main_loop_run (relay->loop);
  timed_out = g_main_context_find_source_by_id (NULL, timeout_id) == NULL;
  if (!timed_out)
    g_source_remove (timeout_id);
  g_cancellable_cancel (relay->cancellable);
  return !timed_out;
}

int
holler_test_relay_exit_status (HollerTestRelay *relay, int peer)
{
  return relay->status[peer];
}

char *
holler_test_relay_stderr (HollerTestRelay *relay, int peer)
{
  char *text = NULL;

  g_file_get_contents (relay->stderr_path[peer], &text, NULL, NULL);
  return text ? text : g_strdup ("");
}

void
holler_test_relay_set_filter (HollerTestRelay *relay, HollerTestFilter func, gpointer user_data)
{
  relay->capture = TRUE;
  relay->filter = func;
  relay->filter_data = user_data;
}

gboolean
holler_test_relay_send_to_callee (HollerTestRelay *relay, const guint8 *data, gsize len)
{
  if (relay->route_socket == NULL)
    return FALSE;
  return g_socket_send_to (relay->route_socket, relay->route_address, (const char *) data, len, NULL, NULL)
         == (gssize) len;
}

GInetSocketAddress *
holler_test_relay_candidate_address (HollerTestRelay *relay, int peer)
{
  for (guint i = 0; i < relay->proxies->len; i++)
    {
      Proxy *p = g_ptr_array_index (relay->proxies, i);

      if (p->owner == peer)
        return G_INET_SOCKET_ADDRESS (p->inside);
    }
  return NULL;
}

GSubprocess *
holler_test_relay_get_process (HollerTestRelay *relay, int peer)
{
  return relay->proc[peer];
}

GPtrArray *
holler_test_relay_captured (HollerTestRelay *relay)
{
  return relay->captured;
}

void
holler_test_relay_free (HollerTestRelay *relay)
{
  for (int i = 0; i < 2; i++)
    {
      if (!relay->exited[i])
        g_subprocess_force_exit (relay->proc[i]);
      g_clear_object (&relay->out[i]);
      g_clear_object (&relay->in[i]);
      g_clear_object (&relay->proc[i]);
      g_free (relay->stderr_path[i]);
      g_ptr_array_unref (relay->inject[i]);
    }
  g_clear_object (&relay->route_socket);
  g_clear_object (&relay->route_address);
  g_ptr_array_unref (relay->proxies);
  g_ptr_array_unref (relay->captured);
  g_main_loop_unref (relay->loop);
  g_object_unref (relay->cancellable);
  g_free (relay);
}

GPtrArray *
holler_test_find_events (const char *stderr_text, const char *name)
{
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_auto(GStrv) lines = g_strsplit (stderr_text, "\n", -1);

  for (gsize i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *obj;

      if (lines[i][0] != '{' || !json_parser_load_from_data (parser, lines[i], -1, NULL))
        continue;
      if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        continue;
      obj = json_node_get_object (json_parser_get_root (parser));
      if (g_strcmp0 (json_object_get_string_member_with_default (obj, "event", ""), name) == 0)
        g_ptr_array_add (events, json_object_ref (obj));
    }
  return events;
}

double
holler_test_tone_share (const char *path, double hz, guint skip_start, guint skip_end, double *seconds)
{
  g_autoptr(GError) error = NULL;
  g_autofree gint16 *samples = NULL;
  gsize n = 0, blocks = 0, hits = 0, total;
  guint rate = 0;

  if (!holler_wav_read (path, &samples, &n, &rate, &error))
    {
      g_test_message ("%s", error->message);
      *seconds = 0;
      return 0;
    }
  *seconds = (double) n / rate;
  total = n / (rate / 10);
  for (gsize b = skip_start; b + skip_end < total; b++)
    {
      const gint16 *block = samples + b * (rate / 10);
      double ms = holler_tone_mean_square (block, rate / 10);
      double p = holler_tone_goertzel_power (block, rate / 10, rate, hz);

      blocks++;
      if (ms > 1e-5 && p / ms > 0.5)
        hits++;
    }
  return blocks ? (double) hits / blocks : 0;
}
