/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turn-send-batch.h"

#include <arpa/inet.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

/* A loopback UDP socket; its address in @sa. */
static gint
udp_socket (struct sockaddr_in *sa)
{
  socklen_t len = sizeof *sa;
  gint fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  memset (sa, 0, sizeof *sa);
  sa->sin_family = AF_INET;
  sa->sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (bind (fd, (struct sockaddr *) sa, sizeof *sa), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) sa, &len), ==, 0);
  return fd;
}

static gssize
receive (gint fd, guint8 *buf, gsize capacity)
{
  struct pollfd p = { .fd = fd, .events = POLLIN };

  g_assert_cmpint (poll (&p, 1, 10000), ==, 1);
  return recv (fd, buf, capacity, MSG_DONTWAIT);
}

/* Runs: equal sizes to one destination join, a shorter one ends a run, a
 * new destination or a longer datagram starts the next. */
static void
test_grouping (void)
{
  TurnSendBatch *batch = g_new0 (TurnSendBatch, 1);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons (1) };
  struct sockaddr_in b = { .sin_family = AF_INET, .sin_port = htons (2) };
  guint8 data[100] = { 0 };

  turn_send_batch_init (batch);
  g_assert_true (turn_send_batch_add (batch, TRUE, NULL, (struct sockaddr *) &a, sizeof a, data, 100));
  g_assert_true (turn_send_batch_add (batch, TRUE, NULL, (struct sockaddr *) &a, sizeof a, data, 100));
  g_assert_true (turn_send_batch_add (batch, TRUE, NULL, (struct sockaddr *) &a, sizeof a, data, 60));
  g_assert_true (turn_send_batch_add (batch, TRUE, NULL, (struct sockaddr *) &a, sizeof a, data, 60));
  g_assert_true (turn_send_batch_add (batch, TRUE, NULL, (struct sockaddr *) &b, sizeof b, data, 60));
  g_assert_true (turn_send_batch_add (batch, TRUE, NULL, (struct sockaddr *) &b, sizeof b, data, 100));
  g_assert_cmpuint (batch->n_msgs, ==, 4);
  g_assert_cmpuint (batch->msgs[0].msg_hdr.msg_iovlen, ==, 3);
  g_assert_cmpuint (batch->msgs[1].msg_hdr.msg_iovlen, ==, 1);
  g_assert_cmpuint (batch->msgs[2].msg_hdr.msg_iovlen, ==, 1);
  g_assert_cmpuint (batch->msgs[3].msg_hdr.msg_iovlen, ==, 1);
  /* without GSO every datagram is a message; a full batch says so */
  turn_send_batch_init (batch);
  for (guint i = 0; i < TURN_SEND_BATCH; i++)
    g_assert_true (turn_send_batch_add (batch, FALSE, NULL, (struct sockaddr *) &a, sizeof a, data, 100));
  g_assert_cmpuint (batch->n_msgs, ==, TURN_SEND_BATCH);
  g_assert_false (turn_send_batch_add (batch, FALSE, NULL, (struct sockaddr *) &a, sizeof a, data, 100));
  g_free (batch);
}

/* What arrives is what was queued, datagram by datagram and in order,
 * whether or not the kernel does GSO. */
static void
test_delivery (gconstpointer use_gso)
{
  gboolean gso = GPOINTER_TO_INT (use_gso) && turn_send_batch_gso_supported ();
  TurnSendBatch *batch = g_new0 (TurnSendBatch, 1);
  struct sockaddr_in to, from;
  gint rx = udp_socket (&to);
  gint tx = udp_socket (&from);
  static const gsize sizes[] = { 1200, 1200, 1200, 700, 1200, 33, 33 };
  guint8 payload[G_N_ELEMENTS (sizes)][1200];
  TurnAddr source;

  g_assert_true (turn_addr_parse (&source, "127.0.0.1", 0));
  turn_send_batch_init (batch);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      memset (payload[i], 'a' + i, sizes[i]);
      g_assert_true (turn_send_batch_add (batch, gso, &source, (struct sockaddr *) &to, sizeof to, payload[i],
                                          sizes[i]));
    }
  g_assert_cmpuint (turn_send_batch_flush (batch, tx), ==, 0);
  g_assert_cmpuint (batch->n_msgs, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      guint8 buf[2048];
      gssize got = receive (rx, buf, sizeof buf);

      g_assert_cmpint (got, ==, (gssize) sizes[i]);
      g_assert_cmpmem (buf, (gsize) got, payload[i], sizes[i]);
    }
  close (rx);
  close (tx);
  g_free (batch);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/turn/send-batch/grouping", test_grouping);
  g_test_add_data_func ("/turn/send-batch/delivery-gso", GINT_TO_POINTER (TRUE), test_delivery);
  g_test_add_data_func ("/turn/send-batch/delivery-plain", GINT_TO_POINTER (FALSE), test_delivery);
  return g_test_run ();
}
