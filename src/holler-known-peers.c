/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The known-peers file (holler-known-peers.h): a bounded, strict parser
 * (fuzzed: tests/fuzz/fuzz-known-peers.c), atomic writes and a lock for
 * read-modify-write. */
#define G_LOG_DOMAIN "holler-known-peers"

#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include "holler-known-peers.h"
#include "holler-error.h"

#define MAX_ID 256
#define FINGERPRINT_LEN (32 * 3 - 1)

/* One line of the file: a peer, or text kept as it was (comments, blank) */
typedef struct {
  HollerKnownPeer peer;         /* id NULL for kept text */
  char *text;
} Line;

struct _HollerKnownPeers
{
  GArray *lines;                /* Line */
};

static void
line_clear (gpointer data)
{
  Line *line = data;

  g_free (line->peer.id);
  g_free (line->peer.fingerprint);
  g_free (line->text);
}

char *
holler_known_peers_default_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "holler", "known-peers", NULL);
}

HollerKnownPeers *
holler_known_peers_new (void)
{
  HollerKnownPeers *self = g_new0 (HollerKnownPeers, 1);

  self->lines = g_array_new (FALSE, TRUE, sizeof (Line));
  g_array_set_clear_func (self->lines, line_clear);
  return self;
}

void
holler_known_peers_free (HollerKnownPeers *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->lines);
  g_free (self);
}

gboolean
holler_known_peers_id_is_valid (const char *id)
{
  gsize n = 0;

  for (const char *p = id; *p != '\0'; p++, n++)
    if (*p <= ' ' || *p > '~' || *p == '#' || n >= MAX_ID)
      return FALSE;
  return n > 0;
}

char *
holler_known_peers_normalize_fingerprint (const char *text)
{
  char *fp;

  if (g_ascii_strncasecmp (text, "sha-256", 7) == 0 && (text[7] == ' ' || text[7] == '\t'))
    text += 8;
  while (*text == ' ' || *text == '\t')
    text++;
  if (strlen (text) != FINGERPRINT_LEN)
    return NULL;
  for (gsize i = 0; i < FINGERPRINT_LEN; i++)
    if (i % 3 == 2 ? text[i] != ':' : !g_ascii_isxdigit (text[i]))
      return NULL;
  fp = g_ascii_strup (text, -1);
  return fp;
}

static gboolean
line_error (GError **error, guint number, const char *why)
{
  g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_KNOWN_PEERS, _("known peers, line %u: %s"), number, why);
  return FALSE;
}

/* One line without its newline: a peer, kept text, or an error */
static gboolean
parse_line (HollerKnownPeers *self, const char *text, gsize len, guint number, GError **error)
{
  g_autofree char *copy = g_strndup (text, len);
  g_auto(GStrv) fields = NULL;
  g_autoptr(GPtrArray) words = g_ptr_array_new ();
  const HollerKnownPeer *known;
  Line line = { { NULL } };
  const char *p = copy;

  while (*p == ' ' || *p == '\t')
    p++;
  if (*p == '\0' || *p == '#')
    {
      line.text = g_steal_pointer (&copy);
      g_array_append_val (self->lines, line);
      return TRUE;
    }
  fields = g_strsplit_set (p, " \t", 8);
  for (gsize i = 0; fields[i] != NULL; i++)
    if (*fields[i] != '\0')
      g_ptr_array_add (words, fields[i]);
  if (words->len < 3 || words->len > 4 || (words->len == 4 && !g_str_equal (words->pdata[3], "verified")))
    return line_error (error, number, _("expected “ID sha-256 FINGERPRINT [verified]”"));
  if (!holler_known_peers_id_is_valid (words->pdata[0]))
    return line_error (error, number, _("the id is not 1 to 256 printable characters without “#”"));
  if (g_ascii_strcasecmp (words->pdata[1], "sha-256") != 0)
    return line_error (error, number, _("only sha-256 fingerprints are known"));
  line.peer.fingerprint = holler_known_peers_normalize_fingerprint (words->pdata[2]);
  if (line.peer.fingerprint == NULL)
    return line_error (error, number, _("the fingerprint is not 32 hex pairs joined by “:”"));
  known = holler_known_peers_lookup (self, words->pdata[0]);
  if (known != NULL)
    {
      g_free (line.peer.fingerprint);
      return line_error (error, number, _("this id is already on an earlier line"));
    }
  line.peer.id = g_strdup (words->pdata[0]);
  line.peer.verified = words->len == 4;
  g_array_append_val (self->lines, line);
  return TRUE;
}

/* UTF-8 without control characters but tabs */
static gboolean
is_text (const char *text, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if ((guchar) text[i] < ' ' && text[i] != '\t')
      return FALSE;
  return g_utf8_validate (text, len, NULL);
}

HollerKnownPeers *
holler_known_peers_parse (const char *text, gsize len, GError **error)
{
  g_autoptr(HollerKnownPeers) self = holler_known_peers_new ();
  gsize start = 0;
  guint number = 0, peers = 0;

  if (len > HOLLER_KNOWN_PEERS_MAX_SIZE)
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_KNOWN_PEERS, _("known peers: the file is over %u bytes"),
                   HOLLER_KNOWN_PEERS_MAX_SIZE);
      return NULL;
    }
  while (start < len)
    {
      const char *nl = memchr (text + start, '\n', len - start);
      gsize end = nl ? (gsize) (nl - text) : len;
      gsize line_len = end - start;

      number++;
      if (line_len > 0 && text[end - 1] == '\r')
        line_len--;
      if (line_len > HOLLER_KNOWN_PEERS_MAX_LINE)
        return line_error (error, number, _("the line is too long")), NULL;
      if (!is_text (text + start, line_len))
        return line_error (error, number, _("the line is not text")), NULL;
      if (!parse_line (self, text + start, line_len, number, error))
        return NULL;
      if (g_array_index (self->lines, Line, self->lines->len - 1).peer.id != NULL
          && ++peers > HOLLER_KNOWN_PEERS_MAX_PEERS)
        return line_error (error, number, _("too many peers")), NULL;
      start = end + 1;
    }
  return g_steal_pointer (&self);
}

