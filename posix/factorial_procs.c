/* factorial_procs.c: `factorial` on a pre-forked pool of processes (the C side of
 * multiprocessing.Pool with imap_unordered). pp_open (procpool.c) fork()s W children
 * once per case; every repetition reuses them. Processes share no memory, so a task
 * travels down a pipe as {k, n}, and the result comes back up another as bytes: k, then
 * the big integer's magnitude (mpz_export, most significant byte first), which the
 * parent rebuilds with mpz_import into values[k]. The parent keeps DEPTH tasks queued
 * at each child (so a child never idles for a round trip), takes the replies as they
 * come (pp_wait_any: poll(), Python's as_completed) and gives that child the next task.
 * The parent drives the pool, so it times the region (hx_time): first task sent to last
 * result read. Run: build/procs/factorial --variant large -n 10 -w 5 -r 1 */
#include "factorial.h"
#include "procpool.h"

#include "hx.h"

#include <stdlib.h>
#include <string.h>

#define DEPTH 2 /* tasks queued at a child at once */

struct msg_task {
	long k;
	unsigned long n;
};

struct ctx {
	struct pp_pool *pool;
	mpz_t v; /* each child computes in its own copy (fork copies the parent's memory) */
};

/* In a child, per task: n!, sent back as k and the magnitude, in one reply. */
static size_t child_task(const void *task, struct pp_reply *r, void *arg)
{
	const struct msg_task *t = task;
	struct ctx *x = arg;
	unsigned char *out;
	size_t bytes = 0;

	fac_compute(x->v, t->n);
	out = pp_room(r, sizeof t->k + (mpz_sizeinbase(x->v, 2) + 7) / 8);
	memcpy(out, &t->k, sizeof t->k);
	mpz_export(out + sizeof t->k, &bytes, 1, 1, 1, 0, x->v);
	return sizeof t->k + bytes;
}

void *fac_open(const struct fac_args *a)
{
	struct ctx *x = hx_calloc(1, sizeof *x);

	mpz_init(x->v);
	x->pool = pp_open(a->workers, sizeof(struct msg_task), child_task, x);
	return x;
}

static void send_task(struct ctx *x, int w, const struct fac_args *a, long k)
{
	struct msg_task t = { k, fac_task_n(a->variant, k) };
	pp_send(x->pool, w, &t);
}

/* What fac_run drives, timed: tasks out, results in as they come (as_completed). */
struct drive {
	struct ctx *x;
	const struct fac_args *a;
	mpz_t *values;
	long *order;
};

static void send_and_collect(void *arg)
{
	struct drive *d = arg;
	const struct fac_args *a = d->a;
	long next = 0;

	for (int k = 0; k < DEPTH; k++)
		for (int w = 0; w < a->workers && next < a->ntasks; w++)
			send_task(d->x, w, a, next++);
	for (long j = 0; j < a->ntasks; j++) {
		const void *reply;
		size_t len;
		long k = -1;
		int w = pp_wait_any(d->x->pool, &reply, &len);
		const unsigned char *r = reply;

		if (len >= sizeof k)
			memcpy(&k, r, sizeof k);
		if (k < 0 || k >= a->ntasks)
			hx_die(__FILE__, __LINE__, "factorial worker", "a result for no task");
		mpz_import(d->values[k], len - sizeof k, 1, 1, 1, 0, r + sizeof k);
		d->order[j] = k;
		fac_report(a, k, j, d->values[k]);
		if (next < a->ntasks) /* that child is free: its next task */
			send_task(d->x, w, a, next++);
	}
}

void fac_run(void *ctx, const struct fac_args *a, mpz_t *values, long *order, double *seconds)
{
	struct drive d = { ctx, a, values, order };
	*seconds = hx_time(send_and_collect, &d);
}

void fac_close(void *ctx)
{
	struct ctx *x = ctx;
	pp_close(x->pool);
	mpz_clear(x->v);
	free(x);
}
