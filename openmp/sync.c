/* sync.c: `sync` on OpenMP threads. OpenMP's own means: `omp barrier`, omp_nest_lock_t
 * (a lock its owner may take again), and for what OpenMP does not have, atomics:
 *   barrier    #pragma omp barrier; a thread past round r must see all W arrivals of r
 *   event      an atomic generation word: thread 0 stamps the round and sets it, the
 *              others spin on an atomic read (yielding the core), check the stamp, answer
 *   condition  not applicable: OpenMP has no condition variable (no wait/notify), so
 *              there is no wake-up to lose; a wait for a predicate is a spin on an atomic
 *              read, which is --variant event
 *   semaphore  an atomic counter of permits: take one with an atomic capture, give it
 *              back when there was none
 *   rlock      omp_nest_lock_t, re-entered with omp_test_nest_lock
 * openmp/team.c runs the body on W threads; rounds 1.. are timed (om_team_stamp).
 * Run: OMP_NUM_THREADS=2 build/openmp/sync --variant barrier -n 100000 */
#include "sync.h"

#include "hx.h"
#include "team.h"

#include <omp.h>
#include <sched.h>

struct team {
	const struct sync_args *a;
	struct sync_result r;
	double t0, t1;
	int broken;
	long arrived;        /* barrier */
	long gen, stamp, acks; /* event */
	long permits, inside, tickets, trying; /* semaphore, rlock */
	omp_nest_lock_t rl;  /* rlock */
	long owners;
};

