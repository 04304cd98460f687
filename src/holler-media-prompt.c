/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Prompts encoded once per process. A greeting that is not Ogg Opus
 * already (a WAV, an MP3, …) is decoded and encoded to Ogg Opus in memory
 * in GTask's thread pool at its first use; every later call sends those
 * packets as they are, with no decoder or encoder of its own. Calls that
 * come while it is being encoded play the file through their own encoder
 * as before. A file that changes (size or time) is encoded again. */
#define G_LOG_DOMAIN "holler-media"

#include "config.h"
#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include "holler-media-private.h"
#include "holler-opus-adapt.h"

/* ~10 minutes at 32 kb/s: a longer file is played per call */
#define MAX_PROMPT_BYTES (2400 * 1024)

typedef struct {
  GBytes *ogg;                 /* NULL until encoded (or if it failed) */
  gint64 mtime;
  goffset size;
  gboolean busy;               /* a thread is encoding it */
} Prompt;

typedef struct {
  char *path;
  gint64 mtime;
  goffset size;
} Job;

static GMutex lock;
static GHashTable *prompts;    /* path → Prompt; under lock */

static GstFlowReturn
on_ogg_bytes (GstAppSink *sink, gpointer user_data)
{
  GByteArray *all = user_data;
  g_autoptr(GstSample) sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buffer = sample ? gst_sample_get_buffer (sample) : NULL;
  GstMapInfo map;

  if (buffer == NULL || !gst_buffer_map (buffer, &map, GST_MAP_READ))
    return GST_FLOW_OK;
  if (all->len + map.size <= MAX_PROMPT_BYTES)
    g_byte_array_append (all, map.data, map.size);
  else
    g_byte_array_set_size (all, MAX_PROMPT_BYTES + 1);   /* too long: marked, dropped below */
  gst_buffer_unmap (buffer, &map);
  return GST_FLOW_OK;
}

/* The encoder thread: the whole file, as fast as it decodes, with the
 * settings a call's encoder starts with */
static GBytes *
encode (const char *path)
{
  g_autofree char *q = holler_media_quote_path (path);
  g_autofree char *desc = g_strdup_printf ("filesrc location=%s ! decodebin ! audioconvert ! audioresample "
                                           "! audio/x-raw,rate=48000,channels=1 ! opusenc bitrate=%u "
                                           "frame-size=20 inband-fec=true packet-loss-percentage=%u "
                                           "! oggmux ! appsink name=out sync=false",
                                           q, HOLLER_OPUS_BASE_BITRATE, HOLLER_OPUS_START_LOSS_PERCENT);
  g_autoptr(GByteArray) all = g_byte_array_new ();
  g_autoptr(GstElement) pipeline = gst_parse_launch (desc, NULL);
  g_autoptr(GstElement) sink = NULL;
  g_autoptr(GstBus) bus = NULL;
  g_autoptr(GstMessage) done = NULL;
  GstAppSinkCallbacks callbacks = { .new_sample = on_ogg_bytes };

  if (pipeline == NULL)
    return NULL;
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, all, NULL);
  bus = gst_element_get_bus (pipeline);
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE)
    done = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (done == NULL || GST_MESSAGE_TYPE (done) != GST_MESSAGE_EOS || all->len == 0 || all->len > MAX_PROMPT_BYTES)
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&all));
}

static void
job_free (Job *job)
{
  g_free (job->path);
  g_free (job);
}

/* GTask's thread pool */
static void
encode_in_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Job *job = data;

  g_task_return_pointer (task, encode (job->path), (GDestroyNotify) g_bytes_unref);
}

/* Back on the context that asked: the packets for every later call, if
 * the file did not change meanwhile */
static void
on_encoded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Job *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GBytes) ogg = g_task_propagate_pointer (G_TASK (result), NULL);
  Prompt *p;

  g_mutex_lock (&lock);
  p = g_hash_table_lookup (prompts, job->path);
  p->busy = FALSE;
  if (ogg != NULL && p->mtime == job->mtime && p->size == job->size)
    {
      g_clear_pointer (&p->ogg, g_bytes_unref);
      p->ogg = g_bytes_ref (ogg);
    }
  g_mutex_unlock (&lock);
  g_debug ("prompt %s %s", job->path, ogg != NULL ? "encoded once for every call" : "cannot be encoded once");
}

static void
prompt_free (gpointer data)
{
  Prompt *p = data;

  g_clear_pointer (&p->ogg, g_bytes_unref);
  g_free (p);
}

GBytes *
holler_media_prompt_lookup (const char *path)
{
  GStatBuf st;
  Prompt *p;
  GBytes *ogg = NULL;

  if (g_stat (path, &st) != 0)
    return NULL;
  g_mutex_lock (&lock);
  if (prompts == NULL)
    prompts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, prompt_free);
  p = g_hash_table_lookup (prompts, path);
  if (p == NULL)
    {
      p = g_new0 (Prompt, 1);
      p->mtime = -1;
      g_hash_table_insert (prompts, g_strdup (path), p);
    }
  if (p->mtime == (gint64) st.st_mtime && p->size == (goffset) st.st_size)
    ogg = p->ogg != NULL ? g_bytes_ref (p->ogg) : NULL;
  else if (!p->busy)
    {
      g_autoptr(GTask) task = g_task_new (NULL, NULL, on_encoded, NULL);
      Job *job = g_new0 (Job, 1);

      g_clear_pointer (&p->ogg, g_bytes_unref);
      p->mtime = job->mtime = st.st_mtime;
      p->size = job->size = st.st_size;
      p->busy = TRUE;
      job->path = g_strdup (path);
      g_task_set_task_data (task, job, (GDestroyNotify) job_free);
      g_task_run_in_thread (task, encode_in_thread);
    }
  g_mutex_unlock (&lock);
  return ogg;
}

char *
holler_media_prompt_plan (const char **input, const char **greeting, GBytes **prompt)
{
  const char *path;

  *prompt = NULL;
  if (*greeting == NULL || !g_str_equal (*input, "silence") || !g_str_has_prefix (*greeting, "file:"))
    return NULL;
  path = *greeting + 5;
  if (holler_media_file_is_ogg_opus (path))
    {
      char *opus = g_strconcat ("opus:", path, NULL);

      *input = opus;
      *greeting = NULL;
      return opus;
    }
  *prompt = holler_media_prompt_lookup (path);
  if (*prompt != NULL)
    {
      g_debug ("greeting %s: the packets encoded once", path);
      *greeting = NULL;
    }
  return NULL;
}

void
holler_media_prompt_push (GstElement *send_pipeline, GBytes *prompt)
{
  g_autoptr(GstElement) src = gst_bin_get_by_name (GST_BIN (send_pipeline), "oggin");

  /* queued until the pipeline runs; oggdemux finds the packets in it */
  gst_app_src_push_buffer (GST_APP_SRC (src), gst_buffer_new_wrapped_bytes (prompt));
  gst_app_src_end_of_stream (GST_APP_SRC (src));
}
