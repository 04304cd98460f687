/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The answering service: many calls on one routed signaling channel. */
#define G_LOG_DOMAIN "holler-daemon"

#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include "holler-daemon.h"
#include "holler-sidecar.h"
#include "holler-error.h"
#include "holler-call-report.h"
#include "holler-incoming.h"
#include "holler-known-peers.h"
#include "holler-sdp.h"

enum { SIGNAL_CALL_ADDED, SIGNAL_CALL_REMOVED, SIGNAL_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

typedef struct {
  HollerDaemonCall pub;
  HollerDaemon *daemon;        /* unowned */
  guint answer_id;
} Entry;

struct _HollerDaemon
{
  GObject parent_instance;

  HollerSignaling *signaling;
  HollerCallOptions *options;
  HollerDaemonPolicy policy;
  HollerReporter *reporter;
  char *id;
  GPtrArray *entries;          /* Entry *, oldest first */
  guint next_number;
  gboolean stopping;
  gboolean finished;
  int exit_status;
};

G_DEFINE_TYPE (HollerDaemon, holler_daemon, G_TYPE_OBJECT)

static void
entry_free (Entry *e)
{
  g_clear_handle_id (&e->answer_id, g_source_remove);
  if (e->pub.call != NULL)
    g_signal_handlers_disconnect_by_data (e->pub.call, e);
  g_clear_object (&e->pub.call);
  g_free (e->pub.recording);
  g_free (e->pub.sidecar);
  g_free (e->pub.recording_error);
  g_free (e);
}

static void
report (HollerDaemon *self, const char *event, const char *peer, const char *format, ...) G_GNUC_PRINTF (4, 5);

static void
report (HollerDaemon *self, const char *event, const char *peer, const char *format, ...)
{
  JsonObject *fields = json_object_new ();
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  if (peer != NULL)
    json_object_set_string_member (fields, "from", peer);
  holler_reporter_emit (self->reporter, "service", event, fields, "%s", text);
}

static void
maybe_finish (HollerDaemon *self)
{
  if (self->finished || !self->stopping || self->entries->len > 0)
    return;
  self->finished = TRUE;
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0);
}

static Entry *
find_peer (HollerDaemon *self, const char *peer)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *e = g_ptr_array_index (self->entries, i);

      if (g_strcmp0 (holler_call_get_peer (e->pub.call), peer) == 0)
        return e;
    }
  return NULL;
}

/* An allow entry: an id, a SHA-256 fingerprint (any caller holding that
 * key) or ID=FINGERPRINT (both). The offer's fingerprint is the one the
 * DTLS handshake then enforces, so naming it names the key. Entries with
 * a fingerprint: *fingerprint is set (NULL if it is not one). */
static char *
allow_entry_split (const char *entry, char **fingerprint)
{
  const char *eq = strchr (entry, '=');

  *fingerprint = holler_known_peers_normalize_fingerprint (eq ? eq + 1 : entry);
  if (eq != NULL)
    return g_strndup (entry, eq - entry);
  return *fingerprint ? NULL : g_strdup (entry);
}

