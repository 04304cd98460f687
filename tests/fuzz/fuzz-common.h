/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared set-up for the libFuzzer targets in this directory: GLib logging
 * made quiet and strict (a g_critical or g_error reached from peer input is
 * a bug and aborts, so libFuzzer reports it as a crash), and a helper for
 * turning fuzz bytes into the NUL-terminated text the parsers take. */
#pragma once

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <glib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);

static GLogWriterOutput
fuzz_log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  static int verbose = -1;

  if (verbose < 0)
    verbose = g_getenv ("FUZZ_VERBOSE") != NULL;
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_FLAG_FATAL))
    {
      g_log_writer_standard_streams (level, fields, n_fields, user_data);
      fprintf (stderr, "fuzz: GLib critical/error reached from input, aborting\n");
      abort ();
    }
  if (verbose)
    return g_log_writer_standard_streams (level, fields, n_fields, user_data);
  return G_LOG_WRITER_HANDLED;
}

static inline void
fuzz_init_glib (void)
{
  g_log_set_writer_func (fuzz_log_writer, NULL, NULL);
  g_log_set_always_fatal (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL);
}

/* The bytes up to the first NUL (text reaches the parsers as C strings:
 * JSON strings cannot hold \u0000 and files are read as strings). */
static inline char *
fuzz_strndup (const uint8_t *data, size_t size)
{
  return g_strndup ((const char *) data, size);
}

/* An invariant of our own code broke: print why and abort. */
#define FUZZ_CHECK(cond, ...)                                         \
  do {                                                                \
    if (!(cond))                                                      \
      {                                                               \
        fprintf (stderr, "fuzz: check failed at %s:%d: %s: ",         \
                 __FILE__, __LINE__, #cond);                          \
        fprintf (stderr, __VA_ARGS__);                                \
        fprintf (stderr, "\n");                                       \
        abort ();                                                     \
      }                                                               \
  } while (0)

/* Error messages end up on terminals and in logs: they must be UTF-8
 * (once a finding, docs/fuzzing.md; fixed, now always checked). */
static inline void
fuzz_check_error_utf8 (const char *where, const GError *error)
{
  if (error != NULL)
    FUZZ_CHECK (g_utf8_validate (error->message, -1, NULL), "%s: error message is not UTF-8: %s",
                where, error->message);
}