static long load(const long *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static long add(long *p, long v)
{
	return __atomic_add_fetch(p, v, __ATOMIC_SEQ_CST);
}

static void atomic_max(long *p, long v)
{
	long old = load(p);
	while (old < v && !__atomic_compare_exchange_n(p, &old, v, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		;
}

/* Spin until *p >= want; yield now and then (there may be more threads than cores).
 * Gives up after SYNC_GIVE_UP_NS: the run is then broken, never hung. */
static int spin_until(struct team *t, const long *p, long want, int who)
{
	uint64_t give_up = 0;
	for (long i = 0; load(p) < want; i++) {
		if (i % 64 == 63) {
			sched_yield();
			if (i == 63)
				give_up = hx_deadline(SYNC_GIVE_UP_NS);
			else if (hx_expired(give_up) || __atomic_load_n(&t->broken, __ATOMIC_SEQ_CST)) {
				sync_violation(&t->r, "thread %d stuck for %.0f s", who, SYNC_GIVE_UP_NS / 1e9);
				__atomic_store_n(&t->broken, 1, __ATOMIC_SEQ_CST);
				return -1;
			}
		}
	}
	return 0;
}

/* round 0 of semaphore and rlock: see hold_round0 in posix/sync.c */
static void hold_round0(struct team *t, long *count, long limit)
{
	uint64_t until = hx_deadline(1000000000u);
	while (load(&t->trying) < t->a->workers && !hx_expired(until))
		hx_sleep_ns(10000);
	until = hx_deadline(5000000u);
	while (load(count) <= limit && !hx_expired(until))
		hx_sleep_ns(10000);
}

static void barrier_round(struct team *t, int w, long r)
{
	long seen;
	add(&t->arrived, 1);
	if (!t->a->sabotage) {
#pragma omp barrier
	}
	seen = load(&t->arrived);
	if (seen < (long)t->a->workers * (r + 1))
		sync_violation(&t->r, "thread %d left barrier %ld when %ld of %ld had arrived", w, r,
			       seen - (long)t->a->workers * r, (long)t->a->workers);
}

static int event_round(struct team *t, int w, long r)
{
	long waiters = t->a->workers - 1;

	if (w == 0) {
		__atomic_store_n(&t->stamp, r, __ATOMIC_SEQ_CST);
		__atomic_store_n(&t->gen, r + 1, __ATOMIC_SEQ_CST); /* set */
		if (spin_until(t, &t->acks, waiters * (r + 1), w) < 0)
			return -1;
		t->r.passes++; /* only thread 0 writes it */
		return 0;
	}
	if (!t->a->sabotage && spin_until(t, &t->gen, r + 1, w) < 0) /* wait */
		return -1;
	if (load(&t->stamp) < r)
		sync_violation(&t->r, "thread %d released in round %ld before the event was set "
				      "(stamp %ld)", w, r, load(&t->stamp));
	add(&t->acks, 1);
	return 0;
}

static void semaphore_round(struct team *t, int w, long r, long *passes)
{
	long n, k = t->a->permits < t->a->workers ? t->a->permits : t->a->workers;

	if (r == 0)
		add(&t->trying, 1);
	/* acquire: take a permit; if there was none, give it back and try again */
	while (!t->a->sabotage) {
		long before;
#pragma omp atomic capture seq_cst
		before = t->permits--;
		if (before > 0)
			break;
#pragma omp atomic seq_cst
		t->permits++;
		sched_yield();
	}
	n = add(&t->inside, 1);
	atomic_max(&t->r.max_inside, n);
	if (n > t->a->permits)
		sync_violation(&t->r, "thread %d entered as number %ld with %d permits", w, n,
			       t->a->permits);
	if (r == 0) { /* the first K wait for each other, then hold on (see posix/sync.c) */
		long ticket = add(&t->tickets, 1), target = t->a->workers - ticket + 1;
		uint64_t until = hx_deadline(1000000000u);
		if (target > k)
			target = k;
		while (load(&t->inside) < target && !hx_expired(until))
			hx_sleep_ns(10000);
		hold_round0(t, &t->inside, t->a->permits);
	} else {
		sync_hold(50);
	}
	add(&t->inside, -1);
	if (!t->a->sabotage) {
#pragma omp atomic seq_cst
		t->permits++;
	}
	(*passes)++;
}

static void rlock_round(struct team *t, int w, long r, long *passes)
{
	int sab = t->a->sabotage, depth = 1;
	long n, v;

	if (r == 0)
		add(&t->trying, 1);
	if (!sab)
		omp_set_nest_lock(&t->rl);
	n = add(&t->owners, 1);
	atomic_max(&t->r.max_inside, n);
	if (n > 1)
		sync_violation(&t->r, "thread %d owns the lock with %ld others", w, n - 1);
	for (int d = 2; d <= SYNC_DEPTH; d++) {
		/* a nest lock returns its new nesting count to its owner; 0 means refused */
		if (!sab && omp_test_nest_lock(&t->rl) == 0) {
			sync_violation(&t->r, "re-entry %d refused: locking again would deadlock", d);
			break;
		}
		depth++;
	}
	atomic_max(&t->r.deepest, depth);
	v = __atomic_load_n(&t->r.counter, __ATOMIC_RELAXED);
	if (r == 0)
		hold_round0(t, &t->owners, 1);
	else
		sync_hold(20);
	__atomic_store_n(&t->r.counter, v + 1, __ATOMIC_RELAXED);
	add(&t->owners, -1);
	for (int d = 0; d < depth && !sab; d++)
		omp_unset_nest_lock(&t->rl);
	(*passes)++;
}

const char *sync_na(enum sync_variant v)
{
	if (v == SYNC_CONDITION)
		return "OpenMP has no condition variable (no wait/notify, so no wake-up to lose); "
		       "a thread waits for a predicate by spinning on an atomic read: see "
		       "--variant event, or pthreads for pthread_cond_t";
	return NULL;
}

/* one thread's rounds; round 0 (arrival, the first wait) is not timed: the timed
 * region's edges are om_team_stamp, which every thread reaches exactly twice */
static void body(int w, void *arg)
{
	struct team *t = arg;
	const struct sync_args *a = t->a;
	int timed = 0;
	long passes = 0;

	for (long r = 0; r <= a->rounds; r++) {
		if (r == 1) {
			om_team_stamp(&t->t0);
			timed = 1;
		}
		if (__atomic_load_n(&t->broken, __ATOMIC_SEQ_CST))
			break;
		switch (a->variant) {
		case SYNC_BARRIER:
			if (r == 0)
				sync_stagger(w);
			barrier_round(t, w, r);
			passes++;
			break;
		case SYNC_EVENT:
			if (r == 0 && w == 0)
				hx_sleep_ns(SYNC_DELAY_NS);
			if (event_round(t, w, r) < 0)
				r = a->rounds;
			break;
		case SYNC_CONDITION: /* sync_na: never run */
			break;
		case SYNC_SEMAPHORE:
			semaphore_round(t, w, r, &passes);
			break;
		case SYNC_RLOCK:
			rlock_round(t, w, r, &passes);
			break;
		}
	}
	if (!timed)
		om_team_stamp(&t->t0);
	om_team_stamp(&t->t1);
	add(&t->r.passes, passes);
}

void sync_run(const struct sync_args *a, struct sync_result *res, double *seconds)
{
	struct team t = { .a = a, .stamp = -1, .permits = a->permits };

	omp_init_nest_lock(&t.rl);
	/* every round counts on W threads: a smaller team would break the barrier, so
	 * om_team_run checks it; round 0 begins with every thread there (its barrier) */
	om_team_run(a->workers, body, &t, NULL);
	omp_destroy_nest_lock(&t.rl);
	*res = t.r;
	*seconds = t.t1 - t.t0;
}
