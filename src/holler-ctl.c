/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The D-Bus client side: holler calls, answer, hangup, dial. */
#define G_LOG_DOMAIN "holler"

#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include "holler-ctl.h"
#include "holler-service-bus.h"
#include "holler-dbus-generated.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2

static const char *commands[] = { "calls", "answer", "hangup", "dial" };

gboolean
holler_ctl_handles (const char *command)
{
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (command, commands[i]))
      return TRUE;
  return FALSE;
}

static char *
call_path (const char *number)
{
  return g_strdup_printf (HOLLER_SERVICE_PATH "/Call/%s", number);
}

static void
print_error (const char *command, GError *error)
{
  g_autofree char *remote = g_dbus_error_get_remote_error (error);

  g_dbus_error_strip_remote_error (error);
  if (remote != NULL && g_str_equal (remote, "org.freedesktop.DBus.Error.ServiceUnknown"))
    fprintf (stderr, _("holler %s: no answering service is running (holler listen --service)\n"), command);
  else if (remote != NULL && g_str_equal (remote, "org.freedesktop.DBus.Error.UnknownObject"))
    fprintf (stderr, _("holler %s: no such call\n"), command);
  else
    fprintf (stderr, "holler %s: %s\n", command, error->message);
}

static void
add_stats_json (JsonBuilder *b, GVariant *stats)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;

  json_builder_set_member_name (b, "stats");
  json_builder_begin_object (b);
  g_variant_iter_init (&iter, stats);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      json_builder_set_member_name (b, key);
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        json_builder_add_string_value (b, g_variant_get_string (value, NULL));
      else if (g_variant_is_of_type (value, G_VARIANT_TYPE_DOUBLE))
        json_builder_add_double_value (b, g_variant_get_double (value));
      else if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64))
        json_builder_add_int_value (b, (gint64) g_variant_get_uint64 (value));
      else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
        json_builder_add_int_value (b, g_variant_get_int64 (value));
      else
        json_builder_add_null_value (b);
    }
  json_builder_end_object (b);
}

static double
stat_double (GVariant *stats, const char *key)
{
  double d = 0;

  g_variant_lookup (stats, key, "d", &d);
  return d;
}

static const char *
prop_string (GVariant *props, const char *key)
{
  const char *value = NULL;

  g_variant_lookup (props, key, "&s", &value);
  return value ? value : "";
}

static void
print_call (GVariant *props, JsonBuilder *b)
{
  g_autoptr(GVariant) stats = g_variant_lookup_value (props, "Stats", G_VARIANT_TYPE_VARDICT);
  guint32 number = 0;
  gboolean muted = FALSE;
  const char *pair = NULL;

  g_variant_lookup (props, "Number", "u", &number);
  g_variant_lookup (props, "Muted", "b", &muted);
  if (b != NULL)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_int_value (b, number);
      json_builder_set_member_name (b, "state");
      json_builder_add_string_value (b, prop_string (props, "State"));
      json_builder_set_member_name (b, "peer");
      json_builder_add_string_value (b, prop_string (props, "Peer"));
      json_builder_set_member_name (b, "direction");
      json_builder_add_string_value (b, prop_string (props, "Direction"));
      json_builder_set_member_name (b, "muted");
      json_builder_add_boolean_value (b, muted);
      json_builder_set_member_name (b, "recording");
      json_builder_add_string_value (b, prop_string (props, "Recording"));
      if (*prop_string (props, "RecordingError") != '\0')
        {
          json_builder_set_member_name (b, "recording_error");
          json_builder_add_string_value (b, prop_string (props, "RecordingError"));
        }
      if (stats != NULL)
        add_stats_json (b, stats);
      json_builder_end_object (b);
      return;
    }
  if (stats != NULL)
    g_variant_lookup (stats, "pair-type", "&s", &pair);
  printf ("%-4u %-10s %-8s %-20s %-12s loss %5.1f %%  jitter %5.1f ms  %6.1f kbit/s%s%s\n",
          number, prop_string (props, "State"), prop_string (props, "Direction"), prop_string (props, "Peer"),
          pair ? pair : "-", stats ? stat_double (stats, "loss-percent") : 0,
          stats ? stat_double (stats, "jitter-ms") : 0, stats ? stat_double (stats, "bitrate-kbps") : 0,
          muted ? _("  muted") : "", *prop_string (props, "RecordingError") ? _("  recording stopped") : "");
}

static gint
compare_number (gconstpointer a, gconstpointer b)
{
  guint32 x = 0, y = 0;

  g_variant_lookup (*(GVariant * const *) a, "Number", "u", &x);
  g_variant_lookup (*(GVariant * const *) b, "Number", "u", &y);
  return (x > y) - (x < y);
}

/* One round trip: the object manager hands over every call with all its
 * properties (no proxy caches to wait for). */
