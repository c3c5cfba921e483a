/* sync.c: `sync` on R MPI ranks of T OpenMP threads (hybrid.h): the barrier of a hybrid
 * program, two levels. Every thread of a rank meets the others at `omp barrier`, the
 * master thread meets the other ranks' masters at MPI_Barrier (FUNNELED: only it calls
 * MPI), and an `omp barrier` lets the rank's threads go on. Round 0 (staggered: worker g
 * arrives g * SYNC_DELAY_NS late) and SYNC_VERIFY untimed crossings after the timed
 * rounds are checked: each thread counts its arrival on its rank, the masters sum the
 * counts with MPI_Allreduce (itself the crossing between ranks), and every thread must
 * then find all W arrivals counted. Rounds 1..R are timed (hy_team_stamp), as on MPI
 * unchecked. --sabotage leaves every barrier out (the Allreduce of the checked crossings
 * stays: the threads then read a stale count, and the run fails).
 * event, condition, semaphore, rlock: n/a (sync_na).
 * Run: OMP_NUM_THREADS=2 tools/mpilaunch 2 build/hybrid/sync --variant barrier */
#include "sync.h"

#include "hybrid.h"

#include <stdlib.h>
#include <string.h>

#define SYNC_VERIFY 8 /* checked crossings after the timed rounds */

struct ctx {
	const struct sync_args *a;
	struct sync_result r; /* this rank's breaches (sync_violation is thread-safe) */
	long arrived;         /* this rank's arrivals at checked crossings */
	long seen;            /* the arrivals of every rank, after the last checked crossing */
	long passes;          /* this rank's threads' rounds */
	double t0, t1;
};

const char *sync_na(enum sync_variant v)
{
	if (v == SYNC_BARRIER)
		return NULL;
	return "the hybrid backend shows the two-level barrier (omp barrier, MPI_Barrier on the "
	       "master thread); this primitive is one level's: see openmp and mpi";
}

/* a timed crossing: threads, then ranks (the master alone), then threads again */
static void crossing(struct ctx *x, MPI_Comm comm)
{
	if (x->a->sabotage)
		return;
#pragma omp barrier
#pragma omp master
	HX_CHECK_MPI(MPI_Barrier(comm));
#pragma omp barrier
}

/* checked crossing k (0: round 0) by worker g */
static void checked(struct ctx *x, MPI_Comm comm, int g, long k, int stagger)
{
	long seen, all = x->a->workers;

	if (stagger)
		sync_stagger(g);
	__atomic_add_fetch(&x->arrived, 1, __ATOMIC_SEQ_CST);
	if (!x->a->sabotage) {
#pragma omp barrier
	}
#pragma omp master
	{
		long mine = __atomic_load_n(&x->arrived, __ATOMIC_SEQ_CST), sum = 0;
		HX_CHECK_MPI(MPI_Allreduce(&mine, &sum, 1, MPI_LONG, MPI_SUM, comm));
		__atomic_store_n(&x->seen, sum, __ATOMIC_SEQ_CST);
	}
	if (!x->a->sabotage) {
#pragma omp barrier
	}
	seen = __atomic_load_n(&x->seen, __ATOMIC_SEQ_CST);
	if (seen < all * (k + 1))
		sync_violation(&x->r, "worker %d left %s barrier %ld when %ld of %ld had arrived", g,
			       k == 0 ? "round 0's" : "checked", k, seen - all * k, all);
}

static void threads(MPI_Comm comm, int rank, int tid, void *arg)
{
	struct ctx *x = arg;
	int g = hy_first_worker(rank) + tid;
	long passes = 0;

	checked(x, comm, g, 0, 1); /* round 0, untimed */
	passes++;
	hy_team_stamp(comm, &x->t0);
	for (long r = 1; r <= x->a->rounds; r++) {
		crossing(x, comm);
		passes++;
	}
	hy_team_stamp(comm, &x->t1);
	for (long k = 1; k <= SYNC_VERIFY; k++)
		checked(x, comm, g, k, 1);
	__atomic_add_fetch(&x->passes, passes, __ATOMIC_SEQ_CST);
}

void sync_run(const struct sync_args *a, struct sync_result *res, double *seconds)
{
	MPI_Comm comm = hx_mpi_comm();
	struct ctx x = { .a = a };
	long mine[2], sum[2] = { 0, 0 };
	char *what = NULL;
	int rank, size;

	x.r.unrecorded = a->reference;
	HX_CHECK_MPI(MPI_Comm_rank(comm, &rank));
	HX_CHECK_MPI(MPI_Comm_size(comm, &size));
	(void)hy_team_run(threads, NULL, &x);
	*seconds = x.t1 - x.t0;
	/* rank 0: the passes and breaches summed, the first breach's text by rank order */
	mine[0] = x.passes;
	mine[1] = x.r.violations;
	HX_CHECK_MPI(MPI_Reduce(mine, sum, 2, MPI_LONG, MPI_SUM, 0, comm));
	if (rank == 0)
		what = hx_calloc((size_t)size, sizeof x.r.what);
	HX_CHECK_MPI(MPI_Gather(x.r.what, (int)sizeof x.r.what, MPI_CHAR, what,
				(int)sizeof x.r.what, MPI_CHAR, 0, comm));
	if (rank != 0)
		return;
	memset(res, 0, sizeof *res);
	res->passes = sum[0];
	res->violations = sum[1];
	for (int r = 0; r < size; r++)
		if (what[(size_t)r * sizeof x.r.what] != '\0') {
			memcpy(res->what, what + (size_t)r * sizeof x.r.what, sizeof res->what);
			res->what[sizeof res->what - 1] = '\0';
			break;
		}
	free(what);
}
