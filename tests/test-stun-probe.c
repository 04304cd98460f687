/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* HollerStunProbe and HollerServerWatch against a real STUN server
 * (coturn, started here on 127.0.0.1), a silent one (a socket of ours
 * that never answers) and closed ports. All traffic stays on loopback. */
#include <string.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include "holler-stun-probe.h"
#include "holler-server-watch.h"
#include "holler-ice-servers.h"

typedef struct {
  char *dir;
  GSubprocess *turnserver;
  guint16 port;               /* coturn: STUN and TURN, UDP and TCP */
  GSocket *silent;            /* bound, never read: a server that does not answer */
  guint16 silent_port;
  guint16 closed_port;        /* nothing listens: ICMP port unreachable / RST */
} Fixture;

static double
slowdown (void)
{
  const char *s = g_getenv ("HOLLER_TEST_SLOWDOWN");
  double f = s ? g_ascii_strtod (s, NULL) : 1;

  return f >= 1 ? f : 1;
}

static GSocket *
bind_loopback (GSocketType type, guint16 *port)
{
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, type, 0, NULL);

  g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return socket;
}

/* A port free for UDP and TCP just now */
static guint16
free_port (void)
{
  for (;;)
    {
      guint16 port;
      g_autoptr(GSocket) udp = bind_loopback (G_SOCKET_TYPE_DATAGRAM, &port);
      g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, port);
      g_autoptr(GSocket) tcp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, NULL);

      if (g_socket_bind (tcp, addr, FALSE, NULL))
        return port;
    }
}

static GPtrArray *
servers (const char *first, ...)
{
  GPtrArray *array = g_ptr_array_new_with_free_func ((GDestroyNotify) holler_ice_server_free);
  va_list ap;

  va_start (ap, first);
  for (const char *uri = first; uri != NULL; uri = va_arg (ap, const char *))
    {
      g_autoptr(GError) error = NULL;
      HollerIceServer *server = holler_ice_server_parse (uri, g_str_has_prefix (uri, "turn"), &error);

      g_assert_no_error (error);
      g_ptr_array_add (array, server);
    }
  va_end (ap);
  return array;
}

typedef struct {
  gboolean done;
  gboolean ok;
  GError *error;
} RunResult;

static void
on_run_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RunResult *r = user_data;

  r->ok = holler_stun_probe_run_finish (HOLLER_STUN_PROBE (source), result, &r->error);
  r->done = TRUE;
}

/* Runs @probe to its end; FALSE (and @error) when cancelled */
static gboolean
run (HollerStunProbe *probe, GCancellable *cancellable, GError **error)
{
  RunResult r = { 0 };

  holler_stun_probe_run_async (probe, cancellable, on_run_done, &r);
  while (!r.done)
    g_main_context_iteration (NULL, TRUE);
  if (r.error != NULL)
    g_propagate_error (error, r.error);
  return r.ok;
}

static char *
uri (const char *scheme, guint16 port, const char *suffix)
{
  return g_strdup_printf ("%s127.0.0.1:%u%s", scheme, port, suffix);
}

static void
on_pause_over (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
}

/* coturn answers once it listens: probe until it does (bounded) */
static void
wait_for_turnserver (Fixture *f)
{
  g_autofree char *stun = uri ("stun:", f->port, "");
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC * slowdown ();

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GPtrArray) list = servers (stun, NULL);
      g_autoptr(HollerStunProbe) probe = holler_stun_probe_new (list, 200);

      gboolean pause = FALSE;

      g_assert_true (run (probe, NULL, NULL));
      if (holler_stun_probe_get_status (probe, 0) == HOLLER_STUN_PROBE_ANSWERED)
        return;
      g_assert_nonnull (g_subprocess_get_identifier (f->turnserver));
      /* refused at once: not listening yet */
      g_timeout_add_once (20, on_pause_over, &pause);
      while (!pause)
        g_main_context_iteration (NULL, TRUE);
    }
  g_error ("turnserver did not answer on 127.0.0.1:%u", f->port);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *port_arg = NULL, *userdb = NULL, *pidfile = NULL;
  g_autofree char *path = g_find_program_in_path ("turnserver");

  if (path == NULL)
    {
      g_test_skip ("turnserver (coturn) is not installed");
      return;
    }
  f->dir = g_dir_make_tmp ("holler-stun-probe-XXXXXX", &error);
  g_assert_no_error (error);
  f->port = free_port ();
  port_arg = g_strdup_printf ("--listening-port=%u", f->port);
  userdb = g_strdup_printf ("--userdb=%s/turndb", f->dir);
  pidfile = g_strdup_printf ("--pidfile=%s/turn.pid", f->dir);
  f->turnserver = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                                    path, "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", port_arg,
                                    "--min-port=49152", "--max-port=49252", "--realm=holler.test",
                                    "--lt-cred-mech", "--user=test:test", "--no-tls", "--no-dtls", "--no-cli",
                                    "--log-file=stdout", "--simple-log", userdb, pidfile, NULL);
  g_assert_no_error (error);
  f->silent = bind_loopback (G_SOCKET_TYPE_DATAGRAM, &f->silent_port);
  f->closed_port = free_port ();
  wait_for_turnserver (f);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  if (f->turnserver != NULL)
    {
      g_subprocess_force_exit (f->turnserver);
      g_subprocess_wait (f->turnserver, NULL, NULL);
    }
  g_clear_object (&f->turnserver);
  g_clear_object (&f->silent);
  if (f->dir != NULL)
    {
      g_autofree char *db = g_build_filename (f->dir, "turndb", NULL);
      g_autofree char *pid = g_build_filename (f->dir, "turn.pid", NULL);

      g_unlink (db);
      g_unlink (pid);
      g_rmdir (f->dir);
    }
  g_free (f->dir);
}