gboolean
holler_daemon_check_allow (char **allow, GError **error)
{
  for (gsize i = 0; allow != NULL && allow[i] != NULL; i++)
    {
      g_autofree char *fingerprint = NULL;
      g_autofree char *id = allow_entry_split (allow[i], &fingerprint);

      if (strchr (allow[i], '=') != NULL && (fingerprint == NULL || *id == '\0'))
        {
          g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE,
                       _("--allow %s: expected ID, FINGERPRINT or ID=FINGERPRINT (sha-256, 32 hex pairs)"),
                       allow[i]);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
allowed (HollerDaemon *self, const HollerMessage *offer)
{
  g_autoptr(HollerSdpDescription) sdp = NULL;

  if (self->policy.allow == NULL)
    return TRUE;
  for (gsize i = 0; self->policy.allow[i] != NULL; i++)
    {
      g_autofree char *fingerprint = NULL;
      g_autofree char *id = allow_entry_split (self->policy.allow[i], &fingerprint);

      if (id != NULL && g_strcmp0 (id, offer->from) != 0)
        continue;
      if (fingerprint == NULL)
        return TRUE;
      if (sdp == NULL)
        sdp = holler_sdp_parse (offer->sdp, HOLLER_SDP_OFFER, NULL);
      if (sdp != NULL && sdp->fingerprint != NULL && g_ascii_strcasecmp (sdp->fingerprint, fingerprint) == 0)
        return TRUE;
    }
  return FALSE;
}

/* --- one call's life --- */

static void
on_call_ended (HollerCall *call, gpointer user_data)
{
  Entry *e = user_data;
  HollerDaemon *self = e->daemon;
  g_autoptr(GError) error = NULL;
  guint number = e->pub.number;

  if (e->pub.sidecar != NULL && !holler_sidecar_write (&e->pub, TRUE, &error))
    report (self, "warning", NULL, _("Could not write %s: %s"), e->pub.sidecar, error->message);
  /* the call object holds a reference while it emits */
  g_ptr_array_remove (self->entries, e);
  g_signal_emit (self, signals[SIGNAL_CALL_REMOVED], 0, number);
  maybe_finish (self);
}

/* The call goes on without its recording: say so in the sidecar (if the
 * disk still takes it; the final write has room set aside). D-Bus hears
 * it from the call itself. */
static void
on_call_event (HollerCall *call, const HollerCallEvent *event, gpointer user_data)
{
  Entry *e = user_data;
  g_autoptr(GError) error = NULL;

  if (event->type != HOLLER_CALL_EVENT_WARNING || event->warning.recording_error == NULL
      || e->pub.recording_error != NULL)
    return;
  e->pub.recording_error = g_strdup (event->warning.recording_error);
  if (e->pub.sidecar != NULL && !holler_sidecar_write (&e->pub, FALSE, &error))
    report (e->daemon, "warning", NULL, _("Could not write %s: %s"), e->pub.sidecar, error->message);
}

static gboolean
on_answer_delay (gpointer user_data)
{
  Entry *e = user_data;

  e->answer_id = 0;
  holler_incoming_answer (e->pub.call, e->daemon->reporter);
  return G_SOURCE_REMOVE;
}

/* A file name from the time and the peer's id (ids are [A-Za-z0-9._-],
 * but the server is not trusted to enforce that). */
static gboolean
choose_recording (HollerDaemon *self, Entry *e, const char *peer)
{
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_utc (e->pub.start_unix);
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%SZ");
  g_autofree char *safe = g_strcanon (g_strndup (peer ? peer : "unknown", 64),
                                      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-", '_');

  for (guint n = 1; n < 1000; n++)
    {
      g_autofree char *base = n == 1 ? g_strdup_printf ("%s-%s", stamp, safe)
                                     : g_strdup_printf ("%s-%s-%u", stamp, safe, n);
      g_autofree char *ogg = g_strconcat (base, ".ogg", NULL);
      g_autofree char *path = g_build_filename (self->policy.record_dir, ogg, NULL);

      if (g_file_test (path, G_FILE_TEST_EXISTS))
        continue;
      e->pub.recording = g_steal_pointer (&path);
      e->pub.sidecar = g_strdup_printf ("%s/%s.json", self->policy.record_dir, base);
      return TRUE;
    }
  return FALSE;
}

static HollerCallOptions *
options_for (HollerDaemon *self, Entry *e, const char *peer)
{
  HollerCallOptions *options = holler_call_options_copy (self->options);

  if (self->policy.record_dir != NULL && choose_recording (self, e, peer))
    {
      g_free (options->output);
      options->output = g_strconcat ("ogg:", e->pub.recording, NULL);
    }
  return options;
}

static Entry *
add_entry (HollerDaemon *self, gboolean outgoing)
{
  Entry *e = g_new0 (Entry, 1);

  e->daemon = self;
  e->pub.number = ++self->next_number;
  e->pub.outgoing = outgoing;
  e->pub.start_unix = g_get_real_time () / G_USEC_PER_SEC;
  return e;
}

static void
adopt (HollerDaemon *self, Entry *e)
{
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (self->entries, e);
  g_signal_connect (e->pub.call, "ended", G_CALLBACK (on_call_ended), e);
  g_signal_connect (e->pub.call, "event", G_CALLBACK (on_call_event), e);
  if (e->pub.sidecar != NULL && !holler_sidecar_write (&e->pub, FALSE, &error))
    report (self, "warning", NULL, _("Could not write %s: %s"), e->pub.sidecar, error->message);
  g_signal_emit (self, signals[SIGNAL_CALL_ADDED], 0, &e->pub);
}

typedef struct {
  HollerDaemon *daemon;
  Entry *entry;
} Adoption;

static void
adopt_incoming (HollerCall *call, gpointer user_data)
{
  Adoption *a = user_data;

  a->entry->pub.call = g_object_ref (call);
  adopt (a->daemon, a->entry);
}

static void
accept_offer (HollerDaemon *self, const HollerMessage *msg)
{
  g_autoptr(HollerCallOptions) options = NULL;
  g_autoptr(HollerCall) call = NULL;
  g_autofree char *label = NULL;
  Adoption adoption = { self, NULL };

  if (self->stopping || self->entries->len >= self->policy.max_calls)
    {
      holler_incoming_refuse (self->signaling, self->reporter, "service", msg, "busy", NULL);
      return;
    }
  if (!allowed (self, msg))
    {
      holler_incoming_refuse (self->signaling, self->reporter, "service", msg, "rejected", NULL);
      return;
    }
  adoption.entry = add_entry (self, FALSE);
  label = g_strdup_printf ("call-%u", adoption.entry->pub.number);
  options = options_for (self, adoption.entry, msg->from);
  call = holler_incoming_take (self->signaling, msg, options, self->reporter, "service", label,
                               adopt_incoming, &adoption);
  if (call == NULL)
    {
      entry_free (adoption.entry);
      return;
    }
  if (!self->policy.auto_answer)
    return;
  if (self->policy.answer_delay > 0)
    adoption.entry->answer_id = g_timeout_add ((guint) (self->policy.answer_delay * 1000), on_answer_delay,
                                               adoption.entry);
  else
    holler_incoming_answer (call, self->reporter);
}

/* --- the signaling channel --- */

static void
on_message (HollerSignaling *signaling, const HollerMessage *msg, gpointer user_data)
{
  HollerDaemon *self = user_data;
  Entry *e;

  if (msg->from == NULL)
    return;   /* routed backends always say who sent it */
  e = find_peer (self, msg->from);
  if (e != NULL)
    holler_call_handle_message (e->pub.call, msg);
  else if (msg->type == HOLLER_MESSAGE_OFFER)
    accept_offer (self, msg);
  else if (msg->type != HOLLER_MESSAGE_BYE && msg->type != HOLLER_MESSAGE_CANDIDATE
           && msg->type != HOLLER_MESSAGE_END_OF_CANDIDATES)
    report (self, "warning", msg->from, _("Ignoring “%s” from %s: no call with them"),
            holler_message_type_to_string (msg->type), msg->from);
}

static void
on_junk (HollerSignaling *signaling, const GError *error, gpointer user_data)
{
  report (user_data, "signaling-junk", NULL, _("Ignoring bad signaling input: %s"), error->message);
}

static void
on_notice (HollerSignaling *signaling, const char *text, gpointer user_data)
{
  report (user_data, "signaling", NULL, "%s", text);
}

static void
on_closed (HollerSignaling *signaling, const GError *error, gpointer user_data)
{
  HollerDaemon *self = user_data;

  report (self, "error", NULL, "%s", error ? error->message : _("The signaling channel closed"));
  self->exit_status = 1;
  /* media runs peer to peer: calls in progress go on until they end */
  for (guint i = 0; i < self->entries->len; i++)
    holler_call_signaling_closed (((Entry *) g_ptr_array_index (self->entries, i))->pub.call, error);
  self->stopping = TRUE;
  maybe_finish (self);
}

/* --- GObject --- */

static void
holler_daemon_dispose (GObject *object)
{
  HollerDaemon *self = HOLLER_DAEMON (object);

  if (self->signaling != NULL)
    g_signal_handlers_disconnect_by_data (self->signaling, self);
  g_ptr_array_set_size (self->entries, 0);
  g_clear_object (&self->signaling);
  G_OBJECT_CLASS (holler_daemon_parent_class)->dispose (object);
}

static void
holler_daemon_finalize (GObject *object)
{
  HollerDaemon *self = HOLLER_DAEMON (object);

  g_ptr_array_unref (self->entries);
  holler_call_options_free (self->options);
  holler_reporter_unref (self->reporter);
  g_strfreev (self->policy.allow);
  g_free (self->policy.record_dir);
  g_free (self->id);
  G_OBJECT_CLASS (holler_daemon_parent_class)->finalize (object);
}

static void
holler_daemon_class_init (HollerDaemonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = holler_daemon_dispose;
  object_class->finalize = holler_daemon_finalize;

  signals[SIGNAL_CALL_ADDED] = g_signal_new ("call-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                             0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SIGNAL_CALL_REMOVED] = g_signal_new ("call-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                               0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
holler_daemon_init (HollerDaemon *self)
{
  self->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
}

HollerDaemon *
holler_daemon_new (HollerSignaling *signaling, const HollerCallOptions *options,
                   const HollerDaemonPolicy *policy, HollerReporter *reporter, const char *id)
{
  HollerDaemon *self = g_object_new (HOLLER_TYPE_DAEMON, NULL);

  self->signaling = g_object_ref (signaling);
  self->options = holler_call_options_copy (options);
  self->policy = *policy;
  self->policy.allow = g_strdupv (policy->allow);
  self->policy.record_dir = policy->record_dir ? g_canonicalize_filename (policy->record_dir, NULL) : NULL;
  if (self->policy.max_calls == 0)
    self->policy.max_calls = G_MAXUINT;
  self->reporter = holler_reporter_ref (reporter);
  self->id = g_strdup (id);
  g_signal_connect (signaling, "message", G_CALLBACK (on_message), self);
  g_signal_connect (signaling, "notice", G_CALLBACK (on_notice), self);
  g_signal_connect (signaling, "junk", G_CALLBACK (on_junk), self);
  g_signal_connect (signaling, "closed", G_CALLBACK (on_closed), self);
  return self;
}

/* The record directory exists (made if missing) and we may create files in
 * it: found out at start-up, not by the first caller. */
static gboolean
check_record_dir (const char *dir, GError **error)
{
  g_autofree char *probe = g_build_filename (dir, ".holler-write-test-XXXXXX", NULL);
  int fd;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_CONFIG, _("Cannot create the record directory %s: %s"),
                   dir, g_strerror (saved));
      return FALSE;
    }
  fd = g_mkstemp_full (probe, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_CONFIG, _("Cannot write to the record directory %s: %s"),
                   dir, g_strerror (saved));
      return FALSE;
    }
  g_close (fd, NULL);
  g_unlink (probe);
  return TRUE;
}

gboolean
holler_daemon_start (HollerDaemon *self, GError **error)
{
  if (self->policy.record_dir != NULL && !check_record_dir (self->policy.record_dir, error))
    return FALSE;
  if (!holler_signaling_start (self->signaling, error))
    return FALSE;
  report (self, "listening", NULL, _("Answering service “%s” is up (at most %u calls at once)"),
          self->id, self->policy.max_calls);
  return TRUE;
}

void
holler_daemon_stop (HollerDaemon *self)
{
  g_autoptr(GPtrArray) calls = g_ptr_array_new_with_free_func (g_object_unref);

  self->stopping = TRUE;
  /* hanging up may end a call at once: walk a copy */
  for (guint i = 0; i < self->entries->len; i++)
    g_ptr_array_add (calls, g_object_ref (((Entry *) g_ptr_array_index (self->entries, i))->pub.call));
  for (guint i = 0; i < calls->len; i++)
    holler_call_hangup (g_ptr_array_index (calls, i), "hangup");
  maybe_finish (self);
}

const HollerDaemonCall *
holler_daemon_place_call (HollerDaemon *self, const char *peer, GError **error)
{
  g_autoptr(HollerCallOptions) options = NULL;
  g_autofree char *label = NULL;
  Entry *e;

  if (!holler_signaling_ws_id_is_valid (peer))
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE, _("Bad id “%s”"), peer);
      return NULL;
    }
  if (self->stopping || find_peer (self, peer) != NULL)
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE,
                   self->stopping ? _("The service is stopping") : _("Already in a call with %s"), peer);
      return NULL;
    }
  e = add_entry (self, TRUE);
  label = g_strdup_printf ("call-%u", e->pub.number);
  options = options_for (self, e, peer);
  e->pub.call = holler_call_new_outgoing (self->signaling, peer, options, label);
  holler_call_report_follow (e->pub.call, self->reporter);
  adopt (self, e);
  if (!holler_call_start (e->pub.call, error))
    {
      holler_call_hangup (e->pub.call, "error");
      return NULL;
    }
  return &e->pub;
}

const HollerDaemonCall *
holler_daemon_lookup (HollerDaemon *self, guint number)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *e = g_ptr_array_index (self->entries, i);

      if (e->pub.number == number)
        return &e->pub;
    }
  return NULL;
}

GPtrArray *
holler_daemon_list (HollerDaemon *self)
{
  GPtrArray *list = g_ptr_array_new ();

  for (guint i = 0; i < self->entries->len; i++)
    g_ptr_array_add (list, &((Entry *) g_ptr_array_index (self->entries, i))->pub);
  return list;
}

const char *
holler_daemon_get_id (HollerDaemon *self)
{
  return self->id;
}

guint
holler_daemon_get_max_calls (HollerDaemon *self)
{
  return self->policy.max_calls;
}

int
holler_daemon_get_exit_status (HollerDaemon *self)
{
  return self->exit_status;
}
