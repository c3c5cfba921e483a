/* squares.c: `squares` on POSIX threads (build/pthreads/squares) and fork()ed processes
 * (build/procs/squares, compiled with PX_PROCS=1).
 *
 * pool: the parent creates W workers (startup ends when all have said "ready"), opens
 * a round by bumping `round` (each worker then takes items from a shared counter until
 * none is left and reports "done"; work ends when all W have), then sets `quit` and
 * joins / reaps them (teardown). The parent drives the three phases and times each
 * (px_drive_phases). The pool, its lock and condition variables and the results live
 * in px_team_alloc() memory: shared mapping + PTHREAD_PROCESS_SHARED for processes.
 * The parent never waits blind on a child: it wakes every 50 ms to see whether one
 * died (waitpid WNOHANG) and then stops with the reason.
 * spawn: one new thread / process per item, at most W alive; when W are running the
 * parent waits for the oldest before starting the next. Startup and teardown are 0:
 * every creation and every exit is part of the work (hx_time).
 * Run: build/procs/squares -w 1,2,4,8 --work 20000 */
#include "squares.h"
#include "team.h"

#include "hx.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct pool {
	struct sq_args a;
	pthread_mutex_t m;
	pthread_cond_t go;      /* parent -> workers: a new round, or quit */
	pthread_cond_t report;  /* workers -> parent: one more ready / done */
	int ready, done, round, quit;
	long next;              /* the next item to take (atomic) */
	long *result;           /* [items], in the same block */
};

const char *squares_na(enum sq_variant v)
{
	(void)v;
	return NULL;
}

static void take_items(struct pool *p)
{
	long i;
	while ((i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED)) < p->a.items)
		p->result[i] = sq_square(i + 1, p->a.work);
}

/* a pool worker: ready, then one round per `round` bump, until quit */
static void pool_worker(struct pool *p)
{
	int seen = 0;
	HX_CHECK_PT(pthread_mutex_lock(&p->m));
	p->ready++;
	HX_CHECK_PT(pthread_cond_signal(&p->report));
	for (;;) {
		while (p->round == seen && !p->quit)
			HX_CHECK_PT(pthread_cond_wait(&p->go, &p->m));
		if (p->quit)
			break;
		seen = p->round;
		HX_CHECK_PT(pthread_mutex_unlock(&p->m));
		take_items(p);
		HX_CHECK_PT(pthread_mutex_lock(&p->m));
		if (++p->done == p->a.workers)
			HX_CHECK_PT(pthread_cond_signal(&p->report));
	}
	HX_CHECK_PT(pthread_mutex_unlock(&p->m));
}

static void *pool_thread(void *arg)
{
	pool_worker(arg);
	return NULL;
}

/* A worker is a thread or a process; `id` holds its pthread_t or pid. */
union worker_id {
	pthread_t tid;
	pid_t pid;
};

/* worker k: its name in a fault report or the watchdog's ("worker 2 (pid 1234)") */
static void start_worker(union worker_id *w, void *(*fn)(void *), void *arg, int k)
{
	if (!PX_PROCS) {
		HX_CHECK_PT(pthread_create(&w->tid, NULL, fn, arg));
		return;
	}
	w->pid = hx_fork();
	if (w->pid == 0) {
		fn(arg);
		_exit(0);
	}
	hx_child_name((int)w->pid, k);
}

/* waits for a worker to end; a process that failed stops the program with the reason */
static void end_worker(union worker_id *w)
{
	int st;
	if (!PX_PROCS) {
		HX_CHECK_PT(pthread_join(w->tid, NULL));
		return;
	}
	while (waitpid(w->pid, &st, 0) < 0)
		if (errno != EINTR)
			hx_die_errno(__FILE__, __LINE__, "waitpid", errno);
	/* killed, or failed: named with its pid, the others killed and reaped, exit 3 */
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		hx_child_fault(__FILE__, __LINE__, NULL, (int)w->pid, st);
}

/* parent, holding p->m: sleep until *count reaches want; processes: see that none died */
static void wait_for(struct pool *p, const int *count, int want, union worker_id *w, int n)
{
	while (*count < want) {
		uint64_t d;
		struct timespec ts;
		int rc;
		if (!PX_PROCS) {
			HX_CHECK_PT(pthread_cond_wait(&p->report, &p->m));
			continue;
		}
		/* 50 ms from now on hx_deadline's clock, CLOCK_MONOTONIC (harness/clock.c):
		 * the clock the condition variable was given (report_init), immune to the
		 * date being set */
		d = hx_deadline(50 * 1000000u);
		ts = (struct timespec){ (time_t)(d / 1000000000u), (long)(d % 1000000000u) };
		rc = pthread_cond_timedwait(&p->report, &p->m, &ts);
		if (rc == ETIMEDOUT) {
			for (int k = 0; k < n; k++) {
				int st;
				pid_t r = waitpid(w[k].pid, &st, WNOHANG);
				if (r == w[k].pid && (!WIFEXITED(st) || WEXITSTATUS(st) != 0))
					hx_child_fault(__FILE__, __LINE__, NULL, (int)r, st);
				if (r == w[k].pid)
					hx_die(__FILE__, __LINE__, "pool worker process",
					       "ended before the pool was torn down");
				if (r < 0)
					hx_die_errno(__FILE__, __LINE__, "waitpid", errno);
			}
		} else if (rc != 0) {
			hx_die_errno(__FILE__, __LINE__, "pthread_cond_timedwait", rc);
		}
	}
}

