/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SIP status codes to HollerMessages and back: pure functions, shared by
 * the sip: backend, its unit test and its fuzz target. */
#define G_LOG_DOMAIN "holler-signaling"

#include "config.h"
#include <string.h>
#include <glib/gi18n.h>
#include "holler-sip-map.h"

#define MAX_REASON 40
#define MAX_TEXT 200

char *
holler_sip_map_reason (int status, const char *phrase)
{
  GString *reason = g_string_new (NULL);
  gboolean dash = TRUE;

  g_string_printf (reason, "sip-%d", CLAMP (status, 0, 999));
  for (const char *p = phrase ? phrase : ""; *p && reason->len < MAX_REASON; p++)
    {
      if (g_ascii_isalnum (*p))
        {
          if (dash)
            g_string_append_c (reason, '-');
          g_string_append_c (reason, g_ascii_tolower (*p));
          dash = FALSE;
        }
      else
        dash = TRUE;
    }
  g_string_truncate (reason, MIN (reason->len, MAX_REASON));
  while (reason->str[reason->len - 1] == '-')
    g_string_truncate (reason, reason->len - 1);
  return g_string_free (reason, FALSE);
}

/* Printable, one line, bounded: what a peer wrote, fit for a log */
static char *
clean_text (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text ? text : "", -1);
  char *end = g_utf8_offset_to_pointer (valid, MIN (g_utf8_strlen (valid, -1), MAX_TEXT));

  *end = '\0';
  for (char *p = valid; *p; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
  return g_steal_pointer (&valid);
}

static HollerMessage *
bye (const char *reason)
{
  HollerMessage *msg = holler_message_new (HOLLER_MESSAGE_BYE);

  msg->reason = g_strdup (reason);
  return msg;
}

static HollerMessage *
error (const char *code, int status, const char *phrase, const char *warning)
{
  HollerMessage *msg = holler_message_new (HOLLER_MESSAGE_ERROR);
  g_autofree char *clean_phrase = clean_text (phrase);
  g_autofree char *clean_warning = warning ? clean_text (warning) : NULL;

  msg->code = code ? g_strdup (code) : holler_sip_map_reason (status, clean_phrase);
  if (clean_warning != NULL && *clean_warning != '\0')
    msg->text = g_strdup_printf ("%d %s (%s)", status, clean_phrase, clean_warning);
  else
    msg->text = g_strdup_printf ("%d %s", status, clean_phrase);
  return msg;
}

static HollerMessage *
map (int status, const char *phrase, const char *warning, const char *sdp)
{
  HollerMessage *msg;

  if (status >= 100 && status < 200)
    return holler_message_new (HOLLER_MESSAGE_RINGING);
  if (status >= 200 && status < 300)
    {
      if (sdp == NULL || *sdp == '\0')
        return error ("bad-sdp", status, _("answered without SDP"), NULL);
      msg = holler_message_new (HOLLER_MESSAGE_ANSWER);
      msg->sdp = g_strdup (sdp);
      return msg;
    }
  switch (status)
    {
    case 401:
    case 407:
    case 487:
      return NULL;
    case 486:
    case 600:
      return bye ("busy");
    case 403:
    case 603:
      return bye ("rejected");
    case 404:
    case 410:
    case 480:
    case 604:
      return error ("peer-offline", status, phrase, warning);
    default:
      return error (NULL, status, phrase, warning);
    }
}

HollerMessage *
holler_sip_map_invite_response (int status, const char *phrase, const char *warning, const char *sdp,
                                const char *peer)
{
  HollerMessage *msg = map (status, phrase, warning, sdp);

  if (msg != NULL)
    msg->from = g_strdup (peer);
  return msg;
}

int
holler_sip_map_refusal (const char *reason, const char **phrase)
{
  if (g_strcmp0 (reason, "busy") == 0)
    return *phrase = "Busy Here", 486;
  if (g_strcmp0 (reason, "bad-sdp") == 0)
    return *phrase = "Not Acceptable Here", 488;
  if (g_strcmp0 (reason, "rejected") == 0 || g_strcmp0 (reason, "hangup") == 0)
    return *phrase = "Decline", 603;
  return *phrase = "Temporarily Unavailable", 480;
}
