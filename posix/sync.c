/* sync.c: `sync` on POSIX threads (build/pthreads/sync) and fork()ed processes
 * (build/procs/sync, compiled with PX_PROCS=1).
 *
 * Every primitive is the POSIX one; for processes the same object is placed in
 * MAP_SHARED memory and made process-shared (pthread_barrier_t, pthread_mutex_t and
 * pthread_cond_t with PTHREAD_PROCESS_SHARED, sem_init(pshared=1)). The rounds, the
 * invariant checks and the counting are the same code for both.
 *   barrier    pthread_barrier_wait; a worker past round r must see all W arrivals of r
 *   event      mutex + condition variable + a generation word (what Python's Event is);
 *              worker 0 stamps the round and sets, the others wait, check the stamp, answer
 *   condition  the same hand-off written as wait-for-predicate with timed waits: a waiter
 *              that times out although the predicate became true long before it lost
 *              its wake-up (--sabotage drops the notify, and this is what it shows)
 *   semaphore  sem_wait / sem_post, a count of those inside
 *   rlock      PTHREAD_MUTEX_RECURSIVE, re-entered with trylock (EBUSY would mean
 *              a plain mutex: re-entering it with lock would deadlock)
 * Run: build/procs/sync --variant semaphore -w 4 -k 2 -n 10000 */
#include "sync.h"
#include "team.h"

#include "hx.h"

#include <errno.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct shared {
	struct sync_args a;
	struct sync_result r;
	pthread_barrier_t timing; /* untouched by --sabotage: marks the timed region */
	int broken;               /* a waiter gave up: everybody stops */
	/* barrier */
	pthread_barrier_t bar;
	long arrived;
	/* event, condition: worker 0 announces round r by gen = r + 1, the others answer */
	pthread_mutex_t m;
	pthread_cond_t go, back;
	long gen, stamp, acks;
	uint64_t t_gen, t_acks; /* when the predicate became true */
	/* semaphore */
	sem_t sem;
	long inside, tickets, trying;
	/* rlock */
	pthread_mutex_t rl;
	long owners;
	/* what each worker passed, added up after the run (not in the timed region) */
	long passes[];
};

