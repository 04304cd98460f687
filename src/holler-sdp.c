/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SDP offers and answers for one Opus audio line, parsed and built with
 * GstSDPMessage. Pure functions: no call state here. Everything parsed
 * comes from the peer, so every check fails with an error, never asserts. */
#define G_LOG_DOMAIN "holler-sdp"

#include "config.h"
#include <string.h>
#include <glib/gi18n.h>
#include <gst/sdp/sdp.h>
#include "holler-sdp-private.h"
#include "holler-error.h"

/* A browser offer with audio, video and a data channel is about 6 KiB and
 * its longest line (a candidate) under 300 bytes; these bounds leave a wide
 * margin and keep a hostile peer from handing GstSDPMessage megabytes. */
#define MAX_SDP_LENGTH  (128 * 1024)
#define MAX_LINE_LENGTH 4096

/* "AB:CD:…": 32 hex pairs and 31 colons */
#define SHA256_FINGERPRINT_LENGTH (32 * 3 - 1)

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
  d->dtmf_pt = 101;
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
  g_free (d->msid_stream);
  g_free (d->msid_track);
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
    case HOLLER_DTLS_SETUP_ACTPASS: return "actpass";
    case HOLLER_DTLS_SETUP_ACTIVE: return "active";
    case HOLLER_DTLS_SETUP_PASSIVE: return "passive";
    default: return "actpass";
    }
}

/* --- parsing --- */

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

/* Visible ASCII without spaces: what we echo back (mid, media, proto, fmt)
 * must not smuggle bytes into our own SDP or the JSON around it. */
gboolean
holler_sdp_is_token (const char *s)
{
  if (s == NULL || *s == '\0')
    return FALSE;
  for (; *s != '\0'; s++)
    if ((guchar) *s < 0x21 || (guchar) *s > 0x7e)
      return FALSE;
  return TRUE;
}

static gboolean
is_printable (const char *s)
{
  for (; *s != '\0'; s++)
    if ((guchar) *s < 0x20 || (guchar) *s > 0x7e)
      return FALSE;
  return TRUE;
}

/* A peer's value, cut short for an error message; check_text() has made
 * sure it is UTF-8, so cut at a character boundary. */
static char *
quote (const char *value)
{
  return g_utf8_substring (value, 0, MIN (g_utf8_strlen (value, -1), 20));
}

/* Cheap checks before GstSDPMessage, which accepts almost anything. */
static gboolean
check_text (const char *text, GError **error)
{
  gsize length;
  gsize line_start = 0;

  if (text == NULL || !(g_str_has_prefix (text, "v=0\r\n") || g_str_has_prefix (text, "v=0\n")))
    return invalid (error, _("Not SDP (it must start with v=0)"));
  length = strlen (text);
  if (length > MAX_SDP_LENGTH)
    return invalid (error, _("SDP too long (%zu bytes)"), length);
  if (!g_utf8_validate (text, length, NULL))
    return invalid (error, _("SDP is not valid UTF-8"));
  for (gsize i = 0; i < length; i++)
    {
      guchar c = text[i];

      if (c == '\n')
        line_start = i + 1;
      else if (i - line_start >= MAX_LINE_LENGTH)
        return invalid (error, _("SDP has a line longer than %d bytes"), MAX_LINE_LENGTH);
      else if (c < 0x20 && c != '\r' && c != '\t')
        return invalid (error, _("SDP contains control characters"));
    }
  return TRUE;
}

/* Media-level value, falling back to the session level (RFC 8839/8122). */
static const char *
attribute (const GstSDPMessage *msg, const GstSDPMedia *media, const char *key)
{
  const char *v = gst_sdp_media_get_attribute_val (media, key);

  return v != NULL ? v : gst_sdp_message_get_attribute_val (msg, key);
}

static gboolean
has_format (const GstSDPMedia *media, long pt)
{
  for (guint i = 0; i < gst_sdp_media_formats_len (media); i++)
    {
      const char *fmt = gst_sdp_media_get_format (media, i);
      char *end = NULL;

      if (fmt != NULL && g_ascii_isdigit (*fmt) && strtol (fmt, &end, 10) == pt && *end == '\0')
        return TRUE;
    }
  return FALSE;
}

