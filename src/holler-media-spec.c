/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --input and --output specs: checked at option time (exit 2 paths) and
 * turned into gst-launch descriptions when a call builds its pipelines. */
#define G_LOG_DOMAIN "holler-media"

#include "config.h"
#include <string.h>
#include <glib/gi18n.h>
#include <gst/gst.h>
#include "holler-media.h"
#include "holler-media-private.h"
#include "holler-error.h"
#include "holler-devices.h"
#include "holler-opus-adapt.h"

char *
holler_media_quote_path (const char *path)
{
  GString *s = g_string_new ("\"");

  for (const char *p = path; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (s, '\\');
      g_string_append_c (s, *p);
    }
  g_string_append_c (s, '"');
  return g_string_free (s, FALSE);
}

static gboolean
parse_tone (const char *spec, double *hz)
{
  char *end = NULL;

  *hz = g_ascii_strtod (spec + 5, &end);
  return end != spec + 5 && *end == '\0' && *hz >= 20 && *hz <= 20000;
}

gboolean
holler_media_validate_input (const char *spec, GError **error)
{
  double hz;

  if (g_str_has_prefix (spec, "tone:"))
    {
      if (parse_tone (spec, &hz))
        return TRUE;
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE,
                   _("Bad tone “%s”: expected tone:HZ with 20 ≤ HZ ≤ 20000"), spec);
      return FALSE;
    }
  if (g_str_has_prefix (spec, "file:") || g_str_has_prefix (spec, "opus:"))
    {
      const char *path = strchr (spec, ':') + 1;

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return TRUE;
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE, _("Input file “%s” does not exist"), path);
      return FALSE;
    }
  if (g_str_has_prefix (spec, "pipeline:"))
    {
      g_autoptr(GError) parse_error = NULL;
      g_autoptr(GstElement) bin = gst_parse_bin_from_description (spec + 9, TRUE, &parse_error);

      if (bin != NULL && parse_error == NULL)
        return TRUE;
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE, _("Bad input pipeline: %s"),
                   parse_error ? parse_error->message : "?");
      return FALSE;
    }
  if (g_str_has_prefix (spec, "raw:"))
    spec += 4;
  if (g_strcmp0 (spec, "default") == 0 || g_strcmp0 (spec, "silence") == 0 || g_strcmp0 (spec, "echo") == 0)
    return TRUE;
  if (g_str_has_prefix (spec, "device:"))
    {
      g_autoptr(HollerDeviceInfo) info = holler_devices_find (HOLLER_DEVICE_INPUT, spec + 7, error);

      return info != NULL;
    }
  g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE,
               _("Unknown input “%s”: use tone:HZ, file:PATH, default, device:NAME, silence, echo or pipeline:DESCRIPTION"),
               spec);
  return FALSE;
}

gboolean
holler_media_validate_output (const char *spec, GError **error)
{
  if (g_str_has_prefix (spec, "file:") || g_str_has_prefix (spec, "ogg:"))
    {
      const char *path = strchr (spec, ':') + 1;
      g_autofree char *dir = g_path_get_dirname (path);

      if (*path != '\0' && g_file_test (dir, G_FILE_TEST_IS_DIR))
        return TRUE;
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE,
                   _("Cannot write “%s”: no such directory"), path);
      return FALSE;
    }
  if (g_strcmp0 (spec, "null") == 0 || g_strcmp0 (spec, "default") == 0 || g_strcmp0 (spec, "discard") == 0)
    return TRUE;
  if (g_str_has_prefix (spec, "device:"))
    {
      g_autoptr(HollerDeviceInfo) info = holler_devices_find (HOLLER_DEVICE_OUTPUT, spec + 7, error);

      return info != NULL;
    }
  g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE,
               _("Unknown output “%s”: use file:PATH.wav, ogg:PATH.ogg, null, default or device:NAME"), spec);
  return FALSE;
}

char *
holler_media_input_description (const char *spec, gboolean *live)
{
  double hz;

  *live = TRUE;
  if (g_str_has_prefix (spec, "tone:") && parse_tone (spec, &hz))
    return g_strdup_printf ("audiotestsrc is-live=true wave=sine freq=%.3f volume=0.5 samplesperbuffer=960", hz);
  if (g_str_has_prefix (spec, "file:"))
    {
      g_autofree char *q = holler_media_quote_path (spec + 5);
      *live = FALSE;
      return g_strdup_printf ("filesrc location=%s ! decodebin", q);
    }
  if (g_str_has_prefix (spec, "pipeline:"))
    return g_strdup (spec + 9);
  if (g_str_has_prefix (spec, "raw:"))
    spec += 4;
  if (g_str_has_prefix (spec, "device:"))
    return NULL;   /* made from its GstDevice and linked by hand */
  return g_strdup ("autoaudiosrc");
}

