/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The option table (src/holler-option-table.c): the config file fills in
 * what the command line left alone, the command line can set every key
 * back to its default, and the man page, the bash completion and the
 * example config name every option and key the table has. */
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "holler-option-parser.h"
#include "holler-error.h"
#include "server/holler-rendezvous.h"

static HollerConfig *
config_from (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp ("holler-options-XXXXXX.conf", &path, &error);
  HollerConfig *config;

  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  config = holler_config_load (path, &error);
  g_assert_no_error (error);
  g_unlink (path);
  return config;
}

/* holler COMMAND ARGS… with @config_text as the config file */
static gboolean
parse (HollerCommand command, gpointer options, const char *config_text, const char * const *args,
       GError **error)
{
  g_autoptr(HollerOptionParser) parser = holler_option_parser_new (command, options);
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(HollerConfig) config = config_from (config_text);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  char **argv_data;
  int argc;

  g_ptr_array_add (argv, (gpointer) "holler");
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  argc = argv->len - 1;
  argv_data = (char **) argv->pdata;
  holler_option_parser_add_to (parser, context);
  if (!g_option_context_parse (context, &argc, &argv_data, error))
    return FALSE;
  g_assert_cmpint (argc, ==, 1);
  return holler_option_parser_apply_config (parser, config, error);
}

static const char *full_config =
  "[holler]\nsignaling=ws://127.0.0.1:7780/ws\n"
  "[call]\nrelay-only=true\njitter-buffer=40\nconnect-timeout=12\nstun=stun:a;stun:b\n"
  "echo-cancel=false\nallow-loopback=true\ninput-device=mic-b\nturn-secret=s3cret\n"
  "[listen]\ngreeting=hello.ogg\nauto-answer=true\nservice=true\nmax-calls=3\nallow=alice;bob\n";

static void
test_config_fills_in (void)
{
  g_auto(HollerCliOptions) cli = { 0 };
  g_autoptr(GError) error = NULL;
  const char *args[] = { NULL };

  g_assert_true (parse (HOLLER_COMMAND_LISTEN, &cli, full_config, args, &error));
  g_assert_no_error (error);
  g_assert_true (cli.relay_only);
  g_assert_cmpint (cli.jitter_buffer, ==, 40);
  g_assert_cmpfloat (cli.connect_timeout, ==, 12);
  g_assert_cmpint (g_strv_length (cli.stun_servers), ==, 2);
  g_assert_true (cli.no_echo_cancel);
  g_assert_true (cli.allow_loopback);
  g_assert_cmpstr (cli.input_device, ==, "mic-b");
  g_assert_cmpstr (cli.greeting, ==, "hello.ogg");
  g_assert_true (cli.auto_answer);
  g_assert_true (cli.service);
  g_assert_cmpint (cli.max_calls, ==, 3);
  g_assert_cmpstr (cli.signaling, ==, "ws://127.0.0.1:7780/ws");
}

static void
test_defaults (void)
{
  g_auto(HollerCliOptions) cli = { 0 };
  g_autoptr(GError) error = NULL;
  const char *args[] = { NULL };

  g_assert_true (parse (HOLLER_COMMAND_LISTEN, &cli, "", args, &error));
  g_assert_no_error (error);
  g_assert_false (cli.relay_only);
  g_assert_cmpint (cli.jitter_buffer, ==, 0);
  g_assert_cmpfloat (cli.connect_timeout, ==, 30);
  g_assert_cmpint (cli.max_calls, ==, 16);
  g_assert_null (cli.stun_servers);
  g_assert_null (cli.signaling);
}

