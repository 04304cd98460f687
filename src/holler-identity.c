/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Our DTLS identity (holler-identity.h): made, stored in one PEM file and
 * checked when read back. A file we cannot trust is an error, never a
 * reason to make a new key: a silent new key would look, to every peer
 * that pinned the old one, exactly like a man in the middle. */
#define G_LOG_DOMAIN "holler-identity"

#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include "holler-identity.h"
#include "holler-dtls.h"
#include "holler-error.h"
#include "holler-write.h"

#define IDENTITY_DAYS (20 * 365)   /* peers pin the key; only the fingerprint is checked */
#define MAX_FILE_SIZE (64 * 1024)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509, X509_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIO, BIO_free)

char *
holler_identity_default_path (gboolean service)
{
  return g_build_filename (g_get_user_data_dir (), "holler",
                           service ? "service-identity.pem" : "identity.pem", NULL);
}

static const char *
openssl_reason (void)
{
  unsigned long e = ERR_get_error ();
  const char *reason = e ? ERR_reason_error_string (e) : NULL;

  ERR_clear_error ();
  return reason ? reason : "?";
}

gboolean
holler_identity_generate (guint days, EVP_PKEY **key_out, X509 **cert_out, GError **error)
{
  g_autoptr(EVP_PKEY) key = EVP_EC_gen ("P-256");
  g_autoptr(X509) cert = X509_new ();
  unsigned char serial[8];
  X509_NAME *name;
  BIGNUM *bn;

  if (key == NULL || cert == NULL || RAND_bytes (serial, sizeof serial) != 1)
    goto fail;
  serial[0] &= 0x7f;   /* keep the serial positive */
  bn = BN_bin2bn (serial, sizeof serial, NULL);
  BN_to_ASN1_INTEGER (bn, X509_get_serialNumber (cert));
  BN_free (bn);
  X509_set_version (cert, 2);
  X509_gmtime_adj (X509_getm_notBefore (cert), -24 * 3600);
  X509_gmtime_adj (X509_getm_notAfter (cert), (long) days * 24 * 3600);
  X509_set_pubkey (cert, key);
  name = X509_get_subject_name (cert);
  X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_ASC, (const unsigned char *) "holler", -1, -1, 0);
  X509_set_issuer_name (cert, name);
  if (!X509_sign (cert, key, EVP_sha256 ()))
    goto fail;
  *key_out = g_steal_pointer (&key);
  *cert_out = g_steal_pointer (&cert);
  return TRUE;

fail:
  g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_DTLS_FAILED,
               _("Could not create the DTLS certificate: %s"), openssl_reason ());
  return FALSE;
}

char *
holler_identity_fingerprint (X509 *cert)
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  GString *s;

  if (!X509_digest (cert, EVP_sha256 (), md, &len))
    return NULL;
  s = g_string_sized_new (3 * len);
  for (unsigned int i = 0; i < len; i++)
    g_string_append_printf (s, i ? ":%02X" : "%02X", md[i]);
  return g_string_free (s, FALSE);
}

char *
holler_identity_short_fingerprint (const char *fingerprint)
{
  GString *s = g_string_new (NULL);
  guint digits = 0;

  for (const char *p = fingerprint; *p != '\0' && digits < 16; p++)
    {
      if (!g_ascii_isxdigit (*p))
        continue;
      if (digits > 0 && digits % 4 == 0)
        g_string_append_c (s, ' ');
      g_string_append_c (s, g_ascii_toupper (*p));
      digits++;
    }
  return g_string_free (s, FALSE);
}

static gboolean
identity_error (GError **error, const char *path, const char *why)
{
  g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_IDENTITY,
               _("Cannot use the identity file %s: %s (move it away to make a new identity; "
                 "peers that know the old one will see a changed key)"), path, why);
  return FALSE;
}

/* The key and certificate of a PEM text */
static gboolean
parse_pem (const char *path, const char *text, gsize len, EVP_PKEY **key_out, X509 **cert_out,
           GError **error)
{
  g_autoptr(BIO) bio = BIO_new_mem_buf (text, (int) len);
  g_autoptr(EVP_PKEY) key = NULL;
  g_autoptr(X509) cert = NULL;

  key = PEM_read_bio_PrivateKey (bio, NULL, NULL, (void *) "");
  if (key != NULL)
    cert = PEM_read_bio_X509 (bio, NULL, NULL, (void *) "");
  ERR_clear_error ();
  if (key == NULL || cert == NULL)
    return identity_error (error, path, _("it does not hold a private key followed by a certificate"));
  if (!EVP_PKEY_is_a (key, "EC") || X509_check_private_key (cert, key) != 1)
    {
      ERR_clear_error ();
      return identity_error (error, path, _("its key does not match its certificate"));
    }
  *key_out = g_steal_pointer (&key);
  *cert_out = g_steal_pointer (&cert);
  return TRUE;
}

