/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* holler-config: the shipped example loads, values come back typed, and
 * bad files fail with a message naming the file, group and key. */
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "holler-config.h"
#include "holler-error.h"

static char *
write_config (const char *text)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("holler-test-XXXXXX.conf", &path, &error);

  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

static void
test_example (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "data", "holler.conf.example", NULL);
  g_autoptr(HollerConfig) config = holler_config_load (path, &error);
  g_autofree char *id = NULL;
  g_autofree char *uri = NULL;

  g_assert_no_error (error);
  id = holler_config_get_string (config, "holler", "id");
  uri = holler_config_get_string (config, "holler", "signaling");
  g_assert_cmpstr (id, ==, "alice");
  g_assert_cmpstr (uri, ==, "ws://127.0.0.1:7780/ws");
  g_assert_null (holler_config_get_string (config, "holler", "token"));
  g_assert_cmpint (holler_config_get_int (config, "serve", "port", 42), ==, 42);
}

static void
test_values (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = write_config ("[call]\nconnect-timeout=12.5\nallow-loopback=true\n"
                                        "input-device=Monitor of Speaker-B\noutput-device=speaker_b\n"
                                        "echo-cancel=false\n"
                                        "[serve]\nport=9000\n");
  g_autoptr(HollerConfig) config = holler_config_load (path, &error);
  g_autofree char *input_device = NULL;
  g_autofree char *output_device = NULL;

  g_assert_no_error (error);
  g_assert_cmpfloat (holler_config_get_double (config, "call", "connect-timeout", 0), ==, 12.5);
  g_assert_true (holler_config_get_boolean (config, "call", "allow-loopback", FALSE));
  g_assert_cmpint (holler_config_get_int (config, "serve", "port", 0), ==, 9000);
  g_assert_false (holler_config_get_boolean (config, "call", "echo-cancel", TRUE));
  input_device = holler_config_get_string (config, "call", "input-device");
  output_device = holler_config_get_string (config, "call", "output-device");
  g_assert_cmpstr (input_device, ==, "Monitor of Speaker-B");
  g_assert_cmpstr (output_device, ==, "speaker_b");
  g_assert_cmpstr (holler_config_get_path (config), ==, path);
  g_unlink (path);
}

static void
check_bad (const char *text, const char *expected_part)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = write_config (text);
  g_autoptr(HollerConfig) config = holler_config_load (path, &error);

  g_assert_null (config);
  g_assert_error (error, HOLLER_ERROR, HOLLER_ERROR_CONFIG);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, expected_part));
  g_unlink (path);
}

static void
test_bad_files (void)
{
  check_bad ("[holler]\nidd=alice\n", "idd");
  check_bad ("[hollar]\nid=alice\n", "hollar");
  check_bad ("[serve]\nport=eighty\n", "port");
  check_bad ("[call]\nallow-loopback=maybe\n", "allow-loopback");
  check_bad ("[call]\necho-cancel=maybe\n", "echo-cancel");
  check_bad ("no group here\n", "");
}

static void
test_missing (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HollerConfig) config = holler_config_load ("/nonexistent/holler.conf", &error);

  g_assert_null (config);
  g_assert_error (error, HOLLER_ERROR, HOLLER_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "/nonexistent/holler.conf"));
}

/* No file at the default location is an empty config, not an error. */
static void
test_default_location (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("holler-test-XXXXXX", &error);
  g_autoptr(HollerConfig) config = NULL;

  g_assert_no_error (error);
  g_setenv ("XDG_CONFIG_HOME", dir, TRUE);
  config = holler_config_load (NULL, &error);
  g_assert_no_error (error);
  g_assert_null (holler_config_get_path (config));
  g_assert_null (holler_config_get_string (config, "holler", "id"));
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/config/example", test_example);
  g_test_add_func ("/config/values", test_values);
  g_test_add_func ("/config/bad-files", test_bad_files);
  g_test_add_func ("/config/missing", test_missing);
  g_test_add_func ("/config/default-location", test_default_location);
  return g_test_run ();
}