/* The @i-th "a=rtpmap:PT codec" of a media line whose PT is listed in the
 * m= line's formats: its PT and the codec lowercased and stripped (free
 * it); FALSE past the last, *pt -1 for one that does not qualify. */
static gboolean
rtpmap_entry (const GstSDPMedia *media, guint i, long *pt, char **codec)
{
  const char *rtpmap = gst_sdp_media_get_attribute_val_n (media, "rtpmap", i);
  char *end = NULL;

  *pt = -1;
  *codec = NULL;
  if (rtpmap == NULL)
    return FALSE;
  if (!g_ascii_isdigit (*rtpmap))
    return TRUE;
  *pt = strtol (rtpmap, &end, 10);
  if (*pt > 127 || *end != ' ' || !has_format (media, *pt))
    {
      *pt = -1;
      return TRUE;
    }
  *codec = g_strstrip (g_ascii_strdown (end, -1));
  return TRUE;
}

/* The Opus payload type of a media line ("a=rtpmap:111 opus/48000/2", any
 * case, listed in the m= line's formats), or -1. */
static int
find_opus (const GstSDPMedia *media)
{
  long pt;
  char *codec;

  for (guint i = 0; rtpmap_entry (media, i, &pt, &codec); i++)
    {
      g_autofree char *owned = codec;

      if (pt >= 0 && g_str_equal (codec, "opus/48000/2"))
        return (int) pt;
    }
  return -1;
}

/* The RFC 4733 telephone-event PT with a 48 kHz clock
 * ("a=rtpmap:126 telephone-event/48000", any case, listed in the m= line's
 * formats, dynamic, not the Opus PT), or 0. Browsers also offer
 * telephone-event/8000, which does not match our 48 kHz audio clock. */
static guint
find_telephone_event (const GstSDPMedia *media, guint opus_pt)
{
  long pt;
  char *codec;

  for (guint i = 0; rtpmap_entry (media, i, &pt, &codec); i++)
    {
      g_autofree char *owned = codec;

      if (pt >= 96 && (guint) pt != opus_pt
          && (g_str_equal (codec, "telephone-event/48000") || g_str_equal (codec, "telephone-event/48000/1")))
        return (guint) pt;
    }
  return 0;
}

static gboolean
usable_proto (const char *proto)
{
  return g_strcmp0 (proto, "UDP/TLS/RTP/SAVPF") == 0 || g_strcmp0 (proto, "UDP/TLS/RTP/SAVP") == 0;
}

/* Opus PT of an audio line we can answer, or -1. */
static int
usable_audio (const GstSDPMedia *media)
{
  if (g_strcmp0 (gst_sdp_media_get_media (media), "audio") != 0
      || gst_sdp_media_get_port (media) == 0
      || !usable_proto (gst_sdp_media_get_proto (media)))
    return -1;
  return find_opus (media);
}

/* Every m-line ends up in our answer, so each must be echoable. */
static gboolean
check_media (const GstSDPMedia *media, guint index, GError **error)
{
  const char *mid = gst_sdp_media_get_attribute_val (media, "mid");

  if (!holler_sdp_is_token (gst_sdp_media_get_media (media)) || !holler_sdp_is_token (gst_sdp_media_get_proto (media))
      || gst_sdp_media_formats_len (media) == 0 || !holler_sdp_is_token (gst_sdp_media_get_format (media, 0)))
    return invalid (error, _("Malformed m-line %u"), index);
  if (mid != NULL && !holler_sdp_is_token (mid))
    return invalid (error, _("Malformed a=mid in m-line %u"), index);
  return TRUE;
}

