/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DTLS-SRTP (RFC 5763/5764) run by us over the selected ICE pair, with
 * OpenSSL. We do the handshake ourselves rather than with GStreamer's dtls
 * elements because those accept any peer certificate: here the certificate
 * is checked against the SDP fingerprint inside the handshake, and a
 * mismatch aborts it before any key exists. */
#define G_LOG_DOMAIN "holler-dtls"

#include "config.h"
#include <string.h>
#include <glib/gi18n.h>
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/rand.h>
#include <openssl/evp.h>
#include "holler-dtls.h"
#include "holler-srtp.h"
#include "holler-error.h"
#include "holler-identity.h"

#define DTLS_MTU 1200
/* RFC 5705 exporter label of the short authentication string (ours) */
#define SAS_LABEL "EXTRACTOR-holler-sas"

enum { SIGNAL_CONNECTED, SIGNAL_FAILED, SIGNAL_CLOSED, N_SIGNALS };
static guint signals[N_SIGNALS];

struct _HollerDtls
{
  GObject parent_instance;

  gboolean client;
  char *remote_fingerprint;
  char *seen_fingerprint;       /* the peer certificate's, once seen */
  gboolean mismatch;
  HollerDtlsSendFunc send_func;
  gpointer send_data;

  SSL_CTX *ctx;
  SSL *ssl;
  BIO *rbio;
  gboolean started;
  gboolean done;
  gboolean finished;            /* connected, failed or closed */
  guint retransmit_id;
  guint timeout_id;
  HollerSrtpKeys keys;
};

G_DEFINE_TYPE (HollerDtls, holler_dtls, G_TYPE_OBJECT)

/* The per-process identity. */
static EVP_PKEY *local_key;
static X509 *local_cert;
static char *local_fingerprint;
static gboolean identity_in_use;     /* a session or an SDP has used it */
static int ssl_ex_index = -1;
static BIO_METHOD *send_bio_method;

static char *
fingerprint_of (X509 *cert)
{
  return holler_identity_fingerprint (cert);
}

/* No identity was given (--ephemeral, tests): one for this process only,
 * valid for 30 days as browsers make theirs. */
static gboolean
make_certificate (GError **error)
{
  if (!holler_identity_generate (30, &local_key, &local_cert, error))
    return FALSE;
  local_fingerprint = fingerprint_of (local_cert);
  return TRUE;
}

gboolean
holler_dtls_set_identity (EVP_PKEY *key, X509 *cert, GError **error)
{
  g_autofree char *fingerprint = fingerprint_of (cert);

  if (identity_in_use || fingerprint == NULL)
    {
      g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_IDENTITY,
                           fingerprint == NULL ? _("Cannot read the identity's certificate")
                                               : _("The DTLS identity is already in use"));
      return FALSE;
    }
  g_clear_pointer (&local_key, EVP_PKEY_free);
  g_clear_pointer (&local_cert, X509_free);
  g_free (local_fingerprint);
  EVP_PKEY_up_ref (key);
  X509_up_ref (cert);
  local_key = key;
  local_cert = cert;
  local_fingerprint = g_steal_pointer (&fingerprint);
  return TRUE;
}

/* Each BIO write is one datagram handed to ICE. */
static int
send_bio_write (BIO *bio, const char *data, int len)
{
  HollerDtls *self = BIO_get_data (bio);

  if (self != NULL && self->send_func != NULL && len > 0)
    self->send_func ((const guint8 *) data, len, self->send_data);
  return len;
}

static long
send_bio_ctrl (BIO *bio, int cmd, long num, void *ptr)
{
  switch (cmd)
    {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_DGRAM_QUERY_MTU:
    case BIO_CTRL_DGRAM_GET_MTU:
      return DTLS_MTU;
    default:
      return 0;
    }
}

static int
send_bio_create (BIO *bio)
{
  BIO_set_init (bio, 1);
  return 1;
}

static gboolean
global_init (GError **error)
{
  static gsize once = 0;
  static GError *init_error = NULL;

  if (g_once_init_enter (&once))
    {
      ssl_ex_index = SSL_get_ex_new_index (0, (void *) "holler", NULL, NULL, NULL);
      send_bio_method = BIO_meth_new (BIO_get_new_index () | BIO_TYPE_SOURCE_SINK, "holler-ice");
      BIO_meth_set_write (send_bio_method, send_bio_write);
      BIO_meth_set_ctrl (send_bio_method, send_bio_ctrl);
      BIO_meth_set_create (send_bio_method, send_bio_create);
      if (local_cert == NULL)
        make_certificate (&init_error);
      identity_in_use = TRUE;
      g_once_init_leave (&once, 1);
    }
  if (init_error != NULL)
    {
      g_propagate_error (error, g_error_copy (init_error));
      return FALSE;
    }
  return TRUE;
}

