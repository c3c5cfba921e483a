/* factorial.c: `factorial` on OpenMP tasks. One thread (single) creates a task per n;
 * every thread of the team, that one included, runs tasks; the implicit barrier at the
 * end of `single` waits for all of them (the futures are implicit: a task writes its
 * value into values[k], shared). The completion order is one atomic counter: the
 * thread that ends a task takes the next slot of order[] and prints it.
 * openmp/team.c runs the body on W threads and times it.
 * Run: OMP_NUM_THREADS=5 build/openmp/factorial --variant large -n 10 -w 5 -r 1 */
#include "factorial.h"

#include "team.h"

struct job {
	const struct fac_args *a;
	mpz_t *values;
	long *order;
	long done; /* tasks finished: the next slot of order[] */
};

void *fac_open(const struct fac_args *a)
{
	(void)a; /* libgomp keeps its threads between regions: nothing to start */
	return NULL;
}

void fac_close(void *ctx)
{
	(void)ctx;
}

static void body(int tid, void *arg)
{
	struct job *jb = arg;

	(void)tid;
#pragma omp single
	for (long k = 0; k < jb->a->ntasks; k++) {
#pragma omp task default(none) firstprivate(k, jb)
		{
			long j;
			fac_compute(jb->values[k], fac_task_n(jb->a->variant, k));
#pragma omp atomic capture
			j = jb->done++;
			jb->order[j] = k;
			fac_report(jb->a, k, j, jb->values[k]);
		}
	}
	/* the barrier closing `single` waits for every task */
}

void fac_run(void *ctx, const struct fac_args *a, mpz_t *values, long *order, double *seconds)
{
	struct job jb = { a, values, order, 0 };

	(void)ctx;
	*seconds = om_team_run(a->workers, body, &jb, NULL);
}
