/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One client frame to the rendezvous server: size, JSON well-formedness,
 * and whether it is a register or a message to relay (see
 * holler-rendezvous-frame.h). Pure: no connection, no registry. */
#define G_LOG_DOMAIN "holler-serve"

#include "config.h"
#include <glib/gi18n.h>
#include "holler-rendezvous-frame.h"
#include "holler-json.h"

static JsonObject *
parse_object (const char *text, gsize length, const char **type, char **why)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root, *type_node;
  JsonObject *object;

  if (!holler_json_check_strict (text, length, &error))
    {
      *why = g_strdup (error->message);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, text, length, &error))
    {
      /* json-glib quotes the offending bytes, which need not be UTF-8
       * (a fuzz-frame finding): the reason goes back to the client */
      *why = g_utf8_make_valid (error->message, -1);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      *why = g_strdup (_("not a JSON object"));
      return NULL;
    }
  object = json_node_get_object (root);
  type_node = json_object_get_member (object, "type");
  if (type_node == NULL || !JSON_NODE_HOLDS_VALUE (type_node)
      || json_node_get_value_type (type_node) != G_TYPE_STRING
      || !g_utf8_validate (json_node_get_string (type_node), -1, NULL))
    {
      *why = g_strdup (_("no string “type” member"));
      return NULL;
    }
  *type = json_node_get_string (type_node);
  return json_object_ref (object);
}

const char *
holler_rendezvous_frame_get_string (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

HollerRendezvousFrameKind
holler_rendezvous_frame_parse (const char            *text,
                               gsize                  length,
                               gboolean               is_text,
                               gsize                  max_message_size,
                               HollerRendezvousFrame *frame)
{
  memset (frame, 0, sizeof *frame);
  if (length > max_message_size)
    return frame->kind = HOLLER_RENDEZVOUS_FRAME_TOO_LARGE;
  if (!is_text)
    {
      frame->why = g_strdup (_("binary frame"));
      return frame->kind = HOLLER_RENDEZVOUS_FRAME_BAD_JSON;
    }
  frame->object = parse_object (text, length, &frame->type, &frame->why);
  if (frame->object == NULL)
    return frame->kind = HOLLER_RENDEZVOUS_FRAME_BAD_JSON;
  if (g_str_equal (frame->type, "register"))
    {
      frame->id = holler_rendezvous_frame_get_string (frame->object, "id");
      frame->token = holler_rendezvous_frame_get_string (frame->object, "token");
      return frame->kind = HOLLER_RENDEZVOUS_FRAME_REGISTER;
    }
  frame->to = holler_rendezvous_frame_get_string (frame->object, "to");
  return frame->kind = HOLLER_RENDEZVOUS_FRAME_RELAY;
}

void
holler_rendezvous_frame_clear (HollerRendezvousFrame *frame)
{
  g_clear_pointer (&frame->object, json_object_unref);
  g_clear_pointer (&frame->why, g_free);
  frame->type = frame->id = frame->token = frame->to = NULL;
}