static void
on_server_done (HollerStunProbe *probe, guint index, gpointer user_data)
{
  GArray *order = user_data;

  g_array_append_val (order, index);
}

/* A silent server before a live one: the live one is reported first, as
 * soon as it answers; the silent one when the probe's time is up. */
static void
test_silent_then_live (Fixture *f, gconstpointer data)
{
  g_autofree char *silent = NULL, *live = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(HollerStunProbe) probe = NULL;
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (guint));
  guint timeout_ms = 300 * slowdown ();
  gint64 start;

  if (f->turnserver == NULL)
    return;
  silent = uri ("stun:", f->silent_port, "");
  live = uri ("stun:", f->port, "");
  list = servers (silent, live, NULL);
  probe = holler_stun_probe_new (list, timeout_ms);
  g_signal_connect (probe, "server-done", G_CALLBACK (on_server_done), order);
  start = g_get_monotonic_time ();
  g_assert_true (run (probe, NULL, NULL));
  g_assert_cmpint (g_get_monotonic_time () - start, >=, timeout_ms * 1000);
  g_assert_cmpuint (order->len, ==, 2);
  g_assert_cmpuint (g_array_index (order, guint, 0), ==, 1);
  g_assert_cmpuint (g_array_index (order, guint, 1), ==, 0);
  g_assert_cmpint (holler_stun_probe_get_status (probe, 0), ==, HOLLER_STUN_PROBE_SILENT);
  g_assert_cmpint (holler_stun_probe_get_status (probe, 1), ==, HOLLER_STUN_PROBE_ANSWERED);
  g_assert_cmpint (holler_stun_probe_get_rtt (probe, 1), >, 0);
  g_assert_cmpint (holler_stun_probe_get_rtt (probe, 1), <, timeout_ms * 1000);
  g_assert_cmpint (holler_stun_probe_get_rtt (probe, 0), ==, 0);
}

static gboolean
localhost_is_ipv4 (void)
{
  g_autoptr(GResolver) resolver = g_resolver_get_default ();
  GList *list = g_resolver_lookup_by_name (resolver, "localhost", NULL, NULL);
  gboolean v4 = list != NULL && g_inet_address_get_family (list->data) == G_SOCKET_FAMILY_IPV4;

  g_resolver_free_addresses (list);
  return v4;
}

/* TURN over UDP (a Binding request to the TURN port), over TCP (the
 * connection), a name to look up, and closed ports (refused). */
