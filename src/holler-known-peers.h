/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The known peers: for each peer id, the fingerprint of the certificate
 * it used (trust on first use) and whether two people compared their
 * short authentication strings. One line per peer, like SSH's
 * known_hosts (docs/security.md):
 *
 *   # comment
 *   ID sha-256 FINGERPRINT [verified]
 *
 * ID: 1 to 256 printable ASCII characters, no space and no '#';
 * FINGERPRINT: 32 hex pairs joined by ':' (kept upper-case). Fields are
 * separated by spaces or tabs. A file is at most 4 MiB, a line 1024
 * bytes, 10000 peers; comments and blank lines are kept when it is
 * written back. */

#define HOLLER_KNOWN_PEERS_MAX_SIZE (4 * 1024 * 1024)
#define HOLLER_KNOWN_PEERS_MAX_LINE 1024
#define HOLLER_KNOWN_PEERS_MAX_PEERS 10000

typedef struct {
  char *id;
  char *fingerprint;
  gboolean verified;
} HollerKnownPeer;

typedef struct _HollerKnownPeers HollerKnownPeers;

/* $XDG_DATA_HOME/holler/known-peers */
char *holler_known_peers_default_path (void);

HollerKnownPeers *holler_known_peers_new (void);
void              holler_known_peers_free (HollerKnownPeers *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HollerKnownPeers, holler_known_peers_free)

/* @len bytes of text (NUL bytes are an error). NULL with
 * HOLLER_ERROR_KNOWN_PEERS naming the first bad line. */
HollerKnownPeers *holler_known_peers_parse (const char *text, gsize len, GError **error);
/* The file at @path; an empty list when there is none. */
HollerKnownPeers *holler_known_peers_load (const char *path, GError **error);
/* The text holler_known_peers_parse() reads back to the same list */
char             *holler_known_peers_to_string (const HollerKnownPeers *self);
/* Writes a new file (0600, its directory made 0700) and renames it over
 * @path, so a reader sees the old file or the new one, never a part. */
gboolean          holler_known_peers_save (const HollerKnownPeers *self, const char *path, GError **error);

/* Holds an exclusive lock (flock on PATH.lock) between load and save, so
 * two processes updating the file at once lose neither update. -1 with
 * @error set on failure; give the result to holler_known_peers_unlock(). */
int               holler_known_peers_lock (const char *path, GError **error);
void              holler_known_peers_unlock (int fd);

guint                  holler_known_peers_get_n (const HollerKnownPeers *self);
const HollerKnownPeer *holler_known_peers_get (const HollerKnownPeers *self, guint i);
const HollerKnownPeer *holler_known_peers_lookup (const HollerKnownPeers *self, const char *id);
/* Pins @fingerprint for @id (replacing what was pinned); FALSE with
 * HOLLER_ERROR_USAGE for an id or fingerprint the file cannot hold. */
gboolean holler_known_peers_set (HollerKnownPeers *self, const char *id, const char *fingerprint,
                                 gboolean verified, GError **error);
/* FALSE when @id was not known */
gboolean holler_known_peers_remove (HollerKnownPeers *self, const char *id);

/* "sha-256 AB:CD:…" or a bare fingerprint, any case, into our form (upper
 * case, ':'-joined); NULL when it is not a SHA-256 fingerprint */
char *holler_known_peers_normalize_fingerprint (const char *text);
gboolean holler_known_peers_id_is_valid (const char *id);

G_END_DECLS
