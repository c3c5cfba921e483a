/* errors_pthreads.c: `errors` on POSIX threads: W threads, the calling thread their
 * monitor; the task loop's bookkeeping and the monitor's verdicts are errors_pool_*
 * (exercises/errors.c, shared with errors_procs.c). What threads do their own way:
 *   return     the failed task is the thread's return value, read by pthread_join
 *   callback   the callback runs in the worker thread, under the monitor's lock
 *   crash      a thread's SIGSEGV ends its whole process: the pool runs in a forked
 *              sandbox (errors_sandbox) and the parent reports the sandbox's signal
 *   lockdeath  the worker dies by pthread_exit holding the robust lock; the next
 *              locker gets EOWNERDEAD, rolls the half update back and goes on
 *   exit       the worker calls exit() on its error: that ends the whole process, every
 *              thread with it; shown in the sandbox as crash, which reports the status
 * Run: build/pthreads/errors --variant lockdeath -w 2 --on-error continue */
#include "errors_pool.h"
#include "hx.h"
#include "team.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

struct worker {
	struct team *tm;
	int w;
	pthread_t tid;
};

struct team {
	struct errors_pool *p;    /* in a shared mapping: a sandbox's results stay visible */
	struct errors_result *r;  /* the sandbox's report */
	pthread_mutex_t qm;       /* the exit queue's lock, and the callback's */
	pthread_cond_t qc;
	int nexited, exited[2 * HX_MAX_WORKERS]; /* threads that ended, not yet joined */
	struct worker wk[HX_MAX_WORKERS];
};

/* Runs worker w's tasks; returns the failed task (return variant), or -1. */
static int work(struct team *tm, int w)
{
	struct errors_pool *p = tm->p;

	for (int t = p->slot[w].first; t < p->a.ntasks; t += p->a.workers) {
		const char *reason;
		enum errors_step st = errors_pool_step(p, w, t, &reason);

		if (st == ERRORS_STEP_DIE) /* lockdeath: the lock, held, turns owner-dead */
			pthread_exit(NULL);
		if (st == ERRORS_STEP_RETURN) /* the future holds the error */
			return t;
		if (st == ERRORS_STEP_CANCELLED)
			return -1;
		if (st == ERRORS_STEP_CALLBACK) { /* the callback runs here, in the worker */
			HX_CHECK_PT(pthread_mutex_lock(&tm->qm));
			errors_pool_report(p, t, reason);
			HX_CHECK_PT(pthread_mutex_unlock(&tm->qm));
		}
	}
	p->slot[w].cur = -1;
	return -1;
}

/* runs when the thread ends, by return or by pthread_exit: tells the monitor */
static void thread_ended(void *arg)
{
	struct worker *wk = arg;

	HX_CHECK_PT(pthread_mutex_lock(&wk->tm->qm));
	wk->tm->exited[wk->tm->nexited++] = wk->w;
	HX_CHECK_PT(pthread_cond_signal(&wk->tm->qc));
	HX_CHECK_PT(pthread_mutex_unlock(&wk->tm->qm));
}

static void *thread_main(void *arg)
{
	struct worker *wk = arg;
	int failed;

	pthread_cleanup_push(thread_ended, wk);
	failed = work(wk->tm, wk->w);
	pthread_cleanup_pop(1);
	return (void *)(intptr_t)(failed + 1); /* the future: 0 fine, else task + 1 */
}

static void start(struct team *tm, int w)
{
	tm->wk[w] = (struct worker){ .tm = tm, .w = w };
	HX_CHECK_PT(pthread_create(&tm->wk[w].tid, NULL, thread_main, &tm->wk[w]));
}

/* The monitor: start W threads; as each ends (the exit queue), join it and learn how
 * it ended: its return value, or pthread_exit in the middle of a task (died = -1).
 * errors_pool_ended says when a replacement runs the rest of a failed worker's tasks. */
static void pool(void *arg)
{
	struct team *tm = arg;
	int live = tm->p->a.workers;

	for (int w = 0; w < tm->p->a.workers; w++)
		start(tm, w);
	while (live-- > 0) {
		void *ret;
		int w;

		HX_CHECK_PT(pthread_mutex_lock(&tm->qm));
		while (tm->nexited == 0)
			HX_CHECK_PT(pthread_cond_wait(&tm->qc, &tm->qm));
		w = tm->exited[--tm->nexited];
		HX_CHECK_PT(pthread_mutex_unlock(&tm->qm));
		HX_CHECK_PT(pthread_join(tm->wk[w].tid, &ret));
		if (ret != NULL && ret != PTHREAD_CANCELED)
			tm->p->slot[w].failed = (int)(intptr_t)ret - 1;
		if (errors_pool_ended(tm->p, w, ret == NULL && tm->p->slot[w].cur >= 0 ? -1 : 0, 0)) {
			start(tm, w);
			live++;
		}
	}
}

/* The timed region: the pool, from the first thread started to the last one joined. */
static void monitor(void *arg)
{
	struct team *tm = arg;
	if (errors_ends_process(&tm->p->a))
		/* a thread's crash or exit ends its process: let it end a forked copy of this one */
		errors_sandbox(pool, tm, tm->p->task, tm->p->a.ntasks, tm->r);
	else
		pool(tm);
}

void errors_run(const struct errors_args *a, struct errors_result *r, double *seconds)
{
	struct team *tm = hx_calloc(1, sizeof *tm);

	tm->p = errors_pool_open(a);
	tm->r = r;
	px_mutex_init(&tm->qm, 0);
	px_cond_init(&tm->qc, 0);
	/* this thread is the monitor: it times the pool it drives; the setup is not timed */
	*seconds = hx_time(monitor, tm);
	errors_pool_collect(tm->p, r, PX_PROCS);
	HX_CHECK_PT(pthread_mutex_destroy(&tm->qm));
	HX_CHECK_PT(pthread_cond_destroy(&tm->qc));
	errors_pool_close(tm->p);
	free(tm);
}
