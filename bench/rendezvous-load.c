/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Load on `holler serve`: spawns the server (port 0), opens N concurrent
 * WebSocket clients from this one process, registers them all, then every
 * client i sends R messages per second to client i+1 (a ring) for D
 * seconds. Counts what arrives (right sender, in order), the relay latency
 * (send time in the payload, one clock), and the server's memory from
 * /proc. Human lines on stdout, then one JSON line. With --check, exits 1
 * unless every client registered and ≥ 99 % of the messages arrived. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#define TICK_MS 5
#define DRAIN_MS 3000
#define STOP_MS 5000
#define MIN_DELIVERED 0.99
/* connections opened at once: SoupSession's queue gets slow when long */
#define CONNECT_WINDOW 64

typedef struct _Bench Bench;

typedef struct {
  Bench *bench;
  guint index;
  char *id;
  SoupWebsocketConnection *conn;
  gboolean failed;
  gboolean registered;
  guint64 sent;
  guint64 next_seq_in;     /* from the client before us */
  guint64 received;
  guint64 out_of_order;
} Client;

struct _Bench {
  guint n_clients;
  double duration_s;
  double rate;
  double connect_timeout_s;
  char *holler;
  gboolean check;

  GSubprocess *server;
  char *uri;
  SoupSession *session;
  Client *clients;
  guint n_connected;
  guint n_failed;
  guint n_registered;
  gboolean sending;
  gint64 start_us;
  GArray *latencies_us;    /* gint64 */
  guint64 wrong_sender;
  guint64 n_unexpected;
  guint next_to_connect;
  guint in_flight;
};

static gboolean
on_deadline (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main context until @cond or @ms pass; the value of @cond */
#define RUN_UNTIL(cond, ms) ({                                                \
      gboolean expired_ = FALSE;                                              \
      guint id_ = g_timeout_add ((ms), on_deadline, &expired_);               \
      while (!(cond) && !expired_)                                            \
        g_main_context_iteration (NULL, TRUE);                                \
      if (!expired_)                                                          \
        g_source_remove (id_);                                                \
      (cond); })

static void
raise_fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }
}

/* A "VmXXX:   1234 kB" line of /proc/PID/status, in KiB; 0 if unknown */
static guint64
proc_status_kib (GSubprocess *proc, const char *field)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/status", g_subprocess_get_identifier (proc));
  g_autofree char *text = NULL;
  const char *line;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (line = strstr (text, field)) == NULL)
    return 0;
  return g_ascii_strtoull (line + strlen (field) + 1, NULL, 10);
}