static long load(const long *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void store(long *p, long v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
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

/* Round 0 of semaphore and rlock: whoever is inside waits until every worker has
 * come to the door (counted in `trying` just before the acquire), then stays a while,
 * or until more are inside than may be: a primitive that lets everybody in is then
 * seen doing so, whatever the scheduling. */
static void hold_round0(struct shared *s, long *count, long limit)
{
	uint64_t until = hx_deadline(1000000000u);
	while (load(&s->trying) < s->a.workers && !hx_expired(until))
		hx_sleep_ns(10000);
	until = hx_deadline(5000000u);
	while (load(count) <= limit && !hx_expired(until))
		hx_sleep_ns(10000);
}

static void barrier_wait(pthread_barrier_t *b)
{
	int rc = pthread_barrier_wait(b);
	if (rc != 0 && rc != PTHREAD_BARRIER_SERIAL_THREAD)
		hx_die_errno(__FILE__, __LINE__, "pthread_barrier_wait", rc);
}

/* condition variables on the monotonic clock, so a deadline is not moved by date: the
 * clock of hx_deadline and hx_stamp_ns (CLOCK_MONOTONIC, harness/clock.c) */
static void cond_init(pthread_cond_t *c)
{
	pthread_condattr_t a;
	HX_CHECK_PT(pthread_condattr_init(&a));
	HX_CHECK_PT(pthread_condattr_setpshared(&a, PX_PSHARED ? PTHREAD_PROCESS_SHARED
							       : PTHREAD_PROCESS_PRIVATE));
	HX_CHECK_PT(pthread_condattr_setclock(&a, CLOCK_MONOTONIC));
	HX_CHECK_PT(pthread_cond_init(c, &a));
	HX_CHECK_PT(pthread_condattr_destroy(&a));
}

static void rlock_init(pthread_mutex_t *m)
{
	pthread_mutexattr_t a;
	HX_CHECK_PT(pthread_mutexattr_init(&a));
	HX_CHECK_PT(pthread_mutexattr_setpshared(&a, PX_PSHARED ? PTHREAD_PROCESS_SHARED
								: PTHREAD_PROCESS_PRIVATE));
	HX_CHECK_PT(pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE));
	HX_CHECK_PT(pthread_mutex_init(m, &a));
	HX_CHECK_PT(pthread_mutexattr_destroy(&a));
}

/* Waits on c (m held) until *value >= want. `since`: when the one who makes the
 * predicate true did so (it writes that under m). A timeout although the predicate
 * had been true well before the deadline is a lost wake-up. Returns 0 when the
 * predicate holds, -1 when the run is broken. */
static int wait_for(struct shared *s, pthread_cond_t *c, const long *value, long want,
		    const uint64_t *since, const char *who)
{
	uint64_t give_up = hx_deadline(SYNC_GIVE_UP_NS);

	while (*value < want) {
		uint64_t deadline = hx_deadline(SYNC_WAIT_NS);
		struct timespec ts = { (time_t)(deadline / 1000000000u), (long)(deadline % 1000000000u) };
		int rc;

		if (load((long *)&s->broken))
			return -1;
		rc = pthread_cond_timedwait(c, &s->m, &ts);
		if (rc != 0 && rc != ETIMEDOUT)
			hx_die_errno(__FILE__, __LINE__, "pthread_cond_timedwait", rc);
		if (rc != ETIMEDOUT)
			continue;
		if (*value >= want && *since + SYNC_WAIT_NS / 10 < deadline) {
			sync_violation(&s->r, "%s: lost wake-up (predicate true %.0f ms before the "
					      "wait timed out, no notify came)",
				       who, (double)(deadline - *since) / 1e6);
			store((long *)&s->broken, 1);
			return -1;
		}
		if (hx_expired(give_up)) {
			sync_violation(&s->r, "%s: stuck for %.0f s", who, SYNC_GIVE_UP_NS / 1e9);
			store((long *)&s->broken, 1);
			return -1;
		}
	}
	return 0;
}

static void barrier_round(struct shared *s, int w, long r)
{
	long seen;
	add(&s->arrived, 1);
	if (!s->a.sabotage)
		barrier_wait(&s->bar);
	seen = load(&s->arrived);
	if (seen < (long)s->a.workers * (r + 1))
		sync_violation(&s->r, "worker %d left barrier %ld when %ld of %ld had arrived", w, r,
			       seen - (long)s->a.workers * r, (long)s->a.workers);
}

/* event and condition: the announcer (worker 0) and its W-1 listeners */
static int handoff_round(struct shared *s, int w, long r, int condition)
{
	long waiters = s->a.workers - 1;
	int sab = s->a.sabotage;

	if (w == 0) {
		HX_CHECK_PT(pthread_mutex_lock(&s->m));
		store(&s->stamp, r); /* what the round's listeners must see */
		store(&s->gen, r + 1);
		s->t_gen = hx_stamp_ns();
		/* event: sabotage leaves the listeners' wait out; condition: the notify */
		if (!(condition && sab))
			HX_CHECK_PT(pthread_cond_broadcast(&s->go));
		if (wait_for(s, &s->back, &s->acks, waiters * (r + 1), &s->t_acks, "worker 0") < 0) {
			HX_CHECK_PT(pthread_mutex_unlock(&s->m));
			return -1;
		}
		HX_CHECK_PT(pthread_mutex_unlock(&s->m));
		s->r.passes++; /* only worker 0 writes it */
		return 0;
	}
	if (!condition && sab) {
		/* the event's wait replaced by nothing: go on at once */
		if (load(&s->stamp) < r)
			sync_violation(&s->r, "worker %d released in round %ld before the event was set "
					      "(stamp %ld)", w, r, load(&s->stamp));
		HX_CHECK_PT(pthread_mutex_lock(&s->m));
	} else {
		char who[32];
		snprintf(who, sizeof who, "worker %d", w);
		HX_CHECK_PT(pthread_mutex_lock(&s->m));
		if (wait_for(s, &s->go, &s->gen, r + 1, &s->t_gen, who) < 0) {
			HX_CHECK_PT(pthread_mutex_unlock(&s->m));
			return -1;
		}
		if (load(&s->stamp) < r)
			sync_violation(&s->r, "worker %d released in round %ld before the event was set", w, r);
	}
	/* answer; the last listener wakes worker 0 */
	if (++s->acks == waiters * (r + 1)) {
		s->t_acks = hx_stamp_ns();
		if (!(condition && sab))
			HX_CHECK_PT(pthread_cond_signal(&s->back));
	}
	HX_CHECK_PT(pthread_mutex_unlock(&s->m));
	return 0;
}

static void semaphore_round(struct shared *s, int w, long r, long *passes)
{
	long n, k = s->a.permits < s->a.workers ? s->a.permits : s->a.workers;
	int sab = s->a.sabotage;

	if (r == 0)
		add(&s->trying, 1);
	if (!sab)
		while (sem_wait(&s->sem) != 0)
			if (errno != EINTR)
				hx_die_errno(__FILE__, __LINE__, "sem_wait", errno);
	n = add(&s->inside, 1);
	atomic_max(&s->r.max_inside, n);
	if (n > s->a.permits)
		sync_violation(&s->r, "worker %d entered as number %ld with %d permits", w, n,
			       s->a.permits);
	if (r == 0) {
		/* the first K to come in wait for each other (K must be reached), then hold
		 * on a while so that a semaphore that lets everybody in is seen doing so */
		long ticket = add(&s->tickets, 1), target = s->a.workers - ticket + 1;
		uint64_t until = hx_deadline(1000000000u);
		if (target > k)
			target = k;
		while (load(&s->inside) < target && !hx_expired(until))
			hx_sleep_ns(10000);
		hold_round0(s, &s->inside, s->a.permits);
	} else {
		sync_hold(50);
	}
	add(&s->inside, -1);
	if (!sab)
		HX_CHECK_SYS(sem_post(&s->sem));
	(*passes)++;
}

static void rlock_round(struct shared *s, int w, long r, long *passes)
{
	int sab = s->a.sabotage, depth = 1;
	long n, v;

	if (r == 0)
		add(&s->trying, 1);
	if (!sab)
		HX_CHECK_PT(pthread_mutex_lock(&s->rl));
	n = add(&s->owners, 1);
	atomic_max(&s->r.max_inside, n);
	if (n > 1)
		sync_violation(&s->r, "worker %d owns the lock with %ld others", w, n - 1);
	/* the owner comes back in: a recursive mutex counts, a plain one refuses */
	for (int d = 2; d <= SYNC_DEPTH; d++) {
		int rc = sab ? 0 : pthread_mutex_trylock(&s->rl);
		if (rc == EBUSY) {
			sync_violation(&s->r, "re-entry %d refused: locking again would deadlock", d);
			break;
		}
		if (rc != 0)
			hx_die_errno(__FILE__, __LINE__, "pthread_mutex_trylock", rc);
		depth++;
	}
	atomic_max(&s->r.deepest, depth);
	/* a plain read-modify-write: the lock alone keeps it whole */
	v = __atomic_load_n(&s->r.counter, __ATOMIC_RELAXED);
	if (r == 0)
		hold_round0(s, &s->owners, 1); /* without the lock another comes in now */
	else
		sync_hold(20);
	__atomic_store_n(&s->r.counter, v + 1, __ATOMIC_RELAXED);
	add(&s->owners, -1);
	for (int d = 0; d < depth && !sab; d++)
		HX_CHECK_PT(pthread_mutex_unlock(&s->rl));
	(*passes)++;
}

/* Every worker passes the timing barrier exactly twice (the start line before round 0,
 * and after round 0), even when it leaves early because the run is broken: nobody is
 * left waiting. The timed region is rounds 1..N: each worker has its start stamped
 * again as it leaves the second barrier (px_team_mark_start) and its end as it
 * returns, and px_team_run counts from the earliest start to the latest end. (One
 * worker reading the clock for all would come late when there are more workers than
 * cores: the others may be well into round 1 before it runs, and the last one may
 * still be working when it reads the end.) */
static void worker(int w, void *arg)
{
	struct shared *s = arg;
	long passes = 0;
	int timed = 0;

	/* a start line: round 0 begins with everybody there, whatever the start-up */
	barrier_wait(&s->timing);
	for (long r = 0; r <= s->a.rounds; r++) {
		if (r == 1) { /* round 0 done: the timed rounds start together */
			barrier_wait(&s->timing);
			px_team_mark_start();
			timed = 1;
		}
		if (load((long *)&s->broken))
			break;
		switch (s->a.variant) {
		case SYNC_BARRIER:
			if (r == 0)
				sync_stagger(w);
			barrier_round(s, w, r);
			passes++;
			break;
		case SYNC_EVENT:
		case SYNC_CONDITION:
			if (r == 0 && w == 0)
				hx_sleep_ns(SYNC_DELAY_NS); /* the others are waiting first */
			if (handoff_round(s, w, r, s->a.variant == SYNC_CONDITION) < 0)
				r = s->a.rounds; /* broken: leave */
			break;
		case SYNC_SEMAPHORE:
			semaphore_round(s, w, r, &passes);
			break;
		case SYNC_RLOCK:
			rlock_round(s, w, r, &passes);
			break;
		}
	}
	if (!timed) { /* broken in round 0: the others may be waiting for us */
		barrier_wait(&s->timing);
		px_team_mark_start();
	}
	s->passes[w] = passes;
}

const char *sync_na(enum sync_variant v)
{
	(void)v;
	return NULL;
}

void sync_run(const struct sync_args *a, struct sync_result *r, double *seconds)
{
	size_t len = sizeof(struct shared) + (size_t)a->workers * sizeof(long);
	struct shared *s = px_team_alloc(len);

	s->a = *a;
	s->stamp = -1;
	px_barrier_init(&s->timing, (unsigned)a->workers, PX_PSHARED);
	px_barrier_init(&s->bar, (unsigned)a->workers, PX_PSHARED);
	px_mutex_init(&s->m, PX_PSHARED);
	cond_init(&s->go);
	cond_init(&s->back);
	HX_CHECK_SYS(sem_init(&s->sem, PX_PSHARED, (unsigned)a->permits));
	rlock_init(&s->rl);

	/* rounds 1..N: each worker marks its start after round 0 (see worker()) */
	*seconds = px_team_run(a->workers, worker, s);
	for (int w = 0; w < a->workers; w++)
		s->r.passes += s->passes[w];
	*r = s->r;

	HX_CHECK_PT(pthread_barrier_destroy(&s->timing));
	HX_CHECK_PT(pthread_barrier_destroy(&s->bar));
	HX_CHECK_PT(pthread_mutex_destroy(&s->m));
	HX_CHECK_PT(pthread_cond_destroy(&s->go));
	HX_CHECK_PT(pthread_cond_destroy(&s->back));
	HX_CHECK_SYS(sem_destroy(&s->sem));
	HX_CHECK_PT(pthread_mutex_destroy(&s->rl));
	px_team_free(s, len);
}
