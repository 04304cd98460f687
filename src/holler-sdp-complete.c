/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Complete descriptions for peers that do not trickle, and the check that
 * an offer is DTLS-SRTP at all (both for the SIP backend). */
#define G_LOG_DOMAIN "holler-sdp"

#include "config.h"
#include <string.h>
#include <glib/gi18n.h>
#include <gst/sdp/sdp.h>
#include "holler-sdp-complete.h"
#include "holler-error.h"

static gboolean
is_dtls_proto (const char *proto)
{
  return g_strcmp0 (proto, "UDP/TLS/RTP/SAVPF") == 0 || g_strcmp0 (proto, "UDP/TLS/RTP/SAVP") == 0
         || g_strcmp0 (proto, "TCP/TLS/RTP/SAVPF") == 0 || g_strcmp0 (proto, "TCP/TLS/RTP/SAVP") == 0;
}

static GstSDPMessage *
parse (const char *sdp)
{
  GstSDPMessage *msg = NULL;

  if (sdp == NULL || *sdp == '\0')   /* an INVITE without SDP (late offer) */
    return NULL;
  gst_sdp_message_new (&msg);
  if (gst_sdp_message_parse_buffer ((const guint8 *) sdp, strlen (sdp), msg) != GST_SDP_OK)
    g_clear_pointer (&msg, gst_sdp_message_free);
  return msg;
}

gboolean
holler_sdp_offers_dtls_srtp (const char *sdp)
{
  g_autoptr(GstSDPMessage) msg = parse (sdp);
  gboolean session_fingerprint;

  if (msg == NULL)
    return FALSE;
  session_fingerprint = gst_sdp_message_get_attribute_val (msg, "fingerprint") != NULL;
  for (guint i = 0; i < gst_sdp_message_medias_len (msg); i++)
    {
      const GstSDPMedia *media = gst_sdp_message_get_media (msg, i);

      if (g_strcmp0 (gst_sdp_media_get_media (media), "audio") == 0
          && gst_sdp_media_get_port (media) != 0
          && is_dtls_proto (gst_sdp_media_get_proto (media))
          && (session_fingerprint || gst_sdp_media_get_attribute_val (media, "fingerprint") != NULL))
        return TRUE;
    }
  return FALSE;
}

/* "candidate:F 1 UDP PRIO ADDR PORT typ T ...": the address and port of a
 * UDP candidate of component 1 (RTP; rtcp-mux) */
static gboolean
candidate_address (const char *candidate, char **address, guint *port)
{
  g_auto(GStrv) fields = g_strsplit (candidate, " ", 8);
  guint64 value;

  if (g_strv_length (fields) < 8 || !g_str_equal (fields[1], "1")
      || g_ascii_strcasecmp (fields[2], "udp") != 0
      || !g_ascii_string_to_unsigned (fields[5], 10, 1, 65535, &value, NULL)
      || !g_hostname_is_ip_address (fields[4]))
    return FALSE;
  *address = g_strdup (fields[4]);
  *port = (guint) value;
  return TRUE;
}

static void
set_default_address (GstSDPMedia *media, const char * const *candidates)
{
  g_autofree char *address = NULL;
  guint port = 0;

  for (gsize i = 0; candidates != NULL && candidates[i] != NULL; i++)
    if (candidate_address (candidates[i], &address, &port))
      break;
  if (address == NULL)
    return;
  g_autofree char *rtcp = NULL;
  const char *family = strchr (address, ':') ? "IP6" : "IP4";

  gst_sdp_media_set_port_info (media, port, 1);
  while (gst_sdp_media_connections_len (media) > 0)
    gst_sdp_media_remove_connection (media, 0);
  gst_sdp_media_add_connection (media, "IN", family, address, 0, 0);
  /* RTCP shares the RTP port (rtcp-mux, RFC 5761 §5.1.3): a peer that
   * reads a=rtcp:9 looks for a second component we never gather */
  rtcp = g_strdup_printf ("%u IN %s %s", port, family, address);
  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++)
    if (g_str_equal (gst_sdp_media_get_attribute (media, i)->key, "rtcp"))
      {
        GstSDPAttribute attr;

        gst_sdp_attribute_set (&attr, "rtcp", rtcp);
        gst_sdp_media_replace_attribute (media, i, &attr);
      }
}

static void
remove_trickle (GstSDPMedia *media)
{
  for (guint i = gst_sdp_media_attributes_len (media); i > 0; i--)
    {
      const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, i - 1);

      if (g_str_equal (attr->key, "ice-options") && g_strcmp0 (attr->value, "trickle") == 0)
        gst_sdp_media_remove_attribute (media, i - 1);
    }
}

char *
holler_sdp_complete (const char *sdp, const char * const *candidates, gboolean end_of_candidates,
                     GError **error)
{
  g_autoptr(GstSDPMessage) msg = parse (sdp);
  GstSDPMedia *media = NULL;

  for (guint i = 0; msg != NULL && i < gst_sdp_message_medias_len (msg) && media == NULL; i++)
    {
      const GstSDPMedia *m = gst_sdp_message_get_media (msg, i);

      if (g_strcmp0 (gst_sdp_media_get_media (m), "audio") == 0 && gst_sdp_media_get_port (m) != 0)
        media = (GstSDPMedia *) m;
    }
  if (media == NULL)
    {
      g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_SDP,
                           _("Our description has no audio line to put candidates in"));
      return NULL;
    }
  remove_trickle (media);
  for (gsize i = 0; candidates != NULL && candidates[i] != NULL; i++)
    {
      const char *c = candidates[i];

      gst_sdp_media_add_attribute (media, "candidate",
                                   g_str_has_prefix (c, "candidate:") ? c + strlen ("candidate:") : c);
    }
  if (end_of_candidates)
    gst_sdp_media_add_attribute (media, "end-of-candidates", NULL);
  set_default_address (media, candidates);
  return gst_sdp_message_as_text (msg);
}