static void
on_message (SoupWebsocketConnection *conn, gint kind, GBytes *message, gpointer user_data)
{
  Client *c = user_data;
  Bench *b = c->bench;
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize length;
  const char *data = g_bytes_get_data (message, &length);
  JsonObject *object;
  const char *type, *from;
  Client *sender = &b->clients[(c->index + b->n_clients - 1) % b->n_clients];

  if (!json_parser_load_from_data (parser, data, length, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return;
  object = json_node_get_object (json_parser_get_root (parser));
  type = json_object_get_string_member_with_default (object, "type", "");
  if (g_str_equal (type, "registered"))
    {
      c->registered = TRUE;
      b->n_registered++;
      return;
    }
  if (!g_str_equal (type, "bench"))
    {
      if (b->n_unexpected++ < 5)
        g_printerr ("client %s: unexpected %.*s\n", c->id, (int) MIN (length, 200), data);
      return;
    }
  from = json_object_get_string_member_with_default (object, "from", "");
  if (!g_str_equal (from, sender->id))
    {
      b->wrong_sender++;
      return;
    }
  if ((guint64) json_object_get_int_member_with_default (object, "seq", -1) != c->next_seq_in)
    c->out_of_order++;
  c->next_seq_in = json_object_get_int_member_with_default (object, "seq", 0) + 1;
  c->received++;
  {
    gint64 latency = g_get_monotonic_time () - json_object_get_int_member_with_default (object, "t", 0);

    g_array_append_val (b->latencies_us, latency);
  }
}

static void
on_closed (SoupWebsocketConnection *conn, gpointer user_data)
{
  Client *c = user_data;

  if (!c->failed)
    {
      c->failed = TRUE;
      c->bench->n_failed++;
    }
}

static void connect_more (Bench *b);

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Client *c = user_data;
  g_autoptr(GError) error = NULL;

  c->bench->in_flight--;
  connect_more (c->bench);
  c->conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (c->conn == NULL)
    {
      if (c->bench->n_failed++ < 5)
        g_printerr ("client %s: %s\n", c->id, error->message);
      c->failed = TRUE;
      return;
    }
  soup_websocket_connection_set_max_incoming_payload_size (c->conn, 0);
  g_signal_connect (c->conn, "message", G_CALLBACK (on_message), c);
  g_signal_connect (c->conn, "closed", G_CALLBACK (on_closed), c);
  c->bench->n_connected++;
}

static void
send_one (Client *c, const char *to)
{
  g_autofree char *text = g_strdup_printf ("{\"type\":\"bench\",\"to\":\"%s\",\"seq\":%" G_GUINT64_FORMAT
                                           ",\"t\":%" G_GINT64_FORMAT ",\"candidate\":\"candidate:1 1 UDP "
                                           "2122252543 192.0.2.1 5555 typ host\"}",
                                           to, c->sent, g_get_monotonic_time ());

  soup_websocket_connection_send_text (c->conn, text);
  c->sent++;
}

/* Sends what is due: client i has sent floor(elapsed × rate + i / N) */
static gboolean
on_tick (gpointer user_data)
{
  Bench *b = user_data;
  double elapsed = (g_get_monotonic_time () - b->start_us) / (double) G_USEC_PER_SEC;

  if (!b->sending)
    return G_SOURCE_REMOVE;
  for (guint i = 0; i < b->n_clients; i++)
    {
      Client *c = &b->clients[i];
      Client *next = &b->clients[(i + 1) % b->n_clients];
      guint64 due = (guint64) (elapsed * b->rate + (double) i / b->n_clients);

      if (c->failed || !c->registered || !next->registered
          || soup_websocket_connection_get_state (c->conn) != SOUP_WEBSOCKET_STATE_OPEN)
        continue;
      while (c->sent < due)
        send_one (c, next->id);
    }
  return G_SOURCE_CONTINUE;
}

static void
on_uri_line (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Bench *b = user_data;

  b->uri = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL, NULL);
  if (b->uri == NULL)
    b->uri = g_strdup ("");
}

static gboolean
start_server (Bench *b)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;

  b->server = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                                b->holler, "serve", "--port", "0", "--print-uri",
                                "--max-clients-per-address", "100000", "--max-rate", "100000", NULL);
  if (b->server == NULL)
    {
      g_printerr ("Cannot start %s serve: %s\n", b->holler, error->message);
      return FALSE;
    }
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (b->server));
  g_data_input_stream_read_line_async (out, G_PRIORITY_DEFAULT, NULL, on_uri_line, b);
  if (!RUN_UNTIL (b->uri != NULL, 10000) || b->uri[0] == '\0')
    {
      g_printerr ("%s serve printed no URI\n", b->holler);
      return FALSE;
    }
  return TRUE;
}

static void
on_server_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *) user_data = TRUE;
}

static void
stop_server (Bench *b)
{
  gboolean exited = FALSE;

  if (b->server == NULL)
    return;
  g_subprocess_send_signal (b->server, SIGTERM);
  g_subprocess_wait_async (b->server, NULL, on_server_exited, &exited);
  RUN_UNTIL (exited, STOP_MS);
  if (!exited)
    {
      g_printerr ("the server did not stop within %d ms: killed\n", STOP_MS);
      g_subprocess_force_exit (b->server);
      /* @exited is on this stack: the wait must end here */
      while (!exited)
        g_main_context_iteration (NULL, TRUE);
    }
}

static void
connect_more (Bench *b)
{
  while (b->in_flight < CONNECT_WINDOW && b->next_to_connect < b->n_clients)
    {
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", b->uri);

      soup_session_websocket_connect_async (b->session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                            on_connected, &b->clients[b->next_to_connect++]);
      b->in_flight++;
    }
}

