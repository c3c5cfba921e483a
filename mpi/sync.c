/* sync.c: `sync` on MPI ranks. Ranks are processes and share no memory, so MPI's own
 * means stand in for the shared objects; the counters the checks need live in an RMA
 * window on rank 0 and are touched only with RMA atomics (MPI_Fetch_and_op,
 * MPI_Compare_and_swap, MPI_Accumulate), each completed with MPI_Win_flush.
 *   barrier    MPI_Barrier; a rank past a barrier must see all W arrivals at it. The
 *              check (two RMA round trips to rank 0) would cost more than the barrier
 *              it checks, so the timed rounds are bare MPI_Barrier calls, and the check
 *              runs on the untimed crossings: round 0, and SYNC_VERIFY more after the
 *              timed rounds, each with staggered arrivals (the same MPI_Barrier, the
 *              same --sabotage: a no-op barrier is caught there)
 *   event      rank 0 sets by posting MPI_Ibcast of the round's stamp; a waiter is
 *              released when its MPI_Ibcast completes and must see the stamp; the
 *              answers come back through MPI_Ibarrier
 *   condition  not applicable (see sync_na)
 *   semaphore  a permit counter at rank 0: take one with Fetch_and_op(-1), give it back
 *              when there was none
 *   rlock      a lock word at rank 0 holding owner+1, taken with Compare_and_swap; the
 *              owner finds its own number there and re-enters (depth kept by the owner)
 * Round 0 runs untimed first; mp_team_run (team.c) times rounds 1..R between barriers.
 * Run: mpirun -np 2 build/mpi/sync --variant barrier -n 100000 */
#include "sync.h"

#include "team.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>

#define SYNC_VERIFY 8 /* barrier: checked crossings after the timed rounds */

enum { ARRIVED, PERMITS, INSIDE, TICKETS, LOCKW, OWNERS, COUNTER, MAXIN, TRYING, NSLOTS };

struct ctx {
	const struct sync_args *a;
	struct sync_result r; /* this rank's */
	MPI_Comm comm;
	MPI_Win win;
	int rank;
};

/* an atomic read-modify-write of one slot at rank 0, complete on return */
static long fop(struct ctx *x, long v, int slot, MPI_Op op)
{
	long old;
	HX_CHECK_MPI(MPI_Fetch_and_op(&v, &old, MPI_LONG, 0, slot, op, x->win));
	HX_CHECK_MPI(MPI_Win_flush(0, x->win));
	return old;
}

static long cas(struct ctx *x, long cmp, long v, int slot)
{
	long old;
	HX_CHECK_MPI(MPI_Compare_and_swap(&v, &cmp, &old, MPI_LONG, 0, slot, x->win));
	HX_CHECK_MPI(MPI_Win_flush(0, x->win));
	return old;
}

static void slot_max(struct ctx *x, long v, int slot)
{
	HX_CHECK_MPI(MPI_Accumulate(&v, 1, MPI_LONG, 0, slot, 1, MPI_LONG, MPI_MAX, x->win));
	HX_CHECK_MPI(MPI_Win_flush(0, x->win));
}

/* round 0 of semaphore and rlock: see hold_round0 in posix/sync.c */
static void hold_round0(struct ctx *x, int slot, long limit)
{
	uint64_t until = hx_deadline(1000000000u);
	while (fop(x, 0, TRYING, MPI_NO_OP) < x->a->workers && !hx_expired(until))
		hx_sleep_ns(10000);
	until = hx_deadline(5000000u);
	while (fop(x, 0, slot, MPI_NO_OP) <= limit && !hx_expired(until))
		hx_sleep_ns(10000);
}

/* A timed round: the barrier alone (--sabotage: nothing). */
static void barrier_bare(struct ctx *x)
{
	if (!x->a->sabotage)
		HX_CHECK_MPI(MPI_Barrier(x->comm));
}

/* An untimed, checked crossing, number k of the checked ones (0: round 0): every
 * rank counts its arrival at rank 0, arrives w * SYNC_DELAY_NS late, and after the
 * barrier must find all W arrivals of crossing k counted. */
static void barrier_checked(struct ctx *x, long k, const char *which)
{
	long seen, w = x->a->workers;
	sync_stagger(x->rank);
	fop(x, 1, ARRIVED, MPI_SUM);
	barrier_bare(x);
	seen = fop(x, 0, ARRIVED, MPI_NO_OP);
	if (seen < w * (k + 1))
		sync_violation(&x->r, "rank %d left the %s barrier when %ld of %ld had arrived",
			       x->rank, which, seen - w * k, w);
}

