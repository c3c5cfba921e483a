/* sumsquares.c: `sumsquares` on OpenMP threads. The whole lesson is the schedule
 * clause of one worksharing loop: static (blocks), static,1 (cyclic), dynamic,C (a
 * shared counter inside libgomp) and guided,C. The result array is shared; every
 * index is written by exactly one thread. The loop is orphaned in the body, so it
 * shares its iterations among the team openmp/team.c runs (and times) it on.
 * Run: OMP_NUM_THREADS=2 build/openmp/sumsquares -n 60000 --variant serial,cyclic -w 1,2 */
#include "sumsquares.h"

#include "team.h"

#include <stddef.h>

struct job {
	const struct ss_args *a;
	uint64_t *out;
};

const char *ss_na(enum ss_variant v)
{
	(void)v; /* OpenMP has every schedule */
	return NULL;
}

static void body(int tid, void *arg)
{
	const struct job *jb = arg;
	const long n = jb->a->n;
	const int chunk = jb->a->chunk > 1000000000 ? 1000000000 : (int)jb->a->chunk;
	uint64_t *out = jb->out;

	(void)tid;
	switch (jb->a->variant) {
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
}

void ss_run(const struct ss_args *a, uint64_t *out, double *seconds)
{
	struct job jb = { a, out };
	/* the baseline on the master thread, outside any region: the pool's threads sleep
	 * (OMP_WAIT_POLICY=passive) until the region wakes them */
	ss_baseline_alone(a);
	*seconds = om_team_run(a->workers, body, &jb, NULL);
}

