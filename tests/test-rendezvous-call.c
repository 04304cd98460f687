/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Calls through `holler serve`: separate processes for the server, the
 * callee (`holler listen --id bob`) and the caller (`holler call bob --id
 * alice`), all on 127.0.0.1. Audio is measured in the recordings. */
#include <signal.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include "holler-test-relay.h"
#include "holler-test-proc.h"
#include "holler-tone.h"

#define WAIT_S 30

typedef HollerTestProc Proc;

typedef struct {
  char *dir;
  GPtrArray *procs;
  GMainLoop *loop;
} Fixture;

static const char *
holler_bin (void)
{
  const char *bin = g_getenv ("HOLLER_BIN");

  g_assert_nonnull (bin);
  return bin;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("holler-test-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->procs = g_ptr_array_new ();
  f->loop = g_main_loop_new (NULL, FALSE);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);
  const char *name;

  for (guint i = 0; i < f->procs->len; i++)
    holler_test_proc_free (g_ptr_array_index (f->procs, i));
  /* let killed processes' callbacks run before the loop goes */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_ptr_array_unref (f->procs);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      g_remove (path);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_main_loop_unref (f->loop);
}

static Proc *
spawn_full (Fixture *f, const char *name, const char * const *argv, int tty_fd)
{
  Proc *p = holler_test_proc_spawn (name, argv, NULL, tty_fd);

  g_ptr_array_add (f->procs, p);
  return p;
}

static Proc *
spawn (Fixture *f, const char *name, const char * const *argv)
{
  return spawn_full (f, name, argv, -1);
}

static gboolean
on_wait_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

typedef gboolean (*Predicate) (gpointer data);

/* Runs the main loop until pred() holds; FALSE after WAIT_S seconds. */
static gboolean
wait_until (Predicate pred, gpointer data)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (WAIT_S, on_wait_timeout, &timed_out);

  while (!pred (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return !timed_out;
}

static gboolean
proc_exited (gpointer data)
{
  return ((Proc *) data)->exited;
}

typedef struct {
  Proc *p;
  const char *needle;
  guint count;
} LogWait;

static guint
count_in (const char *haystack, const char *needle)
{
  guint n = 0;

  for (const char *s = strstr (haystack, needle); s != NULL; s = strstr (s + 1, needle))
    n++;
  return n;
}

static gboolean
log_has (gpointer data)
{
  LogWait *w = data;

  return count_in (w->p->log->str, w->needle) >= w->count || w->p->exited;
}

static gboolean
wait_log (Proc *p, const char *needle, guint count)
{
  LogWait w = { p, needle, count };

  return wait_until (log_has, &w) && count_in (p->log->str, needle) >= count;
}

static int
wait_exit (Proc *p)
{
  g_assert_true (wait_until (proc_exited, p));
  return p->status;
}

/* Shows the process's log before failing, since teardown never runs then */
#define assert_exit(p, expected) G_STMT_START {                                      \
    int status_ = wait_exit (p);                                                     \
    if (status_ != (expected))                                                       \
      g_test_message ("--- %s stderr (exit %d) ---\n%s", (p)->name, status_, (p)->log->str); \
    g_assert_cmpint (status_, ==, (expected));                                       \
  } G_STMT_END

/* serve prints its URI as soon as it listens: a short blocking read */
static void
read_stdout_line (Proc *p)
{
  holler_test_proc_read_stdout_line (p);
}

/* `holler serve` on a free port (or @port), returns its ws:// URI */
static char *
start_server (Fixture *f, guint port, const char *token_file, Proc **out)
{
  g_autofree char *port_arg = g_strdup_printf ("--port=%u", port);
  g_autofree char *token_arg = token_file ? g_strdup_printf ("--token-file=%s", token_file) : NULL;
  const char *argv[] = { holler_bin (), "serve", port_arg, "--print-uri", token_arg, NULL };
  Proc *p = spawn (f, "serve", argv);

  read_stdout_line (p);
  g_test_message ("server at %s", p->first_stdout_line);
  if (out != NULL)
    *out = p;
  return g_strdup (p->first_stdout_line);
}

static void
builder_take (GStrvBuilder *b, char *s)
{
  g_strv_builder_add (b, s);
  g_free (s);
}

