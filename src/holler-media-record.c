/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A recording (ogg:PATH): the caller's Opus packets as they came, taken
 * from the jitter buffer's output (in order, duplicates gone) and put into
 * Ogg Opus pages (holler-ogg-opus.c) without decoding or encoding. Each
 * page is written straight through to the file (nothing buffered in user
 * space, a page at least every 0.5 s, so a killed process loses at most
 * the page being made). A write that fails (a full disk, a file system
 * gone read-only) stops the recording, not the call: the file is cut back
 * to its last whole page, everything after is dropped, and the failure is
 * reported once. */
#define G_LOG_DOMAIN "holler-media"

#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gst/rtp/gstrtpbuffer.h>
#include "holler-media-private.h"
#include "holler-ogg-opus.h"
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

  GstPad *pad;                 /* the jitter buffer's source pad */
  gulong probe_id;
  guint opus_pt;
  HollerOggOpus *ogg;
  GByteArray *pages;           /* pages ready to be written */
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

/* Whole pages only, one write for all that are ready */
static void
write_pages (HollerRecorder *r)
{
  if (r->pages->len == 0)
    return;
  if (holler_write_all (r->fd, r->pages->data, r->pages->len))
    r->written += r->pages->len;
  else
    fail (r, errno);
  g_byte_array_set_size (r->pages, 0);
}

static void
record_buffer (HollerRecorder *r, GstBuffer *buffer)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

  if (!gst_rtp_buffer_map (buffer, GST_MAP_READ, &rtp))
    return;
  /* only the negotiated Opus PT: telephone-events never get here
   * (holler-call-media.c), and nothing else may either */
  if (gst_rtp_buffer_get_payload_type (&rtp) == r->opus_pt)
    holler_ogg_opus_add (r->ogg, gst_rtp_buffer_get_payload (&rtp), gst_rtp_buffer_get_payload_len (&rtp),
                         gst_rtp_buffer_get_timestamp (&rtp), g_get_monotonic_time (), r->pages);
  gst_rtp_buffer_unmap (&rtp);
}

static gboolean
record_list_item (GstBuffer **buffer, guint idx, gpointer user_data)
{
  record_buffer (user_data, *buffer);
  return TRUE;
}

/* The jitter buffer's streaming thread: every packet it plays out, its
 * loss reports (a chance to end a page when the caller goes quiet) and
 * the EOS of the stop (the last page, marked as the end). */
static GstPadProbeReturn
on_rtp_out (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  HollerRecorder *r = user_data;

  if (r->failed || r->fd < 0)
    return GST_PAD_PROBE_OK;
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    record_buffer (r, GST_PAD_PROBE_INFO_BUFFER (info));
  else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    gst_buffer_list_foreach (GST_PAD_PROBE_INFO_BUFFER_LIST (info), record_list_item, r);
  else if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS)
    holler_ogg_opus_flush (r->ogg, TRUE, r->pages);
  else
    holler_ogg_opus_tick (r->ogg, g_get_monotonic_time (), r->pages);
  write_pages (r);
  return GST_PAD_PROBE_OK;
}

HollerRecorder *
holler_recorder_new (GstPad *rtp_pad, guint opus_pt, const char *path, HollerRecorderFailedFunc func,
                     gpointer user_data)
{
  HollerRecorder *r = g_new0 (HollerRecorder, 1);

  r->path = g_strdup (path);
  r->func = func;
  r->func_data = user_data;
  r->opus_pt = opus_pt;
  r->ogg = holler_ogg_opus_new (g_random_int ());
  r->pages = g_byte_array_new ();
  r->fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (r->fd < 0)
    {
      r->open_error = write_error (r, errno);
      r->failed = TRUE;
    }
  r->pad = gst_object_ref (rtp_pad);
  r->probe_id = gst_pad_add_probe (rtp_pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST
                                   | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_rtp_out, r, NULL);
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
  gst_pad_remove_probe (r->pad, r->probe_id);
  gst_object_unref (r->pad);
  /* stopped without an EOS (timed out, or never stopped): the last
   * packets still go in; nothing streams any more */
  if (!r->failed && r->fd >= 0)
    {
      holler_ogg_opus_flush (r->ogg, TRUE, r->pages);
      write_pages (r);
    }
  if (r->fd >= 0)
    g_close (r->fd, NULL);
  holler_ogg_opus_free (r->ogg);
  g_byte_array_unref (r->pages);
  g_clear_error (&r->open_error);
  g_free (r->path);
  g_free (r);
}
