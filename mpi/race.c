/* race.c: `race` on MPI ranks. Ranks are processes and share no memory: the counter
 * has to be put somewhere on purpose. It lives in an RMA window on rank 0; when all
 * ranks are on one node it is an MPI-3 shared-memory window, so `none` really races
 * on one word of memory with plain loads and stores. Across nodes `none` races through
 * MPI_Get + MPI_Put instead.
 *   lock   an exclusive RMA lock around get + put (MPI_Win_lock)
 *   atomic MPI_Fetch_and_op(MPI_SUM), an atomic read-modify-write at the target
 *   local  each rank sums privately, one MPI_Reduce
 * mpi/team.c times the region between barriers.
 * Run: mpirun -np 2 build/mpi/race --variant none -n 1000000 */
#include "race.h"

#include "team.h"

/* The counter: one long on rank 0, in window `win`; `counter` points at it when the
 * ranks share a node (NULL otherwise). */
struct shared {
	const struct race_args *a;
	MPI_Win win;
	long *counter;
};

static void body(MPI_Comm comm, int rank, void *arg)
{
	const struct shared *sh = arg;
	const struct race_args *a = sh->a;
	MPI_Win win = sh->win;
	long step = race_step(rank), v, mine = 0, total = 0;

	switch (a->variant) {
	case RACE_NONE:
		if (sh->counter != NULL) { /* shared memory: a plain read, add, write back */
			for (long i = 0; i < a->iters; i++)
				race_update_plain(sh->counter, step);
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
}

long race_run(const struct race_args *a, double *seconds)
{
	MPI_Comm comm = hx_mpi_comm(), node;
	struct shared sh = { a, MPI_WIN_NULL, NULL };
	MPI_Aint wsize;
	long *base, final = 0;
	int rank, size, node_size, disp;

	HX_CHECK_MPI(MPI_Comm_rank(comm, &rank));
	HX_CHECK_MPI(MPI_Comm_size(comm, &size));
	HX_CHECK_MPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node));
	HX_CHECK_MPI(MPI_Comm_size(node, &node_size));
	HX_CHECK_MPI(MPI_Comm_free(&node));

	wsize = rank == 0 ? (MPI_Aint)sizeof(long) : 0;
	if (node_size == size) {
		HX_CHECK_MPI(MPI_Win_allocate_shared(wsize, sizeof(long), MPI_INFO_NULL, comm, &base, &sh.win));
		HX_CHECK_MPI(MPI_Win_shared_query(sh.win, 0, &wsize, &disp, &sh.counter));
	} else {
		HX_CHECK_MPI(MPI_Win_allocate(wsize, sizeof(long), MPI_INFO_NULL, comm, &base, &sh.win));
	}
	HX_CHECK_MPI(MPI_Win_set_errhandler(sh.win, MPI_ERRORS_RETURN));
	if (rank == 0) {
		HX_CHECK_MPI(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, sh.win));
		HX_CHECK_MPI(MPI_Put(&a->start, 1, MPI_LONG, 0, 0, 1, MPI_LONG, sh.win));
		HX_CHECK_MPI(MPI_Win_unlock(0, sh.win));
	}
	HX_CHECK_MPI(MPI_Barrier(comm)); /* the start value is in before anyone looks */
	/* a passive-target epoch on every rank, except for `lock`, which opens its own
	 * exclusive epoch per update */
	if (a->variant != RACE_LOCK)
		HX_CHECK_MPI(MPI_Win_lock_all(0, sh.win));

	*seconds = mp_team_run(body, &sh);

	if (a->variant != RACE_LOCK)
		HX_CHECK_MPI(MPI_Win_unlock_all(sh.win));
	HX_CHECK_MPI(MPI_Barrier(comm));
	if (rank == 0) {
		HX_CHECK_MPI(MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, sh.win));
		HX_CHECK_MPI(MPI_Get(&final, 1, MPI_LONG, 0, 0, 1, MPI_LONG, sh.win));
		HX_CHECK_MPI(MPI_Win_unlock(0, sh.win));
	}
	HX_CHECK_MPI(MPI_Win_free(&sh.win));
	return final;
}
