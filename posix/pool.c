/* pool.c: the thread pool of pool.h. A task goes from the thread that submits it to a
 * pool thread and back through two lock-free lists and one short lock:
 *   incoming   submitters push (one compare-and-swap, no lock); a pool thread that
 *              finds the run queue empty takes the whole list at once (one exchange)
 *   run queue  the tasks taken from incoming, oldest first, under `lock`: only pool
 *              threads (and tp_shutdown) touch it, so a submitter never waits for it;
 *              a pool thread takes a share at once (a 2W-th of the queue, 1 to
 *              TP_TAKE_MAX), runs it, and pushes the share's futures in one go (at
 *              once when somebody sleeps waiting for a result; a task of the share
 *              that waits gives the rest back first: give_back)
 *   completed  a pool thread pushes the future of a task that ended (one compare-and-
 *              swap); tp_wait_any takes the whole list at once into its done list
 *              (under `dlock`, the collector's lock, which pool threads never take)
 * Profiled at 2 threads with one submitter (factorial --variant small), the former one
 * mutex around everything spent most of its time in futex calls of the contended lock
 * (perf: __lll_lock_wait/__lll_lock_wake), 5 acquisitions per task on 3 threads.
 *
 * Who may touch a future is said by its `flags`, changed by atomic or-s: ENDED (the pool
 * thread, or tp_shutdown cancelling), RELEASED (tp_release), RETURNED (tp_wait_any). A
 * future is in at most one list at a time; whoever sets the second of {RELEASED, ended
 * and out of the lists} puts it back on the free list: tp_release when tp_wait_any had
 * returned it, else the collector when it finds a released future in its done list.
 * `live` counts the futures the caller holds whose task has not ended: a pool thread
 * decrements it after pushing the future, so tp_wait_any reading 0 finds the push.
 *
 * Waiting: a thread with nothing to do watches the list it waits for without any lock
 * for TP_SPIN_NS (a task is usually there within it; a futex sleep and wake-up costs
 * tens of microseconds on a VM whose idle cores halt; OpenMP runtimes do the same,
 * GOMP_SPINCOUNT), then sleeps on a condition variable under `lock`, having first
 * counted itself (nidle, nwaiters) and looked again. Whoever makes the thing visible
 * then reads the count and, only when somebody sleeps, takes `lock` and signals: both
 * sides use sequentially consistent atomics, so one of them sees the other (no wake-up
 * is lost), and no lock is taken per task while nobody sleeps.
 *
 * Shutdown: `closing` turns new submissions away; tp_shutdown waits until no submitter
 * is between its check of `closing` and its push (`submitting`), then sets `stopping`
 * under `lock`: from then on nothing new arrives, and a pool thread leaves when the run
 * queue and incoming are empty. The pool times nothing: its only clock is the bound of
 * a spin (hx_deadline). Tests: tests/test_pool.c. Used by posix/factorial_pthreads.c. */
#include "pool.h"

#include "hx.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>

#define ENDED 1u
#define RELEASED 2u
#define RETURNED 4u

#define LINE 64
#define TP_TAKE_MAX 16 /* tasks a pool thread takes from the run queue at once, at most */

struct tp_future {
	struct tp_pool *pool;
	struct tp_future *next; /* incoming, run queue, completed, done list or free list */
	tp_fn fn;
	void *arg, *result;
	int status;
	unsigned flags; /* ENDED | RELEASED | RETURNED, atomic */
};

#define TP_BLOCK 64 /* futures allocated at a time */
struct block {
	struct block *next;
	struct tp_future f[TP_BLOCK];
};

/* a pool thread's own counter, on its own cache line */
struct slot {
	long completed;
	char pad[LINE - sizeof(long)];
};

