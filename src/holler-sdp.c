/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SDP offers and answers for one Opus audio line, parsed and built with
 * GstSDPMessage. Pure functions: no call state here. */
#define G_LOG_DOMAIN "holler-sdp"

#include "config.h"
#include <string.h>
#include <glib/gi18n.h>
#include <gst/sdp/sdp.h>
#include "holler-sdp.h"
#include "holler-error.h"

static void
other_media_free (gpointer data)
{
  HollerSdpOtherMedia *m = data;

  g_free (m->media);
  g_free (m->proto);
  g_free (m->fmt);
  g_free (m->mid);
  g_free (m);
}

HollerSdpDescription *
holler_sdp_description_new (void)
{
  HollerSdpDescription *d = g_new0 (HollerSdpDescription, 1);

  d->candidates = g_ptr_array_new_with_free_func (g_free);
  d->other_media = g_ptr_array_new_with_free_func (other_media_free);
  d->other_media_index = g_array_new (FALSE, FALSE, sizeof (guint));
  d->opus_pt = 111;
  return d;
}

void
holler_sdp_description_free (HollerSdpDescription *d)
{
  if (d == NULL)
    return;
  g_free (d->ice_ufrag);
  g_free (d->ice_pwd);
  g_free (d->fingerprint_alg);
  g_free (d->fingerprint);
  g_free (d->mid);
  g_free (d->cname);
  g_ptr_array_unref (d->candidates);
  g_ptr_array_unref (d->other_media);
  g_array_unref (d->other_media_index);
  g_free (d);
}

const char *
holler_dtls_setup_to_string (HollerDtlsSetup setup)
{
  switch (setup)
    {
    case HOLLER_DTLS_SETUP_ACTIVE: return "active";
    case HOLLER_DTLS_SETUP_PASSIVE: return "passive";
    default: return "actpass";
    }
}

static gboolean G_GNUC_PRINTF (2, 3)
invalid (GError **error, const char *format, ...)
{
  va_list args;
  g_autofree char *text = NULL;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_SDP, text);
  return FALSE;
}

/* Media-level value, falling back to the session level (RFC 8839/8122). */
static const char *
attribute (const GstSDPMessage *msg, const GstSDPMedia *media, const char *key)
{
  const char *v = gst_sdp_media_get_attribute_val (media, key);

  return v != NULL ? v : gst_sdp_message_get_attribute_val (msg, key);
}

/* The Opus payload type of an audio line, or -1. */
static int
find_opus (const GstSDPMedia *media)
{
  for (guint i = 0; ; i++)
    {
      const char *rtpmap = gst_sdp_media_get_attribute_val_n (media, "rtpmap", i);
      char *end = NULL;
      long pt;

      if (rtpmap == NULL)
        return -1;
      pt = strtol (rtpmap, &end, 10);
      if (end != rtpmap && pt >= 0 && pt <= 127 && g_ascii_isspace (*end))
        {
          g_autofree char *codec = g_ascii_strdown (end, -1);
          if (g_str_equal (g_strstrip (codec), "opus/48000/2"))
            return (int) pt;
        }
    }
}

static gboolean
usable_proto (const char *proto)
{
  return g_strcmp0 (proto, "UDP/TLS/RTP/SAVPF") == 0 || g_strcmp0 (proto, "UDP/TLS/RTP/SAVP") == 0;
}

/* "sha-256 AB:CD:…": 32 hex pairs, normalised to upper case. */
static gboolean
parse_fingerprint (const char *value, HollerSdpDescription *d, GError **error)
{
  g_auto(GStrv) parts = NULL;
  g_autofree char *alg = NULL;
  g_autofree char *copy = NULL;
  const char *hex;

  if (value == NULL)
    return invalid (error, _("SDP has no a=fingerprint"));
  copy = g_strstrip (g_strdup (value));
  parts = g_strsplit (copy, " ", 2);
  if (g_strv_length (parts) != 2)
    return invalid (error, _("Malformed a=fingerprint"));
  alg = g_ascii_strdown (parts[0], -1);
  if (!g_str_equal (alg, "sha-256"))
    return invalid (error, _("Unsupported fingerprint hash “%.20s” (sha-256 is required)"), parts[0]);
  hex = g_strstrip (parts[1]);
  if (strlen (hex) != 32 * 3 - 1)
    return invalid (error, _("Malformed sha-256 fingerprint"));
  for (gsize i = 0; i < 32 * 3 - 1; i++)
    if ((i % 3 == 2) ? hex[i] != ':' : !g_ascii_isxdigit (hex[i]))
      return invalid (error, _("Malformed sha-256 fingerprint"));
  d->fingerprint_alg = g_steal_pointer (&alg);
  d->fingerprint = g_ascii_strup (hex, -1);
  return TRUE;
}

