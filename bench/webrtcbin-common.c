/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <gio/gio.h>
#define GST_USE_UNSTABLE_API
#include <gst/webrtc/webrtc.h>
#include <nice/agent.h>
#include "webrtcbin-common.h"

char *
bench_webrtc_send_description (const char *source)
{
  return g_strdup_printf ("webrtcbin name=webrtc bundle-policy=max-bundle latency=60 "
                          "%s ! audioconvert ! audioresample ! audio/x-raw,rate=%d,channels=1 "
                          "! opusenc bitrate=32000 frame-size=20 inband-fec=true packet-loss-percentage=5 "
                          "! rtpopuspay pt=%d "
                          "! application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=%d,payload=%d "
                          "! webrtc.",
                          source, SAMPLE_RATE, OPUS_PT, SAMPLE_RATE, OPUS_PT);
}

char *
bench_webrtc_receive_description (const char *sink)
{
  return g_strdup_printf ("rtpopusdepay ! opusdec plc=true use-inband-fec=true ! audioconvert ! audioresample "
                          "! audio/x-raw,format=S16LE,rate=%d,channels=1 ! identity name=meter ! %s",
                          SAMPLE_RATE, sink);
}

gboolean
bench_webrtc_restrict_ice (GstElement *webrtc, const char *const *addresses, GError **error)
{
  g_autoptr(GObject) ice = NULL;
  g_autoptr(GObject) agent = NULL;

  g_object_get (webrtc, "ice-agent", &ice, NULL);
  if (ice != NULL && g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "agent") != NULL)
    g_object_get (ice, "agent", &agent, NULL);
  if (agent == NULL || !NICE_IS_AGENT (agent))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "webrtcbin's ICE agent has no libnice agent");
      return FALSE;
    }
  g_object_set (agent, "upnp", FALSE, "ice-tcp", FALSE, NULL);
  for (const char *const *a = addresses; *a != NULL; a++)
    {
      NiceAddress addr;

      nice_address_init (&addr);
      if (!nice_address_set_from_string (&addr, *a) || !nice_agent_add_local_address (NICE_AGENT (agent), &addr))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "bad ICE address %s", *a);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
bench_webrtc_set_codec_preferences (GstElement *webrtc, GError **error)
{
  g_autoptr(GstPad) pad = gst_element_get_static_pad (webrtc, "sink_0");
  g_autoptr(GstWebRTCRTPTransceiver) transceiver = NULL;
  g_autoptr(GstCaps) caps = NULL;

  if (pad != NULL)
    g_object_get (pad, "transceiver", &transceiver, NULL);
  if (transceiver == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "webrtcbin has no transceiver for the audio");
      return FALSE;
    }
  caps = gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "audio",
                              "encoding-name", G_TYPE_STRING, "OPUS", "clock-rate", G_TYPE_INT, SAMPLE_RATE,
                              "encoding-params", G_TYPE_STRING, "2", "payload", G_TYPE_INT, OPUS_PT, NULL);
  g_object_set (transceiver, "codec-preferences", caps, NULL);
  return TRUE;
}
