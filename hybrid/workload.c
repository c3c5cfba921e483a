/* workload.c: `workload` on R MPI ranks of T OpenMP threads (hybrid.h). Worker g =
 * r T + tid runs its block of tasks (wl_first, as on every backend) into its rank's own
 * arrays; the ranks share no memory, so after the timed region the master threads bring
 * the per-task counts and results to rank 0 with MPI_Reduce(SUM) (a task run twice
 * shows done = 2 there), as the mpi backend does.
 * Timing: hy_team_run (team.c): the tasks, between barriers, the threads already
 * created; the slowest rank's time is kept.
 * Start cost and memory: not measured (mpirun started the ranks, and the runtime's pool
 * of threads is made before the clock): the mpi and openmp backends measure each half.
 * Run: OMP_NUM_THREADS=2 tools/mpilaunch 2 build/hybrid/workload --variant io */
#include "workload.h"

#include "hybrid.h"

#include <stdlib.h>

struct job {
	const struct wl_args *a;
	long *done;
	uint64_t *res;
};

static void threads(MPI_Comm comm, int rank, int tid, void *arg)
{
	const struct job *jb = arg;
	const struct wl_args *a = jb->a;
	int g = hy_first_worker(rank) + tid;
	long lo = wl_first(a->tasks, a->workers, g), hi = wl_first(a->tasks, a->workers, g + 1);

	(void)comm;
	for (long i = lo; i < hi; i++) {
		jb->res[i] = wl_run_task(a, i);
#pragma omp atomic
		jb->done[i]++;
	}
}

void wl_run(const struct wl_args *a, long *done, uint64_t *result, struct wl_report *r)
{
	MPI_Comm comm = hx_mpi_comm();
	struct job jb = { a, hx_calloc((size_t)a->tasks, sizeof(long)),
			  hx_calloc((size_t)a->tasks, sizeof(uint64_t)) };

	r->work_s = hy_team_run(threads, NULL, &jb);
	r->start_s = r->end_s = r->create_s = r->reap_s = HX_NOT_MEASURED;
	r->woken = 0;
	HX_CHECK_MPI(MPI_Reduce(jb.done, done, (int)a->tasks, MPI_LONG, MPI_SUM, 0, comm));
	HX_CHECK_MPI(MPI_Reduce(jb.res, result, (int)a->tasks, MPI_UINT64_T, MPI_SUM, 0, comm));
	free(jb.done);
	free(jb.res);
	if (a->measure_mem)
		wl_mem_unmeasured(&r->mem);
}
