/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "holler"

#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib-unix.h>
#include "holler-status.h"
#include "holler-error.h"

#define REDRAW_INTERVAL_MS 200
#define METER_CELLS 10
#define METER_FLOOR_DB (-60.0)
#define STATS_INTERVAL_MS 1000

struct _HollerStatus
{
  GObject parent_instance;

  HollerRunner *runner;
  HollerReporter *reporter;
  int tty_fd;                  /* /dev/tty, -1 when not started */
  struct termios saved;        /* the terminal's settings before ours */
  guint key_watch_id;
  guint redraw_id;
  guint winch_id;
  gboolean drawn;              /* a status line is on the screen */
  gboolean utf8;

  /* what the call told (its "event" signal); the meters alone are read
   * at each redraw, as a level meter samples a signal */
  HollerCall *call;
  HollerCallState state;
  HollerIcePair pair;
  gboolean have_pair;
  HollerMediaStats stats;      /* from the last "stats" event */
  double rx_kbps;              /* < 0 until the call measured one */
  char *sas;                   /* the short authentication string, from the "peer" event */
  char *peer_status;           /* new, known, verified, changed, unchecked */
};

G_DEFINE_TYPE (HollerStatus, holler_status, G_TYPE_OBJECT)

/* For the exit handler: the terminal to put back if the process exits
 * without holler_status_stop() (an error path calling exit()). */
static int exit_restore_fd = -1;
static struct termios exit_restore_termios;

static void
restore_at_exit (void)
{
  if (exit_restore_fd >= 0)
    tcsetattr (exit_restore_fd, TCSANOW, &exit_restore_termios);
}

/* GLib's own messages (g_warning…, from any thread) go through this writer:
 * the status line of the running HollerStatus is cleared first and comes
 * back at the next redraw. */
static HollerStatus *line_owner;   /* atomic */

static GLogWriterOutput
on_glib_log (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  const char *domain = NULL;

  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "GLIB_DOMAIN") && fields[i].length < 0)
      domain = fields[i].value;
  if (g_atomic_pointer_get (&line_owner) != NULL && !g_log_writer_default_would_drop (level, domain))
    {
      fputs ("\r\033[K", stderr);
      fflush (stderr);
    }
  return g_log_writer_default (level, fields, n_fields, user_data);
}

static const char *
state_label (HollerStatus *self)
{
  if (self->call == NULL)
    return C_("call state", "waiting");
  switch (self->state)
    {
    case HOLLER_CALL_STATE_NEW:        return C_("call state", "starting");
    case HOLLER_CALL_STATE_OFFERING:   return C_("call state", "calling");
    case HOLLER_CALL_STATE_RINGING:    return C_("call state", "ringing");
    case HOLLER_CALL_STATE_CONNECTING: return C_("call state", "connecting");
    case HOLLER_CALL_STATE_ACTIVE:     return C_("call state", "active");
    case HOLLER_CALL_STATE_ENDED:      return C_("call state", "ended");
    default:                           return "?";
    }
}

