/* workload.c: `workload` on OpenMP threads. One parallel region of W threads; thread w
 * runs its block of tasks (the same blocks as every backend, not an OpenMP schedule,
 * so the rows compare). The arrays are shared; no two threads touch one task.
 * Start cost: the time from before the region to every thread inside it, plus from
 * the last one done to after the region (the runtime keeps its threads between
 * regions, so after the first region this is a wake-up, not a creation).
 * Memory: a second region whose threads only meet; the master reads /proc/self.
 * Run: OMP_NUM_THREADS=8 build/openmp/workload --variant io -w 1,2,4,8 */
#include "workload.h"

#include <math.h>

#include "hx.h"

#include <omp.h>
#include <stdlib.h>

static void measure(int workers, struct wl_report *r)
{
	double rss0, pss0, rss1 = -1, pss1 = -1;
	r->rss_kib = r->pss_kib = NAN;
	if (wl_mem_kib(0, &rss0, &pss0) != 0)
		return;
#pragma omp parallel num_threads(workers) default(none) shared(rss1, pss1)
	{
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

void wl_run(const struct wl_args *a, long *done, uint64_t *result, struct wl_report *r)
{
	double outer0, outer1, *t0 = hx_calloc((size_t)a->workers, sizeof *t0),
				*t1 = hx_calloc((size_t)a->workers, sizeof *t1), first, last;
	int got = 0;

	outer0 = hx_now();
#pragma omp parallel num_threads(a->workers) default(none) shared(a, done, result, t0, t1, got)
	{
		int w = omp_get_thread_num();
		long lo = wl_first(a->tasks, a->workers, w), hi = wl_first(a->tasks, a->workers, w + 1);
#pragma omp masked
		got = omp_get_num_threads();
		/* work starts when every thread is in the region; each thread keeps its own
		 * clock (with more threads than cores the master may run late) */
#pragma omp barrier
		t0[w] = hx_now();
		if (got == a->workers)
			for (long i = lo; i < hi; i++) {
				result[i] = wl_run_task(a, i);
#pragma omp atomic
				done[i]++;
			}
		t1[w] = hx_now();
	}
	outer1 = hx_now();
	if (got != a->workers) /* the runtime gave fewer threads: tasks stay undone */
		hx_die(__FILE__, __LINE__, "omp parallel", "fewer threads than asked for");
	first = t0[0];
	last = t1[0];
	for (int w = 1; w < a->workers; w++) {
		if (t0[w] < first)
			first = t0[w];
		if (t1[w] > last)
			last = t1[w];
	}
	free(t0);
	free(t1);
	r->work_s = last - first;
	r->start_s = (outer1 - outer0) - r->work_s;
	if (a->measure_mem)
		measure(a->workers, r);
}
