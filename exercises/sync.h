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

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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
	int reference; /* the reference loop (harness: c->refloop): sabotage's loop, its
			* breaches expected and not recorded, nothing judged */
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
	int unrecorded;    /* the reference loop: sync_violation records nothing */
};

/* Round 0's stagger: worker w waits w * SYNC_DELAY_NS (the seed's different delays). */
void sync_stagger(int worker);
/* A little work inside a semaphore or a lock, so that workers overlap. */
void sync_hold(long spins);
/* Record a breach (first one's text kept). Thread- and process-safe when r lies in
 * shared memory. Inline: the library files of posix/ and mpi/ call it too. */
__attribute__((format(printf, 2, 3))) static inline void sync_violation(struct sync_result *r,
									  const char *fmt, ...)
{
	if (r->unrecorded) /* the reference loop: no primitive, so breaches are expected */
		return;
	/* the first breach writes the text; the others only count */
	if (__atomic_fetch_add(&r->violations, 1, __ATOMIC_SEQ_CST) == 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(r->what, sizeof r->what, fmt, ap);
		va_end(ap);
	}
}

/* ---- what the backends share while they run ---------------------------------------
 * The counters the checks keep, one long each. Where they live is the backend's own
 * business: in memory every worker sees (OpenMP, pthreads, procs: c[] below, for procs
 * in a MAP_SHARED mapping), or in an RMA window on rank 0 (MPI). */
enum sync_slot {
	SYNC_ARRIVED, SYNC_INSIDE, SYNC_TICKETS, SYNC_TRYING, SYNC_OWNERS, SYNC_MAXIN,
	SYNC_DEEPEST, SYNC_COUNTER, SYNC_PERMITS, SYNC_LOCKW, SYNC_BROKEN, SYNC_NSLOTS
};

struct sync_team {
	struct sync_args a;
	struct sync_result r; /* the breaches (sync_violation); the rest is filled at the end */
	const char *who;      /* how a message names a worker: "worker", "thread", "rank" */
	/* an atomic add returning the new value (v = 0: an atomic read), an atomic max, and
	 * a plain read and write (rlock's counter: the lock alone keeps it whole) */
	long (*add)(struct sync_team *t, int slot, long v);
	void (*max)(struct sync_team *t, int slot, long v);
	long (*get)(struct sync_team *t, int slot);
	void (*put)(struct sync_team *t, int slot, long v);
	long c[SYNC_NSLOTS]; /* the counters of sync_team_init's (shared-memory) operations */
	void *where;         /* the counters of the backend's own operations (MPI: its window) */
};

/* The counters in t->c, with __atomic builtins; t->c[SYNC_PERMITS] = a->permits. */
void sync_team_init(struct sync_team *t, const struct sync_args *a, const char *who);
/* After the run: *r = t->r with max_inside, counter and deepest from the counters. */
void sync_team_result(const struct sync_team *t, struct sync_result *r);

/* A lock-like primitive, the backend's: take (semaphore: a permit; rlock: the lock),
 * again (rlock: the owner takes it once more; 0 = refused) and give (once per take and
 * again). --sabotage calls none of them. */
struct sync_lock {
	void (*take)(void *p);
	int (*again)(void *p);
	void (*give)(void *p);
	void *p;
};

/* One pass of worker w through a semaphore or a recursive lock in round r, with its
 * checks (round 0 also holds on until every worker is at the door). Returns 1. */
int sync_semaphore_pass(struct sync_team *t, int w, long r, const struct sync_lock *l);
int sync_rlock_pass(struct sync_team *t, int w, long r, const struct sync_lock *l);

/* After worker w crossed barrier r: all W arrivals of round r must have been counted. */
void sync_crossed(struct sync_team *t, int w, long r);

/* Worker w's rounds 0..R on a team that shares memory. Round 0 is staggered (barrier:
 * sync_stagger; event, condition: worker 0 comes late, so the others wait first).
 * one(arg, w, r) runs a round: the passes it adds, or -1 when the run is broken. Before
 * round 1, or at the end when w left during round 0, timed(arg) marks the timed start
 * (every worker calls it exactly once). Returns w's passes (for the backend to add up
 * outside the timed region). */
