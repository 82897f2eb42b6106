/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The HTTPS front for real: posternd with the httptest plugin, driven by
 * curl and by raw TLS clients sending what curl never would. */
#include <arpa/inet.h>
#include <glib/gstdio.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "postern-test-daemon.h"

typedef struct {
  PosternTestDaemon *d;
  guint16 https_port;
  guint16 http_port;
  gchar *ca;
  gchar *file;
  gchar *file_sha256;
} Fixture;

static void
write_dropin (Fixture *f, const gchar *fqdn)
{
  g_autofree gchar *conf = g_strdup_printf ("[core]\nfqdn = %s\nhttps-listen = 127.0.0.1:%u;[::1]:%u\n"
                                            "http-listen = 127.0.0.1:%u\n\n[httptest]\nfile = %s\n",
                                            fqdn, f->https_port, f->https_port, f->http_port, f->file);

  postern_test_daemon_write_dropin (f->d, "10-front.conf", conf);
}

static void
save_ca (Fixture *f, const gchar *fqdn)
{
  g_free (f->ca);
  f->ca = postern_test_daemon_save_ca (f->d, fqdn);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *blob = g_malloc (1024 * 1024 + 7);

  f->d = postern_test_daemon_new (g_getenv ("POSTERN_TEST_PLUGIN_DIR"));
  f->https_port = postern_test_free_tcp_port ();
  f->http_port = postern_test_free_tcp_port ();
  for (gsize i = 0; i < 1024 * 1024 + 7; i++)
    blob[i] = (guint8) g_random_int ();
  f->file = g_build_filename (f->d->root, "blob.bin", NULL);
  g_assert_true (g_file_set_contents (f->file, (const gchar *) blob, 1024 * 1024 + 7, NULL));
  f->file_sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, blob, 1024 * 1024 + 7);
  write_dropin (f, "localhost");
  postern_test_daemon_start (f->d, &error);
  g_assert_no_error (error);
  save_ca (f, "localhost");
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  postern_test_daemon_free (f->d);
  g_free (f->ca);
  g_free (f->file);
  g_free (f->file_sha256);
}

/* curl ARGS... ; returns the exit status */
static gint
curl (Fixture *f, gchar **out, gchar **err, ...)
{
  g_autoptr(GPtrArray) argv = postern_test_curl_argv (f->ca, f->https_port);
  va_list args;
  const gchar *arg;

  g_ptr_array_add (argv, g_strdup ("--max-time"));
  g_ptr_array_add (argv, g_strdup ("60"));
  va_start (args, err);
  while ((arg = va_arg (args, const gchar *)) != NULL)
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, NULL);
  return postern_test_run (out, err, (const gchar *const *) argv->pdata);
}

static gchar *
url (Fixture *f, const gchar *path)
{
  return g_strdup_printf ("https://localhost:%u%s", f->https_port, path);
}

static void
test_basic (Fixture *f, gconstpointer data)
{
  g_autofree gchar *hello = url (f, "/t/hello");
  g_autofree gchar *nope = url (f, "/nowhere");
  g_autofree gchar *silent = url (f, "/t/silent");
  g_autofree gchar *v6 = g_strdup_printf ("https://[::1]:%u/t/hello", f->https_port);
  g_autofree gchar *out = NULL, *err = NULL, *head = NULL, *missing = NULL, *dropped = NULL, *six = NULL;
  g_autofree gchar *tls12 = NULL, *tls12_err = NULL;

  g_assert_cmpint (curl (f, &out, &err, "-v", "-i", hello, NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, "HTTP/1.1 200 OK\r\n"));
  g_assert_nonnull (strstr (out, "\r\nX-Test: yes\r\n"));
  g_assert_true (g_str_has_suffix (out, "\r\n\r\nhello from postern\n"));
  g_assert_nonnull (strstr (err, "SSL connection using TLSv1.3"));
  g_assert_nonnull (strstr (err, "ALPN: server accepted http/1.1"));

  g_assert_cmpint (curl (f, &tls12, &tls12_err, "-v", "--tlsv1.2", "--tls-max", "1.2", hello, NULL), ==, 0);
  g_assert_nonnull (strstr (tls12_err, "SSL connection using TLSv1.2"));
  g_assert_cmpstr (tls12, ==, "hello from postern\n");

  g_assert_cmpint (curl (f, &head, NULL, "-I", hello, NULL), ==, 0);
  g_assert_nonnull (strstr (head, "Content-Length: 19\r\n"));
  g_assert_true (g_str_has_suffix (head, "\r\n\r\n"));

  g_assert_cmpint (curl (f, &missing, NULL, "-i", nope, NULL), ==, 0);
  g_assert_true (g_str_has_prefix (missing, "HTTP/1.1 404 Not Found\r\n"));
  g_assert_cmpint (curl (f, &dropped, NULL, "-i", silent, NULL), ==, 0);
  g_assert_true (g_str_has_prefix (dropped, "HTTP/1.1 500 Internal Server Error\r\n"));
  g_assert_cmpint (curl (f, &six, NULL, "-k", v6, NULL), ==, 0);
  g_assert_cmpstr (six, ==, "hello from postern\n");
}

