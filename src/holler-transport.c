/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ICE, DTLS and SRTP stacked into one transport (libdatachannel's model):
 * the first-byte demultiplexer and the early-DTLS queue live here, not in
 * the call. */
#define G_LOG_DOMAIN "holler-transport"

#include "config.h"
#include <string.h>
#include <glib/gi18n.h>
#include "holler-transport.h"
#include "holler-error.h"

#define DEFAULT_DTLS_TIMEOUT_MS 15000
#define MAX_EARLY_DTLS 16         /* datagrams: one handshake flight is a few */
#define MAX_PACKET 1500

enum { SIGNAL_LOCAL_CANDIDATE, SIGNAL_GATHERING_DONE, SIGNAL_SELECTED_PAIR, SIGNAL_DTLS_CONNECTED,
       SIGNAL_DTLS_FAILED, SIGNAL_READY, SIGNAL_FAILED, SIGNAL_NETWORK_CHANGED, SIGNAL_WARNING, N_SIGNALS };
static guint signals[N_SIGNALS];

struct _HollerTransport
{
  GObject parent_instance;

  HollerIce *ice;
  gboolean ice_connected;       /* the first session had a pair */
  GPtrArray *early_dtls;        /* GBytes: DTLS sent before ICE had a pair */
  HollerDtls *dtls;             /* once the peer's fingerprint is known */
  guint dtls_timeout_ms;
  HollerSrtp *srtp;             /* set once on the main context, then read by senders */
  gboolean shut_down;

  HollerTransportReceiveFunc receive_func;
  gpointer receive_data;
};

G_DEFINE_TYPE (HollerTransport, holler_transport, G_TYPE_OBJECT)

/* --- RFC 7983: one component carries STUN (libnice's), DTLS and SRTP --- */

static gboolean
is_dtls (guint8 first)
{
  return first >= 20 && first <= 63;
}

static gboolean
is_rtp (guint8 first)
{
  return first >= 128 && first <= 191;
}

/* rtcp-mux (RFC 5761): payload types 192-223 are RTCP */
static gboolean
is_rtcp (const guint8 *packet)
{
  return packet[1] >= 192 && packet[1] <= 223;
}

static void
receive_srtp (HollerTransport *self, const guint8 *data, gsize len)
{
  guint8 packet[MAX_PACKET + HOLLER_SRTP_MAX_TRAILER];
  gboolean rtcp = is_rtcp (data);
  int plen = (int) len;

  memcpy (packet, data, len);
  if (holler_srtp_unprotect (self->srtp, packet, &plen, rtcp) && self->receive_func != NULL)
    self->receive_func (packet, plen, rtcp, self->receive_data);
}

static void
on_ice_data (const guint8 *data, gsize len, gpointer user_data)
{
  HollerTransport *self = user_data;

  if (len == 0 || self->shut_down)
    return;
  if (is_dtls (data[0]))
    {
      if (self->dtls != NULL)
        holler_dtls_receive (self->dtls, data, len);
    }
  else if (is_rtp (data[0]) && self->srtp != NULL && len >= 12 && len <= MAX_PACKET)
    receive_srtp (self, data, len);
}

static void
on_dtls_send (const guint8 *data, gsize len, gpointer user_data)
{
  HollerTransport *self = user_data;

  if (holler_ice_send (self->ice, data, len))
    return;
  /* As DTLS server we answer a ClientHello as soon as it arrives, and a
   * browser sends it once its own pair is nominated, which can be before
   * libnice reports ours: the flight would be dropped (no selected pair)
   * and the handshake stall ~1 s until a retransmission (seen with
   * Chromium 156 calling holler). Keep it and send it on the first pair. */
  if (!self->ice_connected && self->early_dtls->len < MAX_EARLY_DTLS)
    g_ptr_array_add (self->early_dtls, g_bytes_new (data, len));
}

static void
send_early_dtls (HollerTransport *self)
{
  for (guint i = 0; i < self->early_dtls->len; i++)
    {
      GBytes *datagram = g_ptr_array_index (self->early_dtls, i);

      holler_ice_send (self->ice, g_bytes_get_data (datagram, NULL), g_bytes_get_size (datagram));
    }
  g_ptr_array_set_size (self->early_dtls, 0);
}

/* --- events from the layers below --- */

static void
on_ice_connected (HollerIce *ice, gpointer user_data)
{
  HollerTransport *self = user_data;
  gboolean first = !self->ice_connected;

  self->ice_connected = TRUE;
  g_signal_emit (self, signals[SIGNAL_SELECTED_PAIR], 0, first);
  if (!first)
    return;
  send_early_dtls (self);
  if (self->dtls != NULL)
    holler_dtls_start (self->dtls, self->dtls_timeout_ms);
}

static void
on_ice_failed (HollerIce *ice, GError *error, gpointer user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_FAILED], 0, error);
}

static void
on_ice_local_candidate (HollerIce *ice, const char *candidate, gpointer user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_LOCAL_CANDIDATE], 0, candidate);
}

