/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The stdio signaling channel under oversized input, against spawned
 * holler processes: a line of 100+ MB without a newline keeps memory
 * bounded and the channel usable afterwards; an offer (or answer) over the
 * limit is refused at once with bye "bad-sdp", not left to time out. */
#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include "holler-test-relay.h"

#define MIB (1024 * 1024)
#define FLOOD_MIB 110
/* what the reader may grow by over its idle size (the old one: +113 MB) */
#define RSS_GROWTH_BOUND_KIB (16 * 1024)
/* far beyond any test wait: a refusal must not be the connect timeout */
#define CONNECT_TIMEOUT_S "60"

typedef struct {
  char *dir;
  char *out_path;
  char *err_path;
  GSubprocess *proc;
  GOutputStream *in;
} Fixture;

static double
slowdown (void)
{
  const char *s = g_getenv ("HOLLER_TEST_SLOWDOWN");
  double f = s ? g_ascii_strtod (s, NULL) : 1;

  return f >= 1 ? f : 1;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("holler-stdio-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->out_path = g_build_filename (f->dir, "stdout", NULL);
  f->err_path = g_build_filename (f->dir, "stderr", NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  if (f->proc != NULL)
    {
      g_subprocess_force_exit (f->proc);
      g_subprocess_wait (f->proc, NULL, NULL);
    }
  g_clear_object (&f->proc);
  g_unlink (f->out_path);
  g_unlink (f->err_path);
  g_rmdir (f->dir);
  g_free (f->out_path);
  g_free (f->err_path);
  g_free (f->dir);
}

/* holler COMMAND on stdio signaling; its stdout and stderr go to files */
static void
spawn (Fixture *f, const char *command)
{
  const char *bin = g_getenv ("HOLLER_BIN");
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_autoptr(GError) error = NULL;
  const char *argv[] = { bin, command, "--json", "--allow-loopback", "--ice-address", "127.0.0.1",
                         "--connect-timeout", CONNECT_TIMEOUT_S, "--input", "tone:440", "--output", "null",
                         g_str_equal (command, "listen") ? "--auto-answer" : NULL, NULL };

  g_assert_nonnull (bin);
  g_subprocess_launcher_set_stdout_file_path (launcher, f->out_path);
  g_subprocess_launcher_set_stderr_file_path (launcher, f->err_path);
  f->proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  f->in = g_subprocess_get_stdin_pipe (f->proc);
}

static char *
read_file (const char *path)
{
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

/* Waits (bounded, scaled by HOLLER_TEST_SLOWDOWN) until @path holds @needle. */
static gboolean
wait_for_text (const char *path, const char *needle, double timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout_s * slowdown () * G_USEC_PER_SEC);

  while (g_get_monotonic_time () < deadline)
    {
      g_autofree char *text = read_file (path);

      if (strstr (text, needle) != NULL)
        return TRUE;
      g_usleep (20 * 1000);
    }
  return FALSE;
}

/* A field of /proc/PID/status in KiB, -1 if absent */
static gint64
proc_status_kib (GSubprocess *proc, const char *field)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/status", g_subprocess_get_identifier (proc));
  g_autofree char *text = read_file (path);
  g_autofree char *key = g_strconcat ("\n", field, ":", NULL);
  const char *at = strstr (text, key);

  return at != NULL ? g_ascii_strtoll (at + strlen (key), NULL, 10) : -1;
}

static void
write_text (Fixture *f, const char *text)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (f->in, text, strlen (text), NULL, NULL, &error);
  g_assert_no_error (error);
}

static int
wait_exit (Fixture *f, double timeout_s, gint64 *elapsed_us)
{
  gint64 start = g_get_monotonic_time ();
  gint64 deadline = start + (gint64) (timeout_s * slowdown () * G_USEC_PER_SEC);
  g_autofree char *pid = g_strdup (g_subprocess_get_identifier (f->proc));
  g_autoptr(GError) error = NULL;

  /* g_subprocess_wait has no timeout: watch for the exit, then reap */
  while (g_subprocess_get_identifier (f->proc) != NULL && g_get_monotonic_time () < deadline)
    {
      g_autofree char *stat = g_strdup_printf ("/proc/%s/stat", pid);
      g_autofree char *text = read_file (stat);
      const char *state = strrchr (text, ')');

      if (state == NULL || state[2] == 'Z')
        break;
      g_usleep (20 * 1000);
    }
  g_assert_cmpint (g_get_monotonic_time (), <, deadline);
  g_subprocess_wait (f->proc, NULL, &error);
  g_assert_no_error (error);
  if (elapsed_us != NULL)
    *elapsed_us = g_get_monotonic_time () - start;
  g_assert_true (g_subprocess_get_if_exited (f->proc));
  return g_subprocess_get_exit_status (f->proc);
}

static const char *
last_member (GPtrArray *events, const char *member)
{
  if (events->len == 0)
    return "(none)";
  return json_object_get_string_member_with_default (g_ptr_array_index (events, events->len - 1), member, "");
}

/* 110 MB of one line: refused when it passes the limit, skipped to its
 * newline; the message after it is read; RSS grows by little. */
