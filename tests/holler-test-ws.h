/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* WebSocket clients for tests of the rendezvous server, run on the
 * thread-default main context; every wait is bounded. */

#define HOLLER_TEST_WAIT_MS 5000
/* how long "nothing arrives" is watched */
#define HOLLER_TEST_QUIET_MS 300

GSource *holler_test_timeout_new  (guint ms, gboolean *expired);
void     holler_test_timeout_free (GSource *source);

/* Runs the thread-default main context until @cond holds, at most @ms;
 * TRUE if it holds */
#define HOLLER_TEST_WAIT_FOR_MS(cond, ms) ({                                  \
      gboolean expired_ = FALSE;                                              \
      GSource *timeout_ = holler_test_timeout_new ((ms), &expired_);          \
      while (!(cond) && !expired_)                                            \
        g_main_context_iteration (g_main_context_get_thread_default (), TRUE); \
      holler_test_timeout_free (timeout_);                                    \
      (cond); })
#define HOLLER_TEST_WAIT_FOR(cond) g_assert_true (HOLLER_TEST_WAIT_FOR_MS (cond, HOLLER_TEST_WAIT_MS))

/* Runs the thread-default main context for @ms */
void holler_test_spin (guint ms);

/* A libsoup client; what it receives is parsed and queued */
typedef struct {
  SoupWebsocketConnection *conn;
  GError *error;
  GQueue messages;     /* JsonObject * */
  gboolean closed;
  gushort close_code;
} HollerTestWs;

/* Connected (asserted), accepting any TLS certificate */
HollerTestWs *holler_test_ws_connect        (SoupSession *session, const char *uri);
void          holler_test_ws_free           (HollerTestWs *c);
void          holler_test_ws_send           (HollerTestWs *c, const char *text);
void          holler_test_ws_send_raw       (HollerTestWs *c, SoupWebsocketDataType type,
                                             const char *data, gsize length);
/* The next message received, waiting for it */
JsonObject   *holler_test_ws_next           (HollerTestWs *c);
/* Nothing arrives for a while */
void          holler_test_ws_assert_nothing (HollerTestWs *c);
/* The next message is an error with @code; @to: its "to", NULL for none,
 * HOLLER_TEST_ANY_TO for either */
#define HOLLER_TEST_ANY_TO "*"
void          holler_test_ws_expect_error   (HollerTestWs *c, const char *code, const char *to);
void          holler_test_ws_expect_closed  (HollerTestWs *c, gushort code);
/* register, then expects registered */
void          holler_test_ws_register       (HollerTestWs *c, const char *id, const char *token);
void          holler_test_assert_member     (JsonObject *object, const char *name, const char *value);

/* A WebSocket client by hand, for frames libsoup refuses to send */
typedef struct {
  GSocketConnection *conn;
  GByteArray *in;
  GSource *source;
  gboolean eof;
} HollerTestRawWs;

HollerTestRawWs *holler_test_raw_ws_connect    (guint port);
/* One masked text frame of @length < 126 bytes, sent as it is */
void             holler_test_raw_ws_send_text  (HollerTestRawWs *raw, const char *payload, gsize length);
/* The next frame from the server (payloads < 126 bytes only) */
GBytes          *holler_test_raw_ws_next_frame (HollerTestRawWs *raw, guint8 *opcode);
void             holler_test_raw_ws_free       (HollerTestRawWs *raw);

G_END_DECLS
