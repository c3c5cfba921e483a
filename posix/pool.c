/* pool.c: the thread pool of pool.h. One mutex guards everything; two condition
 * variables say who waits for whom: `work` (pool threads sleep here while the queue is
 * empty; submit wakes one) and `done` (callers of tp_wait / tp_wait_any sleep here until
 * some task ends; a pool thread broadcasts, only when somebody is waiting). A future is
 * also the queue node of its task, taken from the free list: no allocation per task once
 * the pool has as many futures as tasks in flight. An ended task's future moves to the
 * `done` list (what tp_wait_any hands out, oldest first), or back to the free list when
 * already released. The pool times nothing: its only clock is the bound of a spin
 * (hx_deadline). Tests: tests/test_pool.c. Used by posix/factorial_pthreads.c. */
#include "pool.h"

#include "hx.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

enum { QUEUED, RUNNING, DONE };

struct tp_future {
	struct tp_pool *pool;
	struct tp_future *next;        /* queue, or free list */
	struct tp_future *dprev, *dnext; /* done list (ended, not yet seen by tp_wait_any) */
	tp_fn fn;
	void *arg, *result;
	int state, status;
	int released;                  /* the caller gave it back */
	int in_done;                   /* linked in the done list */
};

#define TP_BLOCK 64 /* futures allocated at a time */
struct block {
	struct block *next;
	struct tp_future f[TP_BLOCK];
};

struct tp_pool {
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	struct tp_future *qhead, *qtail;  /* queued tasks, in submission order */
	struct tp_future *dhead, *dtail;  /* ended, not yet returned by tp_wait_any */
	struct tp_future *free;
	struct block *blocks;
	long live;        /* futures held by the caller whose task has not ended */
	unsigned long events; /* bumped (under the lock) when a task is queued or ends */
	int nidle;        /* pool threads asleep on `work` */
	int nwaiters;     /* callers asleep on `done` */
	int stopping;     /* 0, TP_DRAIN or TP_CANCEL */
	int joined;
	int nthreads;
	pthread_t *threads;
	struct tp_stats st;
};

/* Locked: a future whose task has ended goes where its owner will look for it. */
static void ended_locked(struct tp_pool *p, struct tp_future *f)
{
	f->state = DONE;
	if (f->released) {
		f->next = p->free;
		p->free = f;
		return;
	}
	p->live--;
	f->in_done = 1;
	f->dnext = NULL;
	f->dprev = p->dtail;
	if (p->dtail != NULL)
		p->dtail->dnext = f;
	else
		p->dhead = f;
	p->dtail = f;
}

static void unlink_done_locked(struct tp_pool *p, struct tp_future *f)
{
	if (f->dprev != NULL)
		f->dprev->dnext = f->dnext;
	else
		p->dhead = f->dnext;
	if (f->dnext != NULL)
		f->dnext->dprev = f->dprev;
	else
		p->dtail = f->dprev;
	f->in_done = 0;
	f->dprev = f->dnext = NULL;
}

/* Before a thread sleeps on a condition variable it watches `events` for a moment
 * without the lock: a task queued or ended within TP_SPIN_NS is picked up without a
 * futex sleep and wake-up (tens of microseconds on a VM whose idle cores halt). OpenMP
 * runtimes do the same (GOMP_SPINCOUNT). Called and returning with the lock held; 1
 * when something happened. Either way the caller looks at its condition again under
 * the lock before it sleeps, so nothing that happened meanwhile is lost. */
#define TP_SPIN_NS 20000
static int spin_locked(struct tp_pool *p)
{
	unsigned long seen = p->events;
	uint64_t until = hx_deadline(TP_SPIN_NS);
	int changed = 0;

	HX_CHECK_PT(pthread_mutex_unlock(&p->lock));
	for (unsigned i = 1;; i++) {
		if (__atomic_load_n(&p->events, __ATOMIC_ACQUIRE) != seen) {
			changed = 1;
			break;
		}
		if (i % 64 == 0 && hx_expired(until))
			break;
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#endif
	}
	HX_CHECK_PT(pthread_mutex_lock(&p->lock));
	return changed;
}

/* Locked: something a spinning waiter may be waiting for has happened. */
static void event_locked(struct tp_pool *p)
{
	__atomic_store_n(&p->events, p->events + 1, __ATOMIC_RELEASE);
}

