/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define HOLLER_RENDEZVOUS_DEFAULT_ADDRESS "127.0.0.1"
#define HOLLER_RENDEZVOUS_DEFAULT_PORT 7780
#define HOLLER_RENDEZVOUS_DEFAULT_MAX_MESSAGE_SIZE (64 * 1024)
#define HOLLER_RENDEZVOUS_DEFAULT_MAX_RATE 50.0
#define HOLLER_RENDEZVOUS_DEFAULT_MAX_CLIENTS_PER_ADDRESS 20
#define HOLLER_RENDEZVOUS_DEFAULT_HANDSHAKE_TIMEOUT 10

/* Settings of a rendezvous server; see docs/signaling.md */
typedef struct {
  char *address;                  /* IP address to listen on */
  guint port;                     /* 0: any free port */
  char *tls_cert_file;            /* PEM; with it the server speaks wss:// */
  char *tls_key_file;             /* PEM; NULL: the key is in tls_cert_file */
  char *token_file;               /* GKeyFile [tokens] id=token; NULL: open server */
  gsize max_message_size;         /* bytes per frame */
  double max_messages_per_second; /* per connection, bursts of twice that; 0: no limit */
  guint max_clients_per_address;  /* 0: no limit; counts connections not yet upgraded too */
  guint handshake_timeout_s;      /* to complete TLS and the WebSocket upgrade (≥ 1) */
  gboolean quiet;                 /* no log lines on stderr */
} HollerRendezvousOptions;

/* The defaults above */
HollerRendezvousOptions *holler_rendezvous_options_new  (void);
HollerRendezvousOptions *holler_rendezvous_options_copy (const HollerRendezvousOptions *options);
void                     holler_rendezvous_options_free (HollerRendezvousOptions *options);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HollerRendezvousOptions, holler_rendezvous_options_free)

/* The WebSocket rendezvous server of `holler serve` (libsoup 3), at path
 * /ws. It runs on the thread-default GMainContext of the thread that calls
 * holler_rendezvous_start(), so it can share a process with calls. */
#define HOLLER_TYPE_RENDEZVOUS (holler_rendezvous_get_type ())
G_DECLARE_FINAL_TYPE (HollerRendezvous, holler_rendezvous, HOLLER, RENDEZVOUS, GObject)

/* Checks @options and loads the token file and certificate:
 * HOLLER_ERROR_CONFIG with a message naming the file on failure. */
HollerRendezvous *holler_rendezvous_new (const HollerRendezvousOptions *options,
                                         GError                       **error);

/* Starts listening; the error is the system's (e.g. G_IO_ERROR_ADDRESS_IN_USE)
 * with context. */
gboolean holler_rendezvous_start         (HollerRendezvous *self,
                                          GError          **error);
/* The port listened on (the chosen one for port 0), 0 before start */
guint    holler_rendezvous_get_port      (HollerRendezvous *self);
/* "ws://127.0.0.1:PORT/ws" or "wss://…"; NULL before start */
char    *holler_rendezvous_get_uri       (HollerRendezvous *self);
/* Stops listening and closes every connection (code 1001, going away).
 * The closing handshakes finish while the main context runs. */
void     holler_rendezvous_stop          (HollerRendezvous *self);
/* Open connections that were accepted (registered or not) */
guint    holler_rendezvous_get_n_clients (HollerRendezvous *self);

G_END_DECLS
