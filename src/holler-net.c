/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Is an address still ours? getifaddrs(3), because GLib has no interface
 * listing and the signaling backend should not need libnice for it. */
#define G_LOG_DOMAIN "holler-net"

#include "config.h"
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>
#include <gio/gio.h>
#include "holler-net.h"

gboolean
holler_net_address_is_local (const char *ip)
{
  g_autoptr(GInetAddress) wanted = g_inet_address_new_from_string (ip);
  struct ifaddrs *list = NULL;
  gboolean found = FALSE;

  if (wanted == NULL || getifaddrs (&list) != 0)
    return TRUE;   /* cannot tell: assume nothing changed */
  for (struct ifaddrs *ifa = list; ifa != NULL && !found; ifa = ifa->ifa_next)
    {
      g_autoptr(GInetAddress) addr = NULL;

      if (ifa->ifa_addr == NULL)
        continue;
      if (ifa->ifa_addr->sa_family == AF_INET)
        addr = g_inet_address_new_from_bytes ((const guint8 *) &((struct sockaddr_in *) ifa->ifa_addr)->sin_addr,
                                              G_SOCKET_FAMILY_IPV4);
      else if (ifa->ifa_addr->sa_family == AF_INET6)
        addr = g_inet_address_new_from_bytes ((const guint8 *) &((struct sockaddr_in6 *) ifa->ifa_addr)->sin6_addr,
                                              G_SOCKET_FAMILY_IPV6);
      found = addr != NULL && g_inet_address_equal (addr, wanted);
    }
  freeifaddrs (list);
  return found;
}