static GStrv
peer_argv (Fixture *f, const char *command, const char *uri, const char *id, const char *peer,
           int hz, double duration, gboolean auto_answer, const char *token)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  g_autofree char *config = g_build_filename (f->dir, "none.conf", NULL);

  g_file_set_contents (config, "", 0, NULL);
  g_strv_builder_add_many (b, holler_bin (), command, "--json", "--allow-loopback",
                           "--ice-address", "127.0.0.1", "--connect-timeout", "15",
                           "--signaling", uri, "--id", id, "--config", config, NULL);
  builder_take (b, g_strdup_printf ("--input=tone:%d", hz));
  builder_take (b, g_strdup_printf ("--output=file:%s/%s.wav", f->dir, id));
  if (duration > 0)
    builder_take (b, g_strdup_printf ("--duration=%g", duration));
  if (auto_answer)
    g_strv_builder_add (b, "--auto-answer");
  if (token != NULL)
    builder_take (b, g_strdup_printf ("--token=%s", token));
  if (peer != NULL)
    g_strv_builder_add (b, peer);
  return g_strv_builder_end (b);
}

static char *
wav_path (Fixture *f, const char *id)
{
  return g_strdup_printf ("%s/%s.wav", f->dir, id);
}

static const char *
end_reason (Proc *p)
{
  static char reason[64];
  g_autoptr(GPtrArray) ended = holler_test_find_events (p->log->str, "ended");

  if (ended->len == 0)
    return "(none)";
  g_strlcpy (reason, json_object_get_string_member (g_ptr_array_index (ended, 0), "reason"), sizeof reason);
  return reason;
}

static void
test_tones_both_ways (Fixture *f, gconstpointer data)
{
  g_autofree char *uri = start_server (f, 0, NULL, NULL);
  g_auto(GStrv) bob_argv = peer_argv (f, "listen", uri, "bob", NULL, 880, 0, TRUE, NULL);
  g_auto(GStrv) alice_argv = peer_argv (f, "call", uri, "alice", "bob", 440, 4, FALSE, NULL);
  g_autofree char *alice_wav = wav_path (f, "alice");
  g_autofree char *bob_wav = wav_path (f, "bob");
  g_autoptr(GPtrArray) incoming = NULL;
  Proc *bob, *alice;
  double share, seconds;

  bob = spawn (f, "bob", (const char * const *) bob_argv);
  g_assert_true (wait_log (bob, "Registered as", 1));
  alice = spawn (f, "alice", (const char * const *) alice_argv);
  assert_exit (alice, 0);
  assert_exit (bob, 0);
  g_assert_cmpstr (end_reason (alice), ==, "hangup");
  g_assert_cmpstr (end_reason (bob), ==, "hangup");

  /* bob saw who called, alice heard it ring */
  incoming = holler_test_find_events (bob->log->str, "incoming");
  g_assert_cmpuint (incoming->len, ==, 1);
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (incoming, 0), "from"), ==, "alice");
  g_assert_cmpuint (count_in (alice->log->str, "\"event\":\"ringing\""), ==, 1);

  share = holler_test_tone_share (alice_wav, 880, 0, 0, &seconds);
  g_test_message ("alice.wav: %.2f s, 880 Hz in %.0f%% of blocks", seconds, share * 100);
  g_assert_cmpfloat (seconds, >, 3.0);
  g_assert_cmpfloat (share, >, 0.8);
  share = holler_test_tone_share (bob_wav, 440, 0, 0, &seconds);
  g_test_message ("bob.wav: %.2f s, 440 Hz in %.0f%% of blocks", seconds, share * 100);
  g_assert_cmpfloat (seconds, >, 3.0);
  g_assert_cmpfloat (share, >, 0.8);
}

/* Calling an id nobody registered fails at once, not after a timeout. */
static void
test_peer_offline (Fixture *f, gconstpointer data)
{
  g_autofree char *uri = start_server (f, 0, NULL, NULL);
  g_auto(GStrv) argv = peer_argv (f, "call", uri, "alice", "nobody", 440, 2, FALSE, NULL);
  gint64 start = g_get_monotonic_time ();
  Proc *alice = spawn (f, "alice", (const char * const *) argv);
  double elapsed;

  assert_exit (alice, 1);
  elapsed = (g_get_monotonic_time () - start) / 1e6;
  g_test_message ("failed after %.2f s", elapsed);
  g_assert_cmpstr (end_reason (alice), ==, "peer-offline");
  g_assert_nonnull (strstr (alice->log->str, "“nobody” is not online"));
  /* well below the 15 s connect timeout: the server's error ended it */
  g_assert_cmpfloat (elapsed, <, 10);
}

