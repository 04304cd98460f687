/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the config file (holler_config_load) and the rendezvous
 * server's token file (holler_rendezvous_tokens_load), both read from a
 * path. The input is written to a memfd and loaded through
 * /proc/self/fd/N, so nothing touches the disk and src/ needs no hook.
 * A config that loads must answer every getter for every known key. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "fuzz-common.h"
#include "holler-config.h"
#include "holler-error.h"
#include "server/holler-rendezvous-tokens.h"

static int fd = -1;
static char *path;

static const struct { const char *group, *key; char type; } keys[] = {
  { "holler", "id", 's' }, { "holler", "signaling", 's' }, { "holler", "token", 's' },
  { "holler", "signaling-ca", 's' }, { "call", "input", 's' }, { "call", "output", 's' },
  { "call", "connect-timeout", 'd' }, { "call", "allow-loopback", 'b' },
  { "listen", "auto-answer", 'b' }, { "serve", "address", 's' }, { "serve", "port", 'i' },
  { "serve", "tls-cert", 's' }, { "serve", "tls-key", 's' }, { "serve", "token-file", 's' },
  { "serve", "max-message-size", 'i' }, { "serve", "max-rate", 'd' },
  { "serve", "max-clients-per-address", 'i' },
  /* unknown ones, which a loaded config cannot have */
  { "holler", "nope", 's' }, { "nope", "id", 's' },
};

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_glib ();
  fd = memfd_create ("holler-fuzz-config", MFD_CLOEXEC);
  if (fd < 0)
    {
      fprintf (stderr, "memfd_create: %s\n", g_strerror (errno));
      abort ();
    }
  path = g_strdup_printf ("/proc/self/fd/%d", fd);
  return 0;
}

static void
write_input (const uint8_t *data, size_t size)
{
  size_t done = 0;

  FUZZ_CHECK (ftruncate (fd, 0) == 0, "ftruncate: %s", g_strerror (errno));
  while (done < size)
    {
      ssize_t n = pwrite (fd, data + done, size - done, (off_t) done);

      FUZZ_CHECK (n > 0, "pwrite: %s", g_strerror (errno));
      done += (size_t) n;
    }
}

static void
use_config (HollerConfig *config)
{
  FUZZ_CHECK (g_strcmp0 (holler_config_get_path (config), path) == 0, "path");
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autofree char *s = holler_config_get_string (config, keys[i].group, keys[i].key);

      if (s != NULL)
        FUZZ_CHECK (g_utf8_validate (s, -1, NULL), "[%s] %s is not UTF-8", keys[i].group, keys[i].key);
      switch (keys[i].type)
        {
        case 'i':
          (void) holler_config_get_int (config, keys[i].group, keys[i].key, 7);
          break;
        case 'd':
          (void) holler_config_get_double (config, keys[i].group, keys[i].key, 0.5);
          break;
        case 'b':
          (void) holler_config_get_boolean (config, keys[i].group, keys[i].key, TRUE);
          break;
        default:
          break;
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  write_input (data, size);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(HollerConfig) config = holler_config_load (path, &error);

    if (config == NULL)
      {
        FUZZ_CHECK (g_error_matches (error, HOLLER_ERROR, HOLLER_ERROR_CONFIG), "config error %s",
                    error ? error->message : "(none)");
        fuzz_check_error_utf8 ("holler_config_load", error);
      }
    else
      {
        FUZZ_CHECK (error == NULL, "success with an error set");
        use_config (config);
      }
  }
  {
    g_autoptr(GError) error = NULL;
    GHashTable *tokens = holler_rendezvous_tokens_load (path, &error);

    if (tokens == NULL)
      {
        FUZZ_CHECK (g_error_matches (error, HOLLER_ERROR, HOLLER_ERROR_CONFIG), "token file error %s",
                    error ? error->message : "(none)");
        fuzz_check_error_utf8 ("holler_rendezvous_tokens_load", error);
      }
    else
      {
        FUZZ_CHECK (error == NULL, "token file: success with an error set");
        (void) holler_rendezvous_tokens_check (tokens, "alice", "s3cret");
        (void) holler_rendezvous_tokens_check (tokens, "", "");
        g_hash_table_unref (tokens);
      }
  }
  return 0;
}