static gboolean
parse_setup (const char *value, HollerSdpType type, HollerSdpDescription *d, GError **error)
{
  if (value == NULL || g_str_equal (value, "actpass"))
    {
      /* Browsers always send a=setup; an offer without one is taken as
       * actpass (we pick), an answer must say. */
      if (type == HOLLER_SDP_ANSWER)
        return invalid (error, value ? _("An answer may not say a=setup:actpass") : _("The answer has no a=setup"));
      d->setup = HOLLER_DTLS_SETUP_ACTPASS;
    }
  else if (g_str_equal (value, "active"))
    d->setup = HOLLER_DTLS_SETUP_ACTIVE;
  else if (g_str_equal (value, "passive"))
    d->setup = HOLLER_DTLS_SETUP_PASSIVE;
  else
    return invalid (error, _("Unknown a=setup:%.20s"), value);
  return TRUE;
}

static void
parse_extras (const GstSDPMessage *msg, const GstSDPMedia *media, HollerSdpDescription *d)
{
  const char *options = attribute (msg, media, "ice-options");
  const char *ssrc = gst_sdp_media_get_attribute_val (media, "ssrc");

  d->ice_trickle = options != NULL && strstr (options, "trickle") != NULL;
  d->rtcp_mux = gst_sdp_media_get_attribute_val (media, "rtcp-mux") != NULL;
  d->mid = g_strdup (gst_sdp_media_get_attribute_val (media, "mid"));
  if (ssrc != NULL)
    {
      const char *cname = strstr (ssrc, "cname:");

      d->ssrc = (guint32) g_ascii_strtoull (ssrc, NULL, 10);
      if (cname != NULL)
        d->cname = g_strdup (cname + 6);
    }
  for (guint i = 0; ; i++)
    {
      const char *c = gst_sdp_media_get_attribute_val_n (media, "candidate", i);
      if (c == NULL)
        break;
      g_ptr_array_add (d->candidates, g_strconcat ("candidate:", c, NULL));
    }
  d->end_of_candidates = gst_sdp_media_get_attribute_val (media, "end-of-candidates") != NULL
                         || gst_sdp_message_get_attribute_val (msg, "end-of-candidates") != NULL;
}

static void
add_other_media (HollerSdpDescription *d, const GstSDPMedia *media, guint index)
{
  HollerSdpOtherMedia *m = g_new0 (HollerSdpOtherMedia, 1);
  const char *fmt = gst_sdp_media_formats_len (media) > 0 ? gst_sdp_media_get_format (media, 0) : NULL;

  m->media = g_strdup (gst_sdp_media_get_media (media));
  m->proto = g_strdup (gst_sdp_media_get_proto (media));
  m->fmt = g_strdup (fmt ? fmt : "0");
  m->mid = g_strdup (gst_sdp_media_get_attribute_val (media, "mid"));
  g_ptr_array_add (d->other_media, m);
  g_array_append_val (d->other_media_index, index);
}

/* The first audio line we can use; every other line is kept aside. */
static const GstSDPMedia *
pick_audio (const GstSDPMessage *msg, HollerSdpDescription *d)
{
  const GstSDPMedia *chosen = NULL;

  for (guint i = 0; i < gst_sdp_message_medias_len (msg); i++)
    {
      const GstSDPMedia *media = gst_sdp_message_get_media (msg, i);
      int pt;

      if (chosen == NULL && g_strcmp0 (gst_sdp_media_get_media (media), "audio") == 0
          && gst_sdp_media_get_port (media) != 0 && usable_proto (gst_sdp_media_get_proto (media))
          && (pt = find_opus (media)) >= 0)
        {
          chosen = media;
          d->mline_index = i;
          d->opus_pt = pt;
        }
      else
        add_other_media (d, media, i);
    }
  return chosen;
}

