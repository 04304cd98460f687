/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The adaptive jitter buffer's rules (src/holler-jitter.h), on made-up
 * arrival statistics and a made-up clock. */
#include "config.h"
#include <math.h>
#include <glib.h>
#include "holler-jitter.h"

#define S(x) ((gint64) ((x) * G_USEC_PER_SEC))

static void
test_clean_path_stays_small (void)
{
  HollerJitterControl c;

  holler_jitter_control_init (&c, HOLLER_JITTER_MIN_MS, HOLLER_JITTER_MAX_MS, 0);
  g_assert_cmpuint (c.latency_ms, ==, 20);
  /* loopback: a fraction of a millisecond of jitter, nothing late */
  for (int i = 1; i <= 120; i++)
    g_assert_false (holler_jitter_control_update (&c, 0.3, 0, S (i * 0.5)));
  g_assert_cmpuint (c.latency_ms, ==, 20);
}

static void
test_follows_jitter_up (void)
{
  HollerJitterControl c;

  holler_jitter_control_init (&c, 20, 250, 0);
  g_assert_true (holler_jitter_control_update (&c, 10.0, 0, S (1)));
  g_assert_cmpuint (c.latency_ms, ==, 45);            /* 4 × 10 + 5 */
  /* jitter falls again: no shrinking before 20 s of quiet... */
  g_assert_false (holler_jitter_control_update (&c, 1.0, 0, S (5)));
  g_assert_cmpuint (c.latency_ms, ==, 45);
  /* ...then 10 ms at a time, at most every 10 s, down to what is needed */
  g_assert_true (holler_jitter_control_update (&c, 1.0, 0, S (20)));
  g_assert_cmpuint (c.latency_ms, ==, 35);
  g_assert_false (holler_jitter_control_update (&c, 1.0, 0, S (25)));
  g_assert_true (holler_jitter_control_update (&c, 1.0, 0, S (30)));
  g_assert_cmpuint (c.latency_ms, ==, 25);
  g_assert_true (holler_jitter_control_update (&c, 1.0, 0, S (40)));
  g_assert_cmpuint (c.latency_ms, ==, 20);
  g_assert_false (holler_jitter_control_update (&c, 1.0, 0, S (60)));
  g_assert_cmpuint (c.latency_ms, ==, 20);
}

static void
test_late_packets_grow_it (void)
{
  HollerJitterControl c;

  holler_jitter_control_init (&c, 20, 250, 0);
  /* a burst after a stall: 3 packets came after their deadline */
  g_assert_true (holler_jitter_control_update (&c, 2.0, 3, S (1)));
  g_assert_cmpuint (c.latency_ms, ==, 40);
  /* the same count again is not news */
  g_assert_false (holler_jitter_control_update (&c, 2.0, 3, S (1.5)));
  g_assert_true (holler_jitter_control_update (&c, 2.0, 4, S (2)));
  g_assert_cmpuint (c.latency_ms, ==, 60);
  /* the quiet time counts from the last late packet, not the start */
  g_assert_false (holler_jitter_control_update (&c, 2.0, 4, S (21)));
  g_assert_true (holler_jitter_control_update (&c, 2.0, 4, S (22)));
  g_assert_cmpuint (c.latency_ms, ==, 50);
}

static void
test_bounds (void)
{
  HollerJitterControl c;

  holler_jitter_control_init (&c, 20, 250, 0);
  g_assert_true (holler_jitter_control_update (&c, 1e9, 0, S (1)));
  g_assert_cmpuint (c.latency_ms, ==, 250);
  g_assert_false (holler_jitter_control_update (&c, 1e9, 10, S (2)));
  g_assert_cmpuint (c.latency_ms, ==, 250);
  /* junk statistics do not move it */
  holler_jitter_control_init (&c, 20, 250, 0);
  g_assert_false (holler_jitter_control_update (&c, -5.0, 0, S (1)));
  g_assert_false (holler_jitter_control_update (&c, NAN, 0, S (2)));
  g_assert_cmpuint (c.latency_ms, ==, 20);
}

static void
test_fixed (void)
{
  HollerJitterControl c;

  holler_jitter_control_init (&c, 60, 60, 0);
  g_assert_cmpuint (c.latency_ms, ==, 60);
  g_assert_false (holler_jitter_control_update (&c, 30.0, 5, S (1)));
  g_assert_false (holler_jitter_control_update (&c, 0.0, 5, S (60)));
  g_assert_cmpuint (c.latency_ms, ==, 60);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/jitter/clean-path-stays-small", test_clean_path_stays_small);
  g_test_add_func ("/jitter/follows-jitter-up", test_follows_jitter_up);
  g_test_add_func ("/jitter/late-packets-grow-it", test_late_packets_grow_it);
  g_test_add_func ("/jitter/bounds", test_bounds);
  g_test_add_func ("/jitter/fixed", test_fixed);
  return g_test_run ();
}
