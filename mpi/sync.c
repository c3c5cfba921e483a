/* sync.c: `sync` on MPI ranks. Ranks share no memory: the counters the checks keep
 * (exercises/sync.c) live in an RMA window on rank 0, touched only with RMA atomics
 * (mpi/sync_win.c: the window, the lock word, the gathering; MPI_Init: harness/).
 *   barrier    MPI_Barrier. Its check costs more than it: only round 0 and SYNC_VERIFY
 *              untimed crossings after the timed rounds are checked, staggered
 *   event      rank 0 sets by posting MPI_Ibcast of the round's stamp; a waiter is released
 *              when it completes; the answers come back through MPI_Ibarrier
 *   semaphore  a permit counter at rank 0, taken with Fetch_and_op(-1)
 *   rlock      a lock word at rank 0 holding owner+1 (Compare_and_swap); the owner re-enters
 * condition: n/a (sync_na). mp_team_run times rounds 1..R. Run: mpirun -np 2 build/mpi/sync */
#include "team.h"
#include "sync.h"
#include <sched.h>

#define SYNC_VERIFY 8 /* barrier: checked crossings after the timed rounds */

struct ctx {
	struct sync_team t; /* args, breaches; the counters in the window */
	MPI_Comm comm;
	MPI_Win win;      /* rank 0: the counters */
	int rank;
	struct sync_lock sem;        /* semaphore: sem_take, sem_give below */
	struct sync_win_locks locks; /* rlock: a lock word (sync_win.c) */
};

/* A timed round: the barrier alone (--sabotage: nothing). */
static void barrier_bare(struct ctx *x)
{
	if (!x->t.a.sabotage)
		HX_CHECK_MPI(MPI_Barrier(x->comm));
}

/* An untimed, checked crossing, number k of the checked ones (0: round 0): every
 * rank counts its arrival at rank 0, arrives w * SYNC_DELAY_NS late, and after the
 * barrier must find all W arrivals of crossing k counted. */
static void barrier_checked(struct ctx *x, long k, const char *which)
{
	long seen, w = x->t.a.workers;
	sync_stagger(x->rank);
	x->t.add(&x->t, SYNC_ARRIVED, 1);
	barrier_bare(x);
	seen = x->t.add(&x->t, SYNC_ARRIVED, 0);
	if (seen < w * (k + 1))
		sync_violation(&x->t.r, "rank %d left the %s barrier when %ld of %ld had arrived",
			       x->rank, which, seen - w * k, w);
}

static void event_round(struct ctx *x, long r)
{
	MPI_Request req;
	long stamp = x->rank == 0 ? r : -1;

	if (x->rank == 0 && r == 0)
		hx_sleep_ns(SYNC_DELAY_NS); /* the others are waiting first */
	HX_CHECK_MPI(MPI_Ibcast(&stamp, 1, MPI_LONG, 0, x->comm, &req));
	if (!x->t.a.sabotage)
		HX_CHECK_MPI(MPI_Wait(&req, MPI_STATUS_IGNORE));
	/* --sabotage looks before the broadcast has completed (erroneous MPI: the buffer
	 * is still the library's), which is what a no-op wait amounts to */
	if (__atomic_load_n(&stamp, __ATOMIC_SEQ_CST) < r)
		sync_violation(&x->t.r, "rank %d released in round %ld before the event was set "
					"(stamp %ld)", x->rank, r, __atomic_load_n(&stamp, __ATOMIC_SEQ_CST));
	if (x->t.a.sabotage)
		HX_CHECK_MPI(MPI_Wait(&req, MPI_STATUS_IGNORE));
	/* the answer: rank 0 goes on when every waiter has had its round */
	HX_CHECK_MPI(MPI_Ibarrier(x->comm, &req));
	HX_CHECK_MPI(MPI_Wait(&req, MPI_STATUS_IGNORE));
	if (x->rank == 0)
		x->t.r.passes++;
}

/* semaphore: take a permit at rank 0; when there was none, give it back and try again */
static void sem_take(void *p)
{
	struct ctx *x = p;
	while (sync_win_fop(x->win, -1, SYNC_PERMITS, MPI_SUM) <= 0) {
		sync_win_fop(x->win, 1, SYNC_PERMITS, MPI_SUM);
		sched_yield();
	}
}

static void sem_give(void *p) { sync_win_fop(((struct ctx *)p)->win, 1, SYNC_PERMITS, MPI_SUM); }

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
	switch (x->t.a.variant) {
	case SYNC_BARRIER:
		if (r == 0)
			barrier_checked(x, 0, "round 0");
		else
			barrier_bare(x);
		x->t.r.passes++;
		break;
	case SYNC_EVENT:
		event_round(x, r);
		break;
	case SYNC_SEMAPHORE:
		x->t.r.passes += sync_semaphore_pass(&x->t, x->rank, r, &x->sem);
		break;
	case SYNC_RLOCK:
		x->t.r.passes += sync_rlock_pass(&x->t, x->rank, r, &x->locks.rlock);
		break;
	default: /* SYNC_CONDITION: sync_na, never run */
		break;
	}
}

/* The timed region: rounds 1..R, after round 0 (untimed) on every rank. */
static void timed_rounds(MPI_Comm comm, int rank, void *arg)
{
	struct ctx *x = arg;
	(void)comm, (void)rank;
	for (long r = 1; r <= x->t.a.rounds; r++)
		one_round(x, r);
}

void sync_run(const struct sync_args *a, struct sync_result *res, double *seconds)
{
	struct ctx x = { .comm = hx_mpi_comm(), .sem = { sem_take, NULL, sem_give, &x } };
	long *base;
	sync_team_init(&x.t, a, "rank");
	HX_CHECK_MPI(MPI_Comm_rank(x.comm, &x.rank));
	base = sync_win_open(&x.t, x.comm, &x.win);
	sync_win_locks(&x.locks, &x.win, x.rank, &x.t.r);
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
	sync_win_gather(x.comm, base, &x.t.r, res);
	HX_CHECK_MPI(MPI_Win_free(&x.win));
}
