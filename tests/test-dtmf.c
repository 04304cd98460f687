/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* holler-dtmf: digits and RFC 4733 event numbers, parsing telephone-event
 * packets, and reporting each received event once. */
#include <string.h>
#include "holler-dtmf.h"
#include "holler-error.h"

static void
test_digits (void)
{
  const char *all = "0123456789*#ABCD";
  g_autoptr(GError) error = NULL;

  for (int i = 0; i < 16; i++)
    {
      g_assert_cmpint (holler_dtmf_event_for_digit (all[i]), ==, i);
      g_assert_cmpint (holler_dtmf_digit_for_event (i), ==, all[i]);
    }
  g_assert_cmpint (holler_dtmf_event_for_digit ('c'), ==, 14);
  g_assert_cmpint (holler_dtmf_event_for_digit ('E'), ==, -1);
  g_assert_cmpint (holler_dtmf_event_for_digit (' '), ==, -1);
  g_assert_cmpint (holler_dtmf_event_for_digit ('\0'), ==, -1);
  g_assert_cmpint (holler_dtmf_digit_for_event (16), ==, '\0');
  g_assert_cmpint (holler_dtmf_digit_for_event (255), ==, '\0');

  g_assert_true (holler_dtmf_check_digits ("159#*0", NULL));
  g_assert_true (holler_dtmf_check_digits ("abcd", NULL));
  g_assert_false (holler_dtmf_check_digits ("12x", &error));
  g_assert_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE);
  g_clear_error (&error);
  g_assert_false (holler_dtmf_check_digits ("", &error));
  g_assert_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE);
  g_clear_error (&error);
  g_assert_false (holler_dtmf_check_digits (NULL, &error));
  g_assert_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE);
}

/* RTP header (PT 101) and a telephone-event payload */
static gsize
make_packet (guint8 *p, guint32 ts, guint8 event, gboolean end, guint16 duration)
{
  const guint8 header[12] = { 0x80, 101, 0x12, 0x34, ts >> 24, ts >> 16, ts >> 8, ts, 1, 2, 3, 4 };

  memcpy (p, header, 12);
  p[12] = event;
  p[13] = (end ? 0x80 : 0) | 10;
  p[14] = duration >> 8;
  p[15] = duration & 0xff;
  return 16;
}

static void
test_parse (void)
{
  guint8 p[64];
  gsize len = make_packet (p, 0xdeadbeef, 11, TRUE, 15360);
  HollerDtmfEvent event;

  g_assert_true (holler_dtmf_parse_rtp (p, len, &event));
  g_assert_cmpuint (event.timestamp, ==, 0xdeadbeef);
  g_assert_cmpuint (event.event, ==, 11);
  g_assert_true (event.end);
  g_assert_cmpuint (event.volume, ==, 10);
  g_assert_cmpuint (event.duration, ==, 15360);

  /* too short, or not RTP version 2 */
  for (gsize n = 0; n < 16; n++)
    g_assert_false (holler_dtmf_parse_rtp (p, n, &event));
  p[0] = 0x40;
  g_assert_false (holler_dtmf_parse_rtp (p, len, &event));

  /* one CSRC and a one-word header extension before the payload */
  {
    guint8 q[64];
    const guint8 extra[12] = { 9, 9, 9, 9, 0xbe, 0xde, 0, 1, 7, 7, 7, 7 };

    make_packet (q, 42, 5, FALSE, 960);
    memmove (q + 24, q + 12, 4);
    memcpy (q + 12, extra, 12);
    q[0] = 0x80 | 0x10 | 1;
    g_assert_true (holler_dtmf_parse_rtp (q, 28, &event));
    g_assert_cmpuint (event.event, ==, 5);
    g_assert_false (event.end);
    g_assert_cmpuint (event.duration, ==, 960);
    /* the extension claims more than there is */
    q[19] = 9;
    g_assert_false (holler_dtmf_parse_rtp (q, 28, &event));
  }

  /* padding: counted off the end; a bad padding count is refused */
  make_packet (p, 7, 3, FALSE, 480);
  p[0] |= 0x20;
  p[16] = 0;
  p[17] = 0;
  p[18] = 0;
  p[19] = 4;
  g_assert_true (holler_dtmf_parse_rtp (p, 20, &event));
  g_assert_cmpuint (event.event, ==, 3);
  p[19] = 6;
  g_assert_false (holler_dtmf_parse_rtp (p, 20, &event));
  p[19] = 0;
  g_assert_false (holler_dtmf_parse_rtp (p, 20, &event));
}

/* Updates and the three end packets of one event count once; a new event
 * (timestamp) counts again, even the same digit; a late packet of the
 * event before does not. */
static void
test_receiver (void)
{
  HollerDtmfReceiver r = { 0 };
  HollerDtmfEvent e = { .timestamp = 1000, .event = 5 };
  guint reported = 0;

  for (int i = 0; i < 8; i++)
    {
      e.duration = 960 * (i + 1);
      e.end = i >= 5;
      reported += holler_dtmf_receiver_is_new (&r, &e);
    }
  g_assert_cmpuint (reported, ==, 1);

  e.timestamp = 30000;   /* the same digit again */
  e.end = FALSE;
  g_assert_true (holler_dtmf_receiver_is_new (&r, &e));
  g_assert_false (holler_dtmf_receiver_is_new (&r, &e));
  e.timestamp = 1000;    /* a late end packet of the first */
  e.end = TRUE;
  g_assert_false (holler_dtmf_receiver_is_new (&r, &e));

  /* an event whose first packets were lost: its end packet reports it */
  e.timestamp = 60000;
  e.event = 11;
  g_assert_true (holler_dtmf_receiver_is_new (&r, &e));
  g_assert_false (holler_dtmf_receiver_is_new (&r, &e));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dtmf/digits", test_digits);
  g_test_add_func ("/dtmf/parse", test_parse);
  g_test_add_func ("/dtmf/receiver", test_receiver);
  return g_test_run ();
}