static void
test_kinds (Fixture *f, gconstpointer data)
{
  g_autofree char *turn_udp = NULL, *turn_tcp = NULL, *by_name = NULL, *closed_udp = NULL, *closed_tcp = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(HollerStunProbe) probe = NULL;

  if (f->turnserver == NULL)
    return;
  turn_udp = uri ("turn:test:test@", f->port, "?transport=udp");
  turn_tcp = uri ("turn:test:test@", f->port, "?transport=tcp");
  by_name = g_strdup_printf ("stun:localhost:%u", f->port);
  closed_udp = uri ("stun:", f->closed_port, "");
  closed_tcp = uri ("turn:test:test@", f->closed_port, "?transport=tcp");
  list = servers (turn_udp, turn_tcp, by_name, closed_udp, closed_tcp, NULL);
  /* everything here answers or refuses: the run ends long before this */
  probe = holler_stun_probe_new (list, 10000 * slowdown ());
  g_assert_true (run (probe, NULL, NULL));
  g_assert_cmpint (holler_stun_probe_get_status (probe, 0), ==, HOLLER_STUN_PROBE_ANSWERED);
  g_assert_cmpint (holler_stun_probe_get_status (probe, 1), ==, HOLLER_STUN_PROBE_ANSWERED);
  /* a name is probed at its first address, as HollerIce gives it to
   * libnice; coturn listens on 127.0.0.1 only */
  if (localhost_is_ipv4 ())
    g_assert_cmpint (holler_stun_probe_get_status (probe, 2), ==, HOLLER_STUN_PROBE_ANSWERED);
  else
    g_assert_cmpint (holler_stun_probe_get_status (probe, 2), ==, HOLLER_STUN_PROBE_REFUSED);
  g_assert_cmpint (holler_stun_probe_get_status (probe, 3), ==, HOLLER_STUN_PROBE_REFUSED);
  g_assert_cmpint (holler_stun_probe_get_status (probe, 4), ==, HOLLER_STUN_PROBE_REFUSED);
}

