/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Audio devices from GstDeviceMonitor: `holler devices`, and the lookup
 * behind --input-device / --output-device. */
#define G_LOG_DOMAIN "holler-devices"

#include "config.h"
#include <stdio.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include "holler-devices.h"
#include "holler-error.h"

#define EXIT_USAGE 2

void
holler_device_info_free (HollerDeviceInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->id);
  g_free (info->name);
  g_clear_object (&info->device);
  g_free (info);
}

/* PulseAudio's device name (pulsesrc/pulsesink "device"), PipeWire's node
 * name: these survive reboots and renames, unlike display names. */
static char *
device_id (GstDevice *device)
{
  g_autoptr(GstStructure) props = gst_device_get_properties (device);
  const char *value;

  if (g_object_class_find_property (G_OBJECT_GET_CLASS (device), "internal-name") != NULL)
    {
      g_autofree char *internal = NULL;

      g_object_get (device, "internal-name", &internal, NULL);
      if (internal != NULL && *internal != '\0')
        return g_steal_pointer (&internal);
    }
  if (props != NULL && (value = gst_structure_get_string (props, "node.name")) != NULL)
    return g_strdup (value);
  if (props != NULL && (value = gst_structure_get_string (props, "device.name")) != NULL)
    return g_strdup (value);
  return gst_device_get_display_name (device);
}

static gboolean
device_is_default (GstDevice *device)
{
  g_autoptr(GstStructure) props = gst_device_get_properties (device);
  gboolean is_default = FALSE;

  if (props != NULL)
    gst_structure_get_boolean (props, "is-default", &is_default);
  return is_default;
}

static void
append_devices (GPtrArray *out, const char *klass, HollerDeviceKind kind)
{
  g_autoptr(GstDeviceMonitor) monitor = gst_device_monitor_new ();
  GList *devices;
  gboolean started;

  gst_device_monitor_add_filter (monitor, klass, NULL);
  /* a started monitor also knows which devices are the defaults (the
   * PulseAudio provider only asks the server then); probing is the fallback */
  started = gst_device_monitor_start (monitor);
  devices = gst_device_monitor_get_devices (monitor);
  if (started)
    gst_device_monitor_stop (monitor);
  for (GList *l = devices; l != NULL; l = l->next)
    {
      GstDevice *device = l->data;
      HollerDeviceInfo *info;

      /* "Audio/Source" also matches e.g. "Audio/Source/Video"; keep exact audio ones */
      if (!gst_device_has_classes (device, klass))
        continue;
      info = g_new0 (HollerDeviceInfo, 1);
      info->kind = kind;
      info->device = g_object_ref (device);
      info->id = device_id (device);
      info->name = gst_device_get_display_name (device);
      info->is_default = device_is_default (device);
      g_ptr_array_add (out, info);
    }
  g_list_free_full (devices, gst_object_unref);
}

GPtrArray *
holler_devices_list (void)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) holler_device_info_free);

  append_devices (out, "Audio/Source", HOLLER_DEVICE_INPUT);
  append_devices (out, "Audio/Sink", HOLLER_DEVICE_OUTPUT);
  return out;
}

HollerDeviceInfo *
holler_devices_find (HollerDeviceKind kind, const char *name, GError **error)
{
  g_autoptr(GPtrArray) devices = holler_devices_list ();
  HollerDeviceInfo *by_name = NULL;
  guint n_by_name = 0;

  for (guint i = 0; i < devices->len; i++)
    {
      HollerDeviceInfo *info = g_ptr_array_index (devices, i);

      if (info->kind != kind)
        continue;
      if (g_strcmp0 (info->id, name) == 0)
        return g_ptr_array_steal_index (devices, i);
      if (g_strcmp0 (info->name, name) == 0)
        {
          by_name = info;
          n_by_name++;
        }
    }
  if (n_by_name == 1)
    {
      guint index;

      g_ptr_array_find (devices, by_name, &index);
      return g_ptr_array_steal_index (devices, index);
    }
  if (n_by_name > 1)
    g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE,
                 _("Several audio devices are called “%s”: give its id (see “holler devices”)"), name);
  else
    g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE,
                 kind == HOLLER_DEVICE_INPUT ? _("No audio input “%s” (see “holler devices”)")
                                             : _("No audio output “%s” (see “holler devices”)"),
                 name);
  return NULL;
}

static void
print_json (const HollerDeviceInfo *info)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, info->kind == HOLLER_DEVICE_INPUT ? "input" : "output");
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, info->id);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, info->name);
  json_builder_set_member_name (builder, "default");
  json_builder_add_boolean_value (builder, info->is_default);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = json_to_string (root, FALSE);
  printf ("%s\n", text);
}

int
holler_devices_main (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) devices = NULL;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("One JSON object per device and line"), NULL },
    { NULL }
  };

  g_option_context_set_summary (context, _("List audio inputs and outputs; * marks the default. "
                                           "--input-device and --output-device take the id or the name."));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "holler devices: %s\n", error->message);
      return EXIT_USAGE;
    }
  if (argc > 1)
    {
      fprintf (stderr, _("holler %s: unexpected argument “%s”\n"), "devices", argv[1]);
      return EXIT_USAGE;
    }
  gst_init (NULL, NULL);

  devices = holler_devices_list ();
  if (devices->len == 0)
    fprintf (stderr, "%s\n", _("No audio devices found (is PulseAudio or PipeWire running?)"));
  for (guint i = 0; i < devices->len; i++)
    {
      const HollerDeviceInfo *info = g_ptr_array_index (devices, i);

      if (json)
        print_json (info);
      else
        printf ("%-6s %c %s\t%s\n", info->kind == HOLLER_DEVICE_INPUT ? _("input") : _("output"),
                info->is_default ? '*' : ' ', info->id, info->name);
    }
  fflush (stdout);
  return 0;
}