static void
on_ice_gathering_done (HollerIce *ice, gpointer user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_GATHERING_DONE], 0);
}

static void
on_ice_network_changed (HollerIce *ice, gpointer user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_NETWORK_CHANGED], 0);
}

static void
on_ice_warning (HollerIce *ice, const char *text, gpointer user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_WARNING], 0, text);
}

/* The keys leave the DTLS layer only into libsrtp (and the key log). */
static gboolean
install_srtp (HollerTransport *self, GError **error)
{
  HollerSrtpKeys keys;

  if (!holler_dtls_get_srtp_keys (self->dtls, &keys))
    {
      g_set_error_literal (error, HOLLER_ERROR, HOLLER_ERROR_DTLS_FAILED, _("No SRTP keys from DTLS"));
      return FALSE;
    }
  self->srtp = holler_srtp_new (&keys, error);
  memset (&keys, 0, sizeof keys);
  return self->srtp != NULL;
}

static void
on_dtls_connected (HollerDtls *dtls, gpointer user_data)
{
  g_autoptr(HollerTransport) self = g_object_ref (user_data);
  g_autoptr(GError) error = NULL;

  g_signal_emit (self, signals[SIGNAL_DTLS_CONNECTED], 0);
  if (self->shut_down)
    return;   /* the owner gave up on the call meanwhile */
  if (!install_srtp (self, &error))
    g_signal_emit (self, signals[SIGNAL_DTLS_FAILED], 0, error);
  else
    g_signal_emit (self, signals[SIGNAL_READY], 0);
}

static void
on_dtls_failed (HollerDtls *dtls, GError *error, gpointer user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_DTLS_FAILED], 0, error);
}

static void
on_dtls_closed (HollerDtls *dtls, gpointer user_data)
{
  g_debug ("peer closed DTLS");
}

/* --- GObject --- */

static void
holler_transport_dispose (GObject *object)
{
  HollerTransport *self = HOLLER_TRANSPORT (object);

  /* The owner has stopped its senders: nothing reads srtp or ice now. */
  g_clear_pointer (&self->srtp, holler_srtp_free);
  g_clear_object (&self->dtls);
  if (self->ice != NULL)
    holler_ice_close (self->ice);
  g_clear_object (&self->ice);
  G_OBJECT_CLASS (holler_transport_parent_class)->dispose (object);
}

static void
holler_transport_finalize (GObject *object)
{
  HollerTransport *self = HOLLER_TRANSPORT (object);

  g_ptr_array_unref (self->early_dtls);
  G_OBJECT_CLASS (holler_transport_parent_class)->finalize (object);
}

static guint
add_signal (HollerTransportClass *klass, const char *name, guint n_params, GType param)
{
  return g_signal_new (name, G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                       G_TYPE_NONE, n_params, param);
}

static void
holler_transport_class_init (HollerTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = holler_transport_dispose;
  object_class->finalize = holler_transport_finalize;

  signals[SIGNAL_LOCAL_CANDIDATE] = add_signal (klass, "local-candidate", 1, G_TYPE_STRING);
  signals[SIGNAL_GATHERING_DONE] = add_signal (klass, "gathering-done", 0, G_TYPE_NONE);
  signals[SIGNAL_SELECTED_PAIR] = add_signal (klass, "selected-pair", 1, G_TYPE_BOOLEAN);
  signals[SIGNAL_DTLS_CONNECTED] = add_signal (klass, "dtls-connected", 0, G_TYPE_NONE);
  signals[SIGNAL_DTLS_FAILED] = add_signal (klass, "dtls-failed", 1, G_TYPE_ERROR);
  signals[SIGNAL_READY] = add_signal (klass, "ready", 0, G_TYPE_NONE);
  signals[SIGNAL_FAILED] = add_signal (klass, "failed", 1, G_TYPE_ERROR);
  signals[SIGNAL_NETWORK_CHANGED] = add_signal (klass, "network-changed", 0, G_TYPE_NONE);
  signals[SIGNAL_WARNING] = add_signal (klass, "warning", 1, G_TYPE_STRING);
}

static void
holler_transport_init (HollerTransport *self)
{
  self->early_dtls = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
}

HollerTransport *
holler_transport_new (GMainContext *context, gboolean controlling, const HollerTransportConfig *config)
{
  HollerTransport *self = g_object_new (HOLLER_TYPE_TRANSPORT, NULL);

  self->dtls_timeout_ms = config->dtls_timeout_ms > 0 ? config->dtls_timeout_ms : DEFAULT_DTLS_TIMEOUT_MS;
  self->ice = holler_ice_new (context, controlling, &config->ice);
  holler_ice_set_receive_func (self->ice, on_ice_data, self);
  g_signal_connect_object (self->ice, "network-changed", G_CALLBACK (on_ice_network_changed), self, 0);
  g_signal_connect_object (self->ice, "local-candidate", G_CALLBACK (on_ice_local_candidate), self, 0);
  g_signal_connect_object (self->ice, "gathering-done", G_CALLBACK (on_ice_gathering_done), self, 0);
  g_signal_connect_object (self->ice, "connected", G_CALLBACK (on_ice_connected), self, 0);
  g_signal_connect_object (self->ice, "failed", G_CALLBACK (on_ice_failed), self, 0);
  g_signal_connect_object (self->ice, "warning", G_CALLBACK (on_ice_warning), self, 0);
  return self;
}