static void event_round(struct ctx *x, long r)
{
	MPI_Request req;
	long stamp = x->rank == 0 ? r : -1;

	if (x->rank == 0 && r == 0)
		hx_sleep_ns(SYNC_DELAY_NS); /* the others are waiting first */
	HX_CHECK_MPI(MPI_Ibcast(&stamp, 1, MPI_LONG, 0, x->comm, &req));
	if (!x->a->sabotage)
		HX_CHECK_MPI(MPI_Wait(&req, MPI_STATUS_IGNORE));
	/* --sabotage looks before the broadcast has completed (erroneous MPI: the buffer
	 * is still the library's), which is what a no-op wait amounts to */
	if (__atomic_load_n(&stamp, __ATOMIC_SEQ_CST) < r)
		sync_violation(&x->r, "rank %d released in round %ld before the event was set "
				      "(stamp %ld)", x->rank, r, __atomic_load_n(&stamp, __ATOMIC_SEQ_CST));
	if (x->a->sabotage)
		HX_CHECK_MPI(MPI_Wait(&req, MPI_STATUS_IGNORE));
	/* the answer: rank 0 goes on when every waiter has had its round */
	HX_CHECK_MPI(MPI_Ibarrier(x->comm, &req));
	HX_CHECK_MPI(MPI_Wait(&req, MPI_STATUS_IGNORE));
	if (x->rank == 0)
		x->r.passes++;
}

static void semaphore_round(struct ctx *x, long r)
{
	long n, k = x->a->permits < x->a->workers ? x->a->permits : x->a->workers;

	if (r == 0)
		fop(x, 1, TRYING, MPI_SUM);
	while (!x->a->sabotage) {
		if (fop(x, -1, PERMITS, MPI_SUM) > 0)
			break;
		fop(x, 1, PERMITS, MPI_SUM); /* there was none: give it back, try again */
		sched_yield();
	}
	n = fop(x, 1, INSIDE, MPI_SUM) + 1;
	slot_max(x, n, MAXIN);
	if (n > x->a->permits)
		sync_violation(&x->r, "rank %d entered as number %ld with %d permits", x->rank, n,
			       x->a->permits);
	if (r == 0) { /* the first K wait for each other, then hold on (see posix/sync.c) */
		long ticket = fop(x, 1, TICKETS, MPI_SUM) + 1, target = x->a->workers - ticket + 1;
		uint64_t until = hx_deadline(1000000000u);
		if (target > k)
			target = k;
		while (fop(x, 0, INSIDE, MPI_NO_OP) < target && !hx_expired(until))
			hx_sleep_ns(10000);
		hold_round0(x, INSIDE, x->a->permits);
	} else {
		sync_hold(50);
	}
	fop(x, -1, INSIDE, MPI_SUM);
	if (!x->a->sabotage)
		fop(x, 1, PERMITS, MPI_SUM);
	x->r.passes++;
}

/* one acquire of the recursive lock: 1 = fresh, 2 = re-entered (we own it), 0 = refused */
static int rlock_try(struct ctx *x)
{
	long me = x->rank + 1, old = cas(x, 0, me, LOCKW);
	return old == 0 ? 1 : old == me ? 2 : 0;
}

static void rlock_round(struct ctx *x, long r)
{
	int sab = x->a->sabotage, depth = 1;
	long n, v;

	if (r == 0)
		fop(x, 1, TRYING, MPI_SUM);
	while (!sab && rlock_try(x) != 1)
		sched_yield();
	n = fop(x, 1, OWNERS, MPI_SUM) + 1;
	slot_max(x, n, MAXIN);
	if (n > 1)
		sync_violation(&x->r, "rank %d owns the lock with %ld others", x->rank, n - 1);
	for (int d = 2; d <= SYNC_DEPTH; d++) {
		if (!sab && rlock_try(x) != 2) {
			sync_violation(&x->r, "re-entry %d refused: locking again would deadlock", d);
			break;
		}
		depth++; /* only the owner counts its depth */
	}
	if (depth > x->r.deepest)
		x->r.deepest = depth;
	/* a plain get, add, put: the lock alone keeps it whole */
	HX_CHECK_MPI(MPI_Get(&v, 1, MPI_LONG, 0, COUNTER, 1, MPI_LONG, x->win));
	HX_CHECK_MPI(MPI_Win_flush(0, x->win));
	if (r == 0)
		hold_round0(x, OWNERS, 1);
	else
		sync_hold(20);
	v++;
	HX_CHECK_MPI(MPI_Put(&v, 1, MPI_LONG, 0, COUNTER, 1, MPI_LONG, x->win));
	HX_CHECK_MPI(MPI_Win_flush(0, x->win));
	fop(x, -1, OWNERS, MPI_SUM);
	/* the outermost release (depth back to 0) frees the word */
	if (!sab && cas(x, x->rank + 1, 0, LOCKW) != x->rank + 1)
		sync_violation(&x->r, "rank %d released a lock it did not hold", x->rank);
	x->r.passes++;
}

const char *sync_na(enum sync_variant v)
{
	if (v == SYNC_CONDITION)
		return "MPI has no condition variable: ranks share no mutex to sleep on. A rank "
		       "waits for another's predicate by receiving the message that makes it true "
		       "(MPI_Recv), and a message is not lost the way a notify can be: see "
		       "--variant event";
	return NULL;
}

static void one_round(struct ctx *x, long r)
{
	switch (x->a->variant) {
	case SYNC_BARRIER:
		if (r == 0)
			barrier_checked(x, 0, "round 0");
		else
			barrier_bare(x);
		x->r.passes++;
		break;
	case SYNC_EVENT:
		event_round(x, r);
		break;
	case SYNC_CONDITION: /* sync_na: never run */
		break;
	case SYNC_SEMAPHORE:
		semaphore_round(x, r);
		break;
	case SYNC_RLOCK:
		rlock_round(x, r);
		break;
	}
}

