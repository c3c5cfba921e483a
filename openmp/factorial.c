/* factorial.c: `factorial` on OpenMP tasks. One thread (single) creates a task per n;
 * every thread of the team, that one included, runs tasks; the implicit barrier at the
 * end of `single` waits for all of them (the futures are implicit: a task writes its
 * value into values[k], shared). The completion order is one atomic counter: the
 * thread that ends a task takes the next slot of order[] and prints it.
 * Run: OMP_NUM_THREADS=5 build/openmp/factorial --variant large -n 10 -w 5 -r 1 */
#include "factorial.h"

#include "hx.h"

#include <omp.h>

void *fac_open(const struct fac_args *a)
{
	(void)a; /* libgomp keeps its threads between regions: nothing to start */
	return NULL;
}

void fac_close(void *ctx)
{
	(void)ctx;
}

void fac_run(void *ctx, const struct fac_args *a, mpz_t *values, long *order, double *seconds)
{
	const long ntasks = a->ntasks;
	long done = 0;
	double t0 = 0, t1 = 0;

	(void)ctx;
#pragma omp parallel num_threads(a->workers) default(none) shared(a, values, order, done, t0, t1) firstprivate(ntasks)
	{
		/* a figure for W workers must come from W threads */
		hx_omp_team_check(a->workers);
		/* the clock starts when every thread is in the region, and nobody starts
		 * work before it does (the barrier closing `single`) */
#pragma omp single
		t0 = hx_now();
#pragma omp single
		for (long k = 0; k < ntasks; k++) {
#pragma omp task default(none) firstprivate(k) shared(a, values, order, done)
			{
				long j;
				fac_compute(values[k], fac_task_n(a->variant, k));
#pragma omp atomic capture
				j = done++;
				order[j] = k;
				fac_report(a, k, j, values[k]);
			}
		}
		/* the barrier closing `single` waits for every task */
#pragma omp single nowait
		t1 = hx_now(); /* the first thread out of the barrier stops the clock */
	}
	*seconds = t1 - t0;
}
