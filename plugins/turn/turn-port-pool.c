/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turn-port-pool.h"
#include "turn-error.h"

#include <gnutls/crypto.h>
#include <postern.h>
#include <string.h>

#define N_PORTS 65536
/* Random tries for a free even port whose successor is free before falling
 * back to a scan; the scan only runs when the pool is nearly full or
 * fragmented. */
#define PAIR_PROBES 16

enum {
  PORT_OUTSIDE,   /* not in the range and not in use */
  PORT_FREE,
  PORT_USED,
  PORT_RESERVED,
};

typedef struct {
  guint64 token;
  guint16 port;
  gint64 expires;
  GList link;     /* in reservations_by_age; data points back here */
} Reservation;

struct _TurnPortPool {
  guint16 first;
  guint16 last;
  guint8 state[N_PORTS];
  guint16 pos[N_PORTS];          /* index in free_ports[port & 1] when FREE */
  guint16 free_ports[2][N_PORTS / 2];
  guint n_free[2];
  GRand *rand;
  GHashTable *reservations;      /* guint64 token -> Reservation, owned */
  GQueue reservations_by_age;    /* oldest first; all share one lifetime */
};

static void
push_free (TurnPortPool *self, guint16 port)
{
  guint parity = port & 1;

  self->state[port] = PORT_FREE;
  self->pos[port] = (guint16) self->n_free[parity];
  self->free_ports[parity][self->n_free[parity]++] = port;
}

static void
remove_free (TurnPortPool *self, guint16 port, guint8 new_state)
{
  guint parity = port & 1;
  guint index = self->pos[port];
  guint16 moved = self->free_ports[parity][--self->n_free[parity]];

  self->free_ports[parity][index] = moved;
  self->pos[moved] = (guint16) index;
  self->state[port] = new_state;
}

static gboolean
check_range (guint16 first, guint16 last, GError **error)
{
  if (first == 0 || first > last)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                   "relay port range %u-%u is empty or starts at 0", first, last);
      return FALSE;
    }
  return TRUE;
}

/* "FIRST-LAST", both 1..65535. */
gboolean
turn_port_pool_parse_range (const gchar  *text,
                            guint16      *first,
                            guint16      *last,
                            GError      **error)
{
  g_auto(GStrv) parts = g_strsplit (text, "-", -1);
  guint64 a, b;

  if (g_strv_length (parts) != 2 ||
      !g_ascii_string_to_unsigned (parts[0], 10, 1, 65535, &a, NULL) ||
      !g_ascii_string_to_unsigned (parts[1], 10, 1, 65535, &b, NULL))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID_CONFIG,
                   "“%s” is not a port range FIRST-LAST (1..65535)", text);
      return FALSE;
    }
  if (!check_range ((guint16) a, (guint16) b, error))
    return FALSE;
  *first = (guint16) a;
  *last = (guint16) b;
  return TRUE;
}

/* A PosternConfigValidateFunc for `relay-ports`. */
gboolean
turn_port_range_validate (const gchar  *text,
                          GError      **error)
{
  guint16 first, last;

  return turn_port_pool_parse_range (text, &first, &last, error);
}

TurnPortPool *
turn_port_pool_new (guint16   first,
                    guint16   last,
                    GError  **error)
{
  TurnPortPool *self;
  guint32 seed;

  if (!check_range (first, last, error))
    return NULL;
  self = g_new0 (TurnPortPool, 1);
  if (gnutls_rnd (GNUTLS_RND_NONCE, &seed, sizeof seed) != 0)
    seed = g_random_int ();
  self->rand = g_rand_new_with_seed (seed);
  self->reservations = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
  g_queue_init (&self->reservations_by_age);
  turn_port_pool_set_range (self, first, last, NULL);
  return self;
}

void
turn_port_pool_free (TurnPortPool *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->reservations);
  g_rand_free (self->rand);
  g_free (self);
}

/* Live reload: ports in use or reserved stay so; when released outside the
 * new range they are not handed out again. */
gboolean
turn_port_pool_set_range (TurnPortPool  *self,
                          guint16        first,
                          guint16        last,
                          GError       **error)
{
  if (!check_range (first, last, error))
    return FALSE;
  self->first = first;
  self->last = last;
  self->n_free[0] = self->n_free[1] = 0;
  for (guint port = 1; port < N_PORTS; port++)
    {
      gboolean inside = port >= first && port <= last;
      guint8 s = self->state[port];

      if (s == PORT_USED || s == PORT_RESERVED)
        continue;
      if (inside)
        push_free (self, (guint16) port);
      else
        self->state[port] = PORT_OUTSIDE;
    }
  return TRUE;
}

static gboolean
exhausted (GError **error)
{
  g_set_error_literal (error, TURN_ERROR, TURN_ERROR_INSUFFICIENT_CAPACITY, "no relay port left");
  return FALSE;
}