HollerKnownPeers *
holler_known_peers_load (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) local_error = NULL;
  struct stat st;
  gsize len;
  HollerKnownPeers *self;

  if (g_stat (path, &st) != 0 && errno == ENOENT)
    return holler_known_peers_new ();
  if (g_stat (path, &st) == 0 && (gsize) st.st_size > HOLLER_KNOWN_PEERS_MAX_SIZE)
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_KNOWN_PEERS, _("%s: the file is over %u bytes"),
                   path, HOLLER_KNOWN_PEERS_MAX_SIZE);
      return NULL;
    }
  if (!g_file_get_contents (path, &text, &len, &local_error))
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_KNOWN_PEERS, "%s", local_error->message);
      return NULL;
    }
  self = holler_known_peers_parse (text, len, error);
  if (self == NULL)
    g_prefix_error (error, "%s: ", path);
  return self;
}

char *
holler_known_peers_to_string (const HollerKnownPeers *self)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < self->lines->len; i++)
    {
      const Line *line = &g_array_index (self->lines, Line, i);

      if (line->peer.id == NULL)
        g_string_append_printf (s, "%s\n", line->text);
      else
        g_string_append_printf (s, "%s sha-256 %s%s\n", line->peer.id, line->peer.fingerprint,
                                line->peer.verified ? " verified" : "");
    }
  return g_string_free (s, FALSE);
}

gboolean
holler_known_peers_save (const HollerKnownPeers *self, const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *text = holler_known_peers_to_string (self);
  g_autoptr(GError) local_error = NULL;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_KNOWN_PEERS, "%s: %s", dir, g_strerror (saved_errno));
      return FALSE;
    }
  /* a temporary file (0600), fsync, rename over the old */
  if (!g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &local_error))
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_KNOWN_PEERS, "%s", local_error->message);
      return FALSE;
    }
  return TRUE;
}

int
holler_known_peers_lock (const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *lock = g_strconcat (path, ".lock", NULL);
  int fd, saved_errno;

  if (g_mkdir_with_parents (dir, 0700) == 0
      && (fd = g_open (lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) >= 0)
    {
      while (flock (fd, LOCK_EX) != 0)
        if (errno != EINTR)
          {
            saved_errno = errno;
            close (fd);
            errno = saved_errno;
            goto fail;
          }
      return fd;
    }
fail:
  saved_errno = errno;
  g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_KNOWN_PEERS, "%s: %s", lock, g_strerror (saved_errno));
  return -1;
}

void
holler_known_peers_unlock (int fd)
{
  if (fd >= 0)
    close (fd);   /* releases the flock */
}

guint
holler_known_peers_get_n (const HollerKnownPeers *self)
{
  guint n = 0;

  for (guint i = 0; i < self->lines->len; i++)
    if (g_array_index (self->lines, Line, i).peer.id != NULL)
      n++;
  return n;
}

const HollerKnownPeer *
holler_known_peers_get (const HollerKnownPeers *self, guint i)
{
  for (guint l = 0; l < self->lines->len; l++)
    {
      const Line *line = &g_array_index (self->lines, Line, l);

      if (line->peer.id != NULL && i-- == 0)
        return &line->peer;
    }
  return NULL;
}

static Line *
find_line (const HollerKnownPeers *self, const char *id, guint *index)
{
  for (guint i = 0; i < self->lines->len; i++)
    {
      Line *line = &g_array_index (self->lines, Line, i);

      if (line->peer.id != NULL && g_str_equal (line->peer.id, id))
        {
          if (index != NULL)
            *index = i;
          return line;
        }
    }
  return NULL;
}

const HollerKnownPeer *
holler_known_peers_lookup (const HollerKnownPeers *self, const char *id)
{
  Line *line = find_line (self, id, NULL);

  return line ? &line->peer : NULL;
}

gboolean
holler_known_peers_set (HollerKnownPeers *self, const char *id, const char *fingerprint, gboolean verified,
                        GError **error)
{
  g_autofree char *fp = holler_known_peers_normalize_fingerprint (fingerprint);
  Line *line;

  if (!holler_known_peers_id_is_valid (id))
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE,
                   _("“%s” cannot be a known peer’s id (1 to 256 printable characters, no space or “#”)"), id);
      return FALSE;
    }
  if (fp == NULL)
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_USAGE,
                   _("“%s” is not a SHA-256 fingerprint (32 hex pairs joined by “:”)"), fingerprint);
      return FALSE;
    }
  line = find_line (self, id, NULL);
  if (line == NULL)
    {
      Line new_line = { { g_strdup (id), NULL, FALSE }, NULL };

      g_array_append_val (self->lines, new_line);
      line = &g_array_index (self->lines, Line, self->lines->len - 1);
    }
  g_free (line->peer.fingerprint);
  line->peer.fingerprint = g_steal_pointer (&fp);
  line->peer.verified = verified;
  return TRUE;
}

gboolean
holler_known_peers_remove (HollerKnownPeers *self, const char *id)
{
  guint index;

  if (find_line (self, id, &index) == NULL)
    return FALSE;
  g_array_remove_index (self->lines, index);
  return TRUE;
}