/* Every key the config file set, set back to its default from the command line */
static void
test_back_to_default (void)
{
  g_auto(HollerCliOptions) cli = { 0 };
  g_autoptr(GError) error = NULL;
  const char *args[] = { "--no-relay-only", "--jitter-buffer", "auto", "--connect-timeout", "0", "--stun=",
                         "--echo-cancel", "--no-allow-loopback", "--input", "tone:440", "--turn-secret=",
                         "--greeting=", "--no-auto-answer", "--no-service", "--max-calls", "0",
                         "--allow=", "--signaling=", NULL };

  g_assert_true (parse (HOLLER_COMMAND_LISTEN, &cli, full_config, args, &error));
  g_assert_no_error (error);
  g_assert_false (cli.relay_only);
  g_assert_cmpint (cli.jitter_buffer, ==, 0);
  g_assert_cmpfloat (cli.connect_timeout, ==, 30);
  g_assert_null (cli.stun_servers);
  g_assert_false (cli.no_echo_cancel);
  g_assert_false (cli.allow_loopback);
  /* --input names the setting --input-device names in the file */
  g_assert_cmpstr (cli.input, ==, "tone:440");
  g_assert_null (cli.input_device);
  g_assert_null (cli.turn_secret);
  g_assert_null (cli.greeting);
  g_assert_false (cli.auto_answer);
  g_assert_false (cli.service);
  g_assert_cmpint (cli.max_calls, ==, 16);
  g_assert_null (cli.allow);
  g_assert_null (cli.signaling);
}

static void
test_cli_wins (void)
{
  g_auto(HollerCliOptions) cli = { 0 };
  g_autoptr(GError) error = NULL;
  const char *args[] = { "--jitter-buffer", "0", "--stun", "stun:c", "--no-relay-only", "--relay-only",
                         "--connect-timeout", "5", NULL };

  g_assert_true (parse (HOLLER_COMMAND_CALL, &cli, full_config, args, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cli.jitter_buffer, ==, 0);
  g_assert_cmpint (g_strv_length (cli.stun_servers), ==, 1);
  g_assert_cmpstr (cli.stun_servers[0], ==, "stun:c");
  g_assert_true (cli.relay_only);      /* the last one given wins */
  g_assert_cmpfloat (cli.connect_timeout, ==, 5);
  g_assert_null (cli.greeting);        /* [listen] is not read by call */
}

static void
test_bad_values (void)
{
  g_auto(HollerCliOptions) cli = { 0 };
  g_autoptr(GError) error = NULL;
  const char *bad_int[] = { "--jitter-buffer", "40ms", NULL };
  const char *listen_only[] = { "--greeting", "x.ogg", NULL };

  g_assert_false (parse (HOLLER_COMMAND_CALL, &cli, "", bad_int, &error));
  g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
  g_assert_nonnull (strstr (error->message, "--jitter-buffer"));
  g_clear_error (&error);
  g_assert_false (parse (HOLLER_COMMAND_CALL, &cli, "", listen_only, &error));
  g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION);
}

static void
test_serve (void)
{
  g_auto(HollerServeCli) serve = { 0 };
  g_auto(HollerServeCli) with_config = { 0 };
  g_autoptr(GError) error = NULL;
  const char *none[] = { NULL };
  const char *args[] = { "--port", "0", "--max-rate", "0", NULL };

  g_assert_true (parse (HOLLER_COMMAND_SERVE, &serve, "", none, &error));
  g_assert_no_error (error);
  g_assert_cmpint (serve.port, ==, HOLLER_RENDEZVOUS_DEFAULT_PORT);
  g_assert_cmpint (serve.max_message_size, ==, HOLLER_RENDEZVOUS_DEFAULT_MAX_MESSAGE_SIZE);
  g_assert_cmpfloat (serve.max_rate, ==, HOLLER_RENDEZVOUS_DEFAULT_MAX_RATE);
  g_assert_cmpint (serve.max_clients_per_address, ==, HOLLER_RENDEZVOUS_DEFAULT_MAX_CLIENTS_PER_ADDRESS);
  g_assert_cmpint (serve.handshake_timeout, ==, HOLLER_RENDEZVOUS_DEFAULT_HANDSHAKE_TIMEOUT);
  /* handshake-timeout is a key too; 0 is a port of its own (any free one) */
  g_assert_true (parse (HOLLER_COMMAND_SERVE, &with_config,
                        "[serve]\nport=9000\nhandshake-timeout=5\nmax-rate=7\n", args, &error));
  g_assert_no_error (error);
  g_assert_cmpint (with_config.port, ==, 0);
  g_assert_cmpfloat (with_config.max_rate, ==, 0);
  g_assert_cmpint (with_config.handshake_timeout, ==, 5);
}

