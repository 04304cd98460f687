/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* What the rendezvous server does with one WebSocket frame from a client,
 * decided without any connection state (the rate limit and the registry
 * are the caller's): refuse it (too large, not a JSON object with a string
 * "type"), or handle it as a "register" or as a message to relay by "to".
 * The server and tests/fuzz/fuzz-frame.c both go through
 * holler_rendezvous_frame_parse(). */
typedef enum {
  HOLLER_RENDEZVOUS_FRAME_REGISTER,   /* "type": "register" */
  HOLLER_RENDEZVOUS_FRAME_RELAY,      /* any other type, relayed by "to" */
  HOLLER_RENDEZVOUS_FRAME_TOO_LARGE,  /* over max_message_size: error "too-large" */
  HOLLER_RENDEZVOUS_FRAME_BAD_JSON,   /* binary or not a JSON object with a string "type": error "bad-json" */
} HollerRendezvousFrameKind;

typedef struct {
  HollerRendezvousFrameKind kind;
  JsonObject *object;   /* REGISTER, RELAY: the message (owned) */
  const char *type;     /* REGISTER, RELAY: its "type", valid UTF-8 (in object) */
  const char *id;       /* REGISTER: string "id" member or NULL (not yet validated) */
  const char *token;    /* REGISTER: string "token" member or NULL */
  const char *to;       /* RELAY: string "to" member or NULL */
  char *why;            /* BAD_JSON: why, for the error message (owned) */
} HollerRendezvousFrame;

/* Fills @frame (which needs holler_rendezvous_frame_clear() afterwards)
 * and returns frame->kind. @text need not be NUL-terminated. */
HollerRendezvousFrameKind holler_rendezvous_frame_parse (const char            *text,
                                                         gsize                  length,
                                                         gboolean               is_text,
                                                         gsize                  max_message_size,
                                                         HollerRendezvousFrame *frame);
void                      holler_rendezvous_frame_clear (HollerRendezvousFrame *frame);

/* The member @name of @object when it is a string, else NULL */
const char *holler_rendezvous_frame_get_string (JsonObject *object,
                                                const char *name);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (HollerRendezvousFrame, holler_rendezvous_frame_clear)

G_END_DECLS