const char *
holler_dtls_local_fingerprint (GError **error)
{
  if (!global_init (error))
    return NULL;
  return local_fingerprint;
}

static int
on_verify_certificate (int preverify_ok, X509_STORE_CTX *store)
{
  SSL *ssl = X509_STORE_CTX_get_ex_data (store, SSL_get_ex_data_X509_STORE_CTX_idx ());
  HollerDtls *self = SSL_get_ex_data (ssl, ssl_ex_index);
  g_autofree char *fp = NULL;

  /* RFC 8122: the fingerprint names the end-entity certificate; chains and
   * CA validity are irrelevant (certificates are self-signed). */
  if (X509_STORE_CTX_get_error_depth (store) != 0)
    return 1;
  fp = fingerprint_of (X509_STORE_CTX_get_current_cert (store));
  g_free (self->seen_fingerprint);
  self->seen_fingerprint = g_strdup (fp);
  if (fp == NULL || g_ascii_strcasecmp (fp, self->remote_fingerprint) != 0)
    {
      self->mismatch = TRUE;
      X509_STORE_CTX_set_error (store, X509_V_ERR_CERT_REJECTED);
      return 0;
    }
  X509_STORE_CTX_set_error (store, X509_V_OK);
  return 1;
}

static void
clear_timers (HollerDtls *self)
{
  g_clear_handle_id (&self->retransmit_id, g_source_remove);
  g_clear_handle_id (&self->timeout_id, g_source_remove);
}

static void
finish_failed (HollerDtls *self, GError *error)
{
  if (self->finished)
    {
      g_error_free (error);
      return;
    }
  self->finished = TRUE;
  clear_timers (self);
  g_signal_emit (self, signals[SIGNAL_FAILED], 0, error);
  g_error_free (error);
}

static GError *
handshake_error (HollerDtls *self)
{
  unsigned long e = ERR_peek_last_error ();
  char buf[256];

  if (self->mismatch)
    {
      ERR_clear_error ();
      return g_error_new (HOLLER_ERROR, HOLLER_ERROR_FINGERPRINT_MISMATCH,
                          _("The peer's DTLS certificate (%s) does not match the fingerprint in its SDP (%s)"),
                          self->seen_fingerprint ? self->seen_fingerprint : "?", self->remote_fingerprint);
    }
  /* A bad_certificate alert from the peer: it compared our certificate with
   * the fingerprint it was given for us, and they differ. */
  if (ERR_GET_LIB (e) == ERR_LIB_SSL && ERR_GET_REASON (e) == SSL_R_SSLV3_ALERT_BAD_CERTIFICATE)
    {
      ERR_clear_error ();
      return g_error_new_literal (HOLLER_ERROR, HOLLER_ERROR_FINGERPRINT_MISMATCH,
                                  _("The peer rejected our DTLS certificate: the fingerprint it "
                                    "received for us does not match"));
    }
  ERR_error_string_n (e, buf, sizeof buf);
  ERR_clear_error ();
  return g_error_new (HOLLER_ERROR, HOLLER_ERROR_DTLS_FAILED, _("DTLS handshake failed: %s"),
                      e ? buf : _("connection closed"));
}

static gboolean
export_keys (HollerDtls *self)
{
  SRTP_PROTECTION_PROFILE *profile = SSL_get_selected_srtp_profile (self->ssl);
  guint8 material[2 * 32];
  guint key_len = 16, salt_len;
  const guint8 *client_key, *server_key, *client_salt, *server_salt;

  if (profile == NULL)
    return FALSE;
  if (profile->id == SRTP_AES128_CM_SHA1_80)
    salt_len = 14;
  else if (profile->id == SRTP_AEAD_AES_128_GCM)
    salt_len = 12;
  else
    return FALSE;

  if (SSL_export_keying_material (self->ssl, material, 2 * (key_len + salt_len),
                                  "EXTRACTOR-dtls_srtp", 19, NULL, 0, 0) != 1)
    return FALSE;
  /* RFC 5764 4.2: client key | server key | client salt | server salt */
  client_key = material;
  server_key = material + key_len;
  client_salt = material + 2 * key_len;
  server_salt = client_salt + salt_len;

  self->keys.profile = profile->id;
  self->keys.key_len = key_len + salt_len;
  memcpy (self->keys.local, self->client ? client_key : server_key, key_len);
  memcpy (self->keys.local + key_len, self->client ? client_salt : server_salt, salt_len);
  memcpy (self->keys.remote, self->client ? server_key : client_key, key_len);
  memcpy (self->keys.remote + key_len, self->client ? server_salt : client_salt, salt_len);
  OPENSSL_cleanse (material, sizeof material);
  return TRUE;
}