static guint
terminal_columns (void)
{
  struct winsize size;

  if (ioctl (STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
    return size.ws_col;
  return 80;
}

/* Cuts @line to @columns cells (wide characters take two), so the line
 * never wraps and "\r" always returns to its start. */
static void
fit_to_columns (GString *line, guint columns)
{
  guint used = 0;

  for (const char *p = line->str; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      guint width = g_unichar_iswide (c) ? 2 : g_unichar_iszerowidth (c) ? 0 : 1;

      if (used + width > columns)
        {
          g_string_truncate (line, p - line->str);
          return;
        }
      used += width;
    }
}

/* "[######....] -12 dBFS": the bar spans -60…0 dBFS */
static void
append_meter (GString *line, const char *label, double db)
{
  int cells = (int) ((db - METER_FLOOR_DB) / (-METER_FLOOR_DB) * METER_CELLS + 0.5);

  cells = CLAMP (cells, 0, METER_CELLS);
  g_string_append_printf (line, " | %s [", label);
  for (int i = 0; i < METER_CELLS; i++)
    g_string_append_c (line, i < cells ? '#' : '.');
  g_string_append_printf (line, "] %.0f dBFS", db);
}

static void
append_media (HollerStatus *self, GString *line)
{
  HollerMediaStats levels = { 0 };
  const HollerMediaStats stats = self->stats;
  double expected;

  if (!holler_call_get_media_stats (self->call, &levels))
    return;
  append_meter (line, C_("level meter", "in"), levels.input_level_db);
  append_meter (line, C_("level meter", "out"), levels.output_level_db);
  expected = (double) stats.packets_received + MAX (stats.packets_lost, 0);
  g_string_append (line, " | ");
  g_string_append_printf (line, _("loss %.1f%%"), expected > 0 ? 100.0 * MAX (stats.packets_lost, 0) / expected : 0.0);
  g_string_append (line, " | ");
  g_string_append_printf (line, _("jitter %.1f ms"), stats.jitter_ms);
  g_string_append (line, " | ");
  if (self->rx_kbps >= 0)
    g_string_append_printf (line, _("rx %.0f kbit/s"), self->rx_kbps);
  else
    g_string_append_printf (line, "%s %s", _("rx"), self->utf8 ? "–" : "-");
  /* from the peer's RTCP reports; a dash before the first (or without RTCP) */
  if (stats.have_remote_report && stats.rtt_ms >= 0)
    g_string_append_printf (line, " | %s %.*f ms", _("rtt"), stats.rtt_ms < 10 ? 1 : 0, stats.rtt_ms);
  else
    g_string_append_printf (line, " | %s %s", _("rtt"), self->utf8 ? "–" : "-");
  if (self->have_pair)
    g_string_append_printf (line, " | %s/%s %s %s %s", self->pair.local_type, self->pair.remote_type,
                            self->pair.local_address, self->utf8 ? "↔" : "<->", self->pair.remote_address);
}

/* The code to read to the peer, and what we know of its key: a changed
 * key comes first and in capitals, since the line may be cut */
static void
append_peer (HollerStatus *self, GString *line)
{
  if (self->peer_status == NULL)
    return;
  if (g_str_equal (self->peer_status, "changed"))
    g_string_append_printf (line, " | %s", _("PEER KEY CHANGED"));
  if (self->sas != NULL)
    g_string_append_printf (line, " | %s %s", _("code"), self->sas);
  if (g_str_equal (self->peer_status, "verified"))
    g_string_append_printf (line, " %s", self->utf8 ? "✓" : _("(verified)"));
  else if (g_str_equal (self->peer_status, "new"))
    g_string_append_printf (line, " %s", _("(new peer)"));
}

static char *
render (HollerStatus *self)
{
  HollerCall *call = self->call;
  GString *line = g_string_new (state_label (self));
  HollerCallState state = self->state;

  if (call != NULL && holler_call_get_peer (call) != NULL)
    g_string_append_printf (line, " | %s", holler_call_get_peer (call));
  if (call != NULL && holler_call_get_muted (call))
    g_string_append_printf (line, " | %s", _("MUTED"));
  if (call != NULL && *holler_call_get_dtmf_received (call) != '\0')
    g_string_append_printf (line, " | %s %s", _("DTMF received"), holler_call_get_dtmf_received (call));
  append_peer (self, line);
  if (state == HOLLER_CALL_STATE_RINGING)
    g_string_append_printf (line, " | %s", _("a: answer, r: reject"));
  else if (state == HOLLER_CALL_STATE_ACTIVE || state == HOLLER_CALL_STATE_CONNECTING)
    append_media (self, line);
  fit_to_columns (line, terminal_columns () - 1);
  return g_string_free (line, FALSE);
}

static void
draw (HollerStatus *self)
{
  g_autofree char *line = render (self);

  fprintf (stderr, "\r\033[K%s", line);
  fflush (stderr);
  self->drawn = TRUE;
}

static void
clear_line (HollerStatus *self)
{
  if (!self->drawn)
    return;
  fputs ("\r\033[K", stderr);
  fflush (stderr);
  self->drawn = FALSE;
}

static void
on_before_line (gpointer user_data)
{
  clear_line (user_data);
}

static void
on_after_line (gpointer user_data)
{
  draw (user_data);
}

/* A line of our own (help, the ringing prompt) above the status line */
static void
print_text (HollerStatus *self, const char *text)
{
  clear_line (self);
  fprintf (stderr, "%s\n", text);
  draw (self);
}

static gboolean
on_redraw (gpointer user_data)
{
  draw (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_window_changed (gpointer user_data)
{
  draw (user_data);
  return G_SOURCE_CONTINUE;
}

static void
toggle_mute (HollerStatus *self, HollerCall *call)
{
  gboolean muted;
  JsonObject *fields = json_object_new ();

  if (call == NULL || holler_call_get_state (call) == HOLLER_CALL_STATE_ENDED)
    {
      json_object_unref (fields);
      return;
    }
  muted = !holler_call_get_muted (call);
  holler_call_set_muted (call, muted);
  json_object_set_boolean_member (fields, "muted", muted);
  holler_reporter_emit (self->reporter, holler_call_get_label (call), "mute", fields, "%s",
                        muted ? _("Microphone muted") : _("Microphone on"));
}

/* A digit key during a call: one DTMF digit to the peer */
static void
send_dtmf_key (HollerStatus *self, HollerCall *call, char key)
{
  char digit[2] = { key, '\0' };
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (call == NULL || holler_call_get_state (call) != HOLLER_CALL_STATE_ACTIVE)
    return;
  if (holler_call_send_dtmf (call, digit, &error))
    return;
  text = g_strdup_printf (_("Cannot send DTMF: %s"), error->message);
  print_text (self, text);
}

static void
handle_key (HollerStatus *self, char key)
{
  HollerCall *call = holler_runner_get_call (self->runner);

  switch (g_ascii_tolower (key))
    {
    case 'a':
      holler_runner_answer (self->runner);
      break;
    case 'r':
      holler_runner_reject (self->runner);
      break;
    case 'm':
      toggle_mute (self, call);
      break;
    case 'h':
      holler_runner_stop (self->runner);
      break;
    case '?':
      print_text (self, _("Keys: a answer, r reject (ringing), m mute/unmute, h hang up, "
                          "0-9 * # send DTMF, ? this help"));
      break;
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
    case '*': case '#':
      send_dtmf_key (self, call, key);
      break;
    default:
      break;
    }
  if (!holler_runner_is_finished (self->runner) && self->redraw_id != 0)
    draw (self);
}

static gboolean
on_key (int fd, GIOCondition condition, gpointer user_data)
{
  HollerStatus *self = user_data;
  char keys[16];
  ssize_t n = read (fd, keys, sizeof keys);

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    {
      self->key_watch_id = 0;   /* the terminal went away: no more keys */
      return G_SOURCE_REMOVE;
    }
  for (ssize_t i = 0; i < n && self->tty_fd >= 0; i++)
    handle_key (self, keys[i]);
  return G_SOURCE_CONTINUE;
}

static void
on_incoming (HollerRunner *runner, gpointer user_data)
{
  print_text (user_data, _("Ringing: press a to answer, r to reject"));
}

static void
on_call_event (HollerCall *call, const HollerCallEvent *event, gpointer user_data)
{
  HollerStatus *self = user_data;

  switch (event->type)
    {
    case HOLLER_CALL_EVENT_STATE:
      self->state = event->state.state;
      break;
    case HOLLER_CALL_EVENT_SELECTED_PAIR:
      self->pair = event->pair;
      self->have_pair = TRUE;
      break;
    case HOLLER_CALL_EVENT_STATS:
      self->stats = event->stats.media;
      if (event->stats.rx_kbps >= 0)
        self->rx_kbps = event->stats.rx_kbps;
      break;
    case HOLLER_CALL_EVENT_PEER:
      g_free (self->sas);
      self->sas = g_strdup (event->peer.sas);
      g_free (self->peer_status);
      self->peer_status = g_strdup (event->peer.status);
      break;
    case HOLLER_CALL_EVENT_DTMF:
      break;
    default:
      return;
    }
  /* at once, not at the next redraw */
  if (self->tty_fd >= 0 && !holler_runner_is_finished (self->runner))
    draw (self);
}

static void
follow_call (HollerStatus *self, HollerCall *call)
{
  if (self->call != NULL)
    g_signal_handlers_disconnect_by_data (self->call, self);
  g_set_object (&self->call, call);
  self->state = holler_call_get_state (call);
  g_signal_connect (call, "event", G_CALLBACK (on_call_event), self);
  holler_call_set_stats_interval (call, STATS_INTERVAL_MS);
}

static void
on_call_created (HollerRunner *runner, HollerCall *call, gpointer user_data)
{
  follow_call (user_data, call);
}

static void
holler_status_dispose (GObject *object)
{
  HollerStatus *self = HOLLER_STATUS (object);

  holler_status_stop (self);
  if (self->runner != NULL)
    g_signal_handlers_disconnect_by_data (self->runner, self);
  g_clear_object (&self->runner);
  if (self->call != NULL)
    g_signal_handlers_disconnect_by_data (self->call, self);
  g_clear_object (&self->call);
  g_clear_pointer (&self->reporter, holler_reporter_unref);
  g_clear_pointer (&self->sas, g_free);
  g_clear_pointer (&self->peer_status, g_free);
  G_OBJECT_CLASS (holler_status_parent_class)->dispose (object);
}

static void
holler_status_class_init (HollerStatusClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = holler_status_dispose;
}

static void
holler_status_init (HollerStatus *self)
{
  self->tty_fd = -1;
  self->rx_kbps = -1;
}

HollerStatus *
holler_status_new (HollerRunner *runner, HollerReporter *reporter)
{
  HollerStatus *self = g_object_new (HOLLER_TYPE_STATUS, NULL);

  self->runner = g_object_ref (runner);
  self->reporter = holler_reporter_ref (reporter);
  self->utf8 = g_get_charset (NULL);
  /* from the start, so no event of the call is missed */
  g_signal_connect (runner, "call-created", G_CALLBACK (on_call_created), self);
  if (holler_runner_get_call (runner) != NULL)
    follow_call (self, holler_runner_get_call (runner));
  return self;
}

gboolean
holler_status_start (HollerStatus *self, GError **error)
{
  static gsize exit_handler_set;
  struct termios keys;
  int fd;

  g_return_val_if_fail (self->tty_fd < 0, FALSE);
  fd = open ("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0 || tcgetattr (fd, &self->saved) != 0)
    {
      int saved_errno = errno;

      if (fd >= 0)
        close (fd);
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE, _("No terminal for keys: %s"),
                   g_strerror (saved_errno));
      return FALSE;
    }
  if (g_once_init_enter (&exit_handler_set))
    {
      atexit (restore_at_exit);
      g_log_set_writer_func (on_glib_log, NULL, NULL);
      g_once_init_leave (&exit_handler_set, 1);
    }
  /* one key at a time, not shown; Ctrl-C still interrupts (ISIG stays) */
  keys = self->saved;
  keys.c_lflag &= ~(ICANON | ECHO);
  keys.c_cc[VMIN] = 1;
  keys.c_cc[VTIME] = 0;
  exit_restore_termios = self->saved;
  exit_restore_fd = fd;
  if (tcsetattr (fd, TCSANOW, &keys) != 0)
    {
      int saved_errno = errno;

      exit_restore_fd = -1;
      close (fd);
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE, _("No terminal for keys: %s"),
                   g_strerror (saved_errno));
      return FALSE;
    }
  self->tty_fd = fd;
  self->key_watch_id = g_unix_fd_add (fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_key, self);
  self->redraw_id = g_timeout_add (REDRAW_INTERVAL_MS, on_redraw, self);
  self->winch_id = g_unix_signal_add (SIGWINCH, on_window_changed, self);
  g_signal_connect (self->runner, "incoming", G_CALLBACK (on_incoming), self);
  holler_reporter_set_line_hooks (self->reporter, on_before_line, on_after_line, self);
  g_atomic_pointer_set (&line_owner, self);
  draw (self);
  return TRUE;
}

void
holler_status_stop (HollerStatus *self)
{
  if (self->tty_fd < 0)
    return;
  holler_reporter_set_line_hooks (self->reporter, NULL, NULL, NULL);
  g_atomic_pointer_compare_and_exchange (&line_owner, self, NULL);
  g_clear_handle_id (&self->key_watch_id, g_source_remove);
  g_clear_handle_id (&self->redraw_id, g_source_remove);
  g_clear_handle_id (&self->winch_id, g_source_remove);
  clear_line (self);
  tcsetattr (self->tty_fd, TCSANOW, &self->saved);
  exit_restore_fd = -1;
  close (self->tty_fd);
  self->tty_fd = -1;
}