/* --- public API --- */

gboolean
holler_transport_gather (HollerTransport *self, GError **error)
{
  return holler_ice_gather (self->ice, error);
}

void
holler_transport_get_local_credentials (HollerTransport *self, char **ufrag, char **pwd)
{
  holler_ice_get_local_credentials (self->ice, ufrag, pwd);
}

const char *
holler_transport_get_local_fingerprint (HollerTransport *self, GError **error)
{
  return holler_dtls_local_fingerprint (error);
}

gboolean
holler_transport_set_remote_credentials (HollerTransport *self, const char *ufrag, const char *pwd,
                                         GError **error)
{
  return holler_ice_set_remote_credentials (self->ice, ufrag, pwd, error);
}

gboolean
holler_transport_set_remote_fingerprint (HollerTransport *self, gboolean dtls_client, const char *fingerprint,
                                         GError **error)
{
  g_return_val_if_fail (self->dtls == NULL, FALSE);
  self->dtls = holler_dtls_new (dtls_client, fingerprint, on_dtls_send, self, error);
  if (self->dtls == NULL)
    return FALSE;
  g_signal_connect_object (self->dtls, "connected", G_CALLBACK (on_dtls_connected), self, 0);
  g_signal_connect_object (self->dtls, "failed", G_CALLBACK (on_dtls_failed), self, 0);
  g_signal_connect_object (self->dtls, "closed", G_CALLBACK (on_dtls_closed), self, 0);
  if (self->ice_connected)
    holler_dtls_start (self->dtls, self->dtls_timeout_ms);
  return TRUE;
}

gboolean
holler_transport_has_remote_fingerprint (HollerTransport *self)
{
  return self->dtls != NULL;
}

gboolean
holler_transport_add_remote_candidate (HollerTransport *self, const char *candidate, GError **error)
{
  return holler_ice_add_remote_candidate (self->ice, candidate, error);
}

void
holler_transport_remote_gathering_done (HollerTransport *self)
{
  holler_ice_remote_gathering_done (self->ice);
}

void
holler_transport_set_receive_func (HollerTransport *self, HollerTransportReceiveFunc func, gpointer user_data)
{
  self->receive_func = func;
  self->receive_data = user_data;
}

gboolean
holler_transport_send (HollerTransport *self, guint8 *buf, gsize len, gsize buf_size)
{
  int plen = (int) len;

  if (self->srtp == NULL || len < 2 || len + HOLLER_SRTP_MAX_TRAILER > buf_size)
    return FALSE;
  /* RTCP comes here too, from rtpsession's thread (holler-rtcp.c) */
  return holler_srtp_protect (self->srtp, buf, &plen, is_rtcp (buf))
         && holler_ice_send (self->ice, buf, plen);
}

gboolean
holler_transport_get_selected_pair (HollerTransport *self, HollerIcePair *pair)
{
  return holler_ice_get_selected_pair (self->ice, pair);
}

gboolean
holler_transport_get_srtp_keys (HollerTransport *self, HollerSrtpKeys *keys)
{
  return self->dtls != NULL && holler_dtls_get_srtp_keys (self->dtls, keys);
}

const char *
holler_transport_get_cipher (HollerTransport *self)
{
  return self->dtls != NULL ? holler_dtls_get_cipher (self->dtls) : NULL;
}

const char *
holler_transport_get_peer_fingerprint (HollerTransport *self)
{
  return self->dtls != NULL ? holler_dtls_get_peer_fingerprint (self->dtls) : NULL;
}

char *
holler_transport_get_sas (HollerTransport *self)
{
  return self->dtls != NULL ? holler_dtls_get_sas (self->dtls) : NULL;
}

void
holler_transport_get_srtp_stats (HollerTransport *self, HollerSrtpStats *stats)
{
  if (self->srtp != NULL)
    holler_srtp_get_stats (self->srtp, stats);
  else
    memset (stats, 0, sizeof *stats);
}

gboolean
holler_transport_local_address_present (HollerTransport *self)
{
  return holler_ice_local_address_present (self->ice);
}

void
holler_transport_restart (HollerTransport *self)
{
  holler_ice_restart (self->ice);
}

void
holler_transport_shutdown (HollerTransport *self)
{
  self->shut_down = TRUE;
  if (self->dtls != NULL)
    holler_dtls_shutdown (self->dtls);
}

void
holler_transport_close (HollerTransport *self)
{
  holler_ice_close (self->ice);
}