struct tp_pool {
	/* incoming: submitters push, pool threads take */
	_Alignas(LINE) struct tp_future *incoming; /* LIFO, taken whole */
	/* the submitters' own line */
	_Alignas(LINE) int submitting;  /* submitters between their check of closing and their push */
	int closing;     /* 0, TP_DRAIN or TP_CANCEL: no new tasks */
	long submitted;
	/* the completions' line: pool threads push, the collector takes */
	_Alignas(LINE) struct tp_future *completed; /* LIFO, taken whole */
	long live;       /* futures held by the caller whose task has not ended */
	/* who sleeps (written under lock, read by anyone) */
	_Alignas(LINE) int nidle; /* pool threads asleep on `work` */
	int nwaiters;    /* callers asleep on `done` */
	/* the pool threads' lock and run queue */
	_Alignas(LINE) pthread_mutex_t lock;
	pthread_cond_t work, done;
	struct tp_future *qhead, *qtail; /* run queue, in submission order */
	long qlen;
	int stopping;    /* set under lock once no submitter can push any more */
	long cancelled;
	/* the collector's lock: its done list and the free list */
	_Alignas(LINE) pthread_mutex_t dlock;
	struct tp_future *dhead, *dtail; /* ended, not yet returned by tp_wait_any */
	struct tp_future *free;
	struct tp_future *freed; /* given back by tp_release: LIFO, taken whole */
	struct block *blocks;
	long futures_allocated;
	long stranded;   /* released while in the completed or done list (atomic) */
	/* fixed after tp_create */
	int joined;
	int nthreads;
	pthread_t *threads;
	struct slot *slots;
};

struct start {
	struct tp_pool *p;
	int i;
};