static void *pool_thread(void *arg)
{
	struct tp_pool *p = arg;

	HX_CHECK_PT(pthread_mutex_lock(&p->lock));
	for (;;) {
		struct tp_future *f;
		void *result = NULL;
		int status;

		for (int spun = 0; p->qhead == NULL && !p->stopping;) {
			if (!spun) { /* watch a moment, then look again under the lock */
				spun = !spin_locked(p);
				continue;
			}
			p->nidle++;
			HX_CHECK_PT(pthread_cond_wait(&p->work, &p->lock));
			p->nidle--;
			spun = 0;
		}
		if (p->qhead == NULL) /* stopping, and nothing left to run */
			break;
		f = p->qhead;
		p->qhead = f->next;
		if (p->qhead == NULL)
			p->qtail = NULL;
		f->state = RUNNING;
		HX_CHECK_PT(pthread_mutex_unlock(&p->lock));

		status = f->fn(f->arg, &result);

		HX_CHECK_PT(pthread_mutex_lock(&p->lock));
		f->status = status;
		f->result = result;
		p->st.completed++;
		ended_locked(p, f);
		event_locked(p);
		if (p->nwaiters > 0)
			HX_CHECK_PT(pthread_cond_broadcast(&p->done));
	}
	HX_CHECK_PT(pthread_mutex_unlock(&p->lock));
	return NULL;
}

struct tp_pool *tp_create(int nthreads)
{
	struct tp_pool *p;

	if (nthreads < 1) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return NULL;
	p->threads = calloc((size_t)nthreads, sizeof *p->threads);
	if (p->threads == NULL) {
		free(p);
		return NULL;
	}
	HX_CHECK_PT(pthread_mutex_init(&p->lock, NULL));
	HX_CHECK_PT(pthread_cond_init(&p->work, NULL));
	HX_CHECK_PT(pthread_cond_init(&p->done, NULL));
	p->nthreads = nthreads;
	for (int i = 0; i < nthreads; i++)
		HX_CHECK_PT(pthread_create(&p->threads[i], NULL, pool_thread, p));
	return p;
}

/* Locked: a future from the free list, growing it by a block when empty. */
static struct tp_future *take_future_locked(struct tp_pool *p)
{
	struct tp_future *f;

	if (p->free == NULL) {
		struct block *b = calloc(1, sizeof *b);
		if (b == NULL)
			return NULL;
		b->next = p->blocks;
		p->blocks = b;
		for (int i = TP_BLOCK - 1; i >= 0; i--) {
			b->f[i].pool = p;
			b->f[i].next = p->free;
			p->free = &b->f[i];
		}
		p->st.futures_allocated += TP_BLOCK;
	}
	f = p->free;
	p->free = f->next;
	return f;
}

struct tp_future *tp_submit(struct tp_pool *p, tp_fn fn, void *arg)
{
	struct tp_future *f;

	HX_CHECK_PT(pthread_mutex_lock(&p->lock));
	if (p->stopping) {
		HX_CHECK_PT(pthread_mutex_unlock(&p->lock));
		errno = ESHUTDOWN;
		return NULL;
	}
	f = take_future_locked(p);
	if (f == NULL) {
		HX_CHECK_PT(pthread_mutex_unlock(&p->lock));
		errno = ENOMEM;
		return NULL;
	}
	f->next = NULL;
	f->dprev = f->dnext = NULL;
	f->fn = fn;
	f->arg = arg;
	f->result = NULL;
	f->state = QUEUED;
	f->status = 0;
	f->released = 0;
	f->in_done = 0;
	if (p->qtail != NULL)
		p->qtail->next = f;
	else
		p->qhead = f;
	p->qtail = f;
	p->live++;
	p->st.submitted++;
	event_locked(p);
	if (p->nidle > 0) /* a sleeping thread takes it; busy ones will find it anyway */
		HX_CHECK_PT(pthread_cond_signal(&p->work));
	HX_CHECK_PT(pthread_mutex_unlock(&p->lock));
	return f;
}

int tp_wait(struct tp_future *f)
{
	struct tp_pool *p = f->pool;
	int status;

	HX_CHECK_PT(pthread_mutex_lock(&p->lock));
	while (f->state != DONE) {
		p->nwaiters++;
		HX_CHECK_PT(pthread_cond_wait(&p->done, &p->lock));
		p->nwaiters--;
	}
	status = f->status;
	HX_CHECK_PT(pthread_mutex_unlock(&p->lock));
	return status;
}