static void
test_config_out_of_range (void)
{
  g_auto(HollerServeCli) serve = { 0 };
  g_autoptr(GError) error = NULL;
  const char *none[] = { NULL };

  g_assert_false (parse (HOLLER_COMMAND_SERVE, &serve, "[serve]\nport=99999999999\n", none, &error));
  g_assert_error (error, HOLLER_ERROR, HOLLER_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "port"));
}

/* The options of @command and their negations, as "--name" */
static GPtrArray *
option_names (HollerCommand command)
{
  gsize n;
  const HollerOptionSpec *specs = holler_option_table_get (&n);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);

  for (gsize i = 0; i < n; i++)
    {
      if (!(specs[i].commands & command))
        continue;
      g_ptr_array_add (names, g_strconcat ("--", specs[i].name, NULL));
      if (specs[i].negation != NULL)
        g_ptr_array_add (names, g_strconcat ("--", specs[i].negation, NULL));
    }
  return names;
}

static char *
read_data_file (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "data", name, NULL);
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

/* The text of ".SH TITLE" up to the next section */
static char *
man_section (const char *man, const char *title)
{
  g_autofree char *heading = g_strconcat ("\n.SH ", title, "\n", NULL);
  const char *start = strstr (man, heading);
  const char *end;

  g_assert_nonnull (start);
  start += strlen (heading);
  end = strstr (start, "\n.SH ");
  return end != NULL ? g_strndup (start, end - start) : g_strdup (start);
}

/* "--max-calls" as roff writes it, \-\-max\-calls, not followed by more of a name */
static gboolean
man_mentions (const char *text, const char *option)
{
  g_autoptr(GString) roff = g_string_new (NULL);

  for (const char *c = option; *c != '\0'; c++)
    if (*c == '-')
      g_string_append (roff, "\\-");
    else
      g_string_append_c (roff, *c);
  for (const char *at = strstr (text, roff->str); at != NULL; at = strstr (at + 1, roff->str))
    {
      const char *after = at + roff->len;

      if (!g_ascii_isalnum (*after) && !g_str_has_prefix (after, "\\-"))
        return TRUE;
    }
  return FALSE;
}

static void
check_man_section (const char *man, const char *title, HollerCommand command)
{
  g_autofree char *section = man_section (man, title);
  g_autoptr(GPtrArray) names = option_names (command);

  for (guint i = 0; i < names->len; i++)
    if (!man_mentions (section, names->pdata[i]))
      g_test_fail_printf ("data/holler.1: %s is not in the section %s", (char *) names->pdata[i], title);
}

static void
test_man_page (void)
{
  g_autofree char *man = read_data_file ("holler.1");
  g_autoptr(GPtrArray) demo = option_names (HOLLER_COMMAND_DEMO);

  check_man_section (man, "OPTIONS OF CALL AND LISTEN", HOLLER_COMMAND_CALL | HOLLER_COMMAND_LISTEN);
  check_man_section (man, "OPTIONS OF SERVE", HOLLER_COMMAND_SERVE);
  for (guint i = 0; i < demo->len; i++)
    g_assert_true (man_mentions (man, demo->pdata[i]));
}