static void schedule_retransmit (HollerDtls *self);

static void
drive (HollerDtls *self)
{
  int ret, err;

  if (self->finished && !self->done)
    return;

  if (self->done)
    {
      char buf[2048];

      /* After the handshake only alerts and close_notify are expected. */
      ret = SSL_read (self->ssl, buf, sizeof buf);
      if (ret <= 0 && SSL_get_error (self->ssl, ret) == SSL_ERROR_ZERO_RETURN && !self->finished)
        {
          self->finished = TRUE;
          g_signal_emit (self, signals[SIGNAL_CLOSED], 0);
        }
      ERR_clear_error ();
      return;
    }

  ret = SSL_do_handshake (self->ssl);
  if (ret == 1)
    {
      X509 *peer = SSL_get0_peer_certificate (self->ssl);
      g_autofree char *fp = peer ? fingerprint_of (peer) : NULL;

      clear_timers (self);
      if (fp == NULL || g_ascii_strcasecmp (fp, self->remote_fingerprint) != 0)
        {
          self->mismatch = TRUE;
          finish_failed (self, handshake_error (self));
          return;
        }
      g_free (self->seen_fingerprint);
      self->seen_fingerprint = g_steal_pointer (&fp);
      if (!export_keys (self))
        {
          finish_failed (self, g_error_new_literal (HOLLER_ERROR, HOLLER_ERROR_DTLS_FAILED,
                                                    _("DTLS finished without an SRTP profile "
                                                      "(the peer does not do DTLS-SRTP)")));
          return;
        }
      self->done = TRUE;
      g_signal_emit (self, signals[SIGNAL_CONNECTED], 0);
      return;
    }

  err = SSL_get_error (self->ssl, ret);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
    {
      schedule_retransmit (self);
      return;
    }
  finish_failed (self, handshake_error (self));
}

static gboolean
on_retransmit (gpointer user_data)
{
  HollerDtls *self = user_data;

  self->retransmit_id = 0;
  if (DTLSv1_handle_timeout (self->ssl) < 0)
    {
      finish_failed (self, handshake_error (self));
      return G_SOURCE_REMOVE;
    }
  schedule_retransmit (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_retransmit (HollerDtls *self)
{
  struct timeval tv;
  guint ms;

  g_clear_handle_id (&self->retransmit_id, g_source_remove);
  if (!self->started || !DTLSv1_get_timeout (self->ssl, &tv))
    return;
  ms = tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
  self->retransmit_id = g_timeout_add (MAX (ms, 1), on_retransmit, self);
}

static gboolean
on_handshake_timeout (gpointer user_data)
{
  HollerDtls *self = user_data;

  self->timeout_id = 0;
  finish_failed (self, g_error_new_literal (HOLLER_ERROR, HOLLER_ERROR_DTLS_FAILED,
                                            _("DTLS handshake timed out")));
  return G_SOURCE_REMOVE;
}

static void
holler_dtls_dispose (GObject *object)
{
  HollerDtls *self = HOLLER_DTLS (object);

  clear_timers (self);
  self->send_func = NULL;
  G_OBJECT_CLASS (holler_dtls_parent_class)->dispose (object);
}

static void
holler_dtls_finalize (GObject *object)
{
  HollerDtls *self = HOLLER_DTLS (object);

  if (self->ssl != NULL)
    SSL_free (self->ssl);   /* frees both BIOs */
  if (self->ctx != NULL)
    SSL_CTX_free (self->ctx);
  OPENSSL_cleanse (&self->keys, sizeof self->keys);
  g_free (self->remote_fingerprint);
  g_free (self->seen_fingerprint);
  G_OBJECT_CLASS (holler_dtls_parent_class)->finalize (object);
}

static void
holler_dtls_class_init (HollerDtlsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = holler_dtls_dispose;
  object_class->finalize = holler_dtls_finalize;

  signals[SIGNAL_CONNECTED] = g_signal_new ("connected", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 0);
  signals[SIGNAL_FAILED] = g_signal_new ("failed", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 1, G_TYPE_ERROR);
  signals[SIGNAL_CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 0);
}

static void
holler_dtls_init (HollerDtls *self)
{
}

HollerDtls *
holler_dtls_new (gboolean client, const char *remote_fingerprint,
                 HollerDtlsSendFunc send_func, gpointer user_data, GError **error)
{
  g_autoptr(HollerDtls) self = NULL;
  const char *profiles;
  BIO *wbio;

  if (!global_init (error))
    return NULL;

  self = g_object_new (HOLLER_TYPE_DTLS, NULL);
  self->client = client;
  self->remote_fingerprint = g_strdup (remote_fingerprint);
  self->send_func = send_func;
  self->send_data = user_data;

  profiles = holler_srtp_gcm_supported () ? "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80"
                                          : "SRTP_AES128_CM_SHA1_80";
  self->ctx = SSL_CTX_new (DTLS_method ());
  if (self->ctx == NULL
      || !SSL_CTX_set_min_proto_version (self->ctx, DTLS1_2_VERSION)
      || SSL_CTX_use_certificate (self->ctx, local_cert) != 1
      || SSL_CTX_use_PrivateKey (self->ctx, local_key) != 1
      || SSL_CTX_set_tlsext_use_srtp (self->ctx, profiles) != 0   /* 0 is success */
      || SSL_CTX_set_cipher_list (self->ctx, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
                                             "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:"
                                             "ECDHE-RSA-AES256-GCM-SHA384") != 1)
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_DTLS_FAILED, _("Could not set up DTLS: %s"),
                   ERR_error_string (ERR_get_error (), NULL));
      return NULL;
    }
  SSL_CTX_set_verify (self->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, on_verify_certificate);
  SSL_CTX_set_read_ahead (self->ctx, 1);

  self->ssl = SSL_new (self->ctx);
  SSL_set_ex_data (self->ssl, ssl_ex_index, self);
  self->rbio = BIO_new (BIO_s_mem ());
  BIO_set_mem_eof_return (self->rbio, -1);
  wbio = BIO_new (send_bio_method);
  BIO_set_data (wbio, self);
  SSL_set_bio (self->ssl, self->rbio, wbio);
  SSL_set_options (self->ssl, SSL_OP_NO_QUERY_MTU);
  SSL_set_mtu (self->ssl, DTLS_MTU);
  DTLS_set_link_mtu (self->ssl, DTLS_MTU);
  if (client)
    SSL_set_connect_state (self->ssl);
  else
    SSL_set_accept_state (self->ssl);
  return g_steal_pointer (&self);
}

