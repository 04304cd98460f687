/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* holler-opus-adapt: the Opus encoder's loss settings follow the loss the
 * peer reports (the rule documented in holler-opus-adapt.h). */
#include "holler-opus-adapt.h"

static void
test_start (void)
{
  HollerOpusAdapt a;

  holler_opus_adapt_init (&a);
  g_assert_cmpuint (a.loss_percent, ==, HOLLER_OPUS_START_LOSS_PERCENT);
  g_assert_true (a.fec);
  g_assert_cmpuint (a.bitrate, ==, 32000);
}

/* 10 % reported: 10 % to the encoder, FEC on, 37 kbit/s; rounded up */
static void
test_follows_loss (void)
{
  HollerOpusAdapt a;

  holler_opus_adapt_init (&a);
  g_assert_true (holler_opus_adapt_report (&a, 26 / 256.0));   /* 10.2 % */
  g_assert_cmpuint (a.loss_percent, ==, 11);
  g_assert_true (a.fec);
  g_assert_cmpuint (a.bitrate, ==, 37500);
  g_assert_false (holler_opus_adapt_report (&a, 26 / 256.0));  /* no change, no news */
  g_assert_true (holler_opus_adapt_report (&a, 1 / 256.0));
  g_assert_cmpuint (a.loss_percent, ==, 1);
  g_assert_cmpuint (a.bitrate, ==, 32500);
}

/* capped at 30 % and 47 kbit/s whatever the peer says */
static void
test_bounds (void)
{
  HollerOpusAdapt a;

  holler_opus_adapt_init (&a);
  holler_opus_adapt_report (&a, 1.0);
  g_assert_cmpuint (a.loss_percent, ==, 30);
  g_assert_cmpuint (a.bitrate, ==, 47000);
  holler_opus_adapt_report (&a, 5.0);       /* nonsense is clamped */
  g_assert_cmpuint (a.loss_percent, ==, 30);
  holler_opus_adapt_report (&a, -1.0);
  g_assert_cmpuint (a.loss_percent, ==, 0);
}

/* FEC stays on through two clean reports, off at the third, on again at
 * the next loss */
static void
test_fec_hysteresis (void)
{
  HollerOpusAdapt a;

  holler_opus_adapt_init (&a);
  holler_opus_adapt_report (&a, 0.05);
  holler_opus_adapt_report (&a, 0);
  g_assert_true (a.fec);
  holler_opus_adapt_report (&a, 0);
  g_assert_true (a.fec);
  g_assert_true (holler_opus_adapt_report (&a, 0));
  g_assert_false (a.fec);
  g_assert_cmpuint (a.bitrate, ==, 32000);
  holler_opus_adapt_report (&a, 0.02);
  g_assert_true (a.fec);
  g_assert_cmpuint (a.loss_percent, ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/opus-adapt/start", test_start);
  g_test_add_func ("/opus-adapt/follows-loss", test_follows_loss);
  g_test_add_func ("/opus-adapt/bounds", test_bounds);
  g_test_add_func ("/opus-adapt/fec-hysteresis", test_fec_hysteresis);
  return g_test_run ();
}
