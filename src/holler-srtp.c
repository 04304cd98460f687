/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "holler-srtp"

#include "config.h"
#include <string.h>
#include <glib/gi18n.h>
#include <srtp2/srtp.h>
#include "holler-srtp.h"
#include "holler-error.h"

struct _HollerSrtp
{
  srtp_t tx;
  srtp_t rtcp_tx;           /* SRTCP we send, from rtpsession's thread */
  srtp_t rx;
  gint protected_packets;   /* written by the sending thread */
  gint unprotected_packets;
  gint auth_failures;
  gint replays;
};

static gboolean
srtp_library_init (void)
{
  static gsize once = 0;
  static gboolean ok;

  if (g_once_init_enter (&once))
    {
      ok = srtp_init () == srtp_err_status_ok;
      g_once_init_leave (&once, 1);
    }
  return ok;
}

static gboolean
set_policy (srtp_policy_t *policy, HollerSrtpProfile profile)
{
  switch (profile)
    {
    case HOLLER_SRTP_AES128_CM_SHA1_80:
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80 (&policy->rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80 (&policy->rtcp);
      return TRUE;
    case HOLLER_SRTP_AEAD_AES_128_GCM:
      srtp_crypto_policy_set_aes_gcm_128_16_auth (&policy->rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth (&policy->rtcp);
      return TRUE;
    default:
      return FALSE;
    }
}

gboolean
holler_srtp_gcm_supported (void)
{
  static gsize once = 0;
  static gboolean supported;

  if (g_once_init_enter (&once))
    {
      srtp_policy_t policy = { 0 };
      guint8 key[28] = { 0 };
      srtp_t session = NULL;

      if (srtp_library_init ())
        {
          set_policy (&policy, HOLLER_SRTP_AEAD_AES_128_GCM);
          policy.ssrc.type = ssrc_any_outbound;
          policy.key = key;
          supported = srtp_create (&session, &policy) == srtp_err_status_ok;
          if (session != NULL)
            srtp_dealloc (session);
        }
      g_once_init_leave (&once, 1);
    }
  return supported;
}

const char *
holler_srtp_profile_name (HollerSrtpProfile profile)
{
  switch (profile)
    {
    case HOLLER_SRTP_AES128_CM_SHA1_80: return "SRTP_AES128_CM_SHA1_80";
    case HOLLER_SRTP_AEAD_AES_128_GCM: return "SRTP_AEAD_AES_128_GCM";
    default: return "unknown";
    }
}

static gboolean
create_session (srtp_t *session, HollerSrtpProfile profile, const guint8 *key,
                srtp_ssrc_type_t direction, GError **error)
{
  srtp_policy_t policy;
  guint8 key_copy[32];
  srtp_err_status_t status;

  memset (&policy, 0, sizeof policy);
  memcpy (key_copy, key, sizeof key_copy);
  if (!set_policy (&policy, profile))
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_SRTP, _("Unsupported SRTP profile %d"), profile);
      return FALSE;
    }
  policy.ssrc.type = direction;
  policy.key = key_copy;
  policy.window_size = 1024;   /* tolerate reordering on real networks */
  policy.allow_repeat_tx = 0;
  status = srtp_create (session, &policy);
  memset (key_copy, 0, sizeof key_copy);
  if (status != srtp_err_status_ok)
    {
      g_set_error (error, HOLLER_ERROR, HOLLER_ERROR_SRTP,
                   _("Could not create an SRTP session (libsrtp error %d)"), status);
      return FALSE;
    }
  return TRUE;
}

HollerSrtp *
holler_srtp_new (const HollerSrtpKeys *keys, GError **error)
{
  g_autoptr(HollerSrtp) self = g_new0 (HollerSrtp, 1);

  if (!srtp_library_init ())
    {
      g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_SRTP, _("Could not initialise libsrtp"));
      return NULL;
    }
  if (!create_session (&self->tx, keys->profile, keys->local, ssrc_any_outbound, error)
      || !create_session (&self->rtcp_tx, keys->profile, keys->local, ssrc_any_outbound, error)
      || !create_session (&self->rx, keys->profile, keys->remote, ssrc_any_inbound, error))
    return NULL;
  return g_steal_pointer (&self);
}

void
holler_srtp_free (HollerSrtp *self)
{
  if (self == NULL)
    return;
  if (self->tx != NULL)
    srtp_dealloc (self->tx);
  if (self->rtcp_tx != NULL)
    srtp_dealloc (self->rtcp_tx);
  if (self->rx != NULL)
    srtp_dealloc (self->rx);
  g_free (self);
}

gboolean
holler_srtp_protect (HollerSrtp *self, guint8 *buf, int *len, gboolean rtcp)
{
  srtp_err_status_t status = rtcp ? srtp_protect_rtcp (self->rtcp_tx, buf, len)
                                  : srtp_protect (self->tx, buf, len);

  if (status != srtp_err_status_ok)
    return FALSE;
  g_atomic_int_inc (&self->protected_packets);
  return TRUE;
}

gboolean
holler_srtp_unprotect (HollerSrtp *self, guint8 *buf, int *len, gboolean rtcp)
{
  srtp_err_status_t status = rtcp ? srtp_unprotect_rtcp (self->rx, buf, len)
                                  : srtp_unprotect (self->rx, buf, len);

  if (status == srtp_err_status_ok)
    {
      g_atomic_int_inc (&self->unprotected_packets);
      return TRUE;
    }
  if (status == srtp_err_status_replay_fail || status == srtp_err_status_replay_old)
    g_atomic_int_inc (&self->replays);
  else
    g_atomic_int_inc (&self->auth_failures);
  return FALSE;
}

void
holler_srtp_get_stats (HollerSrtp *self, HollerSrtpStats *stats)
{
  stats->protected_packets = (guint) g_atomic_int_get (&self->protected_packets);
  stats->unprotected_packets = (guint) g_atomic_int_get (&self->unprotected_packets);
  stats->auth_failures = (guint) g_atomic_int_get (&self->auth_failures);
  stats->replays = (guint) g_atomic_int_get (&self->replays);
}
