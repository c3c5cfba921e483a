/* squares.c: `squares` on MPI ranks.
 * pool: the ranks are the pool, and mpirun started them before main (rank start-up is
 * not timed here: about 90 ms for -np 1 with ob1 on this machine, see machine.md).
 * `startup` is forming the pool's own communicator (MPI_Comm_dup + a barrier), `work`
 * is every rank squaring items r, r+W, r+2W, ... and MPI_Gatherv bringing them to
 * rank 0, which puts them back in input order, `teardown` is MPI_Comm_free + a barrier.
 * spawn: not applicable. MPI_Comm_spawn works here under mpirun --oversubscribe, but
 * each spawn of one process took 52-59 ms (Open MPI 4.1.4, measured on this machine:
 * ~800 times a fork), so the default 1000 items would take about a minute per case;
 * started without mpirun (a singleton) the second spawn fails for lack of slots
 * (MPI_ERR_SPAWN); and a spawned copy of this program would run the whole harness.
 * Run: mpirun -np 8 --oversubscribe build/mpi/squares */
#include "squares.h"

#include "hx_mpi.h"

#include <stdio.h>
#include <stdlib.h>

int squares_supported(enum sq_variant v, char *why, unsigned long len)
{
	if (v == SQ_SPAWN) {
		snprintf(why, len, "MPI_Comm_spawn of one process took 52-59 ms here under "
			 "mpirun --oversubscribe (Open MPI 4.1.4), 800x a fork; as a singleton "
			 "the 2nd spawn fails (MPI_ERR_SPAWN: no slots); rank start-up is "
			 "mpirun's, see pool");
		return 0;
	}
	return 1;
}

void squares_run(const struct sq_args *a, long *result, double t[3])
{
	MPI_Comm world = hx_mpi_comm(), pool;
	int rank, size, mine = 0, *counts = NULL, *displs = NULL;
	long *part, *all = NULL;
	double t0, t1, t2, t3;

	HX_CHECK_MPI(MPI_Comm_rank(world, &rank));
	HX_CHECK_MPI(MPI_Comm_size(world, &size));
	part = hx_calloc((size_t)(a->items / size + 1), sizeof *part);

	HX_CHECK_MPI(MPI_Barrier(world));
	t0 = hx_now();
	HX_CHECK_MPI(MPI_Comm_dup(world, &pool));
	HX_CHECK_MPI(MPI_Comm_set_errhandler(pool, MPI_ERRORS_RETURN));
	HX_CHECK_MPI(MPI_Barrier(pool));
	t1 = hx_now();

	for (long i = rank; i < a->items; i += size)
		part[mine++] = sq_square(i + 1, a->work);
	if (rank == 0) {
		long off = 0;
		counts = hx_calloc((size_t)size, sizeof *counts);
		displs = hx_calloc((size_t)size, sizeof *displs);
		for (int r = 0; r < size; r++) {
			counts[r] = (int)(a->items > r ? (a->items - r + size - 1) / size : 0);
			displs[r] = (int)off;
			off += counts[r];
		}
		all = hx_calloc((size_t)a->items, sizeof *all);
	}
	HX_CHECK_MPI(MPI_Gatherv(part, mine, MPI_LONG, all, counts, displs, MPI_LONG, 0, pool));
	if (rank == 0) /* rank r's k-th square is item r + k*W: back into input order */
		for (int r = 0; r < size; r++)
			for (int k = 0; k < counts[r]; k++)
				result[r + (long)k * size] = all[displs[r] + k];
	t2 = hx_now();

	HX_CHECK_MPI(MPI_Comm_free(&pool));
	HX_CHECK_MPI(MPI_Barrier(world));
	t3 = hx_now();
	t[0] = t1 - t0;
	t[1] = t2 - t1;
	t[2] = t3 - t2;
	free(part);
	free(all);
	free(counts);
	free(displs);
}
