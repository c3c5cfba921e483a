/* workload.c: `workload` on OpenMP threads. One parallel region of W threads; thread w
 * runs its block of tasks (the same blocks as every backend, not an OpenMP schedule,
 * so the rows compare). The arrays are shared; no two threads touch one task.
 * openmp/team.c runs the body on W threads and times it: `work` from every thread
 * ready to the last task done; start cost is the rest of the region seen from
 * outside (`outer` - `work`: the fork and the join; the runtime keeps its threads
 * between regions, so after the first region this is a wake-up, not a creation).
 * Memory: workload_memprobe.c, outside the timed region (regions of idle threads).
 * Run: OMP_NUM_THREADS=8 build/openmp/workload --variant io -w 1,2,4,8 */
#include "workload.h"

#include <math.h>
#include <stddef.h>

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

	/* a smaller team would leave tasks undone: om_team_run checks it */
	om_team_run(a->workers, body, &jb, &tm);
	r->work_s = tm.work;
	r->start_s = tm.outer - tm.work;
	if (a->measure_mem)
		om_memprobe(a->mem_workers, &r->mem); /* workload_memprobe.c */
}