void
holler_dtls_start (HollerDtls *self, guint timeout_ms)
{
  if (self->timeout_id == 0 && !self->done && !self->finished)
    self->timeout_id = g_timeout_add (timeout_ms, on_handshake_timeout, self);
  if (self->started)
    return;
  self->started = TRUE;
  if (self->client)
    drive (self);
}

void
holler_dtls_receive (HollerDtls *self, const guint8 *data, gsize len)
{
  if (self->finished && !self->done)
    return;
  /* Feed one datagram and let OpenSSL consume it before the next arrives. */
  BIO_write (self->rbio, data, len);
  if (!self->client && !self->started)
    {
      /* The client may finish ICE first and send its hello before our
       * ICE layer reports the pair; the server can answer at once. */
      self->started = TRUE;
    }
  drive (self);
}

gboolean
holler_dtls_get_srtp_keys (HollerDtls *self, HollerSrtpKeys *keys)
{
  if (!self->done)
    return FALSE;
  *keys = self->keys;
  return TRUE;
}

void
holler_dtls_shutdown (HollerDtls *self)
{
  if (self->done && !self->finished)
    {
      self->finished = TRUE;
      SSL_shutdown (self->ssl);
      ERR_clear_error ();
    }
}

const char *
holler_dtls_get_cipher (HollerDtls *self)
{
  return self->done ? SSL_get_cipher_name (self->ssl) : NULL;
}

const char *
holler_dtls_get_peer_fingerprint (HollerDtls *self)
{
  return self->done ? self->seen_fingerprint : NULL;
}

/* Six digits from the session's RFC 5705 exporter, with both certificates'
 * fingerprints (the client's first) as its context: the two ends of one
 * DTLS session get the same digits; a man in the middle runs two sessions
 * with different secrets, so the people at either end read different ones. */
char *
holler_dtls_get_sas (HollerDtls *self)
{
  g_autofree char *context = NULL;
  guint8 out[8];
  guint64 n = 0;

  if (!self->done || self->seen_fingerprint == NULL)
    return NULL;
  context = g_strconcat (self->client ? local_fingerprint : self->seen_fingerprint, " ",
                         self->client ? self->seen_fingerprint : local_fingerprint, NULL);
  if (SSL_export_keying_material (self->ssl, out, sizeof out, SAS_LABEL, strlen (SAS_LABEL),
                                  (const unsigned char *) context, strlen (context), 1) != 1)
    {
      ERR_clear_error ();
      return NULL;
    }
  for (gsize i = 0; i < sizeof out; i++)
    n = (n << 8) | out[i];
  OPENSSL_cleanse (out, sizeof out);
  n %= 1000000;   /* the bias of 2^64 mod 10^6 is below 10^-13 */
  return g_strdup_printf ("%03u %03u", (guint) (n / 1000), (guint) (n % 1000));
}
