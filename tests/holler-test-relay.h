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

/* Called for every datagram the proxies pass (from_caller: it goes caller →
 * callee); return FALSE to drop it. Implies enable_capture. */
typedef gboolean (*HollerTestFilter) (gboolean from_caller, const guint8 *data, gsize len, gpointer user_data);
void  holler_test_relay_set_filter (HollerTestRelay *relay, HollerTestFilter func, gpointer user_data);
/* Send a datagram to the callee the way the caller's media last reached it
 * (same proxy socket, so it comes from the address the callee expects).
 * FALSE if no caller media has passed yet. Needs enable_capture. */
gboolean holler_test_relay_send_to_callee (HollerTestRelay *relay, const guint8 *data, gsize len);
/* The real address (not the proxy's) of a peer's first UDP candidate, or
 * NULL before one was signaled. Needs enable_capture. */
GInetSocketAddress *holler_test_relay_candidate_address (HollerTestRelay *relay, int peer);
GSubprocess *holler_test_relay_get_process (HollerTestRelay *relay, int peer);

/* The JSON events ("event" member equal to name) in a --json stderr text */
GPtrArray *holler_test_find_events (const char *stderr_text, const char *name);

/* Share of the 100 ms blocks of a WAV file in which @hz carries most of
 * the power, leaving out @skip_start and @skip_end blocks; *seconds gets
 * the file's length (0 and a test message for an unreadable file). */
double holler_test_tone_share (const char *path, double hz, guint skip_start, guint skip_end,
                               double *seconds);

G_END_DECLS