static void
add_other_media (HollerSdpDescription *d, const GstSDPMedia *media, guint index)
{
  HollerSdpOtherMedia *m = g_new0 (HollerSdpOtherMedia, 1);

  m->media = g_strdup (gst_sdp_media_get_media (media));
  m->proto = g_strdup (gst_sdp_media_get_proto (media));
  m->fmt = g_strdup (gst_sdp_media_get_format (media, 0));
  m->mid = g_strdup (gst_sdp_media_get_attribute_val (media, "mid"));
  g_ptr_array_add (d->other_media, m);
  g_array_append_val (d->other_media_index, index);
}

/* The first audio line we can use; every other line is kept aside. */
static const GstSDPMedia *
pick_audio (const GstSDPMessage *msg, HollerSdpDescription *d, GError **error)
{
  const GstSDPMedia *chosen = NULL;
  guint n = gst_sdp_message_medias_len (msg);

  if (n == 0)
    {
      invalid (error, _("SDP has no media lines"));
      return NULL;
    }
  for (guint i = 0; i < n; i++)
    {
      const GstSDPMedia *media = gst_sdp_message_get_media (msg, i);
      int pt;

      if (!check_media (media, i, error))
        return NULL;
      if (chosen == NULL && (pt = usable_audio (media)) >= 0)
        {
          chosen = media;
          d->mline_index = i;
          d->opus_pt = pt;
        }
      else
        add_other_media (d, media, i);
    }
  if (chosen == NULL)
    invalid (error, _("SDP has no usable audio line (Opus/48000/2 over UDP/TLS/RTP/SAVPF)"));
  return chosen;
}

/* RFC 8839 allows only ALPHA DIGIT + / in ufrag and pwd; we are a little
 * more lenient but refuse what would break STUN's "ufrag:ufrag" username. */
static gboolean
is_ice_credential (const char *s)
{
  return holler_sdp_is_token (s) && strchr (s, ':') == NULL && strlen (s) <= 256;
}

static gboolean
parse_ice (const GstSDPMessage *msg, const GstSDPMedia *media, HollerSdpDescription *d, GError **error)
{
  const char *ufrag = attribute (msg, media, "ice-ufrag");
  const char *pwd = attribute (msg, media, "ice-pwd");
  const char *options = attribute (msg, media, "ice-options");

  if (ufrag == NULL || pwd == NULL)
    return invalid (error, _("SDP lacks ICE credentials (a=ice-ufrag and a=ice-pwd)"));
  if (!is_ice_credential (ufrag) || !is_ice_credential (pwd))
    return invalid (error, _("Malformed a=ice-ufrag or a=ice-pwd"));
  d->ice_ufrag = g_strdup (ufrag);
  d->ice_pwd = g_strdup (pwd);
  if (options != NULL)
    {
      g_auto(GStrv) tokens = g_strsplit (options, " ", -1);
      d->ice_trickle = g_strv_contains ((const char * const *) tokens, "trickle");
    }
  return TRUE;
}

/* "sha-256 AB:CD:…" with exactly 32 hex pairs; hex normalised to upper case. */
static gboolean
parse_sha256 (const char *hex, HollerSdpDescription *d, GError **error)
{
  if (strlen (hex) != SHA256_FINGERPRINT_LENGTH)
    return invalid (error, _("Malformed sha-256 fingerprint"));
  for (gsize i = 0; i < SHA256_FINGERPRINT_LENGTH; i++)
    if ((i % 3 == 2) ? hex[i] != ':' : !g_ascii_isxdigit (hex[i]))
      return invalid (error, _("Malformed sha-256 fingerprint"));
  d->fingerprint_alg = g_strdup ("sha-256");
  d->fingerprint = g_ascii_strup (hex, -1);
  return TRUE;
}

/* Media-level fingerprints override session-level ones (RFC 8122); among
 * several, a peer may list other hashes beside sha-256, so look for it. */
