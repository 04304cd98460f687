/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

G_BEGIN_DECLS

/* SRTP protection profiles (RFC 5764 / RFC 7714 ids) */
typedef enum {
  HOLLER_SRTP_AES128_CM_SHA1_80 = 0x0001,
  HOLLER_SRTP_AEAD_AES_128_GCM = 0x0007,
} HollerSrtpProfile;

/* Master key and salt for each direction, as exported from DTLS */
typedef struct {
  HollerSrtpProfile profile;
  guint key_len;             /* master key + salt, bytes */
  guint8 local[32];          /* what we send with */
  guint8 remote[32];         /* what the peer sends with */
} HollerSrtpKeys;

#define HOLLER_TYPE_DTLS (holler_dtls_get_type ())
G_DECLARE_FINAL_TYPE (HollerDtls, holler_dtls, HOLLER, DTLS, GObject)

/* Writes one DTLS datagram to the network. */
typedef void (*HollerDtlsSendFunc) (const guint8 *data, gsize len, gpointer user_data);

/* The certificate of every session of this process: the one given to
 * holler_dtls_set_identity() (holler-identity.h), else one made on first
 * use for this process only (ECDSA P-256, self-signed). Returns its
 * SHA-256 fingerprint as upper-case hex pairs separated by ':'. */
const char *holler_dtls_local_fingerprint (GError **error);
/* Before the first session or fingerprint: use @key and @cert (references
 * are taken). HOLLER_ERROR_IDENTITY once the identity is in use. */
gboolean holler_dtls_set_identity (EVP_PKEY *key, X509 *cert, GError **error);

/* Signals:
 *   "connected" ()               handshake done, fingerprint verified, keys ready
 *   "failed"    (GError *error)  HOLLER_ERROR_FINGERPRINT_MISMATCH when the
 *                                peer's certificate is not the one in its SDP
 *                                (or it rejected ours), HOLLER_ERROR_DTLS_FAILED
 *                                otherwise (including the handshake timeout)
 *   "closed"    ()               the peer sent close_notify
 */
HollerDtls *holler_dtls_new (gboolean client, const char *remote_fingerprint,
                             HollerDtlsSendFunc send_func, gpointer user_data,
                             GError **error);

/* Starts the handshake (a client sends its ClientHello; a server waits). */
void     holler_dtls_start   (HollerDtls *self, guint timeout_ms);
void     holler_dtls_receive (HollerDtls *self, const guint8 *data, gsize len);
gboolean holler_dtls_get_srtp_keys (HollerDtls *self, HollerSrtpKeys *keys);
/* Sends close_notify. */
void     holler_dtls_shutdown (HollerDtls *self);
const char *holler_dtls_get_cipher (HollerDtls *self);
/* Once connected: the peer certificate's fingerprint (our form) */
const char *holler_dtls_get_peer_fingerprint (HollerDtls *self);
/* Once connected: the short authentication string, "123 456" (the same at
 * both ends of one DTLS session), or NULL */
char *holler_dtls_get_sas (HollerDtls *self);

G_END_DECLS
