/* sumsquares.c: `sumsquares` on MPI ranks. Ranks share no memory, so each schedule
 * also says how the results reach rank 0 (inside the timed region: it is part of the
 * price of processes):
 *   static   rank r maps one contiguous block; MPI_Gatherv puts the blocks in place
 *   cyclic   rank r maps n = r, r+W, ...; MPI_Gather of the packed values, rank 0
 *            puts them in place
 *   dynamic  a shared counter in an RMA window on rank 0: each grab is one
 *            MPI_Fetch_and_op(MPI_SUM); each rank packs the values of the chunks it
 *            took one after the other and notes each chunk's start; MPI_Gather of the
 *            two counts, then MPI_Gatherv of the starts and of the values bring only
 *            what each rank computed (N values in all, as static's Gatherv) to rank 0,
 *            which places them with ss_merge_chunks: an index received twice becomes
 *            SS_TWICE and fails validation, an index never received stays poisoned
 *   guided   not applicable (see ss_na)
 * Every buffer is allocated and touched before the timed region (mp_team_run, team.c,
 * between barriers): it is the schedule, the computing and the gathering, alike for
 * every variant.
 * The serial baseline, when measured (exercises/sumsquares.c), runs on rank 0 while
 * the case's other ranks sleep in ss_alone's barrier (hx_mpi_sleeping_barrier).
 * Run: mpirun -np 2 build/mpi/sumsquares -n 60000 --variant serial,cyclic */
#include "sumsquares.h"

#include "team.h"

#include <stdlib.h>
#include <string.h>

const char *ss_na(enum ss_variant v)
{
	if (v == SS_GUIDED)
		return "MPI has no loop scheduler: a guided grab depends on what is left, so it "
		       "needs a compare-and-swap retry loop over RMA; dynamic shows the shared "
		       "counter (MPI_Fetch_and_op)";
	return NULL;
}

/* What a rank needs during the timed region, allocated (and touched) before it. */
struct bufs {
	uint64_t *mine;          /* the values this rank computes, packed */
	long *starts;            /* dynamic: the starts of the chunks this rank took */
	int *counts, *displs;    /* rank 0: per rank, for the Gatherv */
	int *scounts, *sdispls;  /* rank 0, dynamic: the same for the chunk starts */
	uint64_t *all;           /* rank 0, cyclic and dynamic: what the ranks sent */
	long *allstarts;         /* rank 0, dynamic */
	long *sizes;             /* rank 0, dynamic: values and chunks of each rank */
	long nmine, nchunks;     /* room in mine and starts */
};

static void *touched(size_t n, size_t size)
{
	void *p = hx_calloc(n > 0 ? n : 1, size);
	memset(p, 0xff, (n > 0 ? n : 1) * size); /* the pages are mapped before the start */
	return p;
}

static void bufs_open(struct bufs *b, const struct ss_args *a, int rank, int W)
{
	long n = a->n;
	memset(b, 0, sizeof *b);
	b->nchunks = (n + a->chunk - 1) / a->chunk;
	switch (a->variant) {
	case SS_STATIC:
		b->nmine = n / W + 1;
		break;
	case SS_CYCLIC:
		b->nmine = (n + W - 1) / W;
		break;
	case SS_DYNAMIC: /* a rank may get every chunk */
		b->nmine = n;
		b->starts = touched((size_t)b->nchunks, sizeof *b->starts);
		break;
	default:
		break;
	}
	b->mine = touched((size_t)b->nmine, sizeof *b->mine);
	if (rank != 0)
		return;
	b->counts = touched((size_t)W, sizeof *b->counts);
	b->displs = touched((size_t)W, sizeof *b->displs);
	if (a->variant == SS_CYCLIC)
		b->all = touched((size_t)b->nmine * (size_t)W, sizeof *b->all);
	if (a->variant == SS_DYNAMIC) {
		b->scounts = touched((size_t)W, sizeof *b->scounts);
		b->sdispls = touched((size_t)W, sizeof *b->sdispls);
		b->all = touched((size_t)n, sizeof *b->all);
		b->allstarts = touched((size_t)b->nchunks, sizeof *b->allstarts);
		b->sizes = touched(2 * (size_t)W, sizeof *b->sizes);
	}
}

