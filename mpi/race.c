/* race.c: `race` on MPI ranks. Ranks are processes and share no memory: the counter
 * has to be put somewhere on purpose. It lives in an RMA window on rank 0; when all
 * ranks are on one node it is an MPI-3 shared-memory window, so `none` really races
 * on one word of memory with plain loads and stores. Across nodes `none` races through
 * MPI_Get + MPI_Put instead.
 *   lock   an exclusive RMA lock around get + put (MPI_Win_lock)
 *   atomic MPI_Fetch_and_op(MPI_SUM), an atomic read-modify-write at the target
 *   local  each rank sums privately, one MPI_Reduce
 * Run: mpirun -np 2 build/mpi/race --variant none -n 1000000 */
#include "race.h"

#include "hx_mpi.h"

long race_run(const struct race_args *a, double *seconds)
{
	MPI_Comm comm = hx_mpi_comm(), node;
	MPI_Win win;
	MPI_Aint wsize;
	long *base, *counter = NULL, final = 0, step, v, mine = 0, total = 0;
	int rank, size, node_size, disp;
	double t0, t1;

	HX_CHECK_MPI(MPI_Comm_rank(comm, &rank));
	HX_CHECK_MPI(MPI_Comm_size(comm, &size));
	HX_CHECK_MPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node));
	HX_CHECK_MPI(MPI_Comm_size(node, &node_size));
	HX_CHECK_MPI(MPI_Comm_free(&node));
	step = race_step(rank);

	/* the counter: one long on rank 0 */
	wsize = rank == 0 ? (MPI_Aint)sizeof(long) : 0;
	if (node_size == size) {
		HX_CHECK_MPI(MPI_Win_allocate_shared(wsize, sizeof(long), MPI_INFO_NULL, comm, &base, &win));
		HX_CHECK_MPI(MPI_Win_shared_query(win, 0, &wsize, &disp, &counter));
	} else {
		HX_CHECK_MPI(MPI_Win_allocate(wsize, sizeof(long), MPI_INFO_NULL, comm, &base, &win));
	}
	HX_CHECK_MPI(MPI_Win_set_errhandler(win, MPI_ERRORS_RETURN));
	if (rank == 0) {
		HX_CHECK_MPI(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win));
		HX_CHECK_MPI(MPI_Put(&a->start, 1, MPI_LONG, 0, 0, 1, MPI_LONG, win));
		HX_CHECK_MPI(MPI_Win_unlock(0, win));
	}
	HX_CHECK_MPI(MPI_Barrier(comm)); /* the start value is in before anyone looks */
	/* a passive-target epoch on every rank, except for `lock`, which opens its own
	 * exclusive epoch per update */
	if (a->variant != RACE_LOCK)
		HX_CHECK_MPI(MPI_Win_lock_all(0, win));

	HX_CHECK_MPI(MPI_Barrier(comm));
	t0 = hx_now();
	switch (a->variant) {
	case RACE_NONE:
		if (counter != NULL) { /* shared memory: a plain read, add, write back */
			for (long i = 0; i < a->iters; i++)
				race_update_plain(counter, step);
			HX_CHECK_MPI(MPI_Win_sync(win));
		} else { /* across nodes: get, add, put, with nothing in between to stop others */
			for (long i = 0; i < a->iters; i++) {
				HX_CHECK_MPI(MPI_Get(&v, 1, MPI_LONG, 0, 0, 1, MPI_LONG, win));
				HX_CHECK_MPI(MPI_Win_flush(0, win));
				v += step;
				HX_CHECK_MPI(MPI_Put(&v, 1, MPI_LONG, 0, 0, 1, MPI_LONG, win));
				HX_CHECK_MPI(MPI_Win_flush(0, win));
			}
		}
		break;
	case RACE_LOCK:
		for (long i = 0; i < a->iters; i++) {
			HX_CHECK_MPI(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win));
			HX_CHECK_MPI(MPI_Get(&v, 1, MPI_LONG, 0, 0, 1, MPI_LONG, win));
			HX_CHECK_MPI(MPI_Win_flush(0, win));
			v += step;
			HX_CHECK_MPI(MPI_Put(&v, 1, MPI_LONG, 0, 0, 1, MPI_LONG, win));
			HX_CHECK_MPI(MPI_Win_unlock(0, win)); /* completes the put */
		}
		break;
	case RACE_ATOMIC:
		for (long i = 0; i < a->iters; i++) {
			HX_CHECK_MPI(MPI_Fetch_and_op(&step, &v, MPI_LONG, 0, 0, MPI_SUM, win));
			HX_CHECK_MPI(MPI_Win_flush(0, win));
		}
		break;
	case RACE_LOCAL: /* no window traffic until one reduction at the end */
		for (long i = 0; i < a->iters; i++)
			race_update_plain(&mine, step);
		HX_CHECK_MPI(MPI_Reduce(&mine, &total, 1, MPI_LONG, MPI_SUM, 0, comm));
		if (rank == 0) {
			HX_CHECK_MPI(MPI_Fetch_and_op(&total, &v, MPI_LONG, 0, 0, MPI_SUM, win));
			HX_CHECK_MPI(MPI_Win_flush(0, win));
		}
		break;
	}
	HX_CHECK_MPI(MPI_Barrier(comm));
	t1 = hx_now();
	*seconds = t1 - t0;

	if (a->variant != RACE_LOCK)
		HX_CHECK_MPI(MPI_Win_unlock_all(win));
	HX_CHECK_MPI(MPI_Barrier(comm));
	if (rank == 0) {
		HX_CHECK_MPI(MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win));
		HX_CHECK_MPI(MPI_Get(&final, 1, MPI_LONG, 0, 0, 1, MPI_LONG, win));
		HX_CHECK_MPI(MPI_Win_unlock(0, win));
	}
	HX_CHECK_MPI(MPI_Win_free(&win));
	return final;
}