static void
test_wrong_token (Fixture *f, gconstpointer data)
{
  g_autofree char *tokens = g_build_filename (f->dir, "tokens.conf", NULL);
  g_autofree char *uri = NULL;
  g_auto(GStrv) wrong = NULL;
  g_auto(GStrv) none = NULL;
  Proc *p;

  g_assert_true (g_file_set_contents (tokens, "[tokens]\nalice=right-token\nbob=other\n", -1, NULL));
  uri = start_server (f, 0, tokens, NULL);
  wrong = peer_argv (f, "call", uri, "alice", "bob", 440, 2, FALSE, "wrong-token");
  p = spawn (f, "alice-wrong", (const char * const *) wrong);
  assert_exit (p, 1);
  g_assert_nonnull (strstr (p->log->str, "unauthorized"));
  none = peer_argv (f, "listen", uri, "bob", NULL, 880, 0, TRUE, NULL);
  p = spawn (f, "bob-no-token", (const char * const *) none);
  assert_exit (p, 1);
  g_assert_nonnull (strstr (p->log->str, "unauthorized"));
}

/* A callee in a call answers a second caller with busy. */
static void
test_busy (Fixture *f, gconstpointer data)
{
  g_autofree char *uri = start_server (f, 0, NULL, NULL);
  g_auto(GStrv) bob_argv = peer_argv (f, "listen", uri, "bob", NULL, 880, 0, TRUE, NULL);
  g_auto(GStrv) alice_argv = peer_argv (f, "call", uri, "alice", "bob", 440, 6, FALSE, NULL);
  g_auto(GStrv) carol_argv = peer_argv (f, "call", uri, "carol", "bob", 660, 2, FALSE, NULL);
  Proc *bob, *alice, *carol;

  bob = spawn (f, "bob", (const char * const *) bob_argv);
  g_assert_true (wait_log (bob, "Registered as", 1));
  alice = spawn (f, "alice", (const char * const *) alice_argv);
  g_assert_true (wait_log (alice, "\"state\":\"active\"", 1));
  carol = spawn (f, "carol", (const char * const *) carol_argv);
  assert_exit (carol, 1);
  g_assert_cmpstr (end_reason (carol), ==, "busy");
  assert_exit (alice, 0);
  assert_exit (bob, 0);
  g_assert_nonnull (strstr (bob->log->str, "\"event\":\"busy\""));
}

/* Rejecting from the terminal reaches the caller as "rejected". */
static void
test_reject (Fixture *f, gconstpointer data)
{
  g_autofree char *uri = start_server (f, 0, NULL, NULL);
  g_auto(GStrv) bob_argv = peer_argv (f, "listen", uri, "bob", NULL, 880, 0, FALSE, NULL);
  g_auto(GStrv) alice_argv = peer_argv (f, "call", uri, "alice", "bob", 440, 4, FALSE, NULL);
  int master = posix_openpt (O_RDWR | O_NOCTTY);
  int slave;
  Proc *bob, *alice;

  g_assert_cmpint (master, >=, 0);
  g_assert_cmpint (grantpt (master), ==, 0);
  g_assert_cmpint (unlockpt (master), ==, 0);
  slave = open (ptsname (master), O_RDWR | O_NOCTTY);
  g_assert_cmpint (slave, >=, 0);
  bob = spawn_full (f, "bob", (const char * const *) bob_argv, slave);
  g_assert_true (wait_log (bob, "Registered as", 1));
  alice = spawn (f, "alice", (const char * const *) alice_argv);
  g_assert_true (wait_log (bob, "\"event\":\"incoming\"", 1));
  g_assert_true (wait_log (alice, "\"event\":\"ringing\"", 1));
  g_assert_cmpint (write (master, "r\n", 2), ==, 2);
  assert_exit (alice, 1);
  g_assert_cmpstr (end_reason (alice), ==, "rejected");
  assert_exit (bob, 0);
  close (slave);
  close (master);
}