/* The timed region: rounds 1..R, after round 0 (untimed) on every rank. */
static void timed_rounds(MPI_Comm comm, int rank, void *arg)
{
	struct ctx *x = arg;
	(void)comm;
	(void)rank;
	for (long r = 1; r <= x->a->rounds; r++)
		one_round(x, r);
}

/* The counters: NSLOTS longs on rank 0, PERMITS set, the others 0; returns rank 0's
 * part (where rank 0 reads them after every epoch has closed). */
static long *open_window(struct ctx *x, int size)
{
	long *base, init[NSLOTS] = { 0 };
	MPI_Aint bytes = x->rank == 0 ? (MPI_Aint)sizeof init : 0;
	int node_size;
	MPI_Comm node;

	/* On one node a shared-memory window (osc/sm): Open MPI 4.1's osc/rdma over the
	 * vader transport crashes in MPI_Compare_and_swap here. Across nodes, a plain one. */
	HX_CHECK_MPI(MPI_Comm_split_type(x->comm, MPI_COMM_TYPE_SHARED, x->rank, MPI_INFO_NULL,
					 &node));
	HX_CHECK_MPI(MPI_Comm_size(node, &node_size));
	HX_CHECK_MPI(MPI_Comm_free(&node));
	if (node_size == size)
		HX_CHECK_MPI(MPI_Win_allocate_shared(bytes, sizeof(long), MPI_INFO_NULL, x->comm,
						     &base, &x->win));
	else
		HX_CHECK_MPI(MPI_Win_allocate(bytes, sizeof(long), MPI_INFO_NULL, x->comm, &base,
					      &x->win));
	HX_CHECK_MPI(MPI_Win_set_errhandler(x->win, MPI_ERRORS_RETURN));
	if (x->rank == 0) {
		init[PERMITS] = x->a->permits;
		HX_CHECK_MPI(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, x->win));
		HX_CHECK_MPI(MPI_Put(init, NSLOTS, MPI_LONG, 0, 0, NSLOTS, MPI_LONG, x->win));
		HX_CHECK_MPI(MPI_Win_unlock(0, x->win));
	}
	return base;
}

/* Rank 0 gathers: counts summed, the deepest re-entry, the window's slots, and the
 * first breach's text by rank order. Every epoch is closed. */
static void gather(struct ctx *x, int size, const long *base, struct sync_result *res)
{
	long sums[2], mine[2] = { x->r.violations, x->r.passes }, slots[NSLOTS];
	char *texts = NULL;

	HX_CHECK_MPI(MPI_Reduce(mine, sums, 2, MPI_LONG, MPI_SUM, 0, x->comm));
	HX_CHECK_MPI(MPI_Reduce(&x->r.deepest, &res->deepest, 1, MPI_LONG, MPI_MAX, 0, x->comm));
	if (x->rank == 0)
		texts = hx_calloc((size_t)size, sizeof x->r.what);
	HX_CHECK_MPI(MPI_Gather(x->r.what, sizeof x->r.what, MPI_CHAR, texts, sizeof x->r.what,
				MPI_CHAR, 0, x->comm));
	if (x->rank != 0)
		return;
	memcpy(slots, base, sizeof slots); /* all epochs closed: the window is ours */
	res->violations = sums[0];
	res->passes = sums[1];
	res->max_inside = slots[MAXIN];
	res->counter = slots[COUNTER];
	for (int i = size - 1; i >= 0; i--)
		if (texts[(size_t)i * sizeof x->r.what] != '\0')
			memcpy(res->what, texts + (size_t)i * sizeof x->r.what, sizeof x->r.what);
	free(texts);
}

void sync_run(const struct sync_args *a, struct sync_result *res, double *seconds)
{
	struct ctx x = { .a = a, .comm = hx_mpi_comm() };
	long *base;
	int size;

	HX_CHECK_MPI(MPI_Comm_rank(x.comm, &x.rank));
	HX_CHECK_MPI(MPI_Comm_size(x.comm, &size));
	base = open_window(&x, size);
	HX_CHECK_MPI(MPI_Barrier(x.comm));
	HX_CHECK_MPI(MPI_Win_lock_all(0, x.win));
	HX_CHECK_MPI(MPI_Barrier(x.comm)); /* the start line of round 0 */

	one_round(&x, 0); /* untimed, staggered arrivals */
	/* the timed rounds start together and end when the last rank is done (team.c) */
	*seconds = mp_team_run(timed_rounds, &x);
	if (a->variant == SYNC_BARRIER) /* the timed rounds' check, untimed */
		for (long k = 1; k <= SYNC_VERIFY; k++)
			barrier_checked(&x, k, "verification");

	HX_CHECK_MPI(MPI_Win_unlock_all(x.win));
	HX_CHECK_MPI(MPI_Barrier(x.comm));
	gather(&x, size, base, res);
	HX_CHECK_MPI(MPI_Win_free(&x.win));
}
