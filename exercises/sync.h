/* sync.h: exercise 6, barrier, event, condition, semaphore and recursive lock
 * (catalogue section 6).
 *
 * The seeds: two workers with different delays meet twice at one reusable Barrier; an
 * Event releases its waiters; a Condition lets a worker wait for a predicate; a
 * Semaphore lets at most K in; an RLock can be taken again by its owner.
 * Here every primitive runs `rounds` timed rounds after one untimed round 0 (the
 * seed's meeting with different delays, which also makes a broken primitive show at
 * once), and checks its own invariant while it runs (MPI's barrier, whose check costs
 * more than the barrier, checks round 0 and a few untimed crossings after the timed
 * rounds instead: see mpi/sync.c):
 *   barrier    nobody starts round r+1 before all have finished round r
 *   event      a waiter is released only after the event was set (it sees the stamp)
 *   condition  a waiter sleeps until the predicate holds, and no wake-up is lost
 *   semaphore  at most K inside at once, and K is reached
 *   rlock      the owner re-enters without deadlock; still one owner at a time
 * --sabotage (a test aid) replaces the primitive by a no-op: the run must then fail. */
#ifndef SYNC_H
#define SYNC_H

#include <stddef.h>

enum sync_variant { SYNC_BARRIER, SYNC_EVENT, SYNC_CONDITION, SYNC_SEMAPHORE, SYNC_RLOCK };

#define SYNC_DEPTH 3            /* rlock: how deep the owner re-enters */
#define SYNC_DELAY_NS 300000ULL /* round 0: worker w arrives w * this late */
#define SYNC_WAIT_NS 100000000ULL /* condition: a wait longer than this with the
				   * predicate already true is a lost wake-up */
#define SYNC_GIVE_UP_NS 10000000000ULL /* any wait: after 10 s the run is broken */

struct sync_args {
	enum sync_variant variant;
	int workers;
	long rounds;  /* timed rounds; round 0 comes on top */
	int permits;  /* semaphore: K */
	int sabotage; /* replace the primitive by a no-op */
};

/* What a run saw; filled by the backend, judged by sync_validate outside the timing. */
struct sync_result {
	long violations;   /* invariant breaches seen while running */
	char what[96];     /* the first one, in words */
	long passes;       /* barrier: worker-rounds finished; event/condition: rounds
			    * acknowledged by every waiter; semaphore, rlock: entries */
	long max_inside;   /* semaphore: most workers inside at once; rlock: owners at once */
	long counter;      /* rlock: the protected counter (+1 per entry) */
	long deepest;      /* rlock: deepest re-entry seen */
};

/* Round 0's stagger: worker w waits w * SYNC_DELAY_NS (the seed's different delays). */
void sync_stagger(int worker);
/* A little work inside a semaphore or a lock, so that workers overlap. */
void sync_hold(long spins);
/* Record a breach (first one's text kept). Thread- and process-safe when r lies in
 * shared memory. */
void sync_violation(struct sync_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* What the result must be after a correct run of a. */
long sync_expected_passes(const struct sync_args *a);
/* 0 when r is right for a; else 1 with the reason in why. */
int sync_validate(const struct sync_args *a, const struct sync_result *r, char *why, size_t len);

/* The parallel part, one per backend. sync_na: NULL when the variant runs here, else
 * why it does not. sync_run: run it, store the timed seconds, fill *r. */
const char *sync_na(enum sync_variant v);
void sync_run(const struct sync_args *a, struct sync_result *r, double *seconds);

#endif