static void
connect_all (Bench *b)
{
  gint64 deadline_ms = b->connect_timeout_s * 1000;

  connect_more (b);
  RUN_UNTIL (b->n_connected + b->n_failed >= b->n_clients, deadline_ms);
  for (guint i = 0; i < b->n_clients; i++)
    {
      Client *c = &b->clients[i];
      g_autofree char *text = g_strdup_printf ("{\"type\":\"register\",\"id\":\"%s\"}", c->id);

      if (c->conn != NULL && !c->failed)
        soup_websocket_connection_send_text (c->conn, text);
    }
  RUN_UNTIL (b->n_registered >= b->n_connected, deadline_ms);
}

static int
compare_gint64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static double
percentile_ms (GArray *sorted, double p)
{
  guint index;

  if (sorted->len == 0)
    return 0;
  index = MIN (sorted->len - 1, (guint) (p * sorted->len));
  return g_array_index (sorted, gint64, index) / 1000.0;
}

static int
report (Bench *b, double connect_s, double send_s, guint64 rss_idle, guint64 rss_loaded, guint64 hwm)
{
  guint64 sent = 0, received = 0, out_of_order = 0;
  double delivered, per_client_kib;
  gboolean ok;

  for (guint i = 0; i < b->n_clients; i++)
    {
      sent += b->clients[i].sent;
      received += b->clients[i].received;
      out_of_order += b->clients[i].out_of_order;
    }
  g_array_sort (b->latencies_us, compare_gint64);
  delivered = sent > 0 ? (double) received / sent : 0;
  per_client_kib = b->n_registered > 0 && rss_loaded > rss_idle ? (double) (rss_loaded - rss_idle) / b->n_registered : 0;
  ok = b->n_registered == b->n_clients && delivered >= MIN_DELIVERED && b->wrong_sender == 0;

  printf ("clients: %u requested, %u connected, %u registered in %.2f s\n",
          b->n_clients, b->n_connected, b->n_registered, connect_s);
  printf ("messages: %" G_GUINT64_FORMAT " sent, %" G_GUINT64_FORMAT " relayed (%.2f %%), "
          "%" G_GUINT64_FORMAT " out of order, %" G_GUINT64_FORMAT " from the wrong sender\n",
          sent, received, 100 * delivered, out_of_order, b->wrong_sender);
  printf ("throughput: %.0f msgs/s relayed over %.1f s (%.0f per client per second offered)\n",
          received / send_s, send_s, b->rate);
  printf ("relay latency: median %.3f ms, p99 %.3f ms, max %.3f ms\n",
          percentile_ms (b->latencies_us, 0.5), percentile_ms (b->latencies_us, 0.99),
          percentile_ms (b->latencies_us, 1.0));
  printf ("server memory: peak RSS %" G_GUINT64_FORMAT " KiB, idle %" G_GUINT64_FORMAT " KiB, "
          "%.1f KiB per registered client\n", hwm, rss_idle, per_client_kib);
  printf ("{\"bench\":\"rendezvous-load\",\"clients\":%u,\"connected\":%u,\"registered\":%u,"
          "\"connect_s\":%.3f,\"duration_s\":%.1f,\"rate_per_client\":%.1f,\"sent\":%" G_GUINT64_FORMAT ","
          "\"relayed\":%" G_GUINT64_FORMAT ",\"delivered\":%.5f,\"out_of_order\":%" G_GUINT64_FORMAT ","
          "\"msgs_per_s\":%.1f,\"latency_ms\":{\"median\":%.3f,\"p99\":%.3f,\"max\":%.3f},"
          "\"server_peak_rss_kib\":%" G_GUINT64_FORMAT ",\"server_idle_rss_kib\":%" G_GUINT64_FORMAT ","
          "\"server_rss_per_client_kib\":%.2f,\"ok\":%s}\n",
          b->n_clients, b->n_connected, b->n_registered, connect_s, b->duration_s, b->rate, sent, received,
          delivered, out_of_order, received / send_s, percentile_ms (b->latencies_us, 0.5),
          percentile_ms (b->latencies_us, 0.99), percentile_ms (b->latencies_us, 1.0), hwm, rss_idle,
          per_client_kib, ok ? "true" : "false");
  fflush (stdout);
  return !b->check || ok ? 0 : 1;
}

