/* workload.c: `workload` on OpenMP threads. One parallel region of W threads; thread w
 * runs its block of tasks (the same blocks as every backend, not an OpenMP schedule,
 * so the rows compare). The arrays are shared; no two threads touch one task.
 * Timing: t0 read by one thread while the others wait at the end of its `single`, t1
 * read by one thread after a barrier behind the last task.
 * Start cost: the time from before the region to t0, plus from t1 to after the region
 * (the runtime keeps its threads between regions, so after the first region this is
 * a wake-up, not a creation).
 * Memory: a second region whose threads only meet; the master reads /proc/self.
 * Run: OMP_NUM_THREADS=8 build/openmp/workload --variant io -w 1,2,4,8 */
#include "workload.h"

#include <math.h>

#include "hx.h"

#include <omp.h>

static void measure(int workers, struct wl_report *r)
{
	double rss0, pss0, rss1 = -1, pss1 = -1;
	r->rss_kib = r->pss_kib = NAN;
	if (wl_mem_kib(0, &rss0, &pss0) != 0)
		return;
#pragma omp parallel num_threads(workers) default(none) shared(workers, rss1, pss1)
	{
		hx_omp_team_check(workers);
#pragma omp barrier
#pragma omp masked
		if (wl_mem_kib(0, &rss1, &pss1) != 0)
			rss1 = pss1 = -1;
#pragma omp barrier
	}
	if (rss1 >= 0)
		r->rss_kib = (rss1 - rss0) / workers;
	if (pss0 >= 0 && pss1 >= 0)
		r->pss_kib = (pss1 - pss0) / workers;
}

/* Timing: nobody starts before t0 is read (the single's closing barrier holds the
 * others until it is), and t1 is read after the last thread is done (a barrier, then
 * one thread reads it and nobody waits for that). */
void wl_run(const struct wl_args *a, long *done, uint64_t *result, struct wl_report *r)
{
	double outer0, outer1, t0 = 0, t1 = 0;

	outer0 = hx_now();
#pragma omp parallel num_threads(a->workers) default(none) shared(a, done, result, t0, t1)
	{
		int w = omp_get_thread_num();
		long lo = wl_first(a->tasks, a->workers, w), hi = wl_first(a->tasks, a->workers, w + 1);
		hx_omp_team_check(a->workers); /* fewer threads would leave tasks undone */
#pragma omp single
		t0 = hx_now();
		for (long i = lo; i < hi; i++) {
			result[i] = wl_run_task(a, i);
#pragma omp atomic
			done[i]++;
		}
#pragma omp barrier
#pragma omp single nowait
		t1 = hx_now();
	}
	outer1 = hx_now();
	r->work_s = t1 - t0;
	r->start_s = (outer1 - outer0) - r->work_s;
	if (a->measure_mem)
		measure(a->workers, r);
}