long sync_rounds(struct sync_team *t, int w, int (*one)(void *arg, int w, long r),
		 void (*timed)(void *arg), void *arg);

/* A timed wait for a predicate timed out at `deadline` (CLOCK_MONOTONIC ns): holds says
 * whether the predicate is true now, since when it was made true. Returns 1 (the run is
 * broken, the breach recorded) for a lost wake-up or after SYNC_GIVE_UP_NS (give_up). */
int sync_wait_failed(struct sync_team *t, const char *who, int holds, uint64_t since,
		     uint64_t deadline, uint64_t give_up);

#ifdef PX_TEAM_H
/* ---- POSIX only: the primitives of posix/sync_locks.c (a library file: every posix
 * program links it, so it calls nothing of this file's sync.c) ------------------------ */
#include <semaphore.h>
struct sync_px {
	pthread_barrier_t timing; /* untouched by --sabotage: marks the timed region */
	pthread_barrier_t bar;    /* barrier */
	pthread_mutex_t m;        /* event, condition: with go (to the listeners) and back */
	pthread_cond_t go, back;  /* on CLOCK_MONOTONIC, the clock of hx_deadline */
	sem_t sem;                /* semaphore: K permits */
	pthread_mutex_t rl;       /* rlock: PTHREAD_MUTEX_RECURSIVE */
	struct sync_lock sem_lock, rlock; /* sem and rl as sync_semaphore_pass, _rlock_pass
					   * take them */
};
/* All of them, process-shared when pshared (p must then lie in shared memory). */
void sync_px_init(struct sync_px *p, int workers, int permits, int pshared);
void sync_px_destroy(struct sync_px *p);
void sync_px_barrier_wait(pthread_barrier_t *b);
/* pthread_cond_timedwait until deadline (hx_deadline's ns): 0 when it timed out. */
int sync_px_cond_wait_until(pthread_cond_t *c, pthread_mutex_t *m, uint64_t deadline);
#endif

#ifdef MP_TEAM_H
/* ---- MPI only: the counters in an RMA window on rank 0, in mpi/sync_win.c (a library
 * file: every MPI program links it, so it calls nothing of this file's sync.c) -------- */
/* An atomic read-modify-write / compare-and-swap of one slot, complete on return: the
 * old value. */
long sync_win_fop(MPI_Win win, long v, int slot, MPI_Op op);
long sync_win_cas(MPI_Win win, long cmp, long v, int slot);
/* Open the window (SYNC_NSLOTS longs on rank 0, SYNC_PERMITS = permits, the rest 0) and
 * make t's counters live there (t->where = win). Returns rank 0's part. */
long *sync_win_open(struct sync_team *t, MPI_Comm comm, MPI_Win *win);
/* The recursive lock (a lock word) of rank `rank` as the shared checks take it. */
struct sync_win_locks {
	MPI_Win *win;
	int rank, depth; /* the owner's own count of its re-entries */
	struct sync_result *r;
	struct sync_lock rlock;
};
void sync_win_locks(struct sync_win_locks *l, MPI_Win *win, int rank, struct sync_result *r);
/* Rank 0 gathers into *res: counts summed, the window's counters, and the first breach's
 * text by rank order. Every epoch must be closed. */
void sync_win_gather(MPI_Comm comm, const long *base, const struct sync_result *mine,
		     struct sync_result *res);
#endif

/* What the result must be after a correct run of a. */
long sync_expected_passes(const struct sync_args *a);
/* 0 when r is right for a; else 1 with the reason in why. */
int sync_validate(const struct sync_args *a, const struct sync_result *r, char *why, size_t len);

/* The parallel part, one per backend. sync_na: NULL when the variant runs here, else
 * why it does not. sync_run: run it, store the timed seconds, fill *r. */
const char *sync_na(enum sync_variant v);
void sync_run(const struct sync_args *a, struct sync_result *r, double *seconds);

#endif
