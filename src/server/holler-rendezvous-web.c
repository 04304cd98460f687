/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The web client of `holler serve`: data/web compiled into the binary as a
 * GResource (holler-web.gresource.xml), so there is no install path to look
 * up. A fixed table maps URL paths to resources: nothing else is served, so
 * no path from a request ever reaches a file lookup. */
#define G_LOG_DOMAIN "holler-serve"

#include "config.h"
#include <string.h>
#include "holler-rendezvous-web.h"
#include "holler-web-resources.h"

#define RESOURCE_PREFIX "/io/github/holler/Holler/web/"

static const struct {
  const char *path;
  const char *resource;
  const char *content_type;
} web_files[] = {
  { "/",           "index.html", "text/html; charset=utf-8" },
  { "/index.html", "index.html", "text/html; charset=utf-8" },
  { "/app.js",     "app.js",     "text/javascript; charset=utf-8" },
  { "/style.css",  "style.css",  "text/css; charset=utf-8" },
  { "/icon.svg",   "icon.svg",   "image/svg+xml" },
};

static void
respond_text (SoupServerMessage *msg, guint status, const char *text)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY, text, strlen (text));
}

static void
on_web_request (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  const char *method = soup_server_message_get_method (msg);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autofree char *resource = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (web_files); i++)
    if (g_str_equal (path, web_files[i].path))
      break;
  if (i == G_N_ELEMENTS (web_files))
    {
      respond_text (msg, SOUP_STATUS_NOT_FOUND, "Not found\n");
      return;
    }
  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD)
    {
      soup_message_headers_replace (headers, "Allow", "GET, HEAD");
      respond_text (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "Method not allowed\n");
      return;
    }
  resource = g_strconcat (RESOURCE_PREFIX, web_files[i].resource, NULL);
  bytes = g_resource_lookup_data (holler_web_get_resource (), resource, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  if (bytes == NULL)   /* only if the build left a file out of the resource */
    {
      respond_text (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "Missing resource\n");
      return;
    }
  /* the page talks only to this server (its /ws); nothing inline, no framing */
  soup_message_headers_replace (headers, "Content-Security-Policy",
                                "default-src 'self'; connect-src 'self'; frame-ancestors 'none'");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (headers, "Referrer-Policy", "no-referrer");
  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, web_files[i].content_type, SOUP_MEMORY_COPY,
                                    g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

void
holler_rendezvous_web_add_handler (SoupServer *server)
{
  /* NULL: the default handler, for every path without a handler of its own */
  soup_server_add_handler (server, NULL, on_web_request, NULL, NULL);
}
