/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Runs two holler processes whose stdio signaling is cross-connected by
 * this test process, optionally changing messages on the way and
 * optionally routing all UDP media through proxies here (so the test sees
 * exactly the bytes on the wire). */
typedef struct _HollerTestRelay HollerTestRelay;

typedef char *(*HollerTestRewrite) (int from, const char *line, gpointer user_data);

HollerTestRelay *holler_test_relay_new (const char * const *caller_argv,
                                        const char * const *callee_argv,
                                        const char *workdir);
/* Called for every line from peer `from` (0 caller, 1 callee) before it is
 * passed on; return the line to pass (or NULL to drop it). */
void  holler_test_relay_set_rewrite (HollerTestRelay *relay, HollerTestRewrite func, gpointer user_data);
/* Route media through UDP proxies in this process and keep the datagrams
 * the caller sent to the callee. */
void  holler_test_relay_enable_capture (HollerTestRelay *relay);
/* Lines to inject into a peer's stdin right after it starts. */
void  holler_test_relay_inject (HollerTestRelay *relay, int to, const char *line);
/* Runs until both processes exit or timeout_s passes (then kills them and
 * returns FALSE). */
gboolean holler_test_relay_run (HollerTestRelay *relay, guint timeout_s);
int   holler_test_relay_exit_status (HollerTestRelay *relay, int peer);
/* stderr of a peer, as written */
char *holler_test_relay_stderr (HollerTestRelay *relay, int peer);
/* Datagrams (GBytes) the caller sent to the callee through the proxy */
GPtrArray *holler_test_relay_captured (HollerTestRelay *relay);
void  holler_test_relay_free (HollerTestRelay *relay);

/* The JSON events ("event" member equal to name) in a --json stderr text */
GPtrArray *holler_test_find_events (const char *stderr_text, const char *name);

G_END_DECLS