static gboolean
parse_fingerprint (const GstSDPMessage *msg, const GstSDPMedia *media, HollerSdpDescription *d, GError **error)
{
  gboolean media_level = gst_sdp_media_get_attribute_val (media, "fingerprint") != NULL;
  g_autofree char *first_alg = NULL;
  g_autofree char *quoted = NULL;
  const char *value;

  for (guint i = 0; ; i++)
    {
      g_autofree char *alg = NULL;
      const char *hex;

      value = media_level ? gst_sdp_media_get_attribute_val_n (media, "fingerprint", i)
                          : gst_sdp_message_get_attribute_val_n (msg, "fingerprint", i);
      if (value == NULL)
        break;
      /* "<hash-func> SP <fingerprint>" (RFC 8122 section 5) */
      hex = strchr (value, ' ');
      if (hex == NULL || hex == value || !holler_sdp_is_token (hex + 1))
        return invalid (error, _("Malformed a=fingerprint"));
      alg = g_strndup (value, hex - value);
      if (g_ascii_strcasecmp (alg, "sha-256") == 0)
        return parse_sha256 (hex + 1, d, error);
      if (first_alg == NULL)
        first_alg = g_steal_pointer (&alg);
    }
  if (first_alg == NULL)
    return invalid (error, _("SDP has no a=fingerprint"));
  quoted = quote (first_alg);
  return invalid (error, _("Unsupported fingerprint hash “%s” (sha-256 is required)"), quoted);
}

static gboolean
parse_setup (const char *value, HollerSdpType type, HollerSdpDescription *d, GError **error)
{
  g_autofree char *quoted = NULL;

  /* RFC 4145 would default a missing a=setup to active, but browsers always
   * send it and RFC 8842 makes it mandatory; an offer without one is taken
   * as actpass (we pick our role), an answer must say which it took. */
  if (value == NULL && type == HOLLER_SDP_OFFER)
    d->setup = HOLLER_DTLS_SETUP_ACTPASS;
  else if (value == NULL)
    return invalid (error, _("The answer has no a=setup"));
  else if (g_str_equal (value, "actpass") && type == HOLLER_SDP_OFFER)
    d->setup = HOLLER_DTLS_SETUP_ACTPASS;
  else if (g_str_equal (value, "actpass"))
    return invalid (error, _("An answer may not say a=setup:actpass"));
  else if (g_str_equal (value, "active"))
    d->setup = HOLLER_DTLS_SETUP_ACTIVE;
  else if (g_str_equal (value, "passive"))
    d->setup = HOLLER_DTLS_SETUP_PASSIVE;
  else
    {
      quoted = quote (value);
      return invalid (error, _("Unknown a=setup:%s"), quoted);
    }
  return TRUE;
}

static void
parse_candidates (const GstSDPMessage *msg, const GstSDPMedia *media, HollerSdpDescription *d)
{
  const char *value;

  for (guint i = 0; (value = gst_sdp_media_get_attribute_val_n (media, "candidate", i)) != NULL; i++)
    {
      /* One unusable candidate should not end the call; ICE checks the rest. */
      if (*value == '\0' || !is_printable (value))
        {
          g_debug ("Ignoring a malformed candidate in m-line %u", d->mline_index);
          continue;
        }
      g_ptr_array_add (d->candidates, g_strconcat ("candidate:", value, NULL));
    }
  d->end_of_candidates = gst_sdp_media_get_attribute_val (media, "end-of-candidates") != NULL
                         || gst_sdp_message_get_attribute_val (msg, "end-of-candidates") != NULL;
}

static void
parse_origin (const GstSDPMessage *msg, HollerSdpDescription *d)
{
  const GstSDPOrigin *origin = gst_sdp_message_get_origin (msg);

  d->session_id = origin->sess_id ? g_ascii_strtoull (origin->sess_id, NULL, 10) : 0;
  d->session_version = origin->sess_version ? g_ascii_strtoull (origin->sess_version, NULL, 10) : 0;
}

