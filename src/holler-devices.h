/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* Audio devices as GstDeviceMonitor sees them (PulseAudio, PipeWire, ALSA). */
typedef enum {
  HOLLER_DEVICE_INPUT,
  HOLLER_DEVICE_OUTPUT,
} HollerDeviceKind;

typedef struct {
  HollerDeviceKind kind;
  char *id;               /* stable: the PulseAudio/PipeWire node name, else the display name */
  char *name;             /* display name */
  gboolean is_default;
  GstDevice *device;
} HollerDeviceInfo;

void holler_device_info_free (HollerDeviceInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HollerDeviceInfo, holler_device_info_free)

/* All audio inputs then all outputs; a GPtrArray of HollerDeviceInfo. */
GPtrArray *holler_devices_list (void);

/* NAME is an id or a display name. HOLLER_ERROR_USAGE when there is no
 * such device, or when a display name fits several (use the id then). */
HollerDeviceInfo *holler_devices_find (HollerDeviceKind kind, const char *name, GError **error);

/* `holler devices [--json]`: one device a line on stdout. */
int holler_devices_main (int argc, char **argv);

G_END_DECLS