char *
holler_media_output_description (const char *spec)
{
  if (g_str_has_prefix (spec, "file:"))
    {
      g_autofree char *q = holler_media_quote_path (spec + 5);
      return g_strdup_printf ("wavenc ! filesink location=%s", q);
    }
  /* ogg: the recording is made of the received packets before the
   * decoder (holler-media-record.c); the decoded audio goes nowhere */
  if (g_str_has_prefix (spec, "ogg:"))
    return g_strdup ("fakesink sync=false");
  if (g_strcmp0 (spec, "null") == 0)
    return g_strdup ("fakesink sync=false");
  if (g_str_has_prefix (spec, "device:"))
    return NULL;   /* made from its GstDevice and linked by hand */
  return g_strdup ("autoaudiosink");
}

/* Between the payloader and the appsink: with telephone-event, rtpdtmfsrc
 * and the Opus packets meet in rtpdtmfmux, which gives both one SSRC and
 * one sequence of numbers and drops audio while a digit plays. */
static void
dtmf_parts (guint dtmf_pt, char **mux, char **branch)
{
  if (dtmf_pt == 0)
    {
      *mux = g_strdup ("");
      *branch = g_strdup ("");
      return;
    }
  *mux = g_strdup ("rtpdtmfmux name=dtmfmux ! ");
  *branch = g_strdup_printf (" rtpdtmfsrc name=dtmfsrc pt=%u clock-rate=48000 packet-redundancy=3 "
                             "! dtmfmux.priority_sink_0", dtmf_pt);
}

/* Ogg Opus sent as it is, without decoding and encoding again; its
 * OpusHead and OpusTags, which oggdemux hands on as buffers too, are not
 * audio packets. */
char *
holler_media_send_packets_description (const char *source, guint opus_pt, guint dtmf_pt)
{
  g_autofree char *mux = NULL;
  g_autofree char *dtmf = NULL;

  dtmf_parts (dtmf_pt, &mux, &dtmf);
  return g_strdup_printf ("%s ! oggdemux ! identity drop-buffer-flags=header ! rtpopuspay name=pay pt=%u "
                          "! %sappsink name=rtpout sync=true max-buffers=100 drop=true%s",
                          source, opus_pt, mux, dtmf);
}

char *
holler_media_send_description (const char *input, gboolean feed, const char *dsp, guint opus_pt,
                               guint dtmf_pt)
{
  g_autofree char *mux = NULL;
  g_autofree char *dtmf = NULL;
  g_autofree char *in_desc = NULL;
  gboolean live = TRUE;

  if (g_str_has_prefix (input, "opus:"))
    {
      g_autofree char *q = holler_media_quote_path (input + 5);
      g_autofree char *source = g_strdup_printf ("filesrc location=%s", q);

      return holler_media_send_packets_description (source, opus_pt, dtmf_pt);
    }
  dtmf_parts (dtmf_pt, &mux, &dtmf);
  /* Feed mode (greeting, silence, echo): raw audio pushed into an appsrc
   * by a HollerMediaFeed; a device: input has no description (its element
   * is linked before "capture" by hand). */
  if (feed)
    in_desc = g_strdup ("appsrc name=pcmin is-live=true format=time do-timestamp=true max-bytes=192000 "
                        "caps=audio/x-raw,format=S16LE,rate=48000,channels=1,layout=interleaved");
  else
    in_desc = holler_media_input_description (input, &live);
  /* 20 ms frames and in-band FEC as browsers use them; a non-live input
   * (a file) is paced to real time by the sink. */
  return g_strdup_printf ("%s%saudioconvert name=capture ! audioresample ! audio/x-raw,rate=48000,channels=1 "
                          "! %svolume name=mute ! opusenc name=enc bitrate=%u frame-size=20 inband-fec=true "
                          "packet-loss-percentage=%u ! rtpopuspay name=pay pt=%u "
                          "! %sappsink name=rtpout sync=%s max-buffers=100 drop=true%s",
                          in_desc ? in_desc : "", in_desc ? " ! " : "", dsp ? dsp : "",
                          HOLLER_OPUS_BASE_BITRATE, HOLLER_OPUS_START_LOSS_PERCENT,
                          opus_pt, mux, live ? "false" : "true", dtmf);
}

