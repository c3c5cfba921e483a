/* workload.c: `workload` on MPI ranks. Rank w runs its block of tasks into its own
 * arrays; ranks share no memory, so an MPI_Reduce(SUM) brings the per-task counts and
 * results to rank 0 (a task run by two ranks would show done = 2 there).
 * Timing: mp_team_run (team.c) times the tasks between barriers (the driver keeps the
 * slowest rank).
 * Start cost: ranks are started by mpirun before the program runs; not measured here
 * (the start phase is empty, its note says start=mpirun:see_make_mpi-startup): make
 * mpi-startup (tools/mpistart.sh) times the launcher and MPI_Init apart, in seconds.
 * Memory: workload_memprobe.c, each rank's own (a rank is a whole program with the MPI
 * library in it); the slope over ranks takes two launches (tools/mpimem.sh).
 * Run: mpirun -np 8 --oversubscribe build/mpi/workload --variant io */
#include "workload.h"

#include <math.h>

#include "workload_memprobe.h"
#include "team.h"

#include <stdlib.h>
#include <string.h>

/* What a rank runs in the timed region: its block of tasks into its own arrays. */
struct block {
	const struct wl_args *a;
	long lo, hi, *done;
	uint64_t *res;
};

static void run_block(MPI_Comm comm, int rank, void *arg)
{
	const struct block *b = arg;
	(void)comm;
	(void)rank;
	for (long i = b->lo; i < b->hi; i++) {
		b->res[i] = wl_run_task(b->a, i);
		b->done[i]++;
	}
}

void wl_run(const struct wl_args *a, long *done, uint64_t *result, struct wl_report *r)
{
	MPI_Comm comm = hx_mpi_comm();
	long *mydone = hx_calloc((size_t)a->tasks, sizeof *mydone);
	uint64_t *myres = hx_calloc((size_t)a->tasks, sizeof *myres);
	struct block b = { .a = a, .done = mydone, .res = myres };
	int rank, size;

	HX_CHECK_MPI(MPI_Comm_rank(comm, &rank));
	HX_CHECK_MPI(MPI_Comm_size(comm, &size));
	b.lo = wl_first(a->tasks, size, rank);
	b.hi = wl_first(a->tasks, size, rank + 1);

	r->work_s = mp_team_run(run_block, &b);
	r->start_s = HX_NOT_MEASURED; /* the ranks were started by mpirun, before main */
	r->end_s = r->create_s = r->reap_s = HX_NOT_MEASURED; /* and end after it */

	HX_CHECK_MPI(MPI_Reduce(mydone, done, (int)a->tasks, MPI_LONG, MPI_SUM, 0, comm));
	HX_CHECK_MPI(MPI_Reduce(myres, result, (int)a->tasks, MPI_UINT64_T, MPI_SUM, 0, comm));
	free(mydone);
	free(myres);

	if (a->measure_mem)
		mp_memprobe(&r->mem); /* workload_memprobe.c */
}