static guint
free_port (void)
{
  g_autoptr(GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (sock, addr, TRUE, NULL));
  bound = g_socket_get_local_address (sock, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* The server dies and comes back during a call: the media never depended
 * on it, and both peers register again and end the call through it. */
static void
test_server_restart (Fixture *f, gconstpointer data)
{
  guint port = free_port ();
  Proc *server = NULL;
  g_autofree char *uri = start_server (f, port, NULL, &server);
  g_autofree char *uri2 = NULL;
  g_auto(GStrv) bob_argv = peer_argv (f, "listen", uri, "bob", NULL, 880, 0, TRUE, NULL);
  g_auto(GStrv) alice_argv = peer_argv (f, "call", uri, "alice", "bob", 440, 7, FALSE, NULL);
  g_autofree char *bob_wav = wav_path (f, "bob");
  Proc *bob, *alice;
  double share, seconds;

  bob = spawn (f, "bob", (const char * const *) bob_argv);
  g_assert_true (wait_log (bob, "Registered as", 1));
  alice = spawn (f, "alice", (const char * const *) alice_argv);
  g_assert_true (wait_log (alice, "\"state\":\"active\"", 1));
  g_assert_true (wait_log (bob, "\"state\":\"active\"", 1));

  g_subprocess_send_signal (server->proc, SIGKILL);
  assert_exit (server, -1);
  g_assert_true (wait_log (alice, "Signaling connection lost", 1));
  g_assert_true (wait_log (bob, "Signaling connection lost", 1));
  uri2 = start_server (f, port, NULL, NULL);
  g_assert_cmpstr (uri, ==, uri2);
  g_assert_true (wait_log (alice, "registered again", 1));
  g_assert_true (wait_log (bob, "registered again", 1));

  /* the bye at the end goes through the new server */
  assert_exit (alice, 0);
  assert_exit (bob, 0);
  g_assert_cmpstr (end_reason (bob), ==, "hangup");
  /* bob heard alice's tone all along, outage included */
  share = holler_test_tone_share (bob_wav, 440, 5, 0, &seconds);
  g_test_message ("bob.wav: %.2f s, 440 Hz in %.0f%% of blocks after 0.5 s", seconds, share * 100);
  /* a 7 s call; on a loaded machine the media starts up to a second or
   * two after "active", so the bound leaves room for that, and the
   * outage (within the first seconds) still falls inside the recording */
  g_assert_cmpfloat (seconds, >, 4.5);
  g_assert_cmpfloat (share, >, 0.95);
}

static void
test_server_unreachable (Fixture *f, gconstpointer data)
{
  /* a port bound here and never listened on refuses connections, and no
   * other process (a server in a parallel test) can take it meanwhile, as
   * it could a port found free and released */
  g_autoptr(GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *uri = NULL;

  g_assert_true (g_socket_bind (sock, any_port, FALSE, NULL));
  bound = g_socket_get_local_address (sock, NULL);
  uri = g_strdup_printf ("ws://127.0.0.1:%u/ws", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_auto(GStrv) argv = peer_argv (f, "call", uri, "alice", "bob", 440, 2, FALSE, NULL);
  Proc *alice = spawn (f, "alice", (const char * const *) argv);

  assert_exit (alice, 1);
  if (strstr (alice->log->str, "Cannot use the signaling server") == NULL)
    g_test_message ("alice's log: %s", alice->log->str);
  g_assert_nonnull (strstr (alice->log->str, "Cannot use the signaling server"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/rendezvous-call/tones-both-ways", Fixture, NULL, fixture_setup, test_tones_both_ways, fixture_teardown);
  g_test_add ("/rendezvous-call/peer-offline", Fixture, NULL, fixture_setup, test_peer_offline, fixture_teardown);
  g_test_add ("/rendezvous-call/wrong-token", Fixture, NULL, fixture_setup, test_wrong_token, fixture_teardown);
  g_test_add ("/rendezvous-call/busy", Fixture, NULL, fixture_setup, test_busy, fixture_teardown);
  g_test_add ("/rendezvous-call/reject", Fixture, NULL, fixture_setup, test_reject, fixture_teardown);
  g_test_add ("/rendezvous-call/server-restart", Fixture, NULL, fixture_setup, test_server_restart, fixture_teardown);
  g_test_add ("/rendezvous-call/server-unreachable", Fixture, NULL, fixture_setup, test_server_unreachable, fixture_teardown);
  return g_test_run ();
}
