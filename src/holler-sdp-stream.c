/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The SDP lines that tell a peer which RTP stream is which, as JSEP
 * (RFC 8829) writes them: a=extmap for the MID header extension
 * (RFC 8843, RFC 9143), a=msid (RFC 8830) and a=ssrc with cname and msid
 * (RFC 5576; msid on it for older parsers). Stacks that route incoming RTP
 * by the signalled SSRC or MID (werift, and any SFU) drop a stream they
 * cannot place. Everything parsed comes from the peer: what does not
 * parse is ignored, never fatal. */
#define G_LOG_DOMAIN "holler-sdp"

#include "config.h"
#include <string.h>
#include "holler-sdp-private.h"

/* RFC 8830: an msid-id or msid-appdata is 1-64 token characters */
#define MAX_MSID_LENGTH 64
/* the one-byte header form (RFC 8285 §4.2) holds ids 1-14; we offer and
 * answer no other */
#define MAX_ONE_BYTE_ID 14

static gboolean
is_msid_part (const char *s, gsize len)
{
  g_autofree char *copy = g_strndup (s, len);

  return len > 0 && len <= MAX_MSID_LENGTH && holler_sdp_is_token (copy);
}

/* "STREAM TRACK" (RFC 8830; browsers write "-" for no stream) */
static gboolean
parse_msid (const char *value, HollerSdpDescription *d)
{
  const char *space = value != NULL ? strchr (value, ' ') : NULL;

  if (space == NULL || !is_msid_part (value, space - value)
      || !is_msid_part (space + 1, strlen (space + 1)))
    return FALSE;
  g_free (d->msid_stream);
  g_free (d->msid_track);
  d->msid_stream = g_strndup (value, space - value);
  d->msid_track = g_strdup (space + 1);
  return TRUE;
}

/* "a=extmap:ID[/DIRECTION] URI [ATTRIBUTES]": the id of the MID
 * extension, or 0. Extensions we do not know are skipped (and so not
 * answered); so is one the peer marks inactive. */
static guint
find_mid_extension (const GstSDPMedia *media)
{
  const char *value;

  for (guint i = 0; (value = gst_sdp_media_get_attribute_val_n (media, "extmap", i)) != NULL; i++)
    {
      g_auto(GStrv) fields = NULL;
      char *end = NULL;
      guint64 id;

      if (!g_ascii_isdigit (*value))
        continue;
      id = g_ascii_strtoull (value, &end, 10);
      if (id == 0 || id > MAX_ONE_BYTE_ID || (*end != ' ' && *end != '/'))
        continue;
      if (*end == '/' && g_str_has_prefix (end, "/inactive"))
        continue;
      fields = g_strsplit (strchr (end, ' ') ? strchr (end, ' ') + 1 : "", " ", 2);
      if (fields[0] != NULL && g_str_equal (fields[0], HOLLER_SDP_MID_EXTENSION))
        return (guint) id;
    }
  return 0;
}

/* "a=ssrc:<id> <attribute>": the first id, its cname and msid if given. */
static void
parse_ssrc (const GstSDPMedia *media, HollerSdpDescription *d)
{
  const char *value;
  guint64 first = 0;

  for (guint i = 0; (value = gst_sdp_media_get_attribute_val_n (media, "ssrc", i)) != NULL; i++)
    {
      char *end = NULL;
      guint64 id;

      if (!g_ascii_isdigit (*value))
        continue;
      id = g_ascii_strtoull (value, &end, 10);
      if (id == 0 || id > G_MAXUINT32 || (*end != ' ' && *end != '\0'))
        continue;
      if (first == 0)
        first = id;
      if (id != first)
        continue;
      if (d->cname == NULL && g_str_has_prefix (end, " cname:") && holler_sdp_is_token (end + 7))
        d->cname = g_strdup (end + 7);
      else if (d->msid_track == NULL && g_str_has_prefix (end, " msid:"))
        parse_msid (end + 6, d);
    }
  d->ssrc = (guint32) first;
}

void
holler_sdp_parse_stream (const GstSDPMedia *media, HollerSdpDescription *d)
{
  /* the media-level a=msid wins over the one on a=ssrc */
  parse_msid (gst_sdp_media_get_attribute_val (media, "msid"), d);
  parse_ssrc (media, d);
  d->mid_ext_id = find_mid_extension (media);
}

void
holler_sdp_add_stream (GstSDPMedia *media, const HollerSdpDescription *local)
{
  const char *cname = local->cname != NULL ? local->cname : "holler";
  g_autofree char *msid = NULL;

  if (local->mid_ext_id != 0)
    {
      g_autofree char *extmap = g_strdup_printf ("%u %s", local->mid_ext_id, HOLLER_SDP_MID_EXTENSION);
      gst_sdp_media_add_attribute (media, "extmap", extmap);
    }
  if (local->msid_track != NULL)
    {
      msid = g_strdup_printf ("%s %s", local->msid_stream ? local->msid_stream : "-", local->msid_track);
      gst_sdp_media_add_attribute (media, "msid", msid);
    }
  if (local->ssrc != 0)
    {
      g_autofree char *ssrc_cname = g_strdup_printf ("%u cname:%s", local->ssrc, cname);
      gst_sdp_media_add_attribute (media, "ssrc", ssrc_cname);
    }
  if (local->ssrc != 0 && msid != NULL)
    {
      g_autofree char *ssrc_msid = g_strdup_printf ("%u msid:%s", local->ssrc, msid);
      gst_sdp_media_add_attribute (media, "ssrc", ssrc_msid);
    }
}
