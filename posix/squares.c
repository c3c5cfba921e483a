/* squares.c: `squares` on POSIX threads and fork()ed processes (PX_PROCS=1); spawn.h
 * starts (pthread_create / hx_fork) and ends each worker. pool: the parent creates W
 * workers (startup: until all say "ready"), bumps `round` (work: each takes items from a
 * shared counter until none is left and says "done"), sets `quit` and joins / reaps them
 * (teardown); px_drive_phases times each phase. The pool lives in px_team_alloc() memory
 * (processes: a shared mapping, PTHREAD_PROCESS_SHARED). spawn: a thread / process per
 * item, at most W alive; every creation and exit is work (hx_time). Either way each
 * worker's creation and teardown are also stamped where they happen (team.h's px_life,
 * the method of px_team_run, so workload's figures and these agree) and returned per
 * worker in life[].
 * Run: build/procs/squares -w 1,2,4,8 --work 20000 */
#include "squares.h"
#include "spawn.h"
#include "team.h"
#include "hx.h"
#include <stdlib.h>
#include <string.h>

/* The pool, its lock, condition variables and results: shared by every worker. */
struct pool {
	struct sq_args a;
	pthread_mutex_t m;
	pthread_cond_t go;      /* parent -> workers: a new round, or quit */
	pthread_cond_t report;  /* workers -> parent: one more ready / done */
	int ready, done, round, quit;
	long next;              /* the next item to take (atomic) */
	long *result;           /* [items], shared too */
	struct px_worker *w;    /* the parent's: its W workers */
	struct one *slot;       /* the parent's, spawn: what worker k runs */
	struct px_life *life;   /* [W]: the stamps of worker k, shared too */
	struct px_lifesum sum;  /* the parent's: creation and teardown of every worker */
};

const char *squares_na(enum sq_variant v)
{
	(void)v;
	return NULL;
}

/* a pool worker: ready, then one round per `round` bump, until quit */
static void *pool_worker(void *arg)
{
	struct pool *p = arg;
	int seen = 0;
	long i;
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
		while ((i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED)) < p->a.items)
			p->result[i] = sq_square(i + 1, p->a.work);
		HX_CHECK_PT(pthread_mutex_lock(&p->m));
		if (++p->done == p->a.workers)
			HX_CHECK_PT(pthread_cond_signal(&p->report));
	}
	HX_CHECK_PT(pthread_mutex_unlock(&p->m));
	return NULL;
}

/* pool, startup: W workers created, until every one has said "ready" */
static void pool_start(void *arg)
{
	struct pool *p = arg;
	int n = p->a.workers;
	for (int k = 0; k < n; k++)
		px_worker_start(&p->w[k], pool_worker, p, k);
	px_wait_count(&p->report, &p->m, &p->ready, n, p->w, n);
}

/* pool, work: one round, all N items, until every worker has said "done" */
static void pool_round(void *arg)
{
	struct pool *p = arg;
	HX_CHECK_PT(pthread_mutex_lock(&p->m));
	p->next = 0;
	p->done = 0;
	p->round++;
	HX_CHECK_PT(pthread_cond_broadcast(&p->go));
	HX_CHECK_PT(pthread_mutex_unlock(&p->m));
	px_wait_count(&p->report, &p->m, &p->done, p->a.workers, p->w, p->a.workers);
}

/* pool, teardown: quit, and every worker joined / reaped */
static void pool_end(void *arg)
{
	struct pool *p = arg;
	HX_CHECK_PT(pthread_mutex_lock(&p->m));
	p->quit = 1;
	HX_CHECK_PT(pthread_cond_broadcast(&p->go));
	HX_CHECK_PT(pthread_mutex_unlock(&p->m));
	for (int k = 0; k < p->a.workers; k++)
		px_worker_end(&p->w[k], &p->sum);
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

/* spawn, work: a worker per item, at most W alive, until the last has ended */
static void spawn_all(void *arg)
{
	struct pool *p = arg;
	int n = p->a.workers;
	for (long i = 0; i < p->a.items; i++) {
		int k = (int)(i % n);
		if (i >= n) /* W alive: wait for the oldest, then reuse its slot */
			px_worker_end(&p->w[k], &p->sum);
		p->slot[k] = (struct one){ p, i };
		px_worker_start(&p->w[k], one_item, &p->slot[k], k);
	}
	for (long i = p->a.items > n ? p->a.items - n : 0; i < p->a.items; i++)
		px_worker_end(&p->w[i % n], &p->sum);
}

void squares_run(const struct sq_args *a, long *result, double t[3], double life[2])
{
	size_t bytes = (size_t)a->items * sizeof(long);
	size_t lives = (size_t)a->workers * sizeof(struct px_life);
	struct pool *p = px_team_alloc(sizeof *p); /* zeroed */
	p->a = *a;
	p->result = px_team_alloc(bytes);
	memcpy(p->result, result, bytes); /* the poisoned values */
	p->w = hx_calloc((size_t)a->workers, sizeof *p->w);
	p->slot = hx_calloc((size_t)a->workers, sizeof *p->slot);
	p->life = px_team_alloc(lives);
	for (int k = 0; k < a->workers; k++)
		p->w[k].life = &p->life[k];
	px_mutex_init(&p->m, PX_PSHARED);
	px_cond_init(&p->go, PX_PSHARED);
	px_cond_init(&p->report, PX_PSHARED); /* waited on with a deadline */
	t[0] = t[2] = HX_NOT_MEASURED; /* spawn: every creation and exit is work */
	if (a->variant == SQ_POOL)
		px_drive_phases(3, (const px_drive_fn[]){ pool_start, pool_round, pool_end }, p, t);
	else
		t[1] = hx_time(spawn_all, p);
	memcpy(result, p->result, bytes);
	life[0] = p->sum.n > 0 ? p->sum.creation / (double)p->sum.n : HX_NOT_MEASURED;
	life[1] = p->sum.n > 0 ? p->sum.teardown / (double)p->sum.n : HX_NOT_MEASURED;
	HX_CHECK_PT(pthread_cond_destroy(&p->report));
	HX_CHECK_PT(pthread_cond_destroy(&p->go));
	HX_CHECK_PT(pthread_mutex_destroy(&p->m));
	free(p->w);
	free(p->slot);
	px_team_free(p->life, lives);
	px_team_free(p->result, bytes);
	px_team_free(p, sizeof *p);
}
