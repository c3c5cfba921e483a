/* sync.c: `sync` on OpenMP threads. OpenMP's own means: `omp barrier`, omp_nest_lock_t
 * (a lock its owner may take again), and for what OpenMP does not have, atomics:
 *   barrier    #pragma omp barrier         rlock  omp_nest_lock_t, omp_test_nest_lock
 *   event      an atomic generation word: thread 0 stamps the round and sets it, the
 *              others spin on an atomic read (yielding the core), check the stamp, answer
 *   condition  not applicable: OpenMP has no condition variable (see sync_na)
 *   semaphore  an atomic counter of permits: take one with an atomic capture
 * The rounds and checks are exercises/sync.c's. Run: build/openmp/sync -w 2 -n 100000 */
#include "sync.h"
#include "hx.h"
#include "team.h"

#include <omp.h>
#include <sched.h>

struct team {
	struct sync_team t;  /* args, breaches, counters */
	double t0, t1;       /* the timed region: rounds 1.. */
	long gen, stamp, acks; /* event */
	long permits;        /* semaphore */
	omp_nest_lock_t rl;  /* rlock */
	struct sync_lock sem, rlock; /* the two as the shared checks take them */
};

/* Spin until *p >= want; yield now and then (there may be more threads than cores).
 * Gives up after SYNC_GIVE_UP_NS: the run is then broken, never hung. */
static int spin_until(struct team *t, const long *p, long want, int who)
{
	uint64_t give_up = 0;
	for (long i = 0; __atomic_load_n(p, __ATOMIC_SEQ_CST) < want; i++) {
		if (i % 64 == 63) {
			sched_yield();
			if (i == 63)
				give_up = hx_deadline(SYNC_GIVE_UP_NS);
			else if (hx_expired(give_up) || t->t.add(&t->t, SYNC_BROKEN, 0)) {
				sync_violation(&t->t.r, "thread %d stuck for %.0f s", who, SYNC_GIVE_UP_NS / 1e9);
				t->t.add(&t->t, SYNC_BROKEN, 1);
				return -1;
			}
		}
	}
	return 0;
}

static int event_round(struct team *t, int w, long r)
{
	long waiters = t->t.a.workers - 1, seen;

	if (w == 0) {
		__atomic_store_n(&t->stamp, r, __ATOMIC_SEQ_CST);
		__atomic_store_n(&t->gen, r + 1, __ATOMIC_SEQ_CST); /* set */
		return spin_until(t, &t->acks, waiters * (r + 1), w) < 0 ? -1 : 1; /* a round */
	}
	if (!t->t.a.sabotage && spin_until(t, &t->gen, r + 1, w) < 0) /* wait */
		return -1;
	seen = __atomic_load_n(&t->stamp, __ATOMIC_SEQ_CST);
	if (seen < r)
		sync_violation(&t->t.r, "thread %d released in round %ld before the event was set "
					"(stamp %ld)", w, r, seen);
	__atomic_add_fetch(&t->acks, 1, __ATOMIC_SEQ_CST);
	return 0;
}

/* semaphore: take a permit; if there was none, give it back and try again */
static void sem_take(void *p)
{
	long *permits = p;
	for (;;) {
		long before;
#pragma omp atomic capture seq_cst
		before = (*permits)--;
		if (before > 0)
			break;
#pragma omp atomic seq_cst
		(*permits)++;
		sched_yield();
	}
}

static void sem_give(void *p)
{
	long *permits = p;
#pragma omp atomic seq_cst
	(*permits)++;
}

/* rlock: a nest lock returns its new nesting count to its owner; 0 means refused */
static void rl_take(void *p) { omp_set_nest_lock(p); }
static int rl_again(void *p) { return omp_test_nest_lock(p) != 0; }
static void rl_give(void *p) { omp_unset_nest_lock(p); }

static int one_round(void *arg, int w, long r)
{
	struct team *t = arg;
	switch (t->t.a.variant) {
	case SYNC_BARRIER:
		t->t.add(&t->t, SYNC_ARRIVED, 1);
		if (!t->t.a.sabotage) {
#pragma omp barrier
		}
		sync_crossed(&t->t, w, r);
		return 1;
	case SYNC_EVENT:
		return event_round(t, w, r);
	case SYNC_SEMAPHORE:
		return sync_semaphore_pass(&t->t, w, r, &t->sem);
	case SYNC_RLOCK:
		return sync_rlock_pass(&t->t, w, r, &t->rlock);
	default: /* SYNC_CONDITION: sync_na, never run */
		return 0;
	}
}

const char *sync_na(enum sync_variant v)
{
	if (v == SYNC_CONDITION)
		return "OpenMP has no condition variable (no wait/notify, so no wake-up to lose); "
		       "a thread waits for a predicate by spinning on an atomic read: see "
		       "--variant event, or pthreads for pthread_cond_t";
	return NULL;
}

/* round 0 is not timed: the edges are om_team_stamp, reached twice by every thread */
static void timed_start(void *arg)
{
	om_team_stamp(&((struct team *)arg)->t0);
}

static void body(int w, void *arg)
{
	struct team *t = arg;
	long passes = sync_rounds(&t->t, w, one_round, timed_start, t);
	om_team_stamp(&t->t1);
	__atomic_add_fetch(&t->t.r.passes, passes, __ATOMIC_SEQ_CST); /* after the timing */
}

void sync_run(const struct sync_args *a, struct sync_result *res, double *seconds)
{
	struct team t = { .stamp = -1, .permits = a->permits,
			  .sem = { sem_take, NULL, sem_give, &t.permits },
			  .rlock = { rl_take, rl_again, rl_give, &t.rl } };

	sync_team_init(&t.t, a, "thread");
	omp_init_nest_lock(&t.rl);
	/* om_team_run checks the team is W threads: a smaller one would break the barrier */
	om_team_run(a->workers, body, &t, NULL);
	omp_destroy_nest_lock(&t.rl);
	sync_team_result(&t.t, res);
	*seconds = t.t1 - t.t0;
}