static gboolean
on_cancel (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel (Fixture *f, gconstpointer data)
{
  g_autofree char *silent = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(HollerStunProbe) probe = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  if (f->turnserver == NULL)
    return;
  silent = uri ("stun:", f->silent_port, "");
  list = servers (silent, NULL);
  probe = holler_stun_probe_new (list, 60000);
  g_idle_add (on_cancel, cancellable);
  g_assert_false (run (probe, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (holler_stun_probe_get_status (probe, 0), ==, HOLLER_STUN_PROBE_PENDING);
}

static void
on_waited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  gboolean *done = user_data;

  g_assert_true (holler_server_watch_wait_finish (HOLLER_SERVER_WATCH (source), result, NULL));
  *done = TRUE;
}

/* The process's watch: nothing to probe with one server of each kind;
 * with a silent STUN server before a live one, a wait ends at the live
 * one's answer, long before the silent one is given up. */
static void
test_watch (Fixture *f, gconstpointer data)
{
  g_autofree char *silent = NULL, *live = NULL, *turn = NULL;
  g_autoptr(HollerServerWatch) watch = NULL;
  g_autoptr(HollerServerWatch) again = NULL;
  gboolean done = FALSE;

  if (f->turnserver == NULL)
    return;
  silent = uri ("stun:", f->silent_port, "");
  live = uri ("stun:", f->port, "");
  turn = uri ("turn:test:test@", f->port, "");
  {
    const char *one_stun[] = { live, NULL }, *one_turn[] = { turn, NULL };

    g_assert_null (holler_server_watch_get (one_stun, one_turn));
  }
  {
    const char *stun[] = { silent, live, NULL };

    watch = holler_server_watch_get (stun, NULL);
    again = holler_server_watch_get (stun, NULL);
  }
  g_assert_nonnull (watch);
  g_assert_true (watch == again);
  g_assert_true (holler_server_watch_is_probing (watch));
  holler_server_watch_wait_async (watch, NULL, on_waited, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (holler_server_watch_get_status (watch, FALSE, 1), ==, HOLLER_STUN_PROBE_ANSWERED);
  /* the silent one is still being asked (the probe gives it 1.5 s) */
  g_assert_cmpint (holler_server_watch_get_status (watch, FALSE, 0), ==, HOLLER_STUN_PROBE_PENDING);
  g_assert_cmpint (holler_server_watch_get_status (watch, TRUE, 0), ==, HOLLER_STUN_PROBE_PENDING);
  while (holler_server_watch_is_probing (watch))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (holler_server_watch_get_status (watch, FALSE, 0), ==, HOLLER_STUN_PROBE_SILENT);
  g_assert_cmpint (holler_server_watch_get_status (watch, FALSE, 1), ==, HOLLER_STUN_PROBE_ANSWERED);
  /* known now: a wait ends at once */
  done = FALSE;
  holler_server_watch_wait_async (watch, NULL, on_waited, &done);
  g_assert_false (done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
on_warning (HollerIceServers *servers, const char *text, gpointer user_data)
{
  g_ptr_array_add (user_data, g_strdup (text));
}

static void
on_servers_waited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_assert_true (holler_ice_servers_wait_finish (HOLLER_ICE_SERVERS (source), result, NULL));
  *(gboolean *) user_data = TRUE;
}

static gboolean
has_warning (GPtrArray *warnings, const char *text)
{
  for (guint i = 0; i < warnings->len; i++)
    if (strstr (g_ptr_array_index (warnings, i), text) != NULL)
      return TRUE;
  return FALSE;
}

/* What libnice gets: with a silent STUN server before a live one, the
 * live one, as soon as it answered; once the probe is over, the silent
 * one is reported dead, and so is a silent TURN server (left out). */
static void
test_servers_choice (Fixture *f, gconstpointer data)
{
  g_autofree char *silent = NULL, *live = NULL, *turn_silent = NULL, *turn_live = NULL, *want = NULL;
  g_autoptr(GObject) agent_object = G_OBJECT (nice_agent_new (NULL, NICE_COMPATIBILITY_RFC5245));
  NiceAgent *agent = NICE_AGENT (agent_object);
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(HollerIceServers) servers = NULL;
  g_autoptr(HollerIceServers) later = NULL;
  g_autoptr(HollerServerWatch) watch = NULL;
  g_autofree char *stun_ip = NULL;
  guint stun_port = 0, stream;
  gboolean done = FALSE;

  if (f->turnserver == NULL)
    return;
  silent = uri ("stun:", f->silent_port, "");
  live = uri ("stun:", f->port, "");
  turn_silent = uri ("turn:test:test@", f->silent_port, "");
  /* over TCP: a STUN server that is also a TURN server over UDP is not
   * used for STUN (HollerIceServers) */
  turn_live = uri ("turn:test:test@", f->port, "?transport=tcp");
  const char *stun[] = { silent, live, NULL }, *turn[] = { turn_silent, turn_live, NULL };
  HollerIceConfig config = { .stun_servers = stun, .turn_servers = turn };

  g_object_set (agent, "upnp", FALSE, NULL);
  stream = nice_agent_add_stream (agent, 1);
  servers = holler_ice_servers_new (&config);
  g_signal_connect (servers, "warning", G_CALLBACK (on_warning), warnings);
  g_assert_true (holler_ice_servers_must_wait (servers));
  holler_ice_servers_wait_async (servers, NULL, on_servers_waited, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  holler_ice_servers_apply (servers, agent, stream);
  g_object_get (agent, "stun-server", &stun_ip, "stun-server-port", &stun_port, NULL);
  g_assert_cmpstr (stun_ip, ==, "127.0.0.1");
  g_assert_cmpuint (stun_port, ==, f->port);
  want = g_strdup_printf ("STUN server %s has not answered: using %s", silent, live);
  g_assert_true (has_warning (warnings, want));
  g_assert_true (holler_ice_servers_have_turn (servers));

  watch = holler_server_watch_get (stun, turn);
  while (holler_server_watch_is_probing (watch))
    g_main_context_iteration (NULL, TRUE);
  g_ptr_array_set_size (warnings, 0);
  later = holler_ice_servers_new (&config);
  g_signal_connect (later, "warning", G_CALLBACK (on_warning), warnings);
  g_assert_false (holler_ice_servers_must_wait (later));
  holler_ice_servers_apply (later, agent, nice_agent_add_stream (agent, 1));
  g_clear_pointer (&want, g_free);
  want = g_strdup_printf ("STUN server %s did not answer: not used", silent);
  g_assert_true (has_warning (warnings, want));
  g_clear_pointer (&want, g_free);
  want = g_strdup_printf ("TURN server turn:127.0.0.1:%u?transport=udp did not answer: not used", f->silent_port);
  g_assert_true (has_warning (warnings, want));
  g_assert_cmpuint (warnings->len, ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/stun-probe/silent-then-live", Fixture, NULL, fixture_set_up, test_silent_then_live,
              fixture_tear_down);
  g_test_add ("/stun-probe/kinds", Fixture, NULL, fixture_set_up, test_kinds, fixture_tear_down);
  g_test_add ("/stun-probe/cancel", Fixture, NULL, fixture_set_up, test_cancel, fixture_tear_down);
  g_test_add ("/stun-probe/watch", Fixture, NULL, fixture_set_up, test_watch, fixture_tear_down);
  g_test_add ("/stun-probe/servers-choice", Fixture, NULL, fixture_set_up, test_servers_choice,
              fixture_tear_down);
  return g_test_run ();
}