/* spawn: worker k of the ring runs one item */
struct one {
	struct pool *p;
	long item;
};

static void *one_item(void *arg)
{
	struct one *o = arg;
	o->p->result[o->item] = sq_square(o->item + 1, o->p->a.work);
	return NULL;
}

/* What the parent drives, each phase timed by px_drive_phases (pool) or hx_time
 * (spawn): the pool, its workers, and spawn's slots. */
struct run {
	struct pool *p;
	union worker_id *w;
	struct one *slot;
};

/* pool, startup: W workers created, until every one has said "ready" */
static void pool_start(void *arg)
{
	struct run *r = arg;
	struct pool *p = r->p;
	int n = p->a.workers;

	for (int k = 0; k < n; k++)
		start_worker(&r->w[k], pool_thread, p, k);
	HX_CHECK_PT(pthread_mutex_lock(&p->m));
	wait_for(p, &p->ready, n, r->w, n);
	HX_CHECK_PT(pthread_mutex_unlock(&p->m));
}

/* pool, work: one round, all N items, until every worker has said "done" */
static void pool_round(void *arg)
{
	struct run *r = arg;
	struct pool *p = r->p;

	HX_CHECK_PT(pthread_mutex_lock(&p->m));
	p->next = 0;
	p->done = 0;
	p->round++;
	HX_CHECK_PT(pthread_cond_broadcast(&p->go));
	wait_for(p, &p->done, p->a.workers, r->w, p->a.workers);
	HX_CHECK_PT(pthread_mutex_unlock(&p->m));
}

/* pool, teardown: quit, and every worker joined / reaped */
static void pool_end(void *arg)
{
	struct run *r = arg;
	struct pool *p = r->p;

	HX_CHECK_PT(pthread_mutex_lock(&p->m));
	p->quit = 1;
	HX_CHECK_PT(pthread_cond_broadcast(&p->go));
	HX_CHECK_PT(pthread_mutex_unlock(&p->m));
	for (int k = 0; k < p->a.workers; k++)
		end_worker(&r->w[k]);
}

static void run_pool(struct pool *p, double t[3])
{
	static const px_drive_fn phase[3] = { pool_start, pool_round, pool_end };
	struct run r = { p, hx_calloc((size_t)p->a.workers, sizeof *r.w), NULL };

	px_drive_phases(3, phase, &r, t);
	free(r.w);
}

/* spawn, work: a worker per item, at most W alive, until the last has ended */
static void spawn_all(void *arg)
{
	struct run *r = arg;
	struct pool *p = r->p;
	int n = p->a.workers;

	for (long i = 0; i < p->a.items; i++) {
		int k = (int)(i % n);
		if (i >= n) /* W alive: wait for the oldest, then reuse its slot */
			end_worker(&r->w[k]);
		r->slot[k] = (struct one){ p, i };
		start_worker(&r->w[k], one_item, &r->slot[k], k);
	}
	for (long i = p->a.items > n ? p->a.items - n : 0; i < p->a.items; i++)
		end_worker(&r->w[i % n]);
}

static void run_spawn(struct pool *p, double t[3])
{
	size_t n = (size_t)p->a.workers;
	struct run r = { p, hx_calloc(n, sizeof *r.w), hx_calloc(n, sizeof *r.slot) };

	t[0] = 0;
	t[1] = hx_time(spawn_all, &r);
	t[2] = 0;
	free(r.w);
	free(r.slot);
}

/* `report` is waited on with a deadline (wait_for): it measures on CLOCK_MONOTONIC,
 * shared between processes like the rest of the pool (px_cond_init takes no clock) */
static void report_init(pthread_cond_t *c)
{
	pthread_condattr_t at;
	HX_CHECK_PT(pthread_condattr_init(&at));
	HX_CHECK_PT(pthread_condattr_setpshared(&at, PX_PSHARED ? PTHREAD_PROCESS_SHARED
							      : PTHREAD_PROCESS_PRIVATE));
	HX_CHECK_PT(pthread_condattr_setclock(&at, CLOCK_MONOTONIC));
	HX_CHECK_PT(pthread_cond_init(c, &at));
	HX_CHECK_PT(pthread_condattr_destroy(&at));
}

void squares_run(const struct sq_args *a, long *result, double t[3])
{
	size_t head = (sizeof(struct pool) + 63) & ~(size_t)63,
	       total = head + (size_t)a->items * sizeof(long);
	char *base = px_team_alloc(total);
	struct pool *p = (struct pool *)(void *)base;

	memset(base, 0, total);
	p->a = *a;
	p->result = (long *)(void *)(base + head);
	memcpy(p->result, result, (size_t)a->items * sizeof(long)); /* the poisoned values */
	px_mutex_init(&p->m, PX_PSHARED);
	px_cond_init(&p->go, PX_PSHARED);
	report_init(&p->report);
	if (a->variant == SQ_POOL)
		run_pool(p, t);
	else
		run_spawn(p, t);
	memcpy(result, p->result, (size_t)a->items * sizeof(long));
	HX_CHECK_PT(pthread_cond_destroy(&p->report));
	HX_CHECK_PT(pthread_cond_destroy(&p->go));
	HX_CHECK_PT(pthread_mutex_destroy(&p->m));
	px_team_free(base, total);
}
