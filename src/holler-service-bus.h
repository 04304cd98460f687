/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include "holler-daemon.h"

G_BEGIN_DECLS

#define HOLLER_SERVICE_BUS_NAME "io.github.holler.Holler"
#define HOLLER_SERVICE_PATH "/io/github/holler/Holler"

#define HOLLER_TYPE_SERVICE_BUS (holler_service_bus_get_type ())
G_DECLARE_FINAL_TYPE (HollerServiceBus, holler_service_bus, HOLLER, SERVICE_BUS, GObject)

/* The answering service's D-Bus API (data/io.github.holler.Holler.xml):
 * the service object at HOLLER_SERVICE_PATH, which is also an
 * org.freedesktop.DBus.ObjectManager, and one object per call below it. */
HollerServiceBus *holler_service_bus_new (HollerDaemon *daemon);
gboolean          holler_service_bus_export (HollerServiceBus *self, GDBusConnection *connection,
                                             GError **error);
void              holler_service_bus_unexport (HollerServiceBus *self);

G_END_DECLS
