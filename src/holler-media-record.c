/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A recording (ogg:PATH): the Ogg pages from the receive pipeline's
 * appsink, each written straight through to the file (nothing buffered in
 * user space, so a killed process loses at most the page being made). A
 * write that fails (a full disk, a file system gone read-only) stops the
 * recording, not the call: the file is cut back to its last whole page,
 * everything after is dropped, and the failure is reported once. */
#define G_LOG_DOMAIN "holler-media"

#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include "holler-media-private.h"
#include "holler-error.h"
#include "holler-write.h"

struct _HollerRecorder
{
  char *path;
  int fd;                      /* -1 once failed */
  goffset written;             /* bytes of whole pages in the file */
  gboolean failed;             /* streaming thread only, after start */
  GError *open_error;          /* could not even create the file */
  HollerRecorderFailedFunc func;
  gpointer func_data;
};

static GError *
write_error (HollerRecorder *r, int errsv)
{
  return g_error_new (HOLLER_ERROR, HOLLER_ERROR_MEDIA, _("Recording to %s stopped: %s"),
                      r->path, g_strerror (errsv));
}

/* Streaming thread: stop for good, keep the file whole. */
static void
fail (HollerRecorder *r, int errsv)
{
  r->failed = TRUE;
  /* a page written in part would end the file in garbage */
  if (ftruncate (r->fd, r->written) != 0)
    g_debug ("cannot cut %s back to %" G_GOFFSET_FORMAT " bytes", r->path, r->written);
  g_close (r->fd, NULL);
  r->fd = -1;
  r->func (write_error (r, errsv), r->func_data);
}

static GstFlowReturn
on_page (GstAppSink *sink, gpointer user_data)
{
  HollerRecorder *r = user_data;
  g_autoptr(GstSample) sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buffer = sample ? gst_sample_get_buffer (sample) : NULL;
  GstMapInfo map;

  /* after a failure the pages are dropped here: the decoder, the level
   * meters and an echo upstream go on as before */
  if (buffer == NULL || r->failed || r->fd < 0)
    return GST_FLOW_OK;
  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return GST_FLOW_OK;
  if (holler_write_all (r->fd, map.data, map.size))
    r->written += map.size;
  else
    fail (r, errno);
  gst_buffer_unmap (buffer, &map);
  return GST_FLOW_OK;
}

HollerRecorder *
holler_recorder_new (GstElement *appsink, const char *path, HollerRecorderFailedFunc func, gpointer user_data)
{
  HollerRecorder *r = g_new0 (HollerRecorder, 1);
  GstAppSinkCallbacks callbacks = { .new_sample = on_page };

  r->path = g_strdup (path);
  r->func = func;
  r->func_data = user_data;
  r->fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (r->fd < 0)
    {
      r->open_error = write_error (r, errno);
      r->failed = TRUE;
    }
  g_object_set (appsink, "sync", FALSE, "enable-last-sample", FALSE, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (appsink), &callbacks, r, NULL);
  return r;
}

GError *
holler_recorder_take_open_error (HollerRecorder *r)
{
  return g_steal_pointer (&r->open_error);
}

void
holler_recorder_free (HollerRecorder *r)
{
  if (r->fd >= 0)
    g_close (r->fd, NULL);
  g_clear_error (&r->open_error);
  g_free (r->path);
  g_free (r);
}