static void
test_redirect (Fixture *f, gconstpointer data)
{
  g_autofree gchar *plain = g_strdup_printf ("http://127.0.0.1:%u/t/hello?a=1&b=2", f->http_port);
  g_autofree gchar *expected = g_strdup_printf ("Location: https://127.0.0.1:%u/t/hello?a=1&b=2\r\n", f->https_port);
  g_autofree gchar *out = NULL;

  g_assert_cmpint (curl (f, &out, NULL, "-i", plain, NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, "HTTP/1.1 301 Moved Permanently\r\n"));
  g_assert_nonnull (strstr (out, expected));
}

static void
test_file_and_bodies (Fixture *f, gconstpointer data)
{
  g_autofree gchar *file_url = url (f, "/t/file");
  g_autofree gchar *echo_url = url (f, "/t/echo");
  g_autofree gchar *upload = g_strdup_printf ("@%s", f->file);
  g_autofree gchar *expected = g_strdup_printf ("%d bytes, sha256 %s\n", 1024 * 1024 + 7, f->file_sha256);
  g_autofree gchar *downloaded = g_build_filename (f->d->root, "download.bin", NULL);
  g_autofree gchar *contents = NULL, *sum = NULL, *by_length = NULL, *by_chunks = NULL, *empty = NULL;
  gsize len;

  g_assert_cmpint (curl (f, NULL, NULL, "-o", downloaded, file_url, NULL), ==, 0);
  g_assert_true (g_file_get_contents (downloaded, &contents, &len, NULL));
  sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
  g_assert_cmpstr (sum, ==, f->file_sha256);

  g_assert_cmpint (curl (f, &by_length, NULL, "--data-binary", upload, echo_url, NULL), ==, 0);
  g_assert_cmpstr (by_length, ==, expected);
  g_assert_cmpint (curl (f, &by_chunks, NULL, "-H", "Transfer-Encoding: chunked", "--data-binary", upload,
                         echo_url, NULL), ==, 0);
  g_assert_cmpstr (by_chunks, ==, expected);
  g_assert_cmpint (curl (f, &empty, NULL, "-X", "POST", echo_url, NULL), ==, 0);
  g_assert_cmpstr (empty, ==, "0 bytes, sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n");
}

static void
test_keepalive (Fixture *f, gconstpointer data)
{
  g_autofree gchar *hello = url (f, "/t/hello");
  g_autofree gchar *out = NULL;

  g_assert_cmpint (curl (f, &out, NULL, "-o", "/dev/null", "-o", "/dev/null", "-w", "%{num_connects},", hello,
                         hello, NULL), ==, 0);
  /* The second request reused the first connection. */
  g_assert_cmpstr (out, ==, "1,0,");
}