HollerSdpDescription *
holler_sdp_parse (const char *text, HollerSdpType type, GError **error)
{
  g_autoptr(HollerSdpDescription) d = NULL;
  g_autoptr(GstSDPMessage) msg = NULL;
  const GstSDPMedia *media;

  if (!check_text (text, error))
    return NULL;
  gst_sdp_message_new (&msg);
  if (gst_sdp_message_parse_buffer ((const guint8 *) text, strlen (text), msg) != GST_SDP_OK
      || g_strcmp0 (gst_sdp_message_get_version (msg), "0") != 0)
    {
      invalid (error, _("Unparseable SDP"));
      return NULL;
    }
  d = holler_sdp_description_new ();
  media = pick_audio (msg, d, error);
  if (media == NULL
      || !parse_ice (msg, media, d, error)
      || !parse_fingerprint (msg, media, d, error)
      || !parse_setup (attribute (msg, media, "setup"), type, d, error))
    return NULL;
  d->mid = g_strdup (gst_sdp_media_get_attribute_val (media, "mid"));
  d->dtmf_pt = find_telephone_event (media, d->opus_pt);
  d->rtcp_mux = gst_sdp_media_get_attribute_val (media, "rtcp-mux") != NULL;
  holler_sdp_parse_stream (media, d);
  parse_candidates (msg, media, d);
  parse_origin (msg, d);
  return g_steal_pointer (&d);
}

/* --- building --- */

static void
add_audio_media (GstSDPMessage *msg, const HollerSdpDescription *local)
{
  GstSDPMedia *media;
  gboolean dtmf = local->dtmf_pt != 0 && local->dtmf_pt != local->opus_pt;
  g_autofree char *pt = g_strdup_printf ("%u", local->opus_pt);
  g_autofree char *rtpmap = g_strdup_printf ("%u opus/48000/2", local->opus_pt);
  g_autofree char *fmtp = g_strdup_printf ("%u minptime=10;useinbandfec=1", local->opus_pt);
  g_autofree char *dtmf_pt = g_strdup_printf ("%u", local->dtmf_pt);
  g_autofree char *dtmf_rtpmap = g_strdup_printf ("%u telephone-event/48000", local->dtmf_pt);
  g_autofree char *dtmf_fmtp = g_strdup_printf ("%u 0-15", local->dtmf_pt);
  g_autofree char *fingerprint = g_strdup_printf ("%s %s", local->fingerprint_alg ? local->fingerprint_alg : "sha-256",
                                                  local->fingerprint);

  gst_sdp_media_new (&media);
  gst_sdp_media_set_media (media, "audio");
  gst_sdp_media_set_port_info (media, 9, 1);
  gst_sdp_media_set_proto (media, "UDP/TLS/RTP/SAVPF");
  gst_sdp_media_add_format (media, pt);
  if (dtmf)
    gst_sdp_media_add_format (media, dtmf_pt);
  gst_sdp_media_add_connection (media, "IN", "IP4", "0.0.0.0", 0, 0);
  gst_sdp_media_add_attribute (media, "rtcp", "9 IN IP4 0.0.0.0");
  gst_sdp_media_add_attribute (media, "ice-ufrag", local->ice_ufrag);
  gst_sdp_media_add_attribute (media, "ice-pwd", local->ice_pwd);
  gst_sdp_media_add_attribute (media, "ice-options", "trickle");
  gst_sdp_media_add_attribute (media, "fingerprint", fingerprint);
  gst_sdp_media_add_attribute (media, "setup", holler_dtls_setup_to_string (local->setup));
  if (local->mid != NULL)
    gst_sdp_media_add_attribute (media, "mid", local->mid);
  gst_sdp_media_add_attribute (media, "sendrecv", NULL);
  gst_sdp_media_add_attribute (media, "rtcp-mux", NULL);
  gst_sdp_media_add_attribute (media, "rtpmap", rtpmap);
  gst_sdp_media_add_attribute (media, "fmtp", fmtp);
  if (dtmf)
    {
      gst_sdp_media_add_attribute (media, "rtpmap", dtmf_rtpmap);
      gst_sdp_media_add_attribute (media, "fmtp", dtmf_fmtp);
    }
  holler_sdp_add_stream (media, local);
  for (guint i = 0; i < local->candidates->len; i++)
    {
      const char *c = g_ptr_array_index (local->candidates, i);
      gst_sdp_media_add_attribute (media, "candidate",
                                   g_str_has_prefix (c, "candidate:") ? c + strlen ("candidate:") : c);
    }
  if (local->end_of_candidates)
    gst_sdp_media_add_attribute (media, "end-of-candidates", NULL);
  /* add_media moves the contents out; this frees the emptied shell */
  gst_sdp_message_add_media (msg, media);
  gst_sdp_media_free (media);
}