static unsigned load_flags(struct tp_future *f)
{
	return __atomic_load_n(&f->flags, __ATOMIC_ACQUIRE);
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Push f on a LIFO list that is only ever taken whole (no ABA: nobody pops one). */
static void push(struct tp_future **list, struct tp_future *f)
{
	struct tp_future *head = __atomic_load_n(list, __ATOMIC_RELAXED);
	do
		f->next = head;
	while (!__atomic_compare_exchange_n(list, &head, f, 1, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
}

/* Take a whole LIFO list; its futures in the order they were pushed, the last, and
 * (count not NULL) how many. */
static struct tp_future *take_all(struct tp_future **list, struct tp_future **last, long *count)
{
	struct tp_future *f = __atomic_exchange_n(list, NULL, __ATOMIC_ACQ_REL), *fifo = NULL;

	*last = f;
	while (f != NULL) {
		if (count != NULL)
			++*count;
		struct tp_future *next = f->next;
		f->next = fifo;
		fifo = f;
		f = next;
	}
	return fifo;
}

/* Wakes the sleepers of `cv` when its count says there are any (see the top). */
static void wake(struct tp_pool *p, int *count, pthread_cond_t *cv, int all)
{
	if (__atomic_load_n(count, __ATOMIC_SEQ_CST) == 0)
		return;
	HX_CHECK_PT(pthread_mutex_lock(&p->lock));
	if (all)
		HX_CHECK_PT(pthread_cond_broadcast(cv));
	else
		HX_CHECK_PT(pthread_cond_signal(cv));
	HX_CHECK_PT(pthread_mutex_unlock(&p->lock));
}

/* Locked (lock) or sleeping on `cv`: counts itself in *count, looks once more
 * (ready(p, arg)), sleeps when still nothing. */
static void sleep_locked(struct tp_pool *p, int *count, pthread_cond_t *cv,
			 int (*ready)(struct tp_pool *, void *), void *arg)
{
	__atomic_fetch_add(count, 1, __ATOMIC_SEQ_CST);
	if (!ready(p, arg))
		HX_CHECK_PT(pthread_cond_wait(cv, &p->lock));
	__atomic_fetch_sub(count, 1, __ATOMIC_SEQ_CST);
}

/* Spins, without any lock, until ready(p, arg) or TP_SPIN_NS have passed; 1 when ready. */
#define TP_SPIN_NS 20000
static int spin(struct tp_pool *p, int (*ready)(struct tp_pool *, void *), void *arg)
{
	uint64_t until = hx_deadline(TP_SPIN_NS);

	for (unsigned i = 1;; i++) {
		if (ready(p, arg))
			return 1;
		if (i % 64 == 0 && hx_expired(until))
			return 0;
		cpu_relax();
	}
}

/* Tasks that ended, not yet on the completed list: newest first, as it. */
struct ended {
	struct tp_future *newest, *oldest;
	long held; /* how many the caller still holds (not released): live counts them */
};

/* A task ended (ran, or was cancelled): its status is set. tp_wait sees it at once;
 * tp_wait_any once the chain is flushed. */
static void end_task(struct ended *e, struct tp_future *f)
{
	unsigned old = __atomic_fetch_or(&f->flags, ENDED, __ATOMIC_SEQ_CST);

	if (!(old & RELEASED))
		e->held++;
	f->next = e->newest;
	e->newest = f;
	if (e->oldest == NULL)
		e->oldest = f;
}

/* The ended tasks onto the completed list in one push, and whoever waits is told. */
static void flush_ended(struct tp_pool *p, struct ended *e)
{
	struct tp_future *old;

	if (e->newest == NULL)
		return;
	old = __atomic_load_n(&p->completed, __ATOMIC_RELAXED);
	do
		e->oldest->next = old;
	while (!__atomic_compare_exchange_n(&p->completed, &old, e->newest, 1, __ATOMIC_SEQ_CST,
					    __ATOMIC_RELAXED));
	if (e->held > 0) /* after the push: tp_wait_any reading live == 0 finds them */
		__atomic_fetch_sub(&p->live, e->held, __ATOMIC_SEQ_CST);
	*e = (struct ended){ NULL, NULL, 0 };
	wake(p, &p->nwaiters, &p->done, 1);
}

/* Locked: moves incoming to the end of the run queue; 1 when the queue is not empty. */
static int refill_locked(struct tp_pool *p)
{
	struct tp_future *last, *first;

	if (p->qhead != NULL)
		return 1;
	if (__atomic_load_n(&p->incoming, __ATOMIC_RELAXED) == NULL)
		return 0;
	first = take_all(&p->incoming, &last, &p->qlen);
	__atomic_store_n(&p->qhead, first, __ATOMIC_RELAXED);
	p->qtail = last;
	return first != NULL;
}

/* What the pool thread running on this thread holds that nobody else can see: the rest
 * of its share (not started) and the tasks that ended but are not yet pushed. */
struct held {
	struct tp_pool *p;
	struct tp_future **rest;
	struct ended *e;
};
static __thread struct held held;

/* A task about to wait (tp_wait, tp_wait_some) on its own pool: the rest of its pool
 * thread's share goes back to the head of the run queue, for another thread to run,
 * and the ended tasks are pushed. Else a task waiting for one behind it in the same
 * share, or for a result this thread has not pushed, would wait for ever. */
static void give_back(struct tp_pool *p)
{
	struct tp_future *rest, *last;
	long n = 1;

	if (held.p != p)
		return;
	flush_ended(p, held.e);
	if ((rest = *held.rest) == NULL)
		return;
	*held.rest = NULL;
	for (last = rest; last->next != NULL; last = last->next)
		n++;
	HX_CHECK_PT(pthread_mutex_lock(&p->lock));
	last->next = p->qhead;
	if (p->qhead == NULL)
		p->qtail = last;
	__atomic_store_n(&p->qhead, rest, __ATOMIC_RELAXED);
	p->qlen += n;
	HX_CHECK_PT(pthread_cond_broadcast(&p->work));
	HX_CHECK_PT(pthread_mutex_unlock(&p->lock));
}

static int work_ready(struct tp_pool *p, void *arg)
{
	(void)arg;
	return __atomic_load_n(&p->incoming, __ATOMIC_SEQ_CST) != NULL ||
	       __atomic_load_n(&p->qhead, __ATOMIC_RELAXED) != NULL ||
	       __atomic_load_n(&p->stopping, __ATOMIC_SEQ_CST);
}

static void *pool_thread(void *arg)
{
	struct start *s = arg;
	struct tp_pool *p = s->p;
	long *completed = &p->slots[s->i].completed;

	struct tp_future *batch = NULL;
	struct ended e = { NULL, NULL, 0 };

	free(s);
	held = (struct held){ p, &batch, &e };
	HX_CHECK_PT(pthread_mutex_lock(&p->lock));
	for (int spun = 0;;) {
		struct tp_future *f, *last;
		long take;

		if (!refill_locked(p)) {
			if (p->stopping) /* nothing left, and nothing more can come */
				break;
			HX_CHECK_PT(pthread_mutex_unlock(&p->lock));
			if (!spun) /* watch a moment, then look again under the lock */
				spun = !spin(p, work_ready, NULL);
			HX_CHECK_PT(pthread_mutex_lock(&p->lock));
			if (spun && p->qhead == NULL) {
				sleep_locked(p, &p->nidle, &p->work, work_ready, NULL);
				spun = 0;
			}
			continue;
		}
		spun = 0;
		/* a share of the queue, as guided scheduling: many tiny tasks cost one
		 * acquisition per share, and the last (often the largest) go one at a time */
		take = p->qlen / (2 * p->nthreads);
		take = take < 1 ? 1 : take > TP_TAKE_MAX ? TP_TAKE_MAX : take;
		batch = last = p->qhead;
		for (long i = 1; i < take; i++)
			last = last->next;
		__atomic_store_n(&p->qhead, last->next, __ATOMIC_RELAXED);
		if (last->next == NULL)
			p->qtail = NULL;
		p->qlen -= take;
		last->next = NULL;
		HX_CHECK_PT(pthread_mutex_unlock(&p->lock));

		while ((f = batch) != NULL) {
			void *result = NULL;
			batch = f->next;
			if (__atomic_load_n(&p->closing, __ATOMIC_RELAXED) == TP_CANCEL) {
				f->status = TP_CANCELLED; /* taken, never started */
				f->result = NULL;
				__atomic_fetch_add(&p->cancelled, 1, __ATOMIC_RELAXED);
			} else {
				f->status = f->fn(f->arg, &result);
				f->result = result;
				__atomic_store_n(completed, *completed + 1, __ATOMIC_RELAXED);
			}
			end_task(&e, f);
			/* somebody asleep waits for a result: now, not after the share */
			if (batch == NULL || __atomic_load_n(&p->nwaiters, __ATOMIC_SEQ_CST) > 0)
				flush_ended(p, &e);
		}
		HX_CHECK_PT(pthread_mutex_lock(&p->lock));
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
	p = aligned_alloc(LINE, (sizeof *p + LINE - 1) / LINE * LINE);
	if (p == NULL)
		return NULL;
	*p = (struct tp_pool){ 0 };
	p->threads = calloc((size_t)nthreads, sizeof *p->threads);
	p->slots = aligned_alloc(LINE, (size_t)nthreads * sizeof *p->slots);
	if (p->threads == NULL || p->slots == NULL) {
		free(p->threads);
		free(p->slots);
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	for (int i = 0; i < nthreads; i++)
		p->slots[i].completed = 0;
	HX_CHECK_PT(pthread_mutex_init(&p->lock, NULL));
	HX_CHECK_PT(pthread_mutex_init(&p->dlock, NULL));
	HX_CHECK_PT(pthread_cond_init(&p->work, NULL));
	HX_CHECK_PT(pthread_cond_init(&p->done, NULL));
	p->nthreads = nthreads;
	for (int i = 0; i < nthreads; i++) {
		struct start *s = hx_alloc(sizeof *s);
		*s = (struct start){ p, i };
		HX_CHECK_PT(pthread_create(&p->threads[i], NULL, pool_thread, s));
	}
	return p;
}

/* dlock held: takes the completed list into the done list. sweep: and, when tp_release
 * left some there (`stranded`), walks the done list to put those back on the free list
 * (a caller that takes its results by tp_get, never by tp_wait_any, leaves them all). */
static void harvest_dlocked(struct tp_pool *p, int sweep)
{
	struct tp_future *last, *first = take_all(&p->completed, &last, NULL), **at;
	long recycled = 0;

	if (first != NULL) {
		if (p->dtail != NULL)
			p->dtail->next = first;
		else
			p->dhead = first;
		p->dtail = last;
	}
	if (!sweep || __atomic_load_n(&p->stranded, __ATOMIC_ACQUIRE) <= 0)
		return;
	p->dtail = NULL;
	for (at = &p->dhead; *at != NULL;) {
		struct tp_future *f = *at;
		if (load_flags(f) & RELEASED) { /* its owner gave it back: nobody will ask */
			*at = f->next;
			f->next = p->free;
			p->free = f;
			recycled++;
		} else {
			p->dtail = f;
			at = &f->next;
		}
	}
	__atomic_fetch_sub(&p->stranded, recycled, __ATOMIC_RELAXED);
}

/* dlock held: a future from the free list, growing it by a block when empty. */
static struct tp_future *take_future_dlocked(struct tp_pool *p)
{
	struct tp_future *f;

	if (p->free == NULL) /* first those released since (in any order), then those left in
			      * the done list */
		p->free = __atomic_exchange_n(&p->freed, NULL, __ATOMIC_ACQUIRE);
	if (p->free == NULL)
		harvest_dlocked(p, 1);
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
		p->futures_allocated += TP_BLOCK;
	}
	f = p->free;
	p->free = f->next;
	return f;
}

struct tp_future *tp_submit(struct tp_pool *p, tp_fn fn, void *arg)
{
	struct tp_future *f;

	__atomic_fetch_add(&p->submitting, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&p->closing, __ATOMIC_SEQ_CST)) {
		__atomic_fetch_sub(&p->submitting, 1, __ATOMIC_SEQ_CST);
		errno = ESHUTDOWN;
		return NULL;
	}
	HX_CHECK_PT(pthread_mutex_lock(&p->dlock));
	f = take_future_dlocked(p);
	HX_CHECK_PT(pthread_mutex_unlock(&p->dlock));
	if (f == NULL) {
		__atomic_fetch_sub(&p->submitting, 1, __ATOMIC_SEQ_CST);
		errno = ENOMEM;
		return NULL;
	}
	f->fn = fn;
	f->arg = arg;
	f->result = NULL;
	f->status = 0;
	__atomic_store_n(&f->flags, 0, __ATOMIC_RELAXED);
	__atomic_fetch_add(&p->live, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&p->submitted, 1, __ATOMIC_RELAXED);
	push(&p->incoming, f);
	__atomic_fetch_sub(&p->submitting, 1, __ATOMIC_SEQ_CST);
	wake(p, &p->nidle, &p->work, 0); /* busy threads will find it anyway */
	return f;
}

int tp_submit_many(struct tp_pool *p, long n, tp_fn fn, void *args, size_t arg_size,
		   struct tp_future **futures)
{
	struct tp_future *newest = NULL, *old;

	if (n < 0) {
		errno = EINVAL;
		return -1;
	}
	if (n == 0)
		return 0;
	__atomic_fetch_add(&p->submitting, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&p->closing, __ATOMIC_SEQ_CST)) {
		__atomic_fetch_sub(&p->submitting, 1, __ATOMIC_SEQ_CST);
		errno = ESHUTDOWN;
		return -1;
	}
	/* the futures, linked newest first as incoming is (take_all hands them out oldest
	 * first), under one acquisition of dlock */
	HX_CHECK_PT(pthread_mutex_lock(&p->dlock));
	for (long i = 0; i < n; i++) {
		struct tp_future *f = take_future_dlocked(p);
		if (f == NULL) { /* all or nothing: the ones taken go back */
			while (newest != NULL) {
				f = newest;
				newest = f->next;
				f->next = p->free;
				p->free = f;
			}
			HX_CHECK_PT(pthread_mutex_unlock(&p->dlock));
			__atomic_fetch_sub(&p->submitting, 1, __ATOMIC_SEQ_CST);
			errno = ENOMEM;
			return -1;
		}
		f->fn = fn;
		f->arg = (char *)args + (size_t)i * arg_size;
		f->result = NULL;
		f->status = 0;
		__atomic_store_n(&f->flags, 0, __ATOMIC_RELAXED);
		f->next = newest;
		newest = f;
		futures[i] = f;
	}
	HX_CHECK_PT(pthread_mutex_unlock(&p->dlock));
	__atomic_fetch_add(&p->live, n, __ATOMIC_RELAXED);
	__atomic_fetch_add(&p->submitted, n, __ATOMIC_RELAXED);
	old = __atomic_load_n(&p->incoming, __ATOMIC_RELAXED);
	do /* the oldest links to what incoming held */
		futures[0]->next = old;
	while (!__atomic_compare_exchange_n(&p->incoming, &old, newest, 1, __ATOMIC_SEQ_CST,
					    __ATOMIC_RELAXED));
	__atomic_fetch_sub(&p->submitting, 1, __ATOMIC_SEQ_CST);
	wake(p, &p->nidle, &p->work, 1); /* enough for every sleeping thread */
	return 0;
}

static int future_ended(struct tp_pool *p, void *arg)
{
	(void)p;
	return (__atomic_load_n(&((struct tp_future *)arg)->flags, __ATOMIC_SEQ_CST) & ENDED) != 0;
}

int tp_wait(struct tp_future *f)
{
	struct tp_pool *p = f->pool;

	if (!(load_flags(f) & ENDED))
		give_back(p);
	if (!(load_flags(f) & ENDED) && !spin(p, future_ended, f)) {
		HX_CHECK_PT(pthread_mutex_lock(&p->lock));
		while (!(load_flags(f) & ENDED))
			sleep_locked(p, &p->nwaiters, &p->done, future_ended, f);
		HX_CHECK_PT(pthread_mutex_unlock(&p->lock));
	}
	return f->status; /* written before ENDED, which the load above acquired */
}

int tp_get(struct tp_future *f, void **result)
{
	int status = tp_wait(f);
	if (result != NULL)
		*result = f->result;
	return status;
}

int tp_done(struct tp_future *f)
{
	return (load_flags(f) & ENDED) != 0;
}

static int completion_ready(struct tp_pool *p, void *arg)
{
	(void)arg;
	return __atomic_load_n(&p->completed, __ATOMIC_SEQ_CST) != NULL ||
	       __atomic_load_n(&p->live, __ATOMIC_SEQ_CST) <= 0;
}

int tp_wait_some(struct tp_pool *p, struct tp_future **out, int max)
{
	int n = 0;

	if (max < 1) {
		errno = EINVAL;
		return -1;
	}
	give_back(p);
	HX_CHECK_PT(pthread_mutex_lock(&p->dlock));
	for (int spun = 0;;) {
		if (p->dhead == NULL)
			harvest_dlocked(p, 0);
		while (p->dhead != NULL && n < max) {
			struct tp_future *f = p->dhead;
			p->dhead = f->next;
			if (p->dhead == NULL)
				p->dtail = NULL;
			if (__atomic_fetch_or(&f->flags, RETURNED, __ATOMIC_ACQ_REL) & RELEASED) {
				f->next = p->free; /* given back before anyone asked for it */
				p->free = f;
				__atomic_fetch_sub(&p->stranded, 1, __ATOMIC_RELAXED);
				continue;
			}
			out[n++] = f;
		}
		if (n > 0)
			break;
		if (__atomic_load_n(&p->live, __ATOMIC_SEQ_CST) <= 0) {
			/* every held task has ended, and was pushed before live said so */
			harvest_dlocked(p, 0);
			if (p->dhead != NULL)
				continue;
			break;
		}
		HX_CHECK_PT(pthread_mutex_unlock(&p->dlock));
		if (!spun) { /* watch a moment, then look again */
			spun = !spin(p, completion_ready, NULL);
		} else {
			HX_CHECK_PT(pthread_mutex_lock(&p->lock));
			sleep_locked(p, &p->nwaiters, &p->done, completion_ready, NULL);
			HX_CHECK_PT(pthread_mutex_unlock(&p->lock));
			spun = 0;
		}
		HX_CHECK_PT(pthread_mutex_lock(&p->dlock));
	}
	HX_CHECK_PT(pthread_mutex_unlock(&p->dlock));
	return n;
}

struct tp_future *tp_wait_any(struct tp_pool *p)
{
	struct tp_future *f = NULL;

	return tp_wait_some(p, &f, 1) == 1 ? f : NULL;
}

void tp_release(struct tp_future *f)
{
	struct tp_pool *p = f->pool;
	unsigned old = __atomic_load_n(&f->flags, __ATOMIC_ACQUIRE);

	if (old == (ENDED | RETURNED)) { /* the usual case: nobody else can touch it now */
		__atomic_store_n(&f->flags, old | RELEASED, __ATOMIC_RELAXED);
		push(&p->freed, f);
		return;
	}
	old = __atomic_fetch_or(&f->flags, RELEASED, __ATOMIC_ACQ_REL);

	if (!(old & ENDED)) { /* still queued or running: the collector recycles it */
		__atomic_fetch_sub(&p->live, 1, __ATOMIC_SEQ_CST);
		/* tp_wait_any may now have nothing left to wait for */
		wake(p, &p->nwaiters, &p->done, 1);
	} else if (old & RETURNED) { /* out of every list: back for reuse now */
		push(&p->freed, f);
	} else { /* in the completed or done list: the collector finds it released */
		__atomic_fetch_add(&p->stranded, 1, __ATOMIC_RELAXED);
	}
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
	int expect = 0;
	struct tp_future *dropped = NULL;
	struct ended e = { NULL, NULL, 0 };

	if (called_from_pool(p)) {
		errno = EDEADLK;
		return -1;
	}
	if (!__atomic_compare_exchange_n(&p->closing, &expect, how == TP_CANCEL ? TP_CANCEL : TP_DRAIN,
					 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		errno = EALREADY;
		return -1;
	}
	/* a submitter that saw closing == 0 is pushing: let it finish */
	while (__atomic_load_n(&p->submitting, __ATOMIC_SEQ_CST) > 0)
		sched_yield();
	HX_CHECK_PT(pthread_mutex_lock(&p->lock));
	__atomic_store_n(&p->stopping, 1, __ATOMIC_SEQ_CST);
	if (how == TP_CANCEL) { /* take every task nobody has started */
		refill_locked(p);
		dropped = p->qhead;
		__atomic_store_n(&p->qhead, NULL, __ATOMIC_RELAXED);
		p->qtail = NULL;
		p->qlen = 0;
	}
	/* idle threads wake, find the queue empty (or drain it) and leave */
	HX_CHECK_PT(pthread_cond_broadcast(&p->work));
	HX_CHECK_PT(pthread_mutex_unlock(&p->lock));
	while (dropped != NULL) { /* each ends at once, unrun */
		struct tp_future *f = dropped;
		dropped = f->next;
		f->status = TP_CANCELLED;
		f->result = NULL;
		end_task(&e, f);
		__atomic_fetch_add(&p->cancelled, 1, __ATOMIC_RELAXED);
	}
	flush_ended(p, &e);
	for (int i = 0; i < p->nthreads; i++)
		HX_CHECK_PT(pthread_join(p->threads[i], NULL));
	p->joined = 1;
	/* the queued tasks, and those a pool thread had taken but not started */
	return (int)__atomic_load_n(&p->cancelled, __ATOMIC_RELAXED);
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
	HX_CHECK_PT(pthread_mutex_destroy(&p->dlock));
	free(p->threads);
	free(p->slots);
	free(p);
}

void tp_get_stats(struct tp_pool *p, struct tp_stats *st)
{
	st->submitted = __atomic_load_n(&p->submitted, __ATOMIC_RELAXED);
	st->cancelled = __atomic_load_n(&p->cancelled, __ATOMIC_RELAXED);
	st->completed = 0;
	for (int i = 0; i < p->nthreads; i++)
		st->completed += __atomic_load_n(&p->slots[i].completed, __ATOMIC_RELAXED);
	HX_CHECK_PT(pthread_mutex_lock(&p->dlock));
	st->futures_allocated = p->futures_allocated;
	HX_CHECK_PT(pthread_mutex_unlock(&p->dlock));
}