/* No source element: received RTP goes into the jitter buffer from the
 * main context (holler-media-receive.c). */
char *
holler_media_receive_description (const char *output, const char *probe_name)
{
  g_autofree char *out_desc = holler_media_output_description (output);

  /* discard: jitter buffer and statistics only, nothing decoded (load
   * generators, where the decoding would only compete for the CPU) */
  if (g_str_equal (output, "discard"))
    return g_strdup ("rtpjitterbuffer name=jbuf do-lost=true ! fakesink sync=false");
  return g_strdup_printf ("rtpjitterbuffer name=jbuf do-lost=true ! rtpopusdepay "
                          "! opusdec plc=true use-inband-fec=true ! audioconvert ! audioresample "
                          "! audio/x-raw,format=S16LE,rate=48000,channels=1 ! identity name=meter"
                          "%s%s%s%s",
                          probe_name ? " ! webrtcechoprobe name=" : "", probe_name ? probe_name : "",
                          out_desc ? " ! " : "", out_desc ? out_desc : "");
}

gboolean
holler_media_file_is_ogg_opus (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) in = g_file_read (file, NULL, NULL);
  guint8 head[36];
  gsize got = 0;

  /* the first page holds OpusHead alone: 27 bytes of page header, one
   * lacing value, then the packet (RFC 7845 §3) */
  if (in == NULL || !g_input_stream_read_all (G_INPUT_STREAM (in), head, sizeof head, &got, NULL, NULL)
      || got < sizeof head)
    return FALSE;
  return memcmp (head, "OggS", 4) == 0 && head[26] == 1 && memcmp (head + 28, "OpusHead", 8) == 0;
}

gboolean
holler_media_input_is_device (const char *spec)
{
  return g_strcmp0 (spec, "default") == 0 || g_str_has_prefix (spec, "device:");
}

static const char *required_elements[] = {
  "audiotestsrc", "audioconvert", "audioresample", "opusenc", "opusdec", "rtpopuspay",
  "rtpopusdepay", "rtpjitterbuffer", "appsrc", "appsink", "wavenc", "filesink", "oggmux",
  "fakesink", "identity", "volume", "rtpdtmfsrc", "rtpdtmfmux",
};

gboolean
holler_media_check_plugins (GError **error)
{
  g_autoptr(GString) missing = g_string_new (NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (required_elements); i++)
    {
      g_autoptr(GstElementFactory) f = gst_element_factory_find (required_elements[i]);

      if (f == NULL)
        g_string_append_printf (missing, "%s%s", missing->len ? ", " : "", required_elements[i]);
    }
  if (missing->len > 0)
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_MEDIA,
                   _("Missing GStreamer elements: %s (install gstreamer1.0-plugins-base and "
                     "gstreamer1.0-plugins-good)"), missing->str);
      return FALSE;
    }
  return TRUE;
}

gboolean
holler_media_echo_cancel_available (void)
{
  g_autoptr(GstElementFactory) dsp = gst_element_factory_find ("webrtcdsp");
  g_autoptr(GstElementFactory) probe = gst_element_factory_find ("webrtcechoprobe");

  return dsp != NULL && probe != NULL;
}

/* Puts the element of a device:NAME spec into the pipeline, linked before
 * (an input) or after (an output) the element called anchor. */
gboolean
holler_media_add_device_element (GstElement *pipeline, HollerDeviceKind kind, const char *name,
                    const char *anchor, GError **error)
{
  g_autoptr(HollerDeviceInfo) info = holler_devices_find (kind, name, error);
  g_autoptr(GstElement) other = gst_bin_get_by_name (GST_BIN (pipeline), anchor);
  GstElement *element;

  if (info == NULL)
    return FALSE;
  element = gst_device_create_element (info->device, NULL);
  if (element == NULL)
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_MEDIA, _("Cannot open the audio device “%s”"), name);
      return FALSE;
    }
  gst_bin_add (GST_BIN (pipeline), element);
  if (!(kind == HOLLER_DEVICE_INPUT ? gst_element_link (element, other) : gst_element_link (other, element)))
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_MEDIA, _("Cannot open the audio device “%s”"), name);
      return FALSE;
    }
  return TRUE;
}
