/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The strict-JSON gate in front of json-glib, shared by the signaling
 * messages holler reads and the frames the rendezvous server reads. */
#define G_LOG_DOMAIN "holler-json"

#include "config.h"
#include <string.h>
#include <glib/gi18n.h>
#include "holler-json.h"
#include "holler-error.h"

/* json-glib recurses once per level and overflows the stack at some tens
 * of thousands of levels; real messages nest one level deep. */
#define MAX_DEPTH 32

gboolean
holler_json_invalid (GError **error, const char *format, ...)
{
  va_list args;
  g_autofree char *text = NULL;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_MESSAGE, text);
  return FALSE;
}

/* The code unit of a "\\uXXXX" escape at @text[@i] (the backslash), or -1 */
static gint
escape_unit (const char *text, gsize length, gsize i)
{
  gint unit = 0;

  if (length - i < 6 || text[i + 1] != 'u')
    return -1;
  for (int k = 2; k < 6; k++)
    {
      gint digit = g_ascii_xdigit_value (text[i + k]);

      if (digit < 0)
        return -1;
      unit = unit * 16 + digit;
    }
  return unit;
}

/* A UTF-16 surrogate escape must come as a high-low pair; json-glib reports
 * a lone one as an "unterminated string constant", which misleads.
 * Returns the bytes the pair spans after the backslash, 1 for any other
 * escape, 0 for a lone surrogate. */
static gsize
escape_span (const char *text, gsize length, gsize i)
{
  gint unit = escape_unit (text, length, i);

  if (unit < 0xD800 || unit > 0xDFFF)
    return 1;
  if (unit >= 0xDC00)
    return 0;
  unit = length - i >= 12 && text[i + 6] == '\\' ? escape_unit (text, length, i + 6) : -1;
  return unit >= 0xDC00 && unit <= 0xDFFF ? 11 : 0;
}

/* Strict JSON only, checked before json-glib sees the text. json-glib also
 * takes comments, single quotes and several values in a row (keeping only
 * the first), and its recursion overflows the stack on deep nesting. Once
 * those extensions are refused, tracking double-quoted strings is exact, so
 * quotes cannot hide brackets from the depth count. */
gboolean
holler_json_check_strict (const char *text, gsize length, GError **error)
{
  guint depth = 0;
  gboolean in_string = FALSE, closed = FALSE;

  for (gsize i = 0; i < length; i++)
    {
      guchar c = text[i];

      if (c == '\0')
        return holler_json_invalid (error, _("Not JSON: NUL byte at offset %zu"), i);
      if (in_string)
        {
          if (c < 0x20)
            return holler_json_invalid (error, _("Not JSON: control character in a string at offset %zu"), i);
          if (c == '"')
            in_string = FALSE;
          else if (c == '\\')
            {
              /* json-glib would silently cut the string short there */
              gsize span;

              if (length - i >= 6 && memcmp (text + i + 1, "u0000", 5) == 0)
                return holler_json_invalid (error, _("Not JSON: string with \\u0000 at offset %zu"), i);
              if ((span = escape_span (text, length, i)) == 0)
                return holler_json_invalid (error, _("Not JSON: unpaired UTF-16 surrogate escape “%.6s” at offset %zu"),
                                 text + i, i);
              i += span;
            }
          continue;
        }
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
        continue;
      if (closed)
        return holler_json_invalid (error, _("Not JSON: more text after the object, at offset %zu"), i);
      switch (c)
        {
        case '{':
        case '[':
          if (++depth > MAX_DEPTH)
            return holler_json_invalid (error, _("Not JSON: nested more than %d levels deep"), MAX_DEPTH);
          break;
        case '}':
        case ']':
          /* an unbalanced closer is left for json-glib to report */
          if (depth > 0 && --depth == 0)
            closed = TRUE;
          break;
        case '"':
          in_string = TRUE;
          break;
        default:
          /* numbers, true, false, null and separators; json-glib words it */
          if (!g_ascii_isalnum (c) && strchr ("+-.,:", c) == NULL)
            return holler_json_invalid (error, g_ascii_isprint (c)
                                   ? _("Not JSON: unexpected “%c” at offset %zu")
                                   : _("Not JSON: unexpected byte 0x%02x at offset %zu"),
                            c, i);
        }
    }
  return TRUE;
}
