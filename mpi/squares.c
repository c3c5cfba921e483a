/* squares.c: `squares` on MPI ranks.
 * pool: the ranks are the pool, and mpirun started them before main (rank start-up is
 * not timed here: about 90 ms for -np 1 with ob1 on a 2-core test machine).
 * `startup` is forming the pool's own communicator (MPI_Comm_dup + a barrier), `work`
 * is every rank squaring items r, r+W, r+2W, ... and MPI_Gatherv bringing them to
 * rank 0, which puts them back in input order, `teardown` is MPI_Comm_free + a barrier.
 * mp_team_phases (team.c) stamps the three phases between the world's barriers.
 * spawn: not applicable. MPI_Comm_spawn works here under mpirun --oversubscribe, but
 * each spawn of one process took 52-59 ms (Open MPI 4.1.4, measured on this machine:
 * ~800 times a fork), so the default 1000 items would take about a minute per case;
 * started without mpirun (a singleton) the second spawn fails for lack of slots
 * (MPI_ERR_SPAWN); and a spawned copy of this program would run the whole harness.
 * Run: mpirun -np 8 --oversubscribe build/mpi/squares */
#include "squares.h"

#include "team.h"

#include <stdio.h>
#include <stdlib.h>

const char *squares_na(enum sq_variant v)
{
	if (v == SQ_SPAWN)
		return "MPI_Comm_spawn of one process took 52-59 ms here under mpirun "
		       "--oversubscribe (Open MPI 4.1.4), 800x a fork; as a singleton the 2nd spawn "
		       "fails (MPI_ERR_SPAWN: no slots); rank start-up is mpirun's, see pool";
	return NULL;
}

/* What the phases share: the pool's communicator and the buffers of the work. */
struct pool {
	const struct sq_args *a;
	long *result, *part, *all;
	int *counts, *displs;
	int size;
	MPI_Comm comm;
};

/* startup: the pool's own communicator, formed by every rank */
static void pool_start(MPI_Comm world, int rank, void *arg)
{
	struct pool *p = arg;
	(void)rank;
	HX_CHECK_MPI(MPI_Comm_dup(world, &p->comm));
	HX_CHECK_MPI(MPI_Comm_set_errhandler(p->comm, MPI_ERRORS_RETURN));
	HX_CHECK_MPI(MPI_Barrier(p->comm));
}

/* work: square items rank, rank + W, ...; rank 0 gathers them in input order */
static void pool_work(MPI_Comm world, int rank, void *arg)
{
	struct pool *p = arg;
	const struct sq_args *a = p->a;
	int size = p->size, mine = 0;

	(void)world;
	for (long i = rank; i < a->items; i += size)
		p->part[mine++] = sq_square(i + 1, a->work);
	if (rank == 0) {
		long off = 0;
		p->counts = hx_calloc((size_t)size, sizeof *p->counts);
		p->displs = hx_calloc((size_t)size, sizeof *p->displs);
		for (int r = 0; r < size; r++) {
			p->counts[r] = (int)(a->items > r ? (a->items - r + size - 1) / size : 0);
			p->displs[r] = (int)off;
			off += p->counts[r];
		}
		p->all = hx_calloc((size_t)a->items, sizeof *p->all);
	}
	HX_CHECK_MPI(MPI_Gatherv(p->part, mine, MPI_LONG, p->all, p->counts, p->displs, MPI_LONG, 0,
				 p->comm));
	if (rank == 0) /* rank r's k-th square is item r + k*W: back into input order */
		for (int r = 0; r < size; r++)
			for (int k = 0; k < p->counts[r]; k++)
				p->result[r + (long)k * size] = p->all[p->displs[r] + k];
}

/* teardown: the pool's communicator goes (team.c's closing barrier is on the world) */
static void pool_end(MPI_Comm world, int rank, void *arg)
{
	struct pool *p = arg;
	(void)world;
	(void)rank;
	HX_CHECK_MPI(MPI_Comm_free(&p->comm));
}

void squares_run(const struct sq_args *a, long *result, double t[3], double life[2])
{
	static const mp_body phases[3] = { pool_start, pool_work, pool_end };
	struct pool p = { .a = a, .result = result, .comm = MPI_COMM_NULL };

	HX_CHECK_MPI(MPI_Comm_size(hx_mpi_comm(), &p.size));
	p.part = hx_calloc((size_t)(a->items / p.size + 1), sizeof *p.part);
	mp_team_phases(phases, 3, &p, t);
	life[0] = life[1] = HX_NOT_MEASURED; /* the ranks were started by mpirun */
	free(p.part);
	free(p.all);
	free(p.counts);
	free(p.displs);
}
