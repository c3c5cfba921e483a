/* race.c: `race` on OpenMP threads. One parallel region; the counter is shared (the
 * default for a variable declared outside the region), each thread's step private.
 * lock: a critical section; atomic: `omp atomic`; local: a reduction clause, which is
 * the OpenMP way of "sum privately, combine once".
 * Run: OMP_NUM_THREADS=2 build/openmp/race --variant atomic -n 1000000 */
#include "race.h"

#include "hx.h"

#include <omp.h>

long race_run(const struct race_args *a, double *seconds)
{
	long counter = a->start, sum = 0;
	double t0 = 0, t1 = 0;

#pragma omp parallel num_threads(a->workers) default(none) shared(a, counter, t0, t1) reduction(+ : sum)
	{
		long step = race_step(omp_get_thread_num());

		hx_omp_team_check(a->workers);
		/* the clock starts when every thread is in the region, and nobody starts
		 * work before it does (the barrier closing `single`) */
#pragma omp single
		t0 = hx_now();

		switch (a->variant) {
		case RACE_NONE:
			for (long i = 0; i < a->iters; i++)
				race_update_plain(&counter, step);
			break;
		case RACE_LOCK:
			for (long i = 0; i < a->iters; i++) {
#pragma omp critical(race_counter)
				race_update_plain(&counter, step);
			}
			break;
		case RACE_ATOMIC:
			for (long i = 0; i < a->iters; i++) {
#pragma omp atomic
				counter += step;
			}
			break;
		case RACE_LOCAL: /* sum is private to each thread, combined at the region's end */
			for (long i = 0; i < a->iters; i++)
				race_update_plain(&sum, step);
			break;
		}
#pragma omp barrier
#pragma omp single nowait
		t1 = hx_now();
	}
	/* the reduction combined every thread's sum at the end of the region */
	counter += sum;
	*seconds = t1 - t0;
	return counter;
}