/* The words `compgen -W` offers after "holler COMMAND", $variables expanded */
static GHashTable *
completion_words (const char *script, const char *command)
{
  g_autofree char *pattern = g_strdup_printf ("^\\s*%s\\) COMPREPLY=\\(\\$\\(compgen -W \"([^\"]*)\"", command);
  g_autoptr(GRegex) case_re = g_regex_new (pattern, G_REGEX_MULTILINE, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *words = NULL;
  g_auto(GStrv) tokens = NULL;
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_assert_true (g_regex_match (case_re, script, 0, &match));
  words = g_match_info_fetch (match, 1);
  tokens = g_strsplit_set (words, " \t\n", -1);
  for (gsize i = 0; tokens[i] != NULL; i++)
    {
      if (tokens[i][0] == '$')
        {
          g_autofree char *var = g_strdup_printf ("local %s=\"([^\"]*)\"", tokens[i] + 1);
          g_autoptr(GRegex) var_re = g_regex_new (var, 0, 0, NULL);
          g_autoptr(GMatchInfo) var_match = NULL;
          g_autofree char *value = NULL;
          g_auto(GStrv) values = NULL;

          g_assert_true (g_regex_match (var_re, script, 0, &var_match));
          value = g_match_info_fetch (var_match, 1);
          values = g_strsplit_set (value, " \t\n", -1);
          for (gsize v = 0; values[v] != NULL; v++)
            if (*values[v] != '\0')
              g_hash_table_add (set, g_strdup (values[v]));
        }
      else if (*tokens[i] != '\0')
        g_hash_table_add (set, g_strdup (tokens[i]));
    }
  return set;
}

static void
check_completion (const char *script, const char *command, HollerCommand which)
{
  g_autoptr(GHashTable) words = completion_words (script, command);
  g_autoptr(GPtrArray) names = option_names (which);
  GHashTableIter iter;
  const char *word;

  for (guint i = 0; i < names->len; i++)
    if (!g_hash_table_contains (words, names->pdata[i]))
      g_test_fail_printf ("data/holler.bash-completion: %s %s is not offered", command, (char *) names->pdata[i]);
  g_hash_table_iter_init (&iter, words);
  while (g_hash_table_iter_next (&iter, (gpointer *) &word, NULL))
    if (!g_str_equal (word, "--help")
        && !g_ptr_array_find_with_equal_func (names, word, g_str_equal, NULL))
      g_test_fail_printf ("data/holler.bash-completion: %s %s is no option of it", command, word);
}

static void
test_bash_completion (void)
{
  g_autofree char *script = read_data_file ("holler.bash-completion");

  check_completion (script, "call", HOLLER_COMMAND_CALL);
  check_completion (script, "listen", HOLLER_COMMAND_LISTEN);
  check_completion (script, "demo", HOLLER_COMMAND_DEMO);
  check_completion (script, "serve", HOLLER_COMMAND_SERVE);
}

/* Every key is in the example, commented out or not, in its group; and no other */
static void
test_config_example (void)
{
  g_autofree char *text = read_data_file ("holler.conf.example");
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GRegex) key_re = g_regex_new ("^#?([a-z-]+)=", 0, 0, NULL);
  g_autofree char *group = NULL;
  gsize n;
  const HollerOptionSpec *specs = holler_option_table_get (&n);

  for (gsize i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(GMatchInfo) match = NULL;

      if (lines[i][0] == '[')
        {
          g_free (group);
          group = g_strndup (lines[i] + 1, strcspn (lines[i] + 1, "]"));
        }
      else if (g_regex_match (key_re, lines[i], 0, &match))
        {
          g_autofree char *key = g_match_info_fetch (match, 1);

          if (holler_option_table_find_key (group, key) == NULL)
            g_test_fail_printf ("data/holler.conf.example: [%s] %s is no key", group, key);
          g_hash_table_add (seen, g_strconcat (group, "/", key, NULL));
        }
    }
  for (gsize i = 0; i < n; i++)
    {
      g_autofree char *name = specs[i].key ? g_strconcat (specs[i].group, "/", specs[i].key, NULL) : NULL;

      if (name != NULL && !g_hash_table_contains (seen, name))
        g_test_fail_printf ("data/holler.conf.example: [%s] %s is missing", specs[i].group, specs[i].key);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/options/defaults", test_defaults);
  g_test_add_func ("/options/config-fills-in", test_config_fills_in);
  g_test_add_func ("/options/back-to-default", test_back_to_default);
  g_test_add_func ("/options/cli-wins", test_cli_wins);
  g_test_add_func ("/options/bad-values", test_bad_values);
  g_test_add_func ("/options/serve", test_serve);
  g_test_add_func ("/options/config-out-of-range", test_config_out_of_range);
  g_test_add_func ("/options/docs/man-page", test_man_page);
  g_test_add_func ("/options/docs/bash-completion", test_bash_completion);
  g_test_add_func ("/options/docs/config-example", test_config_example);
  return g_test_run ();
}