static guint
open_streams (Fixture *f)
{
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync (
    f->d->connection, "org.postern.Postern1", "/org/postern/Postern1/httptest", "org.freedesktop.DBus.Properties",
    "Get", g_variant_new ("(ss)", "org.postern.HttpTest", "OpenStreams"), G_VARIANT_TYPE ("(v)"),
    G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  g_autoptr(GVariant) value = NULL;

  g_assert_nonnull (reply);
  g_variant_get (reply, "(v)", &value);
  return g_variant_get_uint32 (value);
}

static void
call_plugin (Fixture *f, const gchar *method, GVariant *args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync (
    f->d->connection, "org.postern.Postern1", "/org/postern/Postern1/httptest", "org.postern.HttpTest", method, args,
    NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (reply);
}

static GSubprocess *
open_stream (Fixture *f, GDataInputStream **lines)
{
  g_autoptr(GPtrArray) argv = postern_test_curl_argv (f->ca, f->https_port);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = postern_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  GSubprocess *p;

  g_ptr_array_add (argv, g_strdup ("-N"));
  g_ptr_array_add (argv, g_strdup ("--max-time"));
  g_ptr_array_add (argv, g_strdup ("120"));
  g_ptr_array_add (argv, url (f, "/t/stream"));
  g_ptr_array_add (argv, NULL);
  p = g_subprocess_launcher_spawnv (launcher, (const gchar *const *) argv->pdata, &error);
  g_assert_no_error (error);
  *lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (p));
  return p;
}

static gchar *
next_line (GDataInputStream *lines)
{
  g_autoptr(GError) error = NULL;
  gchar *line = g_data_input_stream_read_line (lines, NULL, NULL, &error);

  g_assert_no_error (error);
  return line;
}

static void
expect_line (GDataInputStream *lines, const gchar *expected)
{
  g_autofree gchar *line = next_line (lines);

  g_assert_cmpstr (line, ==, expected);
}

static void
test_event_stream (Fixture *f, gconstpointer data)
{
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GSubprocess) p = open_stream (f, &lines);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *rest = NULL;

  /* The first event arrives while the response is still open: nothing
   * buffers the stream. The plugin ends it only when told to. */
  expect_line (lines, "event: hello");
  expect_line (lines, "data: one");
  expect_line (lines, "");
  g_assert_cmpuint (open_streams (f), ==, 1);
  call_plugin (f, "FinishStreams", NULL);
  expect_line (lines, "event: bye");
  expect_line (lines, "data: two");
  expect_line (lines, "");
  rest = next_line (lines);
  g_assert_null (rest);
  g_assert_true (g_subprocess_wait_check (p, NULL, &error));
  g_assert_no_error (error);
}

static void
test_stream_client_gone (Fixture *f, gconstpointer data)
{
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GSubprocess) p = open_stream (f, &lines);
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  expect_line (lines, "event: hello");
  g_subprocess_force_exit (p);
  g_subprocess_wait (p, NULL, NULL);
  /* The front notices the close and tells the handler. */
  while (open_streams (f) != 0 && g_get_monotonic_time () < deadline)
    g_usleep (20 * 1000);
  g_assert_cmpuint (open_streams (f), ==, 0);
}

static void
test_ban_at_accept (Fixture *f, gconstpointer data)
{
  g_autofree gchar *hello = url (f, "/t/hello");
  g_autofree gchar *v6 = g_strdup_printf ("https://[::1]:%u/t/hello", f->https_port);
  g_autofree gchar *v6_out = NULL, *after = NULL;

  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GSubprocess) stream = open_stream (f, &lines);
  g_autofree gchar *after_ban = NULL;

  expect_line (lines, "event: hello");
  call_plugin (f, "Ban", g_variant_new ("(sx)", "127.0.0.1", (gint64) 600));
  /* The banned source's open connection is cut at once: the stream's last
   * event, sent after the ban, never reaches it... */
  call_plugin (f, "FinishStreams", NULL);
  expect_line (lines, "data: one");
  expect_line (lines, "");
  after_ban = next_line (lines);
  g_assert_null (after_ban);
  g_assert_false (g_subprocess_wait_check (stream, NULL, NULL));
  /* ...and new ones are refused before the TLS handshake: curl sees the
   * connection drop. */
  g_assert_cmpint (curl (f, NULL, NULL, hello, NULL), ==, 35);
  g_assert_cmpint (curl (f, &v6_out, NULL, "-k", v6, NULL), ==, 0);
  g_assert_cmpstr (v6_out, ==, "hello from postern\n");
  call_plugin (f, "Ban", g_variant_new ("(sx)", "::1/128", (gint64) 600));
  g_assert_cmpint (curl (f, NULL, NULL, "-k", v6, NULL), ==, 35);
  call_plugin (f, "Unban", g_variant_new ("(s)", "127.0.0.1"));
  g_assert_cmpint (curl (f, &after, NULL, hello, NULL), ==, 0);
  g_assert_cmpstr (after, ==, "hello from postern\n");
  g_assert_cmpint (curl (f, NULL, NULL, "-k", v6, NULL), ==, 35);
  call_plugin (f, "Unban", g_variant_new ("(s)", "::1/128"));
  g_assert_cmpint (curl (f, NULL, NULL, "-k", v6, NULL), ==, 0);
}

/* Sends raw bytes over TLS (any certificate) and returns everything the
 * server says until it closes. */
static gboolean
accept_any_certificate (GTlsConnection *conn, GTlsCertificate *cert, GTlsCertificateFlags errors, gpointer data)
{
  return TRUE;
}

