/* prodcons_win.c: the seed's list for `prodcons --variant lock` on MPI: a window on
 * rank 0 holding int64 head, int64 tail, then the slots; every put and take holds the
 * window's exclusive lock (prodcons_mpi.h). */
#include "prodcons_mpi.h"

#include <sched.h>

#define HDR 16 /* head and tail, before the slots */

static MPI_Aint slot_disp(long i)
{
	return (MPI_Aint)HDR + (MPI_Aint)i * (MPI_Aint)sizeof(struct pc_item);
}

MPI_Win pc_win_open(MPI_Comm comm, int rank, long n)
{
	MPI_Aint bytes = rank == 0 ? slot_disp(n) : 0;
	MPI_Win win;
	char *base;

	HX_CHECK_MPI(MPI_Win_allocate(bytes, 1, MPI_INFO_NULL, comm, &base, &win));
	HX_CHECK_MPI(MPI_Win_set_errhandler(win, MPI_ERRORS_RETURN));
	if (rank == 0) { /* head = tail = 0 before anybody looks */
		int64_t zero[2] = { 0, 0 };
		HX_CHECK_MPI(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win));
		HX_CHECK_MPI(MPI_Put(zero, 2, MPI_INT64_T, 0, 0, 2, MPI_INT64_T, win));
		HX_CHECK_MPI(MPI_Win_unlock(0, win));
	}
	return win;
}

void pc_win_put(MPI_Win win, struct pc_item *it)
{
	int64_t tail;
	HX_CHECK_MPI(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win));
	HX_CHECK_MPI(MPI_Get(&tail, 1, MPI_INT64_T, 0, 8, 1, MPI_INT64_T, win));
	HX_CHECK_MPI(MPI_Win_flush(0, win));
	it->t_put = hx_stamp_ns();
	HX_CHECK_MPI(MPI_Put(it, (int)sizeof *it, MPI_BYTE, 0, slot_disp(tail), (int)sizeof *it,
			     MPI_BYTE, win));
	tail++;
	HX_CHECK_MPI(MPI_Put(&tail, 1, MPI_INT64_T, 0, 8, 1, MPI_INT64_T, win));
	HX_CHECK_MPI(MPI_Win_unlock(0, win)); /* completes both puts */
}

int pc_win_take(MPI_Win win, long n, struct pc_item *it, struct pc_side *me)
{
	for (;;) {
		int64_t idx[2]; /* head, tail */
		int got = 0;
		HX_CHECK_MPI(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win));
		HX_CHECK_MPI(MPI_Get(idx, 2, MPI_INT64_T, 0, 0, 2, MPI_INT64_T, win));
		HX_CHECK_MPI(MPI_Win_flush(0, win));
		if (idx[0] < idx[1]) {
			HX_CHECK_MPI(MPI_Get(it, (int)sizeof *it, MPI_BYTE, 0, slot_disp(idx[0]),
					     (int)sizeof *it, MPI_BYTE, win));
			idx[0]++;
			HX_CHECK_MPI(MPI_Put(&idx[0], 1, MPI_INT64_T, 0, 0, 1, MPI_INT64_T, win));
			got = 1;
		}
		HX_CHECK_MPI(MPI_Win_unlock(0, win)); /* completes the get of the item */
		if (got)
			return 1;
		if (idx[0] == n)
			return 0;
		me->polls++; /* empty: look again later */
		sched_yield();
	}
}

int pc_win_close(MPI_Win *win, int rank)
{
	int left = 0;
	if (rank == 0) {
		int64_t idx[2];
		HX_CHECK_MPI(MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, *win));
		HX_CHECK_MPI(MPI_Get(idx, 2, MPI_INT64_T, 0, 0, 2, MPI_INT64_T, *win));
		HX_CHECK_MPI(MPI_Win_unlock(0, *win));
		left = (int)(idx[1] - idx[0]);
	}
	HX_CHECK_MPI(MPI_Win_free(win));
	return left;
}
