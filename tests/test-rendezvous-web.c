/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The web client served by the rendezvous server: the files at their
 * paths with their content types, 404 for anything else, GET and HEAD
 * only; the WebSocket path is not shadowed. */
#include <string.h>
#include <libsoup/soup.h>
#include "server/holler-rendezvous.h"

#define WAIT_MS 10000

typedef struct {
  HollerRendezvous *server;
  SoupSession *session;
  char *base;
} Fixture;

typedef struct {
  gboolean done;
  GBytes *body;
} Reply;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(HollerRendezvousOptions) options = holler_rendezvous_options_new ();
  g_autoptr(GError) error = NULL;

  options->port = 0;
  options->quiet = TRUE;
  f->server = holler_rendezvous_new (options, &error);
  g_assert_no_error (error);
  g_assert_true (holler_rendezvous_start (f->server, &error));
  g_assert_no_error (error);
  f->base = g_strdup_printf ("http://127.0.0.1:%u", holler_rendezvous_get_port (f->server));
  f->session = soup_session_new ();
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->session);
  holler_rendezvous_stop (f->server);
  g_clear_object (&f->server);
  g_free (f->base);
}

static void
on_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Reply *reply = user_data;

  reply->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);
  reply->done = TRUE;
}

static gboolean
on_expired (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* The status; the body and content type through the out arguments. */
static guint
request (Fixture *f, const char *method, const char *path, GBytes **body, char **content_type)
{
  g_autofree char *uri = g_strconcat (f->base, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, uri);
  Reply reply = { 0 };
  gboolean expired = FALSE;
  guint id = g_timeout_add (WAIT_MS, on_expired, &expired);

  soup_session_send_and_read_async (f->session, msg, G_PRIORITY_DEFAULT, NULL, on_read, &reply);
  while (!reply.done && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  g_assert_true (reply.done);
  if (content_type != NULL)
    *content_type = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                            "Content-Type"));
  if (body != NULL)
    *body = reply.body;
  else
    g_clear_pointer (&reply.body, g_bytes_unref);
  return soup_message_get_status (msg);
}

static gboolean
body_contains (GBytes *body, const char *needle)
{
  g_autofree char *text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));

  return strstr (text, needle) != NULL;
}

static void
test_files (Fixture *f, gconstpointer data)
{
  static const struct { const char *path, *type, *needle; } files[] = {
    { "/", "text/html; charset=utf-8", "<title>Holler</title>" },
    { "/index.html", "text/html; charset=utf-8", "<title>Holler</title>" },
    { "/app.js", "text/javascript; charset=utf-8", "RTCPeerConnection" },
    { "/style.css", "text/css; charset=utf-8", "font-family" },
    { "/icon.svg", "image/svg+xml", "<svg" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autoptr(GBytes) body = NULL;
      g_autofree char *type = NULL;

      g_test_message ("GET %s", files[i].path);
      g_assert_cmpuint (request (f, "GET", files[i].path, &body, &type), ==, 200);
      g_assert_cmpstr (type, ==, files[i].type);
      g_assert_true (body_contains (body, files[i].needle));
    }
}

static void
test_refused (Fixture *f, gconstpointer data)
{
  g_autoptr(GBytes) body = NULL;
  g_autofree char *type = NULL;

  g_assert_cmpuint (request (f, "GET", "/nope.html", NULL, NULL), ==, 404);
  g_assert_cmpuint (request (f, "GET", "/../meson.build", NULL, NULL), ==, 404);
  g_assert_cmpuint (request (f, "GET", "/web/index.html", NULL, NULL), ==, 404);
  g_assert_cmpuint (request (f, "POST", "/", NULL, NULL), ==, 405);
  g_assert_cmpuint (request (f, "HEAD", "/app.js", &body, &type), ==, 200);
  g_assert_cmpstr (type, ==, "text/javascript; charset=utf-8");
  g_assert_cmpuint (g_bytes_get_size (body), ==, 0);
  /* a plain GET on the WebSocket path reaches the WebSocket handler */
  g_assert_cmpuint (request (f, "GET", "/ws", NULL, NULL), ==, 400);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/rendezvous-web/files", Fixture, NULL, fixture_setup, test_files, fixture_teardown);
  g_test_add ("/rendezvous-web/refused", Fixture, NULL, fixture_setup, test_refused, fixture_teardown);
  return g_test_run ();
}