static gchar *
raw_exchange (Fixture *f, const gchar *request, gsize length)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) tcp = NULL;
  g_autoptr(GIOStream) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) answer = g_byte_array_new ();
  guint8 buf[4096];
  gssize n;

  g_socket_client_set_timeout (client, 60);
  tcp = g_socket_client_connect_to_host (client, "127.0.0.1", f->https_port, NULL, &error);
  g_assert_no_error (error);
  conn = g_tls_client_connection_new (G_IO_STREAM (tcp), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (conn, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);
  g_assert_true (g_tls_connection_handshake (G_TLS_CONNECTION (conn), NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), request, length,
                                            NULL, NULL, &error));
  g_assert_no_error (error);
  while ((n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (conn)), buf, sizeof buf, NULL,
                                   NULL)) > 0)
    g_byte_array_append (answer, buf, (guint) n);
  g_byte_array_append (answer, (const guint8 *) "", 1);
  return g_strdup ((const gchar *) answer->data);
}

static void
expect_status (Fixture *f, const gchar *request, const gchar *status_line)
{
  g_autofree gchar *answer = raw_exchange (f, request, strlen (request));

  g_test_message ("%s -> %.*s", request, (int) strcspn (answer, "\r"), answer);
  g_assert_true (g_str_has_prefix (answer, status_line));
  g_assert_nonnull (strstr (answer, "\r\nConnection: close\r\n"));
}

