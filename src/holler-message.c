/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Signaling messages as JSON (json-glib). */
#include "config.h"
#include <string.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include "holler-message.h"
#include "holler-error.h"

static const char *type_names[] = { "offer", "answer", "candidate", "end-of-candidates", "bye" };

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
  g_free (msg->from);
  g_free (msg->to);
  g_free (msg);
}

const char *
holler_message_type_to_string (HollerMessageType type)
{
  return type < G_N_ELEMENTS (type_names) ? type_names[type] : "unknown";
}

/* An optional string member: absent or null is fine, anything else not. */
static gboolean
get_string (JsonObject *obj, const char *name, gboolean required, char **out, GError **error)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (!required)
        return TRUE;
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_MESSAGE, _("Message lacks “%s”"), name);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_MESSAGE, _("“%s” must be a string"), name);
      return FALSE;
    }
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
get_index (JsonObject *obj, gint *out, GError **error)
{
  JsonNode *node = json_object_get_member (obj, "sdpMLineIndex");
  gint64 v;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64
      || (v = json_node_get_int (node)) < 0 || v > 1024)
    {
      g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_MESSAGE,
                           _("“sdpMLineIndex” must be a small non-negative integer"));
      return FALSE;
    }
  *out = (gint) v;
  return TRUE;
}

static gboolean
parse_type (JsonObject *obj, HollerMessageType *type, GError **error)
{
  g_autofree char *name = NULL;

  if (!get_string (obj, "type", TRUE, &name, error))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (type_names); i++)
    if (g_str_equal (name, type_names[i]))
      {
        *type = i;
        return TRUE;
      }
  g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_MESSAGE, _("Unknown message type “%.40s”"), name);
  return FALSE;
}

static gboolean
parse_fields (JsonObject *obj, HollerMessage *msg, GError **error)
{
  if (!get_string (obj, "from", FALSE, &msg->from, error) || !get_string (obj, "to", FALSE, &msg->to, error))
    return FALSE;
  switch (msg->type)
    {
    case HOLLER_MESSAGE_OFFER:
    case HOLLER_MESSAGE_ANSWER:
      return get_string (obj, "sdp", TRUE, &msg->sdp, error);
    case HOLLER_MESSAGE_CANDIDATE:
      if (!get_string (obj, "candidate", TRUE, &msg->candidate, error)
          || !get_string (obj, "sdpMid", FALSE, &msg->sdp_mid, error)
          || !get_index (obj, &msg->sdp_mline_index, error))
        return FALSE;
      if (g_str_has_prefix (msg->candidate, "a="))
        memmove (msg->candidate, msg->candidate + 2, strlen (msg->candidate) - 1);
      /* A browser's last onicecandidate has an empty candidate. */
      if (msg->candidate[0] == '\0')
        msg->type = HOLLER_MESSAGE_END_OF_CANDIDATES;
      return TRUE;
    case HOLLER_MESSAGE_END_OF_CANDIDATES:
      return get_string (obj, "sdpMid", FALSE, &msg->sdp_mid, error)
             && get_index (obj, &msg->sdp_mline_index, error);
    case HOLLER_MESSAGE_BYE:
      return get_string (obj, "reason", FALSE, &msg->reason, error);
    }
  return FALSE;
}

HollerMessage *
holler_message_parse (const char *text, gssize length, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(HollerMessage) msg = holler_message_new (HOLLER_MESSAGE_BYE);
  JsonNode *root;

  if (!json_parser_load_from_data (parser, text, length, &parse_error))
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_MESSAGE, _("Not JSON: %s"), parse_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_INVALID_MESSAGE, _("Not a JSON object"));
      return NULL;
    }
  if (!parse_type (json_node_get_object (root), &msg->type, error)
      || !parse_fields (json_node_get_object (root), msg, error))
    return NULL;
  return g_steal_pointer (&msg);
}

char *
holler_message_to_json (const HollerMessage *msg)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, holler_message_type_to_string (msg->type));
#define ADD_STRING(name, value) \
  if ((value) != NULL) { json_builder_set_member_name (b, name); json_builder_add_string_value (b, value); }
  ADD_STRING ("sdp", msg->sdp);
  ADD_STRING ("candidate", msg->candidate);
  ADD_STRING ("sdpMid", msg->sdp_mid);
  if (msg->sdp_mline_index >= 0 && msg->type == HOLLER_MESSAGE_CANDIDATE)
    {
      json_builder_set_member_name (b, "sdpMLineIndex");
      json_builder_add_int_value (b, msg->sdp_mline_index);
    }
  ADD_STRING ("reason", msg->reason);
  ADD_STRING ("from", msg->from);
  ADD_STRING ("to", msg->to);
#undef ADD_STRING
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}
