/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The known-peers file (src/holler-known-peers.c): parsed strictly (a bad
 * line is an error naming it), written back as read (comments kept),
 * saved 0600 by rename; and `holler peers` trust, verify, forget on it. */
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include "holler-known-peers.h"
#include "holler-error.h"

#define FP_A "AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB"
#define FP_B "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF"

static const char *good =
  "# holler known peers\n"
  "\n"
  "alice sha-256 " FP_A "\n"
  "  bob\tSHA-256 01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef"
  " verified\r\n"
  "sip:carol@example.org sha-256 " FP_B "   \n";

static void
test_parse (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HollerKnownPeers) peers = holler_known_peers_parse (good, strlen (good), &error);
  const HollerKnownPeer *bob;

  g_assert_no_error (error);
  g_assert_cmpuint (holler_known_peers_get_n (peers), ==, 3);
  g_assert_cmpstr (holler_known_peers_get (peers, 0)->id, ==, "alice");
  g_assert_false (holler_known_peers_get (peers, 0)->verified);
  bob = holler_known_peers_lookup (peers, "bob");
  g_assert_nonnull (bob);
  g_assert_cmpstr (bob->fingerprint, ==, FP_B);   /* upper case */
  g_assert_true (bob->verified);
  g_assert_nonnull (holler_known_peers_lookup (peers, "sip:carol@example.org"));
  g_assert_null (holler_known_peers_lookup (peers, "dave"));
}

/* Written back: the comments stay, each peer on a line of the canonical form */
static void
test_round_trip (void)
{
  g_autoptr(HollerKnownPeers) peers = holler_known_peers_parse (good, strlen (good), NULL);
  g_autofree char *text = holler_known_peers_to_string (peers);
  g_autoptr(HollerKnownPeers) again = holler_known_peers_parse (text, strlen (text), NULL);
  g_autofree char *text2 = NULL;

  g_assert_nonnull (again);
  text2 = holler_known_peers_to_string (again);
  g_assert_cmpstr (text, ==, text2);
  g_assert_true (g_str_has_prefix (text, "# holler known peers\n\nalice sha-256 " FP_A "\n"
                                         "bob sha-256 " FP_B " verified\n"));
}

static void
test_bad_lines (void)
{
  static const struct { const char *text; guint line; const char *needle; } cases[] = {
    { "alice sha-256\n", 1, "expected" },
    { "# ok\nalice sha-1 " FP_A "\n", 2, "only sha-256" },
    { "alice sha-256 AB:AB\n", 1, "32 hex pairs" },
    { "alice sha-256 " FP_A " trusted\n", 1, "expected" },
    { "alice sha-256 " FP_A " verified extra\n", 1, "expected" },
    { "alice sha-256 " FP_A "\n\nalice sha-256 " FP_B "\n", 3, "already" },
    { "al\x01ice sha-256 " FP_A "\n", 1, "not text" },
    { "alice sha-256 " FP_A "\n\xff\xfe\n", 2, "not text" },
    { "a#b sha-256 " FP_A "\n", 1, "the id" },
    { "alice sha-256 GG:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB\n",
      1, "32 hex pairs" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *where = g_strdup_printf ("line %u:", cases[i].line);
      HollerKnownPeers *peers = holler_known_peers_parse (cases[i].text, strlen (cases[i].text), &error);

      g_assert_null (peers);
      g_assert_error (error, HOLLER_ERROR, HOLLER_ERROR_KNOWN_PEERS);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, where));
      g_assert_nonnull (strstr (error->message, cases[i].needle));
    }
}

static void
test_bounds (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) text = g_string_new ("# ");
  g_autoptr(GString) many = g_string_new (NULL);

  g_string_append_len (text, "x", 0);
  for (int i = 0; i < 1100; i++)
    g_string_append_c (text, 'x');
  g_assert_null (holler_known_peers_parse (text->str, text->len, &error));
  g_assert_nonnull (strstr (error->message, "too long"));
  g_clear_error (&error);
  for (int i = 0; i <= HOLLER_KNOWN_PEERS_MAX_PEERS; i++)
    g_string_append_printf (many, "p%d sha-256 " FP_A "\n", i);
  g_assert_null (holler_known_peers_parse (many->str, many->len, &error));
  g_assert_nonnull (strstr (error->message, "too many"));
}