static void
test_bad_requests (Fixture *f, gconstpointer data)
{
  g_autoptr(GString) huge = g_string_new ("GET /t/hello HTTP/1.1\r\nHost: localhost\r\n");
  g_autofree gchar *hello = url (f, "/t/hello");
  g_autofree gchar *out = NULL;
  g_autofree gchar *pipelined = NULL;
  const gchar two[] = "GET /t/hello HTTP/1.1\r\nHost: a\r\n\r\nGET /t/hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";

  expect_status (f, "POST /t/echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                 "HTTP/1.1 400 ");
  expect_status (f, "POST /t/echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
                 "HTTP/1.1 400 ");
  /* chunked must be the final coding (RFC 9112 6.3); other codings are not implemented. */
  expect_status (f, "POST /t/echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", "HTTP/1.1 400 ");
  expect_status (f, "POST /t/echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "HTTP/1.1 501 ");
  expect_status (f, "GET /t/hello HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\n\r\n", "HTTP/1.1 400 ");
  expect_status (f, "GET /t/hello HTTP/1.1\r\nHost : a\r\n\r\n", "HTTP/1.1 400 ");
  expect_status (f, "GET /t/hello HTTP/1.1\r\n\r\n", "HTTP/1.1 400 ");
  expect_status (f, "GET /t/hello HTTP/1.1\nHost: a\n\n", "HTTP/1.1 400 ");
  expect_status (f, "GET /t/hello HTTP/9.9\r\nHost: a\r\n\r\n", "HTTP/1.1 505 ");
  expect_status (f, "POST /t/echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "HTTP/1.1 ");
  while (huge->len < 20000)
    g_string_append (huge, "X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
  g_string_append (huge, "\r\n");
  expect_status (f, huge->str, "HTTP/1.1 431 ");

  /* Pipelined requests are answered in order on one connection. */
  pipelined = raw_exchange (f, two, sizeof two - 1);
  g_assert_true (g_str_has_prefix (pipelined, "HTTP/1.1 200 OK\r\n"));
  g_assert_nonnull (strstr (strstr (pipelined, "hello from postern\n") + 1, "HTTP/1.1 200 OK\r\n"));

  /* And the front still serves. */
  g_assert_cmpint (curl (f, &out, NULL, hello, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "hello from postern\n");
}

static void
test_certificate_reload (Fixture *f, gconstpointer data)
{
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GSubprocess) p = open_stream (f, &lines);
  g_autofree gchar *resolve = g_strdup_printf ("reloaded.test:%u:127.0.0.1", f->https_port);
  g_autofree gchar *new_url = g_strdup_printf ("https://reloaded.test:%u/t/hello", f->https_port);
  g_autofree gchar *out = NULL;
  g_autoptr(GError) error = NULL;

  expect_line (lines, "event: hello");
  write_dropin (f, "reloaded.test");
  postern_test_daemon_signal (f->d, SIGHUP);
  g_assert_true (postern_test_daemon_wait_log (f->d, "configuration reloaded"));
  save_ca (f, "reloaded.test");
  /* New connections get the new certificate... */
  g_assert_cmpint (curl (f, &out, NULL, "--resolve", resolve, new_url, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "hello from postern\n");
  /* ...while the stream opened before the reload carries on. */
  call_plugin (f, "FinishStreams", NULL);
  expect_line (lines, "data: one");
  expect_line (lines, "");
  expect_line (lines, "event: bye");
  g_assert_true (g_subprocess_wait_check (p, NULL, &error));
}

static int
count_ticket_cb (gnutls_session_t session, unsigned int htype, unsigned when, unsigned int incoming,
                 const gnutls_datum_t *msg)
{
  (*(guint *) gnutls_session_get_ptr (session))++;
  return 0;
}

/* One GET with Connection: close over a GnuTLS client session that offers
 * @resume (if not empty); returns the session's data for the next one,
 * whether this one was resumed, how many session tickets came and (if
 * @suite) the cipher suite's name. The
 * answer must end with close_notify: a cut connection reads as
 * GNUTLS_E_PREMATURE_TERMINATION here. */
static gnutls_datum_t
tls_get (Fixture *f, const gchar *priority, const gnutls_datum_t *resume, gboolean *resumed, guint *tickets,
         gchar **suite)
{
  const gchar request[] = "GET /t/hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons (f->https_port) };
  struct timeval timeout = { .tv_sec = 60 };
  gnutls_certificate_credentials_t cred;
  gnutls_session_t session;
  gnutls_datum_t data = { NULL, 0 };
  g_autoptr(GString) answer = g_string_new (NULL);
  gchar buf[4096];
  gssize n;
  gint fd, rc;

  sin.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout), ==, 0);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &sin, sizeof sin), ==, 0);
  g_assert_cmpint (gnutls_certificate_allocate_credentials (&cred), ==, 0);
  g_assert_cmpint (gnutls_init (&session, GNUTLS_CLIENT), ==, 0);
  g_assert_cmpint (gnutls_priority_set_direct (session, priority, NULL), ==, 0);
  g_assert_cmpint (gnutls_credentials_set (session, GNUTLS_CRD_CERTIFICATE, cred), ==, 0);
  g_assert_cmpint (gnutls_server_name_set (session, GNUTLS_NAME_DNS, "localhost", strlen ("localhost")), ==, 0);
  if (resume->size > 0)
    g_assert_cmpint (gnutls_session_set_data (session, resume->data, resume->size), ==, 0);
  *tickets = 0;
  gnutls_session_set_ptr (session, tickets);
  gnutls_handshake_set_hook_function (session, GNUTLS_HANDSHAKE_NEW_SESSION_TICKET, GNUTLS_HOOK_PRE, count_ticket_cb);
  gnutls_transport_set_int (session, fd);
  do
    rc = gnutls_handshake (session);
  while (rc < 0 && !gnutls_error_is_fatal (rc));
  g_assert_cmpstr (rc < 0 ? gnutls_strerror (rc) : NULL, ==, NULL);
  g_assert_cmpint (gnutls_record_send (session, request, strlen (request)), ==, strlen (request));
  while ((n = gnutls_record_recv (session, buf, sizeof buf)) > 0 || n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
    if (n > 0)
      g_string_append_len (answer, buf, n);
  g_assert_cmpstr (n < 0 ? gnutls_strerror ((gint) n) : NULL, ==, NULL);
  g_assert_true (g_str_has_prefix (answer->str, "HTTP/1.1 200 "));
  g_assert_true (g_str_has_suffix (answer->str, "hello from postern\n"));
  *resumed = gnutls_session_is_resumed (session) != 0;
  if (suite != NULL)
    *suite = g_strdup (gnutls_ciphersuite_get (session));
  g_assert_cmpint (gnutls_session_get_data2 (session, &data), ==, 0);
  gnutls_deinit (session);
  gnutls_certificate_free_credentials (cred);
  close (fd);
  return data;
}

/* Session tickets, TLS 1.3 and 1.2: a second connection offering the first
 * one's session is resumed (no new key exchange with the certificate), and
 * a third offering the ticket the second got. TLS 1.3 tickets come with the
 * answer: two after a full handshake, one after a resumption. */
static void
test_resumption (Fixture *f, gconstpointer data)
{
  const gchar *const priorities[] = { "NORMAL", "NORMAL:-VERS-ALL:+VERS-TLS1.2" };

  for (guint i = 0; i < G_N_ELEMENTS (priorities); i++) {
    gnutls_datum_t none = { NULL, 0 };
    gnutls_datum_t first, second, third;
    gboolean resumed;
    guint tickets;

    first = tls_get (f, priorities[i], &none, &resumed, &tickets, NULL);
    g_assert_false (resumed);
    if (i == 0)
      g_assert_cmpuint (tickets, ==, 2);
    second = tls_get (f, priorities[i], &first, &resumed, &tickets, NULL);
    g_test_message ("%s: second connection resumed: %s", priorities[i], resumed ? "yes" : "no");
    g_assert_true (resumed);
    if (i == 0)
      g_assert_cmpuint (tickets, ==, 1);
    third = tls_get (f, priorities[i], &second, &resumed, &tickets, NULL);
    g_assert_true (resumed);
    gnutls_free (first.data);
    gnutls_free (second.data);
    gnutls_free (third.data);
  }
}

/* A full handshake and a resumption with @priority: the suite both get. */
static gchar *
negotiated_suite (Fixture *f, const gchar *priority)
{
  gnutls_datum_t none = { NULL, 0 };
  gnutls_datum_t first, second;
  gboolean resumed;
  guint tickets;
  gchar *suite = NULL;
  g_autofree gchar *resumed_suite = NULL;

  first = tls_get (f, priority, &none, &resumed, &tickets, &suite);
  g_assert_false (resumed);
  second = tls_get (f, priority, &first, &resumed, &tickets, &resumed_suite);
  g_assert_true (resumed);
  g_assert_cmpstr (resumed_suite, ==, suite);
  g_test_message ("%s: %s", priority, suite);
  gnutls_free (first.data);
  gnutls_free (second.data);
  return suite;
}

#define CIPHERS(v, list) "NORMAL:-VERS-ALL:+VERS-TLS" v ":-CIPHER-ALL:" list

/* The front's order (AES-128-GCM, AES-256-GCM, ChaCha20) wins over the
 * client's, except for a client that names ChaCha20 first. */
static void
test_cipher_preference (Fixture *f, gconstpointer data)
{
  const struct {
    const gchar *priority;
    const gchar *suite;
  } cases[] = {
    { CIPHERS ("1.3", "+AES-256-GCM:+CHACHA20-POLY1305:+AES-128-GCM"), "TLS_AES_128_GCM_SHA256" },
    { CIPHERS ("1.3", "+CHACHA20-POLY1305:+AES-256-GCM:+AES-128-GCM"), "TLS_CHACHA20_POLY1305_SHA256" },
    { CIPHERS ("1.3", "+AES-256-GCM"), "TLS_AES_256_GCM_SHA384" },
    { CIPHERS ("1.3", "+AES-256-GCM:+CHACHA20-POLY1305"), "TLS_AES_256_GCM_SHA384" },
    { CIPHERS ("1.2", "+AES-256-GCM:+CHACHA20-POLY1305:+AES-128-GCM"), "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" },
    { CIPHERS ("1.2", "+CHACHA20-POLY1305:+AES-256-GCM:+AES-128-GCM"),
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" },
    { CIPHERS ("1.2", "+AES-256-GCM:+AES-256-CBC"), "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" },
  };
  gnutls_datum_t none = { NULL, 0 };
  gnutls_datum_t aes256, resumed_data;
  gboolean resumed;
  guint tickets;
  g_autofree gchar *suite = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree gchar *got = negotiated_suite (f, cases[i].priority);
    g_assert_cmpstr (got, ==, cases[i].suite);
  }

  /* A TLS 1.3 ticket binds its hash: one from an AES-256-GCM (SHA-384)
   * session resumes, the preferred AES-128-GCM (SHA-256) passed over. */
  aes256 = tls_get (f, CIPHERS ("1.3", "+AES-256-GCM"), &none, &resumed, &tickets, NULL);
  resumed_data = tls_get (f, CIPHERS ("1.3", "+AES-128-GCM:+AES-256-GCM"), &aes256, &resumed, &tickets, &suite);
  g_assert_true (resumed);
  g_assert_cmpstr (suite, ==, "TLS_AES_256_GCM_SHA384");
  gnutls_free (aes256.data);
  gnutls_free (resumed_data.data);
}

/* openssl s_client with ARGS: what it says about the handshake (stderr). */
static gchar *
openssl_handshake (Fixture *f, const gchar *ciphersuites)
{
  g_autofree gchar *connect = g_strdup_printf ("127.0.0.1:%u", f->https_port);
  const gchar *argv[] = { "openssl", "s_client", "-connect", connect, "-servername", "localhost", "-brief",
                          "-ciphersuites", ciphersuites, NULL };
  g_autoptr(GSubprocessLauncher) launcher = postern_test_launcher_new (
    G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) p = NULL;
  g_autoptr(GError) error = NULL;
  gchar *err = NULL;

  p = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (p, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  g_test_message ("s_client -ciphersuites %s: %s", ciphersuites, err);
  return err;
}

/* OpenSSL's client sends one key share (X25519) and lists P-256 after it:
 * the front's server order must not move it to P-256 with a
 * HelloRetryRequest (GnuTLS lists P-256 first). */
static void
test_openssl_client (Fixture *f, gconstpointer data)
{
  g_autofree gchar *openssl = g_find_program_in_path ("openssl");
  g_autofree gchar *aes = NULL, *chacha = NULL;

  if (openssl == NULL) {
    g_test_skip ("no openssl");
    return;
  }
  aes = openssl_handshake (f, "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256");
  g_assert_nonnull (strstr (aes, "Ciphersuite: TLS_AES_128_GCM_SHA256\n"));
  g_assert_nonnull (strstr (aes, "Server Temp Key: X25519"));
  chacha = openssl_handshake (f, "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256");
  g_assert_nonnull (strstr (chacha, "Ciphersuite: TLS_CHACHA20_POLY1305_SHA256\n"));
  g_assert_nonnull (strstr (chacha, "Server Temp Key: X25519"));
}

/* Raw bytes as the first flight: the front must answer with an alert or
 * nothing and close. Returns what it sent. */
static GByteArray *
raw_hello (Fixture *f, const guint8 *bytes, gsize len)
{
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons (f->https_port) };
  struct timeval timeout = { .tv_sec = 60 };
  GByteArray *answer = g_byte_array_new ();
  guint8 buf[4096];
  gssize n;
  gint fd;

  sin.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout), ==, 0);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &sin, sizeof sin), ==, 0);
  g_assert_cmpint (send (fd, bytes, len, MSG_NOSIGNAL), ==, (gssize) len);
  g_assert_cmpint (shutdown (fd, SHUT_WR), ==, 0);
  while ((n = recv (fd, buf, sizeof buf, 0)) > 0)
    g_byte_array_append (answer, buf, (guint) n);
  g_assert_cmpint (n, ==, 0);
  close (fd);
  return answer;
}