HollerSdpDescription *
holler_sdp_parse (const char *text, HollerSdpType type, GError **error)
{
  g_autoptr(HollerSdpDescription) d = holler_sdp_description_new ();
  GstSDPMessage *msg = NULL;
  const GstSDPMedia *media;
  const char *origin_id;
  gboolean ok = FALSE;

  if (text == NULL || !g_str_has_prefix (text, "v=0"))
    return invalid (error, _("Not SDP (it must start with v=0)")), NULL;
  gst_sdp_message_new (&msg);
  if (gst_sdp_message_parse_buffer ((const guint8 *) text, strlen (text), msg) != GST_SDP_OK)
    {
      invalid (error, _("Unparseable SDP"));
      goto out;
    }
  if (gst_sdp_message_medias_len (msg) == 0)
    {
      invalid (error, _("SDP has no media lines"));
      goto out;
    }
  media = pick_audio (msg, d);
  if (media == NULL)
    {
      invalid (error, _("SDP has no usable audio line (Opus/48000/2 over UDP/TLS/RTP/SAVPF)"));
      goto out;
    }
  d->ice_ufrag = g_strdup (attribute (msg, media, "ice-ufrag"));
  d->ice_pwd = g_strdup (attribute (msg, media, "ice-pwd"));
  if (d->ice_ufrag == NULL || d->ice_pwd == NULL || !*d->ice_ufrag || !*d->ice_pwd)
    {
      invalid (error, _("SDP lacks ICE credentials (a=ice-ufrag and a=ice-pwd)"));
      goto out;
    }
  if (!parse_fingerprint (attribute (msg, media, "fingerprint"), d, error)
      || !parse_setup (attribute (msg, media, "setup"), type, d, error))
    goto out;
  parse_extras (msg, media, d);
  origin_id = gst_sdp_message_get_origin (msg)->sess_id;
  d->session_id = origin_id ? g_ascii_strtoull (origin_id, NULL, 10) : 0;
  d->session_version = gst_sdp_message_get_origin (msg)->sess_version
                       ? g_ascii_strtoull (gst_sdp_message_get_origin (msg)->sess_version, NULL, 10) : 0;
  ok = TRUE;

out:
  gst_sdp_message_free (msg);
  return ok ? g_steal_pointer (&d) : NULL;
}

static void
add_audio_media (GstSDPMessage *msg, const HollerSdpDescription *local)
{
  GstSDPMedia *media;
  g_autofree char *pt = g_strdup_printf ("%u", local->opus_pt);
  g_autofree char *rtpmap = g_strdup_printf ("%u opus/48000/2", local->opus_pt);
  g_autofree char *fmtp = g_strdup_printf ("%u minptime=10;useinbandfec=1", local->opus_pt);
  g_autofree char *fingerprint = g_strdup_printf ("%s %s", local->fingerprint_alg ? local->fingerprint_alg : "sha-256",
                                                  local->fingerprint);

  gst_sdp_media_new (&media);
  gst_sdp_media_set_media (media, "audio");
  gst_sdp_media_set_port_info (media, 9, 1);
  gst_sdp_media_set_proto (media, "UDP/TLS/RTP/SAVPF");
  gst_sdp_media_add_format (media, pt);
  gst_sdp_media_add_connection (media, "IN", "IP4", "0.0.0.0", 0, 0);
  gst_sdp_media_add_attribute (media, "rtcp", "9 IN IP4 0.0.0.0");
  gst_sdp_media_add_attribute (media, "ice-ufrag", local->ice_ufrag);
  gst_sdp_media_add_attribute (media, "ice-pwd", local->ice_pwd);
  gst_sdp_media_add_attribute (media, "ice-options", "trickle");
  gst_sdp_media_add_attribute (media, "fingerprint", fingerprint);
  gst_sdp_media_add_attribute (media, "setup", holler_dtls_setup_to_string (local->setup));
  gst_sdp_media_add_attribute (media, "mid", local->mid ? local->mid : "0");
  gst_sdp_media_add_attribute (media, "sendrecv", NULL);
  gst_sdp_media_add_attribute (media, "rtcp-mux", NULL);
  gst_sdp_media_add_attribute (media, "rtpmap", rtpmap);
  gst_sdp_media_add_attribute (media, "fmtp", fmtp);
  if (local->ssrc != 0)
    {
      g_autofree char *ssrc = g_strdup_printf ("%u cname:%s", local->ssrc, local->cname ? local->cname : "holler");
      gst_sdp_media_add_attribute (media, "ssrc", ssrc);
    }
  for (guint i = 0; i < local->candidates->len; i++)
    {
      const char *c = g_ptr_array_index (local->candidates, i);
      gst_sdp_media_add_attribute (media, "candidate",
                                   g_str_has_prefix (c, "candidate:") ? c + strlen ("candidate:") : c);
    }
  if (local->end_of_candidates)
    gst_sdp_media_add_attribute (media, "end-of-candidates", NULL);
  gst_sdp_message_add_media (msg, media);
  gst_sdp_media_free (media);
}

