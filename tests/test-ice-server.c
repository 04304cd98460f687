/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* stun:/turn:/turns: URIs, TURN REST credentials, the [call] stun/turn
 * config lists and the option checks built on them. */
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "holler-ice.h"
#include "holler-options.h"
#include "holler-config.h"
#include "holler-error.h"

static void
test_parse_good (void)
{
  static const struct {
    const char *uri;
    gboolean turn;
    HollerIceServerKind kind;
    const char *host;
    guint port;
    const char *user, *pass;
  } cases[] = {
    { "stun:198.51.100.2", FALSE, HOLLER_ICE_SERVER_STUN, "198.51.100.2", 3478, NULL, NULL },
    { "stun:stun.example.org:19302", FALSE, HOLLER_ICE_SERVER_STUN, "stun.example.org", 19302, NULL, NULL },
    { "STUN:[2001:db8::1]:3479", FALSE, HOLLER_ICE_SERVER_STUN, "2001:db8::1", 3479, NULL, NULL },
    { "turn:u:p@198.51.100.1:3478", TRUE, HOLLER_ICE_SERVER_TURN_UDP, "198.51.100.1", 3478, "u", "p" },
    { "turn:u:p@h?transport=udp", TRUE, HOLLER_ICE_SERVER_TURN_UDP, "h", 3478, "u", "p" },
    { "turn:u:p@h:80?transport=tcp", TRUE, HOLLER_ICE_SERVER_TURN_TCP, "h", 80, "u", "p" },
    { "turns:u:p@turn.example.org", TRUE, HOLLER_ICE_SERVER_TURN_TLS, "turn.example.org", 5349, "u", "p" },
    { "turns:u:p@h:443?transport=tcp", TRUE, HOLLER_ICE_SERVER_TURN_TLS, "h", 443, "u", "p" },
    { "turn:a%40b:p%3Aw%40rd@[::1]:3478", TRUE, HOLLER_ICE_SERVER_TURN_UDP, "::1", 3478, "a@b", "p:w@rd" },
    { "turn:198.51.100.1", TRUE, HOLLER_ICE_SERVER_TURN_UDP, "198.51.100.1", 3478, NULL, NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HollerIceServer) s = holler_ice_server_parse (cases[i].uri, cases[i].turn, &error);

      g_test_message ("%s", cases[i].uri);
      g_assert_no_error (error);
      g_assert_cmpint (s->kind, ==, cases[i].kind);
      g_assert_cmpstr (s->host, ==, cases[i].host);
      g_assert_cmpuint (s->port, ==, cases[i].port);
      g_assert_cmpstr (s->username, ==, cases[i].user);
      g_assert_cmpstr (s->password, ==, cases[i].pass);
    }
}

static void
test_parse_bad (void)
{
  static const struct { const char *uri; gboolean turn; } cases[] = {
    { "", FALSE }, { "stun:", FALSE }, { "stun:host:0", FALSE }, { "stun:host:65536", FALSE },
    { "stun:host:x", FALSE }, { "stun:u:p@host", FALSE }, { "stuns:host", FALSE },
    { "stun:host?transport=udp", FALSE }, { "stun:2001:db8::1", FALSE }, { "stun:[2001:db8::1", FALSE },
    { "stun:[host]:1", FALSE }, { "stun:ho st", FALSE }, { "turn:u:p@h", FALSE },
    { "stun:h", TRUE }, { "http://h", TRUE }, { "turn:u:p@h?transport=sctp", TRUE },
    { "turns:u:p@h?transport=udp", TRUE }, { "turn:nopass@h", TRUE }, { "turn::p@h", TRUE },
    { "turn:u:p@", TRUE }, { "turn:u:p@h:99999", TRUE }, { "turn:u:%zz@h", TRUE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HollerIceServer) s = holler_ice_server_parse (cases[i].uri, cases[i].turn, &error);

      g_test_message ("%s", cases[i].uri);
      g_assert_null (s);
      g_assert_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE);
    }
}

static void
test_rest_credentials (void)
{
  g_autofree char *password = NULL;
  g_autofree char *username = holler_ice_turn_rest_credentials ("nat-secret", "alice", 1700000000, &password);
  g_autofree char *password2 = NULL;
  g_autofree char *username2 = holler_ice_turn_rest_credentials ("nat-secret", NULL, 1700000000, &password2);

  /* base64(HMAC-SHA1("nat-secret", "1700000000:alice")), computed with Python's hmac */
  g_assert_cmpstr (username, ==, "1700000000:alice");
  g_assert_cmpstr (password, ==, "SPfKs9IPx2zuL0qIWjmklATDwog=");
  g_assert_cmpstr (username2, ==, "1700000000:holler");
}

static void
test_options (void)
{
  g_autoptr(HollerCallOptions) o = holler_call_options_new ();
  g_autoptr(HollerCallOptions) copy = NULL;
  char *turn_no_creds[] = { "turn:198.51.100.1", NULL };
  char *stun_bad[] = { "stun:host:0", NULL };
  GError *error = NULL;

  o->relay_only = TRUE;
  g_assert_false (holler_call_options_validate (o, &error));
  g_assert_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE);
  g_clear_error (&error);

  o->turn_servers = g_strdupv (turn_no_creds);
  g_assert_false (holler_call_options_validate (o, &error));
  g_assert_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE);
  g_clear_error (&error);

  o->turn_secret = g_strdup ("s3cret");
  g_assert_true (holler_call_options_validate (o, &error));
  g_assert_no_error (error);

  o->stun_servers = g_strdupv (stun_bad);
  g_assert_false (holler_call_options_validate (o, &error));
  g_assert_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE);
  g_clear_error (&error);

  copy = holler_call_options_copy (o);
  g_assert_cmpstr (copy->turn_servers[0], ==, "turn:198.51.100.1");
  g_assert_cmpstr (copy->stun_servers[0], ==, "stun:host:0");
  g_assert_cmpstr (copy->turn_secret, ==, "s3cret");
  g_assert_true (copy->relay_only);
}

static void
test_config_lists (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(HollerConfig) config = NULL;
  g_auto(GStrv) stun = NULL;
  g_auto(GStrv) turn = NULL;
  int fd = g_file_open_tmp ("holler-test-XXXXXX.conf", &path, &error);

  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, "[call]\nstun=stun:198.51.100.2\n"
                       "turn=turn:u:p@198.51.100.1?transport=udp;turn:u:p@198.51.100.1?transport=tcp;\n"
                       "turn-secret=abc\nrelay-only=true\n", -1, &error);
  g_assert_no_error (error);
  config = holler_config_load (path, &error);
  g_assert_no_error (error);
  stun = holler_config_get_string_list (config, "call", "stun");
  turn = holler_config_get_string_list (config, "call", "turn");
  g_assert_cmpuint (g_strv_length (stun), ==, 1);
  g_assert_cmpuint (g_strv_length (turn), ==, 2);
  g_assert_cmpstr (turn[1], ==, "turn:u:p@198.51.100.1?transport=tcp");
  g_assert_true (holler_config_get_boolean (config, "call", "relay-only", FALSE));
  g_assert_null (holler_config_get_string_list (config, "holler", "stun"));
  g_unlink (path);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ice-server/parse-good", test_parse_good);
  g_test_add_func ("/ice-server/parse-bad", test_parse_bad);
  g_test_add_func ("/ice-server/rest-credentials", test_rest_credentials);
  g_test_add_func ("/ice-server/options", test_options);
  g_test_add_func ("/ice-server/config-lists", test_config_lists);
  return g_test_run ();
}
