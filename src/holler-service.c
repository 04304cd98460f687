/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* holler listen --service: the daemon, its bus name and its signals. */
#define G_LOG_DOMAIN "holler-daemon"

#include "config.h"
#include <glib/gi18n.h>
#include <glib-unix.h>
#include "holler-service.h"
#include "holler-service-bus.h"

/* Bounds the wait for the last byes to leave on exit */
#define SHUTDOWN_TIMEOUT_MS 2000

typedef struct {
  GMainLoop *loop;
  HollerDaemon *daemon;
  HollerServiceBus *bus;
  HollerReporter *reporter;
  gboolean stopping;
} Service;

static void
say (Service *s, const char *event, const char *text)
{
  holler_reporter_emit (s->reporter, "service", event, json_object_new (), "%s", text);
}

static gboolean
on_terminate (gpointer user_data)
{
  Service *s = user_data;

  if (!s->stopping)
    say (s, "info", _("Stopping: hanging up every call"));
  s->stopping = TRUE;
  holler_daemon_stop (s->daemon);
  return G_SOURCE_CONTINUE;
}

static void
on_finished (HollerDaemon *daemon, gpointer user_data)
{
  g_main_loop_quit (((Service *) user_data)->loop);
}

static void
on_bus_acquired (GDBusConnection *connection, const char *name, gpointer user_data)
{
  Service *s = user_data;
  g_autoptr(GError) error = NULL;

  if (!holler_service_bus_export (s->bus, connection, &error))
    say (s, "warning", error->message);
}

static void
on_name_acquired (GDBusConnection *connection, const char *name, gpointer user_data)
{
  g_autofree char *text = g_strdup_printf (_("D-Bus: %s at %s"), name, HOLLER_SERVICE_PATH);

  say (user_data, "dbus", text);
}

static void
on_name_lost (GDBusConnection *connection, const char *name, gpointer user_data)
{
  Service *s = user_data;
  g_autofree char *text = NULL;

  /* Calls keep working without the bus; only remote control is gone. */
  if (connection == NULL)
    text = g_strdup_printf (_("No D-Bus connection: running without the D-Bus API"));
  else
    text = g_strdup_printf (_("Another service owns %s: running without the D-Bus API"), name);
  holler_service_bus_unexport (s->bus);
  say (s, "warning", text);
}

static gboolean
on_shutdown_timeout (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;   /* removed below either way */
}

static void
on_shutdown_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  holler_signaling_shutdown_finish (HOLLER_SIGNALING (source), result, NULL);
  g_main_loop_quit (user_data);
}

int
holler_service_run (HollerSignaling *signaling, const HollerCallOptions *options,
                    const HollerDaemonPolicy *policy, HollerReporter *reporter,
                    const char *id, gboolean system_bus)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(HollerDaemon) daemon = holler_daemon_new (signaling, options, policy, reporter, id);
  g_autoptr(HollerServiceBus) bus = holler_service_bus_new (daemon);
  g_autoptr(GError) error = NULL;
  Service s = { loop, daemon, bus, reporter, FALSE };
  guint sigint_id, sigterm_id, owner_id, timeout_id;
  int status;

  if (!holler_daemon_start (daemon, &error))
    {
      g_printerr ("holler: %s\n", error->message);
      return 1;
    }
  g_signal_connect (daemon, "finished", G_CALLBACK (on_finished), &s);
  sigint_id = g_unix_signal_add (SIGINT, on_terminate, &s);
  sigterm_id = g_unix_signal_add (SIGTERM, on_terminate, &s);
  owner_id = g_bus_own_name (system_bus ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION, HOLLER_SERVICE_BUS_NAME,
                             G_BUS_NAME_OWNER_FLAGS_NONE, on_bus_acquired, on_name_acquired, on_name_lost,
                             &s, NULL);
  g_main_loop_run (loop);
  status = holler_daemon_get_exit_status (daemon);

  g_bus_unown_name (owner_id);
  holler_service_bus_unexport (bus);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  /* let the last byes reach the server */
  timeout_id = g_timeout_add (SHUTDOWN_TIMEOUT_MS, on_shutdown_timeout, loop);
  holler_signaling_shutdown_async (signaling, NULL, on_shutdown_done, loop);
  g_main_loop_run (loop);
  g_source_remove (timeout_id);
  return status;
}
