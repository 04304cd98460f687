/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DTMF as RFC 4733 telephone-event: digits and event numbers, parsing
 * received event packets, and pacing sent digits through rtpdtmfsrc. */
#define G_LOG_DOMAIN "holler-dtmf"

#include "config.h"
#include <string.h>
#include <glib/gi18n.h>
#include "holler-dtmf.h"
#include "holler-error.h"

/* -3 dBm0 would be loud; browsers send 10 */
#define DTMF_VOLUME 10

static const char digits_by_event[] = "0123456789*#ABCD";

int
holler_dtmf_event_for_digit (char digit)
{
  const char *at;

  if (digit == '\0')
    return -1;
  at = strchr (digits_by_event, g_ascii_toupper (digit));
  return at != NULL ? (int) (at - digits_by_event) : -1;
}

char
holler_dtmf_digit_for_event (guint event)
{
  return event < 16 ? digits_by_event[event] : '\0';
}

gboolean
holler_dtmf_check_digits (const char *digits, GError **error)
{
  if (digits == NULL || *digits == '\0')
    {
      g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_USAGE, _("No DTMF digits given"));
      return FALSE;
    }
  for (const char *p = digits; *p != '\0'; p++)
    if (holler_dtmf_event_for_digit (*p) < 0)
      {
        g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE,
                     _("Bad DTMF digits “%s”: use 0-9, *, # and A-D"), digits);
        return FALSE;
      }
  return TRUE;
}

gboolean
holler_dtmf_parse_rtp (const guint8 *rtp, gsize len, HollerDtmfEvent *event)
{
  gsize offset;

  if (len < 12 || (rtp[0] >> 6) != 2)
    return FALSE;
  offset = 12 + 4 * (rtp[0] & 0x0f);            /* CSRCs */
  if ((rtp[0] & 0x10) != 0)                     /* header extension */
    {
      if (len < offset + 4)
        return FALSE;
      offset += 4 + 4 * (((gsize) rtp[offset + 2] << 8) | rtp[offset + 3]);
    }
  if ((rtp[0] & 0x20) != 0)                     /* padding */
    {
      if (rtp[len - 1] == 0 || rtp[len - 1] > len)
        return FALSE;
      len -= rtp[len - 1];
    }
  if (len < offset + 4)
    return FALSE;
  event->timestamp = ((guint32) rtp[4] << 24) | ((guint32) rtp[5] << 16) | ((guint32) rtp[6] << 8) | rtp[7];
  event->event = rtp[offset];
  event->end = (rtp[offset + 1] & 0x80) != 0;
  event->volume = rtp[offset + 1] & 0x3f;
  event->duration = (guint16) ((rtp[offset + 2] << 8) | rtp[offset + 3]);
  return TRUE;
}

gboolean
holler_dtmf_receiver_is_new (HollerDtmfReceiver *r, const HollerDtmfEvent *event)
{
  if ((r->have_last && event->timestamp == r->last_timestamp)
      || (r->have_previous && event->timestamp == r->previous_timestamp))
    return FALSE;
  r->previous_timestamp = r->last_timestamp;
  r->have_previous = r->have_last;
  r->last_timestamp = event->timestamp;
  r->have_last = TRUE;
  return TRUE;
}

/* --- sending --- */

struct _HollerDtmfSender
{
  GMainContext *context;       /* the creator's: where the steps run */
  GstElement *source;
  GString *queue;
  guint timeout_id;
  gboolean playing;    /* between a start and its stop */
  gboolean can_start;  /* the pipeline plays */
};

static gboolean
send_dtmf_event (HollerDtmfSender *self, int number, gboolean start)
{
  GstStructure *s = gst_structure_new ("dtmf-event", "type", G_TYPE_INT, 1, "start", G_TYPE_BOOLEAN, start, NULL);
  g_autoptr(GstPad) pad = gst_element_get_static_pad (self->source, "src");

  if (start)
    gst_structure_set (s, "number", G_TYPE_INT, number, "volume", G_TYPE_INT, DTMF_VOLUME, NULL);
  /* an upstream event into the source's own pad: gst_element_send_event()
   * on a GstBaseSrc does not hand custom upstream events to rtpdtmfsrc */
  return pad != NULL && gst_pad_send_event (pad, gst_event_new_custom (GST_EVENT_CUSTOM_UPSTREAM, s));
}

static gboolean on_step (gpointer user_data);

static guint
step_after (HollerDtmfSender *self, guint ms)
{
  g_autoptr(GSource) source = g_timeout_source_new (ms);

  g_source_set_callback (source, on_step, self, NULL);
  return g_source_attach (source, self->context);
}

static void
next_step (HollerDtmfSender *self)
{
  if (self->playing)
    {
      send_dtmf_event (self, 0, FALSE);
      self->playing = FALSE;
      self->timeout_id = step_after (self, HOLLER_DTMF_GAP_MS);
      return;
    }
  if (self->queue->len == 0)
    return;
  if (!send_dtmf_event (self, holler_dtmf_event_for_digit (self->queue->str[0]), TRUE))
    g_debug ("rtpdtmfsrc refused the event for %c", self->queue->str[0]);
  g_string_erase (self->queue, 0, 1);
  self->playing = TRUE;
  self->timeout_id = step_after (self, HOLLER_DTMF_TONE_MS);
}

static gboolean
on_step (gpointer user_data)
{
  HollerDtmfSender *self = user_data;

  self->timeout_id = 0;
  next_step (self);
  return G_SOURCE_REMOVE;
}

HollerDtmfSender *
holler_dtmf_sender_new (GstElement *rtpdtmfsrc)
{
  HollerDtmfSender *self = g_new0 (HollerDtmfSender, 1);

  self->context = g_main_context_ref_thread_default ();
  self->source = gst_object_ref (rtpdtmfsrc);
  self->queue = g_string_new (NULL);
  return self;
}

void
holler_dtmf_sender_queue (HollerDtmfSender *self, const char *digits)
{
  for (const char *p = digits; *p != '\0'; p++)
    if (holler_dtmf_event_for_digit (*p) >= 0)
      g_string_append_c (self->queue, g_ascii_toupper (*p));
  if (!self->can_start)
    return;
  /* started on first use (see holler_media_new) */
  if (gst_element_is_locked_state (self->source))
    {
      gst_element_set_locked_state (self->source, FALSE);
      if (!gst_element_sync_state_with_parent (self->source))
        g_debug ("could not start rtpdtmfsrc");
    }
  if (self->timeout_id == 0)
    next_step (self);
}

void
holler_dtmf_sender_start (HollerDtmfSender *self)
{
  if (self->can_start)
    return;
  self->can_start = TRUE;
  if (self->queue->len > 0)
    holler_dtmf_sender_queue (self, "");
}

void
holler_dtmf_sender_free (HollerDtmfSender *self)
{
  if (self == NULL)
    return;
  if (self->timeout_id != 0)
    g_source_destroy (g_main_context_find_source_by_id (self->context, self->timeout_id));
  self->timeout_id = 0;
  if (self->playing)
    send_dtmf_event (self, 0, FALSE);
  gst_object_unref (self->source);
  g_main_context_unref (self->context);
  g_string_free (self->queue, TRUE);
  g_free (self);
}
