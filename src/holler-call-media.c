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
  char digit[2] = { 0, 0 };
  JsonObject *fields;

  if (self->media != NULL)
    holler_media_count_rtp (self->media, packet, len);
  if (!holler_dtmf_parse_rtp (packet, len, &event)
      || (digit[0] = holler_dtmf_digit_for_event (event.event)) == '\0'
      || !holler_dtmf_receiver_is_new (&self->dtmf_receiver, &event))
    return;
  g_string_append_c (self->dtmf_received, digit[0]);
  if (self->dtmf_received->len > DTMF_RECEIVED_KEEP)
    g_string_erase (self->dtmf_received, 0, self->dtmf_received->len - DTMF_RECEIVED_KEEP);
  fields = json_object_new ();
  json_object_set_string_member (fields, "digit", digit);
  holler_reporter_emit (self->reporter, self->label, "dtmf", fields, _("Received DTMF %s"), digit);
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
  JsonObject *fields = json_object_new ();

  holler_media_get_stats (media, &stats);
  json_object_set_double_member (fields, "since_start_ms",
                                 holler_reporter_elapsed_ms (self->reporter, stats.first_audio_time));
  json_object_set_double_member (fields, "since_call_ms", (stats.first_audio_time - self->start_time) / 1000.0);
  holler_reporter_emit (self->reporter, self->label, "first-audio", fields,
                        _("First remote audio decoded %.0f ms after start"),
                        holler_reporter_elapsed_ms (self->reporter, stats.first_audio_time));
}

static void
on_media_level (HollerMedia *media, double hz, double db, gpointer user_data)
{
  HollerCall *self = user_data;
  JsonObject *fields = json_object_new ();

  json_object_set_double_member (fields, "tone_hz", hz);
  json_object_set_double_member (fields, "level_db", db);
  holler_reporter_emit (self->reporter, self->label, "level", fields, NULL);
}

static void
on_encoder_adapted (HollerMedia *media, double fraction_lost, guint loss_percent, gboolean fec, guint bitrate,
                    gpointer user_data)
{
  HollerCall *self = user_data;
  JsonObject *fields = json_object_new ();

  json_object_set_double_member (fields, "remote_fraction_lost", fraction_lost);
  json_object_set_int_member (fields, "packet_loss_percentage", loss_percent);
  json_object_set_boolean_member (fields, "fec", fec);
  json_object_set_int_member (fields, "bitrate", bitrate);
  holler_reporter_emit (self->reporter, self->label, "encoder", fields,
                        _("The peer reports %.1f%% loss: Opus set for %u%% loss, FEC %s, %u kbit/s"),
                        fraction_lost * 100, loss_percent, fec ? _("on") : _("off"), bitrate / 1000);
}

static void
on_media_error (HollerMedia *media, GError *error, gpointer user_data)
{
  holler_call_fail (user_data, error);
}

static void
on_media_recording_failed (HollerMedia *media, GError *error, gpointer user_data)
{
  holler_call_recording_failed (user_data, error);
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

