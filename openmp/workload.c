/* workload.c: `workload` on OpenMP threads. One parallel region of W threads; thread w
 * runs its block of tasks (the same blocks as every backend, not an OpenMP schedule,
 * so the rows compare). The arrays are shared; no two threads touch one task.
 * openmp/team.c runs the body on W threads and times it: `work` from every thread
 * ready to the last task done. The runtime keeps its threads between regions, so a
 * region's fork is a wake-up, except the first of a fresh pool: before each
 * repetition the pool is torn down (omp_pause_resource_all(omp_pause_hard), OpenMP
 * 5.0, untimed), so the region's `outer` - `work` is creating W - 1 threads (the
 * initial thread is the W-th), the barriers on each side and the join. The program never
 * ends the threads itself (they park after the region): `end` is not measured. A
 * runtime that cannot pause keeps its pool: start is then a wake-up, said in the report.
 * Memory: workload_memprobe.c, outside the timed region (regions of idle threads).
 * Run: OMP_NUM_THREADS=8 build/openmp/workload --variant io -w 1,2,4,8 */
#include "workload.h"

#include <math.h>
#include <stddef.h>

#include "hx.h"
#include "workload_memprobe.h"

#include "team.h"

struct job {
	const struct wl_args *a;
	long *done;
	uint64_t *result;
};

static void body(int w, void *arg)
{
	const struct job *jb = arg;
	const struct wl_args *a = jb->a;
	long lo = wl_first(a->tasks, a->workers, w), hi = wl_first(a->tasks, a->workers, w + 1);

	for (long i = lo; i < hi; i++) {
		jb->result[i] = wl_run_task(a, i);
#pragma omp atomic
		jb->done[i]++;
	}
}

void wl_run(const struct wl_args *a, long *done, uint64_t *result, struct wl_report *r)
{
	struct job jb = { a, done, result };
	struct om_times tm;

	/* a fresh pool: the region below creates its threads */
	r->woken = om_pool_end() < 0;
	/* a smaller team would leave tasks undone: om_team_run checks it */
	om_team_run(a->workers, body, &jb, &tm);
	r->work_s = tm.work;
	r->start_s = tm.outer - tm.work;
	r->create_s = r->start_s / a->workers;
	r->end_s = r->reap_s = HX_NOT_MEASURED; /* the threads park: nobody ends them */
	if (a->measure_mem)
		om_memprobe(a->mem_workers, &r->mem); /* workload_memprobe.c */
}