/* A TLS record with a ClientHello whose body is @body. */
static GByteArray *
client_hello_record (const guint8 *body, gsize len)
{
  GByteArray *record = g_byte_array_new ();
  guint8 header[9] = { 0x16, 0x03, 0x01, (guint8) ((len + 4) >> 8), (guint8) (len + 4),
                       0x01, 0x00, (guint8) (len >> 8), (guint8) len };

  g_byte_array_append (record, header, sizeof header);
  g_byte_array_append (record, body, (guint) len);
  return record;
}

/* ClientHellos cut or lying about their lengths, with ChaCha20 or
 * AES-256-GCM first: a clean failure, and the front still serves. */
static void
test_malformed_client_hello (Fixture *f, gconstpointer data)
{
  guint8 body[2 + 32 + 1 + 2 + 4 + 2];
  gsize suites = 2 + 32 + 1;
  gnutls_datum_t none = { NULL, 0 };
  gnutls_datum_t session_data;
  gboolean resumed;
  guint tickets;

  memset (body, 0x11, sizeof body);
  body[0] = 0x03;
  body[1] = 0x03;
  body[2 + 32] = 0; /* no session id */
  for (guint first = 0; first < 2; first++) {
    body[suites] = 0x00;
    body[suites + 1] = 4;
    body[suites + 2] = 0x13;
    body[suites + 3] = first == 0 ? 0x03 : 0x02;
    body[suites + 4] = 0x13;
    body[suites + 5] = 0x01;
    body[suites + 6] = 1; /* null compression, then no extensions */
    body[suites + 7] = 0;
    for (gsize len = 0; len <= sizeof body; len++) {
      g_autoptr(GByteArray) record = client_hello_record (body, len);
      g_autoptr(GByteArray) answer = raw_hello (f, record->data, record->len);
      if (answer->len > 0)
        g_assert_cmpuint (answer->data[0], ==, 0x15); /* an alert */
    }
    /* suite lengths past the end, odd, zero */
    for (guint k = 0; k < 3; k++) {
      const guint8 lengths[] = { 0x40, 3, 0 };
      g_autoptr(GByteArray) record = NULL;
      g_autoptr(GByteArray) answer = NULL;
      body[suites + 1] = lengths[k];
      record = client_hello_record (body, sizeof body);
      answer = raw_hello (f, record->data, record->len);
      if (answer->len > 0)
        g_assert_cmpuint (answer->data[0], ==, 0x15);
    }
    /* a session id longer than 32 */
    body[suites + 1] = 4;
    body[2 + 32] = 40;
    {
      g_autoptr(GByteArray) record = client_hello_record (body, sizeof body);
      g_autoptr(GByteArray) answer = raw_hello (f, record->data, record->len);
      if (answer->len > 0)
        g_assert_cmpuint (answer->data[0], ==, 0x15);
    }
    body[2 + 32] = 0;
  }
  session_data = tls_get (f, "NORMAL", &none, &resumed, &tickets, NULL);
  gnutls_free (session_data.data);
}

