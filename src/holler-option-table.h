/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The commands an option belongs to */
typedef enum {
  HOLLER_COMMAND_CALL   = 1 << 0,
  HOLLER_COMMAND_LISTEN = 1 << 1,
  HOLLER_COMMAND_DEMO   = 1 << 2,
  HOLLER_COMMAND_SERVE  = 1 << 3,
} HollerCommand;

typedef enum {
  HOLLER_OPTION_STRING,
  HOLLER_OPTION_FILENAME,
  HOLLER_OPTION_INT,
  HOLLER_OPTION_INT64,
  HOLLER_OPTION_DOUBLE,
  HOLLER_OPTION_BOOLEAN,
  HOLLER_OPTION_STRING_LIST,
} HollerOptionType;

typedef enum {
  HOLLER_OPTION_FLAG_NONE = 0,
  /* the config key says the opposite of the option (echo-cancel=false is
   * --no-echo-cancel) */
  HOLLER_OPTION_FLAG_INVERTED_KEY = 1 << 0,
  /* 0 on the command line means the default (as does "auto") */
  HOLLER_OPTION_FLAG_ZERO_IS_DEFAULT = 1 << 1,
} HollerOptionFlags;

/* One option, declared once: its GOptionEntry, its config key and its
 * place in the man page and the bash completion come from here. */
typedef struct {
  const char *name;             /* --name */
  char short_name;              /* -x, or 0 */
  HollerOptionType type;
  guint commands;               /* HollerCommand bits */
  gsize offset;                 /* of its field in the command's options struct */
  const char *help;             /* N_() */
  const char *arg_description;  /* N_(), NULL for booleans */
  const char *group;            /* config group and key, or NULL */
  const char *key;
  const char *default_value;    /* as typed on the command line, or NULL */
  const char *negation;         /* booleans with a key: the option that turns it off */
  const char *negation_help;    /* N_() */
  const char *alternative;      /* another option naming the same setting: given
                                 * on the command line, the key is not read */
  HollerOptionFlags flags;
} HollerOptionSpec;

/* What holler call, listen and demo are asked to do (HOLLER_COMMAND_CALL,
 * _LISTEN, _DEMO) */
typedef struct {
  char *input;
  char *output;
  char *input_device;
  char *output_device;
  gboolean no_echo_cancel;
  double duration;
  gboolean json;
  gboolean allow_loopback;
  char **ice_addresses;
  gboolean auto_answer;
  char *signaling;
  double connect_timeout;
  int jitter_buffer;
  gboolean ephemeral;      /* a per-run certificate, not our identity */
  gboolean strict_peers;   /* a known peer's changed key ends the call */
  char *keylog;
  char *id;
  char *token;
  char *signaling_ca;
  char *password_file;
  char *config;
  char **stun_servers;
  char **turn_servers;
  char *turn_secret;
  gboolean relay_only;
  char *dtmf;              /* DTMF digits to send once the call is active */
  char *greeting;          /* listen: a file played first */
  gboolean service;        /* listen: the answering service (many calls, D-Bus) */
  char *record_dir;
  char **allow;
  int max_calls;
  double answer_delay;
  double max_call_length;
  gboolean system_bus;
} HollerCliOptions;

/* What holler serve is asked to do (HOLLER_COMMAND_SERVE) */
typedef struct {
  char *config;
  char *address;
  int port;
  char *tls_cert;
  char *tls_key;
  char *token_file;
  gint64 max_message_size;
  double max_rate;
  int max_clients_per_address;
  int handshake_timeout;
  gboolean print_uri;
} HollerServeCli;

/* Every option of every command */
const HollerOptionSpec *holler_option_table_get (gsize *n_specs);
/* The option behind a config key, or NULL */
const HollerOptionSpec *holler_option_table_find_key (const char *group, const char *key);
gboolean                holler_option_table_has_group (const char *group);

G_END_DECLS