/* RFC 3264 §6: a rejected stream keeps its place with port 0. */
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
  /* direction attributes mean nothing to a data channel line */
  if (strstr (other->proto, "RTP") != NULL)
    gst_sdp_media_add_attribute (media, "inactive", NULL);
  /* add_media moves the contents out; this frees the emptied shell */
  gst_sdp_message_add_media (msg, media);
  gst_sdp_media_free (media);
}

static GstSDPMessage *
new_session (const HollerSdpDescription *local)
{
  GstSDPMessage *msg;
  g_autofree char *sess_id = g_strdup_printf ("%" G_GUINT64_FORMAT, local->session_id);
  g_autofree char *sess_version = g_strdup_printf ("%" G_GUINT64_FORMAT, local->session_version);

  gst_sdp_message_new (&msg);
  gst_sdp_message_set_version (msg, "0");
  gst_sdp_message_set_origin (msg, "-", sess_id, sess_version, "IN", "IP4", "127.0.0.1");
  gst_sdp_message_set_session_name (msg, "-");
  gst_sdp_message_add_time (msg, "0", "0", NULL);
  /* Without a mid there is nothing to bundle (a legacy offer we answer). */
  if (local->mid != NULL)
    {
      g_autofree char *bundle = g_strdup_printf ("BUNDLE %s", local->mid);
      gst_sdp_message_add_attribute (msg, "group", bundle);
    }
  /* Chrome writes "a=msid-semantic: WMS"; the space is part of the value. */
  gst_sdp_message_add_attribute (msg, "msid-semantic", " WMS holler");
  return msg;
}

static gboolean
local_is_complete (const HollerSdpDescription *local)
{
  return local != NULL && local->ice_ufrag != NULL && local->ice_pwd != NULL && local->fingerprint != NULL;
}

char *
holler_sdp_build_offer (const HollerSdpDescription *local)
{
  g_autoptr(GstSDPMessage) msg = NULL;
  HollerSdpDescription offer;

  g_return_val_if_fail (local_is_complete (local), NULL);
  /* Our offers always carry a mid, so the BUNDLE group has one to name. */
  offer = *local;
  offer.mid = local->mid != NULL ? local->mid : "0";
  msg = new_session (&offer);
  add_audio_media (msg, &offer);
  return gst_sdp_message_as_text (msg);
}

char *
holler_sdp_build_answer (const HollerSdpDescription *local, const HollerSdpDescription *remote_offer)
{
  g_autoptr(GstSDPMessage) msg = NULL;
  HollerSdpDescription answer;
  guint n_media;
  guint other = 0;

  g_return_val_if_fail (local_is_complete (local) && remote_offer != NULL, NULL);
  g_return_val_if_fail (local->setup != HOLLER_DTLS_SETUP_ACTPASS, NULL);
  n_media = remote_offer->other_media->len + 1;
  g_return_val_if_fail (remote_offer->mline_index < n_media, NULL);
  /* The audio line answers with the offer's mid and payload type. */
  answer = *local;
  answer.mid = remote_offer->mid;
  answer.opus_pt = remote_offer->opus_pt;
  /* telephone-event only when offered, with the offer's PT (RFC 3264 §6.1) */
  answer.dtmf_pt = remote_offer->dtmf_pt;
  /* the MID extension only when offered, with the offer's id (RFC 8285 §6) */
  answer.mid_ext_id = remote_offer->mid_ext_id;
  msg = new_session (&answer);
  for (guint i = 0; i < n_media; i++)
    {
      if (i == remote_offer->mline_index)
        add_audio_media (msg, &answer);
      else
        add_rejected_media (msg, g_ptr_array_index (remote_offer->other_media, other++));
    }
  return gst_sdp_message_as_text (msg);
}
