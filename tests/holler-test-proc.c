/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Child processes of the tests that run holler and holler serve. */
#include <signal.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include "holler-test-proc.h"

double
holler_test_slowdown (void)
{
  const char *s = g_getenv ("HOLLER_TEST_SLOWDOWN");
  double f = s ? g_ascii_strtod (s, NULL) : 1;

  return f >= 1 ? f : 1;
}

static void read_err_line (HollerTestProc *p);

static void
on_err_line (GObject *source, GAsyncResult *result, gpointer user_data)
{
  HollerTestProc *p = user_data;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                                    NULL, NULL);

  if (line == NULL)
    return;   /* end, error or cancelled: p may be gone */
  g_string_append_printf (p->log, "%s\n", line);
  read_err_line (p);
}

static void
read_err_line (HollerTestProc *p)
{
  g_data_input_stream_read_line_async (p->err, G_PRIORITY_DEFAULT, p->cancellable, on_err_line, p);
}

static void
on_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  HollerTestProc *p = user_data;

  if (!g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL))
    return;   /* cancelled: p is gone */
  p->exited = TRUE;
  p->status = g_subprocess_get_if_exited (G_SUBPROCESS (source))
              ? g_subprocess_get_exit_status (G_SUBPROCESS (source)) : -1;
}

/* In the child: die with the test; take the pty as controlling terminal */
static void
child_setup (gpointer user_data)
{
  int fd = GPOINTER_TO_INT (user_data);

  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (fd < 0)
    return;
  setsid ();
  ioctl (fd, TIOCSCTTY, 0);
}

HollerTestProc *
holler_test_proc_spawn (const char *name, const char * const *argv, const char * const *env, int tty_fd)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE
                               | G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_autoptr(GError) error = NULL;
  HollerTestProc *p = g_new0 (HollerTestProc, 1);

  g_subprocess_launcher_set_child_setup (launcher, child_setup, GINT_TO_POINTER (tty_fd), NULL);
  for (gsize i = 0; env != NULL && env[i] != NULL; i++)
    {
      g_auto(GStrv) kv = g_strsplit (env[i], "=", 2);

      g_subprocess_launcher_setenv (launcher, kv[0], kv[1] ? kv[1] : "", TRUE);
    }
  p->name = g_strdup (name);
  p->log = g_string_new (NULL);
  p->cancellable = g_cancellable_new ();
  p->proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  p->err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (p->proc));
  read_err_line (p);
  g_subprocess_wait_async (p->proc, p->cancellable, on_exited, p);
  return p;
}

const char *
holler_test_proc_read_stdout_line (HollerTestProc *p)
{
  g_autoptr(GDataInputStream) out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (p->proc));
  g_autoptr(GError) error = NULL;

  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (out), FALSE);
  g_free (p->first_stdout_line);
  p->first_stdout_line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (p->first_stdout_line);
  return p->first_stdout_line;
}

void
holler_test_proc_free (HollerTestProc *p)
{
  if (!p->exited)
    g_subprocess_force_exit (p->proc);
  g_cancellable_cancel (p->cancellable);
  g_clear_object (&p->cancellable);
  g_test_message ("--- %s stderr ---\n%s", p->name, p->log->str);
  g_clear_object (&p->proc);
  g_clear_object (&p->err);
  g_string_free (p->log, TRUE);
  g_free (p->first_stdout_line);
  g_free (p->name);
  g_free (p);
}
