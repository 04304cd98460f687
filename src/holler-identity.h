/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

G_BEGIN_DECLS

/* Our DTLS identity: an ECDSA P-256 key and a self-signed certificate.
 * The persistent one lives in one PEM file (key, then certificate) under
 * $XDG_DATA_HOME/holler/, mode 0600, so peers can pin it (known peers,
 * docs/security.md); --ephemeral makes a new one for each run. */

/* $XDG_DATA_HOME/holler/identity.pem, or service-identity.pem for the
 * answering service (it is someone else than the person at the terminal). */
char *holler_identity_default_path (gboolean service);

/* A new key and self-signed certificate valid for @days (from a day ago). */
gboolean holler_identity_generate (guint days, EVP_PKEY **key, X509 **cert, GError **error);

/* The file's key and certificate, creating the file (0600, its directory
 * 0700) when it does not exist. Never replaces a file: one that is
 * corrupt, not owned by us, readable by others or whose key does not
 * match its certificate fails with HOLLER_ERROR_IDENTITY. *created says
 * whether this call made it. */
gboolean holler_identity_load (const char *path, EVP_PKEY **key, X509 **cert, gboolean *created,
                               GError **error);

/* Loads (or creates) @path and makes it the identity of every DTLS session
 * of this process (holler_dtls_set_identity()). */
gboolean holler_identity_use (const char *path, GError **error);

/* SHA-256 of the certificate's DER as upper-case hex pairs joined by ':'
 * (the SDP a=fingerprint form), NULL on failure */
char *holler_identity_fingerprint (X509 *cert);

/* A short form people can read and compare: the first 8 bytes of the
 * fingerprint as four groups of four hex digits ("1A2B 3C4D 5E6F 7A8B"). */
char *holler_identity_short_fingerprint (const char *fingerprint);

G_END_DECLS
