/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HOLLER_ERROR (holler_error_quark ())

/* Codes callers act on; each maps to a call end reason where relevant. */
typedef enum {
  HOLLER_ERROR_FAILED,
  HOLLER_ERROR_USAGE,               /* bad command line or option value */
  HOLLER_ERROR_CONFIG,              /* bad configuration */
  HOLLER_ERROR_INVALID_SDP,         /* malformed or unacceptable SDP */
  HOLLER_ERROR_INVALID_MESSAGE,     /* signaling message we cannot use */
  HOLLER_ERROR_SIGNALING,           /* signaling channel failed */
  HOLLER_ERROR_ICE_FAILED,
  HOLLER_ERROR_DTLS_FAILED,
  HOLLER_ERROR_FINGERPRINT_MISMATCH,
  HOLLER_ERROR_SRTP,
  HOLLER_ERROR_MEDIA,
  HOLLER_ERROR_TIMEOUT,
  HOLLER_ERROR_IDENTITY,            /* our identity file cannot be used */
  HOLLER_ERROR_KNOWN_PEERS,         /* the known-peers file cannot be used */
} HollerError;

GQuark holler_error_quark (void);

G_END_DECLS