static void
test_bad_certificate (Fixture *f, gconstpointer data)
{
  g_autofree gchar *bundle = g_build_filename (f->d->state_dir, "https", "selfsigned-localhost.pem", NULL);
  g_autofree gchar *conf = g_strdup_printf ("[core]\nfqdn = other.example\ncertificate = %s\n"
                                            "https-listen = 127.0.0.1:%u\nhttp-listen =\n\n[httptest]\n",
                                            bundle, postern_test_free_tcp_port ());
  const gchar *check[] = { postern_test_posternd (), "--confdirs", f->d->confdir, "--plugin-dir",
                           f->d->plugin_dir, "--check-config", NULL };
  const gchar *ctl[] = { postern_test_posternctl (), "cert", "check", bundle, "--name", "other.example", NULL };
  const gchar *ctl_ok[] = { postern_test_posternctl (), "cert", "check", bundle, "--name", "localhost", NULL };
  g_autofree gchar *err = NULL, *ctl_err = NULL, *report = NULL, *log = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (postern_test_run (&report, NULL, ctl_ok), ==, 0);
  g_assert_nonnull (strstr (report, "names: localhost"));
  g_assert_cmpint (postern_test_run (NULL, &ctl_err, ctl), ==, 1);
  g_assert_nonnull (strstr (ctl_err, "not for other.example"));

  /* The running daemon refuses the reload and keeps its certificate. */
  postern_test_daemon_remove_dropin (f->d, "10-front.conf");
  postern_test_daemon_write_dropin (f->d, "10-front.conf", conf);
  g_assert_cmpint (postern_test_run (NULL, &err, check), ==, 1);
  g_assert_nonnull (strstr (err, "not for other.example"));
  postern_test_daemon_signal (f->d, SIGHUP);
  g_assert_true (postern_test_daemon_wait_log (f->d, "reload refused, old configuration stays: certificate"));

  /* A fresh daemon with it does not start. */
  g_assert_cmpint (postern_test_daemon_stop (f->d), ==, 0);
  g_assert_false (postern_test_daemon_start (f->d, &error));
  log = postern_test_daemon_read_log (f->d);
  g_assert_nonnull (strstr (log, "not for other.example"));
}