static int
run (Bench *b)
{
  guint64 rss_idle, rss_loaded, hwm, sent_total = 0, received_total = 0;
  gint64 t0;
  double connect_s, send_s;

  if (!start_server (b))
    return 2;
  rss_idle = proc_status_kib (b->server, "VmRSS:");
  b->session = soup_session_new_with_options ("max-conns", b->n_clients + 16,
                                              "max-conns-per-host", b->n_clients + 16, NULL);
  t0 = g_get_monotonic_time ();
  connect_all (b);
  connect_s = (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC;
  rss_loaded = proc_status_kib (b->server, "VmRSS:");

  b->sending = TRUE;
  b->start_us = g_get_monotonic_time ();
  g_timeout_add (TICK_MS, on_tick, b);
  RUN_UNTIL (FALSE, (guint) (b->duration_s * 1000));
  b->sending = FALSE;
  send_s = (g_get_monotonic_time () - b->start_us) / (double) G_USEC_PER_SEC;
  for (guint i = 0; i < b->n_clients; i++)
    sent_total += b->clients[i].sent;
  /* the last messages in flight */
  RUN_UNTIL (({ received_total = 0;
                for (guint i = 0; i < b->n_clients; i++)
                  received_total += b->clients[i].received;
                received_total >= sent_total; }), DRAIN_MS);
  hwm = proc_status_kib (b->server, "VmHWM:");
  return report (b, connect_s, send_s, rss_idle, rss_loaded, hwm);
}

static void
bench_clear (Bench *b)
{
  stop_server (b);
  for (guint i = 0; i < b->n_clients; i++)
    {
      Client *c = &b->clients[i];

      if (c->conn != NULL)
        {
          g_signal_handlers_disconnect_by_data (c->conn, c);
          g_object_unref (c->conn);
        }
      g_free (c->id);
    }
  g_free (b->clients);
  g_clear_object (&b->server);
  g_clear_object (&b->session);
  g_array_unref (b->latencies_us);
  g_free (b->uri);
  g_free (b->holler);
}

int
main (int argc, char **argv)
{
  Bench b = { .n_clients = 500, .duration_s = 10, .rate = 20, .connect_timeout_s = 30 };
  gint clients = b.n_clients;
  g_autoptr(GOptionContext) context = g_option_context_new ("— load test of holler serve");
  g_autoptr(GError) error = NULL;
  const GOptionEntry entries[] = {
    { "clients", 'n', 0, G_OPTION_ARG_INT, &clients, "Concurrent clients (default 500)", "N" },
    { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &b.duration_s, "Seconds of sending (default 10)", "S" },
    { "rate", 'r', 0, G_OPTION_ARG_DOUBLE, &b.rate, "Messages per second per client (default 20)", "R" },
    { "connect-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &b.connect_timeout_s,
      "Seconds allowed to connect and register everyone (default 30)", "S" },
    { "holler", 0, 0, G_OPTION_ARG_FILENAME, &b.holler, "The holler binary (default $HOLLER_BIN)", "PATH" },
    { "check", 0, 0, G_OPTION_ARG_NONE, &b.check,
      "Exit 1 unless all clients registered and 99 % of the messages arrived", NULL },
    { NULL }
  };
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (clients < 2 || b.duration_s <= 0 || b.rate <= 0)
    {
      g_printerr ("Need at least 2 clients, a positive duration and rate\n");
      return 2;
    }
  if (b.holler == NULL)
    b.holler = g_strdup (g_getenv ("HOLLER_BIN") != NULL ? g_getenv ("HOLLER_BIN") : "holler");
  b.n_clients = clients;
  raise_fd_limit ();
  b.clients = g_new0 (Client, b.n_clients);
  for (guint i = 0; i < b.n_clients; i++)
    {
      b.clients[i].bench = &b;
      b.clients[i].index = i;
      b.clients[i].id = g_strdup_printf ("c%u", i);
    }
  b.latencies_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  status = run (&b);
  bench_clear (&b);
  return status;
}
