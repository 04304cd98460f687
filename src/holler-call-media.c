/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A call's media: what the transport received to the decoder or the DTMF
 * receiver, RTCP both ways, and the media object started once the
 * transport has SRTP keys. */
#define G_LOG_DOMAIN "holler-call"

#include "config.h"
#include <glib/gi18n.h>
#include "holler-call-private.h"
#include "holler-call-report.h"

/* the last received digits kept for the status line */
#define DTMF_RECEIVED_KEEP 16

/* A telephone-event packet (RFC 4733): each event reported once. */
static void
receive_dtmf (HollerCall *self, const guint8 *packet, gsize len)
{
  HollerDtmfEvent event;
  HollerCallEvent received = { .type = HOLLER_CALL_EVENT_DTMF };
  char digit;

  if (self->media != NULL)
    holler_media_count_rtp (self->media, packet, len);
  if (!holler_dtmf_parse_rtp (packet, len, &event)
      || (digit = holler_dtmf_digit_for_event (event.event)) == '\0'
      || !holler_dtmf_receiver_is_new (&self->dtmf_receiver, &event))
    return;
  g_string_append_c (self->dtmf_received, digit);
  if (self->dtmf_received->len > DTMF_RECEIVED_KEEP)
    g_string_erase (self->dtmf_received, 0, self->dtmf_received->len - DTMF_RECEIVED_KEEP);
  received.dtmf.digit = digit;
  holler_call_emit (self, &received);
}

/* From the transport: authenticated, unprotected RTP or RTCP. */
void
holler_call_on_packet (const guint8 *packet, gsize len, gboolean rtcp, gpointer user_data)
{
  HollerCall *self = user_data;

  if (rtcp)
    {
      if (self->media != NULL)
        holler_media_push_rtcp (self->media, packet, len);
    }
  else if (self->dtmf_pt != 0 && (packet[1] & 0x7f) == self->dtmf_pt)
    receive_dtmf (self, packet, len);   /* never into the Opus decoder */
  else if (self->media != NULL)
    holler_media_push_rtp (self->media, packet, len);
}

/* Streaming thread: protect and send. The transport outlives the send
 * pipeline, which is stopped before it is dropped. */
static void
on_media_rtp (guint8 *buf, gsize len, gsize buf_size, gpointer user_data)
{
  HollerCall *self = user_data;

  holler_transport_send (self->transport, buf, len, buf_size);
}

static void
on_first_audio (HollerMedia *media, gpointer user_data)
{
  HollerCall *self = user_data;
  HollerMediaStats stats;
  HollerCallEvent event = { .type = HOLLER_CALL_EVENT_FIRST_AUDIO };

  holler_media_get_stats (media, &stats);
  event.time = stats.first_audio_time;
  event.first_audio.call_start = self->start_time;
  holler_call_emit (self, &event);
}

static void
on_media_level (HollerMedia *media, double hz, double db, gpointer user_data)
{
  HollerCallEvent event = { .type = HOLLER_CALL_EVENT_LEVEL, .level = { hz, db } };

  holler_call_emit (user_data, &event);
}

static void
on_encoder_adapted (HollerMedia *media, double fraction_lost, guint loss_percent, gboolean fec, guint bitrate,
                    gpointer user_data)
{
  HollerCallEvent event = { .type = HOLLER_CALL_EVENT_ENCODER,
                            .encoder = { fraction_lost, loss_percent, fec, bitrate } };

  holler_call_emit (user_data, &event);
}

static void
on_media_error (HollerMedia *media, GError *error, gpointer user_data)
{
  holler_call_fail (user_data, error);
}

static void
on_media_recording_failed (HollerMedia *media, GError *error, gpointer user_data)
{
  HollerCallEvent event = { .type = HOLLER_CALL_EVENT_WARNING };

  /* the call goes on without its recording */
  event.warning.message = error->message;
  event.warning.recording_error = error->message;
  holler_call_emit (user_data, &event);
}

gboolean
holler_call_start_media (HollerCall *self, GError **error)
{
  self->media = holler_media_new (self->options->input ? self->options->input : "default",
                                  self->options->greeting,
                                  self->options->output ? self->options->output : "default",
                                  self->opus_pt, self->dtmf_pt, on_media_rtp, self, error);
  if (self->media == NULL)
    return FALSE;
  if (!holler_media_set_stream (self->media, self->ssrc, self->cname, self->mid, self->mid_ext_id, error))
    return FALSE;
  holler_media_set_muted (self->media, self->muted);
  if (self->options->jitter_buffer_ms > 0)
    holler_media_set_jitter_buffer (self->media, self->options->jitter_buffer_ms, self->options->jitter_buffer_ms);
  g_signal_connect_object (self->media, "first-audio", G_CALLBACK (on_first_audio), self, 0);
  g_signal_connect_object (self->media, "level", G_CALLBACK (on_media_level), self, 0);
  g_signal_connect_object (self->media, "error", G_CALLBACK (on_media_error), self, 0);
  g_signal_connect_object (self->media, "recording-failed", G_CALLBACK (on_media_recording_failed), self, 0);
  g_signal_connect_object (self->media, "encoder-adapted", G_CALLBACK (on_encoder_adapted), self, 0);
  return holler_media_start (self->media, error);
}

