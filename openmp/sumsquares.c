/* sumsquares.c: `sumsquares` on OpenMP threads. The whole lesson is the schedule
 * clause of one worksharing loop: static (blocks), static,1 (cyclic), dynamic,C (a
 * shared counter inside libgomp) and guided,C. The result array is shared; every
 * index is written by exactly one thread.
 * Run: OMP_NUM_THREADS=2 build/openmp/sumsquares -n 60000 --variant serial,cyclic -w 1,2 */
#include "sumsquares.h"

#include "hx.h"

#include <omp.h>

const char *ss_not_applicable(enum ss_variant v)
{
	(void)v; /* OpenMP has every schedule */
	return NULL;
}

void ss_run(const struct ss_args *a, uint64_t *out, double *seconds)
{
	const long n = a->n;
	const int chunk = a->chunk > 1000000000 ? 1000000000 : (int)a->chunk;
	const enum ss_variant v = a->variant;
	double t0 = 0, t1 = 0;

#pragma omp parallel num_threads(a->workers) default(none) shared(a, out, t0, t1) firstprivate(n, chunk, v)
	{
		/* a figure for W workers must come from W threads */
		hx_omp_team_check(a->workers);
		/* the clock starts when every thread is in the region, and nobody starts
		 * work before it does (the barrier closing `single`) */
#pragma omp single
		t0 = hx_now();
		switch (v) {
		case SS_STATIC:
#pragma omp for schedule(static)
			for (long i = 0; i < n; i++)
				out[i] = ss_sum_square((uint64_t)i);
			break;
		case SS_CYCLIC:
#pragma omp for schedule(static, 1)
			for (long i = 0; i < n; i++)
				out[i] = ss_sum_square((uint64_t)i);
			break;
		case SS_DYNAMIC:
#pragma omp for schedule(dynamic, chunk)
			for (long i = 0; i < n; i++)
				out[i] = ss_sum_square((uint64_t)i);
			break;
		case SS_GUIDED:
#pragma omp for schedule(guided, chunk)
			for (long i = 0; i < n; i++)
				out[i] = ss_sum_square((uint64_t)i);
			break;
		case SS_SERIAL: /* run by the exercise itself */
			break;
		}
		/* each omp for ends with a barrier: every index is done here */
#pragma omp single nowait
		t1 = hx_now(); /* the first thread out of the barrier stops the clock */
	}
	*seconds = t1 - t0;
}

void ss_alone(void (*fn)(void *), void *arg)
{
	fn(arg); /* outside any parallel region: no other thread has work */
}
