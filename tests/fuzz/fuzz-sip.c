/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: what the sip: backend takes from the network and
 * the command line, through its pure mapping code. The input is a status
 * code (2 bytes) and up to four NUL-separated fields: the reason phrase,
 * a Warning text, an SDP body (the DTLS-SRTP check and the complete
 * description holler builds from its own offer with these as candidates)
 * and a SIP account / callee name. Checks: no crash, no GLib critical,
 * reasons made only of [a-z0-9-] and at most 40 long, texts valid UTF-8 on
 * one line. */
#include <string.h>
#include "fuzz-common.h"
#include "holler-sip-map.h"
#include "holler-sip-account.h"
#include "holler-sdp-complete.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_glib ();
  return 0;
}

static void
check_reason (const char *reason)
{
  FUZZ_CHECK (reason != NULL && strlen (reason) <= 40, "reason too long");
  FUZZ_CHECK (strspn (reason, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen (reason),
              "bad reason %s", reason);
}

static void
check_map (int status, const char *phrase, const char *warning, const char *sdp)
{
  g_autoptr(HollerMessage) msg = holler_sip_map_invite_response (status, phrase, warning, sdp, "peer");
  g_autofree char *reason = holler_sip_map_reason (status, phrase);

  check_reason (reason);
  if (msg == NULL)
    return;
  FUZZ_CHECK (g_strcmp0 (msg->from, "peer") == 0, "from lost");
  if (msg->type == HOLLER_MESSAGE_ERROR)
    {
      check_reason (msg->code);
      FUZZ_CHECK (g_utf8_validate (msg->text, -1, NULL) && strpbrk (msg->text, "\r\n") == NULL,
                  "bad text");
    }
}

static void
check_account (const char *text)
{
  g_autofree char *uri = g_strconcat ("sip:", text, NULL);
  g_autoptr(HollerSipAccount) account = holler_sip_account_parse (uri, NULL);
  g_autoptr(HollerSipAccount) own = holler_sip_account_parse ("sip:alice@example.org", NULL);
  g_autofree char *target = holler_sip_account_resolve (own, text, NULL);

  if (account != NULL)
    {
      g_autofree char *registrar = holler_sip_account_registrar (account);

      FUZZ_CHECK (strpbrk (account->aor, " \r\n<>\"") == NULL, "unsafe AOR %s", account->aor);
      FUZZ_CHECK (registrar != NULL, "no registrar");
    }
  if (target != NULL)
    FUZZ_CHECK (strpbrk (target, " \r\n<>\"") == NULL, "unsafe target %s", target);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *fields[4] = { NULL, NULL, NULL, NULL };
  g_autofree char *text = NULL;
  int status;
  char *p;

  if (size < 2 || size > 65536)
    return 0;
  status = (data[0] << 8 | data[1]) % 1000;
  /* NUL-separated fields; a field without UTF-8 is what sofia-sip never
   * gives us for a phrase, but SDP bodies are raw bytes */
  text = g_malloc (size - 1);
  memcpy (text, data + 2, size - 2);
  text[size - 2] = '\0';
  p = text;
  for (int i = 0; i < 4 && p < text + size - 2 + 1; i++)
    {
      fields[i] = p;
      p += strlen (p) + 1;
      if (p > text + size - 2)
        break;
    }
  check_map (status, fields[0], fields[1], fields[2]);
  (void) holler_sdp_offers_dtls_srtp (fields[2]);
  if (fields[3] != NULL && g_utf8_validate (fields[3], -1, NULL))
    check_account (fields[3]);
  if (fields[2] != NULL)
    {
      const char *candidates[] = { fields[0] ? fields[0] : "", fields[1], NULL };
      g_autofree char *complete = holler_sdp_complete (fields[2], candidates, TRUE, NULL);

      (void) complete;
    }
  return 0;
}
