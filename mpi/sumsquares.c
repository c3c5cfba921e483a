/* sumsquares.c: `sumsquares` on MPI ranks. Ranks share no memory, so each schedule also
 * says how the results reach rank 0, inside the timed region (mp_team_run, team.c): it
 * is part of the price of processes. Buffers: sumsquares_bufs.c, touched before it.
 *   static   rank r maps one contiguous block; MPI_Gatherv puts the blocks in place
 *   cyclic   rank r maps n = r, r+W, ...; MPI_Gather, then rank 0 puts them in place
 *   dynamic  a shared counter in an RMA window on rank 0, one MPI_Fetch_and_op per grab;
 *            each rank sends only the chunks it took (their starts and values, packed),
 *            rank 0 places them (ss_merge_chunks: an index got twice or never fails)
 *   guided   not applicable (see ss_na)
 * Run: mpirun -np 2 build/mpi/sumsquares -n 60000 --variant serial,cyclic */
#include "sumsquares.h"

#include "sumsquares_bufs.h"
#include "team.h"

#include <stdlib.h>

const char *ss_na(enum ss_variant v)
{
	if (v == SS_GUIDED)
		return "MPI has no loop scheduler: a guided grab depends on what is left, so it "
		       "needs a compare-and-swap retry loop over RMA; dynamic shows the shared "
		       "counter (MPI_Fetch_and_op)";
	return NULL;
}

static void run_static(MPI_Comm comm, int rank, struct map *b)
{
	const struct ss_args *a = b->a;
	uint64_t *out = b->out;
	int W = b->W;
	long q = a->n / W, r = a->n % W;
	long lo = rank * q + (rank < r ? rank : r), cnt = q + (rank < r ? 1 : 0);

	for (long i = 0; i < cnt; i++)
		b->mine[i] = ss_sum_square((uint64_t)(lo + i));
	if (rank == 0)
		for (int k = 0; k < W; k++) {
			b->counts[k] = (int)(q + (k < r ? 1 : 0));
			b->displs[k] = (int)(k * q + (k < r ? k : r));
		}
	HX_CHECK_MPI(MPI_Gatherv(b->mine, (int)cnt, MPI_UINT64_T, out, b->counts, b->displs,
				 MPI_UINT64_T, 0, comm));
}

static void run_cyclic(MPI_Comm comm, int rank, struct map *b)
{
	const struct ss_args *a = b->a;
	uint64_t *out = b->out;
	int W = b->W;
	long per = b->nmine; /* every rank sends `per` values, padded */
	long k = 0;

	for (long i = rank; i < a->n; i += W)
		b->mine[k++] = ss_sum_square((uint64_t)i);
	HX_CHECK_MPI(MPI_Gather(b->mine, (int)per, MPI_UINT64_T, b->all, (int)per, MPI_UINT64_T, 0,
				comm));
	if (rank == 0) /* rank r's k-th value is index r + k*W */
		for (int r = 0; r < W; r++)
			for (long j = 0, i = r; i < a->n; j++, i += W)
				out[i] = b->all[(size_t)r * (size_t)per + (size_t)j];
}

static void run_dynamic(MPI_Comm comm, int rank, struct map *b)
{
	const struct ss_args *a = b->a;
	MPI_Win win = b->win;
	long lo, chunk = a->chunk, nvals = 0, nstarts = 0;

	for (;;) {
		long hi;
		HX_CHECK_MPI(MPI_Fetch_and_op(&chunk, &lo, MPI_LONG, 0, 0, MPI_SUM, win));
		HX_CHECK_MPI(MPI_Win_flush(0, win));
		if (lo >= a->n)
			break;
		hi = lo + chunk < a->n ? lo + chunk : a->n;
		if (nstarts >= b->nchunks || nvals + (hi - lo) > b->nmine)
			break; /* more than there is: the counter is broken; the missing fail */
		b->starts[nstarts++] = lo;
		for (long i = lo; i < hi; i++)
			b->mine[nvals++] = ss_sum_square((uint64_t)i);
	}
	/* rank 0 learns how much each rank sends, then gets only that */
	nstarts = ss_gather_chunks(comm, rank, b, nvals, nstarts);
	/* out[] holds SS_POISON (the exercise's run hook): an index placed twice becomes
	 * SS_TWICE, one never placed stays poisoned; both fail validation */
	if (rank == 0)
		ss_merge_chunks(b->out, a->n, chunk, b->allstarts, nstarts, b->all);
}

static void run_map(MPI_Comm comm, int rank, void *arg)
{
	struct map *m = arg;

	if (m->a->variant == SS_STATIC)
		run_static(comm, rank, m);
	else if (m->a->variant == SS_CYCLIC)
		run_cyclic(comm, rank, m);
	else if (m->a->variant == SS_DYNAMIC)
		run_dynamic(comm, rank, m);
	/* serial: run by the exercise itself; guided: refused in setup */
}

void ss_run(const struct ss_args *a, uint64_t *out, double *seconds)
{
	MPI_Comm comm = hx_mpi_comm();
	struct map m = { .a = a, .out = out, .win = MPI_WIN_NULL };
	long *counter = NULL;
	int rank;

	/* the baseline on rank 0, the case's other ranks asleep in a barrier */
	ss_baseline_alone(a);
	HX_CHECK_MPI(MPI_Comm_rank(comm, &rank));
	HX_CHECK_MPI(MPI_Comm_size(comm, &m.W));
	ss_bufs_open(&m, rank, m.W);
	if (a->variant == SS_DYNAMIC) {
		/* the counter: one long on rank 0, zero before anyone grabs (team.c's first
		 * barrier is after the put is flushed) */
		HX_CHECK_MPI(MPI_Win_allocate(rank == 0 ? (MPI_Aint)sizeof(long) : 0, sizeof(long),
					      MPI_INFO_NULL, comm, &counter, &m.win));
		HX_CHECK_MPI(MPI_Win_set_errhandler(m.win, MPI_ERRORS_RETURN));
		HX_CHECK_MPI(MPI_Win_lock_all(0, m.win));
		if (rank == 0) {
			long zero = 0;
			HX_CHECK_MPI(MPI_Put(&zero, 1, MPI_LONG, 0, 0, 1, MPI_LONG, m.win));
			HX_CHECK_MPI(MPI_Win_flush(0, m.win));
		}
	}
	*seconds = mp_team_run(run_map, &m);
	if (m.win != MPI_WIN_NULL) {
		HX_CHECK_MPI(MPI_Win_unlock_all(m.win));
		HX_CHECK_MPI(MPI_Win_free(&m.win));
	}
	ss_bufs_close(&m);
}
