/* sync.c: `sync` on POSIX threads (build/pthreads/sync) and fork()ed processes
 * (build/procs/sync, PX_PROCS=1). Every primitive is the POSIX one; for processes the
 * same object lies in MAP_SHARED memory (px_team_alloc) and is made process-shared.
 *   barrier    pthread_barrier_wait      event  mutex + condition variable + generation
 *   condition  the same hand-off as wait-for-predicate with timed waits: a waiter that
 *              times out long after the predicate became true lost its wake-up
 *   semaphore  sem_wait / sem_post       rlock  PTHREAD_MUTEX_RECURSIVE, re-entered
 *              with trylock (EBUSY: a plain mutex, where lock would deadlock)
 * The rounds and checks are exercises/sync.c's; the primitives (init, wait) and the
 * semaphore and rlock are in posix/sync_locks.c. Run: build/procs/sync -w 4 -k 2 */
#include "team.h"
#include "sync.h"

#include "hx.h"

#include <stdio.h>

struct shared {
	struct sync_team t; /* args, breaches, counters */
	struct sync_px px;  /* the primitives (sync_locks.c) */
	/* event, condition: worker 0 announces round r by gen = r + 1, the others answer */
	long gen, stamp, acks;
	uint64_t t_gen, t_acks; /* when the predicate became true */
	long passes[];          /* what each worker passed, added up after the run */
};

/* Waits on c (m held) until *value >= want; `since`: when the one who made it true did
 * so (written under m). Returns 0 when the predicate holds, -1 when the run is broken. */
static int wait_for(struct shared *s, pthread_cond_t *c, const long *value, long want,
		    const uint64_t *since, const char *who)
{
	uint64_t give_up = hx_deadline(SYNC_GIVE_UP_NS);

	while (*value < want) {
		uint64_t deadline = hx_deadline(SYNC_WAIT_NS);
		if (s->t.add(&s->t, SYNC_BROKEN, 0))
			return -1;
		if (!sync_px_cond_wait_until(c, &s->px.m, deadline) &&
		    sync_wait_failed(&s->t, who, *value >= want, *since, deadline, give_up))
			return -1;
	}
	return 0;
}

/* event and condition: the announcer (worker 0) and its W-1 listeners */
static int handoff_round(struct shared *s, int w, long r, int condition)
{
	long waiters = s->t.a.workers - 1;
	int sab = s->t.a.sabotage;
	char who[32];

	if (w == 0) {
		HX_CHECK_PT(pthread_mutex_lock(&s->px.m));
		__atomic_store_n(&s->stamp, r, __ATOMIC_SEQ_CST); /* what the listeners must see */
		__atomic_store_n(&s->gen, r + 1, __ATOMIC_SEQ_CST);
		s->t_gen = hx_stamp_ns();
		/* event: sabotage leaves the listeners' wait out; condition: the notify */
		if (!(condition && sab))
			HX_CHECK_PT(pthread_cond_broadcast(&s->px.go));
		w = wait_for(s, &s->px.back, &s->acks, waiters * (r + 1), &s->t_acks, "worker 0");
		HX_CHECK_PT(pthread_mutex_unlock(&s->px.m));
		return w < 0 ? -1 : 1; /* worker 0 counts the round */
	}
	if (!condition && sab) { /* the event's wait replaced by nothing: go on at once */
		long seen = __atomic_load_n(&s->stamp, __ATOMIC_SEQ_CST);
		if (seen < r)
			sync_violation(&s->t.r, "worker %d released in round %ld before the event was "
						"set (stamp %ld)", w, r, seen);
		HX_CHECK_PT(pthread_mutex_lock(&s->px.m));
	} else {
		snprintf(who, sizeof who, "worker %d", w);
		HX_CHECK_PT(pthread_mutex_lock(&s->px.m));
		if (wait_for(s, &s->px.go, &s->gen, r + 1, &s->t_gen, who) < 0) {
			HX_CHECK_PT(pthread_mutex_unlock(&s->px.m));
			return -1;
		}
		if (s->stamp < r)
			sync_violation(&s->t.r, "worker %d released in round %ld before the event was set",
				       w, r);
	}
	/* answer; the last listener wakes worker 0 */
	if (++s->acks == waiters * (r + 1)) {
		s->t_acks = hx_stamp_ns();
		if (!(condition && sab))
			HX_CHECK_PT(pthread_cond_signal(&s->px.back));
	}
	HX_CHECK_PT(pthread_mutex_unlock(&s->px.m));
	return 0;
}

static int one_round(void *arg, int w, long r)
{
	struct shared *s = arg;

	switch (s->t.a.variant) {
	case SYNC_BARRIER:
		s->t.add(&s->t, SYNC_ARRIVED, 1);
		if (!s->t.a.sabotage)
			sync_px_barrier_wait(&s->px.bar);
		sync_crossed(&s->t, w, r);
		return 1;
	case SYNC_EVENT:
	case SYNC_CONDITION:
		return handoff_round(s, w, r, s->t.a.variant == SYNC_CONDITION);
	case SYNC_SEMAPHORE:
		return sync_semaphore_pass(&s->t, w, r, &s->px.sem_lock);
	case SYNC_RLOCK:
		return sync_rlock_pass(&s->t, w, r, &s->px.rlock);
	}
	return 0;
}

/* The timed region is rounds 1..N: each worker passes the timing barrier after round 0
 * and stamps its own start (px_team_mark_start); px_team_run counts from the earliest
 * start to the latest end (one stamp for all would come late with more workers than cores) */
static void timed_start(void *arg)
{
	sync_px_barrier_wait(&((struct shared *)arg)->px.timing);
	px_team_mark_start();
}

static void worker(int w, void *arg)
{
	struct shared *s = arg;
	/* a start line: round 0 begins with everybody there, whatever the start-up */
	sync_px_barrier_wait(&s->px.timing);
	s->passes[w] = sync_rounds(&s->t, w, one_round, timed_start, s);
}

const char *sync_na(enum sync_variant v)
{
	(void)v;
	return NULL;
}

void sync_run(const struct sync_args *a, struct sync_result *r, double *seconds)
{
	size_t len = sizeof(struct shared) + (size_t)a->workers * sizeof(long);
	struct shared *s = px_team_alloc(len); /* procs: mmap(MAP_SHARED) */

	sync_team_init(&s->t, a, "worker");
	s->stamp = -1;
	sync_px_init(&s->px, a->workers, a->permits, PX_PSHARED);
	*seconds = px_team_run(a->workers, worker, s); /* pthread_create or fork() */
	sync_team_result(&s->t, r);
	for (int w = 0; w < a->workers; w++)
		r->passes += s->passes[w];
	sync_px_destroy(&s->px);
	px_team_free(s, len);
}