static void
test_set_remove_save (void)
{
  g_autofree char *dir = g_dir_make_tmp ("holler-known-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "sub", "known-peers", NULL);
  g_autofree char *sub = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(HollerKnownPeers) peers = holler_known_peers_load (path, &error);
  g_autoptr(HollerKnownPeers) loaded = NULL;
  struct stat st;

  g_assert_no_error (error);
  g_assert_cmpuint (holler_known_peers_get_n (peers), ==, 0);
  g_assert_true (holler_known_peers_set (peers, "alice", "sha-256 " FP_A, FALSE, &error));
  g_assert_true (holler_known_peers_set (peers, "bob", FP_B, TRUE, &error));
  g_assert_true (holler_known_peers_set (peers, "alice", FP_B, FALSE, &error));   /* replaces */
  g_assert_false (holler_known_peers_set (peers, "has space", FP_B, FALSE, &error));
  g_assert_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE);
  g_clear_error (&error);
  g_assert_false (holler_known_peers_set (peers, "eve", "AB:CD", FALSE, &error));
  g_clear_error (&error);
  g_assert_true (holler_known_peers_remove (peers, "bob"));
  g_assert_false (holler_known_peers_remove (peers, "bob"));
  g_assert_true (holler_known_peers_save (peers, path, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (sub, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  loaded = holler_known_peers_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (holler_known_peers_get_n (loaded), ==, 1);
  g_assert_cmpstr (holler_known_peers_lookup (loaded, "alice")->fingerprint, ==, FP_B);
  g_remove (path);
  g_rmdir (sub);
  g_rmdir (dir);
}

/* holler peers ARGS… with XDG_DATA_HOME=@dir: the exit status; stdout in *out */
static int
run_peers (const char *dir, char **out, ...)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, (gpointer) g_getenv ("HOLLER_BIN"));
  g_ptr_array_add (argv, (gpointer) "peers");
  va_start (args, out);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", dir, TRUE);
  proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, out, &err, &error);
  g_assert_no_error (error);
  g_test_message ("holler peers: %s%s", *out, err);
  return g_subprocess_get_exit_status (proc);
}

static void
test_command (void)
{
  g_autofree char *dir = g_dir_make_tmp ("holler-peers-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (dir, "holler", "known-peers", NULL);
  g_autofree char *lock = g_strconcat (file, ".lock", NULL);
  g_autofree char *holler_dir = g_path_get_dirname (file);
  char *out = NULL;

  g_assert_cmpint (run_peers (dir, &out, "list", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_peers (dir, &out, "trust", "bob", "sha-256", FP_B, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_peers (dir, &out, "verify", "alice", NULL), !=, 0);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_peers (dir, &out, "trust", "alice", "AB:CD", NULL), !=, 0);
  g_clear_pointer (&out, g_free);
  /* a peer pinned by a call, then verified */
  g_assert_true (g_file_set_contents_full (file, "# mine\nalice sha-256 " FP_A "\nbob sha-256 " FP_B " verified\n",
                                           -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL));
  g_assert_cmpint (run_peers (dir, &out, "verify", "alice", NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_peers (dir, &out, "forget", "bob", NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_peers (dir, &out, "forget", "bob", NULL), !=, 0);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_peers (dir, &out, "list", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "alice sha-256 " FP_A " verified\n");
  g_clear_pointer (&out, g_free);
  /* a bad line: refused, named, the file left alone */
  g_assert_true (g_file_set_contents_full (file, "alice sha-256 " FP_A "\nbroken\n", -1,
                                           G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL));
  g_assert_cmpint (run_peers (dir, &out, "forget", "alice", NULL), ==, 2);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_peers (dir, &out, "list", NULL), ==, 2);
  g_clear_pointer (&out, g_free);
  g_remove (file);
  g_remove (lock);
  g_rmdir (holler_dir);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/known-peers/parse", test_parse);
  g_test_add_func ("/known-peers/round-trip", test_round_trip);
  g_test_add_func ("/known-peers/bad-lines", test_bad_lines);
  g_test_add_func ("/known-peers/bounds", test_bounds);
  g_test_add_func ("/known-peers/set-remove-save", test_set_remove_save);
  g_test_add_func ("/known-peers/command", test_command);
  return g_test_run ();
}
