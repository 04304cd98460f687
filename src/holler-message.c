/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Signaling messages as JSON (json-glib), shaped like the browser's
 * RTCSessionDescriptionInit and RTCIceCandidateInit. Everything parsed here
 * comes from the peer, so every check fails with an error, never asserts. */
#define G_LOG_DOMAIN "holler-message"

#include <string.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include "holler-message.h"
#include "holler-error.h"
#include "holler-json.h"

/* How much of a peer's unknown type name goes into an error message */
#define MAX_QUOTED_CHARS 40

static const char * const type_names[] = {
  [HOLLER_MESSAGE_OFFER] = "offer",
  [HOLLER_MESSAGE_ANSWER] = "answer",
  [HOLLER_MESSAGE_CANDIDATE] = "candidate",
  [HOLLER_MESSAGE_END_OF_CANDIDATES] = "end-of-candidates",
  [HOLLER_MESSAGE_BYE] = "bye",
  [HOLLER_MESSAGE_RINGING] = "ringing",
  [HOLLER_MESSAGE_ERROR] = "error",
  [HOLLER_MESSAGE_REGISTER] = "register",
  [HOLLER_MESSAGE_REGISTERED] = "registered",
};
G_STATIC_ASSERT (G_N_ELEMENTS (type_names) == HOLLER_MESSAGE_REGISTERED + 1);


/* Peer text ends up in logs and on terminals: cut it short and show control
 * characters (escape sequences, say) as escapes. @text is valid UTF-8. */
static char *
quote_peer_text (const char *text)
{
  GString *out = g_string_new (NULL);
  guint n = 0;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (++n > MAX_QUOTED_CHARS)
        {
          g_string_append (out, "…");
          break;
        }
      if (g_unichar_iscntrl (c))
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

/* A string member: absent or null is fine unless @required, anything else
 * not. json-glib turns a lone surrogate escape into invalid UTF-8; the
 * strict gate refuses those first, the check stays as a second line. */
static gboolean
get_string (JsonObject *obj, const char *name, gboolean required, char **out, GError **error)
{
  JsonNode *node = json_object_get_member (obj, name);
  const char *value;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return required ? holler_json_invalid (error, _("Message lacks “%s”"), name) : TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return holler_json_invalid (error, _("“%s” must be a string"), name);
  value = json_node_get_string (node);
  if (!g_utf8_validate (value, -1, NULL))
    return holler_json_invalid (error, _("“%s” is not valid UTF-8"), name);
  g_free (*out);
  *out = g_strdup (value);
  return TRUE;
}

static gboolean
get_mline_index (JsonObject *obj, gint *out, GError **error)
{
  JsonNode *node = json_object_get_member (obj, "sdpMLineIndex");
  gint64 v;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  /* json-glib saturates integers beyond 2^63 to negative values */
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64
      || (v = json_node_get_int (node)) < 0 || v > G_MAXINT)
    return holler_json_invalid (error, _("“sdpMLineIndex” must be a non-negative integer"));
  *out = (gint) v;
  return TRUE;
}

static gboolean
get_type (JsonObject *obj, HollerMessageType *type, GError **error)
{
  g_autofree char *name = NULL;
  g_autofree char *quoted = NULL;

  if (!get_string (obj, "type", TRUE, &name, error))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (type_names); i++)
    if (g_str_equal (name, type_names[i]))
      {
        *type = (HollerMessageType) i;
        return TRUE;
      }
  quoted = quote_peer_text (name);
  return holler_json_invalid (error, _("Unknown message type “%s”"), quoted);
}

static gboolean
get_candidate (JsonObject *obj, HollerMessage *msg, GError **error)
{
  if (!get_string (obj, "candidate", TRUE, &msg->candidate, error)
      || !get_string (obj, "sdpMid", FALSE, &msg->sdp_mid, error)
      || !get_mline_index (obj, &msg->sdp_mline_index, error))
    return FALSE;
  /* RTCIceCandidate.candidate has no "a=", but some stacks send the SDP line */
  if (g_str_has_prefix (msg->candidate, "a="))
    memmove (msg->candidate, msg->candidate + 2, strlen (msg->candidate + 2) + 1);
  /* a browser's last icecandidate event carries an empty candidate */
  if (msg->candidate[0] != '\0' && !g_str_has_prefix (msg->candidate, "candidate:"))
    return holler_json_invalid (error, _("“candidate” must start with “candidate:”"));
  if (msg->candidate[0] == '\0')
    {
      g_clear_pointer (&msg->candidate, g_free);
      msg->type = HOLLER_MESSAGE_END_OF_CANDIDATES;
    }
  return TRUE;
}