int tp_get(struct tp_future *f, void **result)
{
	int status = tp_wait(f);
	if (result != NULL)
		*result = f->result; /* written before DONE, under the lock tp_wait took */
	return status;
}

int tp_done(struct tp_future *f)
{
	struct tp_pool *p = f->pool;
	int done;

	HX_CHECK_PT(pthread_mutex_lock(&p->lock));
	done = f->state == DONE;
	HX_CHECK_PT(pthread_mutex_unlock(&p->lock));
	return done;
}

struct tp_future *tp_wait_any(struct tp_pool *p)
{
	struct tp_future *f;

	HX_CHECK_PT(pthread_mutex_lock(&p->lock));
	for (int spun = 0; p->dhead == NULL && p->live > 0;) {
		if (!spun) { /* watch a moment, then look again under the lock */
			spun = !spin_locked(p);
			continue;
		}
		p->nwaiters++;
		HX_CHECK_PT(pthread_cond_wait(&p->done, &p->lock));
		p->nwaiters--;
		spun = 0;
	}
	f = p->dhead;
	if (f != NULL)
		unlink_done_locked(p, f);
	HX_CHECK_PT(pthread_mutex_unlock(&p->lock));
	return f;
}

void tp_release(struct tp_future *f)
{
	struct tp_pool *p = f->pool;

	HX_CHECK_PT(pthread_mutex_lock(&p->lock));
	if (f->state == DONE) {
		if (f->in_done)
			unlink_done_locked(p, f);
		f->next = p->free;
		p->free = f;
	} else { /* the task still runs (or waits): its thread recycles the future */
		f->released = 1;
		p->live--;
		if (p->nwaiters > 0) /* tp_wait_any may now have nothing left to wait for */
			HX_CHECK_PT(pthread_cond_broadcast(&p->done));
	}
	HX_CHECK_PT(pthread_mutex_unlock(&p->lock));
}

static int called_from_pool(const struct tp_pool *p)
{
	for (int i = 0; i < p->nthreads; i++)
		if (pthread_equal(p->threads[i], pthread_self()))
			return 1;
	return 0;
}

int tp_shutdown(struct tp_pool *p, enum tp_how how)
{
	int cancelled = 0;

	if (called_from_pool(p)) {
		errno = EDEADLK;
		return -1;
	}
	HX_CHECK_PT(pthread_mutex_lock(&p->lock));
	if (p->stopping) {
		HX_CHECK_PT(pthread_mutex_unlock(&p->lock));
		errno = EALREADY;
		return -1;
	}
	p->stopping = how == TP_CANCEL ? TP_CANCEL : TP_DRAIN;
	if (p->stopping == TP_CANCEL) { /* end every task nobody has started */
		while (p->qhead != NULL) {
			struct tp_future *f = p->qhead;
			p->qhead = f->next;
			f->status = TP_CANCELLED;
			f->result = NULL;
			ended_locked(p, f);
			cancelled++;
		}
		p->qtail = NULL;
		p->st.cancelled += cancelled;
		if (p->nwaiters > 0)
			HX_CHECK_PT(pthread_cond_broadcast(&p->done));
	}
	/* idle threads wake, find the queue empty (or drain it) and leave */
	HX_CHECK_PT(pthread_cond_broadcast(&p->work));
	HX_CHECK_PT(pthread_mutex_unlock(&p->lock));
	for (int i = 0; i < p->nthreads; i++)
		HX_CHECK_PT(pthread_join(p->threads[i], NULL));
	p->joined = 1;
	return cancelled;
}

void tp_destroy(struct tp_pool *p)
{
	if (p == NULL)
		return;
	if (!p->joined && tp_shutdown(p, TP_DRAIN) < 0 && errno == EDEADLK)
		hx_die(__FILE__, __LINE__, "tp_destroy", "called from one of the pool's own threads");
	while (p->blocks != NULL) {
		struct block *b = p->blocks;
		p->blocks = b->next;
		free(b);
	}
	HX_CHECK_PT(pthread_cond_destroy(&p->work));
	HX_CHECK_PT(pthread_cond_destroy(&p->done));
	HX_CHECK_PT(pthread_mutex_destroy(&p->lock));
	free(p->threads);
	free(p);
}

void tp_get_stats(struct tp_pool *p, struct tp_stats *st)
{
	HX_CHECK_PT(pthread_mutex_lock(&p->lock));
	*st = p->st;
	HX_CHECK_PT(pthread_mutex_unlock(&p->lock));
}
