/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Trust that does not depend on the signaling path (docs/security.md):
 * real holler processes calling through `holler serve` on 127.0.0.1, each
 * with its own XDG_DATA_HOME (identity and known peers).
 *
 * tofu: the first call pins both keys ("new") and both sides show the
 * same short authentication string; the second is "known"; a caller with
 * a new key (--ephemeral) is reported "changed", and with --strict-peers
 * the callee ends the call with peer-key-changed before any audio.
 *
 * mitm: after an honest call, a hostile signaling path (two servers, an
 * attacker's `holler listen --id bob` on alice's and an attacker's `holler
 * call bob --id alice` on bob's) puts a DTLS session of its own on each
 * side: both sides report peer-key-changed, no audio flows, and the codes
 * the two people would read differ. */
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include "holler-test-relay.h"
#include "holler-test-proc.h"

typedef HollerTestProc Proc;

typedef struct {
  char *dir;
  GPtrArray *procs;
} Fixture;

static void
rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        rm_rf (child);
      else
        g_remove (child);
    }
  g_rmdir (path);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("holler-trust-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->procs = g_ptr_array_new ();
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  for (guint i = 0; i < f->procs->len; i++)
    holler_test_proc_free (g_ptr_array_index (f->procs, i));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_ptr_array_unref (f->procs);
  rm_rf (f->dir);
  g_free (f->dir);
}

/* @home: the XDG_DATA_HOME of this process (a directory under the fixture's) */
static Proc *
spawn (Fixture *f, const char *name, const char *home, const char * const *argv)
{
  g_autofree char *data_home = g_strdup_printf ("XDG_DATA_HOME=%s/%s", f->dir, home);
  const char *env[] = { data_home, NULL };
  Proc *p = holler_test_proc_spawn (name, argv, env, -1);

  g_ptr_array_add (f->procs, p);
  return p;
}

static gboolean
on_wait_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until @p exited or its log holds @needle (NULL: exit
 * only); FALSE after 30 s × HOLLER_TEST_SLOWDOWN. */
static gboolean
wait_for (Proc *p, const char *needle)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add ((guint) (30000 * holler_test_slowdown ()), on_wait_timeout, &timed_out);

  while (!p->exited && !(needle && strstr (p->log->str, needle)) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return needle ? strstr (p->log->str, needle) != NULL : p->exited;
}

#define assert_exit(p, expected) G_STMT_START {                                      \
    g_assert_true (wait_for ((p), NULL));                                            \
    if ((p)->status != (expected))                                                   \
      g_test_message ("--- %s stderr (exit %d) ---\n%s", (p)->name, (p)->status, (p)->log->str); \
    g_assert_cmpint ((p)->status, ==, (expected));                                   \
  } G_STMT_END

/* `holler serve` on a free port; its ws:// URI */
static char *
start_server (Fixture *f, const char *name)
{
  const char *argv[] = { g_getenv ("HOLLER_BIN"), "serve", "--port=0", "--print-uri", NULL };
  Proc *p = spawn (f, name, "server", argv);

  return g_strdup (holler_test_proc_read_stdout_line (p));
}

/* holler listen --id ID (auto-answer) or holler call PEER --id ID, with
 * EXTRA options; received audio to DIR/RECORDING */
static Proc *
start_peer (Fixture *f, const char *name, const char *home, const char *uri, const char *id,
            const char *callee, const char *recording, const char *extra)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  g_autofree char *config = g_build_filename (f->dir, "none.conf", NULL);
  g_autofree char *output = g_strdup_printf ("--output=file:%s/%s", f->dir, recording);
  g_auto(GStrv) argv = NULL;
  Proc *p;

  g_file_set_contents (config, "", 0, NULL);
  g_strv_builder_add_many (b, g_getenv ("HOLLER_BIN"), callee ? "call" : "listen", "--json",
                           "--allow-loopback", "--ice-address", "127.0.0.1", "--connect-timeout", "15",
                           "--signaling", uri, "--id", id, "--config", config,
                           callee ? "--input=tone:440" : "--input=tone:880", output, NULL);
  if (callee != NULL)
    g_strv_builder_add_many (b, "--duration=1", callee, NULL);
  else
    g_strv_builder_add (b, "--auto-answer");
  if (extra != NULL)
    g_strv_builder_add (b, extra);
  argv = g_strv_builder_end (b);
  p = spawn (f, name, home, (const char * const *) argv);
  if (callee == NULL)
    g_assert_true (wait_for (p, "Registered as"));
  return p;
}

/* The one "peer" event of a log */
static JsonObject *
peer_event (Proc *p)
{
  g_autoptr(GPtrArray) events = holler_test_find_events (p->log->str, "peer");

  if (events->len != 1)
    g_test_message ("--- %s stderr ---\n%s", p->name, p->log->str);
  g_assert_cmpuint (events->len, ==, 1);
  return json_object_ref (g_ptr_array_index (events, 0));
}

static const char *
member (JsonObject *o, const char *name)
{
  return json_object_get_string_member_with_default (o, name, "");
}

static const char *
end_reason (Proc *p)
{
  g_autoptr(GPtrArray) ended = holler_test_find_events (p->log->str, "ended");
  static char reason[64];

  g_assert_cmpuint (ended->len, ==, 1);
  g_strlcpy (reason, member (g_ptr_array_index (ended, 0), "reason"), sizeof reason);
  return reason;
}

/* The identity's fingerprint, as `holler identity` prints it */
static char *
identity_of (Fixture *f, const char *home)
{
  g_autofree char *data_home = g_build_filename (f->dir, home, NULL);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  const char *argv[] = { g_getenv ("HOLLER_BIN"), "identity", NULL };
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data_home, TRUE);
  proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (out, "sha-256 "));
  return g_strndup (out + 8, strcspn (out + 8, "\n"));
}

/* One call alice → bob through @uri; the peer events of both in *a, *b */
static void
honest_call (Fixture *f, const char *uri, const char *tag, const char *alice_extra, const char *bob_extra,
             int status, JsonObject **a, JsonObject **b, Proc **alice_out, Proc **bob_out)
{
  g_autofree char *bob_wav = g_strdup_printf ("bob-%s.wav", tag);
  g_autofree char *alice_wav = g_strdup_printf ("alice-%s.wav", tag);
  Proc *bob = start_peer (f, "bob", "bob", uri, "bob", NULL, bob_wav, bob_extra);
  Proc *alice = start_peer (f, "alice", "alice", uri, "alice", "bob", alice_wav, alice_extra);

  assert_exit (alice, status);
  assert_exit (bob, status);
  *a = peer_event (alice);
  *b = peer_event (bob);
  g_test_message ("%s: alice sees %s, code %s; bob sees %s, code %s", tag, member (*a, "status"),
                  member (*a, "sas"), member (*b, "status"), member (*b, "sas"));
  if (alice_out != NULL)
    *alice_out = alice;
  if (bob_out != NULL)
    *bob_out = bob;
}

/* Both sides of one DTLS session read the same six digits */
static void
assert_same_sas (JsonObject *a, JsonObject *b)
{
  g_assert_cmpuint (strlen (member (a, "sas")), ==, 7);
  g_assert_true (g_ascii_isdigit (member (a, "sas")[0]) && member (a, "sas")[3] == ' ');
  g_assert_cmpstr (member (a, "sas"), ==, member (b, "sas"));
}

/* No audio reached @p: no first-audio, nothing received, no recording */
static void
assert_no_audio (Fixture *f, Proc *p, const char *recording)
{
  g_autoptr(GPtrArray) first = holler_test_find_events (p->log->str, "first-audio");
  g_autoptr(GPtrArray) stats = holler_test_find_events (p->log->str, "stats");
  g_autofree char *path = g_build_filename (f->dir, recording, NULL);

  g_assert_cmpuint (first->len, ==, 0);
  g_assert_cmpuint (stats->len, ==, 1);
  g_assert_cmpint (json_object_get_int_member (g_ptr_array_index (stats, 0), "packets_received"), ==, 0);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static void
test_tofu (Fixture *f, gconstpointer data)
{
  g_autofree char *uri = start_server (f, "serve");
  g_autoptr(JsonObject) a1 = NULL, b1 = NULL, a2 = NULL, b2 = NULL, a3 = NULL, b3 = NULL, a4 = NULL, b4 = NULL;
  g_autofree char *alice_id = NULL;
  g_autofree char *bob_id = NULL;
  g_autofree char *identity = g_build_filename (f->dir, "alice", "holler", "identity.pem", NULL);
  g_autofree char *known = g_build_filename (f->dir, "bob", "holler", "known-peers", NULL);
  g_autofree char *known_text = NULL;
  Proc *alice, *bob;
  struct stat st;

  /* first call: both keys pinned */
  honest_call (f, uri, "1", NULL, NULL, 0, &a1, &b1, NULL, NULL);
  g_assert_cmpstr (member (a1, "status"), ==, "new");
  g_assert_cmpstr (member (b1, "status"), ==, "new");
  g_assert_cmpstr (member (a1, "id"), ==, "bob");
  g_assert_cmpstr (member (b1, "id"), ==, "alice");
  assert_same_sas (a1, b1);
  alice_id = identity_of (f, "alice");
  bob_id = identity_of (f, "bob");
  g_assert_cmpstr (member (b1, "fingerprint"), ==, alice_id);
  g_assert_cmpstr (member (a1, "fingerprint"), ==, bob_id);
  g_assert_cmpint (g_stat (identity, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (known, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  /* second call: the same keys; a new session, a new code */
  honest_call (f, uri, "2", NULL, NULL, 0, &a2, &b2, NULL, NULL);
  g_assert_cmpstr (member (a2, "status"), ==, "known");
  g_assert_cmpstr (member (b2, "status"), ==, "known");
  assert_same_sas (a2, b2);
  g_assert_cmpstr (member (a2, "sas"), !=, member (a1, "sas"));

  /* alice with a key of the moment: bob is warned, the call goes on */
  honest_call (f, uri, "3", "--ephemeral", NULL, 0, &a3, &b3, NULL, NULL);
  g_assert_cmpstr (member (a3, "status"), ==, "known");
  g_assert_cmpstr (member (b3, "status"), ==, "changed");
  g_assert_cmpstr (member (b3, "pinned_fingerprint"), ==, alice_id);
  g_assert_cmpstr (member (b3, "fingerprint"), !=, alice_id);
  g_assert_nonnull (strstr (member (b3, "message"), "HAS CHANGED"));
  assert_same_sas (a3, b3);

  /* the same with --strict-peers: ended before any audio, bye sent */
  honest_call (f, uri, "4", "--ephemeral", "--strict-peers", 1, &a4, &b4, &alice, &bob);
  g_assert_cmpstr (member (b4, "status"), ==, "changed");
  g_assert_cmpstr (end_reason (bob), ==, "peer-key-changed");
  g_assert_cmpstr (end_reason (alice), ==, "peer-key-changed");
  assert_no_audio (f, bob, "bob-4.wav");

  /* the pin stays the first key */
  g_assert_true (g_file_get_contents (known, &known_text, NULL, NULL));
  g_assert_nonnull (strstr (known_text, alice_id));
  g_assert_cmpuint (strlen (known_text), ==, strlen ("alice sha-256 \n") + strlen (alice_id));
}

static void
test_mitm (Fixture *f, gconstpointer data)
{
  g_autofree char *uri = start_server (f, "serve");
  g_autofree char *uri_alice = NULL;
  g_autofree char *uri_bob = NULL;
  g_autoptr(JsonObject) a1 = NULL, b1 = NULL, a2 = NULL, b2 = NULL;
  Proc *alice, *bob, *fake_bob, *fake_alice;

  honest_call (f, uri, "honest", NULL, NULL, 0, &a1, &b1, NULL, NULL);
  g_assert_cmpstr (member (a1, "status"), ==, "new");
  assert_same_sas (a1, b1);

  /* the hostile path: whatever alice sends for bob reaches the attacker's
   * "bob"; the attacker's "alice" calls the real bob */
  uri_alice = start_server (f, "serve-alice-side");
  uri_bob = start_server (f, "serve-bob-side");
  fake_bob = start_peer (f, "mitm-bob", "mitm", uri_alice, "bob", NULL, "mitm-heard-alice.wav", "--ephemeral");
  bob = start_peer (f, "bob", "bob", uri_bob, "bob", NULL, "bob-mitm.wav", "--strict-peers");
  fake_alice = start_peer (f, "mitm-alice", "mitm", uri_bob, "alice", "bob", "mitm-heard-bob.wav", "--ephemeral");
  alice = start_peer (f, "alice", "alice", uri_alice, "alice", "bob", "alice-mitm.wav", "--strict-peers");
  assert_exit (alice, 1);
  assert_exit (bob, 1);
  assert_exit (fake_alice, 1);
  assert_exit (fake_bob, 1);
  a2 = peer_event (alice);
  b2 = peer_event (bob);
  g_test_message ("with the man in the middle: alice sees %s, code %s; bob sees %s, code %s",
                  member (a2, "status"), member (a2, "sas"), member (b2, "status"), member (b2, "sas"));
  g_assert_cmpstr (member (a2, "status"), ==, "changed");
  g_assert_cmpstr (member (b2, "status"), ==, "changed");
  g_assert_cmpstr (end_reason (alice), ==, "peer-key-changed");
  g_assert_cmpstr (end_reason (bob), ==, "peer-key-changed");
  /* each pinned the other's real key; each now sees the attacker's */
  g_assert_cmpstr (member (a2, "pinned_fingerprint"), ==, member (a1, "fingerprint"));
  g_assert_cmpstr (member (b2, "pinned_fingerprint"), ==, member (b1, "fingerprint"));
  /* two DTLS sessions: the people would read different codes */
  g_assert_cmpstr (member (a2, "sas"), !=, member (b2, "sas"));
  assert_no_audio (f, alice, "alice-mitm.wav");
  assert_no_audio (f, bob, "bob-mitm.wav");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/peer-trust/tofu", Fixture, NULL, fixture_setup, test_tofu, fixture_teardown);
  g_test_add ("/peer-trust/mitm", Fixture, NULL, fixture_setup, test_mitm, fixture_teardown);
  return g_test_run ();
}