/* The httptest plugin never allowed upgrades: the front answers for it. */
static void
test_websocket_refused (Fixture *f, gconstpointer data)
{
  g_autofree gchar *hello = url (f, "/t/hello");
  g_autofree gchar *nope = url (f, "/nowhere");
  g_autofree gchar *out = NULL, *missing = NULL;

  g_assert_cmpint (curl (f, &out, NULL, "-i", "-H", "Connection: Upgrade", "-H", "Upgrade: websocket", "-H",
                         "Sec-WebSocket-Version: 13", "-H", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", hello, NULL),
                   ==, 0);
  g_assert_true (g_str_has_prefix (out, "HTTP/1.1 501 Not Implemented\r\n"));
  g_assert_nonnull (strstr (out, "WebSocket upgrades are not served on this path"));
  g_assert_cmpint (curl (f, &missing, NULL, "-i", "-H", "Connection: Upgrade", "-H", "Upgrade: websocket", nope, NULL),
                   ==, 0);
  g_assert_true (g_str_has_prefix (missing, "HTTP/1.1 404 Not Found\r\n"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/front/basic", test_basic);
  ADD ("/front/redirect", test_redirect);
  ADD ("/front/file-and-bodies", test_file_and_bodies);
  ADD ("/front/keepalive", test_keepalive);
  ADD ("/front/event-stream", test_event_stream);
  ADD ("/front/stream-client-gone", test_stream_client_gone);
  ADD ("/front/ban-at-accept", test_ban_at_accept);
  ADD ("/front/bad-requests", test_bad_requests);
  ADD ("/front/certificate-reload", test_certificate_reload);
  ADD ("/front/resumption", test_resumption);
  ADD ("/front/cipher-preference", test_cipher_preference);
  ADD ("/front/openssl-client", test_openssl_client);
  ADD ("/front/malformed-client-hello", test_malformed_client_hello);
  ADD ("/front/bad-certificate", test_bad_certificate);
  ADD ("/front/websocket-refused", test_websocket_refused);
#undef ADD
  return g_test_run ();
}