static gboolean
get_fields (JsonObject *obj, HollerMessage *msg, GError **error)
{
  if (!get_string (obj, "from", FALSE, &msg->from, error)
      || !get_string (obj, "to", FALSE, &msg->to, error))
    return FALSE;
  switch (msg->type)
    {
    case HOLLER_MESSAGE_OFFER:
    case HOLLER_MESSAGE_ANSWER:
      return get_string (obj, "sdp", TRUE, &msg->sdp, error);
    case HOLLER_MESSAGE_CANDIDATE:
      return get_candidate (obj, msg, error);
    case HOLLER_MESSAGE_END_OF_CANDIDATES:
      return get_string (obj, "sdpMid", FALSE, &msg->sdp_mid, error)
             && get_mline_index (obj, &msg->sdp_mline_index, error);
    case HOLLER_MESSAGE_BYE:
      return get_string (obj, "reason", FALSE, &msg->reason, error);
    case HOLLER_MESSAGE_RINGING:
      return TRUE;
    case HOLLER_MESSAGE_ERROR:
      return get_string (obj, "code", TRUE, &msg->code, error)
             && get_string (obj, "message", FALSE, &msg->text, error);
    case HOLLER_MESSAGE_REGISTER:
      return get_string (obj, "id", TRUE, &msg->id, error)
             && get_string (obj, "token", FALSE, &msg->token, error);
    case HOLLER_MESSAGE_REGISTERED:
      return get_string (obj, "id", TRUE, &msg->id, error);
    }
  g_return_val_if_reached (FALSE);
}

static void
add_string (JsonBuilder *builder, const char *name, const char *value)
{
  g_autofree char *valid = NULL;

  if (value == NULL)
    return;
  /* json-glib would copy invalid UTF-8 through and make invalid JSON */
  if (!g_utf8_validate (value, -1, NULL))
    value = valid = g_utf8_make_valid (value, -1);
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

HollerMessage *
holler_message_new (HollerMessageType type)
{
  HollerMessage *msg = g_new0 (HollerMessage, 1);

  msg->type = type;
  msg->sdp_mline_index = -1;
  return msg;
}

void
holler_message_free (HollerMessage *msg)
{
  if (msg == NULL)
    return;
  g_free (msg->sdp);
  g_free (msg->candidate);
  g_free (msg->sdp_mid);
  g_free (msg->reason);
  g_free (msg->code);
  g_free (msg->text);
  g_free (msg->id);
  g_free (msg->token);
  g_free (msg->from);
  g_free (msg->to);
  g_free (msg);
}

const char *
holler_message_type_to_string (HollerMessageType type)
{
  return (guint) type < G_N_ELEMENTS (type_names) ? type_names[type] : "unknown";
}

HollerMessage *
holler_message_parse (const char *text, gssize length, GError **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(HollerMessage) msg = NULL;
  JsonNode *root;
  JsonObject *obj;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (length < 0)
    length = strlen (text);
  if (!holler_json_check_strict (text, length, error))
    return NULL;
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, text, length, &parse_error))
    {
      /* json-glib quotes the peer's text, lone surrogates included */
      g_autofree char *valid = g_utf8_make_valid (parse_error->message, -1);

      holler_json_invalid (error, _("Not JSON: %s"), valid);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      holler_json_invalid (error, _("Empty message"));
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      holler_json_invalid (error, _("Not a JSON object"));
      return NULL;
    }
  obj = json_node_get_object (root);
  msg = holler_message_new (HOLLER_MESSAGE_BYE);
  if (!get_type (obj, &msg->type, error) || !get_fields (obj, msg, error))
    return NULL;
  return g_steal_pointer (&msg);
}

char *
holler_message_to_json (const HollerMessage *msg)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  char *text;

  g_return_val_if_fail (msg != NULL, NULL);

  json_builder_begin_object (builder);
  add_string (builder, "type", holler_message_type_to_string (msg->type));
  switch (msg->type)
    {
    case HOLLER_MESSAGE_OFFER:
    case HOLLER_MESSAGE_ANSWER:
      add_string (builder, "sdp", msg->sdp);
      break;
    case HOLLER_MESSAGE_CANDIDATE:
      add_string (builder, "candidate", msg->candidate);
      add_string (builder, "sdpMid", msg->sdp_mid);
      if (msg->sdp_mline_index >= 0)
        {
          json_builder_set_member_name (builder, "sdpMLineIndex");
          json_builder_add_int_value (builder, msg->sdp_mline_index);
        }
      break;
    case HOLLER_MESSAGE_END_OF_CANDIDATES:
      add_string (builder, "sdpMid", msg->sdp_mid);
      break;
    case HOLLER_MESSAGE_BYE:
      add_string (builder, "reason", msg->reason);
      break;
    case HOLLER_MESSAGE_RINGING:
      break;
    case HOLLER_MESSAGE_ERROR:
      add_string (builder, "code", msg->code);
      add_string (builder, "message", msg->text);
      break;
    case HOLLER_MESSAGE_REGISTER:
      add_string (builder, "id", msg->id);
      add_string (builder, "token", msg->token);
      break;
    case HOLLER_MESSAGE_REGISTERED:
      add_string (builder, "id", msg->id);
      break;
    }
  add_string (builder, "from", msg->from);
  add_string (builder, "to", msg->to);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  /* not pretty: one line, with \r\n inside strings escaped */
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  /* json-glib 1.6 leaves U+001F raw, which strict parsers (ours, browsers')
   * reject. In UTF-8 that byte is always the character itself. */
  if (strchr (text, '\x1f') != NULL)
    {
      g_autoptr(GString) fixed = g_string_new (text);

      g_string_replace (fixed, "\x1f", "\\u001f", 0);
      g_free (text);
      text = g_string_free (g_steal_pointer (&fixed), FALSE);
    }
  return text;
}
