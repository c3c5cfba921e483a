/* prodcons_mpi.h: the plumbing of `prodcons` on MPI (mpi/prodcons.c): the seed's list
 * in an RMA window on rank 0 (mpi/prodcons_win.c), and the collection of every rank's
 * side of the run on rank 0 afterwards (mpi/prodcons_gather.c). */
#ifndef MP_PRODCONS_MPI_H
#define MP_PRODCONS_MPI_H

#include "prodcons.h"

#include "hx_mpi.h"

#include <stdint.h>

/* Collective on comm: a window on rank 0 with room for n items, head = tail = 0. */
MPI_Win pc_win_open(MPI_Comm comm, int rank, long n);
/* Append *it to the list (an exclusive lock, a get of the tail, two puts, an unlock);
 * it->t_put is stamped inside the lock. */
void pc_win_put(MPI_Win win, struct pc_item *it);
/* Take the head into *it: 1, or 0 when all n are taken; an empty list is polled
 * (me->polls counts the looks). */
int pc_win_take(MPI_Win win, long n, struct pc_item *it, struct pc_side *me);
/* Collective: the window goes; returns, on rank 0, the items still in the list. */
int pc_win_close(MPI_Win *win, int rank);

/* Collective, outside the timed region: every rank's side `me` and each consumer's
 * log of the ids it took (`count` of them) reach rank 0, which rebuilds the tally t in
 * the consumers' order (pc_took_log). */
void pc_gather(MPI_Comm comm, const struct pc_args *a, const struct pc_side *me,
	       const uint32_t *log, int count, struct pc_tally *t);

#endif