static void
add_rejected_media (GstSDPMessage *msg, const HollerSdpOtherMedia *other)
{
  GstSDPMedia *media;

  gst_sdp_media_new (&media);
  gst_sdp_media_set_media (media, other->media);
  gst_sdp_media_set_port_info (media, 0, 1);
  gst_sdp_media_set_proto (media, other->proto);
  gst_sdp_media_add_format (media, other->fmt);
  gst_sdp_media_add_connection (media, "IN", "IP4", "0.0.0.0", 0, 0);
  if (other->mid != NULL)
    gst_sdp_media_add_attribute (media, "mid", other->mid);
  gst_sdp_media_add_attribute (media, "inactive", NULL);
  gst_sdp_message_add_media (msg, media);
  gst_sdp_media_free (media);
}

static GstSDPMessage *
new_session (const HollerSdpDescription *local)
{
  GstSDPMessage *msg;
  g_autofree char *sess_id = g_strdup_printf ("%" G_GUINT64_FORMAT, local->session_id);
  g_autofree char *sess_version = g_strdup_printf ("%" G_GUINT64_FORMAT, local->session_version);
  g_autofree char *bundle = g_strdup_printf ("BUNDLE %s", local->mid ? local->mid : "0");

  gst_sdp_message_new (&msg);
  gst_sdp_message_set_version (msg, "0");
  gst_sdp_message_set_origin (msg, "-", sess_id, sess_version, "IN", "IP4", "127.0.0.1");
  gst_sdp_message_set_session_name (msg, "-");
  gst_sdp_message_add_time (msg, "0", "0", NULL);
  gst_sdp_message_add_attribute (msg, "group", bundle);
  gst_sdp_message_add_attribute (msg, "msid-semantic", " WMS holler");
  return msg;
}

static char *
finish (GstSDPMessage *msg)
{
  char *text = gst_sdp_message_as_text (msg);

  gst_sdp_message_free (msg);
  return text;
}

char *
holler_sdp_build_offer (const HollerSdpDescription *local)
{
  GstSDPMessage *msg = new_session (local);

  add_audio_media (msg, local);
  return finish (msg);
}

char *
holler_sdp_build_answer (const HollerSdpDescription *local, const HollerSdpDescription *remote_offer)
{
  HollerSdpDescription answer;
  GstSDPMessage *msg;
  guint n_media = remote_offer->other_media->len + 1;
  guint other = 0;

  g_return_val_if_fail (local->setup != HOLLER_DTLS_SETUP_ACTPASS, NULL);
  /* The audio line answers with the offer's mid and payload type. */
  answer = *local;
  answer.mid = remote_offer->mid;
  answer.opus_pt = remote_offer->opus_pt;
  msg = new_session (&answer);
  for (guint i = 0; i < n_media; i++)
    {
      if (i == remote_offer->mline_index)
        add_audio_media (msg, &answer);
      else
        add_rejected_media (msg, g_ptr_array_index (remote_offer->other_media, other++));
    }
  return finish (msg);
}