/* Reads an existing file after checking who may read it: FALSE with
 * *missing set when there is none. */
static gboolean
read_existing (const char *path, EVP_PKEY **key, X509 **cert, gboolean *missing, GError **error)
{
  g_autofree char *text = NULL;
  struct stat st;
  gssize n;
  int fd;

  *missing = FALSE;
  fd = g_open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved_errno = errno;

      *missing = saved_errno == ENOENT;
      return *missing ? FALSE : identity_error (error, path, g_strerror (saved_errno));
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      return identity_error (error, path, _("it is not a regular file"));
    }
  if (st.st_uid != geteuid ())
    {
      close (fd);
      return identity_error (error, path, _("it belongs to another user"));
    }
  if (st.st_mode & (S_IRWXG | S_IRWXO))
    {
      close (fd);
      return identity_error (error, path, _("others can read or write it (chmod 600 if it is really yours)"));
    }
  text = g_malloc (MAX_FILE_SIZE + 1);
  n = read (fd, text, MAX_FILE_SIZE + 1);
  close (fd);
  if (n < 0 || n > MAX_FILE_SIZE)
    return identity_error (error, path, n < 0 ? g_strerror (errno) : _("it is too large"));
  return parse_pem (path, text, (gsize) n, key, cert, error);
}

static gboolean
write_pem (int fd, EVP_PKEY *key, X509 *cert)
{
  g_autoptr(BIO) bio = BIO_new (BIO_s_mem ());
  char *data;
  long len;
  gboolean ok;

  if (!PEM_write_bio_PrivateKey (bio, key, NULL, NULL, 0, NULL, NULL) || !PEM_write_bio_X509 (bio, cert))
    return FALSE;
  len = BIO_get_mem_data (bio, &data);
  ok = holler_write_all (fd, data, (gsize) len) && fsync (fd) == 0;
  OPENSSL_cleanse (data, (size_t) len);
  return ok;
}

/* A new identity written whole to a temporary file (O_EXCL, 0600), then
 * linked to @path: link() never replaces, so of two processes starting at
 * once one makes the file and the other reads it, never half written.
 * *lost: another process made it first. */
static gboolean
create_file (const char *path, EVP_PKEY **key, X509 **cert, gboolean *lost, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *tmp = g_strconcat (path, ".XXXXXX", NULL);
  int fd, saved_errno;
  gboolean linked;

  *lost = FALSE;
  if (g_mkdir_with_parents (dir, 0700) != 0)
    return identity_error (error, path, g_strerror (errno));
  if (!holler_identity_generate (IDENTITY_DAYS, key, cert, error))
    return FALSE;
  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    return identity_error (error, path, g_strerror (errno));
  if (!write_pem (fd, *key, *cert))
    {
      saved_errno = errno;
      close (fd);
      g_unlink (tmp);
      return identity_error (error, path, g_strerror (saved_errno));
    }
  close (fd);
  linked = link (tmp, path) == 0;
  saved_errno = errno;
  g_unlink (tmp);
  if (linked)
    return TRUE;
  g_clear_pointer (key, EVP_PKEY_free);
  g_clear_pointer (cert, X509_free);
  *lost = saved_errno == EEXIST;
  return *lost ? FALSE : identity_error (error, path, g_strerror (saved_errno));
}

gboolean
holler_identity_load (const char *path, EVP_PKEY **key, X509 **cert, gboolean *created, GError **error)
{
  gboolean missing, lost;

  *created = FALSE;
  if (read_existing (path, key, cert, &missing, error))
    return TRUE;
  if (!missing)
    return FALSE;
  if (create_file (path, key, cert, &lost, error))
    {
      *created = TRUE;
      return TRUE;
    }
  if (!lost)
    return FALSE;
  if (read_existing (path, key, cert, &missing, error))
    return TRUE;
  return missing ? identity_error (error, path, _("it vanished while it was being made")) : FALSE;
}

gboolean
holler_identity_use (const char *path, GError **error)
{
  g_autoptr(EVP_PKEY) key = NULL;
  g_autoptr(X509) cert = NULL;
  gboolean created;

  if (!holler_identity_load (path, &key, &cert, &created, error))
    return FALSE;
  if (created)
    g_debug ("made a new identity in %s", path);
  return holler_dtls_set_identity (key, cert, error);
}
