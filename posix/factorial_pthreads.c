/* factorial_pthreads.c: `factorial` on the thread pool of pool.h, the way the seed uses
 * ThreadPoolExecutor: submit every task (each returns a future; all in one call,
 * tp_submit_many, as executor.map submits an iterable), then take the futures
 * as they complete (tp_wait_some, the futures done by then in the order they
 * ended: Python's as_completed), print each and file its value
 * by input order. The pool is created once per case (fac_open) and reused by every
 * repetition; its W threads do the work while this thread hands out and collects.
 * Threads share memory, so a task writes its big integer straight into values[k]: the
 * future only carries the status. This thread drives the pool, so it times the region
 * (hx_time): from the first submit to the last future taken.
 * Run: build/pthreads/factorial --variant large -n 10 -w 5 -r 1 */
#include "factorial.h"
#include "pool.h"
#include "team.h"

#include "hx.h"

#include <errno.h>
#include <stdlib.h>

struct task {
	long k;
	unsigned long n;
	mpz_ptr out;
};

struct ctx {
	struct tp_pool *pool;
	struct task *tasks; /* one per task, allocated once per case */
	struct tp_future **futures; /* what tp_submit_many hands back, once per case */
	long ntasks;
};

static int fac_task(void *arg, void **result)
{
	struct task *t = arg;
	fac_compute(t->out, t->n);
	*result = t;
	return 0;
}

void *fac_open(const struct fac_args *a)
{
	struct ctx *x = hx_calloc(1, sizeof *x);

	x->pool = tp_create(a->workers);
	if (x->pool == NULL)
		hx_die_errno(__FILE__, __LINE__, "tp_create", errno);
	x->tasks = hx_calloc((size_t)a->ntasks, sizeof *x->tasks);
	x->futures = hx_calloc((size_t)a->ntasks, sizeof *x->futures);
	x->ntasks = a->ntasks;
	return x;
}

/* What fac_run drives, timed: every task submitted, every future taken as it ends. */
struct drive {
	struct ctx *x;
	const struct fac_args *a;
	mpz_t *values;
	long *order;
};

static void submit_and_collect(void *arg)
{
	enum { TAKE = 64 };
	struct drive *d = arg;
	struct tp_future *f[TAKE];
	long j = 0;
	int got;

	/* every task at once (executor.map): one push, not one lock per task */
	if (tp_submit_many(d->x->pool, d->a->ntasks, fac_task, d->x->tasks, sizeof *d->x->tasks,
			   d->x->futures) != 0)
		hx_die_errno(__FILE__, __LINE__, "tp_submit_many", errno);
	/* as_completed: every future once, in the order the tasks ended, those that have
	 * ended taken together (tp_wait_some: one acquisition of the collector's lock) */
	while ((got = tp_wait_some(d->x->pool, f, TAKE)) > 0) {
		for (int i = 0; i < got; i++) {
			void *r;
			struct task *t;
			int st = tp_get(f[i], &r);
			if (st != 0) /* fac_task cannot fail; a status here is a pool bug */
				hx_die(__FILE__, __LINE__, "tp_get", "a factorial task failed");
			t = r;
			d->order[j] = t->k;
			fac_report(d->a, t->k, j, d->values[t->k]);
			j++;
			tp_release(f[i]);
		}
	}
	if (got < 0)
		hx_die_errno(__FILE__, __LINE__, "tp_wait_some", errno);
}

void fac_run(void *ctx, const struct fac_args *a, mpz_t *values, long *order, double *seconds)
{
	struct ctx *x = ctx;
	struct drive d = { x, a, values, order };

	for (long k = 0; k < a->ntasks; k++)
		x->tasks[k] = (struct task){ k, fac_task_n(a->variant, k), values[k] };
	*seconds = hx_time(submit_and_collect, &d);
}

void fac_close(void *ctx)
{
	struct ctx *x = ctx;
	tp_destroy(x->pool);
	free(x->tasks);
	free(x->futures);
	free(x);
}