static int
list_calls (GDBusConnection *bus, gboolean json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariantIter) objects = NULL;
  g_autoptr(GPtrArray) calls = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  g_autoptr(JsonBuilder) b = json ? json_builder_new () : NULL;
  GVariant *interfaces;
  const char *path;

  reply = g_dbus_connection_call_sync (bus, HOLLER_SERVICE_BUS_NAME, HOLLER_SERVICE_PATH,
                                       "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", NULL,
                                       G_VARIANT_TYPE ("(a{oa{sa{sv}}})"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, &error);
  if (reply == NULL)
    {
      print_error ("calls", error);
      return EXIT_FAILED;
    }
  g_variant_get (reply, "(a{oa{sa{sv}}})", &objects);
  while (g_variant_iter_loop (objects, "{&o@a{sa{sv}}}", &path, &interfaces))
    {
      GVariant *props = g_variant_lookup_value (interfaces, "io.github.holler.Holler.Call",
                                                G_VARIANT_TYPE_VARDICT);

      if (props != NULL)
        g_ptr_array_add (calls, props);
    }
  g_ptr_array_sort (calls, compare_number);
  if (b != NULL)
    json_builder_begin_array (b);
  for (guint i = 0; i < calls->len; i++)
    print_call (g_ptr_array_index (calls, i), b);
  if (b != NULL)
    {
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *text = NULL;

      json_builder_end_array (b);
      root = json_builder_get_root (b);
      text = json_to_string (root, FALSE);
      printf ("%s\n", text);
    }
  else if (calls->len == 0)
    printf ("%s\n", _("No calls"));
  return 0;
}

static gboolean
is_number (const char *text)
{
  return text != NULL && *text != '\0' && strspn (text, "0123456789") == strlen (text);
}

static int
act_on_call (GDBusConnection *bus, const char *command, const char *number)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(HollerDBusCall) call = NULL;
  gboolean ok;

  path = call_path (number);
  call = holler_dbus_call_proxy_new_sync (bus, G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES, HOLLER_SERVICE_BUS_NAME,
                                          path, NULL, &error);
  if (call == NULL)
    {
      print_error (command, error);
      return EXIT_FAILED;
    }
  if (g_str_equal (command, "answer"))
    ok = holler_dbus_call_call_answer_sync (call, NULL, &error);
  else
    ok = holler_dbus_call_call_hangup_sync (call, NULL, &error);
  if (!ok)
    {
      print_error (command, error);
      return EXIT_FAILED;
    }
  return 0;
}

static int
dial (GDBusConnection *bus, const char *peer)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(HollerDBusService) service = NULL;

  service = holler_dbus_service_proxy_new_sync (bus, G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES,
                                                HOLLER_SERVICE_BUS_NAME, HOLLER_SERVICE_PATH, NULL, &error);
  if (service == NULL || !holler_dbus_service_call_call_sync (service, peer, &path, NULL, &error))
    {
      print_error ("dial", error);
      return EXIT_FAILED;
    }
  printf ("%s\n", strrchr (path, '/') + 1);
  return 0;
}

int
holler_ctl_main (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  gboolean json = FALSE, system_bus = FALSE;
  const char *command = argv[0];
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the calls as JSON"), NULL },
    { "system-bus", 0, 0, G_OPTION_ARG_NONE, &system_bus, N_("Talk to a service on the system bus"), NULL },
    { NULL }
  };

  context = g_option_context_new (g_str_equal (command, "calls") ? NULL
                                  : g_str_equal (command, "dial") ? _("PEER") : _("ID"));
  g_option_context_set_summary (context, _("Control a running answering service (holler listen --service)."));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "holler %s: %s\n", command, error->message);
      return EXIT_USAGE;
    }
  if (argc > (g_str_equal (command, "calls") ? 1 : 2))
    {
      fprintf (stderr, _("holler %s: unexpected argument “%s”\n"), command, argv[argc - 1]);
      return EXIT_USAGE;
    }
  /* arguments first: a usage error needs no bus */
  if (g_str_equal (command, "dial") && argc < 2)
    {
      fprintf (stderr, "%s\n", _("holler dial: whom to call? holler dial PEER"));
      return EXIT_USAGE;
    }
  if ((g_str_equal (command, "answer") || g_str_equal (command, "hangup")) && (argc < 2 || !is_number (argv[1])))
    {
      fprintf (stderr, _("holler %s: give the call's number, as holler calls lists it\n"), command);
      return EXIT_USAGE;
    }
  bus = g_bus_get_sync (system_bus ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION, NULL, &error);
  if (bus == NULL)
    {
      fprintf (stderr, _("holler %s: no D-Bus: %s\n"), command, error->message);
      return EXIT_FAILED;
    }
  if (g_str_equal (command, "calls"))
    return list_calls (bus, json);
  if (g_str_equal (command, "dial"))
    return dial (bus, argv[1]);
  return act_on_call (bus, command, argv[1]);
}
