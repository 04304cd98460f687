/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every option of holler call, listen, demo and serve, declared once.
 * holler-option-parser.c makes the GOptionEntries and reads the config
 * file from it; tests/test-options.c checks data/holler.1,
 * data/holler.bash-completion and data/holler.conf.example against it. */
#define G_LOG_DOMAIN "holler-options"

#include "config.h"
#include <glib/gi18n.h>
#include "holler-option-table.h"

#define PEER (HOLLER_COMMAND_CALL | HOLLER_COMMAND_LISTEN)
#define LISTEN HOLLER_COMMAND_LISTEN
#define DEMO HOLLER_COMMAND_DEMO
#define SERVE HOLLER_COMMAND_SERVE
#define CLI(field) G_STRUCT_OFFSET (HollerCliOptions, field)
#define SRV(field) G_STRUCT_OFFSET (HollerServeCli, field)
#define STR HOLLER_OPTION_STRING
#define FILE_ HOLLER_OPTION_FILENAME
#define INT HOLLER_OPTION_INT
#define INT64 HOLLER_OPTION_INT64
#define DBL HOLLER_OPTION_DOUBLE
#define BOOL HOLLER_OPTION_BOOLEAN
#define LIST HOLLER_OPTION_STRING_LIST

static const HollerOptionSpec table[] = {
  /* holler call and listen; the order is that of --help */
  { "input", 'i', STR, PEER, CLI (input),
    N_("What to send: tone:HZ, file:PATH, default or pipeline:'GST-LAUNCH'"), N_("SOURCE"),
    "call", "input", .alternative = "input-device" },
  { "output", 'o', STR, PEER, CLI (output),
    N_("Where received audio goes: file:PATH.wav, null or default"), N_("SINK"),
    "call", "output", .alternative = "output-device" },
  { "input-device", 0, STR, PEER, CLI (input_device),
    N_("Send from this microphone: an id or name from “holler devices”, or default"), N_("DEVICE"),
    "call", "input-device", .alternative = "input" },
  { "output-device", 0, STR, PEER, CLI (output_device),
    N_("Play on this speaker: an id or name from “holler devices”, or default"), N_("DEVICE"),
    "call", "output-device", .alternative = "output" },
  { "no-echo-cancel", 0, BOOL, PEER, CLI (no_echo_cancel),
    N_("Send the microphone as it is, without echo cancellation and noise suppression"), NULL,
    "call", "echo-cancel", .negation = "echo-cancel",
    .negation_help = N_("Echo cancellation and noise suppression on microphones (the default)"),
    .flags = HOLLER_OPTION_FLAG_INVERTED_KEY },
  { "duration", 'd', DBL, PEER, CLI (duration),
    N_("Hang up after this many seconds in the call"), N_("SECONDS") },
  { "json", 0, BOOL, PEER | DEMO, CLI (json), N_("Report events as JSON lines on stderr"), NULL },
  { "allow-loopback", 0, BOOL, PEER, CLI (allow_loopback),
    N_("Also gather ICE candidates on loopback interfaces"), NULL,
    "call", "allow-loopback", .negation = "no-allow-loopback",
    .negation_help = N_("Do not gather on loopback interfaces (the default)") },
  { "ice-address", 0, LIST, PEER, CLI (ice_addresses),
    N_("Only gather ICE candidates on this local address (repeatable)"), N_("IP") },
  { "signaling", 's', STR, PEER, CLI (signaling),
    N_("Signaling backend URI (default stdio:)"), N_("URI"), "holler", "signaling" },
  { "connect-timeout", 0, DBL, PEER, CLI (connect_timeout),
    N_("Fail the call when the peer says nothing this long before connecting (default 30)"), N_("SECONDS"),
    "call", "connect-timeout", "30", .flags = HOLLER_OPTION_FLAG_ZERO_IS_DEFAULT },
  { "keylog", 0, FILE_, PEER, CLI (keylog),
    N_("Append the SRTP keys to FILE (debugging only: lets anyone with the file decrypt the call)"), N_("FILE") },
  { "id", 0, STR, PEER, CLI (id), N_("Our id on the rendezvous server"), N_("ID"), "holler", "id" },
  { "token", 0, STR, PEER, CLI (token),
    N_("Access token for our id on the rendezvous server"), N_("TOKEN"), "holler", "token" },
  { "signaling-ca", 0, FILE_, PEER, CLI (signaling_ca),
    N_("Trust the CA certificates in FILE (PEM) for wss://"), N_("FILE"), "holler", "signaling-ca" },
  { "password-file", 0, FILE_, PEER, CLI (password_file),
    N_("Read the SIP account's password from the first line of FILE"), N_("FILE"),
    "holler", "password-file" },
  { "config", 'c', FILE_, PEER, CLI (config),
    N_("Read the configuration from FILE (default ~/.config/holler/holler.conf)"), N_("FILE") },
  { "stun", 0, LIST, PEER, CLI (stun_servers),
    N_("STUN server stun:HOST[:PORT] (repeatable; the first that answers is used)"), N_("URI"),
    "call", "stun" },
  { "turn", 0, LIST, PEER, CLI (turn_servers),
    N_("TURN server turn:USER:PASS@HOST[:PORT][?transport=udp|tcp] or turns:… (repeatable)"), N_("URI"),
    "call", "turn" },
  { "turn-secret", 0, STR, PEER, CLI (turn_secret),
    N_("Shared secret for time-limited TURN REST credentials (coturn --use-auth-secret)"), N_("SECRET"),
    "call", "turn-secret" },
  { "relay-only", 0, BOOL, PEER, CLI (relay_only),
    N_("Only connect through a TURN relay (hides our addresses from the peer)"), NULL,
    "call", "relay-only", .negation = "no-relay-only",
    .negation_help = N_("Also connect directly, not only through a relay (the default)") },
  { "dtmf", 0, STR, PEER, CLI (dtmf),
    N_("Send these DTMF digits (0-9, *, #, A-D) once the call is active"), N_("DIGITS") },
  { "jitter-buffer", 0, INT, PEER, CLI (jitter_buffer),
    N_("Hold received audio this long (10-1000) instead of adapting to the network"), N_("MS"),
    "call", "jitter-buffer", "0", .flags = HOLLER_OPTION_FLAG_ZERO_IS_DEFAULT },
  { "ephemeral", 0, BOOL, PEER, CLI (ephemeral),
    N_("Use a new DTLS certificate for this run only, not our identity (peers that know us see a changed key)"),
    NULL, "call", "ephemeral", .negation = "no-ephemeral",
    .negation_help = N_("Use our identity, made on first use in ~/.local/share/holler (the default)") },
  { "strict-peers", 0, BOOL, PEER, CLI (strict_peers),
    N_("End a call before any audio when a known peer's key changed (peer-key-changed)"), NULL,
    "call", "strict-peers", .negation = "no-strict-peers",
    .negation_help = N_("Warn when a known peer's key changed and go on (the default)") },
  /* holler listen */
  { "auto-answer", 'a', BOOL, LISTEN, CLI (auto_answer), N_("Answer incoming calls at once"), NULL,
    "listen", "auto-answer", .negation = "no-auto-answer",
    .negation_help = N_("Ring and wait to be answered (the default)") },
  { "greeting", 0, FILE_, LISTEN, CLI (greeting),
    N_("Play FILE (Ogg/Opus, WAV, …) to the caller first, then the input"), N_("FILE"),
    "listen", "greeting" },
  { "service", 0, BOOL, LISTEN, CLI (service),
    N_("Run as the answering service: many calls at once, a D-Bus API, until stopped"), NULL,
    "listen", "service", .negation = "no-service",
    .negation_help = N_("Take one call, not as the answering service (the default)") },
  { "record-dir", 0, FILE_, LISTEN, CLI (record_dir),
    N_("(service) Record each call to an Ogg Opus file and a JSON sidecar in DIR"), N_("DIR"),
    "listen", "record-dir" },
  { "allow", 0, LIST, LISTEN, CLI (allow),
    N_("(service) Only take calls from this id, the holder of this key's fingerprint, or ID=FINGERPRINT "
       "(repeatable; default: anyone)"), N_("ID"), "listen", "allow" },
  { "max-calls", 0, INT, LISTEN, CLI (max_calls),
    N_("(service) Calls at once; callers beyond are told busy (default 16)"), N_("N"),
    "listen", "max-calls", "16", .flags = HOLLER_OPTION_FLAG_ZERO_IS_DEFAULT },
  { "answer-delay", 0, DBL, LISTEN, CLI (answer_delay),
    N_("(service) Let a call ring this long before answering"), N_("SECONDS"), "listen", "answer-delay" },
  { "max-call-length", 0, DBL, LISTEN, CLI (max_call_length),
    N_("(service) Hang up calls after this long"), N_("SECONDS"), "listen", "max-call-length" },
  { "system-bus", 0, BOOL, LISTEN, CLI (system_bus),
    N_("(service) Offer the D-Bus API on the system bus instead of the session bus"), NULL },
  /* holler demo */
  { "duration", 'd', DBL, DEMO, CLI (duration), N_("Call length in seconds (default 4)"), N_("SECONDS") },
  /* holler serve */
  { "config", 'c', FILE_, SERVE, SRV (config), N_("Read settings ([serve] group) from FILE"), N_("FILE") },
  { "address", 0, STR, SERVE, SRV (address),
    N_("IP address to listen on (default 127.0.0.1)"), N_("IP"), "serve", "address" },
  { "port", 'p', INT, SERVE, SRV (port),
    N_("Port to listen on (default 7780; 0: any free port)"), N_("N"), "serve", "port", "7780" },
  { "tls-cert", 0, FILE_, SERVE, SRV (tls_cert),
    N_("PEM certificate: serve wss:// instead of ws://"), N_("FILE"), "serve", "tls-cert" },
  { "tls-key", 0, FILE_, SERVE, SRV (tls_key),
    N_("PEM private key of the certificate"), N_("FILE"), "serve", "tls-key" },
  { "token-file", 0, FILE_, SERVE, SRV (token_file),
    N_("Ids allowed to register and their tokens ([tokens] id=token)"), N_("FILE"), "serve", "token-file" },
  { "max-message-size", 0, INT64, SERVE, SRV (max_message_size),
    N_("Largest message relayed (default 65536)"), N_("BYTES"), "serve", "max-message-size", "65536" },
  { "max-rate", 0, DBL, SERVE, SRV (max_rate),
    N_("Messages per second per connection, bursts of twice that (default 50; 0: no limit)"), N_("MSGS_PER_S"),
    "serve", "max-rate", "50" },
  { "max-clients-per-address", 0, INT, SERVE, SRV (max_clients_per_address),
    N_("Connections per remote address (default 20; 0: no limit)"), N_("N"),
    "serve", "max-clients-per-address", "20" },
  { "handshake-timeout", 0, INT, SERVE, SRV (handshake_timeout),
    N_("Seconds a connection has to complete its WebSocket handshake (default 10)"), N_("SECONDS"),
    "serve", "handshake-timeout", "10" },
  { "print-uri", 0, BOOL, SERVE, SRV (print_uri), N_("Print the server's URI on stdout once it listens"), NULL },
};

const HollerOptionSpec *
holler_option_table_get (gsize *n_specs)
{
  *n_specs = G_N_ELEMENTS (table);
  return table;
}

const HollerOptionSpec *
holler_option_table_find_key (const char *group, const char *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
    if (table[i].key != NULL && g_str_equal (table[i].group, group) && g_str_equal (table[i].key, key))
      return &table[i];
  return NULL;
}

gboolean
holler_option_table_has_group (const char *group)
{
  for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
    if (table[i].group != NULL && g_str_equal (table[i].group, group))
      return TRUE;
  return FALSE;
}