static void bufs_close(struct bufs *b)
{
	free(b->mine);
	free(b->starts);
	free(b->counts);
	free(b->displs);
	free(b->scounts);
	free(b->sdispls);
	free(b->all);
	free(b->allstarts);
	free(b->sizes);
}

static void run_static(const struct ss_args *a, uint64_t *out, MPI_Comm comm, int rank, int W,
		       struct bufs *b)
{
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

static void run_cyclic(const struct ss_args *a, uint64_t *out, MPI_Comm comm, int rank, int W,
		       struct bufs *b)
{
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

static void run_dynamic(const struct ss_args *a, uint64_t *out, MPI_Comm comm, int rank, int W,
			MPI_Win win, struct bufs *b)
{
	long lo, chunk = a->chunk, nvals = 0, nstarts = 0, tot[2] = { 0, 0 }, *sizes = b->sizes;

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
	{
		long mine2[2] = { nvals, nstarts };
		HX_CHECK_MPI(MPI_Gather(mine2, 2, MPI_LONG, sizes, 2, MPI_LONG, 0, comm));
	}
	if (rank == 0)
		for (int r = 0; r < W; r++) {
			b->counts[r] = (int)sizes[2 * r];
			b->displs[r] = (int)tot[0];
			b->scounts[r] = (int)sizes[2 * r + 1];
			b->sdispls[r] = (int)tot[1];
			tot[0] += sizes[2 * r];
			tot[1] += sizes[2 * r + 1];
		}
	if (rank == 0 && (tot[0] > a->n || tot[1] > b->nchunks)) {
		/* more than N values: some index came twice; room for all, the merge says
		 * which (a failure: its time does not matter) */
		free(b->all);
		free(b->allstarts);
		b->all = hx_calloc((size_t)tot[0] + 1, sizeof *b->all);
		b->allstarts = hx_calloc((size_t)tot[1] + 1, sizeof *b->allstarts);
	}
	HX_CHECK_MPI(MPI_Gatherv(b->starts, (int)nstarts, MPI_LONG, b->allstarts, b->scounts,
				 b->sdispls, MPI_LONG, 0, comm));
	HX_CHECK_MPI(MPI_Gatherv(b->mine, (int)nvals, MPI_UINT64_T, b->all, b->counts, b->displs,
				 MPI_UINT64_T, 0, comm));
	if (rank == 0) /* out[] holds SS_POISON (the exercise's run hook) */
		ss_merge_chunks(out, a->n, chunk, b->allstarts, tot[1], b->all);
}

void ss_alone(void (*fn)(void *), void *arg)
{
	MPI_Comm comm = hx_mpi_comm();
	int rank;

	HX_CHECK_MPI(MPI_Comm_rank(comm, &rank));
	if (rank == 0)
		fn(arg);
	/* rank 0 arrives when it is done; the others sleep meanwhile instead of MPI's busy
	 * poll, so they leave the cores to it */
	hx_mpi_sleeping_barrier(comm);
}

/* What the ranks need in the timed region. */
struct map {
	const struct ss_args *a;
	uint64_t *out;
	MPI_Win win;
	struct bufs b;
	int W;
};

static void run_map(MPI_Comm comm, int rank, void *arg)
{
	struct map *m = arg;

	switch (m->a->variant) {
	case SS_STATIC:
		run_static(m->a, m->out, comm, rank, m->W, &m->b);
		break;
	case SS_CYCLIC:
		run_cyclic(m->a, m->out, comm, rank, m->W, &m->b);
		break;
	case SS_DYNAMIC:
		run_dynamic(m->a, m->out, comm, rank, m->W, m->win, &m->b);
		break;
	case SS_SERIAL: /* run by the exercise itself */
	case SS_GUIDED: /* refused in setup */
		break;
	}
}

void ss_run(const struct ss_args *a, uint64_t *out, double *seconds)
{
	MPI_Comm comm = hx_mpi_comm();
	struct map m = { .a = a, .out = out, .win = MPI_WIN_NULL };
	long *counter = NULL;
	int rank;

	HX_CHECK_MPI(MPI_Comm_rank(comm, &rank));
	HX_CHECK_MPI(MPI_Comm_size(comm, &m.W));
	bufs_open(&m.b, a, rank, m.W);
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
	bufs_close(&m.b);
}
