/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A child process of a test (holler, holler serve): stdin, stdout and
 * stderr are pipes, stderr is collected line by line into @log on the main
 * context, @exited/@status are set when it exits, and it dies with the
 * test (PR_SET_PDEATHSIG) even when an assertion aborts it. */
typedef struct {
  char *name;
  GSubprocess *proc;
  GCancellable *cancellable;   /* cancelled when the test lets go of it */
  GDataInputStream *err;
  GString *log;                /* stderr so far */
  char *first_stdout_line;     /* set by holler_test_proc_read_stdout_line() */
  gboolean exited;
  int status;                  /* exit status, -1 when killed by a signal */
} HollerTestProc;

/* @env: NULL or "NAME=VALUE" strings added to the environment; @tty_fd: a
 * pty that becomes the child's controlling terminal (new session), or -1 */
HollerTestProc *holler_test_proc_spawn (const char *name, const char * const *argv,
                                        const char * const *env, int tty_fd);
/* Kills it if it still runs and prints its stderr as a test message */
void holler_test_proc_free (HollerTestProc *p);
/* Blocks until the first line of stdout (e.g. serve --print-uri) */
const char *holler_test_proc_read_stdout_line (HollerTestProc *p);

/* HOLLER_TEST_SLOWDOWN, at least 1 */
double holler_test_slowdown (void);

G_END_DECLS