static void
test_huge_line (Fixture *f, gconstpointer data)
{
  g_autofree char *chunk = g_malloc (MIB);
  g_autofree char *err = NULL;
  g_autoptr(GPtrArray) junk = NULL;
  g_autoptr(GError) error = NULL;
  gint64 idle_kib, peak_kib, start;

  spawn (f, "listen");
  g_assert_true (wait_for_text (f->err_path, "\"listening\"", 10));
  idle_kib = proc_status_kib (f->proc, "VmRSS");
  g_assert_cmpint (idle_kib, >, 0);

  memset (chunk, 'x', MIB);
  start = g_get_monotonic_time ();
  write_text (f, "{\"type\":\"candidate\",\"candidate\":\"");
  for (int i = 0; i < FLOOD_MIB; i++)
    {
      g_output_stream_write_all (f->in, chunk, MIB, NULL, NULL, &error);
      g_assert_no_error (error);
    }
  write_text (f, "\"}\n{\"type\":\"end-of-candidates\"}\n");
  /* the line after the long one is read as a message of its own */
  g_assert_true (wait_for_text (f->err_path, "end-of-candidates", 10));
  peak_kib = proc_status_kib (f->proc, "VmHWM");
  g_test_message ("%d MiB in one line took %.2f s; VmRSS idle %" G_GINT64_FORMAT " KiB, "
                  "VmHWM after %" G_GINT64_FORMAT " KiB (+%" G_GINT64_FORMAT " KiB)", FLOOD_MIB,
                  (g_get_monotonic_time () - start) / 1e6, idle_kib, peak_kib, peak_kib - idle_kib);
  g_assert_cmpint (peak_kib - idle_kib, <, RSS_GROWTH_BOUND_KIB);

  g_output_stream_close (f->in, NULL, NULL);
  g_assert_cmpint (wait_exit (f, 10, NULL), ==, 1);
  err = read_file (f->err_path);
  junk = holler_test_find_events (err, "signaling-junk");
  g_assert_cmpuint (junk->len, ==, 1);
  g_assert_nonnull (strstr (last_member (junk, "message"), "too long"));
}

/* An offer over the limit, its line never finished and stdin left open:
 * bye "bad-sdp" and exit 1 right away. */
static void
test_oversized_offer (Fixture *f, gconstpointer data)
{
  g_autoptr(GString) offer = g_string_new ("{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n");
  g_autofree char *err = NULL, *out = NULL;
  g_autoptr(GPtrArray) errors = NULL;
  gint64 elapsed;

  spawn (f, "listen");
  while (offer->len < 300 * 1024)
    g_string_append (offer, "a=candidate:1 1 UDP 2122252543 127.0.0.1 40000 typ host\\r\\n");
  write_text (f, offer->str);
  g_assert_cmpint (wait_exit (f, 5, &elapsed), ==, 1);
  g_test_message ("refused %.0f ms after the offer was written", elapsed / 1e3);
  out = read_file (f->out_path);
  g_assert_nonnull (strstr (out, "{\"type\":\"bye\",\"reason\":\"bad-sdp\"}"));
  err = read_file (f->err_path);
  errors = holler_test_find_events (err, "error");
  g_assert_cmpstr (last_member (errors, "reason"), ==, "bad-sdp");
}

/* A caller given an answer over the limit ends with bad-sdp (bye sent). */
static void
test_oversized_answer_type_first (Fixture *f, gconstpointer data)
{
  g_autoptr(GString) answer = g_string_new ("{\"type\":\"answer\",\"sdp\":\"v=0\\r\\n");
  g_autofree char *err = NULL, *out = NULL;
  g_autoptr(GPtrArray) ended = NULL;
  gint64 elapsed;

  spawn (f, "call");
  g_assert_true (wait_for_text (f->out_path, "\"offer\"", 10));
  while (answer->len < 300 * 1024)
    g_string_append (answer, "a=x-padding:0123456789abcdef0123456789abcdef\\r\\n");
  write_text (f, answer->str);
  g_assert_cmpint (wait_exit (f, 5, &elapsed), ==, 1);
  g_test_message ("refused %.0f ms after the answer was written", elapsed / 1e3);
  out = read_file (f->out_path);
  g_assert_nonnull (strstr (out, "{\"type\":\"bye\",\"reason\":\"bad-sdp\"}"));
  err = read_file (f->err_path);
  ended = holler_test_find_events (err, "ended");
  g_assert_cmpstr (last_member (ended, "reason"), ==, "bad-sdp");
}

int
main (int argc, char **argv)
{
  /* a peer that exits while we write must not kill the test */
  signal (SIGPIPE, SIG_IGN);
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/stdio-limits/huge-line", Fixture, NULL, fixture_setup, test_huge_line, fixture_teardown);
  g_test_add ("/stdio-limits/oversized-offer", Fixture, NULL, fixture_setup, test_oversized_offer,
              fixture_teardown);
  g_test_add ("/stdio-limits/oversized-answer", Fixture, NULL, fixture_setup,
              test_oversized_answer_type_first, fixture_teardown);
  return g_test_run ();
}