gboolean
turn_port_pool_allocate (TurnPortPool  *self,
                         guint16       *port,
                         GError       **error)
{
  guint total = self->n_free[0] + self->n_free[1];
  guint r;

  if (total == 0)
    return exhausted (error);
  r = (guint) g_rand_int_range (self->rand, 0, (gint32) total);
  *port = r < self->n_free[0] ? self->free_ports[0][r] : self->free_ports[1][r - self->n_free[0]];
  remove_free (self, *port, PORT_USED);
  return TRUE;
}

static gboolean
find_free_pair (TurnPortPool *self, guint16 *port)
{
  guint n = self->n_free[0];
  guint start;

  if (n == 0)
    return FALSE;
  for (guint i = 0; i < PAIR_PROBES; i++)
    {
      guint16 p = self->free_ports[0][g_rand_int_range (self->rand, 0, (gint32) n)];
      if (self->state[p + 1] == PORT_FREE)
        {
          *port = p;
          return TRUE;
        }
    }
  start = (guint) g_rand_int_range (self->rand, 0, (gint32) n);
  for (guint i = 0; i < n; i++)
    {
      guint16 p = self->free_ports[0][(start + i) % n];
      if (self->state[p + 1] == PORT_FREE)
        {
          *port = p;
          return TRUE;
        }
    }
  return FALSE;
}

gboolean
turn_port_pool_allocate_even (TurnPortPool  *self,
                              gboolean       reserve_next,
                              gint64         now,
                              guint16       *port,
                              guint8         token[TURN_RESERVATION_TOKEN_LEN],
                              GError       **error)
{
  Reservation *res;
  guint16 p;

  if (!reserve_next)
    {
      if (self->n_free[0] == 0)
        return exhausted (error);
      p = self->free_ports[0][g_rand_int_range (self->rand, 0, (gint32) self->n_free[0])];
      remove_free (self, p, PORT_USED);
      *port = p;
      return TRUE;
    }

  if (!find_free_pair (self, &p))
    return exhausted (error);

  res = g_new0 (Reservation, 1);
  do
    {
      if (gnutls_rnd (GNUTLS_RND_NONCE, &res->token, sizeof res->token) != 0)
        g_error ("no randomness for a reservation token");
    }
  while (g_hash_table_contains (self->reservations, &res->token));
  res->port = p + 1;
  res->expires = now + TURN_RESERVATION_LIFETIME;
  res->link.data = res;
  remove_free (self, p, PORT_USED);
  remove_free (self, p + 1, PORT_RESERVED);
  g_hash_table_insert (self->reservations, &res->token, res);
  g_queue_push_tail_link (&self->reservations_by_age, &res->link);
  memcpy (token, &res->token, TURN_RESERVATION_TOKEN_LEN);
  *port = p;
  return TRUE;
}

static void
return_port (TurnPortPool *self, guint16 port)
{
  if (port >= self->first && port <= self->last)
    push_free (self, port);
  else
    self->state[port] = PORT_OUTSIDE;
}

static void
drop_reservation (TurnPortPool *self, Reservation *res, gboolean free_port)
{
  g_queue_unlink (&self->reservations_by_age, &res->link);
  if (free_port)
    return_port (self, res->port);
  else
    self->state[res->port] = PORT_USED;
  g_hash_table_remove (self->reservations, &res->token);
}

/* Takes the port reserved under @token. An unknown or expired token is
 * answered 508 (RFC 8656, section 7.2). */
gboolean
turn_port_pool_claim (TurnPortPool  *self,
                      const guint8   token[TURN_RESERVATION_TOKEN_LEN],
                      gint64         now,
                      guint16       *port,
                      GError       **error)
{
  guint64 key;
  Reservation *res;

  memcpy (&key, token, sizeof key);
  res = g_hash_table_lookup (self->reservations, &key);
  if (res == NULL || res->expires <= now)
    {
      if (res != NULL)
        drop_reservation (self, res, TRUE);
      g_set_error_literal (error, TURN_ERROR, TURN_ERROR_INSUFFICIENT_CAPACITY,
                           "unknown or expired reservation token");
      return FALSE;
    }
  *port = res->port;
  drop_reservation (self, res, FALSE);
  return TRUE;
}

/* Returns FALSE (and changes nothing) unless @port was allocated. */
gboolean
turn_port_pool_release (TurnPortPool *self,
                        guint16       port)
{
  if (self->state[port] != PORT_USED)
    return FALSE;
  return_port (self, port);
  return TRUE;
}

/* Frees reservations that ran out at @now; returns how many. */
guint
turn_port_pool_expire (TurnPortPool *self,
                       gint64        now)
{
  guint n = 0;
  GList *head;

  while ((head = g_queue_peek_head_link (&self->reservations_by_age)) != NULL &&
         ((Reservation *) head->data)->expires <= now)
    {
      drop_reservation (self, head->data, TRUE);
      n++;
    }
  return n;
}

guint
turn_port_pool_get_n_free (TurnPortPool *self)
{
  return self->n_free[0] + self->n_free[1];
}

guint
turn_port_pool_get_n_reserved (TurnPortPool *self)
{
  return g_hash_table_size (self->reservations);
}

gboolean
turn_port_pool_is_in_use (TurnPortPool *self,
                          guint16       port)
{
  return self->state[port] == PORT_USED || self->state[port] == PORT_RESERVED;
}
