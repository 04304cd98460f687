/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Our persistent identity (src/holler-identity.c) through `holler
 * identity`: made once with mode 0600 and reused; a file we cannot trust
 * (corrupt, readable by others, another user's, a key that is not the
 * certificate's) is an error with a non-zero exit, and is left as it was. */
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <gio/gio.h>

typedef struct {
  char *dir;        /* XDG_DATA_HOME */
  char *file;       /* DIR/holler/identity.pem */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("holler-identity-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->file = g_build_filename (f->dir, "holler", "identity.pem", NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autofree char *sub = g_build_filename (f->dir, "holler", NULL);
  g_autoptr(GDir) dir = g_dir_open (sub, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (sub, name, NULL);
      g_remove (path);
    }
  g_rmdir (sub);
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->file);
}

/* holler identity [ARG]: exit status, stdout and stderr */
static int
run_identity (Fixture *f, const char *arg, char **out, char **err)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { g_getenv ("HOLLER_BIN"), "identity", arg, NULL };

  g_assert_nonnull (argv[0]);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", f->dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C", TRUE);
  proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, out, err, &error);
  g_assert_no_error (error);
  g_test_message ("holler identity: %s%s", *out, *err);
  return g_subprocess_get_exit_status (proc);
}

/* The fingerprint line of a successful run */
static char *
fingerprint (Fixture *f, const char *arg)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run_identity (f, arg, &out, &err), ==, 0);
  g_assert_true (g_str_has_prefix (out, "sha-256 "));
  return g_strndup (out, strcspn (out, "\n"));
}

static void
test_made_once (Fixture *f, gconstpointer data)
{
  g_autofree char *first = fingerprint (f, NULL);
  g_autofree char *second = NULL;
  g_autofree char *service = NULL;
  g_autofree char *holler_dir = g_build_filename (f->dir, "holler", NULL);
  struct stat st;

  g_assert_cmpint (g_stat (f->file, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (st.st_uid, ==, geteuid ());
  g_assert_cmpint (g_stat (holler_dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  /* SHA-256: 32 hex pairs */
  g_assert_cmpuint (strlen (first), ==, strlen ("sha-256 ") + 32 * 3 - 1);
  second = fingerprint (f, NULL);
  g_assert_cmpstr (first, ==, second);
  /* the answering service is someone else */
  service = fingerprint (f, "--service");
  g_assert_cmpstr (service, !=, first);
}

/* Runs holler identity on the file as it is now and checks it failed
 * with @needle in its message and left the file alone. */
static void
assert_refused (Fixture *f, const char *needle)
{
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  gsize before_len, after_len;

  g_assert_true (g_file_get_contents (f->file, &before, &before_len, NULL));
  g_assert_cmpint (run_identity (f, NULL, &out, &err), !=, 0);
  g_assert_cmpstr (out, ==, "");
  g_assert_nonnull (strstr (err, f->file));
  g_assert_nonnull (strstr (err, needle));
  g_assert_true (g_file_get_contents (f->file, &after, &after_len, NULL));
  g_assert_cmpmem (before, before_len, after, after_len);
}

static void
test_corrupt (Fixture *f, gconstpointer data)
{
  g_autofree char *fp = fingerprint (f, NULL);
  g_autofree char *text = NULL;

  g_assert_true (g_file_get_contents (f->file, &text, NULL, NULL));
  /* cut in the middle of the key */
  text[strlen (text) / 4] = '\0';
  g_assert_true (g_file_set_contents_full (f->file, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL));
  assert_refused (f, "does not hold a private key");
  g_assert_true (g_file_set_contents_full (f->file, "", 0, G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL));
  assert_refused (f, "does not hold a private key");
}

static void
test_readable_by_others (Fixture *f, gconstpointer data)
{
  g_autofree char *fp = fingerprint (f, NULL);

  g_assert_cmpint (g_chmod (f->file, 0640), ==, 0);
  assert_refused (f, "others can read");
  g_assert_cmpint (g_chmod (f->file, 0600), ==, 0);
  g_free (fingerprint (f, NULL));
}

static void
test_foreign_owner (Fixture *f, gconstpointer data)
{
  g_autofree char *fp = fingerprint (f, NULL);

  if (geteuid () != 0)
    {
      g_test_skip ("needs root to give the file to another user");
      return;
    }
  g_assert_cmpint (chown (f->file, 65534, 65534), ==, 0);
  assert_refused (f, "belongs to another user");
}

/* The key of one identity with the certificate of another */
static void
test_key_mismatch (Fixture *f, gconstpointer data)
{
  g_autofree char *fp = fingerprint (f, NULL);
  g_autofree char *service = fingerprint (f, "--service");
  g_autofree char *service_file = g_build_filename (f->dir, "holler", "service-identity.pem", NULL);
  g_autofree char *ours = NULL;
  g_autofree char *theirs = NULL;
  g_autofree char *mixed = NULL;
  char *cert;

  g_assert_true (g_file_get_contents (f->file, &ours, NULL, NULL));
  g_assert_true (g_file_get_contents (service_file, &theirs, NULL, NULL));
  cert = strstr (theirs, "-----BEGIN CERTIFICATE-----");
  g_assert_nonnull (cert);
  *strstr (ours, "-----BEGIN CERTIFICATE-----") = '\0';
  mixed = g_strconcat (ours, cert, NULL);
  g_assert_true (g_file_set_contents_full (f->file, mixed, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL));
  assert_refused (f, "does not match its certificate");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/identity/made-once", Fixture, NULL, fixture_setup, test_made_once, fixture_teardown);
  g_test_add ("/identity/corrupt", Fixture, NULL, fixture_setup, test_corrupt, fixture_teardown);
  g_test_add ("/identity/readable-by-others", Fixture, NULL, fixture_setup, test_readable_by_others,
              fixture_teardown);
  g_test_add ("/identity/foreign-owner", Fixture, NULL, fixture_setup, test_foreign_owner, fixture_teardown);
  g_test_add ("/identity/key-mismatch", Fixture, NULL, fixture_setup, test_key_mismatch, fixture_teardown);
  return g_test_run ();
}
